/**
 * Values that carry their own name (member records, broadcast queue items), found by that name:
 * the index of the tables that hold one entry per member. Open addressing with linear probing
 * over two typed arrays — each slot's hash and the position of its value in a dense array — so
 * a lookup compares hashes in one dense array and reads a value only when its hash matches.
 * V8's Map reads the key string of every entry on the chain it walks, a cache miss each in a
 * table of thousands of names held all over the heap, and growing it re-reads every key; here
 * growing rebuilds only the typed arrays (no pointers: nothing for the garbage collector to
 * scan or the write barrier to record), and values are appended to and swap-removed from a
 * dense array.
 *
 * Names come from the network, so the hash is seeded per process (FNV-1a from a random basis
 * and a finaliser that mixes the high bits into the index bits) and a probe is bounded: a value
 * that would lie more than MAX_PROBE slots from where its hash points goes to an overflow Map
 * instead. Names chosen to collide cost at most MAX_PROBE hash comparisons and a Map lookup,
 * never a walk of the table. No iteration is offered (its order would depend on the seed).
 */

/** What a NameMap holds: anything with its name. */
export interface Named {
  readonly name: string | undefined;
}

const MIN_CAPACITY = 16;
/** Slots a lookup compares at most before it asks the overflow map. */
const MAX_PROBE = 32;
const FNV_PRIME = 0x01000193;
const SEED = globalThis.crypto.getRandomValues(new Uint32Array(1))[0] | 0;

/** The seeded hash of `s`, never 0 (0 marks an empty slot). */
export function seededNameHash(s: string): number {
  let h = SEED;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h === 0 ? 1 : h;
}

export class NameMap<V extends Named> {
  /** Per slot: the hash of its value's name, 0 for an empty slot. */
  private hashes = new Int32Array(MIN_CAPACITY);
  /** Per slot: where its value is in `values`. */
  private at = new Int32Array(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  /** The values held in slots, densely. */
  private values: V[] = [];
  /** Values that found no slot within MAX_PROBE of their hash's (undefined while there are none). */
  private overflow: Map<string, V> | undefined;
  /** The last name hashed and its hash: a merge looks a new member up, then adds it. */
  private lastKey = '';
  private lastHash: number;
  private readonly hashOf: (name: string) => number;

  /** `hashOf` must never return 0; tests pass a weak one to make names collide. */
  constructor(hashOf: (name: string) => number = seededNameHash) {
    this.hashOf = hashOf;
    this.lastHash = hashOf('');
  }

  get size(): number {
    return this.values.length + (this.overflow?.size ?? 0);
  }

  private hash(key: string): number {
    if (key === this.lastKey) return this.lastHash;
    const h = this.hashOf(key);
    this.lastKey = key;
    this.lastHash = h;
    return h;
  }

  /** The slot of the value named `key` (hash `h`), or -1. */
  private find(key: string, h: number): number {
    const hashes = this.hashes;
    const mask = this.mask;
    let i = h & mask;
    for (let d = 0; d < MAX_PROBE; d++) {
      const s = hashes[i];
      if (s === 0) return -1;
      if (s === h && this.values[this.at[i]].name === key) return i;
      i = (i + 1) & mask;
    }
    return -1;
  }

  get(key: string): V | undefined {
    const i = this.find(key, this.hash(key));
    if (i >= 0) return this.values[this.at[i]];
    return this.overflow === undefined ? undefined : this.overflow.get(key);
  }

  /** Holds `value` under its name (which must be set), replacing the value of that name. */
  set(value: V): void {
    const key = value.name as string;
    const h = this.hash(key);
    const found = this.find(key, h);
    if (found >= 0) {
      this.values[this.at[found]] = value;
      return;
    }
    const overflow = this.overflow;
    if (overflow !== undefined && overflow.has(key)) {
      overflow.set(key, value);
      return;
    }
    if ((this.values.length + 1) * 2 > this.hashes.length) this.rehash(this.hashes.length * 2);
    this.place(value, h);
  }

  /** Holds `value` (hash `h`), known to be absent: in a slot within MAX_PROBE of its hash's, else in the overflow map. */
  private place(value: V, h: number): void {
    const slot = this.freeSlot(h);
    if (slot < 0) {
      (this.overflow ??= new Map()).set(value.name as string, value);
      return;
    }
    this.hashes[slot] = h;
    this.at[slot] = this.values.length;
    this.values.push(value);
  }

  /** A free slot within MAX_PROBE of hash `h`'s, or -1. */
  private freeSlot(h: number): number {
    const hashes = this.hashes;
    const mask = this.mask;
    let i = h & mask;
    for (let d = 0; d < MAX_PROBE; d++) {
      if (hashes[i] === 0) return i;
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** Removes the value named `key`; whether there was one. */
  delete(key: string): boolean {
    const i = this.find(key, this.hash(key));
    if (i < 0) {
      const overflow = this.overflow;
      if (overflow === undefined || !overflow.delete(key)) return false;
      if (overflow.size === 0) this.overflow = undefined;
      return true;
    }
    // The last value moves into the removed one's place in `values`.
    const values = this.values;
    const gone = this.at[i];
    const last = values.length - 1;
    if (gone !== last) {
      const moved = values[last];
      const movedSlot = this.find(moved.name as string, this.hashOf(moved.name as string));
      values[gone] = moved;
      this.at[movedSlot] = gone;
    }
    values.pop();
    this.removeSlot(i);
    if (this.hashes.length > MIN_CAPACITY && values.length * 8 < this.hashes.length) {
      this.rehash(this.hashes.length / 2);
    }
    return true;
  }

  /** Empties slot `i`, moving later slots of its run up where that keeps them reachable. */
  private removeSlot(i: number): void {
    const hashes = this.hashes;
    const at = this.at;
    const mask = this.mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const h = hashes[j];
      if (h === 0) break;
      const home = h & mask;
      // The slot at j may fill the hole at i unless its home lies cyclically in (i, j].
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      hashes[i] = h;
      at[i] = at[j];
      i = j;
    }
    hashes[i] = 0;
  }

  /**
   * Makes room for `n` more values in one step, so that adding them does not rebuild the slots
   * at every doubling on the way (a push/pull bringing thousands of new members).
   */
  reserve(n: number): void {
    let capacity = this.hashes.length;
    while ((this.values.length + n) * 2 > capacity) capacity *= 2;
    if (capacity > this.hashes.length) this.rehash(capacity);
  }

  clear(): void {
    this.hashes = new Int32Array(MIN_CAPACITY);
    this.at = new Int32Array(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.values.length = 0;
    this.overflow = undefined;
  }

  /** Rebuilds the slots with `capacity` of them; values stay where they are in `values`. */
  private rehash(capacity: number): void {
    const { hashes, at } = this;
    this.hashes = new Int32Array(capacity);
    this.at = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i];
      if (h === 0) continue;
      const slot = this.freeSlot(h);
      if (slot < 0) {
        this.replaceAll(capacity, hashes, at);
        return;
      }
      this.hashes[slot] = h;
      this.at[slot] = at[i];
    }
  }

  /**
   * `rehash` when a value finds no slot within MAX_PROBE in the new size (names that collide
   * there): every value is placed again, in a slot or the overflow map.
   */
  private replaceAll(capacity: number, oldHashes: Int32Array, oldAt: Int32Array): void {
    const { values, overflow } = this;
    const hashOfValue = new Int32Array(values.length);
    for (let i = 0; i < oldHashes.length; i++) if (oldHashes[i] !== 0) hashOfValue[oldAt[i]] = oldHashes[i];
    this.hashes = new Int32Array(capacity);
    this.at = new Int32Array(capacity);
    this.values = [];
    this.overflow = undefined;
    for (let k = 0; k < values.length; k++) this.place(values[k], hashOfValue[k]);
    if (overflow !== undefined) for (const v of overflow.values()) this.place(v, this.hashOf(v.name as string));
  }
}
