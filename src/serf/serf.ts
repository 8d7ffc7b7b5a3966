/**
 * The Serf node: Serf's cluster layer on top of a `Memberlist`, speaking Go Serf's messages
 * through memberlist's delegates — member statuses with join/leave intents on a Lamport clock,
 * user events and queries with their dedupe rings and three broadcast queues (broadcasts.ts,
 * which also let an idle node sleep through gossip ticks), relayed responses, internal `_serf_`
 * queries and the cluster-wide key manager, push/pull state, reaping, reconnects, an optional
 * snapshot, name-conflict resolution and Vivaldi coordinates in ping acks. Everything the core
 * calls back into runs synchronously; anything that calls the memberlist API (sends, joins) is
 * deferred to a microtask so the core is never re-entered.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { profileConfig } from '../core/config.ts';
import { type Logger, silentLogger } from '../core/core-io.ts';
import type { Node } from '../core/node-state.ts';
import { DecodeError } from '../errors.ts';
import { Memberlist, type MemberlistOptions } from '../memberlist.ts';
import { ipToString, joinHostPort } from '../net/ip.ts';
import type { Keyring } from '../wire/keyring.ts';
import { SerfBroadcasts, type SerfQueueName } from './broadcasts.ts';
import { EventStream } from './event-stream.ts';
import type { Coordinate } from './coordinate.ts';
import { EventRing, QueryRing } from './dedupe-rings.ts';
import type { MemberEvent, SerfEvent, UserEvent } from './events.ts';
import { handleInternalQuery, isInternalQuery } from './internal-queries.ts';
import { KeyManager } from './key-manager.ts';
import { readKeyringFile, writeKeyringFile } from './keyring-file.ts';
import { LamportClock } from './lamport.ts';
import type { Member } from './member.ts';
import { mergeMember } from './merge-delegate.ts';
import { MemberTable, type MemberEventType } from './members.ts';
import {
  type JoinMessage,
  type LeaveMessage,
  type PushPullMessage,
  QueryFlag,
  SerfMessageType,
  type UserEventMessage,
  decodeBody,
  decodeRelay,
  encodeWithType,
  joinCodec,
  leaveCodec,
  pushPullCodec,
  queryCodec,
  queryResponseCodec,
  userEventCodec,
} from './messages.ts';
import { countConflictVotes } from './name-conflict.ts';
import { CoordinatePinger } from './ping-delegate.ts';
import type { QueryResponse, SerfQuery } from './query.ts';
import { QueryProtocol } from './query-protocol.ts';
import {
  MEMBERLIST_PROTOCOL_FOR_SERF,
  type QueryParams,
  SERF_PROTOCOL_MAX,
  SERF_PROTOCOL_MIN,
  type SerfConfig,
  type SerfOptions,
  USER_EVENT_SIZE_HARD_LIMIT,
  serfConfig,
} from './serf-options.ts';
import { Snapshotter } from './snapshot.ts';
import { type Tags, encodeTags } from './tags.ts';

export type SerfState = 'alive' | 'leaving' | 'left' | 'shutdown';

export interface SerfEvents {
  'member-join': [MemberEvent];
  'member-leave': [MemberEvent];
  'member-failed': [MemberEvent];
  'member-update': [MemberEvent];
  'member-reap': [MemberEvent];
  user: [UserEvent];
  query: [SerfQuery];
  /** Every event, of any type. */
  event: [SerfEvent];
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();

export class Serf extends EventEmitter<SerfEvents> implements AsyncDisposable {
  readonly config: SerfConfig;
  readonly keyManager: KeyManager;
  private ml: Memberlist | undefined;
  private readonly log: Logger;
  private readonly clock = new LamportClock();
  private readonly eventClock = new LamportClock();
  private readonly queryClock = new LamportClock();
  private readonly table: MemberTable;
  private readonly broadcasts: SerfBroadcasts;
  private readonly eventRing: EventRing;
  private readonly queryRing: QueryRing;
  private readonly queries: QueryProtocol;
  private readonly pinger: CoordinatePinger | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stream: EventStream;
  private readonly snapshot: Snapshotter | undefined;
  private currentState: SerfState = 'alive';
  /** The LTime of our own leave intent, once `leave()` has made it (see `localState`). */
  private ownLeaveLTime: number | undefined = undefined;
  private eventJoinIgnore = false;
  private joinTail: Promise<unknown> = Promise.resolve();

  private constructor(opts: SerfOptions) {
    super();
    this.config = serfConfig(opts);
    this.log = opts.logger ?? silentLogger;
    encodeTags(this.config.tags, this.config.protocolVersion);
    const ml = profileConfig(opts.memberlist?.profile ?? 'lan', opts.memberlist ?? {});
    const numNodes = (): number => this.table.size;
    this.broadcasts = new SerfBroadcasts(numNodes, ml.retransmitMult);
    this.eventRing = new EventRing(this.config.eventBuffer);
    this.queryRing = new QueryRing(this.config.queryBuffer);
    this.table = new MemberTable({
      selfName: this.config.nodeName,
      clock: this.clock,
      log: this.log,
      now: () => Date.now(),
      selfAlive: () => this.currentState === 'alive',
      refuteLeave: () => queueMicrotask(() => this.broadcastJoin(this.clock.time())),
      emit: (type, member) => this.memberEvent(type, member),
      later: (ms, fn) => this.later(ms, fn),
      pruneDelayMs: this.config.broadcastTimeout + this.config.leavePropagateDelay,
      reconnectTimeoutFor: this.config.reconnectTimeoutOverride,
    });
    this.keyManager = new KeyManager({
      query: (name, payload, params) => this.query(name, payload, params),
      numMembers: () => this.memberlist.numMembers(),
      warn: (message) => this.log.warn({}, `serf: ${message}`),
    });
    if (!this.config.disableCoordinates) this.pinger = new CoordinatePinger(this.config.nodeName, this.log);
    this.queries = new QueryProtocol({
      config: this.config,
      log: this.log,
      clock: this.queryClock,
      ring: this.queryRing,
      tags: () => this.config.tags,
      members: () => this.table.all(),
      local: () => this.memberlist.localNode,
      numMembers: () => this.memberlist.numMembers(),
      gossipInterval: () => this.memberlist.config.gossipInterval,
      sendTo: (addr, port, name, msg, what) => this.sendTo(addr, port, name, msg, what),
      broadcast: (raw) => this.broadcasts.queue('query', { message: raw, unique: true }),
      deliver: (q) => this.deliverQuery(q),
      accepted: (ltime) => this.snapshot?.query(ltime),
      later: (ms, fn) => this.later(ms, fn),
    });

    this.stream = new EventStream(this.config, (e) => this.dispatch(e));
    const c = this.config;
    if (c.snapshotPath !== '') {
      this.snapshot = new Snapshotter(c.snapshotPath, {
        rejoinAfterLeave: c.rejoinAfterLeave,
        log: this.log,
        clock: () => this.clock.time(),
      });
      this.eventRing.minTime = this.snapshot.lastEventClock + 1;
      this.queryRing.minTime = this.snapshot.lastQueryClock + 1;
    }
    // Every clock starts at 1 so that a join intent of LTime 0 is never newer than ours.
    this.clock.increment();
    this.eventClock.increment();
    this.queryClock.increment();
    if (this.snapshot !== undefined) {
      this.clock.witness(this.snapshot.lastClock);
      this.eventClock.witness(this.snapshot.lastEventClock);
      this.queryClock.witness(this.snapshot.lastQueryClock);
    }
  }

  /** Creates the node: binds memberlist, announces itself and starts Serf's background tasks. */
  static async create(opts: SerfOptions): Promise<Serf> {
    const serf = new Serf(opts);
    try {
      await serf.start(opts);
    } catch (err) {
      serf.snapshot?.close();
      throw err;
    }
    return serf;
  }

  private async start(opts: SerfOptions): Promise<void> {
    const c = this.config;
    let keys = opts.memberlist?.keys;
    if ((keys === undefined || keys.length === 0) && c.keyringFile !== '' && existsSync(c.keyringFile)) {
      keys = readKeyringFile(c.keyringFile);
    }
    this.ml = await Memberlist.create({
      ...opts.memberlist,
      keys: keys ?? [],
      name: c.nodeName,
      logger: this.log,
      protocolVersion: MEMBERLIST_PROTOCOL_FOR_SERF,
      delegateProtocolVersion: c.protocolVersion,
      delegateProtocolMin: SERF_PROTOCOL_MIN,
      delegateProtocolMax: SERF_PROTOCOL_MAX,
      delegate: {
        nodeMeta: (limit) => {
          const meta = encodeTags(c.tags, c.protocolVersion);
          if (meta.length > limit) throw new RangeError(`Node tags exceed length limit of ${limit} bytes`);
          return meta;
        },
        notifyMsg: (msg) => this.onMessage(msg),
        getBroadcasts: (overhead, limit) => this.broadcasts.getBroadcasts(overhead, limit),
        hasBroadcasts: () => this.broadcasts.hasBroadcasts(),
        localState: (join) => this.localState(join),
        mergeRemoteState: (buf, join) => this.mergeRemoteState(buf, join),
      },
      events: {
        notifyJoin: (n) => this.table.nodeJoined(n),
        notifyLeave: (n) => this.table.nodeLeft(n),
        notifyUpdate: (n) => this.table.nodeUpdated(n),
      },
      conflict: { notifyConflict: (existing, other) => this.onConflict(existing, other) },
      ping: this.pinger?.delegate,
      ...this.mergeDelegates(opts),
    });
    this.broadcasts.memberlist = this.ml;
    this.every(c.reapInterval, () => this.table.reap(c.reconnectTimeout, c.tombstoneTimeout, c.recentIntentTimeout));
    this.every(c.reconnectInterval, () => this.reconnect());
    this.every(c.queueCheckInterval, () => this.checkQueues());
    const previous = this.snapshot?.aliveNodes().filter((p) => p.name !== c.nodeName) ?? [];
    if (previous.length > 0) void this.rejoin(previous);
  }

  /** memberlist's merge and alive hooks running `opts.merge` (Go sets both when Config.Merge is set). */
  private mergeDelegates(opts: SerfOptions): Pick<MemberlistOptions, 'merge' | 'alive'> {
    const merge = opts.merge;
    if (merge === undefined) return {};
    return {
      merge: { notifyMerge: (nodes) => merge.notifyMerge(nodes.map((n) => mergeMember(n, this.log))) },
      alive: { notifyAlive: (node) => merge.notifyMerge([mergeMember(node, this.log)]) },
    };
  }

  /** The memberlist node underneath. */
  get memberlist(): Memberlist {
    if (this.ml === undefined) throw new Error('serf: not started');
    return this.ml;
  }

  get keyring(): Keyring {
    return this.memberlist.keyring;
  }

  get state(): SerfState {
    return this.currentState;
  }

  /** Whether gossip encryption is on (the keyring holds keys). */
  encryptionEnabled(): boolean {
    return this.memberlist.keyring.keys.length > 0;
  }

  // ---- timers and deferred work -------------------------------------------------------------

  private every(ms: number, fn: () => void): void {
    if (!(ms > 0)) return;
    const t = setInterval(() => {
      if (this.currentState !== 'shutdown') fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.currentState !== 'shutdown') fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  /** Sends a user message to ip:port after the current call stack (never inside the core). */
  private sendTo(addr: Uint8Array | null, port: number, name: string, msg: Uint8Array, what: string): void {
    const host = ipToString(addr);
    if (host === '') {
      this.log.warn({ name, what }, 'serf: cannot send to an invalid address');
      return;
    }
    const target = joinHostPort(host, port);
    queueMicrotask(() => {
      if (this.currentState === 'shutdown') return;
      try {
        this.memberlist.sendToAddress(target, name, msg);
      } catch (err) {
        this.log.error(
          { to: target, what, err: err instanceof Error ? err.message : String(err) },
          'serf: send failed',
        );
      }
    });
  }

  // ---- events ---------------------------------------------------------------------------------

  private memberEvent(type: MemberEventType, member: Member): void {
    this.snapshot?.memberEvent(type, member);
    if (type === 'member-reap') this.pinger?.forget(member.name);
    this.deliver({ type, members: [member] });
  }

  /** Events leave the core's call stack before any application code sees them. */
  private deliver(e: SerfEvent): void {
    this.stream.push(e);
  }

  private dispatch(e: SerfEvent): void {
    if (e.type === 'query') this.emit('query', e.query);
    else if (e.type === 'user') this.emit('user', e);
    else this.emit(e.type, e);
    this.emit('event', e);
  }

  /**
   * Every event from now until shutdown, as an async iterator (member events, user events and
   * queries; internal `_serf_` queries are never shown).
   */
  events(): AsyncIterableIterator<SerfEvent> {
    return this.stream.iterator();
  }

  // ---- memberlist delegate ------------------------------------------------------------------

  private onMessage(buf: Uint8Array): void {
    if (buf.length === 0) return;
    const type = buf[0];
    let rebroadcast = false;
    let queue: SerfQueueName = 'intent';
    try {
      switch (type) {
        case SerfMessageType.Leave: {
          const m = decodeBody(leaveCodec, buf);
          this.log.debug({ node: m.node }, 'serf: messageLeaveType');
          rebroadcast = this.table.leaveIntent(m);
          break;
        }
        case SerfMessageType.Join: {
          const m = decodeBody(joinCodec, buf);
          this.log.debug({ node: m.node }, 'serf: messageJoinType');
          rebroadcast = this.table.joinIntent(m);
          break;
        }
        case SerfMessageType.UserEvent: {
          const m = decodeBody(userEventCodec, buf);
          this.log.debug({ name: m.name }, 'serf: messageUserEventType');
          rebroadcast = this.handleUserEvent(m);
          queue = 'event';
          break;
        }
        case SerfMessageType.Query: {
          const m = decodeBody(queryCodec, buf);
          this.log.debug({ name: m.name, ltime: m.ltime, id: m.id }, 'serf: messageQueryType');
          rebroadcast = this.queries.receive(m);
          queue = 'query';
          break;
        }
        case SerfMessageType.QueryResponse: {
          const m = decodeBody(queryResponseCodec, buf);
          this.log.debug(
            { from: m.from, ltime: m.ltime, ack: (m.flags & QueryFlag.Ack) !== 0 },
            'serf: messageQueryResponseType',
          );
          this.queries.reply(m);
          break;
        }
        case SerfMessageType.Relay: {
          const { header, inner } = decodeRelay(buf);
          this.log.debug({ to: ipToString(header.destAddr.ip), port: header.destAddr.port }, 'serf: relaying response');
          const port = header.destAddr.port;
          if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
            this.log.error({ port }, 'serf: relay header has an invalid port');
            break;
          }
          this.sendTo(header.destAddr.ip, port, header.destName, inner, 'relay');
          break;
        }
        default:
          this.log.warn({ type }, 'serf: received message of unknown type');
      }
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.log.error({ type, code: err.code, err: err.message }, 'serf: error decoding message');
      return;
    }
    if (rebroadcast) this.broadcasts.queue(queue, { message: buf.slice(), unique: true });
  }

  private localState(_join: boolean): Uint8Array {
    const statusLTimes = this.table.statusLTimes();
    const leftMembers = this.table.leftNames();
    const leave = this.ownLeaveLTime;
    if (leave !== undefined && !leftMembers.includes(this.config.nodeName)) {
      // Once we leave, we list ourselves as left, with the status time the receiver turns into
      // a leave at our leave intent's LTime. Go Serf lists a leaving node by its status time
      // only, which a receiver merges as a join intent at that LTime: if this push/pull
      // overtakes the gossiped leave intent, the intent is then not newer, is ignored, and
      // memberlist's dead message makes us failed rather than left. Same message format.
      leftMembers.push(this.config.nodeName);
      statusLTimes.set(this.config.nodeName, Math.max(0, leave - 1));
    }
    const pp: PushPullMessage = {
      ltime: this.clock.time(),
      statusLTimes,
      leftMembers,
      eventLTime: this.eventClock.time(),
      events: this.eventRing.toPushPull(),
      queryLTime: this.queryClock.time(),
    };
    return encodeWithType(SerfMessageType.PushPull, pushPullCodec, pp);
  }

  private mergeRemoteState(buf: Uint8Array, isJoin: boolean): void {
    if (buf.length === 0) {
      this.log.error({}, 'serf: remote state is zero bytes');
      return;
    }
    if (buf[0] !== SerfMessageType.PushPull) {
      this.log.error({ type: buf[0] }, 'serf: remote state has bad type prefix');
      return;
    }
    let pp: PushPullMessage;
    try {
      pp = decodeBody(pushPullCodec, buf);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.log.error({ err: err.message }, 'serf: failed to decode remote state');
      return;
    }
    // Witness one less: no message with the remote's current time has been sent yet.
    if (pp.ltime > 0) this.clock.witness(pp.ltime - 1);
    if (pp.eventLTime > 0) this.eventClock.witness(pp.eventLTime - 1);
    if (pp.queryLTime > 0) this.queryClock.witness(pp.queryLTime - 1);
    const status = pp.statusLTimes ?? new Map<string, number>();
    const left = new Set(pp.leftMembers ?? []);
    // A left member's leave came after its last status time; replay leaves before joins.
    for (const node of left) this.table.leaveIntent({ ltime: (status.get(node) ?? 0) + 1, node, prune: false });
    for (const [node, ltime] of status) if (!left.has(node)) this.table.joinIntent({ ltime, node });
    if (isJoin && this.eventJoinIgnore && pp.eventLTime > this.eventRing.minTime) {
      this.eventRing.minTime = pp.eventLTime;
    }
    for (const slot of pp.events ?? []) {
      if (slot === null) continue;
      for (const e of slot.events ?? []) {
        if (e === null) continue;
        this.handleUserEvent({ ltime: slot.ltime, name: e.name, payload: e.payload, cc: false });
      }
    }
  }

  // ---- members ------------------------------------------------------------------------------

  /** Every member Serf knows, in any status (Go's Members()). */
  members(): Member[] {
    return this.table.all();
  }

  get localMember(): Member {
    const m = this.table.get(this.config.nodeName);
    if (m === undefined) throw new Error('serf: not started');
    return m;
  }

  /** Members in the cluster regardless of status (what broadcast limits scale with). */
  numNodes(): number {
    return this.table.size;
  }

  /**
   * Joins a cluster through any of `addresses`, then announces our join intent. With
   * `ignoreOld`, user events that happened before the join are not delivered.
   */
  async join(addresses: readonly string[], opts: { ignoreOld?: boolean; signal?: AbortSignal } = {}): Promise<number> {
    if (this.currentState !== 'alive') throw new Error("Serf can't Join after Leave or Shutdown");
    const run = async (): Promise<number> => {
      if (opts.ignoreOld) this.eventJoinIgnore = true;
      try {
        const n = await this.memberlist.join(addresses, { signal: opts.signal });
        if (n > 0) this.broadcastJoin(this.clock.time());
        return n;
      } finally {
        this.eventJoinIgnore = false;
      }
    };
    const p = this.joinTail.then(run, run);
    this.joinTail = p.catch(() => undefined);
    return p;
  }

  /** Broadcasts a join intent at `ltime` (after a join, or to refute an old leave intent). */
  private broadcastJoin(ltime: number): void {
    if (this.currentState === 'shutdown') return;
    const msg: JoinMessage = { ltime, node: this.config.nodeName };
    this.clock.witness(ltime);
    this.table.joinIntent(msg);
    this.broadcasts.queue('intent', { message: encodeWithType(SerfMessageType.Join, joinCodec, msg), unique: true });
  }

  /** Queues an intent and resolves when it has been gossiped enough, or after `timeoutMs`. */
  private broadcastAndWait(message: Uint8Array, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (ok: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(t);
        this.timers.delete(t);
        resolve(ok);
      };
      const t = setTimeout(() => finish(false), timeoutMs);
      this.timers.add(t);
      this.broadcasts.queue('intent', { message, unique: true, finished: () => finish(true) });
    });
  }

  /**
   * Leaves gracefully: a leave intent gossiped to the cluster, then memberlist's leave, then a
   * pause so the leave propagates while we still answer probes. Safe to call twice.
   */
  async leave(): Promise<void> {
    switch (this.currentState) {
      case 'left':
        return;
      case 'leaving':
        throw new Error('Leave already in progress');
      case 'shutdown':
        throw new Error('Leave called after Shutdown');
    }
    this.currentState = 'leaving';
    this.snapshot?.leave();
    const msg: LeaveMessage = { ltime: this.clock.time(), node: this.config.nodeName, prune: false };
    this.clock.increment();
    this.table.leaveIntent(msg);
    this.ownLeaveLTime = msg.ltime;
    if (this.table.hasAliveMembers()) {
      const sent = await this.broadcastAndWait(
        encodeWithType(SerfMessageType.Leave, leaveCodec, msg),
        this.config.broadcastTimeout,
      );
      if (!sent) this.log.warn({}, 'serf: timeout while waiting for graceful leave');
    }
    try {
      await this.memberlist.leave({ timeout: this.config.broadcastTimeout });
    } catch (err) {
      this.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'serf: timeout waiting for leave broadcast',
      );
    }
    await new Promise<void>((r) => setTimeout(r, this.config.leavePropagateDelay));
    if (this.state !== 'shutdown') this.currentState = 'left';
  }

  /** Forcibly moves a failed member to left (and with `prune`, erases it). */
  async forceLeave(node: string, opts: { prune?: boolean } = {}): Promise<void> {
    const msg: LeaveMessage = { ltime: this.clock.time(), node, prune: opts.prune ?? false };
    this.clock.increment();
    this.table.leaveIntent(msg);
    if (!this.table.hasAliveMembers()) return;
    const sent = await this.broadcastAndWait(
      encodeWithType(SerfMessageType.Leave, leaveCodec, msg),
      this.config.broadcastTimeout,
    );
    if (!sent) throw new Error('timed out broadcasting node removal');
  }

  /** Replaces our tags and gossips them (waits up to the broadcast timeout). */
  async setTags(tags: Tags): Promise<void> {
    encodeTags(tags, this.config.protocolVersion);
    this.config.tags = { ...tags };
    await this.memberlist.updateNode(undefined, { timeout: this.config.broadcastTimeout });
  }

  // ---- user events --------------------------------------------------------------------------

  /** Broadcasts a user event; `coalesce` lets receivers keep only the newest of one name. */
  userEvent(name: string, payload: Uint8Array = EMPTY, coalesce = true): void {
    if (this.currentState === 'shutdown') throw new Error('serf is shut down');
    const before = utf8.encode(name).length + payload.length;
    const limit = this.config.userEventSizeLimit;
    if (before > limit) throw new RangeError(`user event exceeds configured limit of ${limit} bytes before encoding`);
    if (before > USER_EVENT_SIZE_HARD_LIMIT) {
      throw new RangeError(`user event exceeds sane limit of ${USER_EVENT_SIZE_HARD_LIMIT} bytes before encoding`);
    }
    const msg: UserEventMessage = { ltime: this.eventClock.time(), name, payload, cc: coalesce };
    const raw = encodeWithType(SerfMessageType.UserEvent, userEventCodec, msg);
    if (raw.length > limit) {
      throw new RangeError(`encoded user event exceeds configured limit of ${limit} bytes after encoding`);
    }
    this.eventClock.increment();
    this.handleUserEvent(msg);
    this.broadcasts.queue('event', { message: raw, unique: true });
  }

  /** Returns whether the event was new (deliver and rebroadcast). */
  private handleUserEvent(m: UserEventMessage): boolean {
    this.eventClock.witness(m.ltime);
    const verdict = this.eventRing.offer(m.ltime, { name: m.name, payload: m.payload }, this.eventClock.time());
    if (verdict === 'too-old') {
      this.log.warn({ name: m.name, ltime: m.ltime, current: this.eventClock.time() }, 'serf: received old event');
    }
    if (verdict !== undefined) return false;
    this.snapshot?.userEvent(m.ltime);
    this.deliver({ type: 'user', ltime: m.ltime, name: m.name, payload: m.payload ?? EMPTY, coalesce: m.cc });
    return true;
  }

  // ---- queries ------------------------------------------------------------------------------

  /** Go's DefaultQueryTimeout: GossipInterval × QueryTimeoutMult × ceil(log10(N + 1)), in ms. */
  defaultQueryTimeout(): number {
    return this.queries.defaultTimeout();
  }

  /**
   * Sends a query to the cluster (and processes it locally). Acks and responses arrive on the
   * returned QueryResponse until its deadline.
   */
  query(name: string, payload: Uint8Array = EMPTY, params: QueryParams = {}): QueryResponse {
    if (this.config.protocolVersion < 4) throw new Error('Feature not supported');
    if (this.currentState === 'shutdown') throw new Error('serf is shut down');
    return this.queries.send(name, payload, params);
  }

  /** Internal `_serf_` queries are answered here; the rest go to the application. */
  private deliverQuery(query: SerfQuery): void {
    if (!isInternalQuery(query.name)) {
      this.deliver({ type: 'query', query });
      return;
    }
    queueMicrotask(() => {
      if (this.currentState === 'shutdown') return;
      handleInternalQuery(
        {
          selfName: this.config.nodeName,
          keyring: this.memberlist.keyring,
          log: this.log,
          responseSizeLimit: this.config.queryResponseSizeLimit,
          encryptionEnabled: () => this.encryptionEnabled(),
          member: (n) => this.table.get(n),
          persistKeyring: () => this.persistKeyring(),
        },
        query,
      );
    });
  }

  private persistKeyring(): string | undefined {
    if (this.config.keyringFile === '') return undefined;
    try {
      writeKeyringFile(this.config.keyringFile, this.memberlist.keyring.keys);
      return undefined;
    } catch (err) {
      return `Failed to write keyring file: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  // ---- name conflicts -----------------------------------------------------------------------

  private onConflict(existing: Node, other: Node): void {
    if (existing.name !== this.config.nodeName) {
      this.log.warn(
        { node: existing.name, mine: `${existing.addr}:${existing.port}`, other: `${other.addr}:${other.port}` },
        'serf: name conflict',
      );
      return;
    }
    this.log.error(
      { other: `${other.addr}:${other.port}`, resolution: this.config.enableNameConflictResolution },
      'serf: node name conflicts with another node; names must be unique',
    );
    if (this.config.enableNameConflictResolution) queueMicrotask(() => void this.resolveNodeConflict());
  }

  /** Asks the cluster which address holds our name; shuts down unless a majority says ours. */
  private async resolveNodeConflict(): Promise<void> {
    if (this.currentState !== 'alive') return;
    const local = this.memberlist.localNode;
    let query: QueryResponse;
    try {
      query = this.query('_serf_conflict', utf8.encode(this.config.nodeName));
    } catch (err) {
      this.log.error({ err: String(err) }, 'serf: failed to start name resolution query');
      return;
    }
    const vote = await countConflictVotes(query, local);
    for (const from of vote.invalid) this.log.error({ from }, 'serf: invalid conflict query response');
    const counts = { matching: vote.matching, responses: vote.responses };
    // (`state`, not `currentState`: the check on entry narrowed that field, and it changed since.)
    if (this.state === 'shutdown') {
      // Our own shutdown closed the query (an earlier resolution lost its vote, or the application
      // shut us down): the count is cut short and there is nothing left to decide. Go's serf logs
      // a verdict from such a count at the query's deadline, which reads as a second lost vote.
      this.log.debug(counts, 'serf: name conflict resolution ended by shutdown');
      return;
    }
    if (vote.won) {
      this.log.info(counts, 'serf: majority in name conflict resolution');
      return;
    }
    this.log.warn(counts, 'serf: minority in name conflict resolution, quitting');
    await this.shutdown();
  }

  // ---- background tasks ---------------------------------------------------------------------

  private reconnect(): void {
    const failed = this.table.failedMembers();
    if (failed.length === 0) return;
    const alive = Math.max(1, this.table.size - failed.length - this.table.numLeft);
    if (Math.random() > failed.length / alive) {
      this.log.debug({}, 'serf: forgoing reconnect for random throttling');
      return;
    }
    const m = failed[Math.floor(Math.random() * failed.length)];
    const addr = `${m.name}/${joinHostPort(m.addr, m.port)}`;
    this.log.info({ node: m.name, addr }, 'serf: attempting reconnect');
    this.memberlist.join([addr]).catch((err: unknown) => {
      this.log.debug({ node: m.name, err: String(err) }, 'serf: reconnect failed');
    });
  }

  private async rejoin(previous: readonly { name: string; addr: string }[]): Promise<void> {
    for (const p of previous) {
      if (this.currentState !== 'alive') return;
      this.log.info({ node: p.name, addr: p.addr }, 'serf: attempting re-join to previously known node');
      try {
        await this.memberlist.join([`${p.name}/${p.addr}`]);
        this.log.info({ node: p.name }, 'serf: re-joined to previously known node');
        return;
      } catch {
        // try the next one
      }
    }
    this.log.warn({}, 'serf: failed to re-join any previously known node');
  }

  private checkQueues(): void {
    const c = this.config;
    let max = c.maxQueueDepth;
    if (c.minQueueDepth > 0) max = Math.max(c.minQueueDepth, 2 * this.table.size);
    for (const [name, q] of [
      ['Intent', this.broadcasts.intents],
      ['Event', this.broadcasts.events],
      ['Query', this.broadcasts.queries],
    ] as const) {
      const n = q.length;
      if (n >= c.queueDepthWarning) this.log.warn({ queue: name, depth: n }, 'serf: queue depth');
      if (n > max) {
        this.log.warn({ queue: name, depth: n, limit: max }, 'serf: queue depth exceeds limit, dropping messages');
        q.prune(max);
      }
    }
  }

  // ---- coordinates and stats ----------------------------------------------------------------

  /** Our Vivaldi coordinate (throws if coordinates are disabled). */
  getCoordinate(): Coordinate {
    if (this.pinger === undefined) throw new Error('Coordinates are disabled');
    return this.pinger.client.coordinate;
  }

  /** The last coordinate a member sent us in a ping ack (ours under our own name). */
  getCachedCoordinate(name: string): Coordinate | undefined {
    return this.pinger?.cached(name);
  }

  /** Operator statistics, with Go's keys. */
  stats(): Record<string, string> {
    const out: Record<string, string> = {
      members: String(this.table.size),
      failed: String(this.table.numFailed),
      left: String(this.table.numLeft),
      health_score: String(this.memberlist.healthScore),
      member_time: String(this.clock.time()),
      event_time: String(this.eventClock.time()),
      query_time: String(this.queryClock.time()),
      intent_queue: String(this.broadcasts.intents.length),
      event_queue: String(this.broadcasts.events.length),
      query_queue: String(this.broadcasts.queries.length),
      encrypted: String(this.encryptionEnabled()),
    };
    if (this.pinger !== undefined) out.coordinate_resets = String(this.pinger.client.resets);
    return out;
  }

  /** The three Lamport clocks (member, event, query). */
  clocks(): { member: number; event: number; query: number } {
    return { member: this.clock.time(), event: this.eventClock.time(), query: this.queryClock.time() };
  }

  // ---- shutdown -----------------------------------------------------------------------------

  /** Stops everything. Without a prior leave(), peers will see this node fail. */
  async shutdown(): Promise<void> {
    if (this.currentState === 'shutdown') return;
    if (this.currentState !== 'left') this.log.warn({}, 'serf: shutdown without a leave');
    this.currentState = 'shutdown';
    for (const t of this.timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.timers.clear();
    this.queries.closeAll();
    this.stream.close();
    this.snapshot?.close();
    await this.ml?.shutdown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}
