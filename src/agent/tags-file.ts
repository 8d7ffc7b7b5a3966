/**
 * The agent's tags file (--tags-file), as Serf's agent keeps it: a JSON object of tag name →
 * value, read at start when it exists, and rewritten (mode 0600, atomically through a temporary
 * file and a rename) on every tag change made through the HTTP API.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A tags file that cannot be read, parsed or written; the message names the file. */
export class TagsFileError extends Error {
  override readonly name = 'TagsFileError';
}

/** The tags in the file; undefined when it does not exist. */
export async function readTagsFile(path: string): Promise<Record<string, string> | undefined> {
  const fail = (why: string): TagsFileError => new TagsFileError(`tags file ${path}: ${why}`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fail(`cannot read it: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw fail(`not JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw fail('not a JSON object of tags');
  for (const [k, v] of Object.entries(doc)) {
    if (typeof v !== 'string') throw fail(`tag ${JSON.stringify(k)}: the value is not a string`);
  }
  return { ...(doc as Record<string, string>) };
}

export async function writeTagsFile(path: string, tags: Readonly<Record<string, string>>): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, JSON.stringify(tags, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw new TagsFileError(`tags file ${path}: cannot write it: ${(err as Error).message}`);
  }
}
