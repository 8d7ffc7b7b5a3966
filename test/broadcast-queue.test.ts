/**
 * The transmit-limited broadcast queue behaves as Go's TransmitLimitedQueue: least-sent first,
 * then the largest message that fits, newest first; named broadcasts replace each other; plain
 * ones can invalidate older ones; each is sent retransmitMult × ceil(log10(n + 1)) times.
 */
import { describe, expect, it } from 'vitest';
import { type Broadcast, BroadcastQueue } from '../src/core/broadcast-queue.ts';

const te = new TextEncoder();
const td = new TextDecoder();
const msg = (text: string, extra: Partial<Broadcast> = {}): Broadcast => ({ message: te.encode(text), ...extra });
const texts = (bs: Uint8Array[]): string[] => bs.map((b) => td.decode(b));

describe('BroadcastQueue', () => {
  it('takes the largest message that fits first, newest first among equal sizes', () => {
    const q = new BroadcastQueue(() => 10, 3);
    q.queue(msg('aaa'));
    q.queue(msg('bbbbbb'));
    q.queue(msg('ccc'));
    q.queue(msg('dd'));
    // overhead 2: 6+2, then 3+2 (newest "ccc"), then 3+2, then 2+2
    expect(texts(q.getBroadcasts(2, 100))).toEqual(['bbbbbb', 'ccc', 'aaa', 'dd']);
  });

  it('respects the byte limit, skipping what does not fit', () => {
    const q = new BroadcastQueue(() => 10, 3);
    q.queue(msg('x'.repeat(50)));
    q.queue(msg('y'.repeat(10)));
    q.queue(msg('z'.repeat(30)));
    expect(texts(q.getBroadcasts(2, 45))).toEqual(['z'.repeat(30), 'y'.repeat(10)]);
  });

  it('sends less-sent broadcasts before more-sent ones, and each up to the transmit limit', () => {
    // n = 10 → ceil(log10(11)) = 2; mult 2 → limit 4 sends
    const q = new BroadcastQueue(() => 10, 2);
    q.queue(msg('old'));
    expect(texts(q.getBroadcasts(0, 3))).toEqual(['old']); // old now sent once
    q.queue(msg('new'));
    expect(texts(q.getBroadcasts(0, 3))).toEqual(['new']);
    let sends = 2;
    while (q.length > 0 && sends < 100) {
      q.getBroadcasts(0, 1000);
      sends++;
    }
    expect(sends).toBe(5); // 'old' 4 times and 'new' 4 times: 2 single calls + 3 double calls
  });

  it('a named broadcast replaces the queued one of the same name, finishing it', () => {
    const q = new BroadcastQueue(() => 10, 3);
    const finished: string[] = [];
    q.queue(msg('alive n1 inc1', { name: 'n1', finished: () => finished.push('inc1') }));
    q.queue(msg('other', { name: 'n2' }));
    q.queue(msg('suspect n1', { name: 'n1' }));
    expect(finished).toEqual(['inc1']);
    expect(q.length).toBe(2);
    expect(texts(q.getBroadcasts(0, 1000)).sort()).toEqual(['other', 'suspect n1']);
  });

  it('plain broadcasts may invalidate older plain ones; unique ones are left alone', () => {
    const q = new BroadcastQueue(() => 10, 3);
    q.queue(msg('v1'));
    q.queue(msg('keep', { unique: true }));
    q.queue(msg('v2', { invalidates: (o) => td.decode(o.message).startsWith('v') }));
    expect(texts(q.getBroadcasts(0, 1000)).sort()).toEqual(['keep', 'v2']);
  });

  it('prune drops the most-sent, then smallest, then oldest', () => {
    const q = new BroadcastQueue(() => 10, 3);
    q.queue(msg('sent-once'));
    q.getBroadcasts(0, 9);
    q.queue(msg('aa'));
    q.queue(msg('bbbb'));
    q.prune(2);
    expect(texts(q.getBroadcasts(0, 1000)).sort()).toEqual(['aa', 'bbbb']);
    q.prune(1);
    expect(q.length).toBe(1);
  });

  it('reset finishes everything', () => {
    const q = new BroadcastQueue(() => 10, 3);
    let finished = 0;
    for (let i = 0; i < 5; i++) q.queue(msg(`m${i}`, { finished: () => finished++ }));
    q.reset();
    expect(finished).toBe(5);
    expect(q.length).toBe(0);
  });

  it('queueNamed behaves as queue with a named broadcast: replaces by name, ids taken before', () => {
    const a = new BroadcastQueue(() => 10, 3);
    const b = new BroadcastQueue(() => 10, 3);
    const doneA: string[] = [];
    const doneB: string[] = [];
    const ops: [string, string][] = [
      ['n1', 'one'],
      ['n2', 'two'],
      ['n1', 'uno'],
      ['n3', 'xyz'],
      ['n3', 'tre'],
    ];
    for (const [name, text] of ops) {
      a.queue({ name, message: te.encode(text), finished: () => doneA.push(text) });
      b.queueNamed(name, te.encode(text), () => doneB.push(text));
    }
    expect(b.length).toBe(a.length);
    expect(doneB).toEqual(doneA);
    // A view into a larger buffer comes back as exactly its bytes.
    const big = te.encode('__view__');
    b.queueNamed('n4', big.subarray(2, 6));
    a.queue({ name: 'n4', message: big.subarray(2, 6) });
    expect(texts(b.getBroadcasts(0, 100))).toEqual(texts(a.getBroadcasts(0, 100)));
    b.reset();
    a.reset();
    expect(doneB).toEqual(doneA);
  });
});
