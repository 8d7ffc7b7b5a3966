/**
 * `memberlist-ts tags --set KEY=VALUE --delete KEY`: changes a running agent's tags (serf mode)
 * through `POST /v1/tags`, like `serf tags -set/-delete`, and prints the tags it then has.
 */
import { DEFAULT_HTTP } from './agent-flags.ts';
import { FlagError, type HostPort, parseFlags, parseHostPort, parseKeyValue } from './flags.ts';
import { postCommand } from './http-client.ts';

export interface TagsOptions {
  readonly http: HostPort;
  readonly set: Readonly<Record<string, string>>;
  readonly delete: readonly string[];
}

/** Parses the arguments after `tags`. Returns 'help' for -h/--help; throws FlagError. */
export function parseTagsFlags(args: readonly string[]): TagsOptions | 'help' {
  const values = parseFlags(args, {
    set: { type: 'string', multiple: true },
    delete: { type: 'string', multiple: true },
    http: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) return 'help';
  const set: Record<string, string> = {};
  for (const pair of values.set ?? []) {
    const [k, v] = parseKeyValue('--set', pair);
    set[k] = v;
  }
  const del = values.delete ?? [];
  if (del.some((k) => k === '')) throw new FlagError('--delete: a tag name must not be empty');
  if (Object.keys(set).length === 0 && del.length === 0)
    throw new FlagError('tags: give --set KEY=VALUE or --delete KEY');
  return { http: parseHostPort('--http', values.http ?? DEFAULT_HTTP), set, delete: del };
}

export async function runTags(opts: TagsOptions): Promise<number> {
  const doc = (await postCommand(opts.http, '/v1/tags', { tags: opts.set, delete: opts.delete }, '', 15_000)) as
    { tags?: Record<string, string> } | undefined;
  if (doc === undefined) return 1;
  const tags = doc.tags ?? {};
  const text = Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(',');
  process.stdout.write(`Successfully updated agent tags: ${text}\n`);
  return 0;
}
