/**
 * Rules for the tags an agent in serf mode sets on itself (from --tag, --tags-file or
 * POST /v1/tags): they must fit memberlist's 512-byte metadata once encoded, and with
 * --consul-dc they must not touch the tags the Consul LAN profile owns (the ones that tell a
 * client from a server, its datacenter, ID and versions).
 */
import { encodeTags } from '../serf/tags.ts';

/** Tags owned by the Consul LAN profile: `role`, `dc`, `id`, `segment`, `build`, `vsn*`. */
export function isConsulOwnedTag(key: string): boolean {
  return ['role', 'dc', 'id', 'segment', 'build'].includes(key) || key.startsWith('vsn');
}

/**
 * What is wrong with `tags` as a node's own tags, or undefined. `extra` are tags that will be
 * set alongside (the Consul profile's), counted in the size.
 */
export function tagProblem(
  tags: Readonly<Record<string, string>>,
  consul: boolean,
  extra: Readonly<Record<string, string>> = {},
): string | undefined {
  if (consul) {
    const owned = Object.keys(tags).filter(isConsulOwnedTag);
    if (owned.length > 0) {
      return `${owned.map((k) => JSON.stringify(k)).join(', ')}: set by the Consul profile (--consul-dc), not allowed here`;
    }
  }
  if (Object.keys(tags).some((k) => k === '')) return 'a tag name must not be empty';
  try {
    encodeTags({ ...extra, ...tags });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return undefined;
}
