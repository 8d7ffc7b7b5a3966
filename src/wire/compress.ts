/**
 * The `compress` message (type 9): `[0x09] msgpack{Algo: 0, Buf: LZW(message)}`. Wrapping and
 * unwrapping whole messages; the LZW itself lives in lzw.ts.
 */
import { DecodeError } from '../errors.ts';
import { encodeMessage } from './codec.ts';
import { MAX_DECOMPRESSED_BYTES } from './limits.ts';
import { lzwCompress, lzwDecompress } from './lzw.ts';
import { MessageType, compressCodec } from './messages.ts';
import { MsgpackReader } from './msgpack-reader.ts';

/** The only algorithm Go memberlist knows. */
export const LZW_ALGO = 0;

/** Wraps a whole message (starting with its type byte) in a compress message. */
export function compressMessage(msg: Uint8Array): Uint8Array {
  return encodeMessage(MessageType.Compress, { algo: LZW_ALGO, buf: lzwCompress(msg) });
}

/**
 * Reads one compress struct at `r` (just after the 0x09 type byte) and returns the decompressed
 * message it carries. An empty result is an error, as on Go's main branch.
 */
export function readCompressed(r: MsgpackReader, maxOutput = MAX_DECOMPRESSED_BYTES): Uint8Array {
  const c = compressCodec.decode(r);
  if (c.algo !== LZW_ALGO) {
    throw new DecodeError('unsupported', `cannot decompress unknown algorithm ${c.algo}`);
  }
  const out = lzwDecompress(c.buf ?? new Uint8Array(0), maxOutput);
  if (out.length === 0) throw new DecodeError('malformed', 'compressed message is empty');
  return out;
}

/** Unwraps a compress message (starting with 0x09). */
export function decompressMessage(msg: Uint8Array, maxOutput = MAX_DECOMPRESSED_BYTES): Uint8Array {
  if (msg.length === 0 || msg[0] !== MessageType.Compress) {
    throw new DecodeError('unexpected-type', 'not a compress message');
  }
  return readCompressed(new MsgpackReader(msg, 1), maxOutput);
}
