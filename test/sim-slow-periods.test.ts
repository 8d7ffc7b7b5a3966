/**
 * The simulator's slow periods (npm run simulate -- --slow-period ON/OFF [--slow-mode stall|delay]):
 * periods are deterministic from the seed, a stalled member handles what arrived when the stall
 * ends, in arrival order, and runs no timers meanwhile; in delay mode what arrives during a slow
 * period is handled a constant delay late and what arrives outside one on time.
 */
import { describe, expect, it } from 'vitest';
import { SimNetwork, randomSlowPeriods, slowPeriodEnd, type SlowPeriods } from '../src/sim/network.ts';

const te = new TextEncoder();
const td = new TextDecoder();

describe('slow periods', () => {
  it('slowPeriodEnd: the end of the slow period containing t, from the phase', () => {
    const p: SlowPeriods = { mode: 'stall', onMs: 1_000, offMs: 4_000, delayMs: 0, phaseMs: 0 };
    expect(slowPeriodEnd(p, 0)).toBe(1_000);
    expect(slowPeriodEnd(p, 999.5)).toBe(1_000);
    expect(slowPeriodEnd(p, 1_000)).toBeUndefined();
    expect(slowPeriodEnd(p, 4_999)).toBeUndefined();
    expect(slowPeriodEnd(p, 5_000)).toBe(6_000);
    expect(slowPeriodEnd(p, 25_300.25)).toBe(26_000);
    // 1,500 ms into its 5,000 ms cycle at time 0: the next stall is 3,500–4,500.
    const q = { ...p, phaseMs: 1_500 };
    expect(slowPeriodEnd(q, 0)).toBeUndefined();
    expect(slowPeriodEnd(q, 3_499)).toBeUndefined();
    expect(slowPeriodEnd(q, 3_500)).toBe(4_500);
    expect(slowPeriodEnd(q, 4_499.9)).toBe(4_500);
  });

  it('randomSlowPeriods: a phase per member in [0, cycle), the same for the same seed', () => {
    const spec = { mode: 'stall' as const, onMs: 2_000, offMs: 18_000, delayMs: 0 };
    const a = randomSlowPeriods(1, 16, spec);
    expect(randomSlowPeriods(1, 16, spec)).toEqual(a);
    expect(randomSlowPeriods(2, 16, spec)).not.toEqual(a);
    expect(new Set(a.map((p) => p.phaseMs)).size).toBeGreaterThan(12);
    for (const p of a) {
      expect(p).toMatchObject(spec);
      expect(p.phaseMs).toBeGreaterThanOrEqual(0);
      expect(p.phaseMs).toBeLessThan(20_000);
    }
  });

  /** Two converged nodes; `a` sends `b` a user message at each of `sendAt`; when b handled each. */
  function handled(slow: SlowPeriods, sendAt: number[]): { got: [string, number][]; sentByB: [number, number][] } {
    const net = new SimNetwork(5);
    const got: [string, number][] = [];
    const [a, b] = net.addConvergedNodes([
      { name: 'a', config: { probeInterval: 0, pushPullInterval: 0 } },
      {
        name: 'b',
        // b probes a (its timers show whether it runs during a stall).
        config: { pushPullInterval: 0 },
        delegates: { delegate: { notifyMsg: (m) => got.push([td.decode(m), net.now]) } },
      },
    ]);
    net.runFor(2_000);
    b.slowPeriods = slow;
    const sentByB: [number, number][] = [];
    for (const t of sendAt) net.at(t, () => a.core.sendBestEffort('b', te.encode(`m${t}`)));
    for (let t = 2_000; t <= 12_000; t += 100) net.at(t, () => sentByB.push([t, b.stats.packetsSent]));
    net.runUntil(13_000);
    return { got, sentByB };
  }

  it('stall: what arrives during a stall is handled when it ends, in order; no timers run meanwhile', () => {
    // Stalled 5,000–8,000 ms (cycle 10,000, phase 5,000).
    const slow: SlowPeriods = { mode: 'stall', onMs: 3_000, offMs: 7_000, delayMs: 0, phaseMs: 5_000 };
    const { got, sentByB } = handled(slow, [3_000, 5_100, 6_000, 7_500, 7_998, 8_100, 9_000]);
    expect(got.map(([m]) => m)).toEqual(['m3000', 'm5100', 'm6000', 'm7500', 'm7998', 'm8100', 'm9000']);
    const at = Object.fromEntries(got);
    // Latency 1 ms plus up to 1 ms of jitter outside the stall.
    for (const m of ['m3000', 'm8100', 'm9000']) {
      const sent = Number(m.slice(1));
      expect(at[m]).toBeGreaterThanOrEqual(sent + 1);
      expect(at[m]).toBeLessThan(sent + 2);
    }
    // Inside it: the delay is what is left of the stall, not a constant.
    for (const m of ['m5100', 'm6000', 'm7500', 'm7998']) expect(at[m]).toBe(8_000);
    // b sends nothing while stalled (its probes wait for the end), and probes again after.
    const sent = (t: number): number => sentByB.find(([x]) => x === t)![1];
    expect(sent(7_900)).toBe(sent(5_100));
    expect(sent(9_000)).toBeGreaterThan(sent(7_900));
    expect(sent(5_000)).toBeGreaterThan(sent(2_000));
  });

  it('delay: what arrives during a slow period is handled delayMs late, the rest on time; timers on time', () => {
    const slow: SlowPeriods = { mode: 'delay', onMs: 3_000, offMs: 7_000, delayMs: 1_500, phaseMs: 5_000 };
    const { got, sentByB } = handled(slow, [3_000, 5_100, 6_000, 7_500, 8_100]);
    const at = Object.fromEntries(got);
    for (const m of ['m3000', 'm5100', 'm6000', 'm7500', 'm8100']) {
      const sent = Number(m.slice(1));
      const extra = m === 'm3000' || m === 'm8100' ? 0 : 1_500;
      expect(at[m]).toBeGreaterThanOrEqual(sent + 1 + extra);
      expect(at[m]).toBeLessThan(sent + 2 + extra);
    }
    const sent = (t: number): number => sentByB.find(([x]) => x === t)![1];
    expect(sent(7_900)).toBeGreaterThan(sent(5_100));
  });

  it('the same seed gives the same run', () => {
    const slow: SlowPeriods = { mode: 'stall', onMs: 3_000, offMs: 7_000, delayMs: 0, phaseMs: 5_000 };
    const sends = [3_000, 5_100, 6_000, 7_500, 8_100];
    expect(handled(slow, sends)).toEqual(handled(slow, sends));
  });
});
