/**
 * Serf's wire messages: the type byte values, a TypeScript interface per Go struct (Go's field
 * names on the wire, camelCase here) and the StructCodec of each, plus the framing helpers —
 * `[type] + msgpack body` for every message, `[0x09] + header + [type] + body` for relays.
 * Encoding is old-spec like memberlist (strings and byte slices in the str family, sorted keys);
 * decoding is tolerant (any integer width, str or bin, unknown keys skipped, nil anywhere) and
 * throws only DecodeError.
 */
import { DecodeError } from '../errors.ts';
import { MsgpackReader } from '../wire/msgpack-reader.ts';
import { MsgpackWriter } from '../wire/msgpack-writer.ts';
import { type FieldSpec, StructCodec, fieldsOf } from '../wire/schema.ts';

/** First byte of every Serf message (Go's messageType iota; identical in 0.9.4 and 0.10.x). */
export const SerfMessageType = {
  Leave: 0,
  Join: 1,
  PushPull: 2,
  UserEvent: 3,
  Query: 4,
  QueryResponse: 5,
  ConflictResponse: 6,
  KeyRequest: 7,
  KeyResponse: 8,
  Relay: 9,
} as const;
export type SerfMessageType = (typeof SerfMessageType)[keyof typeof SerfMessageType];

/** messageQuery.Flags bits. */
export const QueryFlag = { Ack: 1, NoBroadcast: 2 } as const;

export interface JoinMessage {
  ltime: number;
  node: string;
}

export interface LeaveMessage {
  ltime: number;
  node: string;
  /** Erase the member entirely (force-leave -prune). */
  prune: boolean;
}

/** One user event in the push/pull event buffer (no CC field). */
export interface BufferedUserEvent {
  name: string;
  payload: Uint8Array | null;
}

/** One slot of the event buffer: the events seen at one Lamport time. */
export interface UserEventsSlot {
  ltime: number;
  events: (BufferedUserEvent | null)[] | null;
}

export interface PushPullMessage {
  ltime: number;
  statusLTimes: Map<string, number> | null;
  leftMembers: string[] | null;
  eventLTime: number;
  events: (UserEventsSlot | null)[] | null;
  queryLTime: number;
}

export interface UserEventMessage {
  ltime: number;
  name: string;
  payload: Uint8Array | null;
  /** "Can coalesce". */
  cc: boolean;
}

export interface QueryMessage {
  ltime: number;
  id: number;
  /** Requester IP (4 or 16 bytes) for the direct reply. */
  addr: Uint8Array | null;
  port: number;
  sourceNode: string;
  filters: (Uint8Array | null)[] | null;
  flags: number;
  relayFactor: number;
  /** time.Duration: nanoseconds. */
  timeout: number;
  name: string;
  payload: Uint8Array | null;
}

export interface QueryResponseMessage {
  ltime: number;
  id: number;
  from: string;
  flags: number;
  payload: Uint8Array | null;
}

export interface KeyRequestMessage {
  key: Uint8Array | null;
}

export interface KeyResponseMessage {
  result: boolean;
  message: string;
  /** Base64 keys. */
  keys: string[] | null;
  primaryKey: string;
}

export interface TagFilterMessage {
  tag: string;
  expr: string;
}

/** Go's net.UDPAddr as go-msgpack writes it. */
export interface UdpAddrMessage {
  ip: Uint8Array | null;
  port: number;
  zone: string;
}

export interface RelayHeaderMessage {
  destAddr: UdpAddrMessage;
  destName: string;
}

/** Serf's Member (the body of a conflict response). */
export interface MemberMessage {
  name: string;
  addr: Uint8Array | null;
  port: number;
  tags: Map<string, string> | null;
  status: number;
  protocolMin: number;
  protocolMax: number;
  protocolCur: number;
  delegateMin: number;
  delegateMax: number;
  delegateCur: number;
}

/** A Vivaldi network coordinate (serf/coordinate.Coordinate). */
export interface CoordinateMessage {
  vec: number[] | null;
  error: number;
  adjustment: number;
  height: number;
}

function codec<T extends object>(
  name: string,
  declare: (f: ReturnType<typeof fieldsOf<T>>) => FieldSpec<T>[],
): StructCodec<T> {
  return new StructCodec<T>(name, declare(fieldsOf<T>()));
}

export const joinCodec = codec<JoinMessage>('messageJoin', (f) => [
  f('LTime', 'ltime', 'u64'),
  f('Node', 'node', 'string'),
]);

export const leaveCodec = codec<LeaveMessage>('messageLeave', (f) => [
  f('LTime', 'ltime', 'u64'),
  f('Node', 'node', 'string'),
  f('Prune', 'prune', 'bool'),
]);

export const bufferedUserEventCodec = codec<BufferedUserEvent>('userEvent', (f) => [
  f('Name', 'name', 'string'),
  f('Payload', 'payload', 'bytes'),
]);

export const userEventsSlotCodec = codec<UserEventsSlot>('userEvents', (f) => [
  f('LTime', 'ltime', 'u64'),
  f('Events', 'events', 'structList', false, bufferedUserEventCodec),
]);

export const pushPullCodec = codec<PushPullMessage>('messagePushPull', (f) => [
  f('LTime', 'ltime', 'u64'),
  f('StatusLTimes', 'statusLTimes', 'u64Map'),
  f('LeftMembers', 'leftMembers', 'strings'),
  f('EventLTime', 'eventLTime', 'u64'),
  f('Events', 'events', 'structList', false, userEventsSlotCodec),
  f('QueryLTime', 'queryLTime', 'u64'),
]);

export const userEventCodec = codec<UserEventMessage>('messageUserEvent', (f) => [
  f('LTime', 'ltime', 'u64'),
  f('Name', 'name', 'string'),
  f('Payload', 'payload', 'bytes'),
  f('CC', 'cc', 'bool'),
]);

export const queryCodec = codec<QueryMessage>('messageQuery', (f) => [
  f('LTime', 'ltime', 'u64'),
  f('ID', 'id', 'u32'),
  f('Addr', 'addr', 'bytes'),
  f('Port', 'port', 'u16'),
  f('SourceNode', 'sourceNode', 'string'),
  f('Filters', 'filters', 'bytesList'),
  f('Flags', 'flags', 'u32'),
  f('RelayFactor', 'relayFactor', 'u8'),
  f('Timeout', 'timeout', 'i64'),
  f('Name', 'name', 'string'),
  f('Payload', 'payload', 'bytes'),
]);

export const queryResponseCodec = codec<QueryResponseMessage>('messageQueryResponse', (f) => [
  f('LTime', 'ltime', 'u64'),
  f('ID', 'id', 'u32'),
  f('From', 'from', 'string'),
  f('Flags', 'flags', 'u32'),
  f('Payload', 'payload', 'bytes'),
]);

export const keyRequestCodec = codec<KeyRequestMessage>('keyRequest', (f) => [f('Key', 'key', 'bytes')]);

export const keyResponseCodec = codec<KeyResponseMessage>('nodeKeyResponse', (f) => [
  f('Result', 'result', 'bool'),
  f('Message', 'message', 'string'),
  f('Keys', 'keys', 'strings'),
  f('PrimaryKey', 'primaryKey', 'string'),
]);

export const tagFilterCodec = codec<TagFilterMessage>('filterTag', (f) => [
  f('Tag', 'tag', 'string'),
  f('Expr', 'expr', 'string'),
]);

export const udpAddrCodec = codec<UdpAddrMessage>('UDPAddr', (f) => [
  f('IP', 'ip', 'bytes'),
  f('Port', 'port', 'int'),
  f('Zone', 'zone', 'string'),
]);

export const relayHeaderCodec = codec<RelayHeaderMessage>('relayHeader', (f) => [
  f('DestAddr', 'destAddr', 'struct', false, udpAddrCodec),
  f('DestName', 'destName', 'string'),
]);

export const memberCodec = codec<MemberMessage>('Member', (f) => [
  f('Name', 'name', 'string'),
  f('Addr', 'addr', 'bytes'),
  f('Port', 'port', 'u16'),
  f('Tags', 'tags', 'stringMap'),
  f('Status', 'status', 'int'),
  f('ProtocolMin', 'protocolMin', 'u8'),
  f('ProtocolMax', 'protocolMax', 'u8'),
  f('ProtocolCur', 'protocolCur', 'u8'),
  f('DelegateMin', 'delegateMin', 'u8'),
  f('DelegateMax', 'delegateMax', 'u8'),
  f('DelegateCur', 'delegateCur', 'u8'),
]);

export const coordinateCodec = codec<CoordinateMessage>('Coordinate', (f) => [
  f('Vec', 'vec', 'f64s'),
  f('Error', 'error', 'f64'),
  f('Adjustment', 'adjustment', 'f64'),
  f('Height', 'height', 'f64'),
]);

/** `[type] + msgpack(value)`. A null value is written as msgpack nil (Go's nil pointer). */
export function encodeWithType<T extends object>(type: number, c: StructCodec<T>, value: T | null): Uint8Array {
  const w = new MsgpackWriter(64);
  w.byte(type);
  if (value === null) w.nil();
  else c.encode(w, value);
  return w.bytes().slice();
}

/** The msgpack body of `buf` from `start` (default 1: after the type byte). */
export function decodeBody<T extends object>(c: StructCodec<T>, buf: Uint8Array, start = 1): T {
  if (buf.length < start + 1) throw new DecodeError('truncated', `serf: ${c.name} has no body`);
  return c.decode(new MsgpackReader(buf, start));
}

/**
 * A relayed message: `[0x09] + msgpack(relayHeader) + [type] + msgpack(value)`; a relay node
 * forwards everything after the header, unchanged, to `header.destAddr`.
 */
export function encodeRelay<T extends object>(
  header: RelayHeaderMessage,
  type: number,
  c: StructCodec<T>,
  value: T,
): Uint8Array {
  const w = new MsgpackWriter(128);
  w.byte(SerfMessageType.Relay);
  relayHeaderCodec.encode(w, header);
  w.byte(type);
  c.encode(w, value);
  return w.bytes().slice();
}

/** Splits a relay message (type byte included) into its header and the message to forward. */
export function decodeRelay(buf: Uint8Array): { header: RelayHeaderMessage; inner: Uint8Array } {
  if (buf.length < 2) throw new DecodeError('truncated', 'serf: relay message has no header');
  const r = new MsgpackReader(buf, 1);
  const header = relayHeaderCodec.decode(r);
  return { header, inner: buf.slice(r.pos) };
}

/** A bare msgpack array of strings (the node filter body, Go's filterNode). */
export function encodeStringArray(items: readonly string[]): Uint8Array {
  const w = new MsgpackWriter(16 + items.length * 8);
  const n = items.length;
  if (n < 16) w.byte(0x90 | n);
  else if (n < 0x10000) {
    w.byte(0xdc);
    w.byte(n >>> 8);
    w.byte(n & 0xff);
  } else throw new RangeError('serf: too many names in a node filter');
  for (const s of items) w.string(s);
  return w.bytes().slice();
}

/** Reads a bare array of strings from `start` (nil → []); the count is checked against the input. */
export function decodeStringArray(buf: Uint8Array, start: number): string[] {
  const r = new MsgpackReader(buf, start);
  if (r.tryNil()) return [];
  const { count, isMap } = r.containerHeader();
  if (isMap) throw new DecodeError('unexpected-type', 'serf: expected an array of names, got a map');
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = r.string();
  return out;
}
