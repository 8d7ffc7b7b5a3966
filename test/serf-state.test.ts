/**
 * Serf's state machinery without a network: Lamport clocks, the event and query dedupe rings,
 * recent intents, the member state machine (intents, statuses, refutation, reaping, pruning),
 * query filters, coalescing, snapshot replay, Vivaldi coordinates, internal key queries and the
 * key manager's tally.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/core-io.ts';
import type { Node } from '../src/core/node-state.ts';
import { Coalescer, MemberCoalesceStrategy, UserCoalesceStrategy } from '../src/serf/coalesce.ts';
import { CoordinateClient, distanceSeconds } from '../src/serf/coordinate.ts';
import { EventRing, QueryRing } from '../src/serf/dedupe-rings.ts';
import type { SerfEvent } from '../src/serf/events.ts';
import { checkFilters, compileRe2, encodeFilter, encodeFilters } from '../src/serf/filters.ts';
import { RecentIntents } from '../src/serf/intents.ts';
import { handleInternalQuery } from '../src/serf/internal-queries.ts';
import { KeyManager, KeyOperationError, encodeBase64Key } from '../src/serf/key-manager.ts';
import { LamportClock } from '../src/serf/lamport.ts';
import type { Member } from '../src/serf/member.ts';
import { MemberTable, type MemberEventType } from '../src/serf/members.ts';
import {
  type KeyResponseMessage,
  SerfMessageType,
  decodeBody,
  encodeWithType,
  keyRequestCodec,
  keyResponseCodec,
  queryResponseCodec,
} from '../src/serf/messages.ts';
import { QueryResponse, SerfQuery } from '../src/serf/query.ts';
import { replaySnapshot } from '../src/serf/snapshot.ts';
import { encodeTags } from '../src/serf/tags.ts';
import { Keyring } from '../src/wire/keyring.ts';

const te = new TextEncoder();
const td = new TextDecoder();

describe('Lamport clock (reference §4.1)', () => {
  it('witness moves to v + 1 unless v is older; increment returns the new value', () => {
    const c = new LamportClock();
    expect(c.time()).toBe(0);
    expect(c.increment()).toBe(1);
    c.witness(0);
    expect(c.time()).toBe(1);
    c.witness(1);
    expect(c.time()).toBe(2);
    c.witness(10);
    expect(c.time()).toBe(11);
    c.witness(5);
    expect(c.time()).toBe(11);
    expect(c.increment()).toBe(12);
  });
});

describe('dedupe rings (reference §4.3)', () => {
  it('events: same name + payload at the same LTime is a duplicate; another payload is not', () => {
    const r = new EventRing(512);
    expect(r.offer(3, { name: 'deploy', payload: te.encode('v1') }, 4)).toBeUndefined();
    expect(r.offer(3, { name: 'deploy', payload: te.encode('v1') }, 4)).toBe('duplicate');
    expect(r.offer(3, { name: 'deploy', payload: te.encode('v2') }, 4)).toBeUndefined();
    expect(r.offer(3, { name: 'deploy', payload: null }, 4)).toBeUndefined();
    expect(r.offer(3, { name: 'deploy', payload: new Uint8Array(0) }, 4)).toBe('duplicate');
    // The slot of LTime 3 is reused by LTime 515.
    expect(r.offer(515, { name: 'deploy', payload: te.encode('v1') }, 516)).toBeUndefined();
    expect(r.toPushPull()[3]).toEqual({ ltime: 515, events: [{ name: 'deploy', payload: te.encode('v1') }] });
    expect(r.toPushPull()).toHaveLength(512);
  });

  it('events: too old when current > 512 and LTime < current − 512; below minTime', () => {
    const r = new EventRing(512);
    expect(r.offer(100, { name: 'x', payload: null }, 700)).toBe('too-old');
    expect(r.offer(188, { name: 'x', payload: null }, 700)).toBeUndefined();
    r.minTime = 800;
    expect(r.offer(799, { name: 'y', payload: null }, 900)).toBe('before-min-time');
  });

  it('queries: same ID at the same LTime is a duplicate', () => {
    const r = new QueryRing(4);
    expect(r.offer(1, 77, 2)).toBeUndefined();
    expect(r.offer(1, 77, 2)).toBe('duplicate');
    expect(r.offer(1, 78, 2)).toBeUndefined();
    expect(r.offer(5, 77, 6)).toBeUndefined();
    expect(r.offer(1, 77, 6)).toBe('too-old');
  });
});

describe('recent intents (reference §4.2)', () => {
  it('keeps the newest per node, answers by type, expires after the timeout', () => {
    const i = new RecentIntents();
    expect(i.upsert('n', 'join', 5, 0)).toBe(true);
    expect(i.upsert('n', 'leave', 5, 0)).toBe(false);
    expect(i.upsert('n', 'leave', 6, 1000)).toBe(true);
    expect(i.recent('n', 'join')).toBeUndefined();
    expect(i.recent('n', 'leave')).toBe(6);
    i.reap(1000 + 300_000, 300_000);
    expect(i.recent('n', 'leave')).toBe(6);
    i.reap(1001 + 300_000, 300_000);
    expect(i.size).toBe(0);
  });

  it('is bounded', () => {
    const i = new RecentIntents(3);
    for (let n = 0; n < 10; n++) i.upsert(`n${n}`, 'join', 1, 0);
    expect(i.size).toBe(3);
    expect(i.recent('n9', 'join')).toBe(1);
  });
});

function node(name: string, tags: Record<string, string> = {}): Node {
  return {
    name,
    addr: '127.0.0.9',
    addrBytes: new Uint8Array([127, 0, 0, 9]),
    port: 7946,
    meta: encodeTags(tags),
    state: 'alive',
    incarnation: 1,
    pmin: 1,
    pmax: 5,
    pcur: 2,
    dmin: 2,
    dmax: 5,
    dcur: 5,
  };
}

function table(opts: { selfAlive?: boolean; selfName?: string } = {}) {
  const events: [MemberEventType, string, string][] = [];
  const later: (() => void)[] = [];
  let now = 1_000;
  let refutes = 0;
  const clock = new LamportClock();
  clock.increment();
  const t = new MemberTable({
    selfName: opts.selfName ?? 'me',
    clock,
    log: silentLogger,
    now: () => now,
    selfAlive: () => opts.selfAlive ?? true,
    refuteLeave: () => refutes++,
    emit: (type, m) => events.push([type, m.name, m.status]),
    later: (_ms, fn) => later.push(fn),
    pruneDelayMs: 6000,
  });
  return {
    t,
    clock,
    events,
    later,
    refutes: () => refutes,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('member state machine (reference §4.2)', () => {
  it('memberlist join → alive with decoded tags and versions', () => {
    const { t, events } = table();
    t.nodeJoined(node('a', { role: 'web' }));
    const m = t.get('a') as Member;
    expect(m).toMatchObject({
      status: 'alive',
      tags: { role: 'web' },
      protocolMax: 5,
      delegateCur: 5,
      addr: '127.0.0.9',
    });
    expect(events).toEqual([['member-join', 'a', 'alive']]);
  });

  it('an intent before the member is buffered and applied when it appears', () => {
    const { t, clock } = table();
    expect(t.joinIntent({ ltime: 7, node: 'a' })).toBe(true);
    expect(t.joinIntent({ ltime: 7, node: 'a' })).toBe(false);
    expect(clock.time()).toBe(8);
    t.nodeJoined(node('a'));
    expect(t.statusLTimeOf('a')).toBe(7);
    expect(t.leaveIntent({ ltime: 9, node: 'b', prune: false })).toBe(true);
    t.nodeJoined(node('b'));
    expect(t.get('b')?.status).toBe('leaving');
  });

  it('leave intent → leaving; memberlist leave → left; without an intent → failed', () => {
    const { t, events } = table();
    t.nodeJoined(node('a'));
    t.nodeJoined(node('b'));
    expect(t.leaveIntent({ ltime: 3, node: 'a', prune: false })).toBe(true);
    expect(t.get('a')?.status).toBe('leaving');
    t.nodeLeft(node('a'));
    t.nodeLeft(node('b'));
    expect(t.get('a')?.status).toBe('left');
    expect(t.get('b')?.status).toBe('failed');
    expect(t.leftNames()).toEqual(['a']);
    expect(t.failedMembers().map((m) => m.name)).toEqual(['b']);
    expect(events.slice(2)).toEqual([
      ['member-leave', 'a', 'left'],
      ['member-failed', 'b', 'failed'],
    ]);
  });

  it('stale intents are ignored; a repeated leave intent is not rebroadcast (consul#8179)', () => {
    const { t } = table();
    t.nodeJoined(node('a'));
    expect(t.joinIntent({ ltime: 5, node: 'a' })).toBe(true);
    expect(t.joinIntent({ ltime: 5, node: 'a' })).toBe(false);
    expect(t.leaveIntent({ ltime: 4, node: 'a', prune: false })).toBe(false);
    expect(t.leaveIntent({ ltime: 6, node: 'a', prune: false })).toBe(true);
    expect(t.leaveIntent({ ltime: 6, node: 'a', prune: false })).toBe(false);
    // A newer join intent brings a leaving member back to alive.
    expect(t.joinIntent({ ltime: 7, node: 'a' })).toBe(true);
    expect(t.get('a')?.status).toBe('alive');
  });

  it('a leave intent for a failed member makes it left (forced)', () => {
    const { t, events } = table();
    t.nodeJoined(node('a'));
    t.nodeLeft(node('a'));
    expect(t.leaveIntent({ ltime: 3, node: 'a', prune: false })).toBe(true);
    expect(t.get('a')?.status).toBe('left');
    expect(t.numFailed).toBe(0);
    expect(t.numLeft).toBe(1);
    expect(events.at(-1)).toEqual(['member-leave', 'a', 'left']);
  });

  it('a leave intent about ourselves while alive is refuted, not applied', () => {
    const { t, refutes } = table();
    t.nodeJoined(node('me'));
    expect(t.leaveIntent({ ltime: 3, node: 'me', prune: false })).toBe(false);
    expect(refutes()).toBe(1);
    expect(t.get('me')?.status).toBe('alive');
  });

  it('our own leave while leaving is applied', () => {
    const { t } = table({ selfAlive: false });
    t.nodeJoined(node('me'));
    expect(t.leaveIntent({ ltime: 3, node: 'me', prune: false })).toBe(true);
    expect(t.get('me')?.status).toBe('leaving');
  });

  it("a leaving node's push/pull that overtakes its leave intent turns the leave into a failure, as in Go", () => {
    const peer = table();
    peer.t.nodeJoined(node('a'));
    peer.t.joinIntent({ ltime: 2, node: 'a' });
    // 'a' leaves: its leave intent is applied locally at its clock's time before it is gossiped.
    const a = table({ selfName: 'a', selfAlive: false });
    a.t.nodeJoined(node('a'));
    a.clock.witness(4);
    const ltime = a.clock.time();
    expect(a.t.leaveIntent({ ltime, node: 'a', prune: false })).toBe(true);
    // Its push/pull state has it leaving, not on the left list: the peer merges its status LTime
    // as a join intent (Go's MergeRemoteState) ...
    expect(a.t.leftNames()).toEqual([]);
    for (const [name, statusLTime] of a.t.statusLTimes()) peer.t.joinIntent({ ltime: statusLTime, node: name });
    expect(peer.t.statusLTimeOf('a')).toBe(ltime);
    // ... so the leave intent that arrives next is not newer, and memberlist's dead message fails it.
    expect(peer.t.leaveIntent({ ltime, node: 'a', prune: false })).toBe(false);
    peer.t.nodeLeft(node('a'));
    expect(peer.t.get('a')?.status).toBe('failed');
  });

  it('reaps failed members after the reconnect timeout and left ones after the tombstone timeout', () => {
    const { t, events, advance } = table();
    t.nodeJoined(node('f'));
    t.nodeJoined(node('l'));
    t.leaveIntent({ ltime: 3, node: 'l', prune: false });
    t.nodeLeft(node('f'));
    t.nodeLeft(node('l'));
    advance(1000);
    t.reap(1000, 5000, 300_000);
    expect(t.get('f')?.status).toBe('failed');
    advance(1);
    t.reap(1000, 5000, 300_000);
    expect(t.get('f')).toBeUndefined();
    expect(t.get('l')?.status).toBe('left');
    advance(5000);
    t.reap(1000, 5000, 300_000);
    expect(t.get('l')).toBeUndefined();
    expect(events.filter((e) => e[0] === 'member-reap').map((e) => e[1])).toEqual(['f', 'l']);
    expect(t.statusLTimes().has('l')).toBe(false);
  });

  it('prune erases a left member now and a leaving one after the prune delay', () => {
    const { t, later } = table();
    t.nodeJoined(node('a'));
    t.nodeJoined(node('b'));
    t.nodeLeft(node('a'));
    t.leaveIntent({ ltime: 3, node: 'a', prune: true });
    expect(t.get('a')).toBeUndefined();
    t.leaveIntent({ ltime: 4, node: 'b', prune: true });
    expect(t.get('b')?.status).toBe('leaving');
    for (const fn of later) fn();
    expect(t.get('b')).toBeUndefined();
  });
});

describe('query filters (reference §5.2)', () => {
  const self = { name: 'ts1', tags: { role: 'web-frontend', dc: 'x' } };
  it('node filter: passes only when our name is listed', () => {
    expect(checkFilters([encodeFilter({ type: 'node', nodes: ['a', 'ts1'] })], self)).toBeUndefined();
    expect(checkFilters([encodeFilter({ type: 'node', nodes: ['a'] })], self)?.reason).toBe('node');
  });

  it('tag filter: unanchored regexp; a missing tag is ""', () => {
    const tag = (t: string, e: string) => [encodeFilter({ type: 'tag', tag: t, expr: e })];
    expect(checkFilters(tag('role', 'web'), self)).toBeUndefined();
    expect(checkFilters(tag('role', '^web$'), self)?.reason).toBe('tag');
    expect(checkFilters(tag('role', 'front.*'), self)).toBeUndefined();
    expect(checkFilters(tag('missing', '^$'), self)).toBeUndefined();
    expect(checkFilters(tag('missing', '.'), self)?.reason).toBe('tag');
    expect(checkFilters(tag('role', '(?i)WEB'), self)).toBeUndefined();
    expect(checkFilters(tag('role', '(?P<kind>web)-'), self)).toBeUndefined();
  });

  it('all filters must pass; unknown types and bad expressions fail', () => {
    const filters = encodeFilters(['ts1'], { dc: 'x', role: 'web' });
    expect(filters).toHaveLength(3);
    expect(checkFilters(filters, self)).toBeUndefined();
    expect(checkFilters(encodeFilters(['ts1'], { dc: 'y' }), self)?.reason).toBe('tag');
    expect(checkFilters([new Uint8Array([7, 0xc0])], self)?.reason).toBe('unknown-type');
    expect(checkFilters([encodeFilter({ type: 'tag', tag: 'role', expr: '(' })], self)?.reason).toBe('bad-regexp');
    expect(checkFilters([new Uint8Array([0, 0xdc, 0xff])], self)?.reason).toBe('malformed');
    expect(encodeFilters([], {})).toBeNull();
  });

  it('runs expressions that backtrack exponentially elsewhere, and refuses what Go refuses', () => {
    for (const nested of ['(a+)+$', '(a|a)*b', '((ab)*)*', '(x{2,})*', '(a*)+']) {
      const re = compileRe2(nested);
      if (typeof re === 'string') throw new Error(re);
      expect(re.test(`${'a'.repeat(5000)}!`)).toBe(!nested.endsWith('$') && !nested.endsWith('b'));
    }
    for (const bad of ['(', 'a**', '(?=a)', '\\1', '[z-a]', 'x{1001}']) expect(typeof compileRe2(bad)).toBe('string');
    for (const ok of ['a+b*', '^(web|db)$', '[(]+', '\\(a+\\)+', 'a{2,3}', '(?:web)?x']) {
      expect(typeof compileRe2(ok)).toBe('object');
    }
  });
});

describe('coalescing (the serf agent behaviour)', () => {
  const member = (name: string, status: Member['status']): Member => ({
    name,
    addr: '127.0.0.1',
    addrBytes: new Uint8Array([127, 0, 0, 1]),
    port: 1,
    tags: {},
    status,
    protocolMin: 1,
    protocolMax: 5,
    protocolCur: 2,
    delegateMin: 2,
    delegateMax: 5,
    delegateCur: 5,
  });

  it('member events: latest per member, grouped by type, repeats dropped', () => {
    const s = new MemberCoalesceStrategy();
    s.add({ type: 'member-join', members: [member('a', 'alive')] });
    s.add({ type: 'member-failed', members: [member('a', 'failed')] });
    s.add({ type: 'member-join', members: [member('b', 'alive')] });
    s.add({ type: 'member-join', members: [member('c', 'alive')] });
    const out = s.flush() as { type: string; members: Member[] }[];
    expect(out.map((e) => [e.type, e.members.map((m) => m.name)])).toEqual([
      ['member-failed', ['a']],
      ['member-join', ['b', 'c']],
    ]);
    s.add({ type: 'member-join', members: [member('b', 'alive')] });
    expect(s.flush()).toEqual([]);
  });

  it('user events: only the newest LTime per name; non-coalescable pass through', async () => {
    const out: SerfEvent[] = [];
    const c = new Coalescer(new UserCoalesceStrategy(), 50, 20, (e) => out.push(e));
    const ev = (name: string, ltime: number, coalesce = true): SerfEvent => ({
      type: 'user',
      name,
      ltime,
      payload: te.encode(String(ltime)),
      coalesce,
    });
    c.push(ev('deploy', 1));
    c.push(ev('deploy', 3));
    c.push(ev('deploy', 2));
    c.push(ev('other', 1, false));
    expect(out.map((e) => (e.type === 'user' ? `${e.name}@${e.ltime}` : ''))).toEqual(['other@1']);
    await new Promise((r) => setTimeout(r, 80));
    expect(out.map((e) => (e.type === 'user' ? `${e.name}@${e.ltime}` : ''))).toEqual(['other@1', 'deploy@3']);
  });
});

describe('snapshot replay (Serf line format)', () => {
  it('tracks alive members and clocks; a leave resets unless rejoining', () => {
    const text = [
      'alive: a 127.0.0.1:7946',
      'alive: b c 10.0.0.2:7946',
      'not-alive: a',
      'clock: 12',
      'event-clock: 4',
      'query-clock: 9',
      'coordinate: {}',
      '# comment',
      'bogus',
      '',
    ].join('\n');
    const s = replaySnapshot(text, false, silentLogger);
    expect([...s.alive]).toEqual([['b c', '10.0.0.2:7946']]);
    expect([s.lastClock, s.lastEventClock, s.lastQueryClock]).toEqual([12, 4, 9]);
    const left = replaySnapshot(`${text}leave\n`, false, silentLogger);
    expect([left.alive.size, left.lastClock]).toEqual([0, 0]);
    expect(replaySnapshot(`${text}leave\n`, true, silentLogger).lastClock).toBe(12);
    expect(replaySnapshot('clock: 5\nclock: 7', false, silentLogger).lastClock).toBe(5);
  });
});

describe('Vivaldi coordinates', () => {
  it('two clients exchanging a steady 10 ms RTT converge near 10 ms apart', () => {
    let seed = 1;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const a = new CoordinateClient(undefined, random);
    const b = new CoordinateClient(undefined, random);
    for (let i = 0; i < 200; i++) {
      a.update('b', b.coordinate, 10);
      b.update('a', a.coordinate, 10);
    }
    const d = distanceSeconds(a.coordinate, b.coordinate) * 1000;
    expect(d).toBeGreaterThan(8);
    expect(d).toBeLessThan(12);
    expect(a.coordinate.error).toBeLessThan(0.5);
  });

  it('rejects bad RTTs and incompatible coordinates with RangeError', () => {
    const a = new CoordinateClient();
    expect(() => a.update('x', a.coordinate, 20_000)).toThrow(RangeError);
    expect(() => a.update('x', { vec: [0, 0], error: 1, adjustment: 0, height: 0 }, 1)).toThrow(RangeError);
    expect(() => a.update('x', { ...a.coordinate, error: Number.NaN }, 1)).toThrow(RangeError);
  });
});

/** A delivered query whose responses are captured. */
function internalQuery(name: string, payload: Uint8Array, sizeLimit = 1024) {
  const sent: Uint8Array[] = [];
  const q = new SerfQuery({
    ltime: 4,
    id: 9,
    name,
    payload,
    sourceNode: 'asker',
    deadline: Date.now() + 5000,
    selfName: 'ts1',
    sizeLimit,
    send: (raw) => sent.push(raw),
  });
  const response = (): KeyResponseMessage => {
    expect(sent).toHaveLength(1);
    const r = decodeBody(queryResponseCodec, sent[0]);
    expect(r).toMatchObject({ ltime: 4, id: 9, from: 'ts1', flags: 0 });
    const p = r.payload as Uint8Array;
    expect(p[0]).toBe(SerfMessageType.KeyResponse);
    return decodeBody(keyResponseCodec, p);
  };
  return { q, sent, response };
}

function keyReq(key: Uint8Array): Uint8Array {
  return encodeWithType(SerfMessageType.KeyRequest, keyRequestCodec, { key });
}

describe('internal key queries (reference §5.5, Go messages)', () => {
  const k1 = new Uint8Array(32).fill(1);
  const k2 = new Uint8Array(16).fill(2);
  const ctx = (keyring: Keyring, persisted: string[] = []) => ({
    selfName: 'ts1',
    keyring,
    log: silentLogger,
    responseSizeLimit: 1024,
    encryptionEnabled: () => keyring.keys.length > 0,
    member: () => undefined,
    persistKeyring: () => {
      persisted.push(keyring.keys.map(encodeBase64Key).join(','));
      return undefined;
    },
  });

  it('without encryption every key query fails with Go messages', () => {
    for (const [name, message] of [
      ['_serf_install-key', 'No keyring to modify (encryption not enabled)'],
      ['_serf_use-key', 'No keyring to modify (encryption not enabled)'],
      ['_serf_remove-key', 'No keyring to modify (encryption not enabled)'],
      ['_serf_list-keys', 'Keyring is empty (encryption not enabled)'],
    ]) {
      const { q, response } = internalQuery(name, keyReq(k1));
      handleInternalQuery(ctx(new Keyring()), q);
      expect(response()).toEqual({ result: false, message, keys: null, primaryKey: '' });
    }
  });

  it('install, use, list and remove change the keyring and persist it', () => {
    const ring = new Keyring([k1]);
    const persisted: string[] = [];
    const c = ctx(ring, persisted);
    let t = internalQuery('_serf_install-key', keyReq(k2));
    handleInternalQuery(c, t.q);
    expect(t.response()).toMatchObject({ result: true, message: '' });
    t = internalQuery('_serf_use-key', keyReq(k2));
    handleInternalQuery(c, t.q);
    expect(t.response().result).toBe(true);
    expect(ring.primaryKey).toEqual(k2);
    t = internalQuery('_serf_list-keys', keyReq(new Uint8Array(0)));
    handleInternalQuery(c, t.q);
    expect(t.response()).toEqual({
      result: true,
      message: '',
      keys: [encodeBase64Key(k2), encodeBase64Key(k1)],
      primaryKey: encodeBase64Key(k2),
    });
    t = internalQuery('_serf_remove-key', keyReq(k1));
    handleInternalQuery(c, t.q);
    expect(t.response().result).toBe(true);
    expect(ring.keys).toEqual([k2]);
    expect(persisted).toHaveLength(3);
  });

  it('failures carry Go messages', () => {
    const ring = new Keyring([k1]);
    let t = internalQuery('_serf_install-key', keyReq(new Uint8Array(5)));
    handleInternalQuery(ctx(ring), t.q);
    expect(t.response()).toMatchObject({ result: false, message: 'key size must be 16, 24 or 32 bytes' });
    t = internalQuery('_serf_use-key', keyReq(k2));
    handleInternalQuery(ctx(ring), t.q);
    expect(t.response()).toMatchObject({ result: false, message: 'Requested key is not in the keyring' });
    t = internalQuery('_serf_remove-key', keyReq(k1));
    handleInternalQuery(ctx(ring), t.q);
    expect(t.response()).toMatchObject({ result: false, message: 'Removing the primary key is not allowed' });
    t = internalQuery('_serf_install-key', new Uint8Array([7, 0xdc]));
    handleInternalQuery(ctx(ring), t.q);
    expect(t.response()).toMatchObject({ result: false, message: '' });
  });

  it('list-keys truncates to fit one 1024-byte response, with Go message', () => {
    const keys = Array.from({ length: 45 }, (_, i) => new Uint8Array(32).fill(i + 1));
    const t = internalQuery('_serf_list-keys', keyReq(new Uint8Array(0)));
    handleInternalQuery(ctx(new Keyring(keys)), t.q);
    expect(t.sent[0].length).toBeLessThanOrEqual(1024);
    const r = t.response();
    expect(r.result).toBe(true);
    expect(r.message).toMatch(/^truncated key list response, showing first \d+ of 45 keys$/);
    const shown = Number(/first (\d+)/.exec(r.message)?.[1]);
    expect(r.keys).toHaveLength(shown);
    expect(shown).toBeGreaterThan(10);
  });

  it('ping is answered by the ack alone; conflict answers nil for unknown names and nothing about us', () => {
    const t = internalQuery('_serf_ping', new Uint8Array(0));
    handleInternalQuery(ctx(new Keyring()), t.q);
    expect(t.sent).toHaveLength(0);
    const c = internalQuery('_serf_conflict', te.encode('other'));
    handleInternalQuery(ctx(new Keyring()), c.q);
    const payload = decodeBody(queryResponseCodec, c.sent[0]).payload as Uint8Array;
    expect([...payload]).toEqual([SerfMessageType.ConflictResponse, 0xc0]);
    const self = internalQuery('_serf_conflict', te.encode('ts1'));
    handleInternalQuery(ctx(new Keyring()), self.q);
    expect(self.sent).toHaveLength(0);
  });
});

describe('responding to a query', () => {
  it('once, before the deadline, within the size limit', () => {
    const { q, sent } = internalQuery('app', new Uint8Array(0), 64);
    expect(() => q.respond(new Uint8Array(100))).toThrow(/response exceeds limit of 64 bytes/);
    q.respond(te.encode('ok'));
    expect(() => q.respond(te.encode('again'))).toThrow(/response already sent/);
    expect(sent).toHaveLength(1);
    const late = new SerfQuery({
      ltime: 1,
      id: 1,
      name: 'x',
      payload: new Uint8Array(0),
      sourceNode: 's',
      deadline: Date.now() - 1,
      selfName: 'me',
      sizeLimit: 1024,
      send: () => {},
    });
    expect(() => late.respond(te.encode('x'))).toThrow(/past the deadline/);
  });
});

describe('query responses at the asker (reference §4.3)', () => {
  it('deduplicates per sender, separately for acks and responses, and ends at close', async () => {
    const r = new QueryResponse({ ltime: 1, id: 2, timeoutMs: 5000, ackRequested: true, capacity: 16 });
    expect(r.deliverAck('a')).toBe(true);
    expect(r.deliverAck('a')).toBe(false);
    expect(r.deliverResponse('a', te.encode('x'))).toBe(true);
    expect(r.deliverResponse('a', te.encode('y'))).toBe(false);
    const seen: string[] = [];
    const loop = (async () => {
      for await (const x of r) seen.push(`${x.type}:${x.from}`);
    })();
    await new Promise((res) => setTimeout(res, 5));
    r.deliverAck('b');
    r.close();
    await loop;
    expect(seen).toEqual(['ack:a', 'response:a', 'ack:b']);
    expect(r.deliverAck('c')).toBe(false);
    const all = await r.collect();
    expect(all.acks).toEqual(['a', 'b']);
    expect(td.decode(all.responses.get('a'))).toBe('x');
  });

  it('without an ack request acks are ignored; capacity bounds what is kept', () => {
    const r = new QueryResponse({ ltime: 1, id: 2, timeoutMs: 5000, ackRequested: false, capacity: 2 });
    expect(r.deliverAck('a')).toBe(false);
    expect(r.deliverResponse('a', new Uint8Array(0))).toBe(true);
    expect(r.deliverResponse('b', new Uint8Array(0))).toBe(true);
    expect(r.deliverResponse('c', new Uint8Array(0))).toBe(false);
    r.close();
  });
});

describe('key manager tally (Go KeyManager)', () => {
  function runner(replies: [string, Uint8Array][], numMembers: number) {
    const warnings: string[] = [];
    return {
      warnings,
      runner: {
        numMembers: () => numMembers,
        warn: (m: string) => warnings.push(m),
        query: (name: string, payload: Uint8Array) => {
          expect(name).toMatch(/^_serf_/);
          expect(payload[0]).toBe(SerfMessageType.KeyRequest);
          const r = new QueryResponse({ ltime: 1, id: 1, timeoutMs: 200, ackRequested: false, capacity: 16 });
          setTimeout(() => {
            for (const [from, p] of replies) r.deliverResponse(from, p);
          }, 5);
          setTimeout(() => r.close(), 200);
          return r;
        },
      },
    };
  }
  const ok = (keys: string[] | null = null, message = '') =>
    encodeWithType(SerfMessageType.KeyResponse, keyResponseCodec, {
      result: true,
      message,
      keys,
      primaryKey: keys?.[0] ?? '',
    });
  const fail = (message: string) =>
    encodeWithType(SerfMessageType.KeyResponse, keyResponseCodec, {
      result: false,
      message,
      keys: null,
      primaryKey: '',
    });
  const key = encodeBase64Key(new Uint8Array(32).fill(5));

  it('counts every node, keys and primary keys; returns early when all answered', async () => {
    const { runner: r } = runner(
      [
        ['a', ok([key])],
        ['b', ok([key, 'other'])],
      ],
      2,
    );
    const started = Date.now();
    const resp = await new KeyManager(r).listKeys();
    expect(Date.now() - started).toBeLessThan(150);
    expect([resp.numNodes, resp.numResp, resp.numErr]).toEqual([2, 2, 0]);
    expect([...resp.keys]).toEqual([
      [key, 2],
      ['other', 1],
    ]);
    expect([...resp.primaryKeys]).toEqual([[key, 2]]);
  });

  it('fails with "x/N nodes reported failure" and per-node messages', async () => {
    const { runner: r } = runner(
      [
        ['a', ok()],
        ['b', fail('Requested key is not in the keyring')],
        ['c', new Uint8Array([1, 2])],
      ],
      3,
    );
    const err = await new KeyManager(r).useKey(key).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyOperationError);
    expect((err as KeyOperationError).message).toBe('2/3 nodes reported failure');
    const m = (err as KeyOperationError).response.messages;
    expect(m.get('b')).toBe('Requested key is not in the keyring');
    expect(m.get('c')).toMatch(/^Invalid key query response type/);
  });

  it('fails with "x/N nodes reported success" when someone did not answer; bad base64 is refused', async () => {
    const { runner: r } = runner([['a', ok()]], 2);
    await expect(new KeyManager(r).installKey(key)).rejects.toThrow('1/2 nodes reported success');
    await expect(new KeyManager(r).installKey('not base64!')).rejects.toThrow(/illegal base64/);
  });
});
