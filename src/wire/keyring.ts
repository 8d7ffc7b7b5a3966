/**
 * The keyring: AES keys (16, 24 or 32 bytes), the first one primary. Only the primary encrypts;
 * every key is tried when decrypting, so a cluster can rotate keys without a partition:
 * install the new key everywhere, make it primary everywhere, remove the old one.
 */
import { ConfigError } from '../errors.ts';

const VALID_LENGTHS = new Set([16, 24, 32]);

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function validateKey(key: Uint8Array): void {
  if (!VALID_LENGTHS.has(key.length)) {
    throw new ConfigError(`key size must be 16, 24 or 32 bytes, got ${key.length}`);
  }
}

export class Keyring {
  private list: Uint8Array[] = [];

  /** `keys` in order; `primary` (installed if missing) becomes the primary key. */
  constructor(keys: readonly Uint8Array[] = [], primary?: Uint8Array) {
    for (const k of keys) this.addKey(k);
    if (primary !== undefined) {
      this.addKey(primary);
      this.useKey(primary);
    }
  }

  /** All keys, primary first. */
  get keys(): readonly Uint8Array[] {
    return this.list;
  }

  get primaryKey(): Uint8Array | undefined {
    return this.list[0];
  }

  /** Installs a key (no-op if present). The first key ever installed becomes primary. */
  addKey(key: Uint8Array): void {
    validateKey(key);
    if (this.list.some((k) => sameKey(k, key))) return;
    this.list = [...this.list, key.slice()];
  }

  /** Makes an installed key the primary one. */
  useKey(key: Uint8Array): void {
    const i = this.list.findIndex((k) => sameKey(k, key));
    if (i < 0) throw new ConfigError('requested key is not in the keyring');
    if (i === 0) return;
    const k = this.list[i];
    this.list = [k, ...this.list.slice(0, i), ...this.list.slice(i + 1)];
  }

  /** Removes a key; the primary key cannot be removed. */
  removeKey(key: Uint8Array): void {
    const i = this.list.findIndex((k) => sameKey(k, key));
    if (i === 0) throw new ConfigError('removing the primary key is not allowed');
    if (i < 0) return;
    this.list = this.list.filter((_, j) => j !== i);
  }
}
