/**
 * Push/pull node states read again: periodic anti-entropy sends every member each time, nearly
 * always as it was the last time. The last node state decoded for each name is kept in a bounded
 * cache, and a node state on the wire is first matched against it field by field, straight from
 * the input bytes (Go's encoding: a fixmap of the seven fields in its key order): when every
 * field is equal the cached object is returned as it is — nothing decoded, copied or allocated.
 * Anything else (another encoding, another value, a name not cached) goes through the generic
 * decoder, whose result then replaces the entry. The matcher only reads within the input and
 * never throws: on anything unexpected it leaves the input to the generic decoder, which checks
 * everything as before.
 *
 * Returned objects are shared by every decode of the same bytes, so they are read-only, as are
 * their byte fields (bytes-intern.ts). The cache is set-associative (WAYS entries per set, picked
 * by an FNV-1a hash of the name; a full set replaces its entries in turn) and doubles from
 * MIN_SLOTS up to MAX_SLOTS when it is half full or many entries replace another name (room for
 * the members of a 16,000-member cluster). Input can only evict entries; the cache holds at most MAX_SLOTS node
 * states of at most 64-byte fields (longer fields are never cached: they would be views into
 * the input), about 25 MiB in the worst case, a flood of distinct names; the entries of members
 * we know share their strings and arrays with the member table.
 */
import { INTERN_BYTES_MAX } from './bytes-intern.ts';
import { type PushNodeState, pushNodeStateCodec } from './messages.ts';
import type { MsgpackReader } from './msgpack-reader.ts';

/** Entries per set (a power of two). */
const WAYS = 8;
const MIN_SLOTS = 1024;
const MAX_SLOTS = 1 << 15;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

let slots: (PushNodeState | undefined)[] = new Array(MIN_SLOTS).fill(undefined);
/** The name hash of each slot's entry (compared before the entry is read). */
let hashes = new Int32Array(MIN_SLOTS);
/** Per set: the way the next replacement takes. */
let victims = new Uint8Array(MIN_SLOTS / WAYS);
let setMask = MIN_SLOTS / WAYS - 1;
/** Entries that replaced another name since the cache last grew. */
let conflicts = 0;
/** Slots in use: the cache grows past half full, so a set rarely overflows. */
let used = 0;
/** The hash of the name `matchCached` last read (-1: it did not get that far), for `remember`. */
let seenHash = -1;

/** The map keys of a node state as Go writes them (str header + name), in Go's order. */
const KEYS = ['Addr', 'Incarnation', 'Meta', 'Name', 'Port', 'State', 'Vsn'].map(
  (k) => new Uint8Array([0xa0 | k.length, ...Array.from(k, (c) => c.charCodeAt(0))]),
);
const [K_ADDR, K_INC, K_META, K_NAME, K_PORT, K_STATE, K_VSN] = KEYS;

/** The next node state of `r` (a push/pull body being read with `r.internBytes` set). */
export function readPushNodeState(r: MsgpackReader): PushNodeState {
  seenHash = -1;
  const known = matchCached(r);
  if (known !== undefined) return known;
  const n = pushNodeStateCodec.decode(r);
  remember(n);
  return n;
}

/** The set hash of a name. */
function nameHash(name: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ (name.charCodeAt(i) & 0xff), FNV_PRIME);
  return (h ^ (h >>> 16)) >>> 1;
}

/** Keeps `n` as the last node state of its name (unless a field is too long to cache). */
function remember(n: PushNodeState): void {
  const name = n.name;
  if (name.length > 128) return;
  if ((n.addr?.length ?? 0) > INTERN_BYTES_MAX || (n.meta?.length ?? 0) > INTERN_BYTES_MAX) return;
  if ((n.vsn?.length ?? 0) > INTERN_BYTES_MAX) return;
  const h = seenHash >= 0 ? seenHash : nameHash(name);
  const set = h & setMask;
  const base = set * WAYS;
  let free = -1;
  for (let s = base; s < base + WAYS; s++) {
    const held = slots[s];
    if (held === undefined) {
      if (free < 0) free = s;
    } else if (hashes[s] === h && held.name === name) {
      slots[s] = n;
      return;
    }
  }
  if (free < 0) {
    free = base + victims[set];
    victims[set] = (victims[set] + 1) & (WAYS - 1);
    if (++conflicts > slots.length >>> 2 && slots.length < MAX_SLOTS) {
      grow();
      put(n, h);
      return;
    }
  } else if (++used > slots.length >>> 1 && slots.length < MAX_SLOTS) {
    grow();
    put(n, h);
    return;
  }
  slots[free] = n;
  hashes[free] = h;
}

/** Stores `n` (name hash `h`) in a free slot of its set, if there is one (growing). */
function put(n: PushNodeState, h: number): void {
  const base = (h & setMask) * WAYS;
  for (let s = base; s < base + WAYS; s++) {
    if (slots[s] === undefined) {
      slots[s] = n;
      hashes[s] = h;
      used++;
      return;
    }
  }
}

/** Doubles the cache, keeping the entries it holds. */
function grow(): void {
  const old = slots;
  const oldHashes = hashes;
  slots = new Array(old.length * 2).fill(undefined);
  hashes = new Int32Array(slots.length);
  victims = new Uint8Array(slots.length / WAYS);
  setMask = slots.length / WAYS - 1;
  conflicts = 0;
  used = 0;
  for (let s = 0; s < old.length; s++) {
    const n = old[s];
    if (n !== undefined) put(n, oldHashes[s]);
  }
}

/**
 * After a str/bin header or nil at `b[q]`: the value's length in the low bits and the start of
 * its body above them (`start * 2^16 + len`), len 0xffff for nil; -1 if it is neither or is
 * cut short. (One number, so the matcher keeps everything in locals.)
 */
function bytesAt(b: Uint8Array, end: number, q: number): number {
  if (q >= end) return -1;
  const t = b[q++];
  let len: number;
  if (t >= 0xa0 && t <= 0xbf) len = t & 0x1f;
  else if (t === 0xc4 || t === 0xd9) {
    if (q >= end) return -1;
    len = b[q++];
  } else if (t === 0xc5 || t === 0xda) {
    if (q + 2 > end) return -1;
    len = (b[q] << 8) | b[q + 1];
    q += 2;
    if (len > INTERN_BYTES_MAX) return -1; // never cached
  } else if (t === 0xc0) return q * 0x10000 + 0xffff;
  else return -1;
  return q + len > end ? -1 : q * 0x10000 + len;
}

/** Whether `key` is at `b[q]` (before `end`). */
function keyAt(b: Uint8Array, end: number, q: number, key: Uint8Array): boolean {
  const n = key.length;
  if (q + n > end) return false;
  for (let i = 0; i < n; i++) if (b[q + i] !== key[i]) return false;
  return true;
}

/** Whether the field at `at` (a bytesAt result) equals `a` (nil equals only null). */
function sameBytes(b: Uint8Array, at: number, a: Uint8Array | null): boolean {
  const len = at & 0xffff;
  if (len === 0xffff) return a === null;
  if (a === null || a.length !== len) return false;
  const start = (at - len) / 0x10000;
  for (let i = len - 1; i >= 0; i--) if (a[i] !== b[start + i]) return false;
  return true;
}

/** The end of the field at `at` (a bytesAt result). */
function fieldEnd(at: number): number {
  const len = at & 0xffff;
  const start = (at - len) / 0x10000;
  return len === 0xffff ? start : start + len;
}

/**
 * An unsigned integer at `b[q]` as `value * 8 + bytes taken` (at most 5 bytes), or -1 if there
 * is none or it is cut short.
 */
function uintAt(b: Uint8Array, end: number, q: number): number {
  if (q >= end) return -1;
  const t = b[q];
  if (t <= 0x7f) return t * 8 + 1;
  if (t === 0xcc && q + 2 <= end) return b[q + 1] * 8 + 2;
  if (t === 0xcd && q + 3 <= end) return ((b[q + 1] << 8) | b[q + 2]) * 8 + 3;
  if (t === 0xce && q + 5 <= end) {
    return (((b[q + 1] << 24) | (b[q + 2] << 16) | (b[q + 3] << 8) | b[q + 4]) >>> 0) * 8 + 5;
  }
  return -1;
}

/**
 * The cached node state equal to the one at `r.pos`, moving `r.pos` past it; undefined (and
 * `r.pos` unchanged) otherwise.
 */
function matchCached(r: MsgpackReader): PushNodeState | undefined {
  const b = r.buf;
  const end = r.end;
  let q = r.pos;
  if (q >= end || b[q] !== 0x87) return undefined;
  q++;
  if (!keyAt(b, end, q, K_ADDR)) return undefined;
  const addr = bytesAt(b, end, q + K_ADDR.length);
  if (addr < 0) return undefined;
  q = fieldEnd(addr);
  if (!keyAt(b, end, q, K_INC)) return undefined;
  const inc = uintAt(b, end, q + K_INC.length);
  if (inc < 0) return undefined;
  q += K_INC.length + (inc % 8);
  if (!keyAt(b, end, q, K_META)) return undefined;
  const meta = bytesAt(b, end, q + K_META.length);
  if (meta < 0) return undefined;
  q = fieldEnd(meta);
  if (!keyAt(b, end, q, K_NAME)) return undefined;
  const name = bytesAt(b, end, q + K_NAME.length);
  const nameLen = name & 0xffff;
  if (name < 0 || nameLen === 0xffff) return undefined;
  q = fieldEnd(name);
  // The entry of this name, before reading on: most misses end here.
  const nameStart = (name - nameLen) / 0x10000;
  let h = FNV_OFFSET;
  for (let i = nameStart; i < nameStart + nameLen; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
  h = (h ^ (h >>> 16)) >>> 1;
  seenHash = h;
  const base = (h & setMask) * WAYS;
  let n: PushNodeState | undefined;
  for (let s = base; s < base + WAYS; s++) {
    if (hashes[s] !== h) continue;
    const held = slots[s];
    if (held === undefined || held.name.length !== nameLen) continue;
    const heldName = held.name;
    let i = nameLen - 1;
    while (i >= 0 && heldName.charCodeAt(i) === b[nameStart + i]) i--;
    if (i < 0) {
      n = held;
      break;
    }
  }
  if (n === undefined) return undefined;
  if (!keyAt(b, end, q, K_PORT)) return undefined;
  const port = uintAt(b, end, q + K_PORT.length);
  if (port < 0) return undefined;
  q += K_PORT.length + (port % 8);
  if (!keyAt(b, end, q, K_STATE)) return undefined;
  const state = uintAt(b, end, q + K_STATE.length);
  if (state < 0) return undefined;
  q += K_STATE.length + (state % 8);
  if (!keyAt(b, end, q, K_VSN)) return undefined;
  const vsn = bytesAt(b, end, q + K_VSN.length);
  if (vsn < 0) return undefined;
  q = fieldEnd(vsn);
  if (
    n.incarnation * 8 !== inc - (inc % 8) ||
    n.port * 8 !== port - (port % 8) ||
    n.state * 8 !== state - (state % 8)
  ) {
    return undefined;
  }
  if (!sameBytes(b, vsn, n.vsn) || !sameBytes(b, addr, n.addr) || !sameBytes(b, meta, n.meta)) return undefined;
  r.pos = q;
  return n;
}
