/**
 * The node a merge benchmark pushes a state into: a started sans-io core with no timers, no
 * network and no compression (bench-merge.ts in its own process, bench-node.ts --merge-cold in a
 * new one), and one timed merge into it — decode and handleStream, as a node does for an inbound
 * push/pull, after a full GC.
 */
import { profileConfig } from '../src/core/config.ts';
import { silentLogger } from '../src/core/core-io.ts';
import { MemberlistCore } from '../src/core/core.ts';
import { ipFromString } from '../src/net/ip.ts';
import { decodeStreamMessage } from '../src/wire/stream.ts';
import { NO_SECURITY } from '../src/wire/wire-security.ts';
import { forceGc } from './bench-support.ts';

export function quietCore(name: string, ip: string, port: number): MemberlistCore {
  const config = profileConfig('lan', {
    name,
    bindAddr: ip,
    bindPort: port,
    probeInterval: 0,
    gossipInterval: 0,
    pushPullInterval: 0,
    enableCompression: false,
  });
  const core = new MemberlistCore({
    config,
    advertise: { addr: ipFromString(ip), port },
    io: {
      now: () => performance.now(),
      random: Math.random,
      log: silentLogger,
      sendPacket: () => {},
      stream: (_addr, _req, _opts, done) => done({ ok: false, error: new Error('no network'), contacted: false }),
    },
  });
  core.start();
  return core;
}

/** Milliseconds to decode the push/pull `state` and handle it (reply and merge) on `core`. */
export function mergeOnce(core: MemberlistCore, state: Uint8Array): number {
  forceGc();
  const start = performance.now();
  const { message } = decodeStreamMessage(state, NO_SECURITY, NO_SECURITY.label);
  if (core.handleStream('127.2.255.255:9', message) === undefined) throw new Error('no push/pull reply');
  return performance.now() - start;
}
