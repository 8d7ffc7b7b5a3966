/**
 * `GET /v1/members` of an agent in serf mode: the shape of `serf members -format=json` — name,
 * "IP:PORT" address, port, tags, Serf status (alive, leaving, left, failed) and the Serf
 * (delegate) protocol range and version as min/max/version — sorted by name; and how a client
 * checks such a document.
 */
import type { Member } from '../serf/member.ts';
import { joinHostPort } from '../net/ip.ts';

export interface SerfMemberJson {
  readonly name: string;
  /** "IP:PORT" ("[v6]:PORT"), as Serf prints it. */
  readonly addr: string;
  readonly port: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly status: string;
  readonly protocol: { readonly min: number; readonly max: number; readonly version: number };
}

export interface SerfMembersDocument {
  readonly members: readonly SerfMemberJson[];
}

export function serfMemberJson(m: Member): SerfMemberJson {
  return {
    name: m.name,
    addr: joinHostPort(m.addr, m.port),
    port: m.port,
    tags: { ...m.tags },
    status: m.status,
    protocol: { min: m.delegateMin, max: m.delegateMax, version: m.delegateCur },
  };
}

export function serfMembersDocument(members: readonly Member[]): SerfMembersDocument {
  const out = members.map(serfMemberJson);
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { members: out };
}

/** Whether a parsed members document is serf-shaped (its members carry tags). */
export function isSerfMembersDocument(doc: { members: readonly unknown[] }): doc is SerfMembersDocument {
  return doc.members.length > 0 && doc.members.every((m) => isSerfMember(m));
}

function isSerfMember(m: unknown): m is SerfMemberJson {
  const x = m as Partial<SerfMemberJson> | null;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.name === 'string' &&
    typeof x.addr === 'string' &&
    typeof x.port === 'number' &&
    typeof x.status === 'string' &&
    typeof x.tags === 'object' &&
    x.tags !== null &&
    Object.values(x.tags).every((v) => typeof v === 'string')
  );
}
