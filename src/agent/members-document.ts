/**
 * The JSON documents of the agent's HTTP API: `GET /v1/members` (every member the node still
 * knows, dead and left ones included, sorted by name), `GET /v1/health` and `GET /v1/stats`; how
 * they are built from Memberlist state, and how a client checks a members document it received.
 * (The keyring document is in agent-keyring.ts.)
 */
import type { Node, NodeStatus } from '../core/node-state.ts';

export interface MemberJson {
  readonly name: string;
  /** The IP as text. */
  readonly addr: string;
  readonly port: number;
  readonly status: NodeStatus;
  readonly incarnation: number;
  /** Base64 of the metadata bytes ("" for none). */
  readonly meta: string;
  readonly protocol: { readonly min: number; readonly max: number; readonly cur: number };
}

export interface MembersDocument {
  readonly members: readonly MemberJson[];
}

export interface HealthDocument {
  /** Lifeguard's awareness score: 0 is healthy, higher means this node is struggling. */
  readonly healthScore: number;
  /** Live members (alive or suspect), this node included. */
  readonly members: number;
}

export interface StatsDocument {
  /** Input dropped on purpose since start, by reason (no-key, label-mismatch, …). */
  readonly drops: Readonly<Record<string, number>>;
  readonly healthScore: number;
  /** Live members (alive or suspect), this node included. */
  readonly members: number;
}

export function memberJson(n: Node): MemberJson {
  return {
    name: n.name,
    addr: n.addr,
    port: n.port,
    status: n.state,
    incarnation: n.incarnation,
    meta: Buffer.from(n.meta.buffer, n.meta.byteOffset, n.meta.byteLength).toString('base64'),
    protocol: { min: n.pmin, max: n.pmax, cur: n.pcur },
  };
}

export function membersDocument(nodes: readonly Node[]): MembersDocument {
  const members = nodes.map(memberJson);
  members.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { members };
}

const STATUSES: readonly string[] = ['alive', 'suspect', 'dead', 'left'];

/** Parses and checks a members document (as the `members` command receives it); throws Error. */
export function parseMembersDocument(text: string): MembersDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('response is not JSON');
  }
  const members = (doc as { members?: unknown } | null)?.members;
  if (!Array.isArray(members)) throw new Error('response has no "members" list');
  for (const m of members as unknown[]) {
    const ok =
      typeof m === 'object' &&
      m !== null &&
      typeof (m as MemberJson).name === 'string' &&
      typeof (m as MemberJson).addr === 'string' &&
      typeof (m as MemberJson).port === 'number' &&
      STATUSES.includes((m as MemberJson).status) &&
      typeof (m as MemberJson).incarnation === 'number' &&
      typeof (m as MemberJson).meta === 'string';
    if (!ok) throw new Error(`response has a malformed member: ${JSON.stringify(m)}`);
  }
  return doc as MembersDocument;
}
