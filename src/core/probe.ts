/**
 * Failure detection (SWIM with Lifeguard), as Go's probe/probeNode run it: one member per probe
 * interval in round-robin order; a direct ping (with a suspect message when the member is already
 * suspected); after ProbeTimeout, indirect pings through IndirectChecks peers (asking for nacks
 * from peers that speak protocol 4+) and a TCP ping in parallel; a member that answers none of
 * them by the end of the (awareness-scaled) probe interval is suspected. Also the relay side of
 * indirect probes and the answer to pings.
 */
import { ipToString, joinHostPort } from '../net/ip.ts';
import { encodeMessage } from '../wire/codec.ts';
import { encodeCompound } from '../wire/compound.ts';
import { type AckResp, type IndirectPingReq, MessageType, NodeStateCode, type Ping } from '../wire/messages.ts';
import type { StreamResult } from './core-io.ts';
import type { AckRegistry } from './acks.ts';
import type { PacketSender } from './packet-sender.ts';
import { type NodeState, nodeAddress, pmax, toNode } from './node-state.ts';
import type { MemberState, StateContext } from './state.ts';
import type { TimerHandle } from './timer-queue.ts';

export interface SelfAddress {
  readonly addr: Uint8Array;
  readonly port: number;
}

interface ProbeRun {
  readonly node: NodeState;
  readonly seqNo: number;
  readonly sent: number;
  /** Awareness change applied when the run ends. */
  delta: number;
  direct: boolean;
  expectedNacks: number;
  nacks: number;
  /** TCP fallback: not started, running, or its outcome. */
  tcp: 'none' | 'pending' | 'contacted' | 'failed';
  expired: boolean;
  done: boolean;
  /** The ProbeTimeout timer that starts the indirect phase; cancelled when the run ends. */
  indirectTimer: TimerHandle | undefined;
}

export class Prober {
  private running: ProbeRun | undefined;
  /** A probe tick arrived while a probe was running (Go's ticker buffers one). */
  private tickPending = false;

  private readonly ctx: StateContext;

  private readonly state: MemberState;

  private readonly acks: AckRegistry;

  private readonly sender: PacketSender;

  private readonly self: () => SelfAddress;

  constructor(
    ctx: StateContext,

    state: MemberState,

    acks: AckRegistry,

    sender: PacketSender,

    self: () => SelfAddress,
  ) {
    this.ctx = ctx;

    this.state = state;

    this.acks = acks;

    this.sender = sender;

    this.self = self;
  }

  private ping(seqNo: number, target: string): Ping {
    const self = this.self();
    return { seqNo, node: target, sourceAddr: self.addr, sourcePort: self.port, sourceNode: this.ctx.config.name };
  }

  /** The probe ticker fired. */
  tick(): void {
    if (this.running !== undefined) {
      this.tickPending = true;
      return;
    }
    const { config, io } = this.ctx;
    const target = this.state.table.nextProbeTarget(config.name, io.now(), config.gossipToTheDeadTime);
    if (target !== undefined) this.probeNode(target);
  }

  private probeNode(live: NodeState): void {
    const { config, io, awareness, timers } = this.ctx;
    // Like Go, probe a copy: an alive or suspicion arriving meanwhile must not change whom we
    // accuse with which incarnation.
    const node = live.copy();
    const probeInterval = awareness.scaleTimeout(config.probeInterval);
    const seqNo = this.acks.nextSeqNo();
    const sent = io.now();
    const run: ProbeRun = {
      node,
      seqNo,
      sent,
      delta: -1,
      direct: true,
      expectedNacks: 0,
      nacks: 0,
      tcp: 'none',
      expired: false,
      done: false,
      indirectTimer: undefined,
    };
    this.running = run;
    this.acks.register(seqNo, sent + probeInterval, {
      onAck: (payload, receivedAt) => {
        if (run.direct) {
          this.ctx.delegates.ping?.notifyPingComplete(
            toNode(node),
            receivedAt - sent,
            payload === null ? new Uint8Array(0) : payload.slice(),
          );
        }
        this.finish(run, -1);
      },
      onNack: () => {
        run.nacks++;
      },
      onExpire: () => {
        run.expired = true;
        this.evaluate(run);
      },
    });
    const addr = nodeAddress(node);
    const ping = encodeMessage(MessageType.Ping, this.ping(seqNo, node.name));
    // Lifeguard's buddy system: a suspected member hears of its suspicion with the ping itself.
    if (node.state === NodeStateCode.Alive || config.disableLifeguard === true) {
      this.sender.sendWithPiggyback(addr, node.name, ping);
    } else {
      const suspect = encodeMessage(MessageType.Suspect, {
        incarnation: node.incarnation,
        node: node.name,
        from: config.name,
      });
      this.sender.rawSend(addr, node.name, encodeCompound([ping, suspect]), node);
    }
    run.indirectTimer = timers.at(sent + config.probeTimeout, () => {
      if (!run.done) this.indirect(run, sent + probeInterval);
    });
  }

  /** Direct ping unanswered: ask other members, and try TCP. */
  private indirect(run: ProbeRun, deadline: number): void {
    const { config, io } = this.ctx;
    run.direct = false;
    io.log.debug({ node: run.node.name }, 'failed UDP ping (timeout reached)');
    const node = run.node;
    const peers = this.state.table.kRandom(
      config.indirectChecks,
      (n) => n.name === config.name || n.name === node.name || n.state !== NodeStateCode.Alive,
    );
    const self = this.self();
    for (const peer of peers) {
      const nack = pmax(peer) >= 4 && config.disableLifeguard !== true;
      if (nack) run.expectedNacks++;
      const req: IndirectPingReq = {
        seqNo: run.seqNo,
        target: node.addr,
        port: node.port,
        node: node.name,
        nack,
        sourceAddr: self.addr,
        sourcePort: self.port,
        sourceNode: config.name,
      };
      this.sender.sendWithPiggyback(nodeAddress(peer), peer.name, encodeMessage(MessageType.IndirectPing, req));
    }
    const tcpAllowed = !(config.disableTcpPings || config.disableTcpPingsForNode?.(node.name) === true);
    if (tcpAllowed && pmax(node) >= 3) {
      run.tcp = 'pending';
      const request = encodeMessage(MessageType.Ping, this.ping(run.seqNo, node.name));
      io.stream(nodeAddress(node), request, { expectResponse: true, deadline, name: node.name }, (result) => {
        run.tcp = tcpContacted(result, run.seqNo) ? 'contacted' : 'failed';
        if (!result.ok && result.contacted) {
          io.log.error({ node: node.name, err: result.error.message }, 'failed fallback TCP ping');
        }
        if (run.expired) this.evaluate(run);
      });
    }
  }

  /** The probe interval ended without an ack: decide once the TCP ping (if any) is done. */
  private evaluate(run: ProbeRun): void {
    if (run.done || run.tcp === 'pending') return;
    const { config, io } = this.ctx;
    if (run.tcp === 'contacted') {
      io.log.warn(
        { node: run.node.name },
        'was able to connect over TCP but UDP probes failed, network may be misconfigured',
      );
      this.finish(run, -1);
      return;
    }
    const delta = run.expectedNacks > 0 ? Math.max(0, run.expectedNacks - run.nacks) : 1;
    io.log.info({ node: run.node.name }, 'suspect node has failed, no acks received');
    this.finish(run, delta);
    this.state.suspectNode({ incarnation: run.node.incarnation, node: run.node.name, from: config.name });
  }

  private finish(run: ProbeRun, delta: number): void {
    if (run.done) return;
    run.done = true;
    run.indirectTimer?.cancel(); // it would find the run done: no wake-up for it
    this.ctx.awareness.apply(delta);
    if (this.running === run) this.running = undefined;
    if (this.tickPending) {
      this.tickPending = false;
      this.tick();
    }
  }

  /** Answers a ping addressed to us (or to nobody in particular). */
  handlePing(p: Ping, from: string): void {
    const { config, delegates, io } = this.ctx;
    if (p.node !== '' && p.node !== config.name) {
      io.log.warn({ node: p.node, from }, 'got ping for unexpected node');
      return;
    }
    const ack: AckResp = { seqNo: p.seqNo, payload: delegates.ping?.ackPayload() ?? null };
    this.sender.sendWithPiggyback(replyAddress(p, from), p.sourceNode, encodeMessage(MessageType.AckResp, ack));
  }

  /** Relays an indirect probe: ping the target, forward its ack, or send a nack if asked. */
  handleIndirectPing(ind: IndirectPingReq, from: string): void {
    const { config, timers, io } = this.ctx;
    const port = config.protocolVersion < 2 || ind.port === 0 ? config.bindPort : ind.port;
    const localSeq = this.acks.nextSeqNo();
    const replyTo = replyAddress(ind, from);
    let answered = false;
    let nackTimer: TimerHandle | undefined;
    const now = io.now();
    this.acks.register(localSeq, now + config.probeTimeout, {
      onAck: () => {
        answered = true;
        nackTimer?.cancel();
        const ack: AckResp = { seqNo: ind.seqNo, payload: null };
        this.sender.sendWithPiggyback(replyTo, ind.sourceNode, encodeMessage(MessageType.AckResp, ack));
      },
    });
    const target = joinHostPort(ipToString(ind.target), port);
    this.sender.sendWithPiggyback(target, ind.node, encodeMessage(MessageType.Ping, this.ping(localSeq, ind.node)));
    if (ind.nack) {
      nackTimer = timers.at(now + config.probeTimeout, () => {
        if (answered) return;
        this.sender.sendWithPiggyback(
          replyTo,
          ind.sourceNode,
          encodeMessage(MessageType.NackResp, { seqNo: ind.seqNo }),
        );
      });
    }
  }

  /** A manual ping (Go's Ping): one UDP ping, no indirect or TCP steps. */
  pingNode(name: string, addr: string, done: (rttMs: number | undefined) => void): void {
    const { config, io } = this.ctx;
    const seqNo = this.acks.nextSeqNo();
    const sent = io.now();
    this.acks.register(seqNo, sent + config.probeTimeout, {
      onAck: (_payload, receivedAt) => done(receivedAt - sent),
      onExpire: () => done(undefined),
    });
    this.sender.sendWithPiggyback(addr, name, encodeMessage(MessageType.Ping, this.ping(seqNo, name)));
  }

  get probing(): boolean {
    return this.running !== undefined;
  }
}

function tcpContacted(result: StreamResult, seqNo: number): boolean {
  if (!result.ok || result.response === undefined) return false;
  return result.response.type === MessageType.AckResp && result.response.ack.seqNo === seqNo;
}

/** Where to answer: the advertised source when present, else the packet's source. */
function replyAddress(m: { sourceAddr: Uint8Array | null; sourcePort: number }, from: string): string {
  if (m.sourceAddr !== null && m.sourceAddr.length > 0 && m.sourcePort > 0) {
    return joinHostPort(ipToString(m.sourceAddr), m.sourcePort);
  }
  return from;
}
