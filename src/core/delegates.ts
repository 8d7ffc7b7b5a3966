/**
 * The hooks an application plugs into a node, with the responsibilities of Go memberlist's
 * Delegate, EventDelegate, ConflictDelegate, MergeDelegate, AliveDelegate and PingDelegate.
 * All are synchronous, called in protocol order. Throwing from a veto hook rejects.
 */
import type { Node } from './node-state.ts';

export interface Delegate {
  /** Our metadata, at most `limit` (512) bytes; read at start and on updateNode. */
  nodeMeta?(limit: number): Uint8Array | null;
  /** A user message arrived (best-effort over UDP or reliable over TCP). */
  notifyMsg?(msg: Uint8Array): void;
  /** Application broadcasts to piggy-back: each framed with `overhead` bytes, all within `limit`. */
  getBroadcasts?(overhead: number, limit: number): Uint8Array[];
  /**
   * Optional, beside getBroadcasts: whether it could return anything now (false: it would
   * return nothing). With it, a real-time driver does not wake the core for gossip ticks while
   * nothing is queued (`MemberlistCore.nextWakeup`); in exchange, whatever queues a broadcast
   * outside the core's own calls into the delegate must let the driver run overdue timers
   * first and re-arm after (`Memberlist.queueBroadcasts`). Without it, every gossip tick is a
   * wake-up, as in Go.
   */
  hasBroadcasts?(): boolean;
  /** State sent in every push/pull. */
  localState?(join: boolean): Uint8Array;
  /** State received in a push/pull. */
  mergeRemoteState?(state: Uint8Array, join: boolean): void;
}

export interface EventDelegate {
  notifyJoin?(node: Node): void;
  notifyLeave?(node: Node): void;
  notifyUpdate?(node: Node): void;
}

export interface ConflictDelegate {
  /** Another address claims the name of a live member. */
  notifyConflict(existing: Node, other: Node): void;
}

export interface MergeDelegate {
  /** Before merging a join push/pull; throw to refuse the merge. */
  notifyMerge(peers: Node[]): void;
}

export interface AliveDelegate {
  /** Before an alive message is applied; throw to ignore it (e.g. another cluster's node). */
  notifyAlive(peer: Node): void;
}

export interface PingDelegate {
  /** Payload attached to acks of direct UDP pings (Serf: network coordinates). */
  ackPayload(): Uint8Array;
  /** Our direct probe of `node` was acked after `rttMs` with `payload`. */
  notifyPingComplete(node: Node, rttMs: number, payload: Uint8Array): void;
}

export interface Delegates {
  delegate?: Delegate;
  events?: EventDelegate;
  conflict?: ConflictDelegate;
  merge?: MergeDelegate;
  alive?: AliveDelegate;
  ping?: PingDelegate;
}
