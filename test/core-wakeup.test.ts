/**
 * When a real-time driver has to wake the core: `TimerQueue.nextDeadlineExcept` and
 * `MemberlistCore.nextWakeup`, which leaves out gossip ticks that would send nothing, and the
 * probe's ProbeTimeout timer, cancelled once the ack is in.
 */
import { describe, expect, it } from 'vitest';
import { TimerQueue } from '../src/core/timer-queue.ts';
import { SimNetwork } from '../src/sim/network.ts';

describe('timer queue', () => {
  it('nextDeadlineExcept looks under the skipped timer and keeps the order of ties', () => {
    const q = new TimerQueue();
    const ran: string[] = [];
    const a = q.at(10, () => ran.push('a'));
    q.at(10, () => ran.push('b'));
    q.at(20, () => ran.push('c')).cancel();
    q.at(30, () => ran.push('d'));
    expect(q.nextDeadlineExcept(a)).toBe(10);
    expect(q.nextDeadlineExcept(undefined)).toBe(10);
    q.runDue(10);
    expect(ran).toEqual(['a', 'b']);
    const e = q.at(25, () => ran.push('e'));
    expect(q.nextDeadlineExcept(e)).toBe(30); // the cancelled timer at 20 is not a deadline
    expect(q.nextDeadline).toBe(25);
    q.runDue(30);
    expect(ran).toEqual(['a', 'b', 'e', 'd']);
  });
});

describe('core wake-ups', () => {
  function pair(delegate: boolean): SimNetwork {
    const net = new SimNetwork(7);
    const delegates = delegate ? { delegate: { getBroadcasts: () => [] } } : undefined;
    net.addNode({ name: 'a', delegates });
    net.addNode({ name: 'b', delegates });
    net.node('b').core.join([{ addr: net.node('a').addr, name: 'a' }], () => {});
    net.runFor(30_000); // joined, and the join's broadcasts have been sent
    return net;
  }

  it('an idle node wakes for probes, not for gossip ticks with nothing to send', () => {
    const net = pair(false);
    const core = net.node('a').core;
    expect(core.queuedBroadcasts).toBe(0);
    const gossipInterval = core.config.gossipInterval;
    // Gossip ticks every 200 ms are deadlines, but the next wake-up is further away.
    let skipped = 0;
    for (let i = 0; i < 50; i++) {
      net.runFor(37);
      const deadline = core.nextDeadline!;
      const wakeup = core.nextWakeup!;
      expect(wakeup).toBeGreaterThanOrEqual(deadline);
      if (wakeup - net.now > gossipInterval) skipped++;
    }
    expect(skipped).toBeGreaterThan(0);
    // Something to gossip: the next gossip tick is a wake-up again.
    core.updateNode(5_000, () => {});
    expect(core.queuedBroadcasts).toBeGreaterThan(0);
    expect(core.nextWakeup! - net.now).toBeLessThanOrEqual(gossipInterval);
    expect(core.nextWakeup).toBe(core.nextDeadline);
  });

  it('with a delegate that may have broadcasts, every gossip tick is a wake-up', () => {
    const net = pair(true);
    const core = net.node('a').core;
    for (let i = 0; i < 20; i++) {
      net.runFor(37);
      expect(core.nextWakeup).toBe(core.nextDeadline);
    }
  });
});
