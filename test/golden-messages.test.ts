/**
 * Every message body Go memberlist encoded (test/golden/messages.json) decodes to the fields Go
 * put in, and encoding those fields gives Go's bytes exactly.
 */
import { describe, expect, it } from 'vitest';
import { MsgpackReader } from '../src/wire/msgpack-reader.ts';
import { MsgpackWriter } from '../src/wire/msgpack-writer.ts';
import { codecsByName } from '../src/wire/messages.ts';
import { hex, toHex } from './support/hex.ts';
import { type GoFields, fromGoFields, loadVectors } from './support/vectors.ts';

interface MessageVector {
  name: string;
  type: number;
  typeName: string;
  fields: GoFields;
  hex: string;
}

const { vectors } = loadVectors<{ vectors: MessageVector[] }>('messages.json');

describe('golden message vectors from Go memberlist', () => {
  it('cover every message body', () => {
    expect(new Set(vectors.map((v) => v.typeName))).toEqual(new Set(Object.keys(codecsByName)));
  });

  for (const v of vectors) {
    it(v.name, () => {
      const codec = codecsByName[v.typeName];
      const bytes = hex(v.hex);
      const hasTypeByte = v.typeName !== 'pushNodeState';
      if (hasTypeByte) expect(bytes[0]).toBe(v.type);
      const start = hasTypeByte ? 1 : 0;
      const r = new MsgpackReader(bytes, start);
      const decoded = codec.decode(r);
      expect(r.pos).toBe(bytes.length);
      const expected = fromGoFields(codec, v.fields);
      expect(decoded).toEqual(expected);
      const w = new MsgpackWriter();
      if (hasTypeByte) w.byte(v.type);
      codec.encode(w, expected);
      expect(toHex(w.bytes())).toBe(v.hex);
    });
  }
});
