/**
 * Declarative struct codecs. A memberlist message body is a Go struct that go-msgpack writes as a
 * map keyed by field name, in byte-wise sorted key order. A `StructCodec` is built once per message
 * from a list of fields (in Go declaration order) and encodes/decodes that struct exactly as Go
 * does, so no message has a hand-written encoder of its own.
 */
import { MsgpackReader } from './msgpack-reader.ts';
import { MsgpackWriter, encodeKey } from './msgpack-writer.ts';

/** Go field types that appear in memberlist's wire structs. */
export type FieldKind = 'u8' | 'u16' | 'u32' | 'int' | 'bool' | 'string' | 'bytes';

export interface FieldSpec<T> {
  /** Go field name: the map key on the wire. */
  readonly go: string;
  /** Property of the TypeScript object. */
  readonly key: keyof T & string;
  readonly kind: FieldKind;
  /** `codec:",omitempty"` in Go: the key is left out when the value is empty/zero. */
  readonly omitEmpty?: boolean;
}

const UNSIGNED_MAX: Record<string, number> = { u8: 0xff, u16: 0xffff, u32: 0xffffffff };

interface CompiledField {
  readonly key: string;
  readonly kind: FieldKind;
  readonly omitEmpty: boolean;
  readonly goName: Uint8Array;
  readonly encodedKey: Uint8Array;
}

function zeroOf(kind: FieldKind): unknown {
  switch (kind) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
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
    default:
      return v === 0;
  }
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
    this.declared = fields.map((f) => ({
      key: f.key,
      kind: f.kind,
      omitEmpty: f.omitEmpty === true,
      goName: te.encode(f.go),
      encodedKey: encodeKey(f.go),
    }));
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
      }
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
    }
  }
}

/** The Go kinds a TypeScript property type may be declared with. */
type KindFor<V> = V extends boolean
  ? 'bool'
  : V extends string
    ? 'string'
    : V extends number
      ? 'u8' | 'u16' | 'u32' | 'int'
      : 'bytes';

/**
 * Returns a field declarer for struct type T, so a schema reads as a list of
 * `f('GoName', 'tsName', 'kind')` with the kind checked against the property's type.
 */
export function fieldsOf<T>() {
  return <K extends keyof T & string>(go: string, key: K, kind: KindFor<T[K]>, omitEmpty = false): FieldSpec<T> => ({
    go,
    key,
    kind,
    omitEmpty,
  });
}
