/**
 * The struct codec generator. For each StructCodec it writes, once, the source of one encode and
 * one decode function specialised to that struct's field list and compiles them with
 * `new Function`. Generated code reads and writes object properties by literal name (so V8 sees one
 * object shape per call site instead of every message type through one shared loop), writes each
 * map key as inline byte stores, and picks a field on decode by key length and then key bytes.
 * Every value form is still read or written by one shared function: the `put*` functions of
 * msgpack-writer.ts, the MsgpackReader methods (which hold every bounds and range check) and the
 * composite helpers of schema-composite.ts; generated code only sequences them.
 *
 * Generated for memberlist's `ackResp` (SeqNo u32, Payload []byte); `StructCodec.source` holds
 * it for every struct:
 *
 *   return function encode_ackResp(w, v) {
 *     const x0 = v["payload"] ?? null;          // fields in wire order (byte-wise sorted Go names)
 *     const x1 = v["seqNo"];
 *     const need = 33 + (x0 === null ? 0 : x0.length); // most bytes the struct can take
 *     let b = w.buf;
 *     let p = w.pos;
 *     if (p + need > b.length) { w.pos = p; w.ensure(need); b = w.buf; }
 *     b[p++] = 0x80 | 2;                        // fixmap header (a count, for omitempty fields)
 *     b[p] = 167; b[p + 1] = 80; … p += 8; // Payload
 *     p = putBytesOrNil(b, p, x0);
 *     b[p] = 165; b[p + 1] = 83; … p += 6; // SeqNo
 *     p = putUint(b, p, x1);
 *     w.pos = p;
 *   };
 *
 *   return function decode_ackResp(r) {
 *     let f0 = 0;                               // Go zero values, in declaration order
 *     let f1 = null;
 *     if (r.tryNil()) return { "seqNo": f0, "payload": f1 };
 *     const count = r.containerCount();         // bounded by the input
 *     if (r.lastIsMap) {
 *       const b = r.buf;
 *       for (let i = 0; i < count; i++) {
 *         const len = r.keyLength();
 *         const s = r.rawStart;
 *         switch (len) {
 *           case 5:
 *             if (b[s] === 83 && … && b[s + 4] === 111) { f0 = r.unsigned(4294967295, "ackResp.seqNo"); continue; }
 *             break;
 *           case 7:
 *             if (b[s] === 80 && … && b[s + 6] === 100) { f1 = r.bytesOrNil(); continue; }
 *             break;
 *         }
 *         r.skip(); // a key this struct does not have
 *       }
 *     } else {
 *       // go-msgpack also fills a struct from an array, in declaration order.
 *       for (let i = 0; i < count; i++) {
 *         switch (i) {
 *           case 0: f0 = r.unsigned(4294967295, "ackResp.seqNo"); break;
 *           case 1: f1 = r.bytesOrNil(); break;
 *           default: r.skip();
 *         }
 *       }
 *     }
 *     return { "seqNo": f0, "payload": f1 };
 *   };
 *
 * Composite (Serf) fields are written through the writer by a schema-composite.ts function, after
 * which room is made again; nested struct codecs are passed in as `nested<i>`.
 *
 * Only field names, property names and constants from the schema declarations reach the source
 * (property names and key text through JSON.stringify); nothing from the input does.
 */
import type { MsgpackReader } from './msgpack-reader.ts';
import {
  type MsgpackWriter,
  NUMBER_MAX_BYTES,
  STR_HEADER_MAX_BYTES,
  putBytesOrNil,
  putF64,
  putInt,
  putMapHeader,
  putString,
  putUint,
} from './msgpack-writer.ts';
import * as composite from './schema-composite.ts';
import type { NestedCodec } from './schema-composite.ts';
import type { FieldKind } from './schema.ts';

/** A field as the generator needs it (see schema.ts for the kinds). */
export interface GenField {
  /** Property of the TypeScript object. */
  readonly key: string;
  readonly kind: FieldKind;
  readonly omitEmpty: boolean;
  /** The Go field name, UTF-8: the map key. */
  readonly goName: Uint8Array;
  /** The map key as written: str-family header + goName. */
  readonly encodedKey: Uint8Array;
  readonly nested: NestedCodec | undefined;
}

export interface GeneratedCodec {
  encode(w: MsgpackWriter, value: object): void;
  decode(r: MsgpackReader): object;
  /** The generated source, for debugging and tests. */
  readonly source: string;
}

/** Everything generated code may call, passed in as the factory's parameters. */
const runtime = {
  putUint,
  putInt,
  putF64,
  putString,
  putBytesOrNil,
  putMapHeader,
  ...composite,
};
const runtimeNames = Object.keys(runtime);

/** Largest value of each unsigned kind, for the decode range check. */
const UNSIGNED_MAX: Record<string, number> = {
  u8: 0xff,
  u16: 0xffff,
  u32: 0xffffffff,
  u64: Number.MAX_SAFE_INTEGER,
};

/** Kinds written by a schema-composite.ts helper through the writer (not into `b` directly). */
const WRITER_KINDS: ReadonlySet<FieldKind> = new Set<FieldKind>([
  'f64s',
  'strings',
  'bytesList',
  'stringMap',
  'u64Map',
  'struct',
  'structList',
]);

const str = (s: string): string => JSON.stringify(s);

/** The Go zero value of a kind, as source. */
function zeroSource(kind: FieldKind): string {
  switch (kind) {
    case 'bool':
      return 'false';
    case 'string':
      return "''";
    case 'u8':
    case 'u16':
    case 'u32':
    case 'int':
    case 'u64':
    case 'i64':
    case 'f64':
      return '0';
    default:
      return 'null';
  }
}

/** An expression that is true when `x` is empty for `omitempty`. */
function emptySource(kind: FieldKind, x: string): string {
  switch (kind) {
    case 'bool':
      return `${x} === false`;
    case 'string':
      return `${x} === ''`;
    case 'bytes':
      return `(${x} === null || ${x}.length === 0)`;
    case 'f64s':
    case 'strings':
    case 'bytesList':
    case 'structList':
      return `(${x} == null || ${x}.length === 0)`;
    case 'stringMap':
    case 'u64Map':
      return `(${x} == null || ${x}.size === 0)`;
    case 'struct':
      return `${x} == null`;
    default:
      return `${x} === 0`;
  }
}

/** Statements writing `bytes` at `b[p]` and advancing `p`. */
function rawBytesSource(bytes: Uint8Array, comment: string): string {
  const stores = [...bytes].map((byte, i) => `b[p${i === 0 ? '' : ` + ${i}`}] = ${byte};`);
  return `${stores.join(' ')} p += ${bytes.length}; // ${comment}`;
}

/** A Go name for a `//` comment: printable ASCII only, so nothing can end the comment early. */
function commentText(name: Uint8Array): string {
  return String.fromCharCode(...name).replace(/[^\x20-\x7e]/g, '?');
}

/**
 * A condition that is true when the key at `b[s]` (of the case's length) is `name`. Bytes are
 * compared starting at `first`, the first position where the names of that length differ, so a
 * mismatch is usually found by the first comparison.
 */
function keyMatchSource(name: Uint8Array, first: number): string {
  if (name.length === 0) return 'true';
  const order = [first, ...[...name.keys()].filter((i) => i !== first)];
  return order.map((i) => `b[s${i === 0 ? '' : ` + ${i}`}] === ${name[i]}`).join(' && ');
}

/** The first byte position at which some of `names` (all of one length) differ; 0 if none do. */
function firstDifference(names: readonly Uint8Array[]): number {
  for (let i = 0; i < names[0].length; i++) {
    if (names.some((n) => n[i] !== names[0][i])) return i;
  }
  return 0;
}

function generateEncoder(fnName: string, what: (f: GenField) => string, sorted: readonly GenField[]): string {
  const lines: string[] = [];
  // Fixed part of the bound: map header, keys, and the largest header/number of every value.
  let fixed = STR_HEADER_MAX_BYTES;
  const variable: string[] = [];
  sorted.forEach((f, i) => {
    const x = `x${i}`;
    lines.push(`const ${x} = v[${str(f.key)}]${f.kind === 'bytes' ? ' ?? null' : ''};`);
    fixed += f.encodedKey.length;
    if (f.kind === 'string') {
      fixed += STR_HEADER_MAX_BYTES;
      variable.push(`3 * ${x}.length`);
    } else if (f.kind === 'bytes') {
      fixed += STR_HEADER_MAX_BYTES;
      variable.push(`(${x} === null ? 0 : ${x}.length)`);
    } else if (!WRITER_KINDS.has(f.kind)) {
      fixed += NUMBER_MAX_BYTES;
    }
  });
  const omittable = sorted.map((f, i) => ({ f, i })).filter(({ f }) => f.omitEmpty);
  if (omittable.length > 0) {
    lines.push(`let n = ${sorted.length};`);
    for (const { f, i } of omittable) lines.push(`if (${emptySource(f.kind, `x${i}`)}) n--;`);
  }
  const need = [String(fixed), ...variable].join(' + ');
  const ensure = 'if (p + need > b.length) { w.pos = p; w.ensure(need); b = w.buf; }';
  lines.push(`const need = ${need};`, 'let b = w.buf;', 'let p = w.pos;', ensure);
  const count = omittable.length > 0 ? 'n' : String(sorted.length);
  lines.push(sorted.length < 16 ? `b[p++] = 0x80 | ${count};` : `p = putMapHeader(b, p, ${count});`);
  sorted.forEach((f, i) => {
    const x = `x${i}`;
    const body: string[] = [rawBytesSource(f.encodedKey, commentText(f.goName))];
    switch (f.kind) {
      case 'u8':
      case 'u16':
      case 'u32':
        body.push(`p = putUint(b, p, ${x});`);
        break;
      case 'u64':
        body.push(`p = putUint(b, p, requireNumber(${x}, ${str(what(f))}));`);
        break;
      case 'int':
        body.push(`p = putInt(b, p, ${x});`);
        break;
      case 'i64':
        body.push(`p = putInt(b, p, requireNumber(${x}, ${str(what(f))}));`);
        break;
      case 'f64':
        body.push(`p = putF64(b, p, requireNumber(${x}, ${str(what(f))}));`);
        break;
      case 'bool':
        body.push(`b[p++] = ${x} ? 0xc3 : 0xc2;`);
        break;
      case 'string':
        body.push(`p = putString(b, p, ${x});`);
        break;
      case 'bytes':
        body.push(`p = putBytesOrNil(b, p, ${x});`);
        break;
      default: {
        // A composite value goes through the writer, which grows as it needs; then room for the
        // rest of the fields is made again.
        const writer = `write${f.kind[0].toUpperCase()}${f.kind.slice(1)}`;
        const nested = f.nested === undefined ? '' : `, nested${i}`;
        body.push(`w.pos = p; ${writer}(w, ${x}${nested}); b = w.buf; p = w.pos;`, ensure);
      }
    }
    if (f.omitEmpty) lines.push(`if (!(${emptySource(f.kind, x)})) {`, ...body.map((l) => `  ${l}`), '}');
    else lines.push(...body);
  });
  lines.push('w.pos = p;');
  return `return function ${fnName}(w, v) {\n${indent(lines)}\n};`;
}

/** The expression reading one field's value from `r`. */
function readSource(f: GenField, i: number, what: string): string {
  switch (f.kind) {
    case 'u8':
    case 'u16':
    case 'u32':
    case 'u64':
      return `r.unsigned(${UNSIGNED_MAX[f.kind]}, ${str(what)})`;
    case 'int':
    case 'i64':
      return 'r.integer()';
    case 'bool':
      return 'r.boolean()';
    case 'string':
      return 'r.string()';
    case 'bytes':
      return 'r.bytesOrNil()';
    case 'f64':
      return 'readF64(r)';
    case 'struct':
      return `nested${i}.decode(r)`;
    case 'structList':
      return `readStructList(r, ${str(what)}, nested${i})`;
    default:
      return `read${f.kind[0].toUpperCase()}${f.kind.slice(1)}(r, ${str(what)})`;
  }
}

function generateDecoder(fnName: string, what: (f: GenField) => string, declared: readonly GenField[]): string {
  const lines: string[] = [];
  declared.forEach((f, i) => lines.push(`let f${i} = ${zeroSource(f.kind)};`));
  const result = `{ ${declared.map((f, i) => `${str(f.key)}: f${i}`).join(', ')} }`;
  lines.push(`if (r.tryNil()) return ${result};`, 'const count = r.containerCount();', 'if (r.lastIsMap) {');
  // Map form: dispatch on key length, then compare the key bytes.
  const byLength = new Map<number, number[]>();
  declared.forEach((f, i) => byLength.set(f.goName.length, [...(byLength.get(f.goName.length) ?? []), i]));
  const cases: string[] = [];
  for (const [len, indexes] of [...byLength].sort((a, b) => a[0] - b[0])) {
    cases.push(`case ${len}:`);
    const first = firstDifference(indexes.map((i) => declared[i].goName));
    for (const i of indexes) {
      const f = declared[i];
      cases.push(`  if (${keyMatchSource(f.goName, first)}) { f${i} = ${readSource(f, i, what(f))}; continue; }`);
    }
    cases.push('  break;');
  }
  const mapLoop = [
    'const b = r.buf;',
    'for (let i = 0; i < count; i++) {',
    '  const len = r.keyLength();',
    '  const s = r.rawStart;',
    '  switch (len) {',
    ...cases.map((c) => `    ${c}`),
    '  }',
    '  r.skip(); // a key this struct does not have',
    '}',
  ];
  lines.push(...mapLoop.map((l) => `  ${l}`));
  lines.push('} else {', '  // go-msgpack also fills a struct from an array, in declaration order.');
  const arrayCases = declared.map((f, i) => `      case ${i}: f${i} = ${readSource(f, i, what(f))}; break;`);
  lines.push(
    '  for (let i = 0; i < count; i++) {',
    '    switch (i) {',
    ...arrayCases,
    '      default: r.skip();',
    '    }',
    '  }',
    '}',
    `return ${result};`,
  );
  return `return function ${fnName}(r) {\n${indent(lines)}\n};`;
}

function indent(lines: readonly string[]): string {
  return lines.map((l) => `  ${l}`).join('\n');
}

/**
 * Generates and compiles the codec of struct `name`. `declared` is in Go declaration order,
 * `sorted` in wire order (byte-wise by Go name).
 */
export function generateStructCodec(
  name: string,
  declared: readonly GenField[],
  sorted: readonly GenField[],
): GeneratedCodec {
  const id = name.replace(/[^A-Za-z0-9_]/g, '_');
  const what = (f: GenField): string => `${name}.${f.key}`;
  // Nested codecs are parameters named after the field's index in the order each function uses.
  const encodeSource = generateEncoder(`encode_${id}`, what, sorted);
  const decodeSource = generateDecoder(`decode_${id}`, what, declared);
  const encNested = sorted.map((_, i) => `nested${i}`);
  const decNested = declared.map((_, i) => `nested${i}`);
  const compile = (source: string, params: string[], nested: readonly GenField[]): any =>
    new Function(...runtimeNames, ...params, `'use strict';\n${source}`)(
      ...runtimeNames.map((k) => runtime[k as keyof typeof runtime]),
      ...nested.map((f) => f.nested),
    );
  return {
    encode: compile(encodeSource, encNested, sorted),
    decode: compile(decodeSource, decNested, declared),
    source: `${encodeSource}\n\n${decodeSource}`,
  };
}
