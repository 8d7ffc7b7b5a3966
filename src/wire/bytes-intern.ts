/**
 * Short byte fields of push/pull node states the generic decoder reads (address, metadata,
 * version bytes; a node state in Go's layout is read by go-node-state.ts, which does not come
 * here) through a bounded cache, as string-intern.ts does for names: the same bytes read again come back in the kept
 * slab where we already hold them instead of being copied again, and a member keeps them there
 * (pool.ts `isKept`: no second copy; byte-ref.ts: held as slab and offset). Arrays handed out are
 * views of copies in the kept slabs of pool.ts, never of the input, and share their bytes with
 * every holder of equal bytes, so they are read-only: nothing may write into them. The cache
 * holds each value as (slab, offset, length), not as an array: a view object is larger than the
 * bytes it shows, so each lookup makes a view that the caller keeps or drops.
 *
 * The cache is set-associative: an FNV-1a hash of the bytes picks a set of WAYS slots; the hashes
 * of a set sit together in a typed array with where each value is (one cache line per set), so
 * only a slot with the same hash has its slab read (a miss would otherwise touch WAYS arrays
 * scattered over the heap), and a miss takes a free slot of the set or replaces them in turn. A
 * direct-mapped cache (one slot per hash) lost entries to collisions even when it had room: with
 * the 20,000 addresses and metadata of 10,000 members in 32,768 slots, nearly half of a known
 * state's fields missed and were copied again. It starts small and doubles (up to MAX_SLOTS, room
 * for the distinct addresses and metadata of a 10,000-member cluster) when many misses replace
 * another array. Input can only evict entries; the memory the cache holds is bounded by
 * MAX_SLOTS arrays, each keeping at most its 512-byte slab alive (16 MiB in the worst case, a
 * flood of distinct values; arrays members hold are theirs, as any member data). Node states
 * received again unchanged do not come here at all (push-state-cache.ts).
 */
import { keepSharedAt, placedAt, placedSlab } from './pool.ts';

/** Longest byte field that goes through the cache. */
export const INTERN_BYTES_MAX = 64;

/** Slots per set (a power of two). */
const WAYS = 8;
const MIN_SLOTS = 1024;
const MAX_SLOTS = 1 << 15;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

const EMPTY = new Uint8Array(0);

/** Per slot: the whole kept slab its bytes are in (pool.ts `slabOf`); read only on a hash match. */
let slots: (Uint8Array | undefined)[] = new Array(MIN_SLOTS).fill(undefined);
/**
 * Per slot, side by side so that a set's probe reads one cache line: the hash of its bytes, and
 * their offset in the slab and length as `offset << 8 | length` (0: the slot is empty — every
 * value held is 1 to 64 bytes at an offset below 512).
 */
let keys = new Int32Array(2 * MIN_SLOTS);
/** Per set: the way the next replacement takes. */
let victims = new Uint8Array(MIN_SLOTS / WAYS);
let setMask = MIN_SLOTS / WAYS - 1;
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
  internAt(b, start, len);
  return new Uint8Array(internedSlab.buffer, internedAt, len);
}

/** Set by `internAt`: the whole kept slab the bytes are held in, and where. */
export let internedSlab: Uint8Array = EMPTY;
export let internedAt = 0;

/**
 * `internBytes` without a view: leaves where the shared copy of `b[start, start + len)` is held
 * (0 < len ≤ INTERN_BYTES_MAX) in `internedSlab` and `internedAt`, to hold as (slab, offset,
 * length) (byte-ref.ts).
 */
export function internAt(b: Uint8Array, start: number, len: number): void {
  const h = hashOf(b, start, start + len);
  const set = h & setMask;
  const base = set * WAYS;
  const k = keys;
  let free = -1;
  for (let s = base; s < base + WAYS; s++) {
    const where = k[2 * s + 1];
    if (where === 0) {
      if (free < 0) free = s;
      continue;
    }
    if (k[2 * s] !== h || (where & 0xff) !== len) continue;
    const held = slots[s] as Uint8Array;
    const at = where >>> 8;
    let i = 0;
    while (i < len && held[at + i] === b[start + i]) i++;
    if (i === len) {
      internedSlab = held;
      internedAt = at;
      return;
    }
  }
  keepSharedAt(b, start, len);
  const slab = placedSlab;
  const at = placedAt;
  internedSlab = slab;
  internedAt = at;
  if (free < 0) {
    free = base + victims[set];
    victims[set] = (victims[set] + 1) & (WAYS - 1);
    if (++conflicts > slots.length >>> 2 && slots.length < MAX_SLOTS) {
      grow();
      put(slab, (at << 8) | len, h);
      return;
    }
  }
  slots[free] = slab;
  k[2 * free] = h;
  k[2 * free + 1] = (at << 8) | len;
}

/** Stores bytes held in `slab` at `where` (offset << 8 | length; hash `h`) in a free slot of their set, if there is one. */
function put(slab: Uint8Array, where: number, h: number): void {
  const base = (h & setMask) * WAYS;
  for (let s = base; s < base + WAYS; s++) {
    if (keys[2 * s + 1] === 0) {
      slots[s] = slab;
      keys[2 * s] = h;
      keys[2 * s + 1] = where;
      return;
    }
  }
}

/** Empties the cache and shrinks it to its first size (decode-caches.ts). */
export function clearBytesIntern(): void {
  slots = new Array(MIN_SLOTS).fill(undefined);
  keys = new Int32Array(2 * MIN_SLOTS);
  victims = new Uint8Array(MIN_SLOTS / WAYS);
  setMask = MIN_SLOTS / WAYS - 1;
  conflicts = 0;
}

/** Doubles the cache, keeping the arrays it holds. */
function grow(): void {
  const oldSlots = slots;
  const oldKeys = keys;
  const size = oldSlots.length * 2;
  slots = new Array(size).fill(undefined);
  keys = new Int32Array(2 * size);
  victims = new Uint8Array(size / WAYS);
  setMask = size / WAYS - 1;
  conflicts = 0;
  for (let s = 0; s < oldSlots.length; s++) {
    const where = oldKeys[2 * s + 1];
    if (where !== 0) put(oldSlots[s] as Uint8Array, where, oldKeys[2 * s]);
  }
}
