/**
 * The illustrative byte strings of ../shared/reference/memberlist-wire.md §13.2 (made with Go's
 * go-msgpack v2): every message encodes to exactly these bytes and decodes back.
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../src/wire/codec.ts';
import { MessageType } from '../src/wire/messages.ts';
import { decodePushPull, encodePushPull } from '../src/wire/push-pull.ts';
import { encodeUserPacket, encodeUserStream } from '../src/wire/user-message.ts';
import { hex, toHex } from './support/hex.ts';
import { plainPushPull } from './support/node-fields.ts';

const addr = hex('0a000001');
const vsn = hex('010502000000');

describe('reference vectors', () => {
  const cases = [
    {
      name: 'ping without Source*',
      type: MessageType.Ping,
      body: { seqNo: 1, node: 'n2', sourceAddr: null, sourcePort: 0, sourceNode: '' },
      hex: '0082a44e6f6465a26e32a55365714e6f01',
    },
    {
      name: 'ping with Source*',
      type: MessageType.Ping,
      body: { seqNo: 1, node: 'n2', sourceAddr: addr, sourcePort: 7946, sourceNode: 'n1' },
      hex:
        '0085a44e6f6465a26e32a55365714e6f01aa536f7572636541646472a40a000001' +
        'aa536f757263654e6f6465a26e31aa536f75726365506f7274cd1f0a',
    },
    {
      name: 'indirect ping',
      type: MessageType.IndirectPing,
      body: {
        seqNo: 70000,
        target: addr,
        port: 7946,
        node: 'n3',
        nack: true,
        sourceAddr: addr,
        sourcePort: 7946,
        sourceNode: 'n1',
      },
      hex:
        '0188a44e61636bc3a44e6f6465a26e33a4506f7274cd1f0aa55365714e6fce00011170' +
        'aa536f7572636541646472a40a000001aa536f757263654e6f6465a26e31' +
        'aa536f75726365506f7274cd1f0aa6546172676574a40a000001',
    },
    {
      name: 'ack nil payload',
      type: MessageType.AckResp,
      body: { seqNo: 5, payload: null },
      hex: '0282a75061796c6f6164c0a55365714e6f05',
    },
    {
      name: 'ack empty payload',
      type: MessageType.AckResp,
      body: { seqNo: 5, payload: new Uint8Array(0) },
      hex: '0282a75061796c6f6164a0a55365714e6f05',
    },
    { name: 'nack', type: MessageType.NackResp, body: { seqNo: 9 }, hex: '0b81a55365714e6f09' },
    { name: 'err', type: MessageType.Err, body: { error: 'boom' }, hex: '0d81a54572726f72a4626f6f6d' },
    {
      name: 'suspect',
      type: MessageType.Suspect,
      body: { incarnation: 2, node: 'n2', from: 'n1' },
      hex: '0383a446726f6da26e31ab496e6361726e6174696f6e02a44e6f6465a26e32',
    },
    {
      name: 'dead (leave)',
      type: MessageType.Dead,
      body: { incarnation: 3, node: 'n1', from: 'n1' },
      hex: '0583a446726f6da26e31ab496e6361726e6174696f6e03a44e6f6465a26e31',
    },
    {
      name: 'alive IPv4, nil meta',
      type: MessageType.Alive,
      body: { incarnation: 1, node: 'n1', addr, port: 7946, meta: null, vsn },
      hex:
        '0486a441646472a40a000001ab496e6361726e6174696f6e01a44d657461c0a44e6f6465a26e31' +
        'a4506f7274cd1f0aa356736ea6010502000000',
    },
    {
      name: 'alive IPv4-mapped, meta "m"',
      type: MessageType.Alive,
      body: {
        incarnation: 1,
        node: 'n1',
        addr: hex('00000000000000000000ffff0a000001'),
        port: 7946,
        meta: new TextEncoder().encode('m'),
        vsn,
      },
      hex:
        '0486a441646472b000000000000000000000ffff0a000001ab496e6361726e6174696f6e01' +
        'a44d657461a16da44e6f6465a26e31a4506f7274cd1f0aa356736ea6010502000000',
    },
  ] as const;

  for (const c of cases) {
    it(`${c.name}: encodes to Go's bytes and decodes back`, () => {
      const bytes = encodeMessage(c.type, c.body as never);
      expect(toHex(bytes)).toBe(c.hex);
      expect(decodeMessage(c.type, bytes)).toEqual(c.body);
    });
  }

  it('a 40-byte node name is str16, not str8', () => {
    const name = 'x'.repeat(40);
    const bytes = encodeMessage(MessageType.Suspect, { incarnation: 2, node: name, from: 'n1' });
    expect(toHex(bytes)).toContain(`a44e6f6465da0028${'78'.repeat(40)}`);
  });

  it('push/pull with signed int families and a node state', () => {
    const pp = {
      join: true,
      nodes: [{ name: 'n1', addr, port: 7946, meta: null, incarnation: 1, state: 0, vsn }],
      userState: new TextEncoder().encode('abc'),
    };
    const bytes = encodePushPull(pp);
    expect(toHex(bytes)).toBe(
      '0683a44a6f696ec3a54e6f64657301ac5573657253746174654c656e03' +
        '87a441646472a40a000001ab496e6361726e6174696f6e01a44d657461c0a44e616d65a26e31' +
        'a4506f7274cd1f0aa5537461746500a356736ea6010502000000616263',
    );
    expect(plainPushPull(decodePushPull(bytes))).toEqual(pp);
  });

  it('push/pull header ints >= 128 use int16/int32', () => {
    const big = encodePushPull({ join: false, nodes: [], userState: new Uint8Array(70000) });
    expect(toHex(big.subarray(0, 33))).toBe('0683a44a6f696ec2a54e6f64657300ac5573657253746174654c656ed200011170');
  });

  it('user messages on packets and streams', () => {
    const hello = new TextEncoder().encode('hello');
    expect(toHex(encodeUserPacket(hello))).toBe('0868656c6c6f');
    expect(toHex(encodeUserStream(hello))).toBe('0881aa557365724d73674c656e0568656c6c6f');
    expect(toHex(encodeUserStream(new Uint8Array(1000)).subarray(0, 16))).toBe('0881aa557365724d73674c656ed103e8');
  });
});
