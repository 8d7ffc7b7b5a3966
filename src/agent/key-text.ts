/**
 * Encryption keys as the agent's users handle them: standard base64 text (with padding) of 16,
 * 24 or 32 bytes. A bad key raises KeyError, whose message names the flag or field it came from;
 * the CLI prints it as one line and exits 1, the HTTP API answers 400.
 */
import { createHash } from 'node:crypto';

export const KEY_SIZES = [16, 24, 32] as const;

/** A key that is not base64 or not 16/24/32 bytes, or a keyring change that is not allowed. */
export class KeyError extends Error {
  override readonly name = 'KeyError';
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes a key. `source` names where the text came from ("--encrypt", "key", "entry 2") and
 * starts the error message. The text itself is never echoed: it may be a real key with a typo.
 */
export function parseKey(source: string, text: string): Uint8Array {
  if (text === '' || !BASE64.test(text)) throw new KeyError(`${source}: not a base64 key`);
  const bytes = Buffer.from(text, 'base64');
  // Rejects non-zero padding bits, so each key has exactly one spelling.
  if (bytes.toString('base64') !== text) throw new KeyError(`${source}: not a base64 key`);
  if (!(KEY_SIZES as readonly number[]).includes(bytes.length)) {
    throw new KeyError(`${source}: ${bytes.length} bytes; a key must be 16, 24 or 32 bytes`);
  }
  return new Uint8Array(bytes);
}

export function keyText(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64');
}

/** A short, non-secret identifier of a key for logs: 16 hex digits of its SHA-256. */
export function keyId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
