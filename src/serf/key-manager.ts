/**
 * Cluster-wide keyring operations (Go's serf.KeyManager): each of install, use, remove and list
 * sends the matching `_serf_*-key` internal query to every member and tallies the key responses
 * into NumNodes / NumResp / NumErr, per-node messages and per-key counts. An operation fails when
 * any node reported failure or not every node answered.
 */
import { DecodeError } from '../errors.ts';
import {
  type KeyResponseMessage,
  SerfMessageType,
  decodeBody,
  encodeWithType,
  keyRequestCodec,
  keyResponseCodec,
} from './messages.ts';
import type { QueryParams } from './serf-options.ts';
import type { QueryResponse } from './query.ts';

export interface KeyResponse {
  /** Node name → message, for failures and for successes that carried a message. */
  readonly messages: Map<string, string>;
  /** Live members when the query went out (ourselves included). */
  numNodes: number;
  numResp: number;
  numErr: number;
  /** Base64 key → number of nodes that have it installed (list only). */
  readonly keys: Map<string, number>;
  /** Base64 primary key → number of nodes using it (list only). */
  readonly primaryKeys: Map<string, number>;
}

/** A key operation that did not succeed everywhere; `response` has the details. */
export class KeyOperationError extends Error {
  override readonly name = 'KeyOperationError';
  readonly response: KeyResponse;

  constructor(message: string, response: KeyResponse) {
    super(message);
    this.response = response;
  }
}

/** What the key manager needs from Serf. */
export interface KeyQueryRunner {
  query(name: string, payload: Uint8Array, params: QueryParams): QueryResponse;
  numMembers(): number;
  warn(message: string): void;
}

export type KeyOperation = 'install-key' | 'use-key' | 'remove-key' | 'list-keys';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (Go's base64.StdEncoding). */
export function decodeBase64Key(key: string): Uint8Array {
  if (!BASE64.test(key)) throw new Error('illegal base64 data in key');
  return new Uint8Array(Buffer.from(key, 'base64'));
}

export function encodeBase64Key(key: Uint8Array): string {
  return Buffer.from(key).toString('base64');
}

function printable(payload: Uint8Array): string {
  return `[${[...payload.subarray(0, 64)].join(' ')}${payload.length > 64 ? ' …' : ''}]`;
}

export class KeyManager {
  private readonly runner: KeyQueryRunner;
  /** Operations run one at a time, in call order. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(runner: KeyQueryRunner) {
    this.runner = runner;
  }

  installKey(key: string, opts: { relayFactor?: number } = {}): Promise<KeyResponse> {
    return this.serialized(() => this.request(key, 'install-key', opts.relayFactor ?? 0));
  }

  useKey(key: string, opts: { relayFactor?: number } = {}): Promise<KeyResponse> {
    return this.serialized(() => this.request(key, 'use-key', opts.relayFactor ?? 0));
  }

  removeKey(key: string, opts: { relayFactor?: number } = {}): Promise<KeyResponse> {
    return this.serialized(() => this.request(key, 'remove-key', opts.relayFactor ?? 0));
  }

  listKeys(opts: { relayFactor?: number } = {}): Promise<KeyResponse> {
    return this.serialized(() => this.request('', 'list-keys', opts.relayFactor ?? 0));
  }

  private serialized<T>(op: () => Promise<T>): Promise<T> {
    const run = this.tail.then(op, op);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async request(key: string, op: KeyOperation, relayFactor: number): Promise<KeyResponse> {
    const resp: KeyResponse = {
      messages: new Map(),
      numNodes: 0,
      numResp: 0,
      numErr: 0,
      keys: new Map(),
      primaryKeys: new Map(),
    };
    const raw = decodeBase64Key(key);
    const payload = encodeWithType(SerfMessageType.KeyRequest, keyRequestCodec, { key: raw });
    const query = this.runner.query(`_serf_${op}`, payload, { relayFactor, requestAck: false });
    resp.numNodes = this.runner.numMembers();
    for await (const r of query.responseStream()) {
      resp.numResp++;
      this.tally(resp, r.from, r.payload);
      if (resp.numResp >= resp.numNodes) {
        query.close();
        break;
      }
    }
    if (resp.numErr !== 0) {
      throw new KeyOperationError(`${resp.numErr}/${resp.numNodes} nodes reported failure`, resp);
    }
    if (resp.numResp !== resp.numNodes) {
      throw new KeyOperationError(`${resp.numResp}/${resp.numNodes} nodes reported success`, resp);
    }
    return resp;
  }

  private tally(resp: KeyResponse, from: string, payload: Uint8Array): void {
    if (payload.length < 1 || payload[0] !== SerfMessageType.KeyResponse) {
      resp.messages.set(from, `Invalid key query response type: ${printable(payload)}`);
      resp.numErr++;
      return;
    }
    let node: KeyResponseMessage;
    try {
      node = decodeBody(keyResponseCodec, payload);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      resp.messages.set(from, `Failed to decode key query response: ${printable(payload)}`);
      resp.numErr++;
      return;
    }
    if (!node.result) {
      resp.messages.set(from, node.message);
      resp.numErr++;
    } else if (node.message.length > 0) {
      resp.messages.set(from, node.message);
      this.runner.warn(node.message);
    }
    for (const k of node.keys ?? []) resp.keys.set(k, (resp.keys.get(k) ?? 0) + 1);
    resp.primaryKeys.set(node.primaryKey, (resp.primaryKeys.get(node.primaryKey) ?? 0) + 1);
  }
}
