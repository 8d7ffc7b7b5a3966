/**
 * The agent's keyring: the keys it starts with (--encrypt, --keyring-file) and the runtime
 * changes the HTTP API asks for (install, use, remove). A change is checked first, then written
 * to the keyring file (when there is one), then applied to the node's live keyring, which the
 * node reads on every packet and stream; a change that is refused or cannot be written leaves
 * both untouched. Changes run one at a time and are logged at info (with key ids, never keys).
 */
import type { Logger } from '../core/core-io.ts';
import { Keyring } from '../wire/keyring.ts';
import { KeyError, keyId, keyText } from './key-text.ts';
import { readKeyringFile, sameKeys, writeKeyringFile } from './keyring-file.ts';

/** `GET /v1/keyring`: every key in base64, primary first; primary is null without keys. */
export interface KeyringDocument {
  readonly keys: readonly string[];
  readonly primary: string | null;
}

export type KeyringChange = 'install' | 'use' | 'remove';
export const KEYRING_CHANGES: readonly KeyringChange[] = ['install', 'use', 'remove'];

/**
 * The keys an agent starts with: the file's keys (if --keyring-file exists) plus the --encrypt
 * key as primary. The file is created when missing and rewritten when --encrypt changed it.
 * Throws KeyringFileError (naming the file) for a bad or unwritable file.
 */
export async function startingKeys(encrypt: Uint8Array | undefined, file: string | undefined): Promise<Uint8Array[]> {
  const fromFile = file === undefined ? undefined : await readKeyringFile(file);
  const keys = [...new Keyring(fromFile ?? [], encrypt).keys];
  if (file !== undefined && (fromFile === undefined || !sameKeys(fromFile, keys))) {
    await writeKeyringFile(file, keys);
  }
  return keys;
}

export function keyringDocument(keys: readonly Uint8Array[]): KeyringDocument {
  return { keys: keys.map(keyText), primary: keys.length > 0 ? keyText(keys[0]) : null };
}

export class AgentKeyring {
  private readonly live: Keyring;
  private readonly file: string | undefined;
  private readonly log: Logger;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(live: Keyring, file: string | undefined, log: Logger) {
    this.live = live;
    this.file = file;
    this.log = log;
  }

  document(): KeyringDocument {
    return keyringDocument(this.live.keys);
  }

  /** Applies one change; rejects with KeyError when it is not allowed, KeyringFileError when unwritable. */
  change(kind: KeyringChange, key: Uint8Array): Promise<KeyringDocument> {
    const run = this.tail.then(() => this.apply(kind, key));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async apply(kind: KeyringChange, key: Uint8Array): Promise<KeyringDocument> {
    const installed = this.live.keys.some((k) => keyText(k) === keyText(key));
    const isPrimary = installed && keyText(this.live.keys[0]) === keyText(key);
    if (kind !== 'install' && !installed) throw new KeyError(`key: the key is not installed`);
    if (kind === 'remove' && isPrimary) {
      throw new KeyError('key: cannot remove the primary key; make another key primary first');
    }
    const next = new Keyring(this.live.keys);
    if (kind === 'install') next.addKey(key);
    else if (kind === 'use') next.useKey(key);
    else next.removeKey(key);
    const fields = { change: kind, key: keyId(key) };
    if (sameKeys(next.keys, this.live.keys)) {
      this.log.info({ ...fields, keys: next.keys.length }, `keyring unchanged: ${NOOP[kind]}`);
      return this.document();
    }
    if (this.file !== undefined) await writeKeyringFile(this.file, next.keys);
    if (kind === 'install') this.live.addKey(key);
    else if (kind === 'use') this.live.useKey(key);
    else this.live.removeKey(key);
    const primary = this.live.primaryKey;
    this.log.info(
      { ...fields, keys: this.live.keys.length, primary: primary === undefined ? null : keyId(primary) },
      DONE[kind],
    );
    return this.document();
  }
}

const DONE: Record<KeyringChange, string> = {
  install: 'keyring: key installed',
  use: 'keyring: primary key changed',
  remove: 'keyring: key removed',
};

const NOOP: Record<KeyringChange, string> = {
  install: 'the key was already installed',
  use: 'the key was already primary',
  remove: 'the key was not installed',
};
