/**
 * Property-based fuzzing of every decoder of remote input: random bytes and mutations of valid
 * messages must either decode or throw DecodeError — never another exception, never a hang.
 * FUZZ_RUNS=N raises the number of cases (default 10,000 per property).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { NodeState } from '../src/core/node-state.ts';
import { decodeAnyMessage, encodeMessage } from '../src/wire/codec.ts';
import { compressMessage, decompressMessage } from '../src/wire/compress.ts';
import { decodeCompound, encodeCompound } from '../src/wire/compound.ts';
import { addCrcHeader, removeCrcHeader } from '../src/wire/crc32.ts';
import { removeLabelHeader } from '../src/wire/label.ts';
import { lzwCompress, lzwDecompress } from '../src/wire/lzw.ts';
import { MessageType, type NodeStateCode } from '../src/wire/messages.ts';
import { MsgpackReader } from '../src/wire/msgpack-reader.ts';
import { decodePacket, encodePacket, expandPayload } from '../src/wire/packet.ts';
import { decodePushPull, encodePushPull } from '../src/wire/push-pull.ts';
import { adoptPushState } from '../src/wire/push-state-cache.ts';
import { decryptPayload } from '../src/wire/security.ts';
import { decodeStreamMessage, encodeStreamMessage, readStreamLabel } from '../src/wire/stream.ts';
import { encodeUserStream, readUserStream } from '../src/wire/user-message.ts';
import { NO_SECURITY, type WireSecurity } from '../src/wire/wire-security.ts';
import { FUZZ_RUNS, mutationsOf, onlyDecodeErrors, randomBytes } from './support/fuzz.ts';

const te = new TextEncoder();
const key16 = new Uint8Array(16).fill(7);
const key32 = new Uint8Array(32).fill(9);
const secure: WireSecurity = {
  ...NO_SECURITY,
  label: te.encode('prod'),
  keys: [key16, key32],
};
const secureV0: WireSecurity = { ...secure, encryptionVersion: 0 };
const lenient: WireSecurity = { ...secure, verifyIncoming: false };

const addr = new Uint8Array([127, 0, 0, 1]);
const vsn = new Uint8Array([1, 5, 2, 0, 0, 0]);
const alive = encodeMessage(MessageType.Alive, {
  incarnation: 3,
  node: 'node-1',
  addr,
  port: 7946,
  meta: te.encode('meta'),
  vsn,
});
const ping = encodeMessage(MessageType.Ping, {
  seqNo: 12,
  node: 'node-2',
  sourceAddr: addr,
  sourcePort: 7946,
  sourceNode: 'node-1',
});
const pushPull = encodePushPull({
  join: true,
  nodes: [
    { name: 'a', addr, port: 1, meta: null, incarnation: 1, state: 0, vsn },
    { name: 'b', addr, port: 2, meta: te.encode('x'), incarnation: 9, state: 3, vsn },
  ],
  userState: te.encode('user state'),
});
// The seed state's members held by the push/pull cache as a core's merge leaves them (their
// records), so that mutated states also go through its matcher (push-state-cache.ts).
for (const n of decodePushPull(pushPull).nodes) {
  const rec = new NodeState(n.name, n.addr ?? new Uint8Array(0), n.port, n.meta, n.incarnation, 0, 0, n.vsn ?? vsn);
  rec.state = n.state as NodeStateCode;
  adoptPushState(rec);
}
const compound = encodeCompound([ping, alive, alive]);

/** Valid inputs per decoder; mutations of these are fuzzed too. */
const seeds: Record<string, Uint8Array[]> = {
  message: [
    alive,
    ping,
    encodeMessage(MessageType.IndirectPing, {
      seqNo: 1,
      target: addr,
      port: 2,
      node: 'n',
      nack: true,
      sourceAddr: null,
      sourcePort: 0,
      sourceNode: '',
    }),
  ],
  pushPull: [pushPull],
  userStream: [encodeUserStream(te.encode('hello'))],
  compound: [compound.subarray(1)],
  compress: [compressMessage(compound)],
  lzw: [lzwCompress(compound), lzwCompress(new Uint8Array(5000).fill(3))],
  crc: [addCrcHeader(alive)],
  packetPlain: [encodePacket(compound, { compress: true, crc: true }, NO_SECURITY)],
  packetSecure: [
    encodePacket(compound, { compress: false, crc: true }, secure),
    encodePacket(ping, { compress: true, crc: false }, secureV0),
  ],
  streamPlain: [encodeStreamMessage(pushPull, { compress: true }, NO_SECURITY), pushPull],
  streamSecure: [encodeStreamMessage(pushPull, { compress: true }, secure)],
};

interface Target {
  name: string;
  decode: (b: Uint8Array) => unknown;
  seeds: Uint8Array[];
  /** Fixed first byte prepended to random input (to reach past the type dispatch). */
  prefix?: number;
}

function withPrefix(prefix: number | undefined, b: Uint8Array): Uint8Array {
  if (prefix === undefined) return b;
  const out = new Uint8Array(b.length + 1);
  out[0] = prefix;
  out.set(b, 1);
  return out;
}

const structTypes = [
  MessageType.Ping,
  MessageType.IndirectPing,
  MessageType.AckResp,
  MessageType.Suspect,
  MessageType.Alive,
  MessageType.Dead,
  MessageType.Compress,
  MessageType.NackResp,
  MessageType.Err,
];

const targets: Target[] = [
  ...structTypes.map((t) => ({
    name: `message type ${t}`,
    decode: decodeAnyMessage,
    seeds: seeds.message.filter((s) => s[0] === t),
    prefix: t,
  })),
  { name: 'push/pull', decode: decodePushPull, seeds: seeds.pushPull, prefix: MessageType.PushPull },
  {
    name: 'stream user message',
    decode: (b) => readUserStream(new MsgpackReader(b, 1)),
    seeds: seeds.userStream,
    prefix: MessageType.User,
  },
  { name: 'compound', decode: decodeCompound, seeds: seeds.compound },
  { name: 'compress message', decode: decompressMessage, seeds: seeds.compress, prefix: MessageType.Compress },
  { name: 'lzw', decode: (b) => lzwDecompress(b), seeds: seeds.lzw },
  { name: 'crc header', decode: removeCrcHeader, seeds: seeds.crc, prefix: MessageType.HasCrc },
  { name: 'label header', decode: removeLabelHeader, seeds: seeds.packetSecure, prefix: MessageType.HasLabel },
  { name: 'decrypt', decode: (b) => decryptPayload([key16, key32], b, te.encode('prod')), seeds: [] },
  {
    name: 'packet (plain)',
    decode: (b) => expandPayload(decodePacket(b, NO_SECURITY)),
    seeds: seeds.packetPlain,
  },
  {
    name: 'packet (encrypted, labeled)',
    decode: (b) => expandPayload(decodePacket(b, secure)),
    seeds: seeds.packetSecure,
  },
  {
    name: 'packet (encrypted, verify-incoming off)',
    decode: (b) => expandPayload(decodePacket(b, lenient)),
    seeds: [...seeds.packetSecure, ...seeds.packetPlain],
  },
  { name: 'payload expansion', decode: expandPayload, seeds: [compound, seeds.compress[0]] },
  {
    name: 'stream (plain)',
    decode: (b) => decodeStreamMessage(b, NO_SECURITY, new Uint8Array(0)),
    seeds: seeds.streamPlain,
  },
  {
    name: 'stream (encrypted)',
    decode: (b) => decodeStreamMessage(b, secure, secure.label),
    seeds: seeds.streamSecure,
  },
  { name: 'stream label', decode: (b) => readStreamLabel(b, secure), seeds: [], prefix: MessageType.HasLabel },
];

describe('fuzzing: decoders throw only DecodeError', () => {
  for (const t of targets) {
    it(`${t.name}: random input`, () => {
      fc.assert(
        fc.property(randomBytes, (b) => onlyDecodeErrors(() => t.decode(withPrefix(t.prefix, b)))),
        { numRuns: FUZZ_RUNS },
      );
    });
    if (t.seeds.length > 0) {
      it(`${t.name}: mutated valid input`, () => {
        const arb = fc.oneof(...t.seeds.map((s) => mutationsOf(s)));
        fc.assert(
          fc.property(arb, (b) => onlyDecodeErrors(() => t.decode(b))),
          { numRuns: FUZZ_RUNS },
        );
      });
    }
  }
});

describe('fuzzing encrypted input with random keys, nonces and tags', () => {
  const keyArb = fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
  const keyringArb = fc.array(keyArb, { minLength: 1, maxLength: 3 });
  const sealedArb = fc
    .tuple(
      fc.constantFrom(0, 1, 2, 255),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
    )
    .map(([v, nonce, ct, tag]) => new Uint8Array([v, ...nonce, ...ct, ...tag]));

  it('encrypted packets: only DecodeError', () => {
    fc.assert(
      fc.property(keyringArb, sealedArb, fc.boolean(), (keys, sealed, labeled) => {
        const sec: WireSecurity = { ...NO_SECURITY, keys, label: labeled ? te.encode('prod') : new Uint8Array(0) };
        const datagram = labeled ? new Uint8Array([MessageType.HasLabel, 4, ...te.encode('prod'), ...sealed]) : sealed;
        return onlyDecodeErrors(() => expandPayload(decodePacket(datagram, sec)));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('encrypted stream frames: only DecodeError', () => {
    fc.assert(
      fc.property(keyringArb, sealedArb, fc.integer({ min: -8, max: 8 }), (keys, sealed, skew) => {
        const sec: WireSecurity = { ...NO_SECURITY, keys };
        const frame = new Uint8Array(5 + sealed.length);
        frame[0] = MessageType.Encrypt;
        new DataView(frame.buffer).setUint32(1, Math.max(0, sealed.length + skew));
        frame.set(sealed, 5);
        return onlyDecodeErrors(() => decodeStreamMessage(frame, sec, new Uint8Array(0)));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('valid ciphertext under a key we hold, with random plaintext inside: only DecodeError', () => {
    fc.assert(
      fc.property(keyArb, fc.constantFrom(0, 1), fc.uint8Array({ maxLength: 300 }), (key, v, plain) => {
        const sec: WireSecurity = { ...NO_SECURITY, keys: [key], encryptionVersion: v as 0 | 1 };
        const packet = encodePacket(plain, { compress: false, crc: false }, sec);
        const stream = encodeStreamMessage(plain, { compress: false }, sec);
        return (
          onlyDecodeErrors(() => expandPayload(decodePacket(packet, sec))) &&
          onlyDecodeErrors(() => decodeStreamMessage(stream, sec, new Uint8Array(0)))
        );
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
