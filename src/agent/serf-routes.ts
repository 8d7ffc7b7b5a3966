/**
 * The HTTP API of an agent in serf mode. Read: `GET /v1/members` (serf-shaped), `/v1/health`,
 * `/v1/stats` (with Serf's counters), `/v1/keyring` (cluster-wide list). Change:
 * `POST /v1/keyring/install|use|remove` `{"key":"BASE64"}` (cluster-wide, through Serf's key
 * queries), `POST /v1/event` `{"name","payload","coalesce"}`, `POST /v1/tags`
 * `{"tags":{...},"delete":[...]}`, and `POST /v1/query`, which streams newline-delimited JSON:
 * `{"type":"dispatched","name","timeoutMs"}` first, `{"type":"ack","from"}` and `{"type":"response","from","payload"}` as they arrive, then
 * `{"type":"done","acks":N,"responses":N}` at the deadline. Payloads are UTF-8 text. (Join,
 * leave and force-leave: see membership-routes.ts.)
 */
import { type KeyResponse, KeyOperationError } from '../serf/key-manager.ts';
import type { Serf } from '../serf/serf.ts';
import { keyText } from './key-text.ts';
import type { AgentTags } from './agent-tags.ts';
import { HttpError, type Routes } from './http-api.ts';
import type { HealthDocument } from './members-document.ts';
import {
  booleanField,
  integerField,
  keyOf,
  objectBody,
  stringField,
  stringListField,
  stringMapField,
} from './request-body.ts';
import { serfMembersDocument } from './serf-members-document.ts';

/** A cluster-wide key operation's outcome (Serf's KeyResponse); `error` is null when every node succeeded. */
export interface ClusterKeysDocument {
  readonly numNodes: number;
  readonly numResp: number;
  readonly numErr: number;
  /** Node → message (failures, and successes that carried one). */
  readonly messages: Readonly<Record<string, string>>;
  /** Base64 key → nodes that have it (list only). */
  readonly keys: Readonly<Record<string, number>>;
  /** Base64 key → nodes using it as primary (list only). */
  readonly primaryKeys: Readonly<Record<string, number>>;
  readonly error: string | null;
}

/** One line of the `POST /v1/query` stream. */
export type QueryLine =
  | { readonly type: 'dispatched'; readonly name: string; readonly timeoutMs: number }
  | { readonly type: 'ack'; readonly from: string }
  | { readonly type: 'response'; readonly from: string; readonly payload: string }
  | { readonly type: 'done'; readonly acks: number; readonly responses: number };

export interface StatsSerfDocument {
  readonly drops: Readonly<Record<string, number>>;
  readonly healthScore: number;
  readonly members: number;
  readonly serf: Readonly<Record<string, string>>;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

export function serfRoutes(serf: Serf, tags: AgentTags): Routes {
  const ml = (): Serf['memberlist'] => serf.memberlist;
  return {
    '/v1/members': { method: 'GET', read: () => serfMembersDocument(serf.members()) },
    '/v1/health': {
      method: 'GET',
      read: (): HealthDocument => ({ healthScore: ml().healthScore, members: ml().numMembers() }),
    },
    '/v1/stats': {
      method: 'GET',
      read: (): StatsSerfDocument => ({
        drops: { ...ml().drops.counts },
        healthScore: ml().healthScore,
        members: ml().numMembers(),
        serf: serf.stats(),
      }),
    },
    '/v1/keyring': { method: 'GET', read: () => keysDocument(() => serf.keyManager.listKeys()) },
    '/v1/keyring/install': {
      method: 'POST',
      write: (body) => keysDocument(() => serf.keyManager.installKey(keyText(keyOf(body)))),
    },
    '/v1/keyring/use': {
      method: 'POST',
      write: (body) => keysDocument(() => serf.keyManager.useKey(keyText(keyOf(body)))),
    },
    '/v1/keyring/remove': {
      method: 'POST',
      write: (body) => keysDocument(() => serf.keyManager.removeKey(keyText(keyOf(body)))),
    },
    '/v1/tags': {
      method: 'POST',
      write: (body) => {
        const o = objectBody(body, ['tags', 'delete'], '{"tags": {...}, "delete": [...]}');
        return tags.change(stringMapField(o, 'tags') ?? {}, stringListField(o, 'delete') ?? []);
      },
    },
    '/v1/event': {
      method: 'POST',
      write: (body) => {
        const o = objectBody(
          body,
          ['name', 'payload', 'coalesce'],
          '{"name": "...", "payload": "...", "coalesce": true}',
        );
        const name = stringField(o, 'name', true);
        if (name === '') throw new HttpError(400, 'name: must not be empty');
        const coalesce = booleanField(o, 'coalesce') ?? true;
        try {
          serf.userEvent(name, utf8.encode(stringField(o, 'payload') ?? ''), coalesce);
        } catch (err) {
          throw new HttpError(400, err instanceof Error ? err.message : String(err));
        }
        return Promise.resolve({ name, coalesce });
      },
    },
    '/v1/query': { method: 'POST', stream: (body) => Promise.resolve(startQuery(serf, body)) },
  };
}

/** Runs a key operation; a failure on some nodes is still a document (with `error` set). */
async function keysDocument(op: () => Promise<KeyResponse>): Promise<ClusterKeysDocument> {
  let r: KeyResponse;
  let error: string | null = null;
  try {
    r = await op();
  } catch (err) {
    if (!(err instanceof KeyOperationError)) throw new HttpError(400, err instanceof Error ? err.message : String(err));
    r = err.response;
    error = err.message;
  }
  return {
    numNodes: r.numNodes,
    numResp: r.numResp,
    numErr: r.numErr,
    messages: Object.fromEntries(r.messages),
    keys: Object.fromEntries(r.keys),
    primaryKeys: Object.fromEntries(r.primaryKeys),
    error,
  };
}

const QUERY_FIELDS = ['name', 'payload', 'filterNodes', 'filterTags', 'requestAck', 'relayFactor', 'timeoutMs'];

/** Checks the body and sends the query (refusals are 400s); the stream ends at the deadline. */
function startQuery(serf: Serf, body: unknown): AsyncIterable<QueryLine> {
  const o = objectBody(body, QUERY_FIELDS, '{"name": "...", "payload": "...", ...}');
  const name = stringField(o, 'name', true);
  if (name === '') throw new HttpError(400, 'name: must not be empty');
  const timeout = integerField(o, 'timeoutMs', 1, 3_600_000);
  let query;
  try {
    query = serf.query(name, utf8.encode(stringField(o, 'payload') ?? ''), {
      filterNodes: stringListField(o, 'filterNodes'),
      filterTags: stringMapField(o, 'filterTags'),
      requestAck: booleanField(o, 'requestAck') ?? false,
      relayFactor: integerField(o, 'relayFactor', 0, 255) ?? 0,
      ...(timeout === undefined ? {} : { timeout }),
    });
  } catch (err) {
    throw new HttpError(400, err instanceof Error ? err.message : String(err));
  }
  const q = query;
  return (async function* (): AsyncGenerator<QueryLine> {
    let acks = 0;
    let responses = 0;
    try {
      yield { type: 'dispatched', name, timeoutMs: Math.max(0, q.deadline - Date.now()) };
      for await (const r of q) {
        if (r.type === 'ack') {
          acks++;
          yield { type: 'ack', from: r.from };
        } else {
          responses++;
          yield { type: 'response', from: r.from, payload: text.decode(r.payload) };
        }
      }
      yield { type: 'done', acks, responses };
    } finally {
      q.close();
    }
  })();
}
