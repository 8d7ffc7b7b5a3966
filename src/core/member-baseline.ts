/**
 * A member list every node of a simulated cluster starts from, as if the cluster had finished
 * joining: each member alive with its identity (name, address, port, metadata, version bytes)
 * and incarnation. One baseline is shared, read-only, by all simulated nodes, so a cluster of N
 * nodes holds N entries instead of N² (see `OverlayMemberTable`).
 */
import { isIP } from 'node:net';
import { NodeStateCode } from '../wire/messages.ts';
import { internAscii } from '../wire/string-intern.ts';
import { adoptPushState } from '../wire/push-state-cache.ts';
import { ownVsn } from '../wire/vsn-intern.ts';
import { KnownNodeStates } from '../wire/known-node-states.ts';
import type { ProtocolConfig } from './config.ts';
import { NodeState } from './node-state.ts';

export interface BaselineMember {
  readonly name: string;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly meta: Uint8Array | null;
  /** [pmin, pmax, pcur, dmin, dmax, dcur] */
  readonly vsn: Uint8Array;
  readonly incarnation: number;
}

export class MemberBaseline {
  /** Entries by id (0..length − 1). Never changed: a node copies an entry before changing it. */
  readonly entries: readonly NodeState[];
  /** Member name → id. */
  readonly index: ReadonlyMap<string, number>;
  /** How many members are named by an IP address (see `MemberTable.getByHost`). */
  readonly ipNamed: number;
  /** The entries' push/pull encoding, for the nodes' writers and readers (undefined if not in Go's layout). */
  readonly known: KnownNodeStates | undefined;
  /** The ids 0..length − 1 in order: the probe order a node starts from, copied at once. */
  readonly ids: Uint32Array;

  constructor(members: readonly BaselineMember[]) {
    const entries: NodeState[] = [];
    const index = new Map<string, number>();
    let ipNamed = 0;
    const utf8 = new TextEncoder();
    for (const m of members) {
      // The string the push/pull decoder will hand back for this name (string-intern.ts), so a
      // lookup by a decoded name finds an identical key rather than comparing characters.
      const bytes = utf8.encode(m.name);
      const name = internAscii(bytes, 0, bytes.length) ?? m.name;
      if (isIP(name) !== 0) ipNamed++;
      if (index.has(name)) throw new Error(`duplicate member ${name} in baseline`);
      index.set(name, entries.length);
      // Six version bytes are shared with every record of the same value (vsn-intern.ts).
      const vsn = m.vsn.length === 6 ? ownVsn(m.vsn) : m.vsn;
      entries.push(new NodeState(name, m.addr, m.port, m.meta, m.incarnation, NodeStateCode.Alive, 0, vsn));
    }
    // What the push/pull decoder compares a received node state with (push-state-cache.ts): the
    // shared entries every node holds, allocated together in the order every member list is
    // encoded, rather than a record decoded for each name at its first push/pull somewhere.
    for (const e of entries) adoptPushState(e);
    // Nodes that have not changed a member send the baseline's entry: its encoding is made once
    // and copied into every push/pull, and recognized by every reader (known-node-states.ts).
    this.known = KnownNodeStates.of(entries, index);
    this.entries = entries;
    this.index = index;
    this.ipNamed = ipNamed;
    this.ids = new Uint32Array(entries.length);
    for (let i = 0; i < entries.length; i++) this.ids[i] = i;
  }

  get length(): number {
    return this.entries.length;
  }
}

/** The six version bytes a node with `config` advertises: [pmin, pmax, pcur, dmin, dmax, dcur]. */
export function localVersionBytes(c: ProtocolConfig): Uint8Array {
  return new Uint8Array([
    1,
    5,
    c.protocolVersion,
    c.delegateProtocolMin,
    c.delegateProtocolMax,
    c.delegateProtocolVersion,
  ]);
}
