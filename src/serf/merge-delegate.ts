/**
 * Serf's merge delegate (Go's serf.MergeDelegate): an application check that can refuse members
 * before memberlist accepts them — every node of a join push/pull at once, and each alive
 * message on its own. Members are validated first as Go Serf does (4- or 16-byte address,
 * metadata within 512 bytes) and carry status `left` or `none`.
 */
import type { Logger } from '../core/core-io.ts';
import type { Node } from '../core/node-state.ts';
import { DecodeError } from '../errors.ts';
import { MAX_META_BYTES } from '../wire/limits.ts';
import type { Member } from './member.ts';
import { decodeTags } from './tags.ts';

export interface SerfMergeDelegate {
  /**
   * Called with the members of a join push/pull, or the one member of an alive message.
   * Throw to refuse: the whole merge, or that alive message, is then ignored.
   */
  notifyMerge(members: Member[]): void;
}

/** Go's mergeDelegate.nodeToMember: validates a memberlist node and converts it (throws if invalid). */
export function mergeMember(n: Node, log: Logger): Member {
  if (n.addrBytes.length !== 4 && n.addrBytes.length !== 16) {
    throw new Error(`IP byte length is invalid: ${n.addrBytes.length} bytes is not either 4 or 16`);
  }
  if (n.meta.length > MAX_META_BYTES) {
    throw new Error(`Encoded length of tags exceeds limit of ${MAX_META_BYTES} bytes`);
  }
  let tags: Record<string, string> = {};
  try {
    tags = decodeTags(n.meta);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    log.error({ node: n.name, err: err.message }, 'serf: failed to decode tags');
  }
  return {
    name: n.name,
    addr: n.addr,
    addrBytes: n.addrBytes,
    port: n.port,
    tags,
    status: n.state === 'left' ? 'left' : 'none',
    protocolMin: n.pmin,
    protocolMax: n.pmax,
    protocolCur: n.pcur,
    delegateMin: n.dmin,
    delegateMax: n.dmax,
    delegateCur: n.dcur,
  };
}
