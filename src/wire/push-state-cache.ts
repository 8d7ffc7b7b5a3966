/**
 * Push/pull node states read again: periodic anti-entropy sends every member each time, nearly
 * always as it was the last time. For each name a bounded cache holds what we last took from a
 * push/pull — the member's record once a core has merged it (`adoptPushState`: no copy of the
 * same values beside it), else the node state last decoded for the name. A node state in Go's
 * layout (go-node-state.ts: found without decoding anything) is compared with it field by
 * field, straight from the input bytes: when every field is equal, a new record with those
 * values is returned — nothing decoded or copied; otherwise a record is filled from the bytes.
 * Anything else (another encoding) goes through the generic decoder, which checks everything.
 * A record may change after it was adopted; it then matches only its new values (the values
 * returned are always those that matched, in a new object).
 *
 * Entries hold their address and metadata as (kept slab, offset, length), not as arrays
 * (byte-ref.ts: a view object is larger than the bytes), and so do the records returned, which
 * share those bytes with every other holder (read-only, as the byte fields bytes-intern.ts
 * hands out). The cache is set-associative (WAYS entries per set,
 * picked by an FNV-1a hash of the name; a full set replaces its entries in turn) and doubles from
 * MIN_SLOTS up to MAX_SLOTS when it is half full or many entries replace another name (room for
 * the members of a 16,000-member cluster). Input can only evict entries; the cache holds at
 * most MAX_SLOTS node states of at most 64-byte fields (longer fields are never cached), about
 * 4 MiB of entries in the worst case (a flood of distinct names) plus the slabs of their bytes
 * (bytes-intern.ts), and the entries of members we know are their records.
 */
import { type NodeState, heldRecord } from '../core/node-state.ts';
import { INTERN_BYTES_MAX } from './bytes-intern.ts';
import { hashLayoutName, layout, parseGoLayout, recordFromLayout } from './go-node-state.ts';
import { type NodeStateCode, type PushNodeState, pushNodeStateCodec } from './messages.ts';
import type { MsgpackReader } from './msgpack-reader.ts';
import { slabOf } from './pool.ts';
import { asciiHash } from './string-intern.ts';
import { ownVsn } from './vsn-intern.ts';

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
  /** Six bytes: the copy shared by every holder of that value (vsn-intern.ts); else as decoded. */
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
    const v = n.vsn;
    this.vsn = v !== null && v.length === 6 ? ownVsn(v) : v;
  }
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

let slots: (HeldNodeState | undefined)[] = new Array(MIN_SLOTS).fill(undefined);
/**
 * The name hash of each slot's entry (compared before the entry is read), FREE for an empty
 * slot: looking for room reads only this array, not the entries.
 */
const FREE = -1;
let hashes = new Int32Array(MIN_SLOTS).fill(FREE);
/** Per set: the way the next replacement takes. */
let victims = new Uint8Array(MIN_SLOTS / WAYS);
let setMask = MIN_SLOTS / WAYS - 1;
/** Entries that replaced another name since the cache last grew. */
let conflicts = 0;
/** Slots in use: the cache grows past half full, so a set rarely overflows. */
let used = 0;
/**
 * The next node state of `r` (a push/pull body being read with `r.internBytes` set): in Go's
 * layout (go-node-state.ts), a record — the values cached for its name when they are the same,
 * else filled from the bytes; otherwise from the generic decoder.
 */
export function readPushNodeState(r: MsgpackReader): PushNodeState {
  const b = r.buf;
  if (parseGoLayout(b, r.pos, r.end)) {
    r.pos = layout.end;
    hashLayoutName(b);
    const slot = layout.nameAscii ? slotOf(b, layout.nameHash >>> 1) : -1;
    if (slot >= 0) {
      const held = slots[slot] as HeldNodeState;
      if (sameAsLayout(held, b)) return recordOf(held);
      // A change: the new values replace the old ones (a merge then puts the member's record here).
      const changed = recordFromLayout(b, held);
      slots[slot] = changed;
      return changed;
    }
    // A name not cached: the record is cached now, with the hash at hand (names of up to 128
    // ASCII characters, as `adoptPushState` takes): a merge that keeps it as a new member's
    // record need not adopt it again, and a member we know but learned from gossip (a merge
    // that finds it unchanged keeps nothing) matches it from the next push/pull on. A stream
    // reader no longer decodes a message it has only part of (`PushPullReader.requireComplete`),
    // so what is cached here is what the merge gets.
    const rec = recordFromLayout(b);
    if (layout.nameAscii && layout.nameLen <= 128) store(rec, layout.nameHash >>> 1);
    return rec;
  }
  const n = pushNodeStateCodec.decode(r);
  remember(n);
  return n;
}

/** A new record with the values of `n` (held, as go-node-state.ts matched them). */
export function recordOf(n: HeldNodeState): NodeState {
  return heldRecord(
    n.name,
    n.addrBuf as Uint8Array,
    n.addrAt,
    n.addrLen,
    n.port,
    n.metaBuf,
    n.metaAt,
    n.metaLen,
    n.incarnation,
    n.state as NodeStateCode,
    n.vsn as Uint8Array,
  );
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
 * The set hash of a name, as go-node-state.ts computes it from the name's bytes; -1 for a name
 * that is not ASCII (its UTF-8 bytes are not its char codes: never matched).
 */
function nameHash(name: string): number {
  const h = asciiHash(name);
  return h === undefined ? -1 : h >>> 1;
}

/**
 * Keeps `decoded` (from the generic decoder) as the last node state of its name, unless a field
 * is too long to cache. A core merging it then puts the member's record in its place
 * (`adoptPushState`).
 */
function remember(decoded: PushNodeState): void {
  if (decoded.name.length > 128) return;
  if ((decoded.addr?.length ?? 0) > INTERN_BYTES_MAX || (decoded.meta?.length ?? 0) > INTERN_BYTES_MAX) return;
  if ((decoded.vsn?.length ?? 0) > INTERN_BYTES_MAX) return;
  // Fields of up to INTERN_BYTES_MAX bytes come in kept slabs (bytes-intern.ts).
  const addrBuf = slabFor(decoded.addr);
  const metaBuf = slabFor(decoded.meta);
  if (addrBuf === undefined || metaBuf === undefined) return;
  const h = nameHash(decoded.name);
  if (h >= 0) store(new Entry(decoded, addrBuf, metaBuf), h);
}

/** Keeps `n` (name hash `h`) as the last node state of its name. */
function store(n: HeldNodeState, h: number): void {
  const name = n.name;
  const set = h & setMask;
  const base = set * WAYS;
  let free = -1;
  for (let s = base; s < base + WAYS; s++) {
    const held = hashes[s];
    if (held === FREE) {
      if (free < 0) free = s;
    } else if (held === h && (slots[s] as HeldNodeState).name === name) {
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
    if (hashes[s] === FREE) {
      slots[s] = n;
      hashes[s] = h;
      used++;
      return;
    }
  }
}

/** Empties the cache and shrinks it to its first size (decode-caches.ts). */
export function clearPushStateCache(): void {
  slots = new Array(MIN_SLOTS).fill(undefined);
  hashes = new Int32Array(MIN_SLOTS).fill(FREE);
  victims = new Uint8Array(MIN_SLOTS / WAYS);
  setMask = MIN_SLOTS / WAYS - 1;
  conflicts = 0;
  used = 0;
}

/** Doubles the cache, keeping the entries it holds. */
function grow(): void {
  const old = slots;
  const oldHashes = hashes;
  slots = new Array(old.length * 2).fill(undefined);
  hashes = new Int32Array(slots.length).fill(FREE);
  victims = new Uint8Array(slots.length / WAYS);
  setMask = slots.length / WAYS - 1;
  conflicts = 0;
  used = 0;
  for (let s = 0; s < old.length; s++) if (oldHashes[s] !== FREE) put(old[s] as HeldNodeState, oldHashes[s]);
}

/** The slot of the entry for the name `layout` found (set hash `h`), or -1. */
function slotOf(b: Uint8Array, h: number): number {
  const nameStart = layout.nameStart;
  const nameLen = layout.nameLen;
  const base = (h & setMask) * WAYS;
  for (let s = base; s < base + WAYS; s++) {
    if (hashes[s] !== h) continue;
    const held = slots[s];
    if (held === undefined || held.name.length !== nameLen) continue;
    const heldName = held.name;
    let i = nameLen - 1;
    while (i >= 0 && heldName.charCodeAt(i) === b[nameStart + i]) i--;
    if (i < 0) return s;
  }
  return -1;
}

/** Whether `n` has the values `layout` found in `b` (its name is known to be the same). */
function sameAsLayout(n: HeldNodeState, b: Uint8Array): boolean {
  const L = layout;
  if (n.incarnation !== L.incarnation || n.port !== L.port || n.state !== L.state) return false;
  const v = n.vsn;
  const q = L.vsnStart;
  if (
    v === null ||
    v.length !== 6 ||
    v[0] !== b[q] ||
    v[1] !== b[q + 1] ||
    v[2] !== b[q + 2] ||
    v[3] !== b[q + 3] ||
    v[4] !== b[q + 4] ||
    v[5] !== b[q + 5]
  ) {
    return false;
  }
  const addr = n.addrBuf;
  if (addr === null || n.addrLen !== L.addrLen) return false;
  const at = n.addrAt;
  for (let i = L.addrLen - 1, p = L.addrStart; i >= 0; i--) if (addr[at + i] !== b[p + i]) return false;
  const meta = n.metaBuf;
  const metaLen = L.metaLen;
  if (meta === null || metaLen < 0) return meta === null && metaLen < 0;
  if (n.metaLen !== metaLen) return false;
  const mat = n.metaAt;
  for (let i = metaLen - 1, p = L.metaStart; i >= 0; i--) if (meta[mat + i] !== b[p + i]) return false;
  return true;
}
