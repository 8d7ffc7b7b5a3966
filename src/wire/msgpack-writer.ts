/**
 * Old-spec msgpack writer, byte-compatible with the go-msgpack handle memberlist uses
 * (WriteExt=false): strings and byte slices only in the str family (fixstr, str16, str32 — never
 * str8, never bin), unsigned Go types in the smallest unsigned form, signed Go `int` in the smallest
 * *signed* form (int16/int32 for values >= 128, as go-msgpack v2 does), nil for absent byte slices.
 */

const utf8 = new TextEncoder();

export class MsgpackWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far (a view; copy it if the writer is reused). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  get length(): number {
    return this.pos;
  }

  reset(): void {
    this.pos = 0;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Appends bytes verbatim (pre-encoded keys, raw trailing payloads). */
  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  mapHeader(n: number): void {
    if (n < 16) {
      this.byte(0x80 | n);
    } else if (n < 0x10000) {
      this.ensure(3);
      this.buf[this.pos] = 0xde;
      this.view.setUint16(this.pos + 1, n);
      this.pos += 3;
    } else {
      this.ensure(5);
      this.buf[this.pos] = 0xdf;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    }
  }

  nil(): void {
    this.byte(0xc0);
  }

  bool(v: boolean): void {
    this.byte(v ? 0xc3 : 0xc2);
  }

  /** A Go unsigned integer (uint8/16/32/64) in its smallest unsigned form. */
  uint(v: number): void {
    this.ensure(9);
    const b = this.buf;
    const p = this.pos;
    if (v < 0x80) {
      b[p] = v;
      this.pos = p + 1;
    } else if (v < 0x100) {
      b[p] = 0xcc;
      b[p + 1] = v;
      this.pos = p + 2;
    } else if (v < 0x10000) {
      b[p] = 0xcd;
      this.view.setUint16(p + 1, v);
      this.pos = p + 3;
    } else if (v < 0x100000000) {
      b[p] = 0xce;
      this.view.setUint32(p + 1, v);
      this.pos = p + 5;
    } else {
      b[p] = 0xcf;
      this.view.setBigUint64(p + 1, BigInt(v));
      this.pos = p + 9;
    }
  }

  /** A Go signed integer (int, int64) in its smallest signed form, as go-msgpack v2 writes it. */
  int(v: number): void {
    this.ensure(9);
    const b = this.buf;
    const p = this.pos;
    if (v >= 0 && v < 0x80) {
      b[p] = v;
      this.pos = p + 1;
    } else if (v < 0 && v >= -32) {
      b[p] = v & 0xff;
      this.pos = p + 1;
    } else if (v >= -0x80 && v < 0x80) {
      b[p] = 0xd0;
      this.view.setInt8(p + 1, v);
      this.pos = p + 2;
    } else if (v >= -0x8000 && v < 0x8000) {
      b[p] = 0xd1;
      this.view.setInt16(p + 1, v);
      this.pos = p + 3;
    } else if (v >= -0x80000000 && v < 0x80000000) {
      b[p] = 0xd2;
      this.view.setInt32(p + 1, v);
      this.pos = p + 5;
    } else {
      b[p] = 0xd3;
      this.view.setBigInt64(p + 1, BigInt(v));
      this.pos = p + 9;
    }
  }

  /** A str-family header for `n` bytes: fixstr, str16 or str32 (never str8). */
  strHeader(n: number): void {
    this.ensure(5);
    const p = this.pos;
    if (n < 32) {
      this.buf[p] = 0xa0 | n;
      this.pos = p + 1;
    } else if (n < 0x10000) {
      this.buf[p] = 0xda;
      this.view.setUint16(p + 1, n);
      this.pos = p + 3;
    } else {
      this.buf[p] = 0xdb;
      this.view.setUint32(p + 1, n);
      this.pos = p + 5;
    }
  }

  /** A Go []byte: nil for null, otherwise the str family. */
  bytesOrNil(v: Uint8Array | null): void {
    if (v === null) {
      this.byte(0xc0);
      return;
    }
    this.strHeader(v.length);
    this.raw(v);
  }

  /** A Go string, UTF-8 encoded, in the str family. */
  string(s: string): void {
    const n = s.length;
    // ASCII (what node names and most strings are): one byte per char, header known up front.
    if (n < 0x10000) {
      const header = n < 32 ? 1 : 3;
      this.ensure(header + n);
      const b = this.buf;
      const start = this.pos + header;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        b[start + i] = c;
      }
      if (i === n) {
        if (header === 1) {
          b[this.pos] = 0xa0 | n;
        } else {
          b[this.pos] = 0xda;
          this.view.setUint16(this.pos + 1, n);
        }
        this.pos = start + n;
        return;
      }
    }
    const enc = utf8.encode(s);
    this.strHeader(enc.length);
    this.raw(enc);
  }
}

/** The encoded form of a map key (a fixstr/str16 of the Go field name). */
export function encodeKey(name: string): Uint8Array {
  const w = new MsgpackWriter(name.length + 3);
  w.string(name);
  return w.bytes().slice();
}
