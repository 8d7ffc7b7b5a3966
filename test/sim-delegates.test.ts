/**
 * Delegates and edge rules of the state machine in simulation: conflict detection, dead-node
 * reclaim, merge and alive vetoes, the ping delegate, and push/pull refused for incompatible
 * delegate protocol versions.
 */
import { describe, expect, it } from 'vitest';
import type { Node } from '../src/core/node-state.ts';
import { SimNetwork } from '../src/sim/network.ts';

const te = new TextEncoder();
const td = new TextDecoder();

function joinTo(net: SimNetwork, who: string, target: string): Promise<[number, string[]]> {
  return new Promise((resolve) => {
    const t = net.node(target);
    net.node(who).core.join([{ addr: t.addr, name: t.name }], (n, errs) => resolve([n, errs]));
  });
}

describe('state machine edge rules', () => {
  it('a second node with a live member’s name is a conflict: the delegate hears of it, nothing changes', async () => {
    const net = new SimNetwork(21);
    const conflicts: [Node, Node][] = [];
    net.addNode({ name: 'a', delegates: { conflict: { notifyConflict: (x, y) => conflicts.push([x, y]) } } });
    net.addNode({ name: 'b' });
    void joinTo(net, 'b', 'a');
    net.runFor(3_000);
    const impostor = net.addNode({ name: 'b' }); // same name, another address
    void joinTo(net, 'b', 'a'); // (the first b, harmless)
    impostor.core.join([{ addr: net.node('a').addr, name: 'a' }], () => {});
    net.runFor(3_000);
    expect(conflicts.length).toBeGreaterThan(0);
    expect(conflicts[0][0].name).toBe('b');
    expect(conflicts[0][0].addr).not.toBe(conflicts[0][1].addr);
  });

  it('a dead member’s name can be reclaimed by a new address after deadNodeReclaimTime', () => {
    const net = new SimNetwork(22);
    net.addNode({ name: 'a', config: { deadNodeReclaimTime: 1_000 } });
    net.addNode({ name: 'b' });
    net.node('b').core.join([{ addr: net.node('a').addr, name: 'a' }], () => {});
    net.runFor(3_000);
    net.crash('b');
    net.runUntilTrue(() => net.node('a').core.memberState('b') === 2, 60_000);
    const oldAddr = net
      .node('a')
      .core.allMembers()
      .find((m) => m.name === 'b')!.addr;
    net.runFor(2_000);
    // The map of names now points at the newest node called b.
    const reborn = net.addNode({ name: 'b' });
    reborn.core.join([{ addr: net.node('a').addr, name: 'a' }], () => {});
    net.runFor(3_000);
    const b = net
      .node('a')
      .core.members()
      .find((m) => m.name === 'b');
    expect(b?.state).toBe('alive');
    expect(b?.addr).not.toBe(oldAddr);
  });

  it('the merge delegate can refuse a join; the alive delegate can ignore members', async () => {
    const net = new SimNetwork(23);
    net.addNode({
      name: 'a',
      delegates: {
        merge: {
          notifyMerge: (peers) => {
            if (peers.some((p) => p.name.startsWith('evil'))) throw new Error('not our cluster');
          },
        },
        alive: {
          notifyAlive: (p) => {
            if (p.name === 'shunned') throw new Error('ignored');
          },
        },
      },
    });
    net.addNode({ name: 'evil-1' });
    net.addNode({ name: 'shunned' });
    net.addNode({ name: 'friend' });
    const [, errs] = await new Promise<[number, string[]]>((resolve) => {
      net.node('evil-1').core.join([{ addr: net.node('a').addr, name: 'a' }], (n, e) => resolve([n, e]));
      net.runFor(1_000);
    });
    expect(errs.join()).toBe(''); // the joiner merged a's state; a refused to merge evil-1's
    net.node('shunned').core.join([{ addr: net.node('a').addr, name: 'a' }], () => {});
    net.node('friend').core.join([{ addr: net.node('a').addr, name: 'a' }], () => {});
    net.runFor(2_000);
    const names = net
      .node('a')
      .core.members()
      .map((m) => m.name);
    expect(names).toContain('friend');
    expect(names).not.toContain('shunned');
  });

  it('the ping delegate sends ack payloads and hears round-trip times', () => {
    const net = new SimNetwork(24);
    const heard: { node: string; rtt: number; payload: string }[] = [];
    net.addNode({
      name: 'a',
      delegates: {
        ping: {
          ackPayload: () => te.encode('coords-a'),
          notifyPingComplete: (n, rtt, p) => heard.push({ node: n.name, rtt, payload: td.decode(p) }),
        },
      },
    });
    net.addNode({
      name: 'b',
      delegates: { ping: { ackPayload: () => te.encode('coords-b'), notifyPingComplete: () => {} } },
    });
    net.node('b').core.join([{ addr: net.node('a').addr, name: 'a' }], () => {});
    net.runFor(5_000);
    expect(heard.length).toBeGreaterThan(0);
    expect(heard[0].node).toBe('b');
    expect(heard[0].payload).toBe('coords-b');
    expect(heard[0].rtt).toBeGreaterThan(0);
  });

  it('push/pull is refused when delegate protocol versions do not overlap', async () => {
    const net = new SimNetwork(25);
    net.addNode({ name: 'a', config: { delegateProtocolMin: 2, delegateProtocolMax: 4, delegateProtocolVersion: 3 } });
    net.addNode({ name: 'b', config: { delegateProtocolMin: 5, delegateProtocolMax: 5, delegateProtocolVersion: 5 } });
    let result: [number, string[]] | undefined;
    net.node('b').core.join([{ addr: net.node('a').addr, name: 'a' }], (n, e) => {
      result = [n, e];
    });
    net.runFor(2_000);
    expect(result?.[0]).toBe(0);
    expect(result?.[1].join()).toMatch(/delegate protocol version/);
  });
});
