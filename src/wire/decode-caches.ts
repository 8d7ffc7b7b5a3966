/**
 * The push/pull decoder's process-wide caches, emptied together: the names (string-intern.ts),
 * short byte fields (bytes-intern.ts), recent metadata values (recent-bytes.ts), version bytes
 * (vsn-intern.ts) and last node states (push-state-cache.ts). Each is bounded and only ever
 * evicts, so correctness never needs this; memberlist.ts runs it when the last node of the
 * process shuts down, so that a process that has left its cluster does not keep what it learned
 * there (up to a few MiB for a 10,000-member cluster) and a node started later begins with the
 * caches a new process has.
 */
import { clearBytesIntern } from './bytes-intern.ts';
import { clearPushStateCache } from './push-state-cache.ts';
import { clearRecentBytes } from './recent-bytes.ts';
import { clearStringIntern } from './string-intern.ts';
import { clearVsnIntern } from './vsn-intern.ts';

export function clearDecodeCaches(): void {
  clearStringIntern();
  clearBytesIntern();
  clearRecentBytes();
  clearPushStateCache();
  clearVsnIntern();
}
