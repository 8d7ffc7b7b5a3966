/**
 * memberlist's message types and bodies: the type byte values, a TypeScript interface per Go
 * wire struct (same fields, camelCase), and the StructCodec that reads and writes each body.
 * Field lists are in Go declaration order; the codec sorts them for the wire.
 */
import { type FieldSpec, StructCodec, fieldsOf } from './schema.ts';

/** First byte of every message. Values are the protocol's; upstream only appends. */
export const MessageType = {
  Ping: 0,
  IndirectPing: 1,
  AckResp: 2,
  Suspect: 3,
  Alive: 4,
  Dead: 5,
  PushPull: 6,
  Compound: 7,
  User: 8,
  Compress: 9,
  Encrypt: 10,
  NackResp: 11,
  HasCrc: 12,
  Err: 13,
  /** Label header on packets and streams (not a message; chosen to never clash with one). */
  HasLabel: 244,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Node states as they travel in push/pull (`pushNodeState.State`). */
export const NodeStateCode = { Alive: 0, Suspect: 1, Dead: 2, Left: 3 } as const;
export type NodeStateCode = (typeof NodeStateCode)[keyof typeof NodeStateCode];

export interface Ping {
  seqNo: number;
  /** Name of the intended recipient ("" = whoever is there). */
  node: string;
  sourceAddr: Uint8Array | null;
  sourcePort: number;
  sourceNode: string;
}

export interface IndirectPingReq {
  seqNo: number;
  target: Uint8Array | null;
  port: number;
  node: string;
  nack: boolean;
  sourceAddr: Uint8Array | null;
  sourcePort: number;
  sourceNode: string;
}

export interface AckResp {
  seqNo: number;
  payload: Uint8Array | null;
}

export interface NackResp {
  seqNo: number;
}

export interface ErrResp {
  error: string;
}

/** Body of both `suspect` and `dead`. For dead, `from === node` means a graceful leave. */
export interface Suspect {
  incarnation: number;
  node: string;
  from: string;
}
export type Dead = Suspect;

export interface Alive {
  incarnation: number;
  node: string;
  addr: Uint8Array | null;
  port: number;
  meta: Uint8Array | null;
  /** Six bytes: [pmin, pmax, pcur, dmin, dmax, dcur]. */
  vsn: Uint8Array | null;
}

export interface PushPullHeader {
  nodes: number;
  userStateLen: number;
  join: boolean;
}

export interface PushNodeState {
  name: string;
  addr: Uint8Array | null;
  port: number;
  meta: Uint8Array | null;
  incarnation: number;
  state: number;
  vsn: Uint8Array | null;
}

export interface UserMsgHeader {
  userMsgLen: number;
}

export interface Compress {
  algo: number;
  buf: Uint8Array | null;
}

function codec<T extends object>(
  name: string,
  declare: (f: ReturnType<typeof fieldsOf<T>>) => FieldSpec<T>[],
): StructCodec<T> {
  return new StructCodec<T>(name, declare(fieldsOf<T>()));
}

export const pingCodec = codec<Ping>('ping', (f) => [
  f('SeqNo', 'seqNo', 'u32'),
  f('Node', 'node', 'string'),
  f('SourceAddr', 'sourceAddr', 'bytes', true),
  f('SourcePort', 'sourcePort', 'u16', true),
  f('SourceNode', 'sourceNode', 'string', true),
]);

export const indirectPingCodec = codec<IndirectPingReq>('indirectPingReq', (f) => [
  f('SeqNo', 'seqNo', 'u32'),
  f('Target', 'target', 'bytes'),
  f('Port', 'port', 'u16'),
  f('Node', 'node', 'string'),
  f('Nack', 'nack', 'bool'),
  f('SourceAddr', 'sourceAddr', 'bytes', true),
  f('SourcePort', 'sourcePort', 'u16', true),
  f('SourceNode', 'sourceNode', 'string', true),
]);

export const ackRespCodec = codec<AckResp>('ackResp', (f) => [
  f('SeqNo', 'seqNo', 'u32'),
  f('Payload', 'payload', 'bytes'),
]);

export const nackRespCodec = codec<NackResp>('nackResp', (f) => [f('SeqNo', 'seqNo', 'u32')]);

export const errRespCodec = codec<ErrResp>('errResp', (f) => [f('Error', 'error', 'string')]);

/** `suspect` and `dead` share one shape: an accusation about a node, by a node. */
const accusation = (f: ReturnType<typeof fieldsOf<Suspect>>): FieldSpec<Suspect>[] => [
  f('Incarnation', 'incarnation', 'u32'),
  f('Node', 'node', 'string'),
  f('From', 'from', 'string'),
];

export const suspectCodec = codec<Suspect>('suspect', accusation);
export const deadCodec = codec<Dead>('dead', accusation);

export const aliveCodec = codec<Alive>('alive', (f) => [
  f('Incarnation', 'incarnation', 'u32'),
  f('Node', 'node', 'string'),
  f('Addr', 'addr', 'bytes'),
  f('Port', 'port', 'u16'),
  f('Meta', 'meta', 'bytes'),
  f('Vsn', 'vsn', 'bytes'),
]);

export const pushPullHeaderCodec = codec<PushPullHeader>('pushPullHeader', (f) => [
  f('Nodes', 'nodes', 'int'),
  f('UserStateLen', 'userStateLen', 'int'),
  f('Join', 'join', 'bool'),
]);

export const pushNodeStateCodec = codec<PushNodeState>('pushNodeState', (f) => [
  f('Name', 'name', 'string'),
  f('Addr', 'addr', 'bytes'),
  f('Port', 'port', 'u16'),
  f('Meta', 'meta', 'bytes'),
  f('Incarnation', 'incarnation', 'u32'),
  f('State', 'state', 'int'),
  f('Vsn', 'vsn', 'bytes'),
]);

export const userMsgHeaderCodec = codec<UserMsgHeader>('userMsgHeader', (f) => [f('UserMsgLen', 'userMsgLen', 'int')]);

export const compressCodec = codec<Compress>('compress', (f) => [f('Algo', 'algo', 'u8'), f('Buf', 'buf', 'bytes')]);

/** Every struct codec by the name the golden vectors and benchmarks use for its message. */
export const codecsByName: Readonly<Record<string, StructCodec<any>>> = {
  ping: pingCodec,
  indirectPing: indirectPingCodec,
  ack: ackRespCodec,
  nack: nackRespCodec,
  err: errRespCodec,
  suspect: suspectCodec,
  dead: deadCodec,
  alive: aliveCodec,
  pushPullHeader: pushPullHeaderCodec,
  pushNodeState: pushNodeStateCodec,
  userMsgHeader: userMsgHeaderCodec,
  compress: compressCodec,
};
