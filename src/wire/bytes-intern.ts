/**
 * Short byte fields of push/pull node states (address, metadata, version bytes) through a bounded
 * cache, as string-intern.ts does for names: the same bytes read again — every known member of
 * every push/pull — come back as the array we already hold instead of a new view, and a member
 * keeps that array (pool.ts `isKept`: no second copy). Arrays handed out are copies in the kept
 * slabs of pool.ts, never views into the input, and shared by every holder of equal bytes, so
 * they are read-only: nothing may write into them. The cache is direct-mapped by an FNV-1a hash
 * of the bytes; a collision replaces the slot. It starts small and doubles (up to MAX_SLOTS,
 * enough for the distinct addresses and metadata of a 10,000-member cluster) when many misses
 * replace another array. Input can only evict entries; the memory the cache holds is bounded by
 * MAX_SLOTS arrays, each keeping at most its 512-byte slab alive (16 MiB in the worst case, a
 * flood of distinct values; arrays members hold are theirs, as any member data).
 */
import { keepShared } from './pool.ts';

/** Longest byte field that goes through the cache. */
export const INTERN_BYTES_MAX = 64;

const MIN_SLOTS = 1024;
const MAX_SLOTS = 1 << 15;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

const EMPTY = new Uint8Array(0);

let slots: (Uint8Array | undefined)[] = new Array(MIN_SLOTS).fill(undefined);
let mask = MIN_SLOTS - 1;
/** Misses that replaced another array since the cache last grew. */
let conflicts = 0;

function hashOf(b: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
  return h ^ (h >>> 16);
}

/**
 * A shared, read-only copy of `b[start, start + len)` (len ≤ INTERN_BYTES_MAX), from the cache
 * when it holds those bytes.
 */
export function internBytes(b: Uint8Array, start: number, len: number): Uint8Array {
  if (len === 0) return EMPTY;
  const end = start + len;
  const h = hashOf(b, start, end);
  const held = slots[h & mask];
  if (held !== undefined && held.length === len) {
    let i = 0;
    while (i < len && held[i] === b[start + i]) i++;
    if (i === len) return held;
  }
  const copy = keepShared(b.subarray(start, end));
  if (held !== undefined && ++conflicts > slots.length >>> 1 && slots.length < MAX_SLOTS) grow();
  slots[h & mask] = copy;
  return copy;
}

/** Doubles the cache, keeping the arrays it holds. */
function grow(): void {
  const old = slots;
  slots = new Array(old.length * 2).fill(undefined);
  mask = slots.length - 1;
  conflicts = 0;
  for (const s of old) if (s !== undefined) slots[hashOf(s, 0, s.length) & mask] = s;
}
