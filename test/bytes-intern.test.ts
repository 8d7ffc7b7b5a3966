/**
 * Short byte fields of push/pull node states come back shared and already copied to keep:
 * equal bytes are the same bytes in one kept slab, never a view into the input, and the member
 * table keeps them without another copy.
 */
import { describe, expect, it } from 'vitest';
import { internBytes } from '../src/wire/bytes-intern.ts';
import { NodeStateCode } from '../src/wire/messages.ts';
import { isKept } from '../src/wire/pool.ts';
import { decodePushPull, encodePushPull } from '../src/wire/push-pull.ts';
import { nodeFields } from './support/node-fields.ts';

/** Whether two arrays show the same bytes in memory. */
const sameHeld = (x: Uint8Array | null, y: Uint8Array | null): boolean =>
  x !== null && y !== null && x.length === y.length && x.buffer === y.buffer && x.byteOffset === y.byteOffset;

describe('bytes-intern', () => {
  it('returns one kept copy per distinct value, not a view into the input', () => {
    const input = new Uint8Array([9, 1, 2, 3, 4, 9, 1, 2, 3, 4, 5]);
    const a = internBytes(input, 1, 4);
    const b = internBytes(input, 6, 4);
    expect(sameHeld(a, b)).toBe(true);
    expect([...a]).toEqual([1, 2, 3, 4]);
    expect(a.buffer).not.toBe(input.buffer);
    expect(isKept(a)).toBe(true);
    const c = internBytes(input, 6, 5);
    expect(sameHeld(c, a)).toBe(false);
    expect([...c]).toEqual([1, 2, 3, 4, 5]);
    input.fill(0);
    expect([...a]).toEqual([1, 2, 3, 4]);
  });

  it('push/pull node states decode to shared kept fields; other fields are unchanged', () => {
    const node = (name: string, meta: Uint8Array) => ({
      name,
      addr: new Uint8Array([10, 0, 0, 1]),
      port: 7946,
      meta,
      incarnation: 3,
      state: NodeStateCode.Alive,
      vsn: new Uint8Array([1, 5, 2, 0, 0, 0]),
    });
    const long = new Uint8Array(200).fill(7);
    const msg = encodePushPull({
      join: false,
      nodes: [
        node('a', new Uint8Array([1, 2])),
        node('b', long),
        node('c', new Uint8Array([3])),
        node('d', new Uint8Array([1, 2])),
      ],
      userState: new Uint8Array(0),
    });
    const pp = decodePushPull(msg);
    const [a, b, c, d] = pp.nodes;
    // Equal metadata is one kept copy; an address is copied into a kept slab for its member.
    expect(sameHeld(a.meta, d.meta)).toBe(true);
    expect(isKept(a.meta as Uint8Array) && isKept(c.addr as Uint8Array)).toBe(true);
    // Six version bytes in Go's layout are one shared array (vsn-intern.ts), kept.
    expect(a.vsn).toBe(c.vsn);
    expect(isKept(a.vsn as Uint8Array) && isKept(b.vsn as Uint8Array)).toBe(true);
    expect(isKept(a.addr as Uint8Array)).toBe(true);
    expect(a.addr?.buffer).not.toBe(msg.buffer);
    // Longer than the cache takes: a view into the input, as before.
    expect(b.meta?.buffer).toBe(msg.buffer);
    expect([...(b.meta as Uint8Array)]).toEqual([...long]);
    expect(pp.nodes.map(nodeFields)).toEqual([
      node('a', new Uint8Array([1, 2])),
      node('b', long),
      node('c', new Uint8Array([3])),
      node('d', new Uint8Array([1, 2])),
    ]);
  });
});

describe('NodeState byte fields', () => {
  it('keep a copy of bytes from elsewhere, share kept bytes, and read back as given', async () => {
    const { NodeState } = await import('../src/core/node-state.ts');
    const input = new Uint8Array([10, 0, 0, 9, 1, 2, 3]);
    const n = new NodeState('n', input.subarray(0, 4), 7946, input.subarray(4), 1, NodeStateCode.Alive, 0, input);
    input.fill(0);
    expect([...n.addr]).toEqual([10, 0, 0, 9]);
    expect([...(n.meta as Uint8Array)]).toEqual([1, 2, 3]);
    expect(isKept(n.addr)).toBe(true);
    const shared = internBytes(new Uint8Array([5, 6]), 0, 2);
    n.meta = shared;
    expect(sameHeld(n.meta, shared)).toBe(true);
    expect(n.metaEquals(new Uint8Array([5, 6]))).toBe(true);
    expect(n.addrEquals(new Uint8Array([10, 0, 0, 9]))).toBe(true);
    n.meta = null;
    expect(n.meta).toBeNull();
    expect(n.metaEquals(new Uint8Array(0))).toBe(true); // nil and empty alike, as bytesEqual
    n.meta = new Uint8Array(0);
    expect(n.meta).toEqual(new Uint8Array(0));
    const c = n.copy();
    expect(sameHeld(c.addr, n.addr)).toBe(true);
    expect(c.meta).toEqual(new Uint8Array(0));
  });
});
