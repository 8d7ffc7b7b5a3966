/**
 * The has-CRC layer (type 12): `[0x0C][CRC-32/IEEE of the rest, u32 big-endian][payload]`, added
 * toward peers that speak protocol 5 and checked, when present, on the outermost layer only.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import { DecodeError } from '../errors.ts';
import { MessageType } from './messages.ts';

/** CRC-32/IEEE (zlib's), as Go's crc32.ChecksumIEEE. */
export function crc32(data: Uint8Array): number {
  return zlibCrc32(data) >>> 0;
}

export function addCrcHeader(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 5);
  out[0] = MessageType.HasCrc;
  new DataView(out.buffer).setUint32(1, crc32(payload));
  out.set(payload, 5);
  return out;
}

/** Verifies and strips the CRC header of `buf` (which starts with 0x0C). */
export function removeCrcHeader(buf: Uint8Array): Uint8Array {
  if (buf.length < 5) throw new DecodeError('truncated', `crc: header needs 5 bytes, got ${buf.length}`);
  const expected = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(1);
  const payload = buf.subarray(5);
  const actual = crc32(payload);
  if (actual !== expected) {
    throw new DecodeError('bad-crc', `invalid checksum: got ${actual.toString(16)}, expected ${expected.toString(16)}`);
  }
  return payload;
}
