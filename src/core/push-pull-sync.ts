/**
 * State synchronisation over streams (push/pull): building our side (every member we know plus
 * the delegate's state), checking and merging the peer's side, the periodic exchange with one
 * random live member, and the responder's half of an exchange.
 */
import { encodePushPull, type PushPull } from '../wire/push-pull.ts';
import { MessageType, NodeStateCode, type PushNodeState } from '../wire/messages.ts';
import type { StreamResult } from './core-io.ts';
import { type Node, makeNode, nodeAddress, statusName } from './node-state.ts';
import type { MemberState, StateContext } from './state.ts';

export class PushPullSync {
  private readonly ctx: StateContext;
  private readonly state: MemberState;

  constructor(ctx: StateContext, state: MemberState) {
    this.ctx = ctx;
    this.state = state;
  }

  /** Our side of an exchange, encoded. */
  localState(join: boolean): Uint8Array {
    const userState = this.ctx.delegates.delegate?.localState?.(join) ?? new Uint8Array(0);
    // The encoder only reads the entries (PushPull.nodes is not declared readonly in src/wire).
    return encodePushPull({ join, nodes: this.state.localPushState() as PushNodeState[], userState });
  }

  /**
   * Checks and merges a peer's state (Go's mergeRemoteState). Returns an error text when the
   * state was refused (incompatible versions, or vetoed by the merge delegate on a join).
   */
  merge(remote: PushPull, join: boolean): string | undefined {
    const { config, delegates } = this.ctx;
    const nodes = remote.nodes.map((n) =>
      config.protocolVersion < 2 || n.port === 0 ? { ...n, port: config.bindPort } : n,
    );
    const incompatible = this.state.verifyProtocol(nodes);
    if (incompatible !== undefined) return incompatible;
    if (join && delegates.merge !== undefined) {
      try {
        delegates.merge.notifyMerge(nodes.map(pushStateAsNode));
      } catch (err) {
        return `merge refused by delegate: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    this.state.mergeState(nodes);
    if (remote.userState.length > 0) delegates.delegate?.mergeRemoteState?.(remote.userState, join);
    return undefined;
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
      done(this.onResponse(res, join));
    });
  }

  private onResponse(res: StreamResult, join: boolean): string | undefined {
    if (!res.ok) return res.error.message;
    const msg = res.response;
    if (msg === undefined) return 'no response';
    if (msg.type === MessageType.Err) return `remote error: ${msg.error}`;
    if (msg.type !== MessageType.PushPull) {
      return `received invalid msgType (${msg.type}), expected pushPullMsg (${MessageType.PushPull})`;
    }
    return this.merge(msg.pushPull, join);
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
