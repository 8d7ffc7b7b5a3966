/**
 * Serf tags in memberlist node metadata: `[0xFF] + msgpack map[string]string` (protocol ≥ 3),
 * at most 512 bytes including the magic byte; the legacy form (protocol < 3, or any blob not
 * starting with 0xFF) is the raw `role` string.
 */
import { ConfigError, DecodeError } from '../errors.ts';
import { MsgpackReader } from '../wire/msgpack-reader.ts';
import { MsgpackWriter } from '../wire/msgpack-writer.ts';
import { MAX_META_BYTES } from '../wire/limits.ts';

/** Go's tagMagicByte. */
export const TAG_MAGIC_BYTE = 0xff;

export type Tags = Readonly<Record<string, string>>;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * Encodes tags for the given Serf protocol version; keys are written sorted. Throws a
 * ConfigError when the result exceeds memberlist's 512-byte metadata limit.
 */
export function encodeTags(tags: Tags, protocolVersion = 5): Uint8Array {
  let out: Uint8Array;
  if (protocolVersion < 3) {
    out = utf8.encode(tags.role ?? '');
  } else {
    const keys = Object.keys(tags).sort();
    const w = new MsgpackWriter(64);
    w.byte(TAG_MAGIC_BYTE);
    w.mapHeader(keys.length);
    for (const k of keys) {
      w.string(k);
      w.string(String(tags[k]));
    }
    out = w.bytes().slice();
  }
  if (out.length > MAX_META_BYTES) {
    throw new ConfigError(
      `Encoded length of tags exceeds limit of ${MAX_META_BYTES} bytes (encoded: ${out.length} bytes)`,
    );
  }
  return out;
}

/**
 * Decodes node metadata into tags. A blob that is empty or does not start with 0xFF is the
 * legacy role string. A malformed map throws DecodeError (callers log it and use `{}`).
 */
export function decodeTags(meta: Uint8Array): Record<string, string> {
  if (meta.length === 0 || meta[0] !== TAG_MAGIC_BYTE) return { role: utf8Decoder.decode(meta) };
  const r = new MsgpackReader(meta, 1);
  if (r.remaining === 0 || r.tryNil()) return {};
  const { count, isMap } = r.containerHeader();
  if (!isMap) throw new DecodeError('unexpected-type', 'serf: tags are not a map');
  const entries: [string, string][] = [];
  for (let i = 0; i < count; i++) {
    const k = r.string();
    entries.push([k, r.string()]);
  }
  // fromEntries defines own properties, so a "__proto__" key is only a key.
  return Object.fromEntries(entries);
}
