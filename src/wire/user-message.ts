/**
 * User messages. Over UDP a user message is `[0x08][payload]` with no msgpack; over a stream
 * (SendReliable) it is `[0x08] msgpack{UserMsgLen} [payload]`.
 */
import { DecodeError } from '../errors.ts';
import { MAX_USER_MSG_BYTES } from './limits.ts';
import { MessageType, userMsgHeaderCodec } from './messages.ts';
import { MsgpackReader } from './msgpack-reader.ts';
import { MsgpackWriter } from './msgpack-writer.ts';

/** `[0x08][payload]` for packets. */
export function encodeUserPacket(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = MessageType.User;
  out.set(payload, 1);
  return out;
}

/** The payload of a packet user message (a view into `msg`). */
export function decodeUserPacket(msg: Uint8Array): Uint8Array {
  if (msg.length === 0 || msg[0] !== MessageType.User) {
    throw new DecodeError('unexpected-type', 'not a user message');
  }
  return msg.subarray(1);
}

/** `[0x08] msgpack{UserMsgLen} payload` for streams. */
export function encodeUserStream(payload: Uint8Array): Uint8Array {
  const w = new MsgpackWriter(payload.length + 24);
  w.byte(MessageType.User);
  userMsgHeaderCodec.encode(w, { userMsgLen: payload.length });
  w.raw(payload);
  return w.bytes().slice();
}

/** Reads a stream user message body at `r` (just after the 0x08 type byte). */
export function readUserStream(r: MsgpackReader): Uint8Array {
  const { userMsgLen } = userMsgHeaderCodec.decode(r);
  if (userMsgLen < 0 || userMsgLen > MAX_USER_MSG_BYTES) {
    throw new DecodeError('limit', `user message length ${userMsgLen} outside [0, ${MAX_USER_MSG_BYTES}]`);
  }
  if (r.remaining < userMsgLen) {
    throw new DecodeError('truncated', `user message needs ${userMsgLen} bytes, ${r.remaining} left`);
  }
  const payload = r.buf.slice(r.pos, r.pos + userMsgLen);
  r.pos += userMsgLen;
  return payload;
}
