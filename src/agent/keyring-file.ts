/**
 * The agent's keyring file (--keyring-file): a JSON array of base64 keys, primary first. It is
 * read and checked in full at start, and rewritten atomically on every change: the new content
 * goes to a temporary file in the same directory (mode 0600, flushed to disk) that is then
 * renamed over the old one, so a crash leaves either the old or the new keyring, never a torn one.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { keyText, parseKey } from './key-text.ts';

/** A keyring file that cannot be read, parsed or written; the message names the file. */
export class KeyringFileError extends Error {
  override readonly name = 'KeyringFileError';
}

/** Far more than any keyring needs; protects against pointing the flag at a huge file. */
const MAX_FILE_BYTES = 1 << 20;

/** The keys in the file, primary first; undefined when the file does not exist. */
export async function readKeyringFile(path: string): Promise<Uint8Array[] | undefined> {
  const fail = (why: string): KeyringFileError => new KeyringFileError(`keyring file ${path}: ${why}`);
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw fail('not a regular file');
    if (info.size > MAX_FILE_BYTES) throw fail(`${info.size} bytes, more than a keyring file can be`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof KeyringFileError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fail(`cannot read it: ${systemError(err)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw fail(`not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(doc)) throw fail('not a JSON array of base64 keys');
  return doc.map((entry: unknown, i) => {
    const where = `entry ${i + 1}`;
    if (typeof entry !== 'string') throw fail(`${where}: not a string`);
    try {
      return parseKey(where, entry);
    } catch (err) {
      throw fail((err as Error).message);
    }
  });
}

/** Replaces the file's content with `keys` (primary first), atomically. */
export async function writeKeyringFile(path: string, keys: readonly Uint8Array[]): Promise<void> {
  const text = JSON.stringify(keys.map(keyText), null, 2) + '\n';
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.writeFile(text, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw new KeyringFileError(`keyring file ${path}: cannot write it: ${systemError(err)}`);
  }
  await syncDirectory(dirname(path));
}

/** Makes the rename durable; best effort (not every platform can open a directory). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // the rename itself has happened; durability across a power loss is all that is at stake
  }
}

/** "EACCES: permission denied" without the syscall and (temporary) path node appends. */
function systemError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/, \w+ '[^']*'( -> '[^']*')?$/, '');
}

export function sameKeys(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((k, i) => keyText(k) === keyText(b[i]));
}
