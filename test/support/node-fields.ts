/**
 * Decoded push/pull node states as plain objects, to compare with `toEqual`: a node state read in
 * Go's layout is a member record (src/wire/go-node-state.ts), whose address and metadata are
 * accessors over held bytes, not own properties.
 */
import type { PushNodeState } from '../../src/wire/messages.ts';
import type { PushPull } from '../../src/wire/push-pull.ts';

export function nodeFields(n: PushNodeState): PushNodeState {
  return {
    name: n.name,
    addr: n.addr,
    port: n.port,
    meta: n.meta,
    incarnation: n.incarnation,
    state: n.state,
    vsn: n.vsn,
  };
}

export function plainPushPull(pp: PushPull): PushPull {
  return { join: pp.join, nodes: pp.nodes.map(nodeFields), userState: pp.userState };
}
