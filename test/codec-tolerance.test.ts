/**
 * The decoder accepts everything Go's decoders accept (other msgpack encoders, older memberlist
 * releases) and rejects forged sizes with a typed error before allocating.
 */
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../src/errors.ts';
import { decodeMessage, encodeMessage } from '../src/wire/codec.ts';
import { MAX_PUSH_STATE_BYTES, MAX_PUSH_STATE_NODES, MAX_USER_MSG_BYTES } from '../src/wire/limits.ts';
import { MessageType } from '../src/wire/messages.ts';
import { MsgpackReader } from '../src/wire/msgpack-reader.ts';
import { MsgpackWriter } from '../src/wire/msgpack-writer.ts';
import { decodePushPull } from '../src/wire/push-pull.ts';
import { decodeStreamMessage } from '../src/wire/stream.ts';
import { readUserStream } from '../src/wire/user-message.ts';
import { NO_SECURITY } from '../src/wire/wire-security.ts';
import { hex } from './support/hex.ts';

const te = new TextEncoder();

function withType(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = type;
  out.set(body, 1);
  return out;
}

function expectDecodeError(fn: () => unknown, code: DecodeError['code']): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DecodeError);
  expect((caught as DecodeError).code).toBe(code);
}

describe('decoding what other encoders write', () => {
  it('bin and str8 (as @msgpack/msgpack writes them) decode into bytes and strings', () => {
    const name = 'n'.repeat(100); // str8 in new-spec msgpack
    const body = msgpackEncode({
      Addr: new Uint8Array([10, 0, 0, 1]), // bin8
      Incarnation: 7,
      Meta: new Uint8Array(300), // bin16
      Node: name,
      Port: 7946,
      Vsn: new Uint8Array([1, 5, 2, 0, 0, 0]),
    });
    const alive = decodeMessage(MessageType.Alive, withType(MessageType.Alive, body));
    expect(alive.node).toBe(name);
    expect(alive.addr).toEqual(new Uint8Array([10, 0, 0, 1]));
    expect(alive.meta).toEqual(new Uint8Array(300));
    expect(alive.port).toBe(7946);
  });

  it('unknown keys are skipped, missing keys keep zero values, key order does not matter', () => {
    const body = msgpackEncode({ Future: { nested: [1, 2, { x: 'y' }] }, SeqNo: 4, Extra: 1.5 });
    expect(decodeMessage(MessageType.Ping, withType(MessageType.Ping, body))).toEqual({
      seqNo: 4,
      node: '',
      sourceAddr: null,
      sourcePort: 0,
      sourceNode: '',
    });
  });

  it('any integer width: legacy unsigned forms for int fields, int64 for u32 fields', () => {
    // memberlist <= v0.5.0 wrote Nodes=200 as CC C8 and UserStateLen=300 as CD 01 2C.
    const legacy = hex('0683a44a6f696ec2a54e6f646573ccc8ac5573657253746174654c656ecd012c');
    const w = new MsgpackWriter();
    w.raw(legacy);
    // (the decoder fails later on the missing node states, after reading the header)
    expectDecodeError(() => decodePushPull(w.bytes()), 'truncated');
    const r = new MsgpackReader(legacy, 1);
    r.containerHeader();
    r.skip(); // key Join
    r.skip(); // false
    r.skip(); // key Nodes
    expect(r.integer()).toBe(200);
    const body = msgpackEncode({ SeqNo: BigInt(5) }, { useBigInt64: true, forceIntegerToFloat: false });
    expect(decodeMessage(MessageType.NackResp, withType(MessageType.NackResp, body)).seqNo).toBe(5);
  });

  it('booleans from 0/1 and nil, structs from arrays in declaration order, map16 containers', () => {
    const viaInt = msgpackEncode({ Nack: 1, SeqNo: 2 });
    expect(decodeMessage(MessageType.IndirectPing, withType(1, viaInt)).nack).toBe(true);
    const asArray = msgpackEncode([9, 'n2']); // ping: SeqNo, Node
    expect(decodeMessage(MessageType.Ping, withType(0, asArray))).toMatchObject({ seqNo: 9, node: 'n2' });
    const map16 = hex('de0001a55365714e6f2a');
    expect(decodeMessage(MessageType.NackResp, withType(MessageType.NackResp, map16)).seqNo).toBe(42);
  });

  it('an array of small ints decodes into a byte slice', () => {
    const body = msgpackEncode({ SeqNo: 1, Payload: [1, 2, 3] });
    expect(decodeMessage(MessageType.AckResp, withType(2, body)).payload).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('values that do not fit the Go type are errors', () => {
    expectDecodeError(
      () => decodeMessage(MessageType.NackResp, withType(11, msgpackEncode({ SeqNo: -1 }))),
      'out-of-range',
    );
    expectDecodeError(
      () => decodeMessage(MessageType.NackResp, withType(11, msgpackEncode({ SeqNo: 2 ** 32 }))),
      'out-of-range',
    );
    expectDecodeError(
      () => decodeMessage(MessageType.Alive, withType(4, msgpackEncode({ Port: 70000 }))),
      'out-of-range',
    );
    expectDecodeError(
      () => decodeMessage(MessageType.Alive, withType(4, msgpackEncode({ Node: 5 }))),
      'unexpected-type',
    );
  });

  it('encoding never uses str8 or bin', () => {
    const bytes = encodeMessage(MessageType.Alive, {
      incarnation: 1,
      node: 'x'.repeat(100),
      addr: new Uint8Array(16),
      port: 1,
      meta: new Uint8Array(200),
      vsn: null,
    });
    const r = new MsgpackReader(bytes, 1);
    const { count } = r.containerHeader();
    for (let i = 0; i < count * 2; i++) {
      const b = bytes[r.pos];
      expect([0xd9, 0xc4, 0xc5, 0xc6]).not.toContain(b);
      r.skip();
    }
  });
});

describe('hardening limits, enforced before allocating', () => {
  function pushPullHeader(nodes: number, userStateLen: number): Uint8Array {
    const w = new MsgpackWriter();
    w.byte(MessageType.PushPull);
    w.mapHeader(3);
    w.string('Join');
    w.bool(false);
    w.string('Nodes');
    w.int(nodes);
    w.string('UserStateLen');
    w.int(userStateLen);
    return w.bytes().slice();
  }

  it('push/pull node count above 1 Mi or negative', () => {
    expectDecodeError(() => decodePushPull(pushPullHeader(MAX_PUSH_STATE_NODES + 1, 0)), 'limit');
    expectDecodeError(() => decodePushPull(pushPullHeader(-1, 0)), 'limit');
  });

  it('push/pull node count larger than the bytes present', () => {
    expectDecodeError(() => decodePushPull(pushPullHeader(MAX_PUSH_STATE_NODES, 0)), 'truncated');
  });

  it('push/pull user state above 20 MiB or negative', () => {
    expectDecodeError(() => decodePushPull(pushPullHeader(0, MAX_PUSH_STATE_BYTES + 1)), 'limit');
    expectDecodeError(() => decodePushPull(pushPullHeader(0, -5)), 'limit');
    expectDecodeError(() => decodePushPull(pushPullHeader(0, MAX_PUSH_STATE_BYTES)), 'truncated');
  });

  it('stream user message above 20 MiB', () => {
    const w = new MsgpackWriter();
    w.byte(MessageType.User);
    w.mapHeader(1);
    w.string('UserMsgLen');
    w.int(MAX_USER_MSG_BYTES + 1);
    expectDecodeError(() => readUserStream(new MsgpackReader(w.bytes(), 1)), 'limit');
  });

  it('a str32 claiming 4 GiB, a map32 claiming 4 billion entries', () => {
    expectDecodeError(() => decodeMessage(MessageType.Err, hex('0d81a54572726f72dbffffffff')), 'truncated');
    expectDecodeError(() => decodeMessage(MessageType.Err, hex('0ddfffffffff')), 'truncated');
  });

  it('deeply nested unknown values are refused without recursion', () => {
    const deep = new Uint8Array(10_000).fill(0x91); // fixarray(1) nested 10,000 times
    const body = new Uint8Array([0x0b, 0x81, 0xa1, 0x78, ...deep, 0x01]);
    expectDecodeError(() => decodeMessage(MessageType.NackResp, body), 'malformed');
  });

  it('encrypted stream frame longer than 20 MiB', () => {
    const frame = hex('0a01400001');
    const sec = { ...NO_SECURITY, keys: [new Uint8Array(16)] };
    expectDecodeError(() => decodeStreamMessage(frame, sec, new Uint8Array(0)), 'limit');
  });

  it('plain stream data while encryption is required, and the reverse', () => {
    const sec = { ...NO_SECURITY, keys: [new Uint8Array(16)] };
    expectDecodeError(() => decodeStreamMessage(hex('0b8100'), sec, new Uint8Array(0)), 'not-encrypted');
    expectDecodeError(
      () => decodeStreamMessage(hex('0a00000010'), NO_SECURITY, new Uint8Array(0)),
      'encryption-not-configured',
    );
  });

  it('strings decode as UTF-8 only at the API boundary', () => {
    const name = 'nœud-ü';
    const bytes = encodeMessage(MessageType.Suspect, { incarnation: 1, node: name, from: name });
    expect(decodeMessage(MessageType.Suspect, bytes).node).toBe(name);
    expect(bytes.includes(te.encode(name)[2])).toBe(true);
  });
});
