/**
 * The sans-io memberlist node: it takes packets, stream requests, API calls and the time in,
 * and hands packets, stream exchanges, delegate calls and timers out through CoreIO. It owns no
 * socket and no real timer, so the same code runs on UDP/TCP and in a simulated network.
 * This module wires the parts (state machine, prober, gossip, push/pull) and dispatches input.
 */
import { DecodeError } from '../errors.ts';
import { type Cidr, ipAllowed, parseCidr } from '../net/cidr.ts';
import { ipFromString } from '../net/ip.ts';
import { decodeAnyMessage, encodeMessage } from '../wire/codec.ts';
import { MAX_META_BYTES } from '../wire/limits.ts';
import { type Alive, MessageType, NodeStateCode } from '../wire/messages.ts';
import { expandPayload } from '../wire/packet.ts';
import type { PushPull, PushPullWriter } from '../wire/push-pull.ts';
import type { StreamMessage } from '../wire/stream.ts';
import { encodeUserPacket, encodeUserStream } from '../wire/user-message.ts';
import { AckRegistry } from './acks.ts';
import { Awareness } from './awareness.ts';
import type { ProtocolConfig } from './config.ts';
import type { CoreIO } from './core-io.ts';
import type { Delegates } from './delegates.ts';
import { gossipRound } from './gossip.ts';
import type { MemberBaseline } from './member-baseline.ts';
import { type Node, isDeadOrLeft, nodeAddress, toNode } from './node-state.ts';
import { PacketSender, hostOf } from './packet-sender.ts';
import { type SelfAddress, Prober } from './probe.ts';
import { OverlayMemberTable } from './overlay-member-table.ts';
import { type PushPullMerge, PushPullSync } from './push-pull-sync.ts';
import { MemberState, type ProtocolStats, type StateContext } from './state.ts';
import { type TimerHandle, TimerQueue } from './timer-queue.ts';
import { pushPullScale } from './timing.ts';

export interface CoreOptions {
  readonly config: ProtocolConfig;
  readonly io: CoreIO;
  readonly delegates?: Delegates;
  /** The address and port other members reach us at. */
  readonly advertise: SelfAddress;
  /** Whether a keyring with keys is in use now (default: config.keys is not empty). */
  readonly encryptionEnabled?: () => boolean;
  /**
   * Simulations only: start as a member of an already converged cluster — knowing every member
   * of `baseline` alive, ourselves included, with push/pull at a random phase of its scaled
   * interval — instead of alone. The table is then an `OverlayMemberTable` over the shared baseline.
   */
  readonly baseline?: MemberBaseline;
}

export interface JoinTarget {
  /** "ip:port" */
  readonly addr: string;
  /** Expected node name, "" when unknown. */
  readonly name: string;
}

export class MemberlistCore {
  readonly config: ProtocolConfig;
  private readonly io: CoreIO;
  private readonly delegates: Delegates;
  private readonly timers = new TimerQueue();
  private readonly awareness: Awareness;
  private readonly state: MemberState;
  private readonly acks: AckRegistry;
  private readonly sender: PacketSender;
  private readonly prober: Prober;
  private readonly sync: PushPullSync;
  private readonly ctx: StateContext;
  private readonly cidrs: readonly Cidr[];
  private advertise: SelfAddress;
  private running = false;
  private readonly baseline: MemberBaseline | undefined;
  /** The gossip ticker's pending tick (see `nextWakeup`). */
  private gossipTicker: { tick: TimerHandle } | undefined;

  constructor(opts: CoreOptions) {
    this.config = opts.config;
    this.io = opts.io;
    this.delegates = opts.delegates ?? {};
    this.advertise = opts.advertise;
    this.cidrs = opts.config.cidrsAllowed.map(parseCidr);
    this.awareness = new Awareness(opts.config.disableLifeguard === true ? 1 : opts.config.awarenessMaxMultiplier);
    this.ctx = {
      config: this.config,
      io: this.io,
      timers: this.timers,
      awareness: this.awareness,
      delegates: this.delegates,
      cidrs: this.cidrs,
    };
    this.baseline = opts.baseline;
    this.state = new MemberState(
      this.ctx,
      opts.baseline === undefined ? undefined : new OverlayMemberTable(opts.baseline, this.io.random),
    );
    this.acks = new AckRegistry(this.timers);
    this.sender = new PacketSender(
      this.config,
      this.io,
      this.state.table,
      this.state.broadcasts,
      this.delegates.delegate,
      opts.encryptionEnabled ?? (() => this.config.keys.length > 0),
    );
    this.prober = new Prober(this.ctx, this.state, this.acks, this.sender, () => this.advertise);
    this.sync = new PushPullSync(this.ctx, this.state, opts.baseline?.known);
  }

  // ---- driving the core -------------------------------------------------------------------

  /** Announces ourselves (incarnation 1) and starts the probe, gossip and push/pull timers. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const known = this.state.table.get(this.config.name);
    if (this.baseline !== undefined && known !== undefined) this.resume(known.incarnation);
    else this.announce();
    const { probeInterval, gossipInterval, gossipNodes, pushPullInterval } = this.config;
    if (probeInterval > 0) {
      this.every(probeInterval, () => {
        this.prober.tick();
        this.sync.dropStaleEncoding(this.io.now());
      });
    }
    if (gossipInterval > 0 && gossipNodes > 0) {
      this.gossipTicker = this.every(gossipInterval, () => gossipRound(this.ctx, this.state, this.sender));
    }
    if (pushPullInterval > 0) {
      // A node of a converged cluster has been running for a while: any phase of the scaled interval.
      const first =
        this.baseline === undefined
          ? pushPullInterval
          : pushPullScale(pushPullInterval, this.state.table.estimatedSize);
      this.schedulePushPull(this.stagger(first));
    }
  }

  /** Our first alive, incarnation 1, as a node that starts alone. */
  private announce(): void {
    const meta = this.readMeta();
    this.state.aliveNode(
      {
        incarnation: this.state.nextIncarnation(),
        node: this.config.name,
        addr: this.advertise.addr,
        port: this.advertise.port,
        meta,
        vsn: this.state.localVsn(),
      },
      { bootstrap: true },
    );
  }

  /** Starting from a converged baseline that already holds us: nothing to announce. */
  private resume(incarnation: number): void {
    this.state.resumeIncarnation(incarnation);
  }

  /** Stops every timer; the node no longer sends anything. */
  shutdown(): void {
    this.running = false;
    this.timers.clear();
    this.acks.clear();
    this.state.stop();
  }

  /** The earliest time the core wants `runTimers` called, or undefined. */
  get nextDeadline(): number | undefined {
    return this.timers.nextDeadline;
  }

  /**
   * The earliest time a real-time driver has to wake up for: `nextDeadline`, leaving out the
   * next gossip tick while nothing is queued to gossip (no broadcasts of our own, and a
   * delegate without getBroadcasts or whose `hasBroadcasts` is false) — that tick would only
   * re-arm the ticker, so an idle node wakes for its probes and its packets only. A driver
   * using this must call `runTimers(now)` before it hands the core any input, and before the
   * application queues a delegate broadcast outside the core's calls: overdue ticks then run,
   * doing nothing (one runs, the others are dropped as Go's ticker drops them), before anything
   * can queue a broadcast, so a new one goes out at the next regular tick and the rounds keep
   * Go's fixed-rate schedule. (The simulator wakes for every deadline.)
   */
  get nextWakeup(): number | undefined {
    const g = this.gossipTicker;
    return this.timers.nextDeadlineExcept(g !== undefined && !this.sender.mayHaveBroadcasts() ? g.tick : undefined);
  }

  /** Runs every timer due at `now`. */
  runTimers(now: number): void {
    this.timers.runDue(now);
  }

  /**
   * A fixed-rate ticker starting after a random stagger, like Go's triggerFunc over a
   * time.Ticker; `tick` of the result is its pending tick. Like Go's ticker it drops the ticks
   * it missed: after the event loop was blocked (or a simulated node stalled) past several
   * ticks, one runs late and the next comes at the next point of the original schedule, rather
   * than every missed tick at once (a burst of gossip rounds Go never sends).
   */
  private every(interval: number, fn: () => void): { tick: TimerHandle } {
    let next = this.io.now() + this.stagger(interval);
    const ticker = { tick: undefined as unknown as TimerHandle };
    const tick = (): void => {
      if (!this.running) return;
      next += interval;
      const now = this.io.now();
      if (next < now) next += Math.ceil((now - next) / interval) * interval;
      ticker.tick = this.timers.at(next, tick);
      fn();
    };
    ticker.tick = this.timers.at(next, tick);
    return ticker;
  }

  private stagger(interval: number): number {
    return Math.floor(this.io.random() * interval);
  }

  private schedulePushPull(delay: number): void {
    this.timers.at(this.io.now() + delay, () => {
      if (!this.running) return;
      this.sync.periodic();
      this.schedulePushPull(pushPullScale(this.config.pushPullInterval, this.state.table.estimatedSize));
    });
  }

  // ---- input: packets and streams -----------------------------------------------------------

  /** A datagram's payload (label, encryption and CRC already removed by the adapter). */
  handlePacket(from: string, payload: Uint8Array, receivedAt: number): void {
    const { messages, truncatedParts, errors } = expandPayload(payload);
    if (truncatedParts > 0) this.io.log.warn({ from, truncatedParts }, 'compound request had truncated messages');
    for (const err of errors) this.io.log.error({ from, code: err.code, err: err.message }, 'failed to decode packet');
    for (const msg of messages) {
      try {
        this.dispatch(msg, from, receivedAt);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        this.io.log.error({ from, type: msg[0], code: err.code, err: err.message }, 'failed to decode message');
      }
    }
  }

  private dispatch(msg: Uint8Array, from: string, receivedAt: number): void {
    const type = msg[0];
    if (type === MessageType.User) {
      this.delegates.delegate?.notifyMsg?.(msg.slice(1));
      return;
    }
    if (type === MessageType.Alive && !this.sourceAllowed(from)) {
      this.io.log.debug({ from }, 'blocked alive message: source address not allowed');
      this.io.onDrop?.(from, 'cidr', 'alive message from a source outside cidrsAllowed');
      return;
    }
    const m = decodeAnyMessage(msg);
    switch (m.type) {
      case MessageType.Ping:
        this.prober.handlePing(m.body, from);
        return;
      case MessageType.IndirectPing:
        this.prober.handleIndirectPing(m.body, from);
        return;
      case MessageType.AckResp:
        this.acks.ack(m.body.seqNo, m.body.payload, receivedAt);
        return;
      case MessageType.NackResp:
        this.acks.nack(m.body.seqNo);
        return;
      case MessageType.Suspect:
        this.state.suspectNode(m.body);
        return;
      case MessageType.Dead:
        this.state.deadNode(m.body);
        return;
      case MessageType.Alive:
        this.handleAlive(m.body, from);
        return;
      default:
        this.io.log.error({ from, type }, 'message type not supported');
    }
  }

  private sourceAllowed(from: string): boolean {
    if (this.cidrs.length === 0) return true;
    try {
      return ipAllowed(this.cidrs, ipFromString(hostOf(from)));
    } catch {
      return false;
    }
  }

  private handleAlive(a: Alive, from: string): void {
    if (this.cidrs.length > 0 && a.addr !== null && !ipAllowed(this.cidrs, a.addr)) {
      this.io.log.debug({ from }, 'blocked alive message: advertised address not allowed');
      this.io.onDrop?.(from, 'cidr', `alive for ${a.node} advertising an address outside cidrsAllowed`);
      return;
    }
    if (this.config.protocolVersion < 2 || a.port === 0) a.port = this.config.bindPort;
    this.state.aliveNode(a);
  }

  /**
   * An inbound stream request. Returns the plain response message to write back, if any.
   * (The adapter has already removed the label, encryption and compression.)
   */
  handleStream(from: string, msg: StreamMessage): Uint8Array | undefined {
    switch (msg.type) {
      case MessageType.User:
        if (msg.payload.length > 0) this.delegates.delegate?.notifyMsg?.(msg.payload);
        return undefined;
      case MessageType.PushPull: {
        const response = this.sync.localState(msg.pushPull.join);
        this.beginPushPullMerge(from, msg.pushPull)?.step(Number.POSITIVE_INFINITY);
        return response;
      }
      case MessageType.Ping:
        if (msg.ping.node !== '' && msg.ping.node !== this.config.name) {
          this.io.log.warn({ from, node: msg.ping.node }, 'got ping for unexpected node over TCP');
          return undefined;
        }
        return encodeMessage(MessageType.AckResp, { seqNo: msg.ping.seqNo, payload: null });
      default:
        this.io.log.error({ from, type: msg.type }, 'received invalid stream message type');
        return undefined;
    }
  }

  /**
   * The responder's half of an inbound push/pull in stages, for an adapter that handles a large
   * state over several turns: first our reply (our state before the merge, as Go sends it),
   * encoded with `write(n)` slices and `finish()`; then `beginPushPullMerge`. `handleStream`
   * runs the same at once.
   */
  pushPullReply(join: boolean): PushPullWriter {
    return this.sync.localStateWriter(join);
  }

  /**
   * Checks an inbound push/pull state and returns the merge to run with `step(n)` until it
   * returns true; undefined when the state was refused (logged).
   */
  beginPushPullMerge(from: string, pushPull: PushPull): PushPullMerge | undefined {
    const merge = this.sync.beginMerge(pushPull, pushPull.join);
    if (typeof merge !== 'string') return merge;
    this.io.log.error({ from, err: merge }, 'failed to push/pull merge');
    return undefined;
  }

  // ---- API ------------------------------------------------------------------------------------

  /** Push/pull (join) with each target in turn; `done` gets the number that succeeded. */
  join(targets: readonly JoinTarget[], done: (joined: number, errors: string[]) => void): void {
    const errors: string[] = [];
    let joined = 0;
    const next = (i: number): void => {
      if (i >= targets.length) {
        done(joined, errors);
        return;
      }
      const t = targets[i];
      this.sync.exchange(t.addr, t.name, true, (err) => {
        if (err === undefined) joined++;
        else {
          errors.push(`failed to join ${t.addr}: ${err}`);
          this.io.log.debug({ addr: t.addr, err }, 'failed to join');
        }
        next(i + 1);
      });
    };
    next(0);
  }

  /**
   * Broadcasts that we are leaving and calls `done` once that message has been gossiped its full
   * number of times (at once if nobody else is alive), or with an error after `timeoutMs`.
   */
  leave(timeoutMs: number, done: (err?: string) => void): void {
    this.state.leaving = true;
    const me = this.state.self();
    if (me === undefined) {
      done();
      return;
    }
    this.waitForBroadcast(timeoutMs, 'timeout waiting for leave broadcast', done, (notify) => {
      this.state.setLeaveNotifier(notify);
      this.state.deadNode({ incarnation: me.incarnation, node: me.name, from: me.name });
    });
  }

  /** Re-reads our metadata, bumps our incarnation and gossips it (Go's UpdateNode). */
  updateNode(timeoutMs: number, done: (err?: string) => void): void {
    const meta = this.readMeta();
    const me = this.state.self();
    if (me === undefined) {
      done('not started');
      return;
    }
    this.waitForBroadcast(timeoutMs, 'timeout waiting for update broadcast', done, (notify) => {
      this.state.aliveNode(
        {
          incarnation: this.state.nextIncarnation(),
          node: me.name,
          addr: me.addr,
          port: me.port,
          meta,
          vsn: this.state.localVsn(),
        },
        { bootstrap: true, notify },
      );
    });
  }

  private waitForBroadcast(
    timeoutMs: number,
    timeoutError: string,
    done: (err?: string) => void,
    start: (notify: () => void) => void,
  ): void {
    let finished = false;
    const finish = (err?: string): void => {
      if (finished) return;
      finished = true;
      timer.cancel();
      done(err);
    };
    const timer = this.timers.at(this.io.now() + timeoutMs, () => finish(timeoutError));
    start(() => finish());
    if (!this.anyAlive()) finish();
  }

  private anyAlive(): boolean {
    return this.state.table.all().some((n) => n.name !== this.config.name && !isDeadOrLeft(n));
  }

  private readMeta(): Uint8Array | null {
    const meta = this.delegates.delegate?.nodeMeta?.(MAX_META_BYTES) ?? null;
    if (meta !== null && meta.length > MAX_META_BYTES) {
      throw new RangeError(`node metadata is ${meta.length} bytes, more than the limit of ${MAX_META_BYTES}`);
    }
    return meta;
  }

  /** Sends a user message over UDP (no piggy-backing, no size check: Go's SendBestEffort). */
  sendBestEffort(to: Node | string, msg: Uint8Array): void {
    const { addr, name } = this.addressOf(to);
    this.sender.rawSend(addr, name, encodeUserPacket(msg));
  }

  /** Sends a user message to any address over UDP (Go's SendToAddress; Serf replies this way). */
  sendToAddress(addr: string, name: string, msg: Uint8Array): void {
    this.sender.rawSend(addr, name, encodeUserPacket(msg));
  }

  /** Sends a user message over a stream; `done` reports a failed connection or write. */
  sendReliable(to: Node | string, msg: Uint8Array, done: (err?: string) => void): void {
    const { addr, name } = this.addressOf(to);
    if (name === '' && this.config.requireNodeNames) {
      done('node names are required');
      return;
    }
    const deadline = this.io.now() + this.config.tcpTimeout;
    this.io.stream(addr, encodeUserStream(msg), { expectResponse: false, deadline, name }, (res) => {
      done(res.ok ? undefined : res.error.message);
    });
  }

  /** One UDP ping to `addr` expecting node `name` (Go's Ping). */
  ping(name: string, addr: string, done: (rttMs: number | undefined) => void): void {
    this.prober.pingNode(name, addr, done);
  }

  private addressOf(to: Node | string): { addr: string; name: string } {
    if (typeof to !== 'string') return { addr: nodeAddress({ addr: to.addrBytes, port: to.port }), name: to.name };
    const n = this.state.table.get(to);
    if (n === undefined) throw new RangeError(`unknown node "${to}"`);
    return { addr: nodeAddress(n), name: n.name };
  }

  /** Live members (alive or suspect), ourselves included — Go's Members(). */
  members(): Node[] {
    return this.state.table
      .all()
      .filter((n) => !isDeadOrLeft(n))
      .map(toNode);
  }

  /** Every member the table still holds, dead and left ones included until they are forgotten. */
  allMembers(): Node[] {
    return this.state.table.all().map(toNode);
  }

  numMembers(): number {
    let n = 0;
    for (const m of this.state.table.all()) if (!isDeadOrLeft(m)) n++;
    return n;
  }

  get localNode(): Node {
    const me = this.state.self();
    if (me === undefined) throw new Error('node not started');
    return toNode(me);
  }

  get healthScore(): number {
    return this.awareness.healthScore;
  }

  /** Suspicions, failures and refutations this node has seen. */
  get stats(): Readonly<ProtocolStats> {
    return this.state.stats;
  }

  /** Broadcasts queued by memberlist itself (tests, metrics). */
  get queuedBroadcasts(): number {
    return this.state.broadcasts.length;
  }

  /** Suspicion bookkeeping for a member (tests, metrics). */
  suspicionOf(name: string) {
    return this.state.suspicionOf(name);
  }

  /** The state of a member by name, or undefined. */
  memberState(name: string): NodeStateCode | undefined {
    return this.state.table.get(name)?.state;
  }
}
