/**
 * The push/pull decoder's process-wide caches, emptied together: the names (string-intern.ts),
 * short byte fields (bytes-intern.ts), recent metadata values (recent-bytes.ts) and last node
 * states (push-state-cache.ts). Each is bounded and only ever evicts, so nothing needs this to
 * run; it is for measurements that warm a process's code up on throwaway nodes and then want the
 * decoder as a new process has it (scripts/bench-memory.ts), and for tests that need a cold one.
 */
import { clearBytesIntern } from './bytes-intern.ts';
import { clearPushStateCache } from './push-state-cache.ts';
import { clearRecentBytes } from './recent-bytes.ts';
import { clearStringIntern } from './string-intern.ts';

export function clearDecodeCaches(): void {
  clearStringIntern();
  clearBytesIntern();
  clearRecentBytes();
  clearPushStateCache();
}
