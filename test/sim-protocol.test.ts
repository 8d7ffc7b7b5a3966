/**
 * Issue #3 scope 6: deterministic simulations of the real protocol core on the in-memory network
 * (seeded, reproducible). Convergence of 100+ nodes, crash detection within the suspicion bounds,
 * no false positives under 10 % loss for 10 simulated minutes, partitions, and Lifeguard
 * (awareness, confirmations) behaving as Go's formulas say.
 */
import { describe, expect, it } from 'vitest';
import type { ProtocolConfig } from '../src/core/config.ts';
import { lanConfig } from '../src/core/config.ts';
import { confirmedSuspicionTimeout, suspicionTimeout } from '../src/core/timing.ts';
import { SimNetwork } from '../src/sim/network.ts';

/** Go's LAN profile (compression off: it changes bytes, not behaviour, and costs CPU here). */
function lan(over: Partial<ProtocolConfig> = {}): Partial<ProtocolConfig> {
  const { name: _n, bindAddr: _a, bindPort: _p, ...rest } = lanConfig();
  return { ...rest, enableCompression: false, ...over };
}

function cluster(n: number, seed: number, config = lan()): { net: SimNetwork; names: string[]; deaths: string[] } {
  const net = new SimNetwork(seed);
  const names: string[] = [];
  const deaths: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `n${i}`;
    names.push(name);
    net.addNode({
      name,
      config,
      delegates: { events: { notifyLeave: (node) => deaths.push(`${name} saw ${node.name} ${node.state}`) } },
    });
  }
  // Everyone joins through one of three seeds.
  for (let i = 1; i < n; i++) {
    const seed = net.node(names[i % 3 === 0 || i < 3 ? 0 : i % 3]);
    net.node(names[i]).core.join([{ addr: seed.addr, name: seed.name }], () => {});
  }
  return { net, names, deaths };
}

function converged(net: SimNetwork, names: string[], expected: number): boolean {
  return names.every((n) => net.node(n).crashed || net.node(n).core.numMembers() === expected);
}

describe('simulated clusters (LAN profile, seeded)', () => {
  it('128 nodes converge, reproducibly from the seed', () => {
    const run = (): number => {
      const { net, names } = cluster(128, 42);
      expect(net.runUntilTrue(() => converged(net, names, 128), 60_000)).toBe(true);
      return net.now;
    };
    const first = run();
    expect(run()).toBe(first);
    expect(first).toBeLessThan(30_000);
  });

  it('a crash is declared dead by all within the suspicion bounds', () => {
    const { net, names } = cluster(64, 7);
    net.runUntilTrue(() => converged(net, names, 64), 60_000);
    net.runFor(10_000);
    net.crash('n17');
    const crashedAt = net.now;
    const others = names.filter((n) => n !== 'n17');
    let firstSuspect = -1;
    const ok = net.runUntilTrue(
      () => {
        if (firstSuspect < 0 && others.some((n) => net.node(n).core.memberState('n17') === 1)) firstSuspect = net.now;
        return others.every((n) => (net.node(n).core.memberState('n17') ?? 2) >= 2);
      },
      120_000,
      50,
    );
    expect(ok).toBe(true);
    const min = suspicionTimeout(4, 64, 1000); // 7.224 s
    const max = 6 * min;
    const detection = net.now - crashedAt;
    // Someone probes n17 within a couple of probe intervals; then the suspicion runs.
    expect(firstSuspect - crashedAt).toBeLessThan(5_000);
    expect(detection).toBeGreaterThanOrEqual(min);
    expect(detection).toBeLessThan(max + 5_000);
  });

  it('10 % packet loss for 10 simulated minutes: no live node is declared dead', () => {
    const { net, names, deaths } = cluster(32, 11);
    net.runUntilTrue(() => converged(net, names, 32), 60_000);
    net.defaultLink = { loss: 0.1, latency: 1, jitter: 2 };
    net.runFor(10 * 60_000);
    expect(deaths).toEqual([]);
    expect(converged(net, names, 32)).toBe(true);
  });

  it('10 % loss without TCP fallback pings: members get suspected, refute, and none is declared dead', () => {
    const { net, names, deaths } = cluster(32, 12, lan({ disableTcpPings: true }));
    net.runUntilTrue(() => converged(net, names, 32), 60_000);
    net.defaultLink = { loss: 0.1, latency: 1, jitter: 2 };
    net.runFor(10 * 60_000);
    const refutations = names.reduce((sum, n) => sum + net.node(n).core.localNode.incarnation - 1, 0);
    expect(refutations).toBeGreaterThan(0);
    expect(deaths).toEqual([]);
  });

  it('a partition shorter than the suspicion timeout heals by refutation: no deaths', () => {
    const { net, names, deaths } = cluster(20, 5);
    net.runUntilTrue(() => converged(net, names, 20), 60_000);
    net.partition(names.slice(0, 10), names.slice(10));
    net.runFor(4_000); // suspicions start; LAN min timeout at n=20 is 5.2 s
    net.heal();
    net.runFor(60_000);
    expect(deaths).toEqual([]);
    expect(converged(net, names, 20)).toBe(true);
  });

  it('a long partition: each side declares the other dead; after healing and a rejoin, one cluster again', () => {
    const { net, names } = cluster(20, 6);
    net.runUntilTrue(() => converged(net, names, 20), 60_000);
    const a = names.slice(0, 10);
    const b = names.slice(10);
    net.partition(a, b);
    expect(net.runUntilTrue(() => converged(net, a, 10) && converged(net, b, 10), 120_000)).toBe(true);
    net.heal();
    // memberlist does not reconnect to members it declared dead (Serf's reconnect does): rejoin.
    net.node('n0').core.join([{ addr: net.node('n15').addr, name: 'n15' }], () => {});
    expect(net.runUntilTrue(() => converged(net, names, 20), 60_000)).toBe(true);
  });
});

describe('Lifeguard in simulation', () => {
  it('a node that cannot hear acks raises its health score; healthy nodes stay at 0', () => {
    const { net, names } = cluster(10, 3);
    net.runUntilTrue(() => converged(net, names, 10), 60_000);
    for (const n of names) if (n !== 'n4') net.setLink(n, 'n4', { loss: 1, latency: 1, jitter: 0 });
    net.runFor(8_000);
    const score = net.node('n4').core.healthScore;
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThanOrEqual(7);
    expect(net.node('n1').core.healthScore).toBe(0);
  });

  it('confirmations from independent peers shorten the suspicion as Go computes', () => {
    // Go's suspicion for n = 1000 (LAN): 12 s .. 72 s; k = 2 with confirmations.
    expect(suspicionTimeout(4, 10, 1000)).toBe(4000);
    expect(suspicionTimeout(4, 20, 1000)).toBe(5204);
    expect(suspicionTimeout(4, 100, 1000)).toBe(8000);
    expect(suspicionTimeout(4, 1000, 1000)).toBe(12000);
    expect(suspicionTimeout(4, 10000, 1000)).toBe(16000);
    expect(confirmedSuspicionTimeout(0, 2, 4000, 24000)).toBe(24000);
    expect(confirmedSuspicionTimeout(1, 2, 4000, 24000)).toBe(11381);
    expect(confirmedSuspicionTimeout(2, 2, 4000, 24000)).toBe(4000);
  });

  it('in a running cluster, a crashed node is suspected with confirmations counted', () => {
    const { net, names } = cluster(12, 9);
    net.runUntilTrue(() => converged(net, names, 12), 60_000);
    net.crash('n7');
    let best = 0;
    net.runUntilTrue(
      () => {
        for (const n of names) {
          if (n === 'n7') continue;
          best = Math.max(best, net.node(n).core.suspicionOf('n7')?.confirmationCount ?? 0);
        }
        return best >= 2;
      },
      60_000,
      50,
    );
    expect(best).toBe(2); // k = SuspicionMult − 2 = 2, capped there
  });
});
