/**
 * The checks a Consul agent runs on members joining its LAN pool (Consul CE's lanMergeDelegate,
 * as of v1.22.0), as a Serf merge delegate, plus the tag parsing they rely on: the version in a
 * `build` tag and whether a member's tags describe a Consul server.
 */
import type { Member } from './member.ts';
import type { SerfMergeDelegate } from './merge-delegate.ts';

/** A version "x.y.z" as numbers. */
export type ConsulVersion = readonly [number, number, number];

/** Consul insists on unique node IDs only among members whose build is at least this. */
const UNIQUE_ID_MIN_VERSION: ConsulVersion = [0, 8, 5];

/**
 * The version in a `build` tag ("1.22.0:abcdef12", "1.22.0+ent:…", "1.22.0-rc1:…"): the first
 * `\d+\.\d+\.\d+` anywhere in it, as Consul parses it; undefined when there is none (Consul then
 * neither registers the member in its catalog nor counts it as a server).
 */
export function parseConsulBuild(build: string | undefined): ConsulVersion | undefined {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(build ?? '');
  if (m === null) return undefined;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
  return v.every((n) => Number.isSafeInteger(n)) ? v : undefined;
}

function compareVersions(a: ConsulVersion, b: ConsulVersion): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** Go's strconv.Atoi: optional sign, decimal digits, within int64 (checked to 2^53 here). */
function isGoInt(s: string): boolean {
  return /^[+-]?\d+$/.test(s) && Number.isSafeInteger(Number(s));
}

/** "host:port" (or "[v6]:port") with a numeric port, as Go's net.SplitHostPort + Atoi accept. */
function isHostPort(s: string): boolean {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(s);
  return m !== null && isGoInt(m[3]);
}

/**
 * The datacenter of a member whose tags make it a Consul server (role=consul with numeric
 * `port` and `vsn`, a parseable `build`, and well-formed optional tags), else undefined.
 */
export function consulServerDatacenter(tags: Readonly<Record<string, string>>): string | undefined {
  if (tags.role !== 'consul') return undefined;
  for (const k of ['expect', 'wan_join_port', 'raft_vsn']) {
    if (k in tags && !isGoInt(tags[k])) return undefined;
  }
  if (!isGoInt(tags.port ?? '') || !isGoInt(tags.vsn ?? '')) return undefined;
  for (const [k, v] of Object.entries(tags)) {
    if (k.startsWith('sl_') && !isHostPort(v)) return undefined;
    if (k.startsWith('ft_') && !isGoInt(v)) return undefined;
  }
  if ('grpc_port' in tags || 'grpc_tls_port' in tags) {
    const port = (k: string): number => (isGoInt(tags[k] ?? '') ? Number(tags[k]) : 0);
    if (port('grpc_port') < 1 && port('grpc_tls_port') < 1) return undefined;
  }
  if (parseConsulBuild(tags.build) === undefined) return undefined;
  return tags.dc ?? '';
}

export interface ConsulLanMergeOptions {
  /** Our datacenter: every `role=node` member and every server must be in it. */
  readonly dc: string;
  /** Our node ID (the `id` tag) and name: another name with our ID is refused. */
  readonly nodeId: string;
  readonly nodeName: string;
}

/**
 * Checks a batch of members as Consul's lanMergeDelegate does, throwing the first refusal
 * (Consul's error texts): an `id` equal to ours under another name (compared ignoring case),
 * two members of the batch sharing an `id` (the first of them with a build ≥ 0.8.5), a
 * `role=node` member or a server of another datacenter, and the Enterprise-only `fips`, `ap` and
 * `segment` tags. Members that have left are exempt from the ID checks only.
 */
export function checkConsulLanMembers(o: ConsulLanMergeOptions, members: readonly Member[]): void {
  const ids = new Map<string, string>();
  for (const m of members) {
    const id = m.tags.id ?? '';
    if (id !== '' && m.status !== 'left') {
      if (id === o.nodeId && m.name.toLowerCase() !== o.nodeName.toLowerCase()) {
        throw new Error(`Member '${m.name}' has conflicting node ID '${id}' with this agent's ID`);
      }
      const other = ids.get(id);
      if (other !== undefined) {
        throw new Error(`Member '${m.name}' has conflicting node ID '${id}' with member '${other}'`);
      }
      const build = parseConsulBuild(m.tags.build);
      if (build !== undefined && compareVersions(build, UNIQUE_ID_MIN_VERSION) >= 0) ids.set(id, m.name);
    }
    if (m.tags.role === 'node' && (m.tags.dc ?? '') !== o.dc) {
      throw new Error(`Member '${m.name}' part of wrong datacenter '${m.tags.dc ?? ''}'`);
    }
    const serverDc = consulServerDatacenter(m.tags);
    if (serverDc !== undefined && serverDc !== o.dc) {
      throw new Error(`Member '${m.name}' part of wrong datacenter '${serverDc}'`);
    }
    if ((m.tags.fips ?? '') !== '') {
      throw new Error(`Member '${m.name}' is FIPS Consul; FIPS Consul is only available in Consul Enterprise`);
    }
    if ((m.tags.ap ?? '') !== '') {
      throw new Error(
        `Member '${m.name}' part of partition '${m.tags.ap}'; Partitions are a Consul Enterprise feature`,
      );
    }
    if ((m.tags.segment ?? '') !== '') {
      throw new Error(
        `Member '${m.name}' part of segment '${m.tags.segment}'; Network Segments are a Consul Enterprise feature`,
      );
    }
  }
}

/** Consul's LAN merge checks as a Serf merge delegate. */
export function consulLanMergeDelegate(o: ConsulLanMergeOptions): SerfMergeDelegate {
  return { notifyMerge: (members) => checkConsulLanMembers(o, members) };
}
