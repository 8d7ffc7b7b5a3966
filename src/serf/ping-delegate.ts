/**
 * Vivaldi coordinates over memberlist pings (Serf's ping delegate): our coordinate goes out in
 * every ack we send, peers' coordinates and round-trip times from our probes update ours, and
 * the last coordinate of each peer is cached.
 */
import type { Logger } from '../core/core-io.ts';
import type { PingDelegate } from '../core/delegates.ts';
import type { Node } from '../core/node-state.ts';
import { DecodeError } from '../errors.ts';
import { type Coordinate, CoordinateClient, decodePingPayload, encodePingPayload } from './coordinate.ts';

/** Peers whose coordinate is cached at most. */
const MAX_CACHED = 65536;

export class CoordinatePinger {
  readonly client = new CoordinateClient();
  private readonly cache = new Map<string, Coordinate>();
  private readonly selfName: string;
  private readonly log: Logger;

  constructor(selfName: string, log: Logger) {
    this.selfName = selfName;
    this.log = log;
    this.cache.set(selfName, this.client.coordinate);
  }

  /** The memberlist ping delegate. */
  readonly delegate: PingDelegate = {
    ackPayload: () => encodePingPayload(this.client.coordinate),
    notifyPingComplete: (node, rttMs, payload) => this.observe(node, rttMs, payload),
  };

  private observe(node: Node, rttMs: number, payload: Uint8Array): void {
    let coord: Coordinate | undefined;
    try {
      coord = decodePingPayload(payload);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.log.error({ node: node.name, err: err.message }, 'serf: failed to decode coordinate from ping');
      return;
    }
    if (coord === undefined) return;
    try {
      this.client.update(node.name, coord, rttMs);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      this.log.debug({ node: node.name, err: err.message }, 'serf: rejected coordinate');
      return;
    }
    if (this.cache.size < MAX_CACHED || this.cache.has(node.name)) this.cache.set(node.name, coord);
    this.cache.set(this.selfName, this.client.coordinate);
  }

  cached(name: string): Coordinate | undefined {
    return this.cache.get(name);
  }

  forget(name: string): void {
    this.client.forgetNode(name);
    this.cache.delete(name);
  }
}
