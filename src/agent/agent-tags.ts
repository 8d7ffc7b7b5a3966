/**
 * The tags of an agent in serf mode and their runtime changes (`POST /v1/tags`, like
 * `serf tags -set/-delete`): a change is checked (Consul-owned tags refused with --consul-dc,
 * the 512-byte limit), written to the tags file when there is one, then gossiped. Changes run one
 * at a time. The user's tags are kept apart from the Consul profile's, which never change and
 * are never written to the tags file.
 */
import type { Logger } from '../core/core-io.ts';
import { HttpError } from './http-api.ts';
import { tagProblem } from './tag-rules.ts';
import { writeTagsFile } from './tags-file.ts';

/** What the agent's tags need from the Serf node. */
export interface TagSetter {
  setTags(tags: Readonly<Record<string, string>>): Promise<void>;
}

export interface TagsDocument {
  /** Every tag the node gossips (Consul profile tags included). */
  readonly tags: Readonly<Record<string, string>>;
}

export class AgentTags {
  private user: Record<string, string>;
  private readonly fixed: Readonly<Record<string, string>>;
  private readonly serf: TagSetter;
  private readonly file: string | undefined;
  private readonly log: Logger;
  private tail: Promise<unknown> = Promise.resolve();

  /** `user`: the --tag/--tags-file tags; `fixed`: the Consul profile's (empty without --consul-dc). */
  constructor(
    serf: TagSetter,
    o: { user: Record<string, string>; fixed: Readonly<Record<string, string>>; file: string | undefined; log: Logger },
  ) {
    this.serf = serf;
    this.user = { ...o.user };
    this.fixed = o.fixed;
    this.file = o.file;
    this.log = o.log;
  }

  /** Every tag the node starts with. */
  all(): Record<string, string> {
    return { ...this.fixed, ...this.user };
  }

  document(): TagsDocument {
    return { tags: this.all() };
  }

  /** Sets and deletes user tags; rejects with HttpError 400 for a change that is not allowed. */
  change(set: Readonly<Record<string, string>>, del: readonly string[]): Promise<TagsDocument> {
    const run = this.tail.then(() => this.apply(set, del));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async apply(set: Readonly<Record<string, string>>, del: readonly string[]): Promise<TagsDocument> {
    const consul = Object.keys(this.fixed).length > 0;
    const touched = Object.fromEntries([...del.map((k) => [k, '']), ...Object.entries(set)]);
    const touchProblem = tagProblem(touched, consul);
    if (touchProblem !== undefined) throw new HttpError(400, `tags: ${touchProblem}`);
    const next: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.user)) if (!del.includes(k)) next[k] = v;
    Object.assign(next, set);
    const problem = tagProblem(next, consul, this.fixed);
    if (problem !== undefined) throw new HttpError(400, `tags: ${problem}`);
    if (this.file !== undefined) await writeTagsFile(this.file, next);
    await this.serf.setTags({ ...this.fixed, ...next });
    this.user = next;
    this.log.info({ set: Object.keys(set), deleted: del, tags: this.all() }, 'tags updated');
    return this.document();
  }
}
