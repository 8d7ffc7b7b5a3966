/**
 * What this node knows about one member: identity, address bytes exactly as received, metadata,
 * incarnation, state with the time it last changed, and the six protocol version bytes.
 * Also the public, read-only snapshot (`Node`) handed to users and delegates.
 */
import { ipToString, joinHostPort } from '../net/ip.ts';
import { heldBuf, heldAt, heldEquals, hold, viewOf } from '../wire/byte-ref.ts';
import { NodeStateCode } from '../wire/messages.ts';

const EMPTY = new Uint8Array(0);

export type NodeStatus = 'alive' | 'suspect' | 'dead' | 'left';

const STATUS_NAMES: readonly NodeStatus[] = ['alive', 'suspect', 'dead', 'left'];

export function statusName(code: number): NodeStatus {
  return STATUS_NAMES[code] ?? 'dead';
}

/**
 * The record of one member. Its address and metadata are held as (buffer, start, length) in
 * shared slabs (byte-ref.ts), not as arrays of their own: `addr` and `meta` make a view when
 * read (read-only, as all held bytes) and keep a copy of what they are given — unless it is in
 * a kept slab already, as decoded push/pull fields are, which is then shared, not copied.
 */
export class NodeState {
  readonly name: string;
  port: number;
  incarnation: number;
  state: NodeStateCode;
  /** When `state` last changed (ms on the core clock). */
  stateChange: number;
  /** [pmin, pmax, pcur, dmin, dmax, dcur] */
  vsn: Uint8Array;
  /**
   * The address: `addrLen` bytes at `addrAt` of `addrBuf` (read-only outside this class, as is
   * the metadata: set `addr` and `meta`). Also what push-state-cache.ts compares a received
   * node state with (`HeldNodeState`).
   */
  addrBuf: Uint8Array = EMPTY;
  addrAt = 0;
  addrLen = 0;
  /** The metadata, likewise; `metaBuf` null for nil metadata. */
  metaBuf: Uint8Array | null = null;
  metaAt = 0;
  metaLen = 0;

  constructor(
    name: string,
    addr: Uint8Array,
    port: number,
    meta: Uint8Array | null,
    incarnation: number,
    state: NodeStateCode,
    stateChange: number,
    vsn: Uint8Array,
  ) {
    this.name = name;
    this.port = port;
    this.incarnation = incarnation;
    this.state = state;
    this.stateChange = stateChange;
    this.vsn = vsn;
    this.addr = addr;
    this.meta = meta;
  }

  /** The address bytes exactly as advertised (read-only). */
  get addr(): Uint8Array {
    return viewOf(this.addrBuf, this.addrAt, this.addrLen);
  }

  set addr(b: Uint8Array) {
    hold(b);
    this.addrBuf = heldBuf;
    this.addrAt = heldAt;
    this.addrLen = b.length;
  }

  /** The metadata (read-only), or null for nil. */
  get meta(): Uint8Array | null {
    const buf = this.metaBuf;
    return buf === null ? null : viewOf(buf, this.metaAt, this.metaLen);
  }

  set meta(b: Uint8Array | null) {
    if (b === null) {
      this.metaBuf = null;
      this.metaAt = 0;
      this.metaLen = 0;
      return;
    }
    hold(b);
    this.metaBuf = heldBuf;
    this.metaAt = heldAt;
    this.metaLen = b.length;
  }

  /** Whether the address is `b`'s bytes, without making a view. */
  addrEquals(b: Uint8Array | null): boolean {
    return heldEquals(this.addrBuf, this.addrAt, this.addrLen, b ?? EMPTY);
  }

  /** Whether the metadata is `b`'s bytes (nil and empty alike, as `bytesEqual`), without a view. */
  metaEquals(b: Uint8Array | null): boolean {
    return heldEquals(this.metaBuf ?? EMPTY, this.metaAt, this.metaLen, b ?? EMPTY);
  }

  /** The metadata's length, -1 for nil. */
  get metaLenOrNil(): number {
    return this.metaBuf === null ? -1 : this.metaLen;
  }

  /** Takes the address and metadata `from` holds (held bytes are shared read-only, no copy). */
  takeBytes(from: NodeState): void {
    this.addrBuf = from.addrBuf;
    this.addrAt = from.addrAt;
    this.addrLen = from.addrLen;
    this.metaBuf = from.metaBuf;
    this.metaAt = from.metaAt;
    this.metaLen = from.metaLen;
  }

  /** Whether the address is the one `other` holds, without making a view. */
  sameAddr(other: NodeState): boolean {
    const len = this.addrLen;
    if (other.addrLen !== len) return false;
    const a = this.addrBuf;
    const b = other.addrBuf;
    const x = this.addrAt;
    const y = other.addrAt;
    if (a === b && x === y) return true;
    for (let i = 0; i < len; i++) if (a[x + i] !== b[y + i]) return false;
    return true;
  }

  /** A copy to change (`OverlayMemberTable.own`: the original is shared). */
  copy(): NodeState {
    const n = new NodeState(
      this.name,
      EMPTY,
      this.port,
      null,
      this.incarnation,
      this.state,
      this.stateChange,
      this.vsn,
    );
    n.takeBytes(this);
    return n;
  }
}

/**
 * A record whose byte fields are already held as (kept slab, offset, length) — a push/pull node
 * state decoded straight into one (go-node-state.ts), which a merge may then take as the
 * member's record. `stateChange` is -Infinity until a core takes it.
 */
export function heldRecord(
  name: string,
  addrBuf: Uint8Array,
  addrAt: number,
  addrLen: number,
  port: number,
  metaBuf: Uint8Array | null,
  metaAt: number,
  metaLen: number,
  incarnation: number,
  state: NodeStateCode,
  vsn: Uint8Array,
): NodeState {
  const n = new NodeState(name, EMPTY, port, null, incarnation, state, Number.NEGATIVE_INFINITY, vsn);
  n.addrBuf = addrBuf;
  n.addrAt = addrAt;
  n.addrLen = addrLen;
  n.metaBuf = metaBuf;
  n.metaAt = metaAt;
  n.metaLen = metaLen;
  return n;
}

/** A member as users and delegates see it (Go's Node plus incarnation). */
export interface Node {
  readonly name: string;
  /** IP address as text. */
  readonly addr: string;
  /** The address bytes exactly as advertised (4 or 16). */
  readonly addrBytes: Uint8Array;
  readonly port: number;
  readonly meta: Uint8Array;
  readonly state: NodeStatus;
  readonly incarnation: number;
  readonly pmin: number;
  readonly pmax: number;
  readonly pcur: number;
  readonly dmin: number;
  readonly dmax: number;
  readonly dcur: number;
}

export function isDeadOrLeft(n: NodeState): boolean {
  return n.state === NodeStateCode.Dead || n.state === NodeStateCode.Left;
}

/** The protocol max this node advertised (gates TCP ping, nack and CRC). */
export function pmax(n: NodeState): number {
  return n.vsn[1] ?? 0;
}

/** The fields a member is described by in alive messages, push/pull state and the table. */
export interface NodeFields {
  readonly name: string;
  readonly addr: Uint8Array | null;
  readonly port: number;
  readonly meta: Uint8Array | null;
  readonly incarnation: number;
  readonly vsn: Uint8Array | null;
}

/** A public snapshot from any description of a member. */
export function makeNode(f: NodeFields, state: NodeStatus): Node {
  const v = f.vsn ?? new Uint8Array(0);
  const addr = f.addr ?? new Uint8Array(0);
  return {
    name: f.name,
    addr: ipToString(addr),
    addrBytes: addr,
    port: f.port,
    meta: f.meta ?? new Uint8Array(0),
    state,
    incarnation: f.incarnation,
    pmin: v[0] ?? 0,
    pmax: v[1] ?? 0,
    pcur: v[2] ?? 0,
    dmin: v[3] ?? 0,
    dmax: v[4] ?? 0,
    dcur: v[5] ?? 0,
  };
}

export function toNode(n: NodeState): Node {
  return makeNode(n, statusName(n.state));
}

/** "ip:port" of a member, for sending. */
export function nodeAddress(n: { addr: Uint8Array; port: number }): string {
  return joinHostPort(ipToString(n.addr), n.port);
}
