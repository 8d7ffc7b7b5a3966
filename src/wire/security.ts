/**
 * AES-GCM as memberlist frames it: `[version][12-byte nonce][ciphertext][16-byte tag]`, the key
 * length choosing AES-128/192/256. Version 0 pads the plaintext PKCS#7-style to 16 bytes first
 * (peers on protocol version 1); version 1 does not. Decryption tries every key in order.
 * Implemented with node:crypto (OpenSSL), measured faster than @noble/ciphers (see README).
 */
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { DecodeError } from '../errors.ts';

export type EncryptionVersion = 0 | 1;

const VERSION_SIZE = 1;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const BLOCK_SIZE = 16;
const MAX_VERSION = 1;

const CIPHERS: Record<number, 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm'> = {
  16: 'aes-128-gcm',
  24: 'aes-192-gcm',
  32: 'aes-256-gcm',
};

function cipherFor(key: Uint8Array): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  const c = CIPHERS[key.length];
  if (c === undefined) throw new RangeError(`encryption key must be 16, 24 or 32 bytes, got ${key.length}`);
  return c;
}

/** Bytes added to a message: version, nonce, tag, and for version 0 up to a block of padding. */
export function encryptOverhead(v: EncryptionVersion): number {
  return v === 0 ? VERSION_SIZE + NONCE_SIZE + TAG_SIZE + BLOCK_SIZE : VERSION_SIZE + NONCE_SIZE + TAG_SIZE;
}

export function encryptedLength(v: EncryptionVersion, plaintextLength: number): number {
  const base = VERSION_SIZE + NONCE_SIZE + TAG_SIZE + plaintextLength;
  return v === 0 ? base + (BLOCK_SIZE - (plaintextLength % BLOCK_SIZE)) : base;
}

/** Seals `plaintext` with `key`; `aad` is authenticated but not encrypted. */
export function encryptPayload(
  v: EncryptionVersion,
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  nonce?: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(encryptedLength(v, plaintext.length));
  out[0] = v;
  const n = out.subarray(VERSION_SIZE, VERSION_SIZE + NONCE_SIZE);
  if (nonce !== undefined) n.set(nonce.subarray(0, NONCE_SIZE));
  else randomFillSync(n);
  const cipher = createCipheriv(cipherFor(key), key, n, { authTagLength: TAG_SIZE });
  if (aad.length > 0) cipher.setAAD(aad);
  let at = VERSION_SIZE + NONCE_SIZE;
  const body = cipher.update(plaintext);
  out.set(body, at);
  at += body.length;
  if (v === 0) {
    const pad = BLOCK_SIZE - (plaintext.length % BLOCK_SIZE);
    const padded = cipher.update(new Uint8Array(pad).fill(pad));
    out.set(padded, at);
    at += padded.length;
  }
  const tail = cipher.final();
  out.set(tail, at);
  at += tail.length;
  out.set(cipher.getAuthTag(), at);
  return out;
}

function open(key: Uint8Array, payload: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  const nonce = payload.subarray(VERSION_SIZE, VERSION_SIZE + NONCE_SIZE);
  const ct = payload.subarray(VERSION_SIZE + NONCE_SIZE, payload.length - TAG_SIZE);
  const tag = payload.subarray(payload.length - TAG_SIZE);
  const d = createDecipheriv(cipherFor(key), key, nonce, { authTagLength: TAG_SIZE });
  if (aad.length > 0) d.setAAD(aad);
  d.setAuthTag(tag);
  const plain = d.update(ct);
  try {
    d.final();
  } catch {
    return undefined;
  }
  return new Uint8Array(plain.buffer, plain.byteOffset, plain.length);
}

/**
 * Opens a payload with the first key that authenticates it. Errors: 'truncated' (too short for
 * its version), 'unsupported' (version > 1), 'no-key' (no key fits, or the AAD/label differs),
 * 'malformed' (bad version 0 padding under a valid tag).
 */
export function decryptPayload(keys: readonly Uint8Array[], payload: Uint8Array, aad: Uint8Array): Uint8Array {
  if (payload.length === 0) throw new DecodeError('truncated', 'cannot decrypt empty payload');
  const v = payload[0];
  if (v > MAX_VERSION) throw new DecodeError('unsupported', `unsupported encryption version ${v}`);
  if (payload.length < encryptedLength(v as EncryptionVersion, 0)) {
    throw new DecodeError('truncated', `payload is too small to decrypt: ${payload.length}`);
  }
  for (const key of keys) {
    const plain = open(key, payload, aad);
    if (plain === undefined) continue;
    if (v === 1) return plain;
    const pad = plain.length > 0 ? plain[plain.length - 1] : 0;
    if (pad < 1 || pad > BLOCK_SIZE || pad > plain.length) {
      throw new DecodeError('malformed', 'invalid PKCS#7 padding');
    }
    return plain.subarray(0, plain.length - pad);
  }
  throw new DecodeError('no-key', 'no installed keys could decrypt the message');
}
