/**
 * The Consul LAN profile: Serf options that make a node look like a Consul *client* agent
 * (v1.22.0) in a datacenter's LAN pool — the tags a client sends (`role=node`, `dc`, `id`,
 * `vsn`/`vsn_min`/`vsn_max`, a parseable `build`, `segment=""`, optionally `rc_tm`), Consul's
 * changes to Serf's and memberlist's LAN defaults, the per-member `rc_tm` reconnect timeout, and
 * Consul's LAN merge checks. It never claims `role=consul` (server) nor Enterprise tags.
 */
import { randomUUID } from 'node:crypto';
import { formatGoDuration, parseGoDuration } from '../util/go-duration.ts';
import { consulLanMergeDelegate } from './consul-merge.ts';
import type { Member } from './member.ts';
import type { SerfMemberlistOptions, SerfOptions } from './serf-options.ts';
import type { Tags } from './tags.ts';

/** The Consul release whose client agent this profile imitates. */
export const CONSUL_VERSION = '1.22.0';
/** Consul's RPC protocol: DefaultRPCProtocol, ProtocolVersionMin, ProtocolVersionMax. */
export const CONSUL_PROTOCOL = { vsn: 2, min: 2, max: 3 } as const;
/** Serf protocol Consul runs (its protocolVersionMap sends every Consul protocol to Serf 4). */
export const CONSUL_SERF_PROTOCOL = 4;
/** Consul's serf_lan port. */
export const CONSUL_SERF_LAN_PORT = 8301;

const HOUR = 3_600_000;

export interface ConsulLanProfileOptions {
  /** The node name (unique in the datacenter ignoring case; DNS-safe names are advised). */
  readonly nodeName: string;
  /** The datacenter: lowercase letters, digits, `-` and `_`, as Consul requires. */
  readonly dc: string;
  /** The node ID, a UUID (lowercased as Consul does); a random UUID v4 by default. */
  readonly nodeId?: string;
  /** The `build` tag: "x.y.z:revision"; default `1.22.0:memberlist-ts`. Must contain an x.y.z. */
  readonly build?: string;
  /** ms; advertised in the `rc_tm` tag (Consul's advertise_reconnect_timeout) when given. */
  readonly advertiseReconnectTimeout?: number;
  /** Refuse members as a Consul agent's LAN merge delegate does (default true). */
  readonly mergeChecks?: boolean;
  /** memberlist options over Consul's LAN ones (bind address and port, keys, …). */
  readonly memberlist?: SerfMemberlistOptions;
}

/** What `consulLanProfile` returns: options for `Serf.create`, plus the ID it chose. */
export interface ConsulLanProfile extends SerfOptions {
  readonly tags: Tags;
  readonly nodeId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `id` is a UUID as Consul parses node IDs (36 characters, dashes at 8/13/18/23, hex). */
export function isConsulNodeId(id: string): boolean {
  return UUID.test(id.toLowerCase());
}

/**
 * Consul's per-member reconnect timeout (libserf's ReconnectOverride): a member's `rc_tm` tag,
 * a Go duration, replaces the default unless it is malformed or zero.
 */
export function consulReconnectTimeout(member: Member, timeoutMs: number): number {
  const raw = member.tags.rc_tm;
  if (raw === undefined) return timeoutMs;
  try {
    const ms = parseGoDuration(raw);
    return ms === 0 ? timeoutMs : ms;
  } catch {
    return timeoutMs;
  }
}

/**
 * Serf options for a Consul client-like LAN member: spread them into `Serf.create` (add a
 * logger, snapshot path, … as needed) and join any agent's serf_lan address.
 */
export function consulLanProfile(o: ConsulLanProfileOptions): ConsulLanProfile {
  if (!/^[a-z0-9_-]+$/.test(o.dc)) {
    throw new RangeError(
      `datacenter can only contain lowercase alphanumeric, - or _ characters. received: ${JSON.stringify(o.dc)}`,
    );
  }
  const nodeId = (o.nodeId ?? randomUUID()).toLowerCase();
  if (!isConsulNodeId(nodeId)) throw new RangeError(`specified NodeID is invalid: ${JSON.stringify(o.nodeId)}`);
  const build = o.build ?? `${CONSUL_VERSION}:memberlist-ts`;
  if (!/\d+\.\d+\.\d+/.test(build))
    throw new RangeError(`build must contain a version x.y.z: ${JSON.stringify(build)}`);
  const tags: Record<string, string> = {
    role: 'node',
    dc: o.dc,
    segment: '',
    id: nodeId,
    vsn: String(CONSUL_PROTOCOL.vsn),
    vsn_min: String(CONSUL_PROTOCOL.min),
    vsn_max: String(CONSUL_PROTOCOL.max),
    build,
  };
  if (o.advertiseReconnectTimeout !== undefined && o.advertiseReconnectTimeout !== 0) {
    tags.rc_tm = formatGoDuration(o.advertiseReconnectTimeout);
  }
  return {
    nodeName: o.nodeName,
    nodeId,
    tags,
    protocolVersion: CONSUL_SERF_PROTOCOL,
    // libserf.DefaultConfig and consul.DefaultConfig over serf.DefaultConfig.
    queueDepthWarning: 1_000_000,
    minQueueDepth: 4096,
    leavePropagateDelay: 3_000,
    reconnectTimeout: 72 * HOUR,
    reconnectTimeoutOverride: consulReconnectTimeout,
    merge: (o.mergeChecks ?? true) ? consulLanMergeDelegate({ dc: o.dc, nodeId, nodeName: o.nodeName }) : undefined,
    memberlist: {
      profile: 'lan',
      bindPort: CONSUL_SERF_LAN_PORT,
      deadNodeReclaimTime: 30_000,
      ...o.memberlist,
    },
  };
}
