/**
 * LZW both ways against Go's compress/lzw in a real Go process (interop/bin/golzw): Go
 * decompresses what we compress, we decompress what Go compresses, and our output equals Go's,
 * for inputs from 0 bytes to over 1 MiB, including inputs that fill the code table many times.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lzwCompress, lzwDecompress } from '../src/wire/lzw.ts';
import { interopBin } from './support/interop.ts';

let proc: ChildProcess;
let pending: Buffer = Buffer.alloc(0);
let waiting: ((b: Buffer) => void) | undefined;

function pump(): void {
  if (waiting === undefined || pending.length < 5) return;
  const len = pending.readUInt32BE(1);
  if (pending.length < 5 + len) return;
  const frame = pending.subarray(0, 5 + len);
  pending = pending.subarray(5 + len);
  const w = waiting;
  waiting = undefined;
  w(frame);
}

/** One request to the Go process ('c' compress / 'd' decompress). */
function go(op: 'c' | 'd', data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    waiting = (frame) => {
      const body = frame.subarray(5);
      if (frame[0] !== 0) reject(new Error(`go lzw: ${body.toString()}`));
      else resolve(new Uint8Array(body));
    };
    const hdr = Buffer.alloc(5);
    hdr[0] = op.charCodeAt(0);
    hdr.writeUInt32BE(data.length, 1);
    proc.stdin!.write(hdr);
    proc.stdin!.write(data);
    pump();
  });
}

beforeAll(() => {
  proc = spawn(interopBin('golzw'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
  proc.stdout!.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    pump();
  });
});

afterAll(() => {
  proc.stdin!.end();
});

function lcg(seed: number, n: number, modulo: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s >>> 16) % modulo;
  }
  return out;
}

const inputs: [string, Uint8Array][] = [
  ['0 bytes', new Uint8Array(0)],
  ['1 byte', new Uint8Array([0x61])],
  ['small text', new TextEncoder().encode('memberlist gossip over LZW')],
  ['4 KiB repetitive', new Uint8Array(4096).map((_, i) => i % 13)],
  ['64 KiB random (12-bit codes, table resets)', lcg(11, 65536, 256)],
  ['1 MiB random', lcg(12, 1 << 20, 256)],
  ['1 MiB + 3 low entropy', lcg(13, (1 << 20) + 3, 5)],
  ['2 MiB of zeros', new Uint8Array(2 << 20)],
];

describe('LZW against Go compress/lzw (LSB, 8)', () => {
  for (const [name, input] of inputs) {
    it(`${name}: same bytes as Go, and each side decompresses the other`, async () => {
      const ours = lzwCompress(input);
      const theirs = await go('c', input);
      expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
      expect(Buffer.from(await go('d', ours)).equals(Buffer.from(input))).toBe(true);
      expect(Buffer.from(lzwDecompress(theirs)).equals(Buffer.from(input))).toBe(true);
    });
  }

  it('random inputs: identical output to Go (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (input) => {
        const theirs = await go('c', input);
        return Buffer.from(lzwCompress(input)).equals(Buffer.from(theirs));
      }),
      { numRuns: 300 },
    );
  });
});

describe('LZW streams Go never writes but its reader accepts', () => {
  it('a table that fills up without a clear code decodes like Go (codes stay at 12 bits)', async () => {
    // Encode by hand: 5000 distinct two-byte pairs grow the table to 4095 and past it with no
    // clear code; Go's reader keeps decoding with 12-bit codes and no new entries.
    const codes: number[] = [];
    for (let i = 0; i < 5000; i++) codes.push((i * 7) % 256);
    codes.push(4095, 300, 257);
    let bits = 0;
    let nBits = 0;
    let width = 9;
    let hi = 257;
    const out: number[] = [];
    const write = (c: number): void => {
      bits |= c << nBits;
      nBits += width;
      while (nBits >= 8) {
        out.push(bits & 0xff);
        bits >>>= 8;
        nBits -= 8;
      }
    };
    for (const c of codes) {
      write(c);
      if (c === 257) break;
      if (hi < 4095) {
        hi++;
        if (hi === 1 << width && width < 12) width++;
      }
    }
    if (nBits > 0) out.push(bits & 0xff);
    const stream = new Uint8Array(out);
    const theirs = await go('d', stream);
    expect(Buffer.from(lzwDecompress(stream)).equals(Buffer.from(theirs))).toBe(true);
  });
});
