/**
 * Old-spec msgpack writer, byte-compatible with the go-msgpack handle memberlist uses
 * (WriteExt=false): strings and byte slices only in the str family (fixstr, str16, str32 — never
 * str8, never bin), unsigned Go types in the smallest unsigned form, signed Go `int` in the smallest
 * *signed* form (int16/int32 for values >= 128, as go-msgpack v2 does), nil for absent byte slices.
 *
 * Each value form is written by one `put*` function: `(buf, pos, value) → new pos`, with no
 * bounds checks (the caller has made room; `*_MAX_BYTES` / `maxStringBytes` give the room a value
 * may need). `MsgpackWriter` wraps them with a growing buffer, and the generated struct encoders
 * of schema-codegen.ts call them directly on that buffer, so every form is written by one function.
 */

const utf8 = new TextEncoder();

/** Most bytes `putUint` / `putInt` / `putF64` write. */
export const NUMBER_MAX_BYTES = 9;
/** Most bytes a str-family header takes. */
export const STR_HEADER_MAX_BYTES = 5;

/** Most bytes `putString(s)` can write: UTF-8 takes at most 3 bytes per UTF-16 unit. */
export function maxStringBytes(s: string): number {
  return STR_HEADER_MAX_BYTES + 3 * s.length;
}

/** The bytes `putUint(v)` writes. */
export function uintBytes(v: number): number {
  return v < 0x80 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : v < 0x100000000 ? 5 : 9;
}

/** The bytes `putStrHeader(n)` writes. */
export function strHeaderBytes(n: number): number {
  return n < 32 ? 1 : n < 0x10000 ? 3 : 5;
}

/** A Go unsigned integer (uint8/16/32/64) in its smallest unsigned form. */
export function putUint(b: Uint8Array, p: number, v: number): number {
  if (v < 0x80) {
    b[p] = v;
    return p + 1;
  }
  if (v < 0x100) {
    b[p] = 0xcc;
    b[p + 1] = v;
    return p + 2;
  }
  if (v < 0x10000) {
    b[p] = 0xcd;
    b[p + 1] = v >>> 8;
    b[p + 2] = v;
    return p + 3;
  }
  if (v < 0x100000000) {
    b[p] = 0xce;
    b[p + 1] = v >>> 24;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 8;
    b[p + 4] = v;
    return p + 5;
  }
  b[p] = 0xcf;
  put64(b, p + 1, v);
  return p + 9;
}

/** A Go signed integer (int, int64) in its smallest signed form, as go-msgpack v2 writes it. */
export function putInt(b: Uint8Array, p: number, v: number): number {
  if (v >= 0 && v < 0x80) {
    b[p] = v;
    return p + 1;
  }
  if (v < 0 && v >= -32) {
    b[p] = v & 0xff;
    return p + 1;
  }
  if (v >= -0x80 && v < 0x80) {
    b[p] = 0xd0;
    b[p + 1] = v;
    return p + 2;
  }
  if (v >= -0x8000 && v < 0x8000) {
    b[p] = 0xd1;
    b[p + 1] = v >> 8;
    b[p + 2] = v;
    return p + 3;
  }
  if (v >= -0x80000000 && v < 0x80000000) {
    b[p] = 0xd2;
    b[p + 1] = v >> 24;
    b[p + 2] = v >> 16;
    b[p + 3] = v >> 8;
    b[p + 4] = v;
    return p + 5;
  }
  b[p] = 0xd3;
  put64(b, p + 1, v);
  return p + 9;
}

/** An integer (|v| < 2^63) as 8 big-endian two's-complement bytes. */
function put64(b: Uint8Array, p: number, v: number): void {
  const big = BigInt.asUintN(64, BigInt(v));
  const hi = Number(big >> 32n);
  const lo = Number(big & 0xffffffffn);
  b[p] = hi >>> 24;
  b[p + 1] = hi >>> 16;
  b[p + 2] = hi >>> 8;
  b[p + 3] = hi;
  b[p + 4] = lo >>> 24;
  b[p + 5] = lo >>> 16;
  b[p + 6] = lo >>> 8;
  b[p + 7] = lo;
}

const f64Scratch = new DataView(new ArrayBuffer(8));

/** A Go float64: always float64 (0xcb), as go-msgpack writes it. */
export function putF64(b: Uint8Array, p: number, v: number): number {
  b[p] = 0xcb;
  f64Scratch.setFloat64(0, v);
  for (let i = 0; i < 8; i++) b[p + 1 + i] = f64Scratch.getUint8(i);
  return p + 9;
}

/** A str-family header for `n` bytes: fixstr, str16 or str32 (never str8). */
export function putStrHeader(b: Uint8Array, p: number, n: number): number {
  if (n < 32) {
    b[p] = 0xa0 | n;
    return p + 1;
  }
  if (n < 0x10000) {
    b[p] = 0xda;
    b[p + 1] = n >>> 8;
    b[p + 2] = n;
    return p + 3;
  }
  b[p] = 0xdb;
  b[p + 1] = n >>> 24;
  b[p + 2] = n >>> 16;
  b[p + 3] = n >>> 8;
  b[p + 4] = n;
  return p + 5;
}

/** A Go []byte: nil for null, otherwise the str family. Needs `STR_HEADER_MAX_BYTES + length`. */
export function putBytesOrNil(b: Uint8Array, p: number, v: Uint8Array | null): number {
  if (v === null) {
    b[p] = 0xc0;
    return p + 1;
  }
  const n = v.length;
  const at = putStrHeader(b, p, n);
  if (n <= 8) {
    // Tiny slices (addresses, Vsn): a loop beats set()'s call overhead.
    for (let i = 0; i < n; i++) b[at + i] = v[i];
  } else {
    b.set(v, at);
  }
  return at + n;
}

/** A Go string, UTF-8 encoded, in the str family. Needs `maxStringBytes(s)`. */
export function putString(b: Uint8Array, p: number, s: string): number {
  const n = s.length;
  // ASCII (what node names and most strings are): one byte per char, header known up front.
  if (n < 0x10000) {
    const start = p + (n < 32 ? 1 : 3);
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      b[start + i] = c;
    }
    if (i === n) {
      putStrHeader(b, p, n);
      return start + n;
    }
  }
  const enc = utf8.encode(s);
  const at = putStrHeader(b, p, enc.length);
  b.set(enc, at);
  return at + enc.length;
}

/** A map header: fixmap, map16 or map32. */
export function putMapHeader(b: Uint8Array, p: number, n: number): number {
  return putContainerHeader(b, p, n, 0x80, 0xde);
}

/** An array header: fixarray, array16 or array32. */
export function putArrayHeader(b: Uint8Array, p: number, n: number): number {
  return putContainerHeader(b, p, n, 0x90, 0xdc);
}

function putContainerHeader(b: Uint8Array, p: number, n: number, fix: number, wide: number): number {
  if (n < 16) {
    b[p] = fix | n;
    return p + 1;
  }
  if (n < 0x10000) {
    b[p] = wide;
    b[p + 1] = n >>> 8;
    b[p + 2] = n;
    return p + 3;
  }
  b[p] = wide + 1;
  b[p + 1] = n >>> 24;
  b[p + 2] = n >>> 16;
  b[p + 3] = n >>> 8;
  b[p + 4] = n;
  return p + 5;
}

/**
 * A growing output buffer with one method per value form. `buf` and `pos` are public so generated
 * encoders can write a struct with local variables: `ensure(n)` first, then `put*` on `buf`.
 */
export class MsgpackWriter {
  /** The output buffer; replaced (never resized in place) when `ensure` grows it. */
  buf: Uint8Array;
  /** Bytes written so far. */
  pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
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

  /** Makes room for `n` more bytes after `pos`. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
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
    this.ensure(STR_HEADER_MAX_BYTES);
    this.pos = putMapHeader(this.buf, this.pos, n);
  }

  arrayHeader(n: number): void {
    this.ensure(STR_HEADER_MAX_BYTES);
    this.pos = putArrayHeader(this.buf, this.pos, n);
  }

  nil(): void {
    this.byte(0xc0);
  }

  bool(v: boolean): void {
    this.byte(v ? 0xc3 : 0xc2);
  }

  /** A Go unsigned integer (uint8/16/32/64) in its smallest unsigned form. */
  uint(v: number): void {
    this.ensure(NUMBER_MAX_BYTES);
    this.pos = putUint(this.buf, this.pos, v);
  }

  /** A Go signed integer (int, int64) in its smallest signed form. */
  int(v: number): void {
    this.ensure(NUMBER_MAX_BYTES);
    this.pos = putInt(this.buf, this.pos, v);
  }

  /** A Go float64, always as float64. */
  f64(v: number): void {
    this.ensure(NUMBER_MAX_BYTES);
    this.pos = putF64(this.buf, this.pos, v);
  }

  /** A str-family header for `n` bytes: fixstr, str16 or str32 (never str8). */
  strHeader(n: number): void {
    this.ensure(STR_HEADER_MAX_BYTES);
    this.pos = putStrHeader(this.buf, this.pos, n);
  }

  /** A Go []byte: nil for null, otherwise the str family. */
  bytesOrNil(v: Uint8Array | null): void {
    this.ensure(STR_HEADER_MAX_BYTES + (v === null ? 0 : v.length));
    this.pos = putBytesOrNil(this.buf, this.pos, v);
  }

  /** A Go string, UTF-8 encoded, in the str family. */
  string(s: string): void {
    this.ensure(maxStringBytes(s));
    this.pos = putString(this.buf, this.pos, s);
  }
}

/** The encoded form of a map key (a fixstr/str16 of the Go field name). */
export function encodeKey(name: string): Uint8Array {
  const w = new MsgpackWriter(maxStringBytes(name));
  w.string(name);
  return w.bytes().slice();
}

/** Keeps the writers' map alive across full GCs (see READER_MAP_ANCHOR in msgpack-reader.ts). */
export const WRITER_MAP_ANCHOR = new MsgpackWriter(0);
