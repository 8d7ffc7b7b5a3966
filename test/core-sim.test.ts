/**
 * The sans-io core on the simulated network: convergence, failure detection, graceful leave,
 * refutation, metadata updates, user messages and push/pull, all deterministic from a seed.
 */
import { describe, expect, it } from 'vitest';
import type { Node } from '../src/core/node-state.ts';
import { SimNetwork } from '../src/sim/network.ts';

const te = new TextEncoder();
const td = new TextDecoder();

function cluster(n: number, seed: number, config = {}): SimNetwork {
  const net = new SimNetwork(seed);
  for (let i = 0; i < n; i++) net.addNode({ name: `n${i}`, config });
  return net;
}

function joinAll(net: SimNetwork): void {
  const nodes = [...net.nodes.values()];
  const seed = nodes[0];
  for (const n of nodes.slice(1)) n.core.join([{ addr: seed.addr, name: seed.name }], () => {});
}

function aliveView(net: SimNetwork, name: string): string[] {
  return net
    .node(name)
    .core.members()
    .filter((m) => m.state === 'alive')
    .map((m) => m.name)
    .sort();
}

describe('core on a simulated network', () => {
  it('ten nodes converge through one seed', () => {
    const net = cluster(10, 1);
    joinAll(net);
    const ok = net.runUntilTrue(() => [...net.nodes.keys()].every((n) => aliveView(net, n).length === 10), 30_000);
    expect(ok).toBe(true);
  });

  it('a crashed node is suspected, then declared dead by everyone', () => {
    const net = cluster(5, 2);
    joinAll(net);
    net.runFor(10_000);
    net.crash('n3');
    const crashAt = net.now;
    const ok = net.runUntilTrue(
      () => ['n0', 'n1', 'n2', 'n4'].every((n) => net.node(n).core.memberState('n3') === 2),
      60_000,
    );
    expect(ok).toBe(true);
    // Local profile, 5 nodes: suspicion timeout between 3 s and 18 s, plus probe rounds.
    expect(net.now - crashAt).toBeLessThan(30_000);
  });

  it('graceful leave is recorded as left', () => {
    const net = cluster(4, 3);
    joinAll(net);
    net.runFor(10_000);
    let left: string | undefined;
    net.node('n2').core.leave(5_000, (err) => {
      left = err ?? 'ok';
    });
    net.runFor(6_000);
    expect(left).toBe('ok');
    net.crash('n2');
    net.runFor(2_000);
    for (const n of ['n0', 'n1', 'n3']) expect(net.node(n).core.memberState('n2')).toBe(3);
  });

  it('metadata updates propagate', () => {
    const net = new SimNetwork(4);
    let meta = te.encode('v1');
    const updates: Node[] = [];
    net.addNode({ name: 'a', delegates: { delegate: { nodeMeta: () => meta } } });
    net.addNode({ name: 'b', delegates: { events: { notifyUpdate: (n) => updates.push(n) } } });
    net.node('b').core.join([{ addr: net.node('a').addr, name: 'a' }], () => {});
    net.runFor(5_000);
    expect(
      td.decode(
        net
          .node('b')
          .core.members()
          .find((m) => m.name === 'a')?.meta,
      ),
    ).toBe('v1');
    meta = te.encode('v2');
    net.node('a').core.updateNode(5_000, () => {});
    net.runFor(3_000);
    expect(updates.map((n) => td.decode(n.meta))).toContain('v2');
  });

  it('user messages, best effort and reliable, and delegate broadcasts', () => {
    const net = new SimNetwork(5);
    const got: string[] = [];
    let pending = [te.encode('bcast')];
    net.addNode({
      name: 'a',
      delegates: {
        delegate: {
          getBroadcasts: () => {
            const p = pending;
            pending = [];
            return p;
          },
        },
      },
    });
    net.addNode({ name: 'b', delegates: { delegate: { notifyMsg: (m) => got.push(td.decode(m)) } } });
    net.node('b').core.join([{ addr: net.node('a').addr, name: 'a' }], () => {});
    net.runFor(2_000);
    net.node('a').core.sendBestEffort('b', te.encode('udp'));
    net.node('a').core.sendReliable('b', te.encode('tcp'), () => {});
    net.runFor(2_000);
    expect(got).toEqual(expect.arrayContaining(['udp', 'tcp', 'bcast']));
  });

  it('a node that is wrongly suspected refutes and stays alive', () => {
    const net = cluster(3, 6);
    joinAll(net);
    net.runFor(5_000);
    const before = net.node('n1').core.localNode.incarnation;
    // n0 accuses n1 directly.
    net
      .node('n0')
      .core.handlePacket(
        net.node('n0').addr,
        new Uint8Array([
          3,
          0x83,
          0xa4,
          ...te.encode('From'),
          0xa2,
          ...te.encode('n0'),
          0xab,
          ...te.encode('Incarnation'),
          before,
          0xa4,
          ...te.encode('Node'),
          0xa2,
          ...te.encode('n1'),
        ]),
        net.now,
      );
    net.runFor(5_000);
    expect(net.node('n1').core.localNode.incarnation).toBeGreaterThan(before);
    for (const n of ['n0', 'n2']) expect(net.node(n).core.memberState('n1')).toBe(0);
  });
});
