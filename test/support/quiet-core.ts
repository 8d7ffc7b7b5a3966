/**
 * A started sans-io core on 127.0.0.1:7946 (or `opts.ip`/`port`) with no timers and no network
 * (probe, gossip and push/pull intervals 0; streams fail), for tests that feed it input by hand,
 * and for the merge benchmarks (scripts/bench-quiet-core.ts). `opts` can give it a clock, a
 * packet sink and config overrides (a gossip interval, say) when a test drives its timers.
 */
import { type ProtocolConfig, profileConfig } from '../../src/core/config.ts';
import { type CoreIO, silentLogger } from '../../src/core/core-io.ts';
import { MemberlistCore } from '../../src/core/core.ts';
import { ipFromString } from '../../src/net/ip.ts';

export interface QuietCoreOptions {
  /** The address it binds and advertises (127.0.0.1:7946). */
  readonly ip?: string;
  readonly port?: number;
  readonly config?: Partial<ProtocolConfig>;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sendPacket?: CoreIO['sendPacket'];
}

export function quietCore(name: string, opts: QuietCoreOptions = {}): MemberlistCore {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? 7946;
  const config = profileConfig('lan', {
    name,
    bindAddr: ip,
    bindPort: port,
    probeInterval: 0,
    gossipInterval: 0,
    pushPullInterval: 0,
    ...opts.config,
  });
  const core = new MemberlistCore({
    config,
    advertise: { addr: ipFromString(ip), port },
    io: {
      now: opts.now ?? (() => 0),
      random: opts.random ?? Math.random,
      log: silentLogger,
      sendPacket: opts.sendPacket ?? (() => {}),
      stream: (_a, _r, _o, done) => done({ ok: false, error: new Error('no network'), contacted: false }),
    },
  });
  core.start();
  return core;
}
