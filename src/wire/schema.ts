/**
 * Declarative struct codecs. A memberlist message body is a Go struct that go-msgpack writes as a
 * map keyed by field name, in byte-wise sorted key order. A `StructCodec` is built once per message
 * from a list of fields (in Go declaration order) and encodes/decodes that struct exactly as Go
 * does, so no message has a hand-written encoder of its own: its encode and decode functions are
 * generated from the field list once (schema-codegen.ts). Besides memberlist's scalar kinds it
 * knows the composite Go types Serf's structs use (64-bit integers, float64, slices, string-keyed
 * maps and nested structs), written in the same old-spec form.
 */
import type { MsgpackReader } from './msgpack-reader.ts';
import { type MsgpackWriter, encodeKey } from './msgpack-writer.ts';
import { type GenField, generateStructCodec } from './schema-codegen.ts';

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

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

export class StructCodec<T extends object> {
  readonly name: string;
  /** The field declarations, in Go declaration order. */
  readonly fields: readonly FieldSpec<T>[];
  /** Writes the struct as Go does: a map of the (non-omitted) fields in sorted key order. */
  readonly encode: (w: MsgpackWriter, value: T) => void;
  /** Reads the struct; unknown keys are skipped, missing keys keep Go's zero value. */
  readonly decode: (r: MsgpackReader) => T;
  /** The source of the generated encode and decode functions (see schema-codegen.ts). */
  readonly source: string;

  constructor(name: string, fields: readonly FieldSpec<T>[]) {
    this.name = name;
    this.fields = fields;
    const te = new TextEncoder();
    const declared: GenField[] = fields.map((f) => {
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
    // Wire order: byte-wise sorted by Go name, as go-msgpack writes struct maps.
    const sorted = [...declared].sort((a, b) => compareBytes(a.goName, b.goName));
    const generated = generateStructCodec(name, declared, sorted);
    this.encode = generated.encode as (w: MsgpackWriter, value: T) => void;
    this.decode = generated.decode as (r: MsgpackReader) => T;
    this.source = generated.source;
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
