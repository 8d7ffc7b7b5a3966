/**
 * Declarative struct codecs. A memberlist message body is a Go struct that go-msgpack writes as a
 * map keyed by field name, in byte-wise sorted key order. A `StructCodec` is built once per message
 * from a list of fields (in Go declaration order) and encodes/decodes that struct exactly as Go
 * does, so no message has a hand-written encoder of its own. Besides memberlist's scalar kinds it
 * knows the composite Go types Serf's structs use (64-bit integers, float64, slices, string-keyed
 * maps and nested structs), written in the same old-spec form.
 */
import { DecodeError } from '../errors.ts';
import { MsgpackReader } from './msgpack-reader.ts';
import { MsgpackWriter, encodeKey } from './msgpack-writer.ts';

/**
 * Go field types that appear in the wire structs: memberlist's scalars, then Serf's
 * `u64` (uint64), `i64` (int64, time.Duration), `f64` (float64), `f64s` ([]float64),
 * `strings` ([]string), `bytesList` ([][]byte), `stringMap` (map[string]string),
 * `u64Map` (map[string]uint64), `struct` (a nested struct) and `structList` ([]*struct).
 * Slices and maps are `null` when Go's are nil; nested structs need the field's `nested` codec.
 */
export type FieldKind =
  | 'u8'
  | 'u16'
  | 'u32'
  | 'int'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'u64'
  | 'i64'
  | 'f64'
  | 'f64s'
  | 'strings'
  | 'bytesList'
  | 'stringMap'
  | 'u64Map'
  | 'struct'
  | 'structList';

export interface FieldSpec<T> {
  /** Go field name: the map key on the wire. */
  readonly go: string;
  /** Property of the TypeScript object. */
  readonly key: keyof T & string;
  readonly kind: FieldKind;
  /** `codec:",omitempty"` in Go: the key is left out when the value is empty/zero. */
  readonly omitEmpty?: boolean;
  /** The codec of the element struct, for `struct` and `structList` fields. */
  readonly nested?: StructCodec<any>;
}

const UNSIGNED_MAX: Record<string, number> = { u8: 0xff, u16: 0xffff, u32: 0xffffffff };

interface CompiledField {
  readonly key: string;
  readonly kind: FieldKind;
  readonly omitEmpty: boolean;
  readonly goName: Uint8Array;
  readonly encodedKey: Uint8Array;
  readonly nested: StructCodec<any> | undefined;
}

function zeroOf(kind: FieldKind): unknown {
  switch (kind) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
    case 'f64s':
    case 'strings':
    case 'bytesList':
    case 'stringMap':
    case 'u64Map':
    case 'struct':
    case 'structList':
      return null;
    default:
      return 0;
  }
}

function isEmpty(kind: FieldKind, v: unknown): boolean {
  switch (kind) {
    case 'bool':
      return v === false;
    case 'string':
      return v === '';
    case 'bytes':
      return v === null || (v as Uint8Array).length === 0;
    case 'f64s':
    case 'strings':
    case 'bytesList':
    case 'structList':
      return v === null || v === undefined || (v as unknown[]).length === 0;
    case 'stringMap':
    case 'u64Map':
      return v === null || v === undefined || (v as Map<string, unknown>).size === 0;
    case 'struct':
      return v === null || v === undefined;
    default:
      return v === 0;
  }
}

const COMPOSITE: ReadonlySet<FieldKind> = new Set([
  'u64',
  'i64',
  'f64',
  'f64s',
  'strings',
  'bytesList',
  'stringMap',
  'u64Map',
  'struct',
  'structList',
]);

/** An array header: fixarray, array16 or array32. */
function arrayHeader(w: MsgpackWriter, n: number): void {
  if (n < 16) {
    w.byte(0x90 | n);
  } else if (n < 0x10000) {
    w.byte(0xdc);
    w.byte(n >>> 8);
    w.byte(n & 0xff);
  } else {
    w.byte(0xdd);
    w.byte(n >>> 24);
    w.byte((n >>> 16) & 0xff);
    w.byte((n >>> 8) & 0xff);
    w.byte(n & 0xff);
  }
}

const f64Scratch = new DataView(new ArrayBuffer(8));

/** A Go float64: always float64 (0xcb), as go-msgpack writes it. */
function writeF64(w: MsgpackWriter, v: number): void {
  w.byte(0xcb);
  f64Scratch.setFloat64(0, v);
  for (let i = 0; i < 8; i++) w.byte(f64Scratch.getUint8(i));
}

/** A float64 field: float64, float32, any integer, or nil (0). */
function readF64(r: MsgpackReader): number {
  const b = r.buf[r.pos];
  if (b === 0xcb || b === 0xca) {
    const n = b === 0xcb ? 8 : 4;
    if (r.remaining < 1 + n) throw new DecodeError('truncated', `msgpack: float needs ${n} bytes`, r.pos + 1 + n);
    const view = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos + 1, n);
    r.pos += 1 + n;
    return n === 8 ? view.getFloat64(0) : view.getFloat32(0);
  }
  return r.integer();
}

/** The entry count of an array (nil → null); rejects maps. The count is bounded by the input. */
function readArrayCount(r: MsgpackReader, what: string): number | null {
  if (r.tryNil()) return null;
  const { count, isMap } = r.containerHeader();
  if (isMap) throw new DecodeError('unexpected-type', `msgpack: ${what} expects an array, got a map`);
  return count;
}

/** The entry count of a map (nil → null); rejects arrays. The count is bounded by the input. */
function readMapCount(r: MsgpackReader, what: string): number | null {
  if (r.tryNil()) return null;
  const { count, isMap } = r.containerHeader();
  if (!isMap) throw new DecodeError('unexpected-type', `msgpack: ${what} expects a map, got an array`);
  return count;
}

function sortedKeys(m: ReadonlyMap<string, unknown>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

export class StructCodec<T extends object> {
  readonly name: string;
  /** The field declarations, in Go declaration order. */
  readonly fields: readonly FieldSpec<T>[];
  /** Fields in Go declaration order (used when a struct arrives as an array). */
  private readonly declared: CompiledField[];
  /** Fields in wire order: byte-wise sorted by Go name. */
  private readonly sorted: CompiledField[];
  private readonly hasOmitEmpty: boolean;

  constructor(name: string, fields: readonly FieldSpec<T>[]) {
    this.name = name;
    this.fields = fields;
    const te = new TextEncoder();
    this.declared = fields.map((f) => {
      if ((f.kind === 'struct' || f.kind === 'structList') && f.nested === undefined) {
        throw new TypeError(`${name}.${f.go}: a ${f.kind} field needs its nested codec`);
      }
      return {
        key: f.key,
        kind: f.kind,
        omitEmpty: f.omitEmpty === true,
        goName: te.encode(f.go),
        encodedKey: encodeKey(f.go),
        nested: f.nested,
      };
    });
    this.sorted = [...this.declared].sort((a, b) => compareBytes(a.goName, b.goName));
    this.hasOmitEmpty = this.declared.some((f) => f.omitEmpty);
  }

  /** Writes the struct as Go does: a map of the (non-omitted) fields in sorted key order. */
  encode(w: MsgpackWriter, value: T): void {
    const v = value as Record<string, unknown>;
    const fields = this.sorted;
    let count = fields.length;
    if (this.hasOmitEmpty) {
      for (const f of fields) if (f.omitEmpty && isEmpty(f.kind, v[f.key])) count--;
    }
    w.mapHeader(count);
    for (const f of fields) {
      const x = v[f.key];
      if (f.omitEmpty && isEmpty(f.kind, x)) continue;
      w.raw(f.encodedKey);
      switch (f.kind) {
        case 'u8':
        case 'u16':
        case 'u32':
          w.uint(x as number);
          break;
        case 'int':
          w.int(x as number);
          break;
        case 'bool':
          w.bool(x as boolean);
          break;
        case 'string':
          w.string(x as string);
          break;
        case 'bytes':
          w.bytesOrNil((x ?? null) as Uint8Array | null);
          break;
        default:
          this.writeComposite(w, f, x);
      }
    }
  }

  /** Serf's composite kinds: nil for null slices, maps and structs; keys of maps sorted. */
  private writeComposite(w: MsgpackWriter, f: CompiledField, x: unknown): void {
    if (x === null || x === undefined) {
      if (f.kind === 'u64' || f.kind === 'i64' || f.kind === 'f64') {
        throw new TypeError(`${this.name}.${f.key}: a number is required`);
      }
      w.nil();
      return;
    }
    switch (f.kind) {
      case 'u64':
        w.uint(x as number);
        return;
      case 'i64':
        w.int(x as number);
        return;
      case 'f64':
        writeF64(w, x as number);
        return;
      case 'f64s': {
        const list = x as readonly number[];
        arrayHeader(w, list.length);
        for (const v of list) writeF64(w, v);
        return;
      }
      case 'strings': {
        const list = x as readonly string[];
        arrayHeader(w, list.length);
        for (const v of list) w.string(v);
        return;
      }
      case 'bytesList': {
        const list = x as readonly (Uint8Array | null)[];
        arrayHeader(w, list.length);
        for (const v of list) w.bytesOrNil(v ?? null);
        return;
      }
      case 'stringMap': {
        const m = x as ReadonlyMap<string, string>;
        w.mapHeader(m.size);
        for (const k of sortedKeys(m)) {
          w.string(k);
          w.string(m.get(k) as string);
        }
        return;
      }
      case 'u64Map': {
        const m = x as ReadonlyMap<string, number>;
        w.mapHeader(m.size);
        for (const k of sortedKeys(m)) {
          w.string(k);
          w.uint(m.get(k) as number);
        }
        return;
      }
      case 'struct':
        (f.nested as StructCodec<any>).encode(w, x as object);
        return;
      case 'structList': {
        const list = x as readonly (object | null)[];
        const nested = f.nested as StructCodec<any>;
        arrayHeader(w, list.length);
        for (const v of list) {
          if (v === null || v === undefined) w.nil();
          else nested.encode(w, v);
        }
        return;
      }
      default:
        throw new TypeError(`${this.name}.${f.key}: unknown field kind ${f.kind}`);
    }
  }

  /** Reads the struct; unknown keys are skipped, missing keys keep Go's zero value. */
  decode(r: MsgpackReader): T {
    const out: Record<string, unknown> = {};
    for (const f of this.declared) out[f.key] = zeroOf(f.kind);
    if (r.tryNil()) return out as T;
    const { count, isMap } = r.containerHeader();
    if (!isMap) {
      // go-msgpack also fills a struct from an array, in declaration order.
      for (let i = 0; i < count; i++) {
        const f = this.declared[i];
        if (f === undefined) r.skip();
        else out[f.key] = this.readValue(r, f);
      }
      return out as T;
    }
    const buf = r.buf;
    for (let i = 0; i < count; i++) {
      const { start, len } = r.keyRange();
      let field: CompiledField | undefined;
      for (const f of this.declared) {
        const name = f.goName;
        if (name.length !== len) continue;
        let j = 0;
        while (j < len && buf[start + j] === name[j]) j++;
        if (j === len) {
          field = f;
          break;
        }
      }
      if (field === undefined) r.skip();
      else out[field.key] = this.readValue(r, field);
    }
    return out as T;
  }

  private readValue(r: MsgpackReader, f: CompiledField): unknown {
    switch (f.kind) {
      case 'u8':
      case 'u16':
      case 'u32':
        return r.unsigned(UNSIGNED_MAX[f.kind], `${this.name}.${f.key}`);
      case 'int':
        return r.integer();
      case 'bool':
        return r.boolean();
      case 'string':
        return r.string();
      case 'bytes':
        return r.bytesOrNil();
      default:
        return COMPOSITE.has(f.kind) ? this.readComposite(r, f) : undefined;
    }
  }

  /** Serf's composite kinds. Every count is checked against the input before the loop runs. */
  private readComposite(r: MsgpackReader, f: CompiledField): unknown {
    const what = `${this.name}.${f.key}`;
    switch (f.kind) {
      case 'u64':
        return r.unsigned(Number.MAX_SAFE_INTEGER, what);
      case 'i64':
        return r.integer();
      case 'f64':
        return readF64(r);
      case 'f64s': {
        const n = readArrayCount(r, what);
        if (n === null) return null;
        const out = new Array<number>(n);
        for (let i = 0; i < n; i++) out[i] = readF64(r);
        return out;
      }
      case 'strings': {
        const n = readArrayCount(r, what);
        if (n === null) return null;
        const out = new Array<string>(n);
        for (let i = 0; i < n; i++) out[i] = r.string();
        return out;
      }
      case 'bytesList': {
        const n = readArrayCount(r, what);
        if (n === null) return null;
        const out = new Array<Uint8Array | null>(n);
        for (let i = 0; i < n; i++) out[i] = r.bytesOrNil();
        return out;
      }
      case 'stringMap': {
        const n = readMapCount(r, what);
        if (n === null) return null;
        const out = new Map<string, string>();
        for (let i = 0; i < n; i++) {
          const k = r.string();
          out.set(k, r.string());
        }
        return out;
      }
      case 'u64Map': {
        const n = readMapCount(r, what);
        if (n === null) return null;
        const out = new Map<string, number>();
        for (let i = 0; i < n; i++) {
          const k = r.string();
          out.set(k, r.unsigned(Number.MAX_SAFE_INTEGER, what));
        }
        return out;
      }
      case 'struct':
        return (f.nested as StructCodec<any>).decode(r);
      case 'structList': {
        const n = readArrayCount(r, what);
        if (n === null) return null;
        const nested = f.nested as StructCodec<any>;
        const out = new Array<object | null>(n);
        for (let i = 0; i < n; i++) out[i] = r.tryNil() ? null : nested.decode(r);
        return out;
      }
      default:
        return undefined;
    }
  }
}

/** The Go kinds a TypeScript property type (null standing for Go's nil) may be declared with. */
type KindFor<V> = [NonNullable<V>] extends [boolean]
  ? 'bool'
  : [NonNullable<V>] extends [string]
    ? 'string'
    : [NonNullable<V>] extends [number]
      ? 'u8' | 'u16' | 'u32' | 'int' | 'u64' | 'i64' | 'f64'
      : [NonNullable<V>] extends [Uint8Array]
        ? 'bytes'
        : [NonNullable<V>] extends [readonly string[]]
          ? 'strings'
          : [NonNullable<V>] extends [readonly number[]]
            ? 'f64s'
            : [NonNullable<V>] extends [readonly (Uint8Array | null)[]]
              ? 'bytesList'
              : [NonNullable<V>] extends [ReadonlyMap<string, string>]
                ? 'stringMap'
                : [NonNullable<V>] extends [ReadonlyMap<string, number>]
                  ? 'u64Map'
                  : [NonNullable<V>] extends [readonly unknown[]]
                    ? 'structList'
                    : 'struct';

/**
 * Returns a field declarer for struct type T, so a schema reads as a list of
 * `f('GoName', 'tsName', 'kind')` with the kind checked against the property's type
 * (`struct` / `structList` fields also pass the element's codec).
 */
export function fieldsOf<T>() {
  return <K extends keyof T & string>(
    go: string,
    key: K,
    kind: KindFor<T[K]>,
    omitEmpty = false,
    nested?: StructCodec<any>,
  ): FieldSpec<T> => (nested === undefined ? { go, key, kind, omitEmpty } : { go, key, kind, omitEmpty, nested });
}
