/**
 * Typed errors. Every decoder in memberlist-ts throws only `DecodeError` for bad input, so a
 * caller can drop the packet or stream with one `instanceof` check and log `code` + message.
 */

/** Why input was rejected. Stable strings: they appear in logs and metrics labels. */
export type DecodeErrorCode =
  | 'truncated' // input ended before a complete value
  | 'malformed' // bytes that are not valid for the expected format
  | 'unexpected-type' // a msgpack value of the wrong family for a field
  | 'out-of-range' // a number that does not fit the Go type of its field
  | 'limit' // a length or count above one of the hardening limits (see wire/limits.ts)
  | 'unknown-message-type'
  | 'bad-crc'
  | 'label-mismatch'
  | 'no-key' // no key in the keyring could decrypt the payload
  | 'not-encrypted' // plaintext where encryption is required
  | 'encryption-not-configured' // ciphertext where no keyring exists
  | 'unsupported'; // e.g. unknown compression algorithm or encryption version

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly code: DecodeErrorCode;
  /**
   * For 'truncated' on a stream still arriving: the input length at which decoding can make
   * progress (a lower bound), when the decoder knows it.
   */
  readonly needed: number | undefined;

  constructor(code: DecodeErrorCode, message: string, needed?: number) {
    super(message);
    this.code = code;
    this.needed = needed;
  }
}

/** Raised for a local API misuse (bad argument), never for remote input. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
