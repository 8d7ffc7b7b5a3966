/**
 * The last few distinct metadata values node states in Go's layout brought (go-node-state.ts):
 * a value equal to one of them is shared, as the bytes already held; anything else is copied
 * once into a kept slab (pool.ts `keepMemberAt`) and becomes one of them. This is what a push/pull
 * from a cluster whose members share a few metadata values needs (one copy per value), at the
 * cost of a few comparisons — made from the last byte back, where values that differ (an id at
 * the end) usually do — instead of bytes-intern.ts's hash, probe and cache entry for every value
 * never seen, which is what a fresh member's own metadata is. Holds RECENT values (slab,
 * offset, length): at most RECENT slabs of 4 KiB.
 */
import { keepMemberAt, placedAt, placedSlab } from './pool.ts';

const RECENT = 8;

const slabs: (Uint8Array | undefined)[] = new Array(RECENT).fill(undefined);
/** Per entry: offset << 8 | length (0: empty; values are 1 to 64 bytes at offsets below 4096). */
const where = new Int32Array(RECENT);
/** The entry the next new value replaces. */
let next = 0;

/** Set by `shareRecent`: the slab the bytes are held in, and where. */
export let recentSlab: Uint8Array = new Uint8Array(0);
export let recentAt = 0;

/** Holds `b[start, start + len)` (1 ≤ len ≤ 64): a recent equal value's bytes, or a new copy. */
export function shareRecent(b: Uint8Array, start: number, len: number): void {
  for (let e = 0; e < RECENT; e++) {
    const w = where[e];
    if ((w & 0xff) !== len) continue;
    const held = slabs[e] as Uint8Array;
    const at = w >>> 8;
    let i = len - 1;
    while (i >= 0 && held[at + i] === b[start + i]) i--;
    if (i < 0) {
      recentSlab = held;
      recentAt = at;
      return;
    }
  }
  keepMemberAt(b, start, len);
  recentSlab = placedSlab;
  recentAt = placedAt;
  slabs[next] = placedSlab;
  where[next] = (placedAt << 8) | len;
  next = (next + 1) % RECENT;
}

/** Forgets the values held (decode-caches.ts). */
export function clearRecentBytes(): void {
  slabs.fill(undefined);
  where.fill(0);
  next = 0;
}
