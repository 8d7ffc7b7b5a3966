/**
 * State synchronisation over streams (push/pull): building our side (every member we know plus
 * the delegate's state), checking and merging the peer's side, the periodic exchange with one
 * random live member, and the responder's half of an exchange.
 */
import type { KnownNodeStates } from '../wire/known-node-states.ts';
import { type EncodedNodes, type PushPull, PushPullWriter } from '../wire/push-pull.ts';
import { MessageType, NodeStateCode, type PushNodeState } from '../wire/messages.ts';
import type { StreamResult } from './core-io.ts';
import { type Node, NodeState, makeNode, nodeAddress, statusName } from './node-state.ts';
import type { MemberState, StateContext } from './state.ts';

/** Members applied per slice when the adapter merges a peer's reply over several turns. */
const MERGE_SLICE = 512;

/**
 * How long our encoded member list is kept for the next exchange (`PushPullSync.encoded`): long
 * enough for a burst (nodes joining together each exchange with us; a peer that retries), short
 * against the periodic interval (30 s, scaled up with the cluster: 300 s at 10,000 members),
 * between whose exchanges keeping about 110 bytes per member would save one encode. It is
 * dropped by the first probe tick after that (`dropStaleEncoding`), not by a timer of its own:
 * no wake-up of its own for an idle node, and no event of its own in a simulation.
 */
export const ENCODED_KEEP_MS = 10_000;

/** A checked push/pull state being merged in slices (see `PushPullSync.beginMerge`). */
export interface PushPullMerge {
  /** Applies the next `n` members; true once everything (and the user state) is merged. */
  step(n: number): boolean;
  /** Members not applied yet. */
  remaining(): number;
}

export class PushPullSync {
  private readonly ctx: StateContext;
  private readonly state: MemberState;
  /**
   * Our member list as last encoded and the table version it was encoded at: sent again as it is
   * while the table has not changed (anti-entropy mostly changes nothing). Go encodes every
   * time; the bytes are the same. Holds the message (about 110 bytes per member) for
   * ENCODED_KEEP_MS after it was encoded (`at`, on the core's clock), until a probe tick drops it.
   */
  private encoded: { readonly version: number; readonly nodes: EncodedNodes; readonly at: number } | undefined;

  /** Node states to copy rather than encode (a simulator node's member baseline). */
  private readonly known: KnownNodeStates | undefined;

  constructor(ctx: StateContext, state: MemberState, known?: KnownNodeStates) {
    this.ctx = ctx;
    this.state = state;
    this.known = known;
  }

  /** Our side of an exchange, encoded. */
  localState(join: boolean): Uint8Array {
    const w = this.localStateWriter(join);
    w.write(Number.POSITIVE_INFINITY);
    return w.finish();
  }

  /**
   * Our side of an exchange, to encode a slice of members at a time: the member list is
   * snapshotted now (the entries are read when written, so a member that changes meanwhile is
   * sent as it is then — newer, which the peer accepts or ignores as any gossip).
   */
  localStateWriter(join: boolean): PushPullWriter {
    const userState = this.ctx.delegates.delegate?.localState?.(join) ?? new Uint8Array(0);
    const table = this.state.table;
    const version = table.version;
    if (version === undefined) {
      return new PushPullWriter(this.state.localPushState().slice(), join, userState, { known: this.known });
    }
    const cached = this.encoded;
    if (cached !== undefined && cached.version === version) {
      return new PushPullWriter([], join, userState, { encoded: cached.nodes });
    }
    this.encoded = undefined;
    return new PushPullWriter(this.state.localPushState().slice(), join, userState, {
      known: this.known,
      onFinish: (nodes) => {
        // Only if no member changed while the slices were written (then some went out newer).
        if (table.version === version) this.encoded = { version, nodes, at: this.ctx.io.now() };
      },
    });
  }

  /** Drops the kept encoding once it is ENCODED_KEEP_MS old (the core's probe ticker calls this). */
  dropStaleEncoding(now: number): void {
    const e = this.encoded;
    if (e !== undefined && now - e.at >= ENCODED_KEEP_MS) this.encoded = undefined;
  }

  /**
   * Checks and merges a peer's state (Go's mergeRemoteState). Returns an error text when the
   * state was refused (incompatible versions, or vetoed by the merge delegate on a join).
   */
  merge(remote: PushPull, join: boolean): string | undefined {
    const m = this.beginMerge(remote, join);
    if (typeof m === 'string') return m;
    m.step(Number.POSITIVE_INFINITY);
    return undefined;
  }

  /**
   * The checks of `merge` (versions, the merge delegate), then a merge to apply in slices: each
   * `step(n)` applies the next n members and returns true once all are applied (the delegate's
   * user state is merged with the last slice). Between steps other input may be handled: every
   * member update is a valid gossip message by itself, so that is the same as gossip arriving
   * in the middle of the state. Returns an error text when the state was refused.
   */
  beginMerge(remote: PushPull, join: boolean): PushPullMerge | string {
    const { config, delegates } = this.ctx;
    let nodes = remote.nodes;
    const fixPort = (n: PushNodeState): PushNodeState => {
      if (config.protocolVersion >= 2 && n.port !== 0) return n;
      if (!(n instanceof NodeState)) return { ...n, port: config.bindPort };
      const fixed = n.copy(); // a record: its byte fields are accessors, not to be spread
      fixed.port = config.bindPort;
      return fixed;
    };
    let portZero = config.protocolVersion < 2;
    for (let i = 0; i < nodes.length && !portZero; i++) portZero = nodes[i].port === 0;
    if (portZero) nodes = nodes.map(fixPort);
    const incompatible = this.state.verifyProtocol(nodes);
    if (incompatible !== undefined) return incompatible;
    if (join && delegates.merge !== undefined) {
      try {
        delegates.merge.notifyMerge(nodes.map(pushStateAsNode));
      } catch (err) {
        return `merge refused by delegate: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    this.state.reserveForMerge(nodes.length);
    let next = 0;
    return {
      remaining: () => nodes.length - next,
      step: (n: number): boolean => {
        if (next > nodes.length) return true;
        const to = Math.min(nodes.length, next + n);
        this.state.mergeState(nodes, next, to);
        next = to;
        if (next < nodes.length) return false;
        next = nodes.length + 1;
        if (remote.userState.length > 0) delegates.delegate?.mergeRemoteState?.(remote.userState, join);
        return true;
      },
    };
  }

  /** Runs one exchange with `addr`; `done` gets an error text or undefined. */
  exchange(addr: string, name: string, join: boolean, done: (err: string | undefined) => void): void {
    const { config, io } = this.ctx;
    if (name === '' && config.requireNodeNames) {
      done('node names are required');
      return;
    }
    io.log.debug({ node: name, addr }, 'initiating push/pull sync');
    const request = this.localState(join);
    io.stream(addr, request, { expectResponse: true, deadline: io.now() + config.tcpTimeout, name }, (res) => {
      const merge = this.onResponse(res, join);
      if (typeof merge !== 'object') done(merge);
      else if (io.slices !== undefined && merge.remaining() > MERGE_SLICE) {
        io.slices(
          () => merge.step(MERGE_SLICE),
          () => done(undefined),
        );
      } else {
        merge.step(Number.POSITIVE_INFINITY);
        done(undefined);
      }
    });
  }

  /** The peer's reply checked: an error text, or the merge to run. */
  private onResponse(res: StreamResult, join: boolean): string | PushPullMerge {
    if (!res.ok) return res.error.message;
    const msg = res.response;
    if (msg === undefined) return 'no response';
    if (msg.type === MessageType.Err) return `remote error: ${msg.error}`;
    if (msg.type !== MessageType.PushPull) {
      return `received invalid msgType (${msg.type}), expected pushPullMsg (${MessageType.PushPull})`;
    }
    return this.beginMerge(msg.pushPull, join);
  }

  /** Periodic anti-entropy with one random live member. */
  periodic(): void {
    const { config, io } = this.ctx;
    const [node] = this.state.table.kRandom(1, (n) => n.name === config.name || n.state !== NodeStateCode.Alive);
    if (node === undefined) return;
    this.exchange(nodeAddress(node), node.name, false, (err) => {
      if (err !== undefined) io.log.error({ node: node.name, err }, 'push/pull failed');
    });
  }
}

function pushStateAsNode(n: PushNodeState): Node {
  return makeNode(n, statusName(n.state));
}
