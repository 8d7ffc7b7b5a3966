/**
 * Serf's member table and its state machine: memberlist's join/leave/update notifications,
 * join and leave intents ordered by the member Lamport clock (with the recent-intent buffer for
 * intents that arrive before the member), the failed and left lists, reaping after the reconnect
 * and tombstone timeouts, and pruning. It emits member events and never touches the network:
 * refutations and delayed prunes go out through hooks.
 */
import type { Node } from '../core/node-state.ts';
import type { Logger } from '../core/core-io.ts';
import { DecodeError } from '../errors.ts';
import { RecentIntents } from './intents.ts';
import type { LamportClock } from './lamport.ts';
import type { LeaveMessage, JoinMessage } from './messages.ts';
import type { Member, MemberStatus } from './member.ts';
import { decodeTags } from './tags.ts';

export type MemberEventType = 'member-join' | 'member-leave' | 'member-failed' | 'member-update' | 'member-reap';

interface MemberState {
  member: Member;
  /** Lamport time of the last join/leave intent applied. */
  statusLTime: number;
  /** Wall-clock ms when the member failed or left (0 otherwise). */
  leaveTime: number;
}

export interface MemberTableHooks {
  readonly selfName: string;
  readonly clock: LamportClock;
  readonly log: Logger;
  /** Wall-clock milliseconds. */
  now(): number;
  /** Whether this Serf instance is alive (not leaving, left or shut down). */
  selfAlive(): boolean;
  /** A leave intent about us arrived while we are alive: broadcast a join intent to refute it. */
  refuteLeave(): void;
  emit(type: MemberEventType, member: Member): void;
  /** Runs `fn` after `ms` (a prune of a leaving member waits for its leave to finish). */
  later(ms: number, fn: () => void): void;
  /** BroadcastTimeout + LeavePropagateDelay: how long a pruned leaving member is kept. */
  readonly pruneDelayMs: number;
  /** Per-member reconnect timeout override (Consul's rc_tm); returns the timeout to use. */
  reconnectTimeoutFor?(member: Member, timeoutMs: number): number;
}

function withStatus(m: Member, status: MemberStatus): Member {
  return { ...m, status };
}

export class MemberTable {
  private readonly members = new Map<string, MemberState>();
  private failed: MemberState[] = [];
  private left: MemberState[] = [];
  readonly intents = new RecentIntents();
  private readonly h: MemberTableHooks;

  constructor(hooks: MemberTableHooks) {
    this.h = hooks;
  }

  get size(): number {
    return this.members.size;
  }

  get numFailed(): number {
    return this.failed.length;
  }

  get numLeft(): number {
    return this.left.length;
  }

  get(name: string): Member | undefined {
    return this.members.get(name)?.member;
  }

  all(): Member[] {
    return [...this.members.values()].map((s) => s.member);
  }

  failedMembers(): Member[] {
    return this.failed.map((s) => s.member);
  }

  /** Names in the left list (push/pull's LeftMembers). */
  leftNames(): string[] {
    return this.left.map((s) => s.member.name);
  }

  /** Every member's status Lamport time (push/pull's StatusLTimes). */
  statusLTimes(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, s] of this.members) out.set(name, s.statusLTime);
    return out;
  }

  statusLTimeOf(name: string): number | undefined {
    return this.members.get(name)?.statusLTime;
  }

  /** Any member other than us that is alive. */
  hasAliveMembers(): boolean {
    for (const s of this.members.values()) {
      if (s.member.name !== this.h.selfName && s.member.status === 'alive') return true;
    }
    return false;
  }

  private tagsOf(n: Node): Record<string, string> {
    try {
      return decodeTags(n.meta);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.h.log.error({ node: n.name, err: err.message }, 'serf: failed to decode tags');
      return {};
    }
  }

  private fromNode(n: Node, status: MemberStatus): Member {
    return {
      name: n.name,
      addr: n.addr,
      addrBytes: n.addrBytes,
      port: n.port,
      tags: this.tagsOf(n),
      status,
      protocolMin: n.pmin,
      protocolMax: n.pmax,
      protocolCur: n.pcur,
      delegateMin: n.dmin,
      delegateMax: n.dmax,
      delegateCur: n.dcur,
    };
  }

  // ---- memberlist notifications -------------------------------------------------------------

  /** memberlist reports a node alive (new, or back from dead). */
  nodeJoined(n: Node): void {
    let s = this.members.get(n.name);
    let oldStatus: MemberStatus = 'none';
    if (s === undefined) {
      s = { member: this.fromNode(n, 'alive'), statusLTime: 0, leaveTime: 0 };
      const join = this.intents.recent(n.name, 'join');
      if (join !== undefined) s.statusLTime = join;
      const leave = this.intents.recent(n.name, 'leave');
      if (leave !== undefined) {
        s.member = withStatus(s.member, 'leaving');
        s.statusLTime = leave;
      }
      this.members.set(n.name, s);
    } else {
      oldStatus = s.member.status;
      s.member = this.fromNode(n, 'alive');
      s.leaveTime = 0;
    }
    if (oldStatus === 'failed' || oldStatus === 'left') {
      this.failed = this.failed.filter((x) => x.member.name !== n.name);
      this.left = this.left.filter((x) => x.member.name !== n.name);
    }
    this.h.log.info({ node: n.name, addr: n.addr }, 'serf: EventMemberJoin');
    this.h.emit('member-join', s.member);
  }

  /** memberlist reports a node gone: left if it announced its leave, failed otherwise. */
  nodeLeft(n: Node): void {
    const s = this.members.get(n.name);
    if (s === undefined) return;
    let type: MemberEventType;
    switch (s.member.status) {
      case 'leaving':
        s.member = withStatus(s.member, 'left');
        s.leaveTime = this.h.now();
        this.left.push(s);
        type = 'member-leave';
        break;
      case 'alive':
        s.member = withStatus(s.member, 'failed');
        s.leaveTime = this.h.now();
        this.failed.push(s);
        type = 'member-failed';
        break;
      default:
        this.h.log.warn({ node: n.name, status: s.member.status }, 'serf: bad state when leave');
        return;
    }
    this.h.log.info(
      { node: n.name, addr: s.member.addr },
      type === 'member-leave' ? 'serf: EventMemberLeave' : 'serf: EventMemberFailed',
    );
    this.h.emit(type, s.member);
  }

  /** memberlist reports new metadata (tags) for a node. */
  nodeUpdated(n: Node): void {
    const s = this.members.get(n.name);
    if (s === undefined) return;
    s.member = this.fromNode(n, s.member.status);
    this.h.log.info({ node: n.name }, 'serf: EventMemberUpdate');
    this.h.emit('member-update', s.member);
  }

  // ---- intents -----------------------------------------------------------------------------

  /** A join intent (gossiped or synthesized from push/pull). True: rebroadcast it. */
  joinIntent(msg: JoinMessage): boolean {
    this.h.clock.witness(msg.ltime);
    const s = this.members.get(msg.node);
    if (s === undefined) return this.intents.upsert(msg.node, 'join', msg.ltime, this.h.now());
    if (msg.ltime <= s.statusLTime) return false;
    s.statusLTime = msg.ltime;
    if (s.member.status === 'leaving') s.member = withStatus(s.member, 'alive');
    return true;
  }

  /** A leave intent (gossiped, ours, or synthesized from push/pull). True: rebroadcast it. */
  leaveIntent(msg: LeaveMessage): boolean {
    const selfAlive = this.h.selfAlive();
    this.h.clock.witness(msg.ltime);
    const s = this.members.get(msg.node);
    if (s === undefined) return this.intents.upsert(msg.node, 'leave', msg.ltime, this.h.now());
    if (msg.ltime <= s.statusLTime) return false;
    if (msg.node === this.h.selfName && selfAlive) {
      this.h.log.debug({}, 'serf: refuting an older leave intent');
      this.h.refuteLeave();
      return false;
    }
    // Always record the time, even when the status does not change, so that a repeated leave
    // intent is recognised as old and not rebroadcast forever.
    s.statusLTime = msg.ltime;
    switch (s.member.status) {
      case 'alive':
        s.member = withStatus(s.member, 'leaving');
        if (msg.prune) this.prune(s);
        return true;
      case 'failed':
        s.member = withStatus(s.member, 'left');
        this.failed = this.failed.filter((x) => x !== s);
        this.left.push(s);
        this.h.log.info({ node: msg.node, addr: s.member.addr }, 'serf: EventMemberLeave (forced)');
        this.h.emit('member-leave', s.member);
        if (msg.prune) this.prune(s);
        return true;
      case 'leaving':
      case 'left':
        if (msg.prune) this.prune(s);
        return true;
      default:
        return false;
    }
  }

  /** Erases a member now, or after the prune delay if it is still leaving. */
  private prune(s: MemberState): void {
    const erase = (): void => {
      if (this.members.get(s.member.name) !== s) return;
      this.h.log.info({ node: s.member.name, addr: s.member.addr }, 'serf: EventMemberReap (forced)');
      this.left = this.left.filter((x) => x !== s);
      this.failed = this.failed.filter((x) => x !== s);
      this.erase(s);
    };
    if (s.member.status === 'leaving') this.h.later(this.h.pruneDelayMs, erase);
    else erase();
  }

  private erase(s: MemberState): void {
    this.members.delete(s.member.name);
    this.h.emit('member-reap', s.member);
  }

  // ---- reaping -------------------------------------------------------------------------------

  /** Reaps failed members after `reconnectTimeoutMs`, left ones after `tombstoneTimeoutMs`, and old intents. */
  reap(reconnectTimeoutMs: number, tombstoneTimeoutMs: number, intentTimeoutMs: number): void {
    const now = this.h.now();
    this.failed = this.reapList(this.failed, now, reconnectTimeoutMs);
    this.left = this.reapList(this.left, now, tombstoneTimeoutMs);
    this.intents.reap(now, intentTimeoutMs);
  }

  private reapList(list: MemberState[], now: number, timeoutMs: number): MemberState[] {
    const keep: MemberState[] = [];
    for (const s of list) {
      const timeout = this.h.reconnectTimeoutFor?.(s.member, timeoutMs) ?? timeoutMs;
      if (now - s.leaveTime <= timeout) {
        keep.push(s);
        continue;
      }
      this.h.log.info({ node: s.member.name }, 'serf: EventMemberReap');
      this.erase(s);
    }
    return keep;
  }
}
