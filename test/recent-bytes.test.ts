/**
 * Metadata of node states in Go's layout: a value equal to one of the last few distinct values
 * is the same held bytes; every value is a kept copy, never the input.
 */
import { describe, expect, it } from 'vitest';
import { isKept } from '../src/wire/pool.ts';
import { recentAt, recentSlab, shareRecent } from '../src/wire/recent-bytes.ts';

const enc = new TextEncoder();

function held(s: string): { slab: Uint8Array; at: number; bytes: number[] } {
  const input = enc.encode(`xx${s}`);
  shareRecent(input, 2, input.length - 2);
  const bytes = [...recentSlab.subarray(recentAt, recentAt + input.length - 2)];
  input.fill(0); // the held bytes are a copy
  return { slab: recentSlab, at: recentAt, bytes };
}

describe('recent-bytes', () => {
  it('shares a value equal to a recent one, and copies every other', () => {
    const a = held('role=web');
    const b = held('role=db');
    const a2 = held('role=web');
    expect(a2.slab).toBe(a.slab);
    expect(a2.at).toBe(a.at);
    expect(b.at === a.at && b.slab === a.slab).toBe(false);
    expect([...a2.slab.subarray(a2.at, a2.at + 8)]).toEqual([...enc.encode('role=web')]);
    expect(isKept(new Uint8Array(a.slab.buffer, a.at, 8))).toBe(true);
    // Eight other values later, 'role=web' is no longer recent: a new copy, the same bytes.
    for (let i = 0; i < 8; i++) held(`id=${i}`);
    const a3 = held('role=web');
    expect(a3.slab === a.slab && a3.at === a.at).toBe(false);
    expect(a3.bytes).toEqual(a.bytes);
  });
});
