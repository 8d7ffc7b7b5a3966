/**
 * Serf's composite Go field types, read and written in go-msgpack's old-spec form: float64,
 * []float64, []string, [][]byte, map[string]string, map[string]uint64 and []*struct. Slices, maps
 * and pointers are nil (null here) when Go's are; map keys are written in sorted order. The
 * generated struct codecs (schema-codegen.ts) call these for composite fields; every count read
 * is checked against the input before a loop runs or an array is allocated.
 */
import { DecodeError } from '../errors.ts';
import type { MsgpackReader } from './msgpack-reader.ts';
import type { MsgpackWriter } from './msgpack-writer.ts';

/** What a generated struct codec offers its nested (element) codecs. */
export interface NestedCodec {
  encode(w: MsgpackWriter, value: any): void;
  decode(r: MsgpackReader): any;
}

/** A float64 field: float64, float32, any integer, or nil (0). */
export function readF64(r: MsgpackReader): number {
  if (r.remaining > 0) {
    const b = r.buf[r.pos];
    if (b === 0xcb || b === 0xca) {
      const n = b === 0xcb ? 8 : 4;
      if (r.remaining < 1 + n) throw new DecodeError('truncated', `msgpack: float needs ${n} bytes`, r.pos + 1 + n);
      const view = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos + 1, n);
      r.pos += 1 + n;
      return n === 8 ? view.getFloat64(0) : view.getFloat32(0);
    }
  }
  return r.integer();
}

/** The entry count of an array (nil → -1); rejects maps. */
function arrayCount(r: MsgpackReader, what: string): number {
  if (r.tryNil()) return -1;
  const count = r.containerCount();
  if (r.lastIsMap) throw new DecodeError('unexpected-type', `msgpack: ${what} expects an array, got a map`);
  return count;
}

/** The entry count of a map (nil → -1); rejects arrays. */
function mapCount(r: MsgpackReader, what: string): number {
  if (r.tryNil()) return -1;
  const count = r.containerCount();
  if (!r.lastIsMap) throw new DecodeError('unexpected-type', `msgpack: ${what} expects a map, got an array`);
  return count;
}

export function readF64s(r: MsgpackReader, what: string): number[] | null {
  const n = arrayCount(r, what);
  if (n < 0) return null;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = readF64(r);
  return out;
}

export function readStrings(r: MsgpackReader, what: string): string[] | null {
  const n = arrayCount(r, what);
  if (n < 0) return null;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = r.string();
  return out;
}

export function readBytesList(r: MsgpackReader, what: string): (Uint8Array | null)[] | null {
  const n = arrayCount(r, what);
  if (n < 0) return null;
  const out = new Array<Uint8Array | null>(n);
  for (let i = 0; i < n; i++) out[i] = r.bytesOrNil();
  return out;
}

export function readStringMap(r: MsgpackReader, what: string): Map<string, string> | null {
  const n = mapCount(r, what);
  if (n < 0) return null;
  const out = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const k = r.string();
    out.set(k, r.string());
  }
  return out;
}

export function readU64Map(r: MsgpackReader, what: string): Map<string, number> | null {
  const n = mapCount(r, what);
  if (n < 0) return null;
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const k = r.string();
    out.set(k, r.unsigned(Number.MAX_SAFE_INTEGER, what));
  }
  return out;
}

export function readStructList(r: MsgpackReader, what: string, nested: NestedCodec): (object | null)[] | null {
  const n = arrayCount(r, what);
  if (n < 0) return null;
  const out = new Array<object | null>(n);
  for (let i = 0; i < n; i++) out[i] = r.tryNil() ? null : nested.decode(r);
  return out;
}

function sortedKeys(m: ReadonlyMap<string, unknown>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A required number of a 64-bit or float kind (Go's are never nil). */
export function requireNumber(x: unknown, what: string): number {
  if (x === null || x === undefined) throw new TypeError(`${what}: a number is required`);
  return x as number;
}

export function writeF64s(w: MsgpackWriter, list: readonly number[] | null | undefined): void {
  if (list == null) return w.nil();
  w.arrayHeader(list.length);
  for (const v of list) w.f64(v);
}

export function writeStrings(w: MsgpackWriter, list: readonly string[] | null | undefined): void {
  if (list == null) return w.nil();
  w.arrayHeader(list.length);
  for (const v of list) w.string(v);
}

export function writeBytesList(w: MsgpackWriter, list: readonly (Uint8Array | null)[] | null | undefined): void {
  if (list == null) return w.nil();
  w.arrayHeader(list.length);
  for (const v of list) w.bytesOrNil(v ?? null);
}

export function writeStringMap(w: MsgpackWriter, m: ReadonlyMap<string, string> | null | undefined): void {
  if (m == null) return w.nil();
  w.mapHeader(m.size);
  for (const k of sortedKeys(m)) {
    w.string(k);
    w.string(m.get(k) as string);
  }
}

export function writeU64Map(w: MsgpackWriter, m: ReadonlyMap<string, number> | null | undefined): void {
  if (m == null) return w.nil();
  w.mapHeader(m.size);
  for (const k of sortedKeys(m)) {
    w.string(k);
    w.uint(m.get(k) as number);
  }
}

export function writeStruct(w: MsgpackWriter, x: object | null | undefined, nested: NestedCodec): void {
  if (x == null) return w.nil();
  nested.encode(w, x);
}

export function writeStructList(
  w: MsgpackWriter,
  list: readonly (object | null)[] | null | undefined,
  nested: NestedCodec,
): void {
  if (list == null) return w.nil();
  w.arrayHeader(list.length);
  for (const v of list) {
    if (v === null || v === undefined) w.nil();
    else nested.encode(w, v);
  }
}
