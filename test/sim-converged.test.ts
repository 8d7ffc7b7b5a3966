/**
 * Issue #6: clusters that start converged (a shared member baseline plus per-node overlays, as
 * the simulator uses for 10,000 nodes) behave as clusters that joined; and `disableLifeguard`
 * leaves the SWIM baseline (no awareness, fixed suspicion timeout, no nacks, no buddy system).
 */
import { describe, expect, it } from 'vitest';
import type { ProtocolConfig } from '../src/core/config.ts';
import { lanConfig } from '../src/core/config.ts';
import { MemberBaseline } from '../src/core/member-baseline.ts';
import { OverlayMemberTable } from '../src/core/overlay-member-table.ts';
import { Prng } from '../src/sim/prng.ts';
import { SimNetwork } from '../src/sim/network.ts';
import { NodeStateCode } from '../src/wire/messages.ts';

function lan(over: Partial<ProtocolConfig> = {}): Partial<ProtocolConfig> {
  const { name: _n, bindAddr: _a, bindPort: _p, ...rest } = lanConfig();
  return { ...rest, enableCompression: false, ...over };
}

function convergedCluster(n: number, seed: number, config = lan()) {
  const net = new SimNetwork(seed);
  const names = Array.from({ length: n }, (_, i) => `n${i}`);
  const deaths: string[] = [];
  const updates: string[] = [];
  let meta = 'a';
  net.addConvergedNodes(
    names.map((name) => ({
      name,
      config,
      delegates: {
        delegate: { nodeMeta: () => (name === 'n0' ? new TextEncoder().encode(meta) : null) },
        events: {
          notifyLeave: (node) => deaths.push(`${name} saw ${node.name} ${node.state}`),
          notifyUpdate: (node) => {
            if (node.name !== name) updates.push(`${name} saw ${node.name}`);
          },
        },
      },
    })),
  );
  return { net, names, deaths, updates, setMeta: (m: string) => (meta = m) };
}

describe('a cluster that starts converged', () => {
  it('every node knows every member alive at once, with the baseline metadata', () => {
    const { net, names } = convergedCluster(50, 1);
    for (const n of names) expect(net.node(n).core.numMembers()).toBe(50);
    expect(
      new TextDecoder().decode(
        net
          .node('n7')
          .core.allMembers()
          .find((m) => m.name === 'n0')?.meta,
      ),
    ).toBe('a');
    expect(net.node('n3').core.localNode.incarnation).toBe(1);
  });

  it('runs without false positives, spreads an update and declares a crash dead by all', () => {
    const { net, names, deaths, updates, setMeta } = convergedCluster(60, 2);
    net.runFor(60_000);
    expect(deaths).toEqual([]);
    setMeta('b');
    net.node('n0').core.updateNode(10_000, () => {});
    expect(net.runUntilTrue(() => updates.length === 59, 10_000, 50)).toBe(true);
    net.crash('n9');
    const others = names.filter((n) => n !== 'n9');
    expect(
      net.runUntilTrue(() => others.every((n) => net.node(n).core.memberState('n9') === NodeStateCode.Dead), 60_000),
    ).toBe(true);
    expect(deaths.every((d) => d.includes('saw n9 dead'))).toBe(true);
    // Dead members are forgotten after GossipToTheDeadTime, at the next wrap of the probe order.
    net.runFor(150_000);
    expect(
      net
        .node('n1')
        .core.allMembers()
        .some((m) => m.name === 'n9'),
    ).toBe(false);
  });

  it('never writes the shared baseline', () => {
    const { net, names } = convergedCluster(20, 3);
    net.crash('n4');
    net.runFor(40_000);
    const base = new MemberBaseline(
      names.map((name) => ({
        name,
        addr: new Uint8Array([127, 0, 0, 1]),
        port: 1,
        meta: null,
        vsn: new Uint8Array(6),
        incarnation: 1,
      })),
    );
    const t = new OverlayMemberTable(base, new Prng(1).random);
    const e = t.get('n4');
    expect(e).toBe(base.entries[4]);
    const mine = t.own(e!);
    expect(mine).not.toBe(e);
    mine.state = NodeStateCode.Dead;
    expect(base.entries[4].state).toBe(NodeStateCode.Alive);
    expect(t.get('n4')?.state).toBe(NodeStateCode.Dead);
    expect(t.all().length).toBe(20);
    // Reaped after the dead time, then a rejoin makes it known again.
    t.reset(100_000, 15_000);
    expect(t.get('n4')).toBeUndefined();
    expect(t.size).toBe(19);
    t.add(base.entries[4].copy());
    expect(t.get('n4')?.state).toBe(NodeStateCode.Alive);
    expect(t.size).toBe(20);
  });
});

describe('OverlayMemberTable lookups', () => {
  it('find each member by name whatever the order of the look-ups', () => {
    const names = Array.from({ length: 12 }, (_, i) => `m${i}`);
    const base = new MemberBaseline(
      names.map((name, i) => ({
        name,
        addr: new Uint8Array([127, 0, 0, i]),
        port: 1,
        meta: null,
        vsn: new Uint8Array([1, 5, 5, 2, 5, 2]),
        incarnation: 1,
      })),
    );
    const t = new OverlayMemberTable(base, new Prng(2).random);
    const dead = t.own(base.entries[5]);
    dead.state = NodeStateCode.Dead;
    dead.stateChange = 0;
    t.reset(100_000, 15_000); // m5 forgotten
    const extra = base.entries[0].copy();
    Object.defineProperty(extra, 'name', { value: 'x1' });
    t.add(extra);
    const expected = (name: string) =>
      name === 'x1' ? extra : name === 'm5' || !names.includes(name) ? undefined : base.entries[names.indexOf(name)];
    // In baseline order (as a merge looks them up), across the forgotten one, backwards, at random.
    const orders = [
      [...names, 'x1', 'nobody'],
      [...names].reverse(),
      ['m3', 'm4', 'm6', 'm5', 'm6', 'm7', 'x1', 'm0', 'm11', 'nobody', 'm1'],
    ];
    for (const order of orders) for (const name of order) expect(t.get(name), name).toBe(expected(name));
  });
});

describe('disableLifeguard: the SWIM baseline', () => {
  it('fixed suspicion timeout (no confirmations) and no awareness', () => {
    const { net, names } = convergedCluster(12, 9, lan({ disableLifeguard: true }));
    net.runFor(5_000);
    for (const n of names) if (n !== 'n4') net.setLink(n, 'n4', { loss: 1, latency: 1, jitter: 0 });
    net.crash('n7');
    let k = -1;
    net.runUntilTrue(
      () => {
        for (const n of names) {
          const s = n === 'n7' ? undefined : net.node(n).core.suspicionOf('n7');
          if (s !== undefined) k = s.k;
        }
        return k >= 0;
      },
      60_000,
      50,
    );
    expect(k).toBe(0);
    expect(net.node('n4').core.healthScore).toBe(0);
  });
});
