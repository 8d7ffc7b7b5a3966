/**
 * Message-level codec: `[type byte][msgpack body]` for every message that has a struct body.
 * One table maps each type to its StructCodec, so encoding and decoding are the same two
 * functions for every message.
 */
import { DecodeError } from '../errors.ts';
import {
  MessageType,
  ackRespCodec,
  aliveCodec,
  compressCodec,
  deadCodec,
  errRespCodec,
  indirectPingCodec,
  nackRespCodec,
  pingCodec,
  suspectCodec,
} from './messages.ts';
import { MsgpackReader } from './msgpack-reader.ts';
import { MsgpackWriter } from './msgpack-writer.ts';
import { copyOutput } from './pool.ts';
import type { StructCodec } from './schema.ts';

const bodyCodecs = {
  [MessageType.Ping]: pingCodec,
  [MessageType.IndirectPing]: indirectPingCodec,
  [MessageType.AckResp]: ackRespCodec,
  [MessageType.Suspect]: suspectCodec,
  [MessageType.Alive]: aliveCodec,
  [MessageType.Dead]: deadCodec,
  [MessageType.Compress]: compressCodec,
  [MessageType.NackResp]: nackRespCodec,
  [MessageType.Err]: errRespCodec,
} as const;

/** Message types whose body is a single msgpack struct. */
export type StructMessageType = keyof typeof bodyCodecs;
/** The TypeScript body type of a struct message type. */
export type BodyOf<T extends StructMessageType> = (typeof bodyCodecs)[T] extends StructCodec<infer B> ? B : never;

/** A decoded struct message, discriminated by its type byte. */
export type DecodedMessage = { [T in StructMessageType]: { type: T; body: BodyOf<T> } }[StructMessageType];

const scratch = new MsgpackWriter(1024);

/** Encodes `[type][body]` exactly as Go memberlist's encode() does. */
export function encodeMessage<T extends StructMessageType>(type: T, body: BodyOf<T>): Uint8Array {
  scratch.buf[0] = type; // the scratch buffer always has room for the type byte
  scratch.pos = 1;
  (bodyCodecs[type] as unknown as StructCodec<BodyOf<T>>).encode(scratch, body);
  return copyOutput(scratch.bytes());
}

/** The length of `encodeMessage(type, body)`, without keeping the bytes. */
export function encodedLength<T extends StructMessageType>(type: T, body: BodyOf<T>): number {
  scratch.buf[0] = type;
  scratch.pos = 1;
  (bodyCodecs[type] as unknown as StructCodec<BodyOf<T>>).encode(scratch, body);
  return scratch.pos;
}

/**
 * Encodes a struct alone, with no type byte (as a push/pull node state travels, or a header
 * followed by a payload), into a new buffer of exactly its length.
 */
export function encodeStruct<B extends object>(codec: StructCodec<B>, body: B): Uint8Array {
  scratch.pos = 0;
  codec.encode(scratch, body);
  return copyOutput(scratch.bytes());
}

export function isStructMessageType(type: number): type is StructMessageType {
  return Object.hasOwn(bodyCodecs, type);
}

/** Decodes the body of a message of a known type; `msg` starts with its type byte. */
export function decodeMessage<T extends StructMessageType>(type: T, msg: Uint8Array): BodyOf<T> {
  if (msg.length === 0) throw new DecodeError('truncated', 'empty message');
  if (msg[0] !== type) {
    throw new DecodeError('unexpected-type', `expected message type ${type}, got ${msg[0]}`);
  }
  const r = new MsgpackReader(msg, 1);
  return (bodyCodecs[type] as unknown as StructCodec<BodyOf<T>>).decode(r);
}

/** Decodes any struct message by its type byte (for dispatch and tests). */
export function decodeAnyMessage(msg: Uint8Array): DecodedMessage {
  if (msg.length === 0) throw new DecodeError('truncated', 'empty message');
  const type = msg[0];
  if (!isStructMessageType(type)) {
    throw new DecodeError('unknown-message-type', `message type ${type} has no struct body`);
  }
  return { type, body: decodeMessage(type, msg) } as DecodedMessage;
}
