/**
 * The tags an agent in serf mode starts with: --tag, or the content of --tags-file when it
 * exists (the two cannot be combined). File tags obey the same rules as --tag (size; with
 * --consul-dc, no Consul-owned tags); a file that breaks them is a TagsFileError naming it.
 */
import type { AgentOptions } from './agent-flags.ts';
import { tagProblem } from './tag-rules.ts';
import { readTagsFile, TagsFileError } from './tags-file.ts';

export async function startingTags(
  opts: Pick<AgentOptions, 'tags' | 'tagsFile' | 'consulDc'>,
): Promise<Record<string, string>> {
  if (opts.tagsFile === undefined) return { ...opts.tags };
  const tags = (await readTagsFile(opts.tagsFile)) ?? {};
  const problem = tagProblem(tags, opts.consulDc !== undefined);
  if (problem !== undefined) throw new TagsFileError(`tags file ${opts.tagsFile}: ${problem}`);
  return tags;
}
