/**
 * Serf's keyring file: a JSON array of base64 keys, primary first, written with mode 0600
 * (atomically, through a temporary file) whenever a key query changes the keyring.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { decodeBase64Key, encodeBase64Key } from './key-manager.ts';

export function writeKeyringFile(path: string, keys: readonly Uint8Array[]): void {
  const text = JSON.stringify(keys.map(encodeBase64Key), null, 2);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Reads a keyring file; throws Error naming the file for bad JSON or bad keys. */
export function readKeyringFile(path: string): Uint8Array[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`failed to read keyring file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((k) => typeof k === 'string')) {
    throw new Error(`keyring file ${path} is not a JSON array of base64 strings`);
  }
  return parsed.map((k: string) => decodeBase64Key(k));
}
