/**
 * The node a merge benchmark pushes a state into: a started sans-io core with no timers, no
 * network and no compression (bench-merge.ts in its own process, bench-node.ts --merge-cold in a
 * new one), and one timed merge into it — decode and handleStream, as a node does for an inbound
 * push/pull, after a full GC.
 */
import type { MemberlistCore } from '../src/core/core.ts';
import { decodeStreamMessage } from '../src/wire/stream.ts';
import { NO_SECURITY } from '../src/wire/wire-security.ts';
import { quietCore as testQuietCore } from '../test/support/quiet-core.ts';
import { forceGc } from './bench-support.ts';

/** The tests' quiet core at `ip:port`, on a real clock and without compression (Go's side times the plain reply too). */
export function quietCore(name: string, ip: string, port: number): MemberlistCore {
  return testQuietCore(name, { ip, port, now: () => performance.now(), config: { enableCompression: false } });
}

/** Milliseconds to decode the push/pull `state` and handle it (reply and merge) on `core`. */
export function mergeOnce(core: MemberlistCore, state: Uint8Array): number {
  forceGc();
  const start = performance.now();
  const { message } = decodeStreamMessage(state, NO_SECURITY, NO_SECURITY.label);
  if (core.handleStream('127.2.255.255:9', message) === undefined) throw new Error('no push/pull reply');
  return performance.now() - start;
}
