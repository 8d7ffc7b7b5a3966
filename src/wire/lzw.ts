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

/**
 * The dictionary of `lzwCompress`, reused (cleared) by every call: allocating 96 KiB of tables
 * for each compressed packet cost more than compressing it. A sliced `lzwCompressor` gets its
 * own, since other compressions may run between its slices.
 */
const sharedKeys = new Int32Array(TABLE_SIZE);
const sharedCodes = new Uint16Array(TABLE_SIZE);

export function lzwCompress(data: Uint8Array): Uint8Array {
  sharedKeys.fill(0);
  const c = lzwCompressor(data, sharedKeys, sharedCodes);
  let out: Uint8Array | undefined;
  while ((out = c.step(Number.POSITIVE_INFINITY)) === undefined);
  return out;
}

/**
 * lzwCompress a slice at a time: `step(n)` compresses about n more input bytes and returns the
 * whole output once all input is done, undefined before that (the same bytes as lzwCompress).
 */
export function lzwCompressor(
  data: Uint8Array,
  // Keys are stored +1 so that 0 marks an empty slot (`keys` must be all zero).
  keys = new Int32Array(TABLE_SIZE),
  codes = new Uint16Array(TABLE_SIZE),
): { step(n: number): Uint8Array | undefined } {
  const out = new ByteSink((data.length >> 1) + 16);
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

  write(CLEAR);
  let code = data.length === 0 ? -1 : data[0];
  let i = 1;
  let result: Uint8Array | undefined;
  const step = (n: number): Uint8Array | undefined => {
    if (result !== undefined) return result;
    const stop = Math.min(data.length, i + n);
    for (; i < stop; i++) {
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
    if (i < data.length) return undefined;
    if (code !== -1) {
      write(code);
      incHi();
    }
    write(EOF);
    if (nBits > 0) {
      out.ensure(1);
      out.buf[out.len++] = bits & 0xff;
    }
    result = out.result();
    return result;
  };
  return { step };
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
  // Shared tables, cleared: as fresh ones, without allocating 32 KiB per compressed packet.
  sharedStart.fill(0);
  sharedLen.fill(0);
  const d = new LzwDecoder(data, maxOutput, sharedStart, sharedLen);
  let out: Uint8Array | undefined;
  while ((out = d.step(Number.POSITIVE_INFINITY)) === undefined);
  return out;
}

const sharedStart = new Int32Array(1 << MAX_WIDTH);
const sharedLen = new Int32Array(1 << MAX_WIDTH);

/**
 * lzwDecompress a slice at a time: `step(n)` decodes until about `n` more output bytes are
 * written and returns the whole output once the end code is read, undefined before that. Lets
 * a large stream message be decompressed over several event-loop turns; same errors.
 */
export class LzwDecoder {
  private readonly data: Uint8Array;
  private readonly maxOutput: number;
  private readonly out: ByteSink;
  private readonly entryStart: Int32Array;
  private readonly entryLen: Int32Array;
  private bits = 0;
  private nBits = 0;
  private pos = 0;
  private width = LIT_WIDTH + 1;
  private hi = EOF;
  private overflow = 1 << (LIT_WIDTH + 1);
  private last = -1;
  /** Where the previous code's string starts in the output, and its length. */
  private lastStart = 0;
  private lastLen = 0;
  private result: Uint8Array | undefined;

  /** `entryStart`, `entryLen`: all-zero tables of 4096 entries (new ones by default). */
  constructor(
    data: Uint8Array,
    maxOutput = MAX_DECOMPRESSED_BYTES,
    entryStart = new Int32Array(1 << MAX_WIDTH),
    entryLen = new Int32Array(1 << MAX_WIDTH),
  ) {
    this.entryStart = entryStart;
    this.entryLen = entryLen;
    this.data = data;
    this.maxOutput = maxOutput;
    this.out = new ByteSink(Math.min(maxOutput, data.length * 4 + 16));
  }

  step(n: number): Uint8Array | undefined {
    if (this.result !== undefined) return this.result;
    const { data, maxOutput, out, entryStart, entryLen } = this;
    let { bits, nBits, pos, width, hi, overflow, last, lastStart, lastLen } = this;
    const stopAt = out.len + n;
    try {
      while (out.len < stopAt) {
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
        if (code === EOF) {
          this.result = out.result();
          return this.result;
        }
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
          const k = kwkwk ? lastLen : len;
          if (k < 16) for (let j = 0; j < k; j++) b[start + j] = b[from + j];
          else b.copyWithin(start, from, from + k);
          if (kwkwk) b[start + k] = b[from];
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
    } finally {
      Object.assign(this, { bits, nBits, pos, width, hi, overflow, last, lastStart, lastLen });
    }
    return undefined;
  }
}

function limit(max: number): DecodeError {
  return new DecodeError('limit', `lzw: decompressed data exceeds ${max} bytes`);
}
