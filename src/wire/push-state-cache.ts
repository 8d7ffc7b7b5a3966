/**
 * Push/pull node states read again: periodic anti-entropy sends every member each time, nearly
 * always as it was the last time. For each name a bounded cache holds what we last took from a
 * push/pull — the member's record once a core has merged it (`adoptPushState`: no copy of the
 * same values beside it), else the node state last decoded for the name — and a node state on
 * the wire is first matched against it field by field, straight from the input bytes (Go's encoding: a fixmap of the seven fields in its key order): when every
 * field is equal, a node state with those values is returned — no field decoded or copied.
 * Anything else (another encoding, another value, a name not cached) goes through the generic
 * decoder. The matcher only reads within the input and never throws: on anything unexpected it
 * leaves the input to the generic decoder, which checks everything as before. A record may
 * change after it was adopted; it then matches only its new values (the values returned are
 * always those that matched, in a new object).
 *
 * Entries hold their address and metadata as (kept slab, offset, length), not as arrays
 * (byte-ref.ts: a view object is larger than the bytes): a node state returned from the cache
 * has new views of those bytes, which are shared with every other holder and so read-only, as
 * the byte fields bytes-intern.ts hands out. The cache is set-associative (WAYS entries per set,
 * picked by an FNV-1a hash of the name; a full set replaces its entries in turn) and doubles from
 * MIN_SLOTS up to MAX_SLOTS when it is half full or many entries replace another name (room for
 * the members of a 16,000-member cluster). Input can only evict entries; the cache holds at
 * most MAX_SLOTS node states of at most 64-byte fields (longer fields are never cached), about
 * 4 MiB of entries in the worst case (a flood of distinct names) plus the slabs of their bytes
 * (bytes-intern.ts), and the entries of members we know are their records.
 */
import { INTERN_BYTES_MAX } from './bytes-intern.ts';
import { type PushNodeState, pushNodeStateCodec } from './messages.ts';
import type { MsgpackReader } from './msgpack-reader.ts';
import { slabOf } from './pool.ts';

const EMPTY = new Uint8Array(0);

/**
 * What the cache holds of a node state: its byte fields as (kept slab, offset, length), the
 * slab null for nil. An `Entry` made from a decoded node state, or a member record that holds
 * its fields this way (`adoptPushState`) — read only, and only compared: a record may change
 * meanwhile, which just makes it match other bytes (a node state returned from the cache is
 * always a new object with the values that matched).
 */
export interface HeldNodeState {
  readonly name: string;
  readonly addrBuf: Uint8Array | null;
  readonly addrAt: number;
  readonly addrLen: number;
  readonly port: number;
  readonly metaBuf: Uint8Array | null;
  readonly metaAt: number;
  readonly metaLen: number;
  readonly incarnation: number;
  readonly state: number;
  readonly vsn: Uint8Array | null;
}

/** A decoded node state as the cache holds it. */
class Entry implements HeldNodeState {
  readonly name: string;
  readonly addrBuf: Uint8Array | null;
  readonly addrAt: number;
  readonly addrLen: number;
  readonly port: number;
  readonly metaBuf: Uint8Array | null;
  readonly metaAt: number;
  readonly metaLen: number;
  readonly incarnation: number;
  readonly state: number;
  /** Shared by nearly every member (`sharedVsn`): kept as the array. */
  readonly vsn: Uint8Array | null;

  constructor(n: PushNodeState, addrBuf: Uint8Array | null, metaBuf: Uint8Array | null) {
    this.name = n.name;
    this.addrBuf = addrBuf;
    this.addrAt = addrBuf === null || addrBuf === EMPTY ? 0 : (n.addr as Uint8Array).byteOffset;
    this.addrLen = n.addr?.length ?? 0;
    this.port = n.port;
    this.metaBuf = metaBuf;
    this.metaAt = metaBuf === null || metaBuf === EMPTY ? 0 : (n.meta as Uint8Array).byteOffset;
    this.metaLen = n.meta?.length ?? 0;
    this.incarnation = n.incarnation;
    this.state = n.state;
    this.vsn = sharedVsn(n.vsn);
  }
}

/** A node state with the values of `n`, in the generic decoder's field order (one object shape). */
function nodeStateOf(n: HeldNodeState): PushNodeState {
  return {
    name: n.name,
    addr: bytesOf(n.addrBuf, n.addrAt, n.addrLen),
    port: n.port,
    meta: bytesOf(n.metaBuf, n.metaAt, n.metaLen),
    incarnation: n.incarnation,
    state: n.state,
    vsn: n.vsn,
  };
}

/** The distinct version byte strings entries hold (nearly every member has the same one). */
const vsns: Uint8Array[] = [];

/** `v` as an array shared by every entry with those bytes (at most 16 kept; `v` is read-only). */
function sharedVsn(v: Uint8Array | null): Uint8Array | null {
  if (v === null) return null;
  for (const held of vsns) {
    if (held.length !== v.length) continue;
    let i = 0;
    while (i < v.length && held[i] === v[i]) i++;
    if (i === v.length) return held;
  }
  if (vsns.length >= 16) vsns.shift();
  vsns.push(v);
  return v;
}

function bytesOf(buf: Uint8Array | null, at: number, len: number): Uint8Array | null {
  if (buf === null) return null;
  return len === 0 ? EMPTY : new Uint8Array(buf.buffer, at, len);
}

/** Where a byte field of a decoded node state is held: its kept slab, EMPTY, or null for nil; undefined if not kept. */
function slabFor(b: Uint8Array | null): Uint8Array | null | undefined {
  if (b === null) return null;
  if (b.length === 0) return EMPTY;
  return slabOf(b);
}

/** Entries per set (a power of two). */
const WAYS = 8;
const MIN_SLOTS = 1024;
const MAX_SLOTS = 1 << 15;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

let slots: (HeldNodeState | undefined)[] = new Array(MIN_SLOTS).fill(undefined);
/** The name hash of each slot's entry (compared before the entry is read). */
let hashes = new Int32Array(MIN_SLOTS);
/** Per set: the way the next replacement takes. */
let victims = new Uint8Array(MIN_SLOTS / WAYS);
let setMask = MIN_SLOTS / WAYS - 1;
/** Entries that replaced another name since the cache last grew. */
let conflicts = 0;
/** Slots in use: the cache grows past half full, so a set rarely overflows. */
let used = 0;
/** The slot where `matchCached` last found the name it read (-1: none), for `remember`. */
let seenSlot = -1;
/** The hash of the name `matchCached` last read (-1: it did not get that far), for `remember`. */
let seenHash = -1;

/** The map keys of a node state as Go writes them (str header + name), in Go's order. */
const KEYS = ['Addr', 'Incarnation', 'Meta', 'Name', 'Port', 'State', 'Vsn'].map(
  (k) => new Uint8Array([0xa0 | k.length, ...Array.from(k, (c) => c.charCodeAt(0))]),
);
const [K_ADDR, K_INC, K_META, K_NAME, K_PORT, K_STATE, K_VSN] = KEYS;

/** The next node state of `r` (a push/pull body being read with `r.internBytes` set). */
export function readPushNodeState(r: MsgpackReader): PushNodeState {
  seenSlot = -1;
  seenHash = -1;
  const known = matchCached(r);
  if (known !== undefined) return nodeStateOf(known);
  const n = pushNodeStateCodec.decode(r);
  remember(n);
  return n;
}

/**
 * Holds `record` as what was last received for its name: a member record that holds its byte
 * fields as the cache does, just merged from a push/pull node state — the same values (unless
 * the merge refused them), so no entry of its own is made for a member learned by push/pull.
 */
export function adoptPushState(record: HeldNodeState): void {
  const name = record.name;
  if (name.length > 128 || record.addrLen > INTERN_BYTES_MAX || record.metaLen > INTERN_BYTES_MAX) return;
  const h = nameHash(name);
  if (h >= 0) store(record, h);
}

/**
 * The set hash of a name, as `matchCached` computes it from the name's bytes; -1 for a name
 * that is not ASCII (its UTF-8 bytes are not its char codes: never matched).
 */
function nameHash(name: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7f) return -1;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return (h ^ (h >>> 16)) >>> 1;
}

/**
 * Keeps `decoded` as the last node state of its name (unless a field is too long to cache): in
 * the slot where `matchCached` found the name (a change), or a new one. A core merging it then
 * puts the member's record in its place (`adoptPushState`).
 */
function remember(decoded: PushNodeState): void {
  if (decoded.name.length > 128) return;
  if ((decoded.addr?.length ?? 0) > INTERN_BYTES_MAX || (decoded.meta?.length ?? 0) > INTERN_BYTES_MAX) return;
  if ((decoded.vsn?.length ?? 0) > INTERN_BYTES_MAX) return;
  // Fields of up to INTERN_BYTES_MAX bytes come in kept slabs (bytes-intern.ts).
  const addrBuf = slabFor(decoded.addr);
  const metaBuf = slabFor(decoded.meta);
  if (addrBuf === undefined || metaBuf === undefined) return;
  const entry = new Entry(decoded, addrBuf, metaBuf);
  if (seenSlot >= 0) {
    slots[seenSlot] = entry;
    return;
  }
  const h = seenHash >= 0 ? seenHash : nameHash(decoded.name);
  if (h >= 0) store(entry, h);
}

/** Keeps `n` (name hash `h`) as the last node state of its name. */
function store(n: HeldNodeState, h: number): void {
  const name = n.name;
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
function put(n: HeldNodeState, h: number): void {
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

/**
 * Whether the field at `at` (a bytesAt result) equals the `heldLen` bytes at `heldAt` of `held`
 * (nil equals only null).
 */
function sameBytes(b: Uint8Array, at: number, held: Uint8Array | null, heldAt: number, heldLen: number): boolean {
  const len = at & 0xffff;
  if (len === 0xffff) return held === null;
  if (held === null || heldLen !== len) return false;
  const start = (at - len) / 0x10000;
  for (let i = len - 1; i >= 0; i--) if (held[heldAt + i] !== b[start + i]) return false;
  return true;
}

/** Whether the field at `at` (a bytesAt result) equals `a` (nil equals only null). */
function sameArray(b: Uint8Array, at: number, a: Uint8Array | null): boolean {
  return a === null ? (at & 0xffff) === 0xffff : sameBytes(b, at, a, 0, a.length);
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
function matchCached(r: MsgpackReader): HeldNodeState | undefined {
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
  let n: HeldNodeState | undefined;
  for (let s = base; s < base + WAYS; s++) {
    if (hashes[s] !== h) continue;
    const held = slots[s];
    if (held === undefined || held.name.length !== nameLen) continue;
    const heldName = held.name;
    let i = nameLen - 1;
    while (i >= 0 && heldName.charCodeAt(i) === b[nameStart + i]) i--;
    if (i < 0) {
      n = held;
      seenSlot = s;
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
  if (
    !sameArray(b, vsn, n.vsn) ||
    !sameBytes(b, addr, n.addrBuf, n.addrAt, n.addrLen) ||
    !sameBytes(b, meta, n.metaBuf, n.metaAt, n.metaLen)
  ) {
    return undefined;
  }
  r.pos = q;
  return n;
}
