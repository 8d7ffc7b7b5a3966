/**
 * The public decoders of push/pull state (`decodePushPull`, `decodeStreamMessage` as exported by
 * the package): the same decoding as the internal ones, with every node state handed back as a
 * plain object. Internally a node state read in Go's layout is a member record whose address and
 * metadata are accessors over held bytes (go-node-state.ts); a user who spreads, serialises or
 * compares a decoded node state should see all seven fields as its own properties.
 */
import type { PushNodeState } from './messages.ts';
import { MessageType } from './messages.ts';
import { type PushPull, decodePushPull as decodePushPullRecords } from './push-pull.ts';
import type { WireSecurity } from './wire-security.ts';
import { type DecodedStreamMessage, decodeStreamMessage as decodeStreamRecords } from './stream.ts';

/** `n` with its seven fields as own properties (the byte fields are read-only shared views). */
export function plainNodeState(n: PushNodeState): PushNodeState {
  return {
    name: n.name,
    addr: n.addr,
    port: n.port,
    meta: n.meta,
    incarnation: n.incarnation,
    state: n.state,
    vsn: n.vsn,
  };
}

/** `pp` with its node states as plain objects (`plainNodeState`). */
export function plainPushPull(pp: PushPull): PushPull {
  return { join: pp.join, nodes: pp.nodes.map(plainNodeState), userState: pp.userState };
}

/** Decodes a push/pull message (`[0x06] header nodes… userState`); node states as plain objects. */
export function decodePushPull(msg: Uint8Array): PushPull {
  return plainPushPull(decodePushPullRecords(msg));
}

/**
 * Decodes one stream message starting at `buf[0]` (after any label header); a push/pull's node
 * states as plain objects.
 */
export function decodeStreamMessage(buf: Uint8Array, sec: WireSecurity, label: Uint8Array): DecodedStreamMessage {
  const d = decodeStreamRecords(buf, sec, label);
  const m = d.message;
  if (m.type !== MessageType.PushPull) return d;
  return { message: { type: m.type, pushPull: plainPushPull(m.pushPull) }, consumed: d.consumed };
}
