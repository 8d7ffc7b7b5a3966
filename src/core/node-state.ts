/**
 * What this node knows about one member: identity, address bytes exactly as received, metadata,
 * incarnation, state with the time it last changed, and the six protocol version bytes.
 * Also the public, read-only snapshot (`Node`) handed to users and delegates.
 */
import { ipToString, joinHostPort } from '../net/ip.ts';
import { NodeStateCode } from '../wire/messages.ts';

export type NodeStatus = 'alive' | 'suspect' | 'dead' | 'left';

const STATUS_NAMES: readonly NodeStatus[] = ['alive', 'suspect', 'dead', 'left'];

export function statusName(code: number): NodeStatus {
  return STATUS_NAMES[code] ?? 'dead';
}

export interface NodeState {
  readonly name: string;
  addr: Uint8Array;
  port: number;
  meta: Uint8Array | null;
  incarnation: number;
  state: NodeStateCode;
  /** When `state` last changed (ms on the core clock). */
  stateChange: number;
  /** [pmin, pmax, pcur, dmin, dmax, dcur] */
  vsn: Uint8Array;
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
