/**
 * Decoding of short ASCII strings (node names, mostly) through a bounded cache, so the same
 * name read again — every member of every push/pull, the node of every alive, suspect and dead
 * message — comes back as the string we already hold instead of a new one. That saves building
 * the string and the garbage, and the member table's lookup (name-map.ts) then finds the key it
 * holds by identity. The cache is direct-mapped by an FNV-1a hash of the bytes: a slot holds
 * one string and a collision replaces it. Each slot's hash is kept beside it and compared first,
 * so a miss — every name of a fresh push/pull — does not read the string it replaces (a cache
 * miss of its own: held strings are scattered over the heap). It starts small and doubles (up
 * to MAX_SLOTS) when many misses replace another string, so a node in a small cluster keeps a
 * small cache. Input
 * can only evict entries; the memory held is bounded by MAX_SLOTS strings of INTERN_MAX_BYTES.
 */

/** Longest string that goes through the cache. */
export const INTERN_MAX_BYTES = 128;

const MIN_SLOTS = 1024;
const MAX_SLOTS = 1 << 16;

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
/** Node's native one-byte string builder (ASCII is checked before it is used). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: Latin1Slice }).latin1Slice;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

let slots: (string | undefined)[] = new Array(MIN_SLOTS).fill(undefined);
/** The folded hash of each slot's string (0 for an empty slot, which also misses a 0 hash). */
let hashes = new Int32Array(MIN_SLOTS);
let mask = MIN_SLOTS - 1;
/** Misses that replaced another string since the cache last grew. */
let conflicts = 0;

/**
 * The string of `b[start, start + len)` if those bytes are ASCII and at most INTERN_MAX_BYTES
 * long, from the cache when it holds it; undefined otherwise (the caller decodes UTF-8).
 */
export function internAscii(b: Uint8Array, start: number, len: number): string | undefined {
  if (len > INTERN_MAX_BYTES) return undefined;
  const end = start + len;
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c > 0x7f) return undefined;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return internAsciiHashed(b, start, len, h ^ (h >>> 16));
}

/**
 * `internAscii` for bytes known to be ASCII whose FNV-1a hash, folded (`h ^ h >>> 16`), the
 * caller has computed already (go-node-state.ts, as it reads a node state).
 */
export function internAsciiHashed(b: Uint8Array, start: number, len: number, folded: number): string | undefined {
  if (len > INTERN_MAX_BYTES) return undefined;
  const slot = folded & mask;
  const heldHash = hashes[slot];
  if (heldHash === folded) {
    const held = slots[slot];
    if (held !== undefined && held.length === len) {
      let i = 0;
      while (i < len && held.charCodeAt(i) === b[start + i]) i++;
      if (i === len) return held;
    }
  }
  const s = len === 0 ? '' : latin1Slice.call(b, start, start + len);
  // The count of misses that replaced another string only decides when to grow: a string
  // whose hash is 0 counts as an empty slot, so that a miss never reads the string array.
  if (heldHash !== 0 && ++conflicts > slots.length >>> 1 && slots.length < MAX_SLOTS) grow();
  const at = folded & mask;
  slots[at] = s;
  hashes[at] = folded;
  return s;
}

/**
 * The FNV-1a hash of an ASCII string's characters, folded (`h ^ h >>> 16`): the same as of its
 * bytes, as this cache and push-state-cache.ts compute it; undefined if `s` is not ASCII.
 */
export function asciiHash(s: string): number | undefined {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return undefined;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h ^ (h >>> 16);
}

/** Empties the cache and shrinks it to its first size (decode-caches.ts). */
export function clearStringIntern(): void {
  slots = new Array(MIN_SLOTS).fill(undefined);
  hashes = new Int32Array(MIN_SLOTS);
  mask = MIN_SLOTS - 1;
  conflicts = 0;
}

/** Doubles the cache, keeping the strings it holds. */
function grow(): void {
  const old = slots;
  const oldHashes = hashes;
  slots = new Array(old.length * 2).fill(undefined);
  hashes = new Int32Array(slots.length);
  mask = slots.length - 1;
  conflicts = 0;
  for (let i = 0; i < old.length; i++) {
    const s = old[i];
    if (s === undefined) continue;
    const h = oldHashes[i];
    slots[h & mask] = s;
    hashes[h & mask] = h;
  }
}
