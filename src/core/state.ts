/**
 * The membership state machine: how alive, suspect and dead messages change what we know about a
 * member (Go's aliveNode, suspectNode, deadNode), refutation of accusations about ourselves,
 * Lifeguard suspicion timers, conflict detection, protocol version checks and the merge of
 * push/pull state. Every accepted change is re-gossiped through the broadcast queue.
 */
import { type Cidr, ipAllowed } from '../net/cidr.ts';
import { ipToString } from '../net/ip.ts';
import { aliveLengthOf } from '../wire/alive-length.ts';
import { encodeMessage } from '../wire/codec.ts';
import { ownVsn } from '../wire/vsn-intern.ts';
import { adoptPushState } from '../wire/push-state-cache.ts';
import {
  type Alive,
  type Dead,
  MessageType,
  NodeStateCode,
  type PushNodeState,
  type Suspect,
} from '../wire/messages.ts';
import type { Awareness } from './awareness.ts';
import { BroadcastQueue } from './broadcast-queue.ts';
import type { ProtocolConfig } from './config.ts';
import type { CoreIO } from './core-io.ts';
import type { Delegates } from './delegates.ts';
import { MemberTable, type Members } from './member-table.ts';
import { type Node, NodeState, isDeadOrLeft, makeNode, toNode } from './node-state.ts';
import { Suspicion } from './suspicion.ts';
import type { TimerHandle, TimerQueue } from './timer-queue.ts';
import { suspicionTimeout } from './timing.ts';

const EMPTY = new Uint8Array(0);

export function bytesEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  const x = a ?? EMPTY;
  const y = b ?? EMPTY;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Everything the state machine shares with the rest of the core. */
export interface StateContext {
  readonly config: ProtocolConfig;
  readonly io: CoreIO;
  readonly timers: TimerQueue;
  readonly awareness: Awareness;
  readonly delegates: Delegates;
  readonly cidrs: readonly Cidr[];
}

/** What the state machine has seen happen, for observability and tests. */
export interface ProtocolStats {
  /** Members this node marked suspect (from its own probes or from gossip). */
  suspected: number;
  /** Members this node marked dead (failed, not left). */
  failed: number;
  /** Accusations about this node that it refuted. */
  refuted: number;
}

interface ActiveSuspicion {
  readonly suspicion: Suspicion;
  /** Runs when the suspicion times out. */
  readonly fire: () => void;
  timer: TimerHandle;
}

export class MemberState {
  readonly table: Members;
  readonly broadcasts: BroadcastQueue;
  readonly stats: ProtocolStats = { suspected: 0, failed: 0, refuted: 0 };
  private readonly suspicions = new Map<string, ActiveSuspicion>();
  private incarnation = 0;
  /** Set by leave(): our own alives are ignored and our dead message is allowed. */
  leaving = false;
  /** Called when the broadcast of our leave message is done. */
  private onLeaveBroadcastDone: (() => void) | undefined;
  /** The version ranges of our members at a table version (see `localVersions`). */
  private localRanges: LocalVersionRanges | undefined;

  private readonly ctx: StateContext;

  /** `table`: the node table to use (default: a new, empty `MemberTable`). */
  constructor(ctx: StateContext, table?: Members) {
    this.ctx = ctx;
    this.table = table ?? new MemberTable(ctx.io.random);
    this.broadcasts = new BroadcastQueue(() => this.table.estimatedSize, ctx.config.retransmitMult, encodeAliveOf);
  }

  /** The clock reading of the push/pull slice being merged (`mergeState`), if any. */
  private sliceNow: number | undefined = undefined;

  private get now(): number {
    return this.sliceNow ?? this.ctx.io.now();
  }

  private get selfName(): string {
    return this.ctx.config.name;
  }

  /** Our six version bytes: [pmin, pmax, pcur, dmin, dmax, dcur]. */
  localVsn(): Uint8Array {
    const c = this.ctx.config;
    return new Uint8Array([
      1,
      5,
      c.protocolVersion,
      c.delegateProtocolMin,
      c.delegateProtocolMax,
      c.delegateProtocolVersion,
    ]);
  }

  nextIncarnation(): number {
    this.incarnation = (this.incarnation + 1) >>> 0;
    return this.incarnation;
  }

  /** Continues from incarnation `inc` (a node starting from a converged baseline). */
  resumeIncarnation(inc: number): void {
    this.incarnation = inc >>> 0;
  }

  private skipIncarnation(offset: number): number {
    this.incarnation = (this.incarnation + offset) >>> 0;
    return this.incarnation;
  }

  self(): NodeState | undefined {
    return this.table.get(this.selfName);
  }

  /** Queues a message about `name` for gossip, replacing any queued message about it. */
  broadcast(name: string, msg: Uint8Array, finished?: () => void): void {
    this.broadcasts.queueNamed(name, msg, finished);
  }

  setLeaveNotifier(fn: (() => void) | undefined): void {
    this.onLeaveBroadcastDone = fn;
  }

  /** Applies an alive message (Go's aliveNode). `bootstrap` is our own first alive. */
  aliveNode(a: Alive, opts?: { bootstrap?: boolean; notify?: () => void }): void {
    this.applyAlive(a, opts?.bootstrap === true, opts?.notify, undefined, null);
  }

  /**
   * `aliveNode`; with `record`, `a` holds the fields of that push/pull record (`RecordAlive`),
   * and a new member takes the record itself instead of a new one. `known` is the member's entry
   * as the caller just looked it up (null: not looked up). Returns the member's record when the
   * alive was applied.
   */
  private applyAlive(
    a: Alive,
    bootstrap: boolean,
    notify: (() => void) | undefined,
    record: NodeState | undefined,
    known: NodeState | undefined | null,
  ): NodeState | undefined {
    const { io, delegates, config } = this.ctx;
    if (this.leaving && a.node === this.selfName) return undefined;
    const vsn = a.vsn ?? EMPTY;
    if (vsn.length >= 3 && (vsn[0] === 0 || vsn[1] === 0 || vsn[0] > vsn[1])) {
      io.log.warn({ node: a.node, vsn: [...vsn] }, 'ignoring an alive message because protocol versions are wrong');
      return undefined;
    }
    if (delegates.alive !== undefined) {
      if (vsn.length < 6) {
        io.log.warn({ node: a.node }, 'ignoring an alive message because Vsn is not present');
        return undefined;
      }
      try {
        delegates.alive.notifyAlive(aliveAsNode(a));
      } catch (err) {
        io.log.warn({ node: a.node, err: String(err) }, 'ignoring an alive message rejected by the alive delegate');
        return undefined;
      }
    }
    // The caller's lookup stands unless a delegate ran since (it may have changed the table).
    let state = known === null || delegates.alive !== undefined ? this.table.get(a.node) : known;
    let updatesNode = false;
    /** A new entry, made from this message: its fields need not be set again below. */
    let created = false;
    if (state === undefined) {
      const cidrs = this.ctx.cidrs;
      if (cidrs.length > 0 && !ipAllowed(cidrs, a.addr)) {
        io.log.warn({ node: a.node, addr: ipToString(a.addr) }, 'rejected node: address not allowed');
        return undefined;
      }
      if (record !== undefined) {
        // The record read from the push/pull, as a new entry is made below.
        state = record;
        state.incarnation = 0;
        state.state = NodeStateCode.Dead;
        state.stateChange = Number.NEGATIVE_INFINITY;
        state.vsn = ownVsn(vsn);
      } else {
        state = new NodeState(
          a.node,
          a.addr ?? EMPTY,
          a.port,
          a.meta,
          0,
          NodeStateCode.Dead,
          Number.NEGATIVE_INFINITY,
          ownVsn(vsn),
        );
      }
      this.table.add(state);
      created = true;
    } else if (state.port !== a.port || !(record !== undefined ? state.sameAddr(record) : state.addrEquals(a.addr))) {
      if (!ipAllowed(this.ctx.cidrs, a.addr)) {
        io.log.warn({ node: a.node, addr: ipToString(a.addr) }, 'rejected address update: address not allowed');
        return undefined;
      }
      const canReclaim = config.deadNodeReclaimTime > 0 && this.now - state.stateChange > config.deadNodeReclaimTime;
      if (state.state === NodeStateCode.Left || (state.state === NodeStateCode.Dead && canReclaim)) {
        io.log.info(
          { node: a.node, addr: ipToString(a.addr), port: a.port },
          'updating address for left or failed node',
        );
        updatesNode = true;
      } else {
        io.log.error(
          { node: a.node, mine: `${ipToString(state.addr)}:${state.port}`, theirs: `${ipToString(a.addr)}:${a.port}` },
          'conflicting address',
        );
        delegates.conflict?.notifyConflict(toNode(state), aliveAsNode(a));
        return undefined;
      }
    }
    const isLocal = state.name === this.selfName;
    if (a.incarnation <= state.incarnation && !isLocal && !updatesNode) return undefined;
    if (a.incarnation < state.incarnation && isLocal) return undefined;
    this.cancelSuspicion(a.node);
    const oldState = state.state;
    const events = delegates.events;
    const oldMeta = events !== undefined ? state.meta : null;
    if (!bootstrap && isLocal) {
      if (a.incarnation === state.incarnation && state.metaEquals(a.meta) && bytesEqual(vsn, state.vsn)) return state;
      this.refute(state, a.incarnation);
      io.log.warn({ node: a.node }, 'refuting an alive message');
    } else {
      // Another member's alive is re-encoded from its record when sent (see encodeAliveOf)
      // when the record will hold exactly the message's fields: a non-nil address and six
      // version bytes (a shorter or longer Vsn is kept as six bytes).
      // The record queued is the one changed below (`own` may give a copy to change).
      const fromRecord = !isLocal && (record !== undefined || a.addr !== null) && vsn.length === 6;
      if (!fromRecord) this.broadcast(a.node, encodeMessage(MessageType.Alive, a), notify);
      state = this.table.own(state);
      if (!created) {
        if (vsn.length >= 6) state.vsn = ownVsn(vsn);
        if (record !== undefined) state.takeBytes(record);
        else {
          state.meta = a.meta;
          state.addr = a.addr ?? EMPTY;
        }
        state.port = a.port;
      }
      state.incarnation = a.incarnation;
      if (state.state !== NodeStateCode.Alive) {
        state.state = NodeStateCode.Alive;
        state.stateChange = this.now;
      }
      if (fromRecord) {
        const length = aliveLengthOf(a.node, state.addrLen, a.incarnation, state.metaLenOrNil, a.port, 6);
        this.broadcasts.queueNamedSource(a.node, length, state, notify);
      }
    }
    if (events !== undefined) {
      if (oldState === NodeStateCode.Dead || oldState === NodeStateCode.Left) events.notifyJoin?.(toNode(state));
      else if (!state.metaEquals(oldMeta)) events.notifyUpdate?.(toNode(state));
    }
    return state;
  }

  /**
   * Whether aliveNode would ignore this alive without a side effect (no log, no delegate call):
   * a valid alive about another member we know at the same address with an incarnation no
   * newer. Push/pull mostly carries such entries; skipping them early saves building messages.
   */
  private aliveIsStale(r: PushNodeState, state: NodeState | undefined): boolean {
    if (this.ctx.delegates.alive !== undefined || r.name === this.selfName) return false;
    if (state === undefined || r.incarnation > state.incarnation || state.port !== r.port) return false;
    const vsn = r.vsn;
    if (vsn !== null && vsn.length >= 3 && (vsn[0] === 0 || vsn[1] === 0 || vsn[0] > vsn[1])) return false;
    return r instanceof NodeState ? state.sameAddr(r) : state.addrEquals(r.addr);
  }

  /** Applies a suspect message (Go's suspectNode). */
  suspectNode(s: Suspect): void {
    const state = this.table.get(s.node);
    if (state === undefined || s.incarnation < state.incarnation) return;
    const active = this.suspicions.get(s.node);
    if (active !== undefined) {
      if (active.suspicion.confirm(s.from, this.now)) {
        this.broadcast(s.node, encodeMessage(MessageType.Suspect, s));
        active.timer.cancel();
        active.timer = this.ctx.timers.at(active.suspicion.deadline, active.fire);
      }
      return;
    }
    if (state.state !== NodeStateCode.Alive) return;
    if (state.name === this.selfName) {
      this.refute(state, s.incarnation);
      this.ctx.io.log.warn({ from: s.from }, 'refuting a suspect message');
      return;
    }
    this.broadcast(s.node, encodeMessage(MessageType.Suspect, s));
    this.stats.suspected++;
    const owned = this.table.own(state);
    owned.incarnation = s.incarnation;
    owned.state = NodeStateCode.Suspect;
    const changeTime = this.now;
    owned.stateChange = changeTime;
    const { config } = this.ctx;
    const n = this.table.estimatedSize;
    const swim = config.disableLifeguard === true;
    let k = swim ? 0 : config.suspicionMult - 2;
    if (n - 2 < k) k = 0;
    const min = suspicionTimeout(config.suspicionMult, n, config.probeInterval);
    const max = swim ? min : config.suspicionMaxTimeoutMult * min;
    const suspicion = new Suspicion(s.from, k, min, max, changeTime);
    const fire = (): void => this.suspicionExpired(s.node, changeTime, suspicion);
    this.suspicions.set(s.node, { suspicion, fire, timer: this.ctx.timers.at(suspicion.deadline, fire) });
  }

  private suspicionExpired(name: string, changeTime: number, suspicion: Suspicion): void {
    const state = this.table.get(name);
    if (state === undefined || state.state !== NodeStateCode.Suspect || state.stateChange !== changeTime) return;
    this.ctx.io.log.info(
      { node: name, confirmations: suspicion.confirmationCount },
      'marking node as failed, suspect timeout reached',
    );
    this.deadNode({ incarnation: state.incarnation, node: name, from: this.selfName });
  }

  private cancelSuspicion(name: string): void {
    if (this.suspicions.size === 0) return; // the usual case: no lookup
    const active = this.suspicions.get(name);
    if (active === undefined) return;
    active.timer.cancel();
    this.suspicions.delete(name);
  }

  /** The number of confirmations counted for a suspected node (tests, metrics). */
  suspicionOf(name: string): Suspicion | undefined {
    return this.suspicions.get(name)?.suspicion;
  }

  /** Applies a dead message (Go's deadNode); `from === node` records a graceful leave. */
  deadNode(d: Dead): void {
    const state = this.table.get(d.node);
    if (state === undefined || d.incarnation < state.incarnation) return;
    this.cancelSuspicion(d.node);
    if (isDeadOrLeft(state)) return;
    if (state.name === this.selfName) {
      if (!this.leaving) {
        this.refute(state, d.incarnation);
        this.ctx.io.log.warn({ from: d.from }, 'refuting a dead message');
        return;
      }
      this.broadcast(d.node, encodeMessage(MessageType.Dead, d), () => this.onLeaveBroadcastDone?.());
    } else {
      this.broadcast(d.node, encodeMessage(MessageType.Dead, d));
    }
    const owned = this.table.own(state);
    owned.incarnation = d.incarnation;
    owned.state = d.node === d.from ? NodeStateCode.Left : NodeStateCode.Dead;
    if (owned.state === NodeStateCode.Dead) this.stats.failed++;
    owned.stateChange = this.now;
    this.ctx.delegates.events?.notifyLeave?.(toNode(owned));
  }

  /** Disputes an accusation about ourselves with a higher incarnation. */
  private refute(self: NodeState, accusedInc: number): void {
    const me = this.table.own(self);
    let inc = this.nextIncarnation();
    if (accusedInc >= inc) inc = this.skipIncarnation(accusedInc - inc + 1);
    me.incarnation = inc;
    this.stats.refuted++;
    this.ctx.awareness.apply(1);
    const alive: Alive = { incarnation: inc, node: me.name, addr: me.addr, port: me.port, meta: me.meta, vsn: me.vsn };
    // Go keys this broadcast by our address text rather than our name.
    this.broadcast(ipToString(me.addr), encodeMessage(MessageType.Alive, alive));
  }

  /**
   * Checks that every node, remote and local, speaks a protocol and delegate version that all
   * alive nodes understand. Returns an error text, or undefined when compatible.
   */
  verifyProtocol(remote: readonly PushNodeState[]): string | undefined {
    const local = this.table.all();
    const mine = this.localVersions(local);
    let maxPMin = mine.maxPMin;
    let minPMax = mine.minPMax;
    let maxDMin = mine.maxDMin;
    let minDMax = mine.minDMax;
    for (let i = 0; i < remote.length; i++) {
      const r = remote[i];
      const v = r.vsn;
      if (r.state !== NodeStateCode.Alive || v === null || v.length < 5) continue;
      if (v[0] > maxPMin) maxPMin = v[0];
      if (v[1] < minPMax) minPMax = v[1];
      if (v[3] > maxDMin) maxDMin = v[3];
      if (v[4] < minDMax) minDMax = v[4];
    }
    const check = (name: string, v: Uint8Array | null): string | undefined => {
      const pcur = v !== null && v.length >= 6 ? v[2] : 0;
      const dcur = v !== null && v.length >= 6 ? v[5] : 0;
      if (pcur < maxPMin || pcur > minPMax) {
        return `node '${name}' protocol version (${pcur}) is incompatible: [${maxPMin}, ${minPMax}]`;
      }
      if (dcur < maxDMin || dcur > minDMax) {
        return `node '${name}' delegate protocol version (${dcur}) is incompatible: [${maxDMin}, ${minDMax}]`;
      }
      return undefined;
    };
    for (let i = 0; i < remote.length; i++) {
      const err = check(remote[i].name, remote[i].vsn);
      if (err !== undefined) return err;
    }
    // Every local member is within the ranges when the extremes are; else find the first that is not.
    if (mine.minP >= maxPMin && mine.maxP <= minPMax && mine.minD >= maxDMin && mine.maxD <= minDMax) return undefined;
    for (let i = 0; i < local.length; i++) {
      const err = check(local[i].name, local[i].vsn);
      if (err !== undefined) return err;
    }
    return undefined;
  }

  /**
   * The version ranges our members allow (over alive members) and use (over all), kept while
   * the table has not changed: a push/pull checks them against the peer's every time.
   */
  private localVersions(local: readonly NodeState[]): LocalVersionRanges {
    const version = this.table.version;
    const held = this.localRanges;
    if (held !== undefined && version !== undefined && held.version === version) return held;
    const out: LocalVersionRanges = {
      version: version ?? -1,
      maxPMin: 0,
      minPMax: 255,
      maxDMin: 0,
      minDMax: 255,
      minP: 255,
      maxP: 0,
      minD: 255,
      maxD: 0,
    };
    for (let i = 0; i < local.length; i++) {
      const n = local[i];
      const v = n.vsn;
      const pcur = v.length >= 6 ? v[2] : 0;
      const dcur = v.length >= 6 ? v[5] : 0;
      if (pcur < out.minP) out.minP = pcur;
      if (pcur > out.maxP) out.maxP = pcur;
      if (dcur < out.minD) out.minD = dcur;
      if (dcur > out.maxD) out.maxD = dcur;
      if (n.state !== NodeStateCode.Alive) continue;
      if (v[0] > out.maxPMin) out.maxPMin = v[0];
      if (v[1] < out.minPMax) out.minPMax = v[1];
      if (v[3] > out.maxDMin) out.maxDMin = v[3];
      if (v[4] < out.minDMax) out.minDMax = v[4];
    }
    if (version !== undefined) this.localRanges = out;
    return out;
  }

  /**
   * Before merging a push/pull state of `n` members: makes room in the member table and the
   * broadcast queue for the members it must add (those beyond our count: n distinct names leave
   * us at least n members), so that a state bringing thousands of new members does not rebuild
   * the indexes at each doubling on the way. A state of members we know asks for none, and the
   * room is never more than the merge will take unless the state lists members that are not
   * alive (which it does not add).
   */
  reserveForMerge(n: number): void {
    const adds = n - this.table.size;
    if (adds <= 0) return;
    this.table.reserve?.(adds);
    this.broadcasts.reserve(adds);
  }

  /** Applies push/pull state: alive as alive, left as a leave, dead or suspect as our suspicion. */
  mergeState(remote: readonly PushNodeState[], from = 0, to = remote.length): void {
    // One clock reading for the slice: every member it changes changed at the same moment.
    this.sliceNow = this.ctx.io.now();
    try {
      this.mergeSlice(remote, from, to);
    } finally {
      this.sliceNow = undefined;
    }
  }

  private mergeSlice(remote: readonly PushNodeState[], from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const r = remote[i];
      switch (r.state) {
        case NodeStateCode.Alive: {
          const known = this.table.get(r.name);
          if (this.aliveIsStale(r, known)) break;
          // A record read straight from Go's layout (go-node-state.ts) is applied as it is:
          // no views of its fields unless a rarer path asks for them, and a new member keeps it.
          const record =
            r instanceof NodeState
              ? this.applyAlive(new RecordAlive(r), false, undefined, r, known)
              : this.applyAlive(
                  { incarnation: r.incarnation, node: r.name, addr: r.addr, port: r.port, meta: r.meta, vsn: r.vsn },
                  false,
                  undefined,
                  undefined,
                  known,
                );
          // The push/pull decoder's cache compares the next state of this member with its
          // record rather than keeping a copy of the same values (push-state-cache.ts). A new
          // member that kept the decoded record: the cache took it when it was read (or, for a
          // record of cached values, holds the equal one it matched).
          if (record !== undefined && record !== r) adoptPushState(record);
          break;
        }
        case NodeStateCode.Left:
          this.deadNode({ incarnation: r.incarnation, node: r.name, from: r.name });
          break;
        case NodeStateCode.Dead:
        case NodeStateCode.Suspect:
          this.suspectNode({ incarnation: r.incarnation, node: r.name, from: this.selfName });
          break;
      }
    }
  }

  /** Our node table as push/pull node states (the entries themselves: they have those fields). */
  localPushState(): readonly PushNodeState[] {
    return this.table.all();
  }

  /** Cancels every pending suspicion timer (shutdown). */
  stop(): void {
    for (const name of [...this.suspicions.keys()]) this.cancelSuspicion(name);
  }
}

/** What `MemberState.verifyProtocol` needs of our members' version bytes. */
interface LocalVersionRanges {
  readonly version: number;
  /** Over alive members: the highest minimum and lowest maximum protocol and delegate versions. */
  maxPMin: number;
  minPMax: number;
  maxDMin: number;
  minDMax: number;
  /** Over all members: the range of current protocol and delegate versions. */
  minP: number;
  maxP: number;
  minD: number;
  maxD: number;
}

/**
 * The alive message about a member other than us, from its record: the bytes its queued alive
 * broadcast had when it was queued (`queueNamedSource` in aliveNode) — a record's incarnation,
 * address, port, metadata and version bytes change only in aliveNode, suspectNode and deadNode,
 * each of which first queues a message of that name, replacing the queued alive.
 */
function encodeAliveOf(source: object): Uint8Array {
  const n = source as NodeState;
  return encodeMessage(MessageType.Alive, {
    incarnation: n.incarnation,
    node: n.name,
    addr: n.addr,
    port: n.port,
    meta: n.meta,
    vsn: n.vsn,
  });
}

function aliveAsNode(a: Alive): Node {
  return makeNode(
    { name: a.node, addr: a.addr, port: a.port, meta: a.meta, incarnation: a.incarnation, vsn: a.vsn },
    'alive',
  );
}

/**
 * The alive message a push/pull record stands for, its byte fields made into views only when
 * asked for (a log line, a delegate, a conflict). The other fields are taken when it is made:
 * a new member's record is reset before it takes them again (`applyAlive`).
 */
class RecordAlive implements Alive {
  readonly incarnation: number;
  readonly node: string;
  readonly port: number;
  readonly vsn: Uint8Array;
  private readonly record: NodeState;

  constructor(r: NodeState) {
    this.incarnation = r.incarnation;
    this.node = r.name;
    this.port = r.port;
    this.vsn = r.vsn;
    this.record = r;
  }

  get addr(): Uint8Array {
    return this.record.addr;
  }

  get meta(): Uint8Array | null {
    return this.record.meta;
  }
}
