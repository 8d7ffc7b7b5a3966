/**
 * Configuration of a Serf node: Go's serf.Config knobs (durations in milliseconds) with Go's
 * DefaultConfig values, the memberlist options Serf passes through, and query parameters.
 */
import type { Logger } from '../core/core-io.ts';
import type { MemberlistOptions } from '../memberlist.ts';
import type { Member } from './member.ts';
import type { SerfMergeDelegate } from './merge-delegate.ts';
import type { Tags } from './tags.ts';

/** memberlist options a Serf node passes through (Serf owns the name, delegates and versions). */
export type SerfMemberlistOptions = Omit<
  MemberlistOptions,
  | 'name'
  | 'delegate'
  | 'events'
  | 'conflict'
  | 'ping'
  | 'merge'
  | 'alive'
  | 'meta'
  | 'logger'
  | 'delegateProtocolVersion'
  | 'delegateProtocolMin'
  | 'delegateProtocolMax'
  | 'protocolVersion'
>;

export interface SerfOptions {
  readonly nodeName: string;
  readonly tags?: Tags;
  /** Serf protocol version, 2..5 (Go library default 4; the serf agent uses 5). */
  readonly protocolVersion?: number;
  readonly memberlist?: SerfMemberlistOptions;
  readonly logger?: Logger;
  readonly broadcastTimeout?: number;
  readonly leavePropagateDelay?: number;
  readonly eventBuffer?: number;
  readonly queryBuffer?: number;
  readonly reapInterval?: number;
  readonly recentIntentTimeout?: number;
  readonly reconnectInterval?: number;
  readonly reconnectTimeout?: number;
  /** Per-member reconnect timeout (Consul's `rc_tm` tag); return `timeoutMs` to keep the default. */
  readonly reconnectTimeoutOverride?: (member: Member, timeoutMs: number) => number;
  readonly tombstoneTimeout?: number;
  readonly queueCheckInterval?: number;
  readonly queueDepthWarning?: number;
  readonly maxQueueDepth?: number;
  /** When > 0 the queue limit is max(minQueueDepth, 2 × members) instead of maxQueueDepth. */
  readonly minQueueDepth?: number;
  readonly queryTimeoutMult?: number;
  readonly querySizeLimit?: number;
  readonly queryResponseSizeLimit?: number;
  readonly userEventSizeLimit?: number;
  readonly enableNameConflictResolution?: boolean;
  readonly disableCoordinates?: boolean;
  /** Member event coalescing (both > 0 to enable). */
  readonly coalescePeriod?: number;
  readonly quiescentPeriod?: number;
  /** Coalescing of user events sent with `coalesce` (both > 0 to enable). */
  readonly userCoalescePeriod?: number;
  readonly userQuiescentPeriod?: number;
  /** Append-only snapshot of members and clocks, replayed at start. */
  readonly snapshotPath?: string;
  readonly rejoinAfterLeave?: boolean;
  /** Where key changes made by key queries are persisted (a JSON array of base64 keys, primary first). */
  readonly keyringFile?: string;
  /** Can refuse members of a join push/pull and of alive messages (Go's Config.Merge). */
  readonly merge?: SerfMergeDelegate;
}

export interface SerfConfig {
  readonly nodeName: string;
  tags: Tags;
  readonly protocolVersion: number;
  readonly broadcastTimeout: number;
  readonly leavePropagateDelay: number;
  readonly eventBuffer: number;
  readonly queryBuffer: number;
  readonly reapInterval: number;
  readonly recentIntentTimeout: number;
  readonly reconnectInterval: number;
  readonly reconnectTimeout: number;
  readonly reconnectTimeoutOverride: ((member: Member, timeoutMs: number) => number) | undefined;
  readonly tombstoneTimeout: number;
  readonly queueCheckInterval: number;
  readonly queueDepthWarning: number;
  readonly maxQueueDepth: number;
  readonly minQueueDepth: number;
  readonly queryTimeoutMult: number;
  readonly querySizeLimit: number;
  readonly queryResponseSizeLimit: number;
  readonly userEventSizeLimit: number;
  readonly enableNameConflictResolution: boolean;
  readonly disableCoordinates: boolean;
  readonly coalescePeriod: number;
  readonly quiescentPeriod: number;
  readonly userCoalescePeriod: number;
  readonly userQuiescentPeriod: number;
  readonly snapshotPath: string;
  readonly rejoinAfterLeave: boolean;
  readonly keyringFile: string;
}

export const SERF_PROTOCOL_MIN = 2;
export const SERF_PROTOCOL_MAX = 5;
/** Serf's ProtocolVersionMap: memberlist speaks protocol 2 under every Serf version. */
export const MEMBERLIST_PROTOCOL_FOR_SERF = 2;
/** Largest name + payload of a user event (Go's UserEventSizeLimit constant). */
export const USER_EVENT_SIZE_HARD_LIMIT = 9 * 1024;

const HOUR = 3_600_000;

/** Go's serf.DefaultConfig, then `opts`. */
export function serfConfig(opts: SerfOptions): SerfConfig {
  const c: SerfConfig = {
    nodeName: opts.nodeName,
    tags: { ...(opts.tags ?? {}) },
    protocolVersion: opts.protocolVersion ?? 4,
    broadcastTimeout: opts.broadcastTimeout ?? 5_000,
    leavePropagateDelay: opts.leavePropagateDelay ?? 1_000,
    eventBuffer: opts.eventBuffer ?? 512,
    queryBuffer: opts.queryBuffer ?? 512,
    reapInterval: opts.reapInterval ?? 15_000,
    recentIntentTimeout: opts.recentIntentTimeout ?? 5 * 60_000,
    reconnectInterval: opts.reconnectInterval ?? 30_000,
    reconnectTimeout: opts.reconnectTimeout ?? 24 * HOUR,
    reconnectTimeoutOverride: opts.reconnectTimeoutOverride,
    tombstoneTimeout: opts.tombstoneTimeout ?? 24 * HOUR,
    queueCheckInterval: opts.queueCheckInterval ?? 30_000,
    queueDepthWarning: opts.queueDepthWarning ?? 128,
    maxQueueDepth: opts.maxQueueDepth ?? 4096,
    minQueueDepth: opts.minQueueDepth ?? 0,
    queryTimeoutMult: opts.queryTimeoutMult ?? 16,
    querySizeLimit: opts.querySizeLimit ?? 1024,
    queryResponseSizeLimit: opts.queryResponseSizeLimit ?? 1024,
    userEventSizeLimit: opts.userEventSizeLimit ?? 512,
    enableNameConflictResolution: opts.enableNameConflictResolution ?? true,
    disableCoordinates: opts.disableCoordinates ?? false,
    coalescePeriod: opts.coalescePeriod ?? 0,
    quiescentPeriod: opts.quiescentPeriod ?? 0,
    userCoalescePeriod: opts.userCoalescePeriod ?? 0,
    userQuiescentPeriod: opts.userQuiescentPeriod ?? 0,
    snapshotPath: opts.snapshotPath ?? '',
    rejoinAfterLeave: opts.rejoinAfterLeave ?? false,
    keyringFile: opts.keyringFile ?? '',
  };
  if (c.nodeName === '') throw new RangeError('serf: nodeName must not be empty');
  if (!Number.isInteger(c.protocolVersion) || c.protocolVersion < SERF_PROTOCOL_MIN) {
    throw new RangeError(
      `Protocol version '${c.protocolVersion}' too low. Must be in range: [${SERF_PROTOCOL_MIN}, ${SERF_PROTOCOL_MAX}]`,
    );
  }
  if (c.protocolVersion > SERF_PROTOCOL_MAX) {
    throw new RangeError(
      `Protocol version '${c.protocolVersion}' too high. Must be in range: [${SERF_PROTOCOL_MIN}, ${SERF_PROTOCOL_MAX}]`,
    );
  }
  if (c.userEventSizeLimit > USER_EVENT_SIZE_HARD_LIMIT) {
    throw new RangeError(`user event size limit exceeds limit of ${USER_EVENT_SIZE_HARD_LIMIT} bytes`);
  }
  for (const k of ['eventBuffer', 'queryBuffer'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`serf: ${k} must be a positive integer`);
  }
  return c;
}

/** Parameters of an outgoing query (Go's QueryParam). */
export interface QueryParams {
  /** Only these nodes should answer. */
  readonly filterNodes?: readonly string[];
  /** Tag name → RE2 expression (unanchored) the tag's value must match. */
  readonly filterTags?: Tags;
  /** Ask every node that passes the filters for an ack. */
  readonly requestAck?: boolean;
  /** Extra copies of each response relayed through other members (0..255). */
  readonly relayFactor?: number;
  /** ms; default GossipInterval × QueryTimeoutMult × ceil(log10(N+1)). */
  readonly timeout?: number;
  /** Process but do not re-gossip (the wire flag Go's API does not expose). */
  readonly noBroadcast?: boolean;
}
