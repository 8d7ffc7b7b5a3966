/**
 * A started sans-io core on 127.0.0.1:7946 with no timers and no network (probe, gossip and
 * push/pull intervals 0; streams fail), for tests that feed it input by hand.
 */
import { profileConfig } from '../../src/core/config.ts';
import { silentLogger } from '../../src/core/core-io.ts';
import { MemberlistCore } from '../../src/core/core.ts';
import { ipFromString } from '../../src/net/ip.ts';

export function quietCore(name: string): MemberlistCore {
  const config = profileConfig('lan', {
    name,
    bindAddr: '127.0.0.1',
    bindPort: 7946,
    probeInterval: 0,
    gossipInterval: 0,
    pushPullInterval: 0,
  });
  const core = new MemberlistCore({
    config,
    advertise: { addr: ipFromString('127.0.0.1'), port: 7946 },
    io: {
      now: () => 0,
      random: Math.random,
      log: silentLogger,
      sendPacket: () => {},
      stream: (_a, _r, _o, done) => done({ ok: false, error: new Error('no network'), contacted: false }),
    },
  });
  core.start();
  return core;
}
