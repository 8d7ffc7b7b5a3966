/**
 * Go's node-state layout, read straight from the bytes: go-msgpack always writes a push/pull
 * node state as a fixmap of its seven fields in one key order (Addr, Incarnation, Meta, Name,
 * Port, State, Vsn) with values in a few forms. `parseGoLayout` finds where each value is,
 * allocating nothing; push-state-cache.ts then compares them with the node state it last took
 * for the name, and for a name it has not seen (or a change) `recordFromLayout` fills a member
 * record directly — no intermediate node state object and no views of its fields: the name from
 * string-intern.ts, the address copied into a kept slab and the metadata shared with a recent
 * equal value (recent-bytes.ts) or copied, both held as (slab, offset, length), the version
 * bytes shared (vsn-intern.ts). That record is what a merge then keeps
 * for a new member.
 *
 * Anything else — another key order or form, a nil address or name, version bytes that are not
 * six, an address or metadata longer than bytes-intern.ts keeps (64 bytes: the generic decoder
 * leaves those in the input, and a merge copies them only if it keeps them), a value out of its
 * Go type's range, input cut short — is left to the generic decoder,
 * which checks everything (and throws its DecodeError): the parser never throws and never reads
 * past `end`, it only says no.
 */
import { type NodeState, heldRecord } from '../core/node-state.ts';
import type { HeldNodeState } from './push-state-cache.ts';
import { INTERN_BYTES_MAX } from './bytes-intern.ts';
import type { NodeStateCode } from './messages.ts';
import { internAsciiHashed } from './string-intern.ts';
import { keepMemberAt, placedAt, placedSlab } from './pool.ts';
import { recentAt, recentSlab, shareRecent } from './recent-bytes.ts';
import { ownVsnAt } from './vsn-intern.ts';

const utf8 = new TextDecoder('utf-8');
const EMPTY = new Uint8Array(0);

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Where `parseGoLayout` found each value (valid after it returned true). */
class Layout {
  addrStart = 0;
  addrLen = 0;
  incarnation = 0;
  /** -1 for nil. */
  metaStart = 0;
  metaLen = 0;
  nameStart = 0;
  nameLen = 0;
  /**
   * FNV-1a of the name's bytes, folded (`h ^ h >>> 16`): push-state-cache.ts and string-intern.ts
   * mask it. Set by `hashLayoutName`, as is `nameAscii`.
   */
  nameHash = 0;
  /** Whether the name is ASCII (its bytes are its char codes). */
  nameAscii = true;
  port = 0;
  state = 0;
  vsnStart = 0;
  /** The end of the node state. */
  end = 0;
}

export const layout = new Layout();

/** The key bytes (fixstr header + name) of each field, in Go's order. */
const KEYS = ['Addr', 'Incarnation', 'Meta', 'Name', 'Port', 'State', 'Vsn'].map(
  (k) => new Uint8Array([0xa0 | k.length, ...Array.from(k, (c) => c.charCodeAt(0))]),
);
const [K_ADDR, K_INC, K_META, K_NAME, K_PORT, K_STATE, K_VSN] = KEYS;

/** Set by `bytesAt`: the start of the value's body and its length (-1 for nil). */
let valStart = 0;
let valLen = 0;

/**
 * A str/bin value or nil at `b[q]`, with a body of at most 0xffff bytes: sets valStart/valLen
 * and returns the position after it; -1 if it is not one or is cut short.
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
  } else if (t === 0xc0) {
    valStart = q;
    valLen = -1;
    return q;
  } else return -1;
  if (q + len > end) return -1;
  valStart = q;
  valLen = len;
  return q + len;
}

/** Set by `uintAt`: the value. */
let uintVal = 0;

/** An unsigned integer at `b[q]` (positive fixint, uint8/16/32): sets uintVal, returns the position after it; -1 otherwise. */
function uintAt(b: Uint8Array, end: number, q: number): number {
  if (q >= end) return -1;
  const t = b[q];
  if (t <= 0x7f) {
    uintVal = t;
    return q + 1;
  }
  const n = t === 0xcc ? 2 : t === 0xcd ? 3 : t === 0xce ? 5 : 0;
  if (n === 0) return -1;
  if (q + n > end) return -1;
  if (n === 2) uintVal = b[q + 1];
  else if (n === 3) uintVal = (b[q + 1] << 8) | b[q + 2];
  else uintVal = ((b[q + 1] << 24) | (b[q + 2] << 16) | (b[q + 3] << 8) | b[q + 4]) >>> 0;
  return q + n;
}

/** Whether `key` is at `b[q]` (before `end`). */
function keyAt(b: Uint8Array, end: number, q: number, key: Uint8Array): boolean {
  const n = key.length;
  if (q + n > end) return false;
  for (let i = 0; i < n; i++) if (b[q + i] !== key[i]) return false;
  return true;
}

/**
 * Whether the node state at `b[pos]` is in Go's layout with values a record can hold exactly
 * (a non-nil name and address, six version bytes, a port that fits 16 bits, address and
 * metadata of at most 64 bytes); if so, `layout` says where each value is.
 */
export function parseGoLayout(b: Uint8Array, pos: number, end: number): boolean {
  const L = layout;
  let q = pos;
  if (q >= end) return false;
  if (b[q] !== 0x87) return false;
  q++;
  if (!keyAt(b, end, q, K_ADDR)) return false;
  q = bytesAt(b, end, q + K_ADDR.length);
  if (q < 0 || valLen < 0 || valLen > INTERN_BYTES_MAX) return false;
  L.addrStart = valStart;
  L.addrLen = valLen;
  if (!keyAt(b, end, q, K_INC)) return false;
  q = uintAt(b, end, q + K_INC.length);
  if (q < 0) return false;
  L.incarnation = uintVal;
  if (!keyAt(b, end, q, K_META)) return false;
  q = bytesAt(b, end, q + K_META.length);
  if (q < 0 || valLen > INTERN_BYTES_MAX) return false;
  L.metaStart = valStart;
  L.metaLen = valLen;
  if (!keyAt(b, end, q, K_NAME)) return false;
  q = bytesAt(b, end, q + K_NAME.length);
  if (q < 0 || valLen < 0) return false;
  L.nameStart = valStart;
  L.nameLen = valLen;
  if (!keyAt(b, end, q, K_PORT)) return false;
  q = uintAt(b, end, q + K_PORT.length);
  if (q < 0 || uintVal > 0xffff) return false;
  L.port = uintVal;
  if (!keyAt(b, end, q, K_STATE)) return false;
  q = uintAt(b, end, q + K_STATE.length);
  if (q < 0) return false;
  L.state = uintVal;
  if (!keyAt(b, end, q, K_VSN)) return false;
  q = bytesAt(b, end, q + K_VSN.length);
  if (q < 0 || valLen !== 6) return false;
  L.vsnStart = valStart;
  L.end = q;
  return true;
}

/** What `skipNodeState` returns when the input ends inside the node state. */
export const CUT_SHORT = -2;

/**
 * Where the node state at `b[pos]` ends, if it is a fixmap of seven entries (as Go writes it)
 * whose keys and values are strings, binaries, nil or unsigned integers — only their headers are
 * read, not what they hold, so it is cheaper than `parseGoLayout` and takes any key order or value
 * length: `CUT_SHORT` if the input ends inside it (every msgpack decoder of that map would run
 * out too), -1 if it is anything else. For `PushPullReader.requireComplete`, which only asks
 * whether a message has all arrived.
 */
export function skipNodeState(b: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return CUT_SHORT;
  if (b[pos] !== 0x87) return -1;
  let q = pos + 1;
  for (let item = 0; item < 14; item++) {
    if (q >= end) return CUT_SHORT;
    const t = b[q];
    let next: number;
    if (t <= 0x7f || t === 0xc0) next = q + 1;
    else if (t >= 0xa0 && t <= 0xbf) next = q + 1 + (t & 0x1f);
    else if (t === 0xc4 || t === 0xd9) {
      if (q + 2 > end) return CUT_SHORT;
      next = q + 2 + b[q + 1];
    } else if (t === 0xc5 || t === 0xda) {
      if (q + 3 > end) return CUT_SHORT;
      next = q + 3 + ((b[q + 1] << 8) | b[q + 2]);
    } else if (t === 0xcc) next = q + 2;
    else if (t === 0xcd) next = q + 3;
    else if (t === 0xce) next = q + 5;
    else if (t === 0xcf) next = q + 9;
    else return -1;
    if (next > end) return CUT_SHORT;
    q = next;
  }
  return q;
}

/** Sets `layout.nameHash` and `nameAscii` for the name `parseGoLayout` found in `b`. */
export function hashLayoutName(b: Uint8Array): void {
  const L = layout;
  const start = L.nameStart;
  const end = start + L.nameLen;
  let h = FNV_OFFSET;
  let high = 0;
  for (let i = start; i < end; i++) {
    const c = b[i];
    high |= c;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  L.nameHash = h ^ (h >>> 16);
  L.nameAscii = high <= 0x7f;
}

/** The name `layout` found (after `hashLayoutName`), as the generic decoder reads it (interned when short ASCII). */
export function layoutName(b: Uint8Array): string {
  const L = layout;
  const start = L.nameStart;
  const len = L.nameLen;
  if (L.nameAscii) {
    const s = internAsciiHashed(b, start, len, L.nameHash);
    if (s !== undefined) return s;
  }
  return utf8.decode(b.subarray(start, start + len));
}

/** Whether `b[start, start + len)` are the `heldLen` bytes at `heldAt` of `held`. */
function sameHeld(b: Uint8Array, start: number, len: number, held: Uint8Array | null, heldAt: number, heldLen: number) {
  if (held === null || heldLen !== len) return false;
  for (let i = 0; i < len; i++) if (held[heldAt + i] !== b[start + i]) return false;
  return true;
}

/**
 * A member record with the values `layout` found in `b` (after `parseGoLayout` returned true).
 * `prev`, the node state last taken for the name: its address and metadata are shared when
 * they are the same bytes (a member whose incarnation or state changed).
 */
export function recordFromLayout(b: Uint8Array, prev?: HeldNodeState): NodeState {
  const L = layout;
  const name = layoutName(b);
  let addrBuf: Uint8Array = EMPTY;
  let addrAt = 0;
  const addrLen = L.addrLen;
  if (addrLen > 0) {
    if (prev !== undefined && sameHeld(b, L.addrStart, addrLen, prev.addrBuf, prev.addrAt, prev.addrLen)) {
      addrBuf = prev.addrBuf as Uint8Array;
      addrAt = prev.addrAt;
    } else {
      // Copied, not interned: an address is nearly always a member's own, and its 4 or 16
      // bytes take less room in a slab than a cache entry would.
      keepMemberAt(b, L.addrStart, addrLen);
      addrBuf = placedSlab;
      addrAt = placedAt;
    }
  }
  let metaBuf: Uint8Array | null = null;
  let metaAt = 0;
  const metaLen = L.metaLen;
  if (metaLen === 0) metaBuf = EMPTY;
  else if (metaLen > 0) {
    if (prev !== undefined && sameHeld(b, L.metaStart, metaLen, prev.metaBuf, prev.metaAt, prev.metaLen)) {
      metaBuf = prev.metaBuf;
      metaAt = prev.metaAt;
    } else {
      shareRecent(b, L.metaStart, metaLen);
      metaBuf = recentSlab;
      metaAt = recentAt;
    }
  }
  return heldRecord(
    name,
    addrBuf,
    addrAt,
    addrLen,
    L.port,
    metaBuf,
    metaAt,
    metaLen < 0 ? 0 : metaLen,
    L.incarnation,
    L.state as NodeStateCode,
    ownVsnAt(b, L.vsnStart),
  );
}
