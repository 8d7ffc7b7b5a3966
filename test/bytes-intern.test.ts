/**
 * Short byte fields of push/pull node states come back shared and already copied to keep:
 * equal bytes give the same array, never a view into the input, and the member table keeps
 * them without another copy.
 */
import { describe, expect, it } from 'vitest';
import { internBytes } from '../src/wire/bytes-intern.ts';
import { NodeStateCode } from '../src/wire/messages.ts';
import { isKept } from '../src/wire/pool.ts';
import { decodePushPull, encodePushPull } from '../src/wire/push-pull.ts';

describe('bytes-intern', () => {
  it('returns one kept copy per distinct value, not a view into the input', () => {
    const input = new Uint8Array([9, 1, 2, 3, 4, 9, 1, 2, 3, 4, 5]);
    const a = internBytes(input, 1, 4);
    const b = internBytes(input, 6, 4);
    expect(a).toBe(b);
    expect([...a]).toEqual([1, 2, 3, 4]);
    expect(a.buffer).not.toBe(input.buffer);
    expect(isKept(a)).toBe(true);
    const c = internBytes(input, 6, 5);
    expect(c).not.toBe(a);
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
      nodes: [node('a', new Uint8Array([1, 2])), node('b', long)],
      userState: new Uint8Array(0),
    });
    const pp = decodePushPull(msg);
    const [a, b] = pp.nodes;
    expect(a.addr).toBe(b.addr);
    expect(a.vsn).toBe(b.vsn);
    expect(isKept(a.addr as Uint8Array)).toBe(true);
    expect(a.addr?.buffer).not.toBe(msg.buffer);
    // Longer than the cache takes: a view into the input, as before.
    expect(b.meta?.buffer).toBe(msg.buffer);
    expect([...(b.meta as Uint8Array)]).toEqual([...long]);
    expect(pp.nodes).toEqual([node('a', new Uint8Array([1, 2])), node('b', long)]);
  });
});
