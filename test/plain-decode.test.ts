/**
 * The package's push/pull decoders hand back node states as plain objects: all seven fields are
 * own properties, so spreading, JSON and toEqual see them (the internal decoders return member
 * records whose address and metadata are accessors).
 */
import { describe, expect, it } from 'vitest';
import { decodePushPull, decodeStreamMessage, encodePushPull, MessageType } from '../src/index.ts';
import type { PushNodeState } from '../src/wire/messages.ts';
import type { WireSecurity } from '../src/wire/wire-security.ts';

const node: PushNodeState = {
  name: 'n1',
  addr: new Uint8Array([127, 0, 0, 1]),
  port: 7946,
  meta: new Uint8Array([1, 2, 3]),
  incarnation: 4,
  state: 0,
  vsn: new Uint8Array([1, 5, 5, 2, 5, 4]),
};

describe('public push/pull decoders', () => {
  const msg = encodePushPull({ join: false, nodes: [node], userState: new Uint8Array(0) });

  it('decodePushPull gives node states whose fields are own properties', () => {
    const [n] = decodePushPull(msg).nodes;
    expect({ ...n }).toEqual(node);
    expect(Object.keys(n).sort()).toEqual(Object.keys(node).sort());
    expect(JSON.parse(JSON.stringify(n)).addr).toEqual({ 0: 127, 1: 0, 2: 0, 3: 1 });
  });

  it('decodeStreamMessage does the same for a push/pull', () => {
    const sec: WireSecurity = {
      label: new Uint8Array(0),
      keys: [],
      encryptionVersion: 1,
      verifyOutgoing: true,
      verifyIncoming: true,
      skipInboundLabelCheck: false,
    };
    const { message, consumed } = decodeStreamMessage(msg, sec, new Uint8Array(0));
    expect(consumed).toBe(msg.length);
    expect(message.type).toBe(MessageType.PushPull);
    if (message.type !== MessageType.PushPull) return;
    expect({ ...message.pushPull.nodes[0] }).toEqual(node);
  });
});
