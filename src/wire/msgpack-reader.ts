/**
 * Tolerant msgpack reader for memberlist's messages. It accepts everything go-msgpack's decoders
 * accept for memberlist's field types: any integer width for any integer field, str *or* bin for
 * strings and byte slices, nil for any field (zero value), 0/1 for booleans, an array of small
 * integers for a byte slice, map or array containers of any width. Every length is checked against
 * the bytes actually present before anything is read or allocated; every failure is a DecodeError.
 */
import { DecodeError } from '../errors.ts';
import { INTERN_BYTES_MAX, internBytes } from './bytes-intern.ts';
import { internAscii } from './string-intern.ts';

const utf8 = new TextDecoder('utf-8');
const EMPTY = new Uint8Array(0);

/** Nesting allowed inside skipped (unknown) values; deeper input is rejected, never recursed. */
const MAX_SKIP_DEPTH = 32;

/** `rawLength()` results that are not a length. */
const RAW_NIL = -1;
const RAW_COPY = -2;

export class MsgpackReader {
  readonly buf: Uint8Array;
  pos: number;
  /** End of the readable input (exclusive). */
  readonly end: number;
  /** Start of the str/bin body `rawLength()` or `keyLength()` last found. */
  rawStart = 0;
  /** An array of small integers `rawLength()` accepted as a byte slice, copied. */
  private rawCopy: Uint8Array = EMPTY;
  /**
   * When set, `bytesOrNil` returns short byte fields through bytes-intern.ts (shared, read-only
   * kept copies) instead of views: push/pull node states, whose fields members keep.
   */
  internBytes = false;
  /** Whether the container `containerCount()` last read is a map (else an array). */
  lastIsMap = false;
  /** Created on first use: most messages never need it (only 8-byte and signed integers do). */
  private viewCache: DataView | undefined;

  private get view(): DataView {
    this.viewCache ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.viewCache;
  }

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.viewCache = undefined;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new DecodeError(
        'truncated',
        `msgpack: ${what} needs ${n} bytes, ${this.end - this.pos} left`,
        this.pos + n,
      );
    }
  }

  private u8(): number {
    this.need(1, 'value');
    return this.buf[this.pos++];
  }

  private u16(): number {
    this.need(2, 'u16');
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p] << 8) | b[p + 1];
  }

  private u32(): number {
    this.need(4, 'u32');
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  /**
   * Reads a container header: returns the entry count and sets `lastIsMap`. The count is bounded
   * by the remaining input (an entry takes at least one byte, a map entry two) so a forged count
   * cannot make a caller loop or allocate.
   */
  containerCount(): number {
    const b = this.u8();
    let count: number;
    let isMap: boolean;
    if (b >= 0x80 && b <= 0x8f) {
      count = b & 0x0f;
      isMap = true;
    } else if (b >= 0x90 && b <= 0x9f) {
      count = b & 0x0f;
      isMap = false;
    } else if (b === 0xde) {
      count = this.u16();
      isMap = true;
    } else if (b === 0xdf) {
      count = this.u32();
      isMap = true;
    } else if (b === 0xdc) {
      count = this.u16();
      isMap = false;
    } else if (b === 0xdd) {
      count = this.u32();
      isMap = false;
    } else {
      throw new DecodeError('unexpected-type', `msgpack: expected a map, got 0x${b.toString(16)}`);
    }
    const minBytes = isMap ? count * 2 : count;
    if (minBytes > this.end - this.pos) {
      throw new DecodeError('truncated', `msgpack: container of ${count} entries exceeds the input`);
    }
    this.lastIsMap = isMap;
    return count;
  }

  /** `containerCount()` as an object, for callers that read both at once. */
  containerHeader(): { count: number; isMap: boolean } {
    const count = this.containerCount();
    return { count, isMap: this.lastIsMap };
  }

  /** True and consumes the byte if the next value is nil. */
  tryNil(): boolean {
    this.need(1, 'value');
    if (this.buf[this.pos] === 0xc0) {
      this.pos++;
      return true;
    }
    return false;
  }

  /**
   * Reads any msgpack integer (or nil → 0) as a JS number. 64-bit values beyond 2^53 are
   * rejected as out of range (no memberlist field can hold them meaningfully).
   */
  integer(): number {
    const b = this.u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    const p = this.pos;
    switch (b) {
      case 0xc0:
        return 0;
      case 0xcc:
        this.need(1, 'uint8');
        this.pos += 1;
        return this.buf[p];
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf: {
        this.need(8, 'uint64');
        const v = this.view.getBigUint64(p);
        this.pos += 8;
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new DecodeError('out-of-range', `msgpack: integer ${v} is too large`);
        }
        return Number(v);
      }
      case 0xd0:
        this.need(1, 'int8');
        this.pos += 1;
        return this.view.getInt8(p);
      case 0xd1:
        this.need(2, 'int16');
        this.pos += 2;
        return this.view.getInt16(p);
      case 0xd2:
        this.need(4, 'int32');
        this.pos += 4;
        return this.view.getInt32(p);
      case 0xd3: {
        this.need(8, 'int64');
        const v = this.view.getBigInt64(p);
        this.pos += 8;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new DecodeError('out-of-range', `msgpack: integer ${v} is too large`);
        }
        return Number(v);
      }
      default:
        throw new DecodeError('unexpected-type', `msgpack: expected an integer, got 0x${b.toString(16)}`);
    }
  }

  /** An unsigned Go integer field with maximum `max`. */
  unsigned(max: number, field: string): number {
    const v = this.integer();
    if (v < 0 || v > max) {
      throw new DecodeError('out-of-range', `msgpack: ${field}=${v} does not fit its unsigned type`);
    }
    return v;
  }

  /** A bool field: true/false, nil, or an integer (non-zero is true), as go-msgpack accepts. */
  boolean(): boolean {
    this.need(1, 'value');
    const b = this.buf[this.pos];
    if (b === 0xc3) {
      this.pos++;
      return true;
    }
    if (b === 0xc2) {
      this.pos++;
      return false;
    }
    return this.integer() !== 0;
  }

  /**
   * Reads the header of a str/bin value: returns its length, with the body at `rawStart` (already
   * skipped); RAW_NIL for nil; RAW_COPY for an array of small integers (accepted for a byte slice),
   * copied into `rawCopy`. The body is checked to be present.
   */
  private rawLength(): number {
    const p = this.pos;
    if (p >= this.end) this.need(1, 'value');
    const b = this.buf[p];
    this.pos = p + 1;
    let len: number;
    if (b >= 0xa0 && b <= 0xbf) len = b & 0x1f;
    else if (b === 0xc0) return RAW_NIL;
    else if (b === 0xd9 || b === 0xc4) len = this.u8();
    else if (b === 0xda || b === 0xc5) len = this.u16();
    else if (b === 0xdb || b === 0xc6) len = this.u32();
    else if ((b >= 0x90 && b <= 0x9f) || b === 0xdc || b === 0xdd) {
      this.pos = p;
      const count = this.containerCount();
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = this.unsigned(0xff, 'byte');
      this.rawCopy = out;
      return RAW_COPY;
    } else {
      throw new DecodeError('unexpected-type', `msgpack: expected a string or bytes, got 0x${b.toString(16)}`);
    }
    this.need(len, 'string body');
    this.rawStart = this.pos;
    this.pos += len;
    return len;
  }

  /**
   * A Go []byte field, or null for nil. The bytes are a *view* into the input (no copy): callers
   * that keep them longer than the input must copy them. With `internBytes` set, fields of up to
   * INTERN_BYTES_MAX bytes are shared read-only copies instead.
   */
  bytesOrNil(): Uint8Array | null {
    const len = this.rawLength();
    if (len === RAW_NIL) return null;
    if (len === RAW_COPY) return this.rawCopy;
    if (this.internBytes && len <= INTERN_BYTES_MAX) return internBytes(this.buf, this.rawStart, len);
    return this.buf.subarray(this.rawStart, this.rawStart + len);
  }

  /** A Go string field, decoded as UTF-8 (nil → ""). */
  string(): string {
    const len = this.rawLength();
    if (len === RAW_NIL) return '';
    if (len === RAW_COPY) return utf8.decode(this.rawCopy);
    const b = this.buf;
    const start = this.rawStart;
    // Short ASCII (node names): the string we already hold for these bytes, if any.
    return internAscii(b, start, len) ?? utf8.decode(b.subarray(start, start + len));
  }

  /**
   * Reads a map key and returns its length, with its bytes at `rawStart` (not copied): keys are
   * compared byte-wise against the schema's field names.
   */
  keyLength(): number {
    const len = this.rawLength();
    if (len < 0) throw new DecodeError('unexpected-type', 'msgpack: map key is not a string');
    return len;
  }

  /** `keyLength()` as a range object. */
  keyRange(): { start: number; len: number } {
    const len = this.keyLength();
    return { start: this.rawStart, len };
  }

  /** Skips one value of any type (unknown map keys). Bounded nesting, no allocation. */
  skip(depth = 0): void {
    if (depth > MAX_SKIP_DEPTH) throw new DecodeError('malformed', 'msgpack: value nested too deeply');
    const b = this.u8();
    let n = 0;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return;
    if (b >= 0xa0 && b <= 0xbf) n = b & 0x1f;
    else if ((b >= 0x80 && b <= 0x9f) || b === 0xdc || b === 0xdd || b === 0xde || b === 0xdf) {
      this.pos--;
      const count = this.containerCount();
      const items = this.lastIsMap ? count * 2 : count;
      for (let i = 0; i < items; i++) this.skip(depth + 1);
      return;
    } else {
      switch (b) {
        case 0xcc:
        case 0xd0:
          n = 1;
          break;
        case 0xcd:
        case 0xd1:
          n = 2;
          break;
        case 0xce:
        case 0xd2:
        case 0xca:
          n = 4;
          break;
        case 0xcf:
        case 0xd3:
        case 0xcb:
          n = 8;
          break;
        case 0xd9:
        case 0xc4:
          n = this.u8();
          break;
        case 0xda:
        case 0xc5:
          n = this.u16();
          break;
        case 0xdb:
        case 0xc6:
          n = this.u32();
          break;
        case 0xd4:
          n = 2;
          break;
        case 0xd5:
          n = 3;
          break;
        case 0xd6:
          n = 5;
          break;
        case 0xd7:
          n = 9;
          break;
        case 0xd8:
          n = 17;
          break;
        case 0xc7:
          n = this.u8() + 1;
          break;
        case 0xc8:
          n = this.u16() + 1;
          break;
        case 0xc9:
          n = this.u32() + 1;
          break;
        default:
          throw new DecodeError('malformed', `msgpack: invalid byte 0x${b.toString(16)}`);
      }
    }
    this.need(n, 'value body');
    this.pos += n;
  }
}

/**
 * One reader kept alive for good (a "map anchor"). V8 reaches the hidden class (map) of a class
 * instance from the constructor only through transitions it holds weakly: when no instance is
 * alive at a full GC the map is freed, every optimised function that checked for it is thrown
 * away and the type feedback naming it cleared. Readers live for one message, so after each
 * full GC the next large push/pull state was decoded by unoptimised code, two to three times
 * slower (node --trace-deopt: "embedded weak objects cleared"). Classes of short-lived objects
 * on the push/pull path keep one instance the same way.
 */
export const READER_MAP_ANCHOR = new MsgpackReader(EMPTY);
