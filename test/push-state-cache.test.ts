/**
 * Push/pull node states received again unchanged come back with the values decoded the last time
 * and their bytes where they are already held (push-state-cache.ts), and anything else still
 * goes through the generic decoder: changed
 * fields, other encodings, cut-short input. Also our reply: the encoded member list is sent
 * again while the member table has not changed (for ENCODED_KEEP_MS at most where a probe ticker
 * runs), and re-encoded once it has.
 */
import { describe, expect, it, vi } from 'vitest';
import type { MemberlistCore } from '../src/core/core.ts';
import { ENCODED_KEEP_MS, type PushPullSync } from '../src/core/push-pull-sync.ts';
import type { MemberState } from '../src/core/state.ts';
import { NodeState } from '../src/core/node-state.ts';
import { DecodeError } from '../src/errors.ts';
import { NodeStateCode, type PushNodeState } from '../src/wire/messages.ts';
import { decodePushPull, encodePushPull } from '../src/wire/push-pull.ts';
import { clearDecodeCaches } from '../src/wire/decode-caches.ts';
import { adoptPushState } from '../src/wire/push-state-cache.ts';
import { decodeStreamMessage } from '../src/wire/stream.ts';
import { NO_SECURITY } from '../src/wire/wire-security.ts';
import { quietCore } from './support/quiet-core.ts';
import { nodeFields } from './support/node-fields.ts';

const enc = new TextEncoder();

function node(i: number, over: Partial<PushNodeState> = {}): PushNodeState {
  return {
    name: `cache-test-${i}`,
    addr: new Uint8Array([10, 9, i >> 8, i & 255]),
    port: 7946,
    meta: enc.encode(`id=${i}`),
    incarnation: 3,
    state: NodeStateCode.Alive,
    vsn: new Uint8Array([1, 5, 2, 0, 0, 0]),
    ...over,
  };
}

/** Whether two byte fields are the same bytes in memory (or both nil, or both empty). */
const sameHeld = (x: Uint8Array | null, y: Uint8Array | null): boolean =>
  x === null || y === null
    ? x === y
    : x.length === y.length && (x.length === 0 || (x.buffer === y.buffer && x.byteOffset === y.byteOffset));

const state = (nodes: PushNodeState[]): Uint8Array =>
  encodePushPull({ join: false, nodes, userState: new Uint8Array(0) });

/** Member records for `nodes`, held by the cache as a core's merge leaves them (adoptPushState). */
function seed(nodes: PushNodeState[]): NodeState[] {
  return nodes.map((n) => {
    const vsn = n.vsn ?? new Uint8Array(6);
    const rec = new NodeState(
      n.name,
      n.addr ?? new Uint8Array(0),
      n.port,
      n.meta,
      n.incarnation,
      n.state as NodeStateCode,
      0,
      vsn,
    );
    adoptPushState(rec);
    return rec;
  });
}

describe('push-state-cache', () => {
  it('returns a node state equal to its member record with the bytes as held, equal to a fresh decode', () => {
    const nodes = [node(1), node(2, { meta: null }), node(3, { meta: new Uint8Array(0) })];
    const msg = state(nodes);
    const fresh = decodePushPull(msg).nodes; // nothing cached for these names yet
    expect(fresh.map(nodeFields)).toEqual(nodes);
    const records = seed(nodes);
    const a = decodePushPull(msg).nodes;
    const b = decodePushPull(msg).nodes;
    for (let i = 0; i < nodes.length; i++) {
      expect(a[i].vsn).toBe(records[i].vsn); // from the record, not decoded
      expect(sameHeld(a[i].addr, records[i].addr)).toBe(true);
      expect(sameHeld(b[i].addr, a[i].addr)).toBe(true);
      expect(sameHeld(b[i].meta, a[i].meta)).toBe(true);
    }
    expect(a.map(nodeFields)).toEqual(nodes);
    expect(b.map(nodeFields)).toEqual(nodes);
    // A record that has changed since only matches its new values.
    records[0].incarnation = 9;
    const c = decodePushPull(msg).nodes[0];
    expect(c.vsn).not.toBe(records[0].vsn);
    expect(nodeFields(c)).toEqual(nodes[0]);
  });

  it('forgets every cached node state when the decoder caches are emptied, and decodes the same', () => {
    const nodes = [node(30), node(31, { meta: null })];
    const msg = state(nodes);
    const records = seed(nodes);
    expect(decodePushPull(msg).nodes[0].vsn).toBe(records[0].vsn); // from the record
    clearDecodeCaches();
    const after = decodePushPull(msg).nodes;
    expect(after.map(nodeFields)).toEqual(nodes);
    expect(after[0].vsn).not.toBe(records[0].vsn); // decoded again, not from the record
    expect(sameHeld(after[0].addr, records[0].addr)).toBe(false);
    // And the cache fills again.
    const again = decodePushPull(msg).nodes;
    expect(again.map(nodeFields)).toEqual(nodes);
    expect(sameHeld(again[0].addr, after[0].addr)).toBe(true);
  });

  it('decodes a changed field anew, and then returns that', () => {
    seed([node(10)]);
    const changes: Partial<PushNodeState>[] = [
      { incarnation: 4 },
      { incarnation: 70_000 },
      { port: 7947 },
      { state: NodeStateCode.Suspect },
      { addr: new Uint8Array([10, 9, 0, 11]) },
      { meta: enc.encode('id=x') },
      { meta: null },
      { vsn: new Uint8Array([1, 5, 3, 0, 0, 0]) },
    ];
    let prev = decodePushPull(state([node(10)])).nodes[0];
    for (const change of changes) {
      const msg = state([node(10, change)]);
      const got = decodePushPull(msg).nodes[0];
      expect(nodeFields(got)).not.toEqual(nodeFields(prev));
      expect(nodeFields(got)).toEqual(node(10, change));
      const again = decodePushPull(msg).nodes[0];
      expect(nodeFields(again)).toEqual(nodeFields(got));
      expect(sameHeld(again.addr, got.addr) && sameHeld(again.meta, got.meta)).toBe(true);
      expect(decodePushPull(msg).nodes[0].vsn).toBe(again.vsn); // both from the cached entry
      prev = got;
    }
  });

  it('still refuses a cut-short state whose node states were cached', () => {
    const msg = state([node(20), node(21)]);
    seed([node(20), node(21)]);
    expect(decodePushPull(msg).nodes[0].vsn).toBe(decodePushPull(msg).nodes[0].vsn); // cached
    for (let cut = 1; cut < msg.length; cut++) {
      let err: unknown;
      try {
        decodePushPull(msg.subarray(0, cut));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DecodeError);
    }
  });
});

describe('push/pull reply', () => {
  const reply = (core: MemberlistCore, nodes: PushNodeState[]): Uint8Array => {
    const { message } = decodeStreamMessage(state(nodes), NO_SECURITY, NO_SECURITY.label);
    const out = core.handleStream('10.9.0.1:7946', message);
    if (out === undefined) throw new Error('no reply');
    return out.slice();
  };

  it('sends the same bytes while nothing changed, and the change once something did', () => {
    const core = quietCore('reply-cache');
    const nodes = [node(30), node(31), node(32)];
    reply(core, nodes); // learns them
    const first = reply(core, nodes);
    const names = (m: Uint8Array) =>
      decodePushPull(m)
        .nodes.map((n) => `${n.name}/${n.incarnation}`)
        .sort();
    expect(names(first)).toEqual(['cache-test-30/3', 'cache-test-31/3', 'cache-test-32/3', 'reply-cache/1']);
    const again = reply(core, [node(30, { incarnation: 9 })]); // our state before this merge
    expect(again).toEqual(first);
    const after = reply(core, nodes);
    expect(after).not.toEqual(first);
    expect(names(after)).toContain('cache-test-30/9');
    expect(reply(core, nodes)).toEqual(after);
    core.shutdown();
  });

  it('drops the encoded member list once it is ENCODED_KEEP_MS old, and each probe tick asks', () => {
    let now = 5000;
    const core = quietCore('reply-keep', { now: () => now, random: () => 0, config: { probeInterval: 1000 } });
    const inner = core as unknown as { state: MemberState; sync: PushPullSync };
    const encodes = vi.spyOn(inner.state, 'localPushState');
    const drops = vi.spyOn(inner.sync, 'dropStaleEncoding');
    const first = inner.sync.localState(false).slice();
    expect(encodes).toHaveBeenCalledTimes(1);
    inner.sync.dropStaleEncoding(5000 + ENCODED_KEEP_MS - 1);
    expect(inner.sync.localState(false)).toEqual(first);
    expect(encodes).toHaveBeenCalledTimes(1); // still kept
    inner.sync.dropStaleEncoding(5000 + ENCODED_KEEP_MS);
    expect(inner.sync.localState(false)).toEqual(first);
    expect(encodes).toHaveBeenCalledTimes(2); // dropped, encoded again
    now = 7000;
    core.runTimers(now); // a probe tick
    expect(drops).toHaveBeenLastCalledWith(7000);
    core.shutdown();
  });
});

describe('merging records read from the bytes', () => {
  const merge = (core: MemberlistCore, nodes: PushNodeState[]): void => {
    const { message } = decodeStreamMessage(state(nodes), NO_SECURITY, NO_SECURITY.label);
    core.handleStream('10.9.0.1:7946', message);
  };
  const member = (core: MemberlistCore, name: string) => core.members().find((m) => m.name === name);

  it('applies them by the alive rules: newer incarnations update, another address conflicts', () => {
    const core = quietCore('record-merge');
    merge(core, [node(40)]);
    expect(member(core, 'cache-test-40')).toMatchObject({ incarnation: 3, addr: '10.9.0.40', port: 7946 });
    merge(core, [node(40, { incarnation: 5, meta: enc.encode('id=new') })]);
    const updated = member(core, 'cache-test-40');
    expect(updated?.incarnation).toBe(5);
    expect(new TextDecoder().decode(updated?.meta)).toBe('id=new');
    // Another address while alive: a conflict, the member keeps what it had.
    merge(core, [node(40, { incarnation: 7, addr: new Uint8Array([10, 9, 9, 9]) })]);
    expect(member(core, 'cache-test-40')).toMatchObject({ incarnation: 5, addr: '10.9.0.40' });
    // The same state again: unchanged.
    merge(core, [node(40, { incarnation: 5, meta: enc.encode('id=new') })]);
    expect(member(core, 'cache-test-40')?.incarnation).toBe(5);
    core.shutdown();
  });
});
