/**
 * Everything real Go memberlist nodes sent in the scripted scenario (test/golden/traffic.json),
 * under every configuration: we peel the same layers Go's receiver peels, find the same messages
 * with the same fields, and rebuilding the bytes with our encoders gives Go's bytes exactly
 * (encryption re-done with the nonce Go chose).
 */
import { describe, expect, it } from 'vitest';
import { compressMessage, decompressMessage } from '../src/wire/compress.ts';
import { encodeCompound } from '../src/wire/compound.ts';
import { addLabelHeader } from '../src/wire/label.ts';
import { MessageType } from '../src/wire/messages.ts';
import { MsgpackReader } from '../src/wire/msgpack-reader.ts';
import { decodePacket, encodePacket, expandPayload } from '../src/wire/packet.ts';
import { encodePushPull } from '../src/wire/push-pull.ts';
import { decryptPayload, encryptPayload } from '../src/wire/security.ts';
import { decodeStreamMessage, readStreamLabel } from '../src/wire/stream.ts';
import { encodeUserStream } from '../src/wire/user-message.ts';
import { NO_SECURITY } from '../src/wire/wire-security.ts';
import { codecsByName } from '../src/wire/messages.ts';
import { hex, toHex } from './support/hex.ts';
import { fromGoFields, loadVectors, securityOf } from './support/vectors.ts';
import { nodeFields } from './support/node-fields.ts';

const te = new TextEncoder();
const { records } = loadVectors<{ records: any[] }>('traffic.json');

/** Our decoding of one leaf message must equal Go's, and re-encode to its bytes. */
function checkMessage(bytes: Uint8Array, goMsg: any): void {
  expect(toHex(bytes)).toBe(goMsg.hex);
  expect(bytes[0]).toBe(goMsg.type);
  if (goMsg.type === MessageType.User) {
    expect(toHex(bytes.subarray(1))).toBe(goMsg.payload);
    return;
  }
  const codec = codecsByName[goMsg.typeName];
  const body = codec.decode(new MsgpackReader(bytes, 1));
  expect(body).toEqual(fromGoFields(codec, goMsg.fields));
}

describe('traffic of real Go memberlist nodes', () => {
  it('covers every message type memberlist sends in a running cluster', () => {
    const packetTypes = new Set(
      records.filter((r) => r.channel === 'packet').flatMap((r) => r.decoded.messages.map((m: any) => m.typeName)),
    );
    for (const t of ['ping', 'indirectPing', 'ack', 'nack', 'suspect', 'alive', 'dead', 'user']) {
      expect(packetTypes).toContain(t);
    }
    const streamTypes = new Set(
      records.filter((r) => r.channel === 'stream').map((r) => r.decoded.messages[0].typeName),
    );
    for (const t of ['pushPull', 'user', 'ping', 'ack']) expect(streamTypes).toContain(t);
    const configs = new Set(records.map((r) => r.config.name));
    expect(configs.size).toBeGreaterThanOrEqual(12);
  });

  for (const [i, r] of records.entries()) {
    it(`${r.config.name} #${i} ${r.kind}`, () => {
      const sec = securityOf(r.config);
      const wire = hex(r.hex);
      const d = r.decoded;
      if (r.channel === 'packet') {
        const payload = decodePacket(wire, sec);
        const { messages, errors } = expandPayload(payload);
        expect(errors).toEqual([]);
        expect(messages.length).toBe(d.messages.length);
        messages.forEach((m, j) => checkMessage(m, d.messages[j]));
        // Rebuild: compound → compress (if smaller) → CRC, then the same encryption and label.
        const plain = hex(d.plaintext);
        if (d.compound) expect(toHex(encodeCompound(messages))).toBe(d.plaintext);
        const inner = encodePacket(plain, { compress: r.config.compression, crc: d.crc }, NO_SECURITY);
        let rebuilt = inner;
        if (d.encrypted !== null) {
          const sealedAt = d.label === null ? 0 : 2 + te.encode(d.label).length;
          const sealed = wire.subarray(sealedAt);
          expect(toHex(decryptPayload(sec.keys, sealed, sec.label))).toBe(toHex(inner));
          rebuilt = encryptPayload(
            d.encrypted.version,
            sec.keys[d.encrypted.keyIndex],
            inner,
            sec.label,
            sealed.subarray(1, 13),
          );
        }
        expect(toHex(addLabelHeader(rebuilt, sec.label))).toBe(r.hex);
        return;
      }
      // Streams: only the dialer's request starts with the label header.
      const { label, consumed } = r.dir === 'request' ? readStreamLabel(wire, sec) : { label: sec.label, consumed: 0 };
      const { message } = decodeStreamMessage(wire.subarray(consumed), sec, label);
      const goMsg = d.messages[0];
      expect(message.type).toBe(goMsg.type);
      let plain: Uint8Array;
      switch (message.type) {
        case MessageType.PushPull: {
          const pp = message.pushPull;
          expect(pp.join).toBe(goMsg.header.Join);
          expect(pp.nodes.map(nodeFields)).toEqual(
            goMsg.nodes.map((n: any) => fromGoFields(codecsByName.pushNodeState, n)),
          );
          expect(toHex(pp.userState)).toBe(goMsg.userState);
          plain = encodePushPull(pp);
          break;
        }
        case MessageType.User:
          expect(toHex(message.payload)).toBe(goMsg.payload);
          plain = encodeUserStream(message.payload);
          break;
        case MessageType.Ping:
          expect(message.ping).toEqual(fromGoFields(codecsByName.ping, goMsg.fields));
          plain = hex(goMsg.hex);
          break;
        case MessageType.AckResp:
          expect(message.ack).toEqual(fromGoFields(codecsByName.ack, goMsg.fields));
          plain = hex(goMsg.hex);
          break;
        default:
          throw new Error(`unexpected stream message ${message.type}`);
      }
      expect(toHex(plain)).toBe(d.plaintext);
      const wrapped = d.compressed ? compressMessage(plain) : plain;
      if (d.compressed) expect(toHex(decompressMessage(wrapped))).toBe(d.plaintext);
      const body = wire.subarray(consumed);
      if (d.encrypted === null) {
        expect(toHex(wrapped)).toBe(toHex(body));
      } else {
        const aad = new Uint8Array([...body.subarray(0, 5), ...label]);
        const sealed = body.subarray(5);
        const again = encryptPayload(
          d.encrypted.version,
          sec.keys[d.encrypted.keyIndex],
          wrapped,
          aad,
          sealed.subarray(1, 13),
        );
        expect(toHex(again)).toBe(toHex(sealed));
      }
    });
  }
});
