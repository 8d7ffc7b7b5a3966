/**
 * The sliced codecs a node uses to spread a large push/pull over several event-loop turns give
 * exactly the bytes and values of the whole-message codecs, and the same errors; the name cache
 * hands back equal strings (the same string for the same bytes).
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../src/errors.ts';
import { LzwDecoder, lzwCompress, lzwCompressor, lzwDecompress } from '../src/wire/lzw.ts';
import { compressMessage } from '../src/wire/compress.ts';
import { MessageType, NodeStateCode, type PushNodeState } from '../src/wire/messages.ts';
import { MsgpackReader } from '../src/wire/msgpack-reader.ts';
import { PushPullReader, PushPullWriter, decodePushPull, encodePushPull } from '../src/wire/push-pull.ts';
import { type DeferredStreamBody, decodeStreamMessage, deferredBodyDecoder } from '../src/wire/stream.ts';
import { internAscii } from '../src/wire/string-intern.ts';
import { NO_SECURITY } from '../src/wire/wire-security.ts';
import { plainPushPull } from './support/node-fields.ts';

function state(n: number): Uint8Array {
  const nodes: PushNodeState[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push({
      name: `node-${i}.dc1`,
      addr: new Uint8Array([10, 0, i >> 8, i & 0xff]),
      port: 7946,
      meta: i % 3 === 0 ? null : new TextEncoder().encode(`role=r${i % 7}`),
      incarnation: i,
      state: i % 4 === 0 ? NodeStateCode.Suspect : NodeStateCode.Alive,
      vsn: new Uint8Array([1, 5, 2, 0, 0, 0]),
    });
  }
  return encodePushPull({ join: true, nodes, userState: new Uint8Array([1, 2, 3]) });
}

function expectCode(fn: () => unknown, code: DecodeError['code']): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).code).toBe(code);
    return;
  }
  throw new Error('no error');
}

describe('sliced codecs', () => {
  const msg = state(3000);

  it('LZW in slices gives the bytes of LZW at once, both ways', () => {
    for (const input of [new Uint8Array(0), new Uint8Array([7]), msg]) {
      const c = lzwCompressor(input);
      let out: Uint8Array | undefined;
      while ((out = c.step(1000)) === undefined);
      expect(Buffer.from(out).equals(Buffer.from(lzwCompress(input)))).toBe(true);
      const d = new LzwDecoder(out);
      let back: Uint8Array | undefined;
      while ((back = d.step(777)) === undefined);
      expect(Buffer.from(back).equals(Buffer.from(input))).toBe(true);
      expect(Buffer.from(lzwDecompress(out)).equals(Buffer.from(input))).toBe(true);
    }
  });

  it('push/pull written and read in slices equals the whole-message codec', () => {
    const whole = decodePushPull(msg);
    const w = new PushPullWriter(whole.nodes, whole.join, whole.userState);
    while (!w.write(7));
    expect(Buffer.from(w.finish()).equals(Buffer.from(msg))).toBe(true);
    const r = new PushPullReader(new MsgpackReader(msg, 1));
    while (!r.read(100));
    expect(plainPushPull(r.finish())).toEqual(plainPushPull(whole));
  });

  it('a large compressed stream message decoded later, in slices, equals it decoded at once', () => {
    const wire = compressMessage(msg);
    const deferred = decodeStreamMessage(wire, NO_SECURITY, NO_SECURITY.label, true).message;
    expect(deferred.type).toBe(MessageType.Compress);
    const d = deferredBodyDecoder(deferred as DeferredStreamBody, { bytes: 4096, nodes: 64 });
    let steps = 0;
    let out;
    while ((out = d.step()) === undefined) steps++;
    expect(steps).toBeGreaterThan(10);
    const atOnce = decodeStreamMessage(wire, NO_SECURITY, NO_SECURITY.label).message;
    expect(out?.type).toBe(MessageType.PushPull);
    expect(atOnce.type).toBe(MessageType.PushPull);
    if (out?.type === MessageType.PushPull && atOnce.type === MessageType.PushPull)
      expect(plainPushPull(out.pushPull)).toEqual(plainPushPull(atOnce.pushPull));
  });

  it('a small compressed message is decoded at once even when deferring', () => {
    const wire = compressMessage(state(3));
    expect(decodeStreamMessage(wire, NO_SECURITY, NO_SECURITY.label, true).message.type).toBe(MessageType.PushPull);
  });

  it('corrupt compressed data found later is malformed, never truncated', () => {
    const good = compressMessage(msg);
    // Cut the LZW data short inside a well-formed compress message: rebuild it with half the bytes.
    const lzw = lzwCompress(msg);
    const cut = compressedWith(lzw.subarray(0, lzw.length >> 1));
    expect(good.length).toBeGreaterThan(cut.length);
    const deferred = decodeStreamMessage(cut, NO_SECURITY, NO_SECURITY.label, true).message;
    const d = deferredBodyDecoder(deferred as DeferredStreamBody, { bytes: 1 << 20, nodes: 1 << 20 });
    expectCode(() => {
      while (d.step() === undefined);
    }, 'malformed');
  });
});

/** A compress message (type 9) around raw LZW bytes. */
function compressedWith(lzw: Uint8Array): Uint8Array {
  // {"Algo": 0, "Buf": bin32} as memberlist writes it: fixmap(2), keys sorted.
  const head = [0x09, 0x82, 0xa4, ...Buffer.from('Algo'), 0x00, 0xa3, ...Buffer.from('Buf'), 0xc6];
  const out = new Uint8Array(head.length + 4 + lzw.length);
  out.set(head);
  new DataView(out.buffer).setUint32(head.length, lzw.length);
  out.set(lzw, head.length + 4);
  return out;
}

describe('the name cache', () => {
  it('returns the same string for the same bytes, and only caches short ASCII', () => {
    const b = new TextEncoder().encode('xx node-1 node-1 né');
    const a1 = internAscii(b, 3, 6);
    const a2 = internAscii(b, 10, 6);
    expect(a1).toBe('node-1');
    expect(a2).toBe(a1);
    expect(internAscii(b, 17, 3)).toBeUndefined(); // not ASCII: the caller decodes UTF-8
    expect(internAscii(new Uint8Array(200).fill(65), 0, 200)).toBeUndefined();
    expect(internAscii(b, 0, 0)).toBe('');
  });

  it('keeps every string right while it grows and evicts', () => {
    const enc = new TextEncoder();
    let wrong = 0;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 70_000; i++) {
        const s = `member-${i}`;
        const bytes = enc.encode(s);
        if (internAscii(bytes, 0, bytes.length) !== s) wrong++;
      }
    }
    expect(wrong).toBe(0);
  });
});
