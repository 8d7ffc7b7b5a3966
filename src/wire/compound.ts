/**
 * The compound message (type 7): `[0x07][count u8][count × u16 BE length][parts…]`, several whole
 * messages in one datagram. Up to 255 parts, each shorter than 64 KiB.
 */
import { ConfigError, DecodeError } from '../errors.ts';
import { MAX_COMPOUND_PART_BYTES, MAX_COMPOUND_PARTS } from './limits.ts';
import { MessageType } from './messages.ts';
import { allocOutput } from './pool.ts';

export function encodeCompound(parts: readonly Uint8Array[]): Uint8Array {
  const count = parts.length;
  if (count > MAX_COMPOUND_PARTS) {
    throw new ConfigError(`compound: ${count} parts, at most ${MAX_COMPOUND_PARTS}`);
  }
  let size = 2 + 2 * count;
  for (let i = 0; i < count; i++) {
    const n = parts[i].length;
    if (n > MAX_COMPOUND_PART_BYTES) {
      throw new ConfigError(`compound: part of ${n} bytes, at most ${MAX_COMPOUND_PART_BYTES}`);
    }
    size += n;
  }
  const out = allocOutput(size);
  out[0] = MessageType.Compound;
  out[1] = count;
  let at = 2 + 2 * count;
  for (let i = 0; i < count; i++) {
    const p = parts[i];
    const n = p.length;
    out[2 + 2 * i] = n >>> 8;
    out[3 + 2 * i] = n;
    out.set(p, at);
    at += n;
  }
  return out;
}

/** Packs any number of messages into compounds of at most 255 parts each. */
export function encodeCompounds(parts: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < parts.length; i += MAX_COMPOUND_PARTS) {
    out.push(encodeCompound(parts.slice(i, i + MAX_COMPOUND_PARTS)));
  }
  return out;
}

/**
 * Splits a compound body: the bytes of `b` from `start` (after the 0x07 type byte: a whole
 * message is split with `start` 1, without making a view of its body first). Parts whose bytes
 * are missing are counted as truncated and dropped; the complete ones before them are kept
 * (views, no copies).
 */
export function decodeCompound(b: Uint8Array, start = 0): { parts: Uint8Array[]; truncated: number } {
  const end = b.length;
  if (end - start < 1) throw new DecodeError('truncated', 'compound: missing part count');
  const count = b[start];
  if (end - start < 1 + 2 * count) throw new DecodeError('truncated', 'compound: truncated length slice');
  const parts = new Array<Uint8Array>(count);
  const buffer = b.buffer;
  const base = b.byteOffset;
  let at = start + 1 + 2 * count;
  for (let i = 0; i < count; i++) {
    const len = (b[start + 1 + 2 * i] << 8) | b[start + 2 + 2 * i];
    if (end - at < len) {
      parts.length = i;
      return { parts, truncated: count - i };
    }
    // A view made from the buffer directly: subarray() costs more (it looks up a species).
    parts[i] = new Uint8Array(buffer, base + at, len);
    at += len;
  }
  return { parts, truncated: 0 };
}
