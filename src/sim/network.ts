/**
 * A simulated network for the sans-io core: any number of nodes in one process on a virtual
 * clock, with per-link loss and latency, partitions, crashes and slow nodes. Packets and streams
 * go through the real wire layers (packet framing, compression, encryption, labels, stream
 * framing), so what runs here is the production protocol code. Reproducible from a seed.
 */
import { DecodeError } from '../errors.ts';
import type { ProtocolConfig } from '../core/config.ts';
import { localConfig } from '../core/config.ts';
import { MemberlistCore } from '../core/core.ts';
import type { CoreIO, Logger, StreamRequestOptions, StreamResult } from '../core/core-io.ts';
import { silentLogger } from '../core/core-io.ts';
import type { Delegates } from '../core/delegates.ts';
import { MemberBaseline, localVersionBytes } from '../core/member-baseline.ts';
import { MAX_META_BYTES } from '../wire/limits.ts';
import { ipFromString } from '../net/ip.ts';
import { decodePacket, encodePacket } from '../wire/packet.ts';
import type { KnownNodeStates } from '../wire/known-node-states.ts';
import { decodeStreamMessage, encodeStreamMessage, readStreamLabel, streamLabelHeader } from '../wire/stream.ts';
import type { WireSecurity } from '../wire/wire-security.ts';
import { EventQueue } from './event-queue.ts';
import { Prng } from './prng.ts';

export interface LinkConditions {
  /** Probability in [0, 1] that a packet is lost. */
  readonly loss: number;
  /** One-way latency in ms, plus a uniform jitter in [0, jitter). */
  readonly latency: number;
  readonly jitter: number;
}

export interface SimNodeOptions {
  readonly name: string;
  /** Protocol settings (defaults: Go's local profile with this name). */
  readonly config?: Partial<ProtocolConfig>;
  readonly delegates?: Delegates;
  readonly log?: Logger;
}

export interface TrafficStats {
  packetsSent: number;
  bytesSent: number;
  streamsOpened: number;
}

/**
 * Slow periods of a member: it alternates between `onMs` of slow processing and `offMs` of
 * normal processing, `phaseMs` into its cycle at time 0.
 * - `delay`: what arrives during a slow period is handled `delayMs` late (a constant, as the
 *   permanent `processingDelay`); its timers run on time.
 * - `stall`: the member runs nothing during a slow period, as a process that is paused (CPU
 *   starvation, a long GC pause, SIGSTOP): what arrives is handled when the stall ends, in the
 *   order it arrived, after the timers that fell due meanwhile (the core's contract: timers
 *   before input), so a packet's delay is the rest of the stall, not a constant.
 */
export interface SlowPeriods {
  readonly mode: 'delay' | 'stall';
  readonly onMs: number;
  readonly offMs: number;
  /** `delay` mode only. */
  readonly delayMs: number;
  readonly phaseMs: number;
}

/** The end of the slow period that `t` falls in, or undefined when `t` is in a normal one. */
export function slowPeriodEnd(p: SlowPeriods, t: number): number | undefined {
  const cycle = p.onMs + p.offMs;
  const pos = (((t + p.phaseMs) % cycle) + cycle) % cycle;
  if (pos >= p.onMs) return undefined;
  const end = t - pos + p.onMs;
  return end > t ? end : undefined;
}

/**
 * Slow periods for `count` members, each with its own phase drawn from a generator of its own
 * seeded with `seed` (so the network's random stream, and every run without slow periods, stays
 * as it was).
 */
export function randomSlowPeriods(seed: number, count: number, p: Omit<SlowPeriods, 'phaseMs'>): SlowPeriods[] {
  const prng = new Prng((seed ^ 0x5105) >>> 0);
  const out: SlowPeriods[] = [];
  for (let i = 0; i < count; i++) out.push({ ...p, phaseMs: Math.floor(prng.next() * (p.onMs + p.offMs)) });
  return out;
}

export class SimNode implements CoreIO {
  readonly core: MemberlistCore;
  readonly stats: TrafficStats = { packetsSent: 0, bytesSent: 0, streamsOpened: 0 };
  readonly log: Logger;
  /** A crashed node neither sends, receives nor runs timers. */
  crashed = false;
  /** Extra delay before this node handles anything it receives (a "slow member", all the time). */
  processingDelay = 0;
  /** Slow periods instead (see SlowPeriods); processingDelay should then be 0. */
  slowPeriods: SlowPeriods | undefined;
  /** In `stall` mode: what arrived during the current stall, to handle when it ends. */
  backlog: (() => void)[] = [];
  /** In `stall` mode: when the backlog is handled. */
  resumeAt: number | undefined;
  /** The time the node's next timer wake-up is queued for. */
  wakeAt: number | undefined;
  readonly security: WireSecurity;

  private readonly net: SimNetwork;
  /** The baseline's node states, recognized in the push/pulls this node reads (known-node-states.ts). */
  private readonly known: KnownNodeStates | undefined;

  readonly name: string;

  readonly addr: string;

  readonly config: ProtocolConfig;

  constructor(
    net: SimNetwork,

    name: string,

    addr: string,

    config: ProtocolConfig,

    delegates: Delegates | undefined,

    log: Logger | undefined,

    baseline?: MemberBaseline,
  ) {
    this.net = net;

    this.name = name;

    this.addr = addr;

    this.config = config;
    this.known = baseline?.known;
    this.log = log ?? silentLogger;
    this.security = {
      label: new TextEncoder().encode(config.label),
      keys: config.keys,
      encryptionVersion: config.protocolVersion === 1 ? 0 : 1,
      verifyIncoming: config.gossipVerifyIncoming,
      verifyOutgoing: config.gossipVerifyOutgoing,
      skipInboundLabelCheck: config.skipInboundLabelCheck,
    };
    const [host, port] = splitAddr(addr);
    this.core = new MemberlistCore({
      config,
      io: this,
      delegates,
      advertise: { addr: ipFromString(host), port },
      baseline,
    });
  }

  now(): number {
    return this.net.now;
  }

  readonly random = (): number => this.net.prng.next();

  sendPacket(addr: string, msg: Uint8Array, crc: boolean): void {
    if (this.crashed) return;
    const bytes = encodePacket(msg, { compress: this.config.enableCompression, crc }, this.security);
    this.stats.packetsSent++;
    this.stats.bytesSent += bytes.length;
    this.net.deliverPacket(this, addr, bytes);
  }

  stream(addr: string, request: Uint8Array, opts: StreamRequestOptions, done: (r: StreamResult) => void): void {
    if (this.crashed) return;
    this.stats.streamsOpened++;
    const header = streamLabelHeader(this.security.label);
    const body = encodeStreamMessage(request, { compress: this.config.enableCompression }, this.security);
    const bytes = new Uint8Array(header.length + body.length);
    bytes.set(header);
    bytes.set(body, header.length);
    this.stats.bytesSent += bytes.length;
    this.net.openStream(this, addr, bytes, opts, done);
  }

  /** Runs the core's due timers and re-queues the next wake-up. */
  wake(): void {
    if (this.crashed) return;
    this.core.runTimers(this.net.now);
    this.net.scheduleWake(this);
  }

  receivePacket(from: string, bytes: Uint8Array): void {
    if (this.crashed) return;
    try {
      this.core.handlePacket(from, decodePacket(bytes, this.security), this.net.now);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.log.warn({ from, code: err.code, err: err.message }, 'dropped packet');
    }
    this.net.scheduleWake(this);
  }

  /** Serves one inbound stream request; returns the response bytes, or undefined. */
  serveStream(from: string, bytes: Uint8Array): Uint8Array | undefined {
    if (this.crashed) return undefined;
    try {
      const { label, consumed } = readStreamLabel(bytes, this.security);
      const { message } = decodeStreamMessage(bytes.subarray(consumed), this.security, label, false, this.known);
      const response = this.core.handleStream(from, message);
      return response === undefined
        ? undefined
        : encodeStreamMessage(response, { compress: this.config.enableCompression }, this.security);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.log.warn({ from, code: err.code, err: err.message }, 'dropped stream');
      return undefined;
    } finally {
      this.net.scheduleWake(this);
    }
  }

  /** Decodes a stream response for this (client) node. */
  readResponse(bytes: Uint8Array): StreamResult {
    try {
      const { message } = decodeStreamMessage(bytes, this.security, this.security.label, false, this.known);
      return { ok: true, response: message };
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return { ok: false, error: err, contacted: true };
    }
  }
}

export class SimNetwork {
  readonly prng: Prng;
  now = 0;
  readonly nodes = new Map<string, SimNode>();
  private readonly byAddr = new Map<string, SimNode>();
  private readonly events = new EventQueue();
  defaultLink: LinkConditions = { loss: 0, latency: 1, jitter: 1 };
  private readonly links = new Map<string, LinkConditions>();
  /** Nodes are partitioned into groups; packets cross groups only when both are undefined. */
  private readonly group = new Map<string, number>();
  private nextAddr = 1;

  constructor(seed: number) {
    this.prng = new Prng(seed);
  }

  /** Adds a node with a fresh 127.x.y.z address (never sent to: the network is in memory). */
  addNode(opts: SimNodeOptions): SimNode {
    const addr = this.freshAddr();
    const node = this.create(opts, addr, this.configFor(opts, addr), undefined);
    node.core.start();
    this.scheduleWake(node);
    return node;
  }

  /**
   * Adds nodes that start as one converged cluster — each knows all of them alive, as after a
   * completed join — instead of joining one by one (which costs O(N²) push/pull work). They
   * share one read-only member baseline, so N nodes hold O(N) member entries plus what changes.
   */
  addConvergedNodes(list: readonly SimNodeOptions[]): SimNode[] {
    const prepared = list.map((opts) => {
      const addr = this.freshAddr();
      return { opts, addr, config: this.configFor(opts, addr) };
    });
    const baseline = new MemberBaseline(
      prepared.map(({ opts, addr, config }) => {
        const [host, port] = splitAddr(addr);
        return {
          name: opts.name,
          addr: ipFromString(host),
          port,
          meta: opts.delegates?.delegate?.nodeMeta?.(MAX_META_BYTES) ?? null,
          vsn: localVersionBytes(config),
          incarnation: 1,
        };
      }),
    );
    const nodes = prepared.map(({ opts, addr, config }) => this.create(opts, addr, config, baseline));
    for (const node of nodes) {
      node.core.start();
      this.scheduleWake(node);
    }
    return nodes;
  }

  private freshAddr(): string {
    const n = this.nextAddr++;
    return `127.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}:7946`;
  }

  private configFor(opts: SimNodeOptions, addr: string): ProtocolConfig {
    return localConfig({ name: opts.name, bindAddr: addr.split(':')[0], bindPort: 7946, ...opts.config });
  }

  private create(
    opts: SimNodeOptions,
    addr: string,
    config: ProtocolConfig,
    baseline: MemberBaseline | undefined,
  ): SimNode {
    const node = new SimNode(this, opts.name, addr, config, opts.delegates, opts.log, baseline);
    this.nodes.set(opts.name, node);
    this.byAddr.set(addr, node);
    return node;
  }

  node(name: string): SimNode {
    const n = this.nodes.get(name);
    if (n === undefined) throw new Error(`no simulated node ${name}`);
    return n;
  }

  at(time: number, fn: () => void): void {
    this.events.push(time, fn);
  }

  scheduleWake(node: SimNode): void {
    const d = node.core.nextDeadline;
    if (d === undefined || node.crashed) return;
    let at = Math.max(d, this.now);
    // A stalled member's timers run when the stall ends.
    if (node.slowPeriods?.mode === 'stall') at = slowPeriodEnd(node.slowPeriods, at) ?? at;
    if (node.wakeAt !== undefined && node.wakeAt <= at) return;
    node.wakeAt = at;
    this.at(at, () => {
      if (node.wakeAt !== at) return;
      node.wakeAt = undefined;
      node.wake();
    });
  }

  /**
   * Runs `fn` (the node handling something that arrives now) as the node's slow periods allow:
   * now, `delayMs` later, or when its stall ends. Only for nodes with slowPeriods.
   */
  private handleOn(node: SimNode, fn: () => void): void {
    const p = node.slowPeriods;
    const end = p === undefined ? undefined : slowPeriodEnd(p, this.now);
    if (p === undefined || end === undefined) {
      fn();
      return;
    }
    if (p.mode === 'delay') {
      this.at(this.now + p.delayMs, fn);
      return;
    }
    node.backlog.push(fn);
    if (node.resumeAt !== undefined) return;
    node.resumeAt = end;
    this.at(end, () => {
      node.resumeAt = undefined;
      const backlog = node.backlog;
      node.backlog = [];
      if (node.crashed) return;
      // Timers first (the core's contract), then what arrived, in order.
      node.core.runTimers(this.now);
      for (const f of backlog) f();
      this.scheduleWake(node);
    });
  }

  setLink(from: string, to: string, c: LinkConditions): void {
    this.links.set(`${from}>${to}`, c);
  }

  /** Splits the named nodes into groups that cannot reach each other. */
  partition(...groups: string[][]): void {
    this.group.clear();
    groups.forEach((g, i) => {
      for (const name of g) this.group.set(name, i);
    });
  }

  heal(): void {
    this.group.clear();
  }

  crash(name: string): void {
    const n = this.node(name);
    n.crashed = true;
    n.core.shutdown();
  }

  private reachable(from: SimNode, to: SimNode): boolean {
    return this.group.size === 0 || this.group.get(from.name) === this.group.get(to.name);
  }

  private link(from: SimNode, to: SimNode): LinkConditions {
    return this.links.size === 0 ? this.defaultLink : (this.links.get(`${from.name}>${to.name}`) ?? this.defaultLink);
  }

  private linkDelay(from: SimNode, to: SimNode): number | undefined {
    const c = this.link(from, to);
    if (!this.reachable(from, to)) return undefined;
    if (c.loss > 0 && this.prng.next() < c.loss) return undefined;
    return c.latency + (c.jitter > 0 ? this.prng.next() * c.jitter : 0) + to.processingDelay;
  }

  deliverPacket(from: SimNode, addr: string, bytes: Uint8Array): void {
    const to = this.byAddr.get(addr);
    if (to === undefined) return;
    const delay = this.linkDelay(from, to);
    if (delay === undefined) return;
    if (to.slowPeriods === undefined) this.at(this.now + delay, () => to.receivePacket(from.addr, bytes));
    else this.at(this.now + delay, () => this.handleOn(to, () => to.receivePacket(from.addr, bytes)));
  }

  openStream(
    from: SimNode,
    addr: string,
    bytes: Uint8Array,
    opts: StreamRequestOptions,
    done: (r: StreamResult) => void,
  ): void {
    const to = this.byAddr.get(addr);
    // A node with slow periods handles each step on its side as handleOn allows.
    const on = (node: SimNode | undefined, fn: () => void): void =>
      node?.slowPeriods === undefined ? fn() : this.handleOn(node, fn);
    let finished = false;
    const finish = (r: StreamResult): void => {
      if (finished) return;
      finished = true;
      done(r);
      this.scheduleWake(from);
    };
    this.at(opts.deadline, () =>
      on(from, () =>
        finish({ ok: false, error: new Error('i/o timeout'), contacted: to !== undefined && !to.crashed }),
      ),
    );
    // TCP does not lose data: a stream fails only when the peer is unreachable or down.
    if (to === undefined || to.crashed || !this.reachable(from, to)) {
      this.at(this.now + 1, () =>
        on(from, () => finish({ ok: false, error: new Error('connection refused'), contacted: false })),
      );
      return;
    }
    const c = this.link(from, to);
    const back = this.link(to, from);
    // TCP retransmits through partial loss; a link that loses everything times out.
    if (c.loss >= 1 || back.loss >= 1) return;
    const oneWay = c.latency + to.processingDelay;
    this.at(this.now + oneWay, () =>
      on(to, () => {
        const response = to.serveStream(from.addr, bytes);
        if (!opts.expectResponse) {
          on(from, () => finish({ ok: true }));
          return;
        }
        if (response === undefined) {
          on(from, () => finish({ ok: false, error: new Error('EOF'), contacted: true }));
          return;
        }
        to.stats.bytesSent += response.length;
        this.at(this.now + c.latency + from.processingDelay, () => on(from, () => finish(from.readResponse(response))));
      }),
    );
  }

  /** Runs the simulation until `until` (ms). */
  runUntil(until: number): void {
    const events = this.events;
    for (;;) {
      const at = events.peekTime();
      if (at === undefined || at > until) break;
      const fn = events.pop();
      this.now = Math.max(this.now, at);
      fn();
    }
    this.now = Math.max(this.now, until);
  }

  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /** Runs until `predicate` holds (checked every `stepMs`) or `maxMs` passes; returns success. */
  runUntilTrue(predicate: () => boolean, maxMs: number, stepMs = 100): boolean {
    const end = this.now + maxMs;
    while (this.now < end) {
      if (predicate()) return true;
      this.runUntil(Math.min(end, this.now + stepMs));
    }
    return predicate();
  }
}

function splitAddr(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}
