/**
 * The `compress` message (type 9): `[0x09] msgpack{Algo: 0, Buf: LZW(message)}`. Wrapping and
 * unwrapping whole messages; the LZW itself lives in lzw.ts.
 */
import { DecodeError } from '../errors.ts';
import { encodeMessage } from './codec.ts';
import { MAX_DECOMPRESSED_BYTES } from './limits.ts';
import { LzwDecoder, lzwCompress, lzwCompressor, lzwDecompress } from './lzw.ts';
import { MessageType, compressCodec } from './messages.ts';
import { MsgpackReader } from './msgpack-reader.ts';

/** The only algorithm Go memberlist knows. */
export const LZW_ALGO = 0;

/** Wraps a whole message (starting with its type byte) in a compress message. */
export function compressMessage(msg: Uint8Array): Uint8Array {
  return encodeMessage(MessageType.Compress, { algo: LZW_ALGO, buf: lzwCompress(msg) });
}

/**
 * `compressMessage` a slice at a time: `step(n)` compresses about n more bytes of `msg` and
 * returns the compress message once done.
 */
export function compressMessageLater(msg: Uint8Array): { step(n: number): Uint8Array | undefined } {
  const lzw = lzwCompressor(msg);
  return {
    step: (n) => {
      const buf = lzw.step(n);
      return buf === undefined ? undefined : encodeMessage(MessageType.Compress, { algo: LZW_ALGO, buf });
    },
  };
}

/**
 * Reads one compress struct at `r` (just after the 0x09 type byte) and returns the decompressed
 * message it carries. An empty result is an error, as on Go's main branch.
 */
export function readCompressed(r: MsgpackReader, maxOutput = MAX_DECOMPRESSED_BYTES): Uint8Array {
  return readCompressedLater(r, maxOutput).finish();
}

/**
 * `readCompressed` with the decompression left to do: `finish()` decompresses at once; or
 * `step(n)` decompresses about n more bytes at a time and returns the message once it is
 * complete. Same errors.
 */
export function readCompressedLater(
  r: MsgpackReader,
  maxOutput = MAX_DECOMPRESSED_BYTES,
): { readonly compressedBytes: number; step(n: number): Uint8Array | undefined; finish(): Uint8Array } {
  const c = compressCodec.decode(r);
  if (c.algo !== LZW_ALGO) {
    throw new DecodeError('unsupported', `cannot decompress unknown algorithm ${c.algo}`);
  }
  const buf = c.buf ?? new Uint8Array(0);
  const checked = (out: Uint8Array): Uint8Array => {
    if (out.length === 0) throw new DecodeError('malformed', 'compressed message is empty');
    return out;
  };
  let decoder: LzwDecoder | undefined;
  return {
    compressedBytes: buf.length,
    step: (n) => {
      decoder ??= new LzwDecoder(buf, maxOutput);
      const out = decoder.step(n);
      return out === undefined ? undefined : checked(out);
    },
    finish: () => checked(lzwDecompress(buf, maxOutput)),
  };
}

/** Unwraps a compress message (starting with 0x09). */
export function decompressMessage(msg: Uint8Array, maxOutput = MAX_DECOMPRESSED_BYTES): Uint8Array {
  if (msg.length === 0 || msg[0] !== MessageType.Compress) {
    throw new DecodeError('unexpected-type', 'not a compress message');
  }
  return readCompressed(new MsgpackReader(msg, 1), maxOutput);
}
