/**
 * The push/pull message (type 6, streams only): a header, `Nodes` node states and `UserStateLen`
 * raw bytes of delegate state, concatenated with no other framing. Counts and lengths from the
 * header are checked against the hardening limits and the bytes present before any allocation.
 */
import { DecodeError } from '../errors.ts';
import { MAX_PUSH_STATE_BYTES, MAX_PUSH_STATE_NODES } from './limits.ts';
import { MessageType, type PushNodeState, pushNodeStateCodec, pushPullHeaderCodec } from './messages.ts';
import { MsgpackReader } from './msgpack-reader.ts';
import { MsgpackWriter } from './msgpack-writer.ts';

export interface PushPull {
  join: boolean;
  nodes: PushNodeState[];
  /** Delegate state (`LocalState`); empty when there is none. */
  userState: Uint8Array;
}

/** Encodes `[0x06] header nodes… userState`. */
export function encodePushPull(pp: PushPull): Uint8Array {
  const w = new MsgpackWriter(64 + pp.nodes.length * 96 + pp.userState.length);
  w.byte(MessageType.PushPull);
  pushPullHeaderCodec.encode(w, { nodes: pp.nodes.length, userStateLen: pp.userState.length, join: pp.join });
  for (const n of pp.nodes) pushNodeStateCodec.encode(w, n);
  w.raw(pp.userState);
  return w.bytes().slice();
}

/**
 * Reads a push/pull body at `r` (just after the 0x06 type byte). Trailing bytes after the user
 * state are left unread, as Go leaves them.
 */
export function readPushPull(r: MsgpackReader): PushPull {
  const header = pushPullHeaderCodec.decode(r);
  if (header.nodes < 0 || header.nodes > MAX_PUSH_STATE_NODES) {
    throw new DecodeError('limit', `push/pull node count ${header.nodes} outside [0, ${MAX_PUSH_STATE_NODES}]`);
  }
  if (header.userStateLen < 0 || header.userStateLen > MAX_PUSH_STATE_BYTES) {
    throw new DecodeError(
      'limit',
      `push/pull user state length ${header.userStateLen} outside [0, ${MAX_PUSH_STATE_BYTES}]`,
    );
  }
  // Every node state takes at least one byte: a count above the bytes left is a lie.
  if (header.nodes > r.remaining) {
    throw new DecodeError('truncated', `push/pull claims ${header.nodes} nodes in ${r.remaining} bytes`);
  }
  const nodes: PushNodeState[] = new Array(header.nodes);
  for (let i = 0; i < header.nodes; i++) nodes[i] = pushNodeStateCodec.decode(r);
  if (r.remaining < header.userStateLen) {
    throw new DecodeError('truncated', `push/pull user state needs ${header.userStateLen} bytes, ${r.remaining} left`);
  }
  const userState = r.buf.slice(r.pos, r.pos + header.userStateLen);
  r.pos += header.userStateLen;
  return { join: header.join, nodes, userState };
}

/** Decodes a whole push/pull message (starting with 0x06). */
export function decodePushPull(msg: Uint8Array): PushPull {
  if (msg.length === 0 || msg[0] !== MessageType.PushPull) {
    throw new DecodeError('unexpected-type', 'not a push/pull message');
  }
  return readPushPull(new MsgpackReader(msg, 1));
}
