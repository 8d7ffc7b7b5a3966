/**
 * Lifeguard details of Go memberlist v0.6.0 that the false-positive analysis of the simulator
 * (scripts/fp-trace.ts, README "Simulator") found to matter, pinned so that they are not "fixed"
 * away from Go by accident:
 * - a relay sends its nack ProbeTimeout after its own ping, so with ProbeTimeout = ProbeInterval/2
 *   (the LAN profile) the nacks reach the prober just after its deadline and it counts them
 *   missed: a healthy member that probes an unresponsive one gets +IndirectChecks;
 * - a suspect message with a newer incarnation confirms a running suspicion (the timer is looked
 *   up before the incarnation is updated) instead of starting a new one;
 * - the retransmit limit steps from 8 to 12 between 99 and 100 members (the simulator's
 *   false-positive scenario runs at 99 live members after its crash step).
 */
import { describe, expect, it } from 'vitest';
import type { ProtocolConfig } from '../src/core/config.ts';
import { lanConfig } from '../src/core/config.ts';
import { retransmitLimit } from '../src/core/timing.ts';
import { SimNetwork } from '../src/sim/network.ts';
import { encodeMessage } from '../src/wire/codec.ts';
import { MessageType, NodeStateCode } from '../src/wire/messages.ts';
import { quietCore } from './support/quiet-core.ts';

function lan(over: Partial<ProtocolConfig> = {}): Partial<ProtocolConfig> {
  const { name: _n, bindAddr: _a, bindPort: _p, ...rest } = lanConfig();
  return { ...rest, enableCompression: false, disableTcpPings: true, ...over };
}

/** The highest health score any member but `slow` reaches while `slow` answers 1.5 s late. */
function healthyScoreWithSlowMember(config: Partial<ProtocolConfig>): number {
  const net = new SimNetwork(11);
  const names = ['h0', 'h1', 'h2', 'h3', 'h4', 'slow'];
  // The slow member does not probe: no suspicion of a healthy member (and its +1 refutation).
  const nodes = net.addConvergedNodes(
    names.map((name) => ({ name, config: name === 'slow' ? { ...config, probeInterval: 0 } : config })),
  );
  net.runFor(2_000);
  net.node('slow').processingDelay = 1_500;
  let max = 0;
  for (let t = 0; t < 30_000; t += 50) {
    net.runFor(50);
    for (const n of nodes) if (n.name !== 'slow') max = Math.max(max, n.core.healthScore);
  }
  return max;
}

describe('Lifeguard as Go v0.6.0 runs it', () => {
  it('LAN profile: the nacks about an unresponsive member arrive after the deadline (+3 for the prober)', () => {
    // Ping at 0, indirect requests at 500 ms, relays' nacks at 1000 ms + latency; deadline 1000 ms.
    expect(healthyScoreWithSlowMember(lan())).toBe(3);
  });

  it('with ProbeTimeout well under half the interval the nacks arrive in time (no penalty)', () => {
    expect(healthyScoreWithSlowMember(lan({ probeTimeout: 200 }))).toBe(0);
  });

  it('each broadcast is sent 8 times at 99 members, 12 times at 100 (RetransmitMult 4)', () => {
    expect(retransmitLimit(4, 99)).toBe(8);
    expect(retransmitLimit(4, 100)).toBe(12);
    expect(retransmitLimit(4, 999)).toBe(12);
    expect(retransmitLimit(4, 1000)).toBe(16);
  });

  it('a suspect message with a newer incarnation confirms the running suspicion', () => {
    const core = quietCore('me');
    const alive = (node: string, last: number, incarnation: number): Uint8Array =>
      encodeMessage(MessageType.Alive, {
        incarnation,
        node,
        addr: new Uint8Array([10, 0, 0, last]),
        port: 7946,
        meta: null,
        vsn: new Uint8Array([1, 5, 2, 0, 0, 0]),
      });
    for (let i = 1; i <= 5; i++) core.handlePacket('10.0.0.9:7946', alive(`m${i}`, i, 1), 0);
    const suspect = (incarnation: number, from: string): Uint8Array =>
      encodeMessage(MessageType.Suspect, { incarnation, node: 'm1', from });
    core.handlePacket('10.0.0.2:7946', suspect(1, 'm2'), 0);
    expect(core.memberState('m1')).toBe(NodeStateCode.Suspect);
    expect(core.suspicionOf('m1')?.confirmationCount).toBe(0);
    // m1 refuted (incarnation 2) but we missed it; m3 suspects the new incarnation.
    core.handlePacket('10.0.0.3:7946', suspect(2, 'm3'), 0);
    const s = core.suspicionOf('m1');
    expect(s?.confirmationCount).toBe(1);
    expect(core.memberState('m1')).toBe(NodeStateCode.Suspect);
    // The alive of the refutation still ends it.
    core.handlePacket('10.0.0.1:7946', alive('m1', 1, 2), 0);
    expect(core.memberState('m1')).toBe(NodeStateCode.Alive);
    expect(core.suspicionOf('m1')).toBeUndefined();
  });
});
