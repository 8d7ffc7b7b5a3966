/**
 * Serf's query protocol at one node: sending a query (size limit, default timeout, local
 * processing, gossip), receiving one (query clock, dedupe ring, filters, ack, delivery with a
 * one-shot responder), relaying acks and responses through random alive members, and matching
 * replies to the running query by LTime + ID. Network sends and delivery go through the host.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from '../core/core-io.ts';
import type { QueryRing } from './dedupe-rings.ts';
import { checkFilters, encodeFilters } from './filters.ts';
import type { LamportClock } from './lamport.ts';
import type { Member } from './member.ts';
import {
  type QueryMessage,
  type QueryResponseMessage,
  QueryFlag,
  SerfMessageType,
  encodeRelay,
  encodeWithType,
  queryCodec,
  queryResponseCodec,
} from './messages.ts';
import { QueryResponse, SerfQuery } from './query.ts';
import type { QueryParams, SerfConfig } from './serf-options.ts';
import type { Tags } from './tags.ts';

const EMPTY = new Uint8Array(0);

export interface QueryHost {
  readonly config: SerfConfig;
  readonly log: Logger;
  readonly clock: LamportClock;
  readonly ring: QueryRing;
  /** Our current tags (for tag filters). */
  tags(): Tags;
  /** Serf's members in any status (relay candidates). */
  members(): Member[];
  /** Our memberlist address, port and name (where replies go). */
  local(): { addrBytes: Uint8Array; port: number; name: string };
  /** Live memberlist members (default timeout, reply capacity). */
  numMembers(): number;
  gossipInterval(): number;
  sendTo(addr: Uint8Array | null, port: number, name: string, msg: Uint8Array, what: string): void;
  /** Queues a query message for gossip. */
  broadcast(raw: Uint8Array): void;
  /** A query that passed the filters, for the application or the internal handlers. */
  deliver(query: SerfQuery): void;
  /** A query was accepted (snapshot records the query clock). */
  accepted?(ltime: number): void;
  later(ms: number, fn: () => void): void;
}

export class QueryProtocol {
  private readonly host: QueryHost;
  /** Running queries we started, by Lamport time. */
  private readonly pending = new Map<number, QueryResponse>();

  constructor(host: QueryHost) {
    this.host = host;
  }

  /** Go's DefaultQueryTimeout: GossipInterval × QueryTimeoutMult × ceil(log10(N + 1)), in ms. */
  defaultTimeout(): number {
    const n = this.host.numMembers();
    return this.host.gossipInterval() * this.host.config.queryTimeoutMult * Math.ceil(Math.log10(n + 1));
  }

  /** Sends a query to the cluster and processes it here too. */
  send(name: string, payload: Uint8Array, params: QueryParams): QueryResponse {
    const h = this.host;
    const timeout = params.timeout !== undefined && params.timeout > 0 ? params.timeout : this.defaultTimeout();
    const relayFactor = params.relayFactor ?? 0;
    if (!Number.isInteger(relayFactor) || relayFactor < 0 || relayFactor > 255) {
      throw new RangeError('relayFactor must be an integer in [0, 255]');
    }
    const local = h.local();
    let flags = 0;
    if (params.requestAck) flags |= QueryFlag.Ack;
    if (params.noBroadcast) flags |= QueryFlag.NoBroadcast;
    const q: QueryMessage = {
      ltime: h.clock.time(),
      id: randomInt(0, 0x7fffffff),
      addr: local.addrBytes,
      port: local.port,
      sourceNode: local.name,
      filters: encodeFilters(params.filterNodes, params.filterTags),
      flags,
      relayFactor,
      timeout: Math.round(timeout * 1e6),
      name,
      payload,
    };
    const raw = encodeWithType(SerfMessageType.Query, queryCodec, q);
    if (raw.length > h.config.querySizeLimit) {
      throw new RangeError(`query exceeds limit of ${h.config.querySizeLimit} bytes`);
    }
    const ltime = q.ltime;
    const resp = new QueryResponse({
      ltime,
      id: q.id,
      timeoutMs: timeout,
      ackRequested: params.requestAck === true,
      capacity: Math.max(16, 4 * h.numMembers()),
      onClose: () => {
        if (this.pending.get(ltime) === resp) this.pending.delete(ltime);
      },
    });
    this.pending.get(ltime)?.close();
    this.pending.set(ltime, resp);
    h.later(timeout, () => resp.close());
    this.receive(q);
    h.broadcast(raw);
    return resp;
  }

  /** A query from gossip (or our own). Returns whether to rebroadcast it. */
  receive(q: QueryMessage): boolean {
    const h = this.host;
    h.clock.witness(q.ltime);
    const verdict = h.ring.offer(q.ltime, q.id, h.clock.time());
    if (verdict === 'too-old') {
      h.log.warn({ name: q.name, ltime: q.ltime, current: h.clock.time() }, 'serf: received old query');
    }
    if (verdict !== undefined) return false;
    const rebroadcast = (q.flags & QueryFlag.NoBroadcast) === 0;
    const failed = checkFilters(q.filters, { name: h.config.nodeName, tags: h.tags() });
    if (failed !== undefined) {
      if (failed.reason !== 'node' && failed.reason !== 'tag') {
        h.log.warn({ query: q.name, reason: failed.reason, detail: failed.detail }, 'serf: query filter not usable');
      }
      return rebroadcast;
    }
    if (q.flags & QueryFlag.Ack) {
      const ack: QueryResponseMessage = {
        ltime: q.ltime,
        id: q.id,
        from: h.config.nodeName,
        flags: QueryFlag.Ack,
        payload: null,
      };
      h.sendTo(
        q.addr,
        q.port,
        q.sourceNode,
        encodeWithType(SerfMessageType.QueryResponse, queryResponseCodec, ack),
        'ack',
      );
      this.relay(q, ack);
    }
    h.accepted?.(q.ltime);
    const timeoutMs = Math.max(0, q.timeout / 1e6);
    h.deliver(
      new SerfQuery({
        ltime: q.ltime,
        id: q.id,
        name: q.name,
        payload: q.payload ?? EMPTY,
        sourceNode: q.sourceNode,
        deadline: Date.now() + timeoutMs,
        selfName: h.config.nodeName,
        sizeLimit: h.config.queryResponseSizeLimit,
        send: (raw, resp) => {
          h.sendTo(q.addr, q.port, q.sourceNode, raw, 'response');
          this.relay(q, resp);
        },
      }),
    );
    return rebroadcast;
  }

  /** Sends `relayFactor` extra copies of a reply through random alive members speaking memberlist ≥ 5. */
  private relay(q: QueryMessage, resp: QueryResponseMessage): void {
    const h = this.host;
    const k = q.relayFactor;
    if (k === 0) return;
    const members = h.members();
    if (members.length < k + 1) return;
    const raw = encodeRelay(
      { destAddr: { ip: q.addr, port: q.port, zone: '' }, destName: q.sourceNode },
      SerfMessageType.QueryResponse,
      queryResponseCodec,
      resp,
    );
    if (raw.length > h.config.queryResponseSizeLimit) {
      h.log.error({ limit: h.config.queryResponseSizeLimit }, 'serf: relayed response exceeds the size limit');
      return;
    }
    const candidates = members.filter(
      (m) => m.status === 'alive' && m.protocolMax >= 5 && m.name !== h.config.nodeName,
    );
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
    }
    for (const m of candidates.slice(0, k)) h.sendTo(m.addrBytes, m.port, m.name, raw, 'relay');
  }

  /** An ack or response to one of our queries, from any sender (relays included). */
  reply(resp: QueryResponseMessage): void {
    const h = this.host;
    const q = this.pending.get(resp.ltime);
    if (q === undefined) {
      h.log.warn({ ltime: resp.ltime, id: resp.id, from: resp.from }, 'serf: reply for non-running query');
      return;
    }
    if (q.id !== resp.id) {
      h.log.warn({ local: q.id, response: resp.id }, 'serf: query reply ID mismatch');
      return;
    }
    if (q.finished) return;
    if (resp.flags & QueryFlag.Ack) q.deliverAck(resp.from);
    else q.deliverResponse(resp.from, resp.payload ?? EMPTY);
  }

  /** Ends every running query (shutdown). */
  closeAll(): void {
    for (const q of [...this.pending.values()]) q.close();
  }
}
