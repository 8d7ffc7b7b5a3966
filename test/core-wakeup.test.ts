/**
 * When a real-time driver has to wake the core: `TimerQueue.nextDeadlineExcept` and
 * `MemberlistCore.nextWakeup`, which leaves out gossip ticks that would send nothing (also for
 * a delegate whose `hasBroadcasts` is false), and the probe's ProbeTimeout timer, cancelled
 * once the ack is in; and the adapter's side of `hasBroadcasts`, `Memberlist.queueBroadcasts`,
 * with Serf's delegate as its user; and ticks missed while the loop was blocked, dropped as Go's
 * time.Ticker drops them.
 */
import { describe, expect, it } from 'vitest';
import { BroadcastQueue } from '../src/core/broadcast-queue.ts';
import { profileConfig } from '../src/core/config.ts';
import type { MemberlistCore } from '../src/core/core.ts';
import type { Delegate } from '../src/core/delegates.ts';
import type { TimerHandle } from '../src/core/timer-queue.ts';
import { TimerQueue } from '../src/core/timer-queue.ts';
import { Memberlist } from '../src/memberlist.ts';
import { ipFromString } from '../src/net/ip.ts';
import { Serf } from '../src/serf/serf.ts';
import { SimNetwork } from '../src/sim/network.ts';
import { encodeMessage } from '../src/wire/codec.ts';
import { quietCore } from './support/quiet-core.ts';
import { MessageType } from '../src/wire/messages.ts';

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
  function pair(delegate: boolean | Delegate, other?: Delegate): SimNetwork {
    const net = new SimNetwork(7);
    const d = delegate === true ? { getBroadcasts: () => [] } : delegate === false ? undefined : delegate;
    net.addNode({ name: 'a', delegates: d && { delegate: d } });
    const o = other ?? d;
    net.addNode({ name: 'b', delegates: o && { delegate: o } });
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

  /** The time of the gossip ticker's pending tick (private to the core). */
  function gossipTickAt(core: MemberlistCore): number {
    return (core as unknown as { gossipTicker: { tick: TimerHandle } }).gossipTicker.tick.at;
  }

  it('a delegate with hasBroadcasts and nothing queued: no gossip wake-ups; a queued one goes at the next tick', () => {
    const utf8 = new TextEncoder();
    let size = 1;
    const queue = new BroadcastQueue(() => size, 4);
    const received: { at: number; text: string }[] = [];
    let net: SimNetwork | undefined;
    const withQueue: Delegate = {
      getBroadcasts: (overhead, limit) => queue.getBroadcasts(overhead, limit),
      hasBroadcasts: () => queue.length > 0,
    };
    const listener: Delegate = {
      getBroadcasts: () => [],
      hasBroadcasts: () => false,
      notifyMsg: (m) => received.push({ at: net!.now, text: new TextDecoder().decode(m) }),
    };
    net = pair(withQueue, listener);
    size = 2;
    const core = net.node('a').core;
    const gossipInterval = core.config.gossipInterval;
    expect(core.queuedBroadcasts).toBe(0);
    let skipped = 0;
    for (let i = 0; i < 50; i++) {
      net.runFor(37);
      expect(core.nextWakeup!).toBeGreaterThanOrEqual(core.nextDeadline!);
      if (core.nextWakeup! - net.now > gossipInterval) skipped++;
    }
    expect(skipped).toBeGreaterThan(0);
    expect(received).toEqual([]);

    // Queued between ticks (as a driver does it: overdue timers first, none in the simulator).
    net.runFor(gossipInterval / 2);
    core.runTimers(net.now);
    const queuedAt = net.now;
    queue.queue({ message: utf8.encode('hello'), unique: true });
    const tick = gossipTickAt(core);
    expect(tick).toBeGreaterThan(queuedAt);
    expect(tick - queuedAt).toBeLessThanOrEqual(gossipInterval);
    expect(core.nextWakeup).toBe(core.nextDeadline);
    expect(core.nextWakeup).toBeLessThanOrEqual(tick);
    net.runFor(5 * gossipInterval);
    // Sent 4 times (4 × ceil(log10(3))): by that gossip tick (latency 1–2 ms) at the latest —
    // possibly piggy-backed on a probe before it, as in Go — and by the following ones.
    expect(received.map((r) => r.text)).toEqual(['hello', 'hello', 'hello', 'hello']);
    expect(received[0].at).toBeGreaterThan(queuedAt);
    expect(received[0].at).toBeLessThan(tick + 3);
    const onTick = (at: number): boolean => {
      const off = (at - tick) % gossipInterval;
      return at > tick && off >= 1 && off < 3;
    };
    expect(received.filter((r) => onTick(r.at) || r.at - tick < 3).length).toBeGreaterThanOrEqual(3);
    // Sent out: gossip ticks are skipped again.
    expect(queue.length).toBe(0);
    let again = 0;
    for (let i = 0; i < 20; i++) {
      net.runFor(37);
      if (core.nextWakeup! - net.now > gossipInterval) again++;
    }
    expect(again).toBeGreaterThan(0);
  });
});

describe('Memberlist.queueBroadcasts', () => {
  it('after an idle spell, a queued broadcast goes out at the gossip ticks, not once per tick slept through', async () => {
    const gossipInterval = 100;
    const queue = new BroadcastQueue(() => 2, 4);
    const arrivals: number[] = [];
    const opts = {
      profile: 'local' as const,
      bindAddr: '127.0.1.150',
      bindPort: 0,
      gossipInterval,
      probeInterval: 5000,
    };
    await using a = await Memberlist.create({
      ...opts,
      name: 'qa',
      delegate: {
        getBroadcasts: (overhead, limit) => queue.getBroadcasts(overhead, limit),
        hasBroadcasts: () => queue.length > 0,
      },
    });
    await using b = await Memberlist.create({
      ...opts,
      name: 'qb',
      delegate: { notifyMsg: () => arrivals.push(performance.now()) },
    });
    await b.join([`127.0.1.150:${a.localNode.port}`]);
    await new Promise((r) => setTimeout(r, 8 * gossipInterval)); // idle, no probes: ticks slept through
    const queuedAt = performance.now();
    a.queueBroadcasts(() => queue.queue({ message: new TextEncoder().encode('x'), unique: true }));
    await new Promise((r) => setTimeout(r, 8 * gossipInterval));
    expect(arrivals.length).toBe(4);
    expect(arrivals[0] - queuedAt).toBeLessThan(gossipInterval + 50);
    // One a tick (or piggy-backed on a probe), not the four at once that the ticks slept
    // through would send if they ran after the queuing: never three within 20 ms.
    for (let i = 2; i < arrivals.length; i++) expect(arrivals[i] - arrivals[i - 2]).toBeGreaterThan(20);
  });
});

describe('Serf', () => {
  it('an idle Serf node sleeps through gossip ticks; a user event still goes out at the next one', async () => {
    const opts = { profile: 'local' as const, bindAddr: '127.0.1.151', bindPort: 0, probeInterval: 5000 };
    await using a = await Serf.create({ nodeName: 'sa', memberlist: opts });
    await using b = await Serf.create({ nodeName: 'sb', memberlist: opts });
    await b.join([`127.0.1.151:${a.memberlist.localNode.port}`]);
    await new Promise((r) => setTimeout(r, 1500)); // the join's broadcasts are sent out
    const core = (a.memberlist as unknown as { core: MemberlistCore }).core;
    const gossipInterval = core.config.gossipInterval;
    let skipped = 0;
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 37));
      if (core.nextWakeup! - performance.now() > gossipInterval) skipped++;
    }
    expect(skipped).toBeGreaterThan(0);
    const got = new Promise<number>((resolve) => b.once('user', () => resolve(performance.now())));
    const sentAt = performance.now();
    a.userEvent('wake', new TextEncoder().encode('up'));
    expect((await got) - sentAt).toBeLessThan(gossipInterval + 50);
  });
});

describe('ticks missed while blocked', () => {
  it('are dropped as by Go time.Ticker: one late gossip round, then the original schedule', () => {
    let now = 0;
    const sent: number[] = [];
    const core = quietCore('a', {
      config: { gossipInterval: profileConfig('lan').gossipInterval },
      now: () => now,
      random: () => 0.5,
      sendPacket: () => sent.push(now),
    });
    // A peer to gossip to, and a broadcast that stays queued for many rounds.
    core.handlePacket(
      '127.0.0.2:7946',
      encodeMessage(MessageType.Alive, {
        incarnation: 1,
        node: 'b',
        addr: ipFromString('127.0.0.2'),
        port: 7946,
        meta: null,
        vsn: new Uint8Array([1, 5, 2, 0, 0, 0]),
      }),
      0,
    );
    const interval = core.config.gossipInterval;
    const first = core.nextDeadline!;
    now = first;
    core.runTimers(now);
    expect(sent.length).toBe(1);
    // Blocked for five and a half intervals: one round runs late, not five.
    now = first + 5.5 * interval;
    core.runTimers(now);
    expect(sent.length).toBe(2);
    expect(core.nextDeadline).toBe(first + 6 * interval);
  });
});
