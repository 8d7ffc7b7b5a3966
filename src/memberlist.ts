/**
 * The public memberlist node: the sans-io protocol core driven by real sockets (UDP + TCP),
 * real time, a keyring and a logger, with an idiomatic API — promises, AbortSignal, typed
 * events as an EventEmitter and as an async iterator, `await using`.
 */
import { EventEmitter } from 'node:events';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { type Profile, type ProtocolConfig, profileConfig } from './core/config.ts';
import { MemberlistCore } from './core/core.ts';
import type { PushPullMerge } from './core/push-pull-sync.ts';
import type { ProtocolStats } from './core/state.ts';
import type { CoreIO, Logger, StreamRequestOptions, StreamResult } from './core/core-io.ts';
import { silentLogger } from './core/core-io.ts';
import type {
  AliveDelegate,
  ConflictDelegate,
  Delegate,
  Delegates,
  EventDelegate,
  MergeDelegate,
  PingDelegate,
} from './core/delegates.ts';
import type { Node } from './core/node-state.ts';
import { DecodeError } from './errors.ts';
import { ipFromString, joinHostPort, splitHostPort } from './net/ip.ts';
import { NetTransport } from './transport/net-transport.ts';
import { requestOverStream, serveConnection } from './transport/stream-exchange.ts';
import { DropLog, dropReasonOf } from './observe/drop-log.ts';
import { Subscriptions } from './util/subscriptions.ts';
import { clearDecodeCaches } from './wire/decode-caches.ts';
import { Keyring } from './wire/keyring.ts';
import { MAX_PUSH_PULL_REQUESTS } from './wire/limits.ts';
import { MessageType } from './wire/messages.ts';
import { decodePacket, encodePacket } from './wire/packet.ts';
import type { PushPull } from './wire/push-pull.ts';
import type { WireSecurity } from './wire/wire-security.ts';

/** Nodes created and not shut down in this process; the last shutdown empties the decoder caches. */
let liveNodes = 0;

/** Members of an inbound push/pull state merged per event-loop turn (see `pushPull`). */
const MERGE_SLICE = 512;
/** Members of our reply to it encoded per turn. */
const ENCODE_SLICE = 2048;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface MemberlistOptions extends Partial<ProtocolConfig> {
  /** Base profile for every knob not given (default "lan"). */
  readonly profile?: Profile;
  readonly delegate?: Delegate;
  readonly events?: EventDelegate;
  readonly conflict?: ConflictDelegate;
  readonly merge?: MergeDelegate;
  readonly alive?: AliveDelegate;
  readonly ping?: PingDelegate;
  /** A pino logger (or anything with the same four methods). Silent by default. */
  readonly logger?: Logger;
  /** Initial metadata (≤ 512 bytes), used instead of the delegate's nodeMeta until updateNode. */
  readonly meta?: Uint8Array;
}

export interface MemberEvent {
  readonly type: 'join' | 'leave' | 'update';
  readonly node: Node;
}

export interface MemberlistEvents {
  join: [Node];
  leave: [Node];
  update: [Node];
}

export class Memberlist extends EventEmitter<MemberlistEvents> implements AsyncDisposable {
  readonly config: ProtocolConfig;
  readonly keyring: Keyring;
  private readonly core: MemberlistCore;
  private readonly transport: NetTransport;
  private readonly log: Logger;
  private readonly security: WireSecurity;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  /** True while the core runs (an input or its timers): nested inputs run at once, see `input`. */
  private inCore = false;
  private closed = false;
  private inboundPushPulls = 0;
  private readonly subscribers = new Subscriptions<MemberEvent>();
  /** Input dropped on purpose, counted by reason (security drops, malformed input, stalls). */
  readonly drops: DropLog;

  private constructor(
    config: ProtocolConfig,
    transport: NetTransport,
    opts: MemberlistOptions,
    advertise: { addr: Uint8Array; port: number },
  ) {
    super();
    this.config = config;
    this.transport = transport;
    this.log = opts.logger ?? silentLogger;
    this.drops = new DropLog(this.log);
    this.keyring = new Keyring(config.keys);
    const keyring = this.keyring;
    const label = new TextEncoder().encode(config.label);
    this.security = {
      label,
      get keys() {
        return keyring.keys;
      },
      encryptionVersion: config.protocolVersion === 1 ? 0 : 1,
      get verifyIncoming() {
        return config.gossipVerifyIncoming;
      },
      get verifyOutgoing() {
        return config.gossipVerifyOutgoing;
      },
      skipInboundLabelCheck: config.skipInboundLabelCheck,
    };
    this.metaOverride = opts.meta;
    const user = opts.delegate;
    const delegates: Delegates = {
      delegate: {
        nodeMeta: (limit) => this.metaOverride ?? user?.nodeMeta?.(limit) ?? null,
        notifyMsg: (msg) => user?.notifyMsg?.(msg),
        // Left out without a user hook: the core then knows a gossip round with nothing queued
        // would send nothing, and does not wake up for it (MemberlistCore.nextWakeup).
        getBroadcasts:
          user?.getBroadcasts === undefined ? undefined : (overhead, limit) => user.getBroadcasts!(overhead, limit),
        // With it, the same for a delegate with nothing queued (see `queueBroadcasts`).
        hasBroadcasts: user?.hasBroadcasts === undefined ? undefined : () => user.hasBroadcasts!(),
        localState: (join) => user?.localState?.(join) ?? new Uint8Array(0),
        mergeRemoteState: (state, join) => user?.mergeRemoteState?.(state, join),
      },
      conflict: opts.conflict,
      merge: opts.merge,
      alive: opts.alive,
      ping: opts.ping,
      events: {
        notifyJoin: (n) => this.publish('join', n, opts.events?.notifyJoin),
        notifyLeave: (n) => this.publish('leave', n, opts.events?.notifyLeave),
        notifyUpdate: (n) => this.publish('update', n, opts.events?.notifyUpdate),
      },
    };
    this.core = new MemberlistCore({
      config,
      io: this.io,
      delegates,
      advertise,
      encryptionEnabled: () => keyring.keys.length > 0,
    });
    transport.onPacket = (from, bytes, receivedAt) => this.onPacket(from, bytes, receivedAt);
    transport.onConnection = (socket) => this.onConnection(socket);
  }

  /** Binds the sockets, announces this node and starts the protocol. */
  static async create(opts: MemberlistOptions = {}): Promise<Memberlist> {
    const { profile = 'lan', delegate, events, conflict, merge, alive, ping, logger, meta, ...overrides } = opts;
    const config = profileConfig(profile, overrides);
    validateConfig(config);
    const transport = await NetTransport.listen({ bindAddr: config.bindAddr, bindPort: config.bindPort });
    try {
      const advertise = advertiseAddress(config, transport.port);
      const m = new Memberlist({ ...config, bindPort: transport.port }, transport, opts, advertise);
      m.core.start();
      m.pump();
      liveNodes++;
      return m;
    } catch (err) {
      await transport.close();
      throw err;
    }
  }

  // ---- the adapter between the core and the world -----------------------------------------

  private readonly io: CoreIO = {
    now: () => performance.now(),
    random: () => Math.random(),
    log: this.logProxy(),
    slices: (step, done) => {
      const run = (): void => {
        if (this.closed) done();
        else if (this.input(step)) this.input(done);
        else setImmediate(run);
      };
      setImmediate(run);
    },
    onDrop: (from, reason, detail) => this.drops.record(from, 'packet', reason, detail),
    sendPacket: (addr, msg, crc) => {
      if (this.closed) return;
      const bytes = encodePacket(msg, { compress: this.config.enableCompression, crc }, this.security);
      this.transport.sendPacket(addr, bytes);
    },
    stream: (addr: string, request: Uint8Array, opts: StreamRequestOptions, done: (r: StreamResult) => void) => {
      if (this.closed) {
        done({ ok: false, error: new Error('memberlist is shut down'), contacted: false });
        return;
      }
      const socket = this.transport.connect(addr);
      void requestOverStream(socket, request, {
        security: this.security,
        compress: this.config.enableCompression,
        expectResponse: opts.expectResponse,
        timeoutMs: opts.deadline - performance.now(),
      }).then((r) => this.input(() => done(r)));
    },
  };

  private logProxy(): Logger {
    return {
      debug: (o, m) => this.log.debug(o, m),
      info: (o, m) => this.log.info(o, m),
      warn: (o, m) => this.log.warn(o, m),
      error: (o, m) => this.log.error(o, m),
    };
  }

  /**
   * Runs an input against the core: first the core's overdue timers (see
   * `MemberlistCore.nextWakeup`: a gossip tick with nothing to send is run late, never skipped),
   * then the input, then the timer is re-armed for the core's next wake-up.
   */
  private input<T>(fn: () => T): T {
    // Called back from inside the core (a delegate calling the API, Serf queuing a relayed
    // broadcast from notifyMsg): run at once; the outer call re-arms.
    if (this.inCore) return fn();
    this.inCore = true;
    try {
      if (!this.closed) this.core.runTimers(performance.now());
      return fn();
    } finally {
      this.inCore = false;
      this.pump();
    }
  }

  /**
   * Runs `queue`, code that queues broadcasts for the delegate's getBroadcasts, as an input:
   * for a delegate with `hasBroadcasts`, whose idle node does not wake for gossip ticks, every
   * such queuing outside memberlist's own calls into the delegate must go through here. The
   * gossip ticks slept through run first, in order and sending nothing, so the broadcast goes
   * out at the next regular tick (as in Go) rather than once per overdue tick at once; then
   * the timer is re-armed for that tick. Inside a delegate call it just runs `queue`.
   */
  queueBroadcasts<T>(queue: () => T): T {
    return this.input(queue);
  }

  /**
   * Runs the core's due timers and keeps one timer armed for its next wake-up. The timer is
   * re-armed only when that time moves earlier: Node never moves its underlying libuv timer
   * later (a cleared timeout still wakes the loop), so when a timeout was cancelled — an ack
   * arrived — the armed timer is left to fire and re-arm. Its delay is a whole number of
   * milliseconds plus one: Node keeps a fractional delay, but libuv fires on whole milliseconds
   * of a truncated clock, and a timer firing before the core's deadline is a wasted wake-up
   * (with a second one a millisecond later). Timers run up to about 2 ms late, never early.
   */
  private pump(): void {
    if (this.closed) return;
    const now = performance.now();
    this.inCore = true;
    try {
      this.core.runTimers(now);
    } finally {
      this.inCore = false;
    }
    const next = this.core.nextWakeup;
    if (next === undefined || (this.timer !== undefined && this.timerAt <= next)) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(this.onTimer, Math.max(0, Math.ceil(next - now)) + 1);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.pump();
  };

  private onPacket(from: string, bytes: Uint8Array, receivedAt: number): void {
    let payload: Uint8Array;
    try {
      payload = decodePacket(bytes, this.security);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.drops.record(from, 'packet', dropReasonOf(err.code), err.message);
      return;
    }
    this.input(() => this.core.handlePacket(from, payload, receivedAt));
  }

  private onConnection(socket: import('node:net').Socket): void {
    const from = joinHostPort(socket.remoteAddress?.replace(/^::ffff:/, '') ?? '', socket.remotePort ?? 0);
    socket.on('error', () => {});
    serveConnection(socket, from, {
      security: this.security,
      compress: this.config.enableCompression,
      timeoutMs: this.config.tcpTimeout,
      handle: (src, msg) => {
        if (msg.type !== MessageType.PushPull) return this.input(() => this.core.handleStream(src, msg));
        if (this.inboundPushPulls >= MAX_PUSH_PULL_REQUESTS) {
          this.log.error({ from: src }, 'too many pending push/pull requests');
          return undefined;
        }
        this.inboundPushPulls++;
        let counted = true;
        const finished = (): void => {
          if (counted) this.inboundPushPulls--;
          counted = false;
        };
        return this.pushPull(src, msg.pushPull, finished).catch((err: unknown) => {
          finished();
          this.log.error({ from: src, err: String(err) }, 'push/pull failed');
          throw err; // the connection is dropped
        });
      },
      onDrop: (src, err) => this.drops.record(src, 'stream', dropReasonOf(err.code), err.message),
      onStall: (src) =>
        this.drops.record(src, 'stream', 'timeout', `no complete request within ${this.config.tcpTimeout} ms`),
    });
  }

  /**
   * An inbound push/pull. A small state is handled at once; a large one over several event-loop
   * turns, so a node receiving thousands of members keeps serving its timers and packets: the
   * decode had the turns it arrived in, our reply is encoded ENCODE_SLICE members per turn,
   * compressed and written on the next, then the state is checked and merged MERGE_SLICE members
   * per turn. Other input handled
   * in between is as if that gossip had arrived while the state was in flight: each member of
   * the state is applied by the same rules as an alive, dead or suspect message on its own.
   */
  private async pushPull(from: string, pushPull: PushPull, finished: () => void): Promise<Uint8Array | undefined> {
    if (pushPull.nodes.length <= MERGE_SLICE) {
      try {
        return this.input(() => this.core.handleStream(from, { type: MessageType.PushPull, pushPull }));
      } finally {
        finished();
      }
    }
    const reply = this.core.pushPullReply(pushPull.join);
    for (;;) {
      await nextTurn();
      if (this.closed) {
        finished();
        return undefined;
      }
      if (reply.write(ENCODE_SLICE)) break;
    }
    const response = reply.finish();
    await nextTurn(); // compressed and written on this turn; merged from the next
    const merge = this.closed ? undefined : this.input(() => this.core.beginPushPullMerge(from, pushPull));
    if (merge === undefined) finished();
    else {
      this.mergeInSlices(merge)
        .catch((err: unknown) => this.log.error({ from, err: String(err) }, 'push/pull merge failed'))
        .finally(finished);
    }
    return response;
  }

  private async mergeInSlices(merge: PushPullMerge): Promise<void> {
    for (;;) {
      await nextTurn();
      if (this.closed) return;
      if (this.input(() => merge.step(MERGE_SLICE))) return;
    }
  }

  private publish(type: MemberEvent['type'], node: Node, user: ((n: Node) => void) | undefined): void {
    user?.(node);
    this.emit(type, node);
    this.subscribers.publish({ type, node });
  }

  // ---- API ------------------------------------------------------------------------------------

  get localNode(): Node {
    return this.core.localNode;
  }

  /** Live members (alive or suspect), ourselves included, like Go's Members(). */
  members(): Node[] {
    return this.core.members();
  }

  /** Every member still in the table, dead and left ones included until they are forgotten. */
  allMembers(): Node[] {
    return this.core.allMembers();
  }

  numMembers(): number {
    return this.core.numMembers();
  }

  /** Lifeguard health: 0 is healthy, higher means this node itself is struggling. */
  get healthScore(): number {
    return this.core.healthScore;
  }

  /**
   * Joins a cluster through any of `addresses` ("host", "host:port", "name/host:port",
   * "[v6]:port"; names are resolved with DNS). Resolves to the number of nodes contacted;
   * rejects when none could be.
   */
  async join(addresses: readonly string[], opts: { signal?: AbortSignal } = {}): Promise<number> {
    opts.signal?.throwIfAborted();
    const targets: { addr: string; name: string }[] = [];
    const errors: string[] = [];
    for (const a of addresses) {
      try {
        targets.push(...(await this.resolve(a)));
      } catch (err) {
        errors.push(`failed to resolve ${a}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    opts.signal?.throwIfAborted();
    const [joined, joinErrors] = await withSignal(
      new Promise<[number, string[]]>((resolve) => {
        this.input(() => this.core.join(targets, (n, errs) => resolve([n, errs])));
      }),
      opts.signal,
    );
    errors.push(...joinErrors);
    if (joined === 0)
      throw new AggregateError(
        errors.map((e) => new Error(e)),
        errors.join('; ') || 'no addresses to join',
      );
    return joined;
  }

  private async resolve(address: string): Promise<{ addr: string; name: string }[]> {
    let name = '';
    let rest = address;
    const slash = address.indexOf('/');
    if (slash >= 0) {
      name = address.slice(0, slash);
      rest = address.slice(slash + 1);
    }
    const { host, port = this.config.bindPort } = splitHostPort(rest);
    if (isIP(host) !== 0) return [{ addr: joinHostPort(host, port), name }];
    const found = await lookup(host, { all: true });
    return found.map((f) => ({ addr: joinHostPort(f.address, port), name }));
  }

  /** Tells the cluster we are leaving and waits until that has been gossiped (or `timeout` ms). */
  async leave(opts: { timeout?: number; signal?: AbortSignal } = {}): Promise<void> {
    const timeout = opts.timeout ?? this.config.probeInterval * 5;
    const err = await withSignal(
      new Promise<string | undefined>((resolve) => this.input(() => this.core.leave(timeout, resolve))),
      opts.signal,
    );
    if (err !== undefined) throw new Error(err);
  }

  /**
   * Changes our metadata (if `meta` is given it replaces what the delegate returns) and
   * gossips it, waiting until it has been sent enough times or `timeout` ms.
   */
  async updateNode(meta?: Uint8Array, opts: { timeout?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (meta !== undefined) this.metaOverride = meta;
    const timeout = opts.timeout ?? this.config.probeInterval * 5;
    const err = await withSignal(
      new Promise<string | undefined>((resolve) => this.input(() => this.core.updateNode(timeout, resolve))),
      opts.signal,
    );
    if (err !== undefined) throw new Error(err);
  }

  /** Metadata set through updateNode, taking precedence over the delegate's nodeMeta. */
  private metaOverride: Uint8Array | undefined;

  /** Sends a user message over UDP, unreliably. */
  sendBestEffort(node: Node | string, msg: Uint8Array): void {
    this.input(() => this.core.sendBestEffort(node, msg));
  }

  /** Sends a user message over UDP to "ip:port" (`name` is the expected node, "" if unknown). */
  sendToAddress(addr: string, name: string, msg: Uint8Array): void {
    this.input(() => this.core.sendToAddress(addr, name, msg));
  }

  /** Sends a user message over TCP; resolves once written. */
  async sendReliable(node: Node | string, msg: Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const err = await withSignal(
      new Promise<string | undefined>((resolve) => this.input(() => this.core.sendReliable(node, msg, resolve))),
      opts.signal,
    );
    if (err !== undefined) throw new Error(err);
  }

  /**
   * Switches gossip verification at runtime, for a rolling plaintext → encrypted migration:
   * install the key everywhere with both off, then turn outgoing on everywhere, then incoming.
   */
  setGossipVerify(opts: { incoming?: boolean; outgoing?: boolean }): void {
    if (opts.incoming !== undefined) this.config.gossipVerifyIncoming = opts.incoming;
    if (opts.outgoing !== undefined) this.config.gossipVerifyOutgoing = opts.outgoing;
    this.log.info(
      { incoming: this.config.gossipVerifyIncoming, outgoing: this.config.gossipVerifyOutgoing },
      'gossip verification changed',
    );
  }

  /** Protocol counters: suspicions, failures and refutations seen by this node. */
  get stats(): Readonly<ProtocolStats> {
    return this.core.stats;
  }

  /** Pings a node directly; resolves to the round-trip time in ms. */
  async ping(name: string, addr: string): Promise<number> {
    const rtt = await new Promise<number | undefined>((resolve) =>
      this.input(() => this.core.ping(name, addr, resolve)),
    );
    if (rtt === undefined) throw new Error(`no response from node ${name}`);
    return rtt;
  }

  /**
   * Membership events as an async iterator, from the moment of this call until the node shuts
   * down (or the loop breaks).
   */
  memberEvents(): AsyncIterableIterator<MemberEvent> {
    return this.subscribers.iterator();
  }

  /** Stops everything without telling anyone (peers will notice the failure). */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.core.shutdown();
    this.subscribers.end();
    if (--liveNodes === 0) clearDecodeCaches();
    await this.transport.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}

function validateConfig(c: ProtocolConfig): void {
  if (c.name === '') throw new RangeError('config: name must not be empty');
  if (c.protocolVersion < 1 || c.protocolVersion > 5) {
    throw new RangeError(`config: protocolVersion ${c.protocolVersion} outside [1, 5]`);
  }
  if (new TextEncoder().encode(c.label).length > 255) throw new RangeError('config: label longer than 255 bytes');
}

/** The address we advertise: explicit, else the bind address, else a private interface address. */
function advertiseAddress(c: ProtocolConfig, boundPort: number): { addr: Uint8Array; port: number } {
  if (c.advertiseAddr !== '') {
    return { addr: ipFromString(c.advertiseAddr), port: c.advertisePort || boundPort };
  }
  if (c.bindAddr !== '0.0.0.0' && c.bindAddr !== '::') return { addr: ipFromString(c.bindAddr), port: boundPort };
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family === 'IPv4' && !i.internal && isPrivateV4(i.address)) {
        return { addr: ipFromString(i.address), port: boundPort };
      }
    }
  }
  throw new Error('no private IP address found, and explicit advertise address not provided');
}

function isPrivateV4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number);
  return (
    a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)
  );
}

function withSignal<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
