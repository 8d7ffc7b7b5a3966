/**
 * The transmit-limited broadcast queue behaves as Go's TransmitLimitedQueue: least-sent first,
 * then the largest message that fits, newest first; named broadcasts replace each other; plain
 * ones can invalidate older ones; each is sent retransmitMult × ceil(log10(n + 1)) times.
 */
import { describe, expect, it } from 'vitest';
import { type Broadcast, BroadcastQueue } from '../src/core/broadcast-queue.ts';
import { quietCore } from './support/quiet-core.ts';

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

describe('queueNamedSource', () => {
  it('encodes a message from its source when sent, ordered and replaced as a held one', () => {
    const encodeSource = (s: object) => te.encode((s as { text: string }).text);
    const q = new BroadcastQueue(() => 10, 3, encodeSource);
    q.queueNamedSource('a', 3, { text: 'aaa' });
    q.queueNamed('b', te.encode('bbbbb'));
    q.queueNamedSource('c', 4, { text: 'cccc' });
    q.queueNamedSource('b', 2, { text: 'BB' }); // replaces the held "bbbbb"
    expect(q.length).toBe(3);
    expect(texts(q.getBroadcasts(0, 100))).toEqual(['cccc', 'aaa', 'BB']);
    expect(texts(q.getBroadcasts(0, 3))).toEqual(['aaa']); // by the queued length
  });
});

describe('alive broadcasts of members learned by push/pull', () => {
  it('are the bytes of each member alive message as received, whatever its fields', async () => {
    const { encodeMessage } = await import('../src/wire/codec.ts');
    const { MessageType, NodeStateCode } = await import('../src/wire/messages.ts');
    const { encodePushPull } = await import('../src/wire/push-pull.ts');
    const { decodeStreamMessage } = await import('../src/wire/stream.ts');
    const { NO_SECURITY } = await import('../src/wire/wire-security.ts');
    const core = quietCore('bq-self');
    const vsn = new Uint8Array([1, 5, 2, 0, 0, 0]);
    const base = { port: 7946, incarnation: 3, state: NodeStateCode.Alive, vsn };
    const nodes = [
      { ...base, name: 'm-plain', addr: new Uint8Array([10, 1, 0, 1]), meta: te.encode('id=1') },
      { ...base, name: 'm-nil-meta', addr: new Uint8Array([10, 1, 0, 2]), meta: null },
      { ...base, name: 'm-empty-meta', addr: new Uint8Array([10, 1, 0, 3]), meta: new Uint8Array(0) },
      {
        ...base,
        name: 'm-long-vsn',
        addr: new Uint8Array([10, 1, 0, 4]),
        meta: null,
        vsn: new Uint8Array([1, 5, 2, 0, 0, 0, 9, 9]),
      },
      { ...base, name: 'm-ipv6', addr: new Uint8Array(16).fill(7), meta: te.encode('x'), incarnation: 4000000000 },
    ];
    const push = (ns: typeof nodes): void => {
      const msg = encodePushPull({ join: false, nodes: ns, userState: new Uint8Array(0) });
      const { message } = decodeStreamMessage(msg, NO_SECURITY, NO_SECURITY.label);
      core.handleStream('10.1.0.9:7946', message);
    };
    push(nodes);
    // A newer incarnation and other metadata for one of them: its alive is queued again.
    const updated = { ...nodes[0], incarnation: 9, meta: te.encode('id=1,new') };
    push([updated]);
    const expected = [...nodes.slice(1), updated].map((n) =>
      encodeMessage(MessageType.Alive, {
        incarnation: n.incarnation,
        node: n.name,
        addr: n.addr,
        port: n.port,
        meta: n.meta,
        vsn: n.vsn,
      }),
    );
    const queue = (core as unknown as { state: { broadcasts: BroadcastQueue } }).state.broadcasts;
    const sent = queue.getBroadcasts(0, 1 << 20).map((b) => b.slice());
    const sortKey = (b: Uint8Array) => Buffer.from(b).toString('hex');
    expect(
      sent
        .map(sortKey)
        .filter((h) => !h.includes(Buffer.from('bq-self').toString('hex')))
        .sort(),
    ).toEqual(expected.map(sortKey).sort());
    // Sent again (the transmit limit is above 2): the same bytes.
    expect(
      queue
        .getBroadcasts(0, 1 << 20)
        .map(sortKey)
        .sort(),
    ).toEqual(sent.map(sortKey).sort());
    core.shutdown();
  });
});
