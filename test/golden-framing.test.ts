/**
 * Each framing layer against what Go memberlist's own functions produced
 * (test/golden/framing.json): compound, compress, raw LZW, CRC, labels, AES-GCM, stream frames.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../src/errors.ts';
import { compressMessage } from '../src/wire/compress.ts';
import { decodeCompound, encodeCompound } from '../src/wire/compound.ts';
import { addCrcHeader, removeCrcHeader } from '../src/wire/crc32.ts';
import { addLabelHeader, removeLabelHeader } from '../src/wire/label.ts';
import { lzwCompress, lzwDecompress } from '../src/wire/lzw.ts';
import { decryptPayload, encryptPayload } from '../src/wire/security.ts';
import { hex, toHex } from './support/hex.ts';
import { loadVectors } from './support/vectors.ts';

const { framing: f } = loadVectors<{ framing: any }>('framing.json');
const te = new TextEncoder();

/** The generator's LCG: byte i = (state >> 16) % modulo after state = state*1103515245+12345. */
function generate(g: { seed: number; length: number; modulo: number }): Uint8Array {
  const out = new Uint8Array(g.length);
  let s = g.seed >>> 0;
  for (let i = 0; i < g.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s >>> 16) % g.modulo;
  }
  return out;
}

describe('compound (Go makeCompoundMessage / decodeCompoundMessage)', () => {
  for (const v of f.compound) {
    it(`encodes ${v.name} like Go`, () => {
      expect(toHex(encodeCompound(v.parts.map(hex)))).toBe(v.hex);
    });
  }
  for (const v of f.compoundDecode) {
    it(`decodes ${v.name} like Go`, () => {
      if (v.error !== null) {
        expect(() => decodeCompound(hex(v.hex))).toThrow(DecodeError);
        expect(() => decodeCompound(new Uint8Array([7, ...hex(v.hex)]), 1)).toThrow(DecodeError);
        return;
      }
      const { parts, truncated } = decodeCompound(hex(v.hex));
      expect(parts.map(toHex)).toEqual(v.parts);
      expect(truncated).toBe(v.truncated);
      // The same from a whole message (type byte first), at offset 1, as the packet path splits it.
      const whole = new Uint8Array([7, ...hex(v.hex)]);
      const at1 = decodeCompound(whole, 1);
      expect(at1.parts.map(toHex)).toEqual(v.parts);
      expect(at1.truncated).toBe(v.truncated);
    });
  }
});

describe('compress messages and LZW (Go compress/lzw, LSB, 8-bit literals)', () => {
  for (const v of f.compress) {
    it(`compress message: ${v.name}`, () => {
      expect(toHex(compressMessage(hex(v.input)))).toBe(v.hex);
    });
  }
  for (const v of f.lzw) {
    const label = v.generated ? `${v.generated.length} bytes, modulo ${v.generated.modulo}` : v.name;
    it(`LZW both ways: ${label}`, () => {
      const input = v.generated ? generate(v.generated) : hex(v.input ?? '');
      const out = lzwCompress(input);
      expect(out.length).toBe(v.outputLength);
      expect(createHash('sha256').update(out).digest('hex')).toBe(v.outputSha256);
      if (v.output) expect(toHex(out)).toBe(v.output);
      expect(Buffer.from(lzwDecompress(out)).equals(Buffer.from(input))).toBe(true);
    });
  }
});

describe('CRC and label headers', () => {
  for (const v of f.crc) {
    it(`CRC: ${v.name}`, () => {
      expect(toHex(addCrcHeader(hex(v.payload)))).toBe(v.hex);
      expect(toHex(removeCrcHeader(hex(v.hex)))).toBe(v.payload);
    });
  }
  for (const v of f.label) {
    it(`label: ${v.name}`, () => {
      const label = te.encode(v.label);
      expect(toHex(addLabelHeader(hex(v.payload), label))).toBe(v.hex);
      const { label: got, rest } = removeLabelHeader(hex(v.hex));
      expect(Buffer.from(got).toString()).toBe(v.label);
      expect(toHex(rest)).toBe(v.payload);
    });
  }
});

describe('AES-GCM (Go encryptPayload / decryptPayload)', () => {
  for (const v of f.encrypt) {
    it(`opens Go's ${v.name} and seals identical bytes with its nonce`, () => {
      const sealed = hex(v.hex);
      const key = hex(v.key);
      const aad = hex(v.aad);
      expect(toHex(decryptPayload([key], sealed, aad))).toBe(v.plaintext);
      const nonce = sealed.subarray(1, 13);
      expect(toHex(encryptPayload(v.version, key, hex(v.plaintext), aad, nonce))).toBe(v.hex);
    });
  }
  for (const v of f.decrypt) {
    it(`keyring decrypt: ${v.name}`, () => {
      const run = (): Uint8Array => decryptPayload(v.keys.map(hex), hex(v.hex), hex(v.aad));
      if (v.plaintext === null) expect(run).toThrow(DecodeError);
      else expect(toHex(run())).toBe(v.plaintext);
    });
  }
  for (const v of f.streamFrame) {
    it(`stream frame ${v.name}: header + label are the authenticated data`, () => {
      const frame = hex(v.hex);
      const header = frame.subarray(0, 5);
      const len = new DataView(frame.buffer, frame.byteOffset).getUint32(1);
      expect(frame[0]).toBe(10);
      expect(len).toBe(frame.length - 5);
      const aad = new Uint8Array([...header, ...te.encode(v.label)]);
      const body = frame.subarray(5);
      expect(toHex(decryptPayload([hex(v.key)], body, aad))).toBe(v.plaintext);
      const again = encryptPayload(v.version, hex(v.key), hex(v.plaintext), aad, body.subarray(1, 13));
      expect(toHex(again)).toBe(toHex(body));
    });
  }
});
