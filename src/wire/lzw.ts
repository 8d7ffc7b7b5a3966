/**
 * LZW exactly as Go's compress/lzw with LSB bit order and 8-bit literals (GIF style), which is
 * what memberlist compresses with: 9- to 12-bit codes packed least-significant bit first, code
 * 256 clears the table, 257 ends the data, the first new code is 258. The writer starts with a
 * clear code and emits clear + resets when the table is full, so the bytes equal Go's.
 */
import { DecodeError } from '../errors.ts';
import { MAX_DECOMPRESSED_BYTES } from './limits.ts';

const LIT_WIDTH = 8;
const CLEAR = 1 << LIT_WIDTH; // 256
const EOF = CLEAR + 1; // 257
const MAX_CODE = (1 << 12) - 1; // 4095
const MAX_WIDTH = 12;

// Compressor dictionary: open-addressing hash of (prefix code << 8 | byte) → code.
const TABLE_SIZE = 4 << 12;
const TABLE_MASK = TABLE_SIZE - 1;

/** Grows an output buffer geometrically. */
class ByteSink {
  buf: Uint8Array;
  len = 0;

  constructor(initial: number) {
    this.buf = new Uint8Array(Math.max(16, initial));
  }

  ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export function lzwCompress(data: Uint8Array): Uint8Array {
  const out = new ByteSink((data.length >> 1) + 16);
  // Keys are stored +1 so that 0 marks an empty slot; values hold (key << 12 | code).
  const keys = new Int32Array(TABLE_SIZE);
  const codes = new Uint16Array(TABLE_SIZE);
  let bits = 0;
  let nBits = 0;
  let width = LIT_WIDTH + 1;
  let hi = EOF;
  let overflow = CLEAR << 1;

  const write = (c: number): void => {
    bits |= c << nBits;
    nBits += width;
    out.ensure(2);
    while (nBits >= 8) {
      out.buf[out.len++] = bits & 0xff;
      bits >>>= 8;
      nBits -= 8;
    }
  };
  /** Advances the next code; true when the table was full and has been reset. */
  const incHi = (): boolean => {
    hi++;
    if (hi === overflow) {
      width++;
      overflow <<= 1;
    }
    if (hi === MAX_CODE) {
      write(CLEAR);
      width = LIT_WIDTH + 1;
      hi = EOF;
      overflow = CLEAR << 1;
      keys.fill(0);
      return true;
    }
    return false;
  };

  if (data.length === 0) {
    write(CLEAR);
  } else {
    write(CLEAR);
    let code = data[0];
    for (let i = 1; i < data.length; i++) {
      const literal = data[i];
      const key = (code << 8) | literal;
      let hash = ((key >>> 12) ^ key) & TABLE_MASK;
      let found = false;
      for (let h = hash; keys[h] !== 0; h = (h + 1) & TABLE_MASK) {
        if (keys[h] === key + 1) {
          code = codes[h];
          found = true;
          break;
        }
      }
      if (found) continue;
      write(code);
      code = literal;
      if (incHi()) continue;
      while (keys[hash] !== 0) hash = (hash + 1) & TABLE_MASK;
      keys[hash] = key + 1;
      codes[hash] = hi;
    }
    write(code);
    incHi();
  }
  write(EOF);
  if (nBits > 0) {
    out.ensure(1);
    out.buf[out.len++] = bits & 0xff;
  }
  return out.result();
}

/**
 * Decompresses Go-compatible LZW. Throws DecodeError('limit') as soon as the output would
 * exceed `maxOutput`, DecodeError('malformed') on an invalid code, and
 * DecodeError('truncated') when the data ends before the end code (as Go's reader does).
 *
 * Every dictionary string is a run of bytes already written to the output (the previous code's
 * string plus one byte), so entries are kept as (offset, length) into the output and expanding a
 * code is a copy, not a walk down a prefix chain.
 */
export function lzwDecompress(data: Uint8Array, maxOutput = MAX_DECOMPRESSED_BYTES): Uint8Array {
  const out = new ByteSink(Math.min(maxOutput, data.length * 3 + 16));
  const entryStart = new Int32Array(1 << MAX_WIDTH);
  const entryLen = new Int32Array(1 << MAX_WIDTH);
  let bits = 0;
  let nBits = 0;
  let pos = 0;
  let width = LIT_WIDTH + 1;
  let hi = EOF;
  let overflow = 1 << width;
  let last = -1;
  /** Where the previous code's string starts in the output, and its length. */
  let lastStart = 0;
  let lastLen = 0;

  for (;;) {
    while (nBits < width) {
      if (pos >= data.length) throw new DecodeError('truncated', 'lzw: unexpected end of data');
      bits |= data[pos++] << nBits;
      nBits += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nBits -= width;

    if (code === CLEAR) {
      width = LIT_WIDTH + 1;
      hi = EOF;
      overflow = 1 << width;
      last = -1;
      continue;
    }
    if (code === EOF) return out.result();
    const start = out.len;
    let len: number;
    if (code < CLEAR) {
      len = 1;
      if (start + 1 > maxOutput) throw limit(maxOutput);
      out.ensure(1);
      out.buf[out.len++] = code;
    } else if (code <= hi) {
      // An existing entry, or (KwKwK) the entry being defined: last's string plus its first byte.
      // (With a full table there is no entry being defined: code == hi is then the last entry.)
      const kwkwk = code === hi && last !== -1;
      const from = kwkwk ? lastStart : entryStart[code];
      len = kwkwk ? lastLen + 1 : entryLen[code];
      if (start + len > maxOutput) throw limit(maxOutput);
      out.ensure(len);
      const b = out.buf;
      const n = kwkwk ? lastLen : len;
      if (n < 16) for (let k = 0; k < n; k++) b[start + k] = b[from + k];
      else b.copyWithin(start, from, from + n);
      if (kwkwk) b[start + n] = b[from];
      out.len = start + len;
    } else {
      throw new DecodeError('malformed', 'lzw: invalid code');
    }
    if (last !== -1) {
      // The new entry is last's string followed by the first byte of this one: contiguous.
      entryStart[hi] = lastStart;
      entryLen[hi] = lastLen + 1;
    }
    last = code;
    lastStart = start;
    lastLen = len;
    hi++;
    if (hi >= overflow) {
      if (width === MAX_WIDTH) {
        last = -1;
        hi--;
      } else {
        width++;
        overflow = 1 << width;
      }
    }
  }
}

function limit(max: number): DecodeError {
  return new DecodeError('limit', `lzw: decompressed data exceeds ${max} bytes`);
}
