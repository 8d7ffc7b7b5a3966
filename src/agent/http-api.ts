/**
 * The agent's local HTTP API (node:http, JSON in and out, no auth: bind it to loopback).
 * Read: `GET /v1/members`, `/v1/health`, `/v1/stats`, `/v1/keyring` (HEAD too). Change:
 * `POST /v1/keyring/install|use|remove` with `{"key":"BASE64"}`. Errors are `{"error":"..."}`:
 * 400 for a bad body or a refused change, 404 for other paths, 405 for other methods, 413 for a
 * body over 64 KiB.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/core-io.ts';
import type { Node } from '../core/node-state.ts';
import { joinHostPort } from '../net/ip.ts';
import { type AgentKeyring, KEYRING_CHANGES } from './agent-keyring.ts';
import type { HostPort } from './flags.ts';
import { KeyError, parseKey } from './key-text.ts';
import { KeyringFileError } from './keyring-file.ts';
import { type HealthDocument, membersDocument, type StatsDocument } from './members-document.ts';

/** What the API reads from a node (a Memberlist satisfies it). */
export interface MembersSource {
  allMembers(): Node[];
  numMembers(): number;
  readonly healthScore: number;
  readonly drops: { readonly counts: Readonly<Record<string, number>> };
}

export interface HttpApi {
  /** "ip:port" the API listens on (the real port when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

export const MAX_BODY_BYTES = 64 * 1024;

type Route =
  | { readonly method: 'GET'; readonly read: () => unknown }
  | { readonly method: 'POST'; readonly write: (body: unknown) => Promise<unknown> };

/** An answer other than 200, with the message for `{"error": ...}`. */
class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Starts listening; rejects if the address cannot be bound. */
export async function startHttpApi(
  source: MembersSource,
  keyring: AgentKeyring,
  listen: HostPort,
  log: Logger,
): Promise<HttpApi> {
  const routes: Record<string, Route> = {
    '/v1/members': { method: 'GET', read: () => membersDocument(source.allMembers()) },
    '/v1/health': {
      method: 'GET',
      read: (): HealthDocument => ({ healthScore: source.healthScore, members: source.numMembers() }),
    },
    '/v1/stats': {
      method: 'GET',
      read: (): StatsDocument => ({
        drops: { ...source.drops.counts },
        healthScore: source.healthScore,
        members: source.numMembers(),
      }),
    },
    '/v1/keyring': { method: 'GET', read: () => keyring.document() },
  };
  for (const kind of KEYRING_CHANGES) {
    routes[`/v1/keyring/${kind}`] = { method: 'POST', write: (body) => keyring.change(kind, keyOf(body)) };
  }
  const server = createServer((req, res) => {
    handle(routes, req, res, log).catch((err: unknown) =>
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'http api response failed'),
    );
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err: err.message }, 'http api error'));
  const bound = server.address() as AddressInfo;
  return {
    address: joinHostPort(bound.address, bound.port),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  routes: Record<string, Route>,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (route === undefined) {
    send(req, res, 404, { error: `no such endpoint: ${path}` });
    return;
  }
  const allowed = route.method === 'GET' ? ['GET', 'HEAD'] : ['POST'];
  if (!allowed.includes(req.method ?? '')) {
    res.setHeader('allow', allowed.join(', '));
    send(req, res, 405, { error: `method ${req.method} not allowed` });
    return;
  }
  let body: unknown;
  try {
    body = route.method === 'GET' ? route.read() : await route.write(await readJsonBody(req));
  } catch (err) {
    if (err instanceof HttpError || err instanceof KeyError) {
      const status = err instanceof HttpError ? err.status : 400;
      log.debug({ method: req.method, path, status, err: err.message }, 'http api request refused');
      send(req, res, status, { error: err.message });
    } else if (err instanceof KeyringFileError) {
      log.error({ path, err: err.message }, 'keyring not changed');
      send(req, res, 500, { error: `${err.message}; the keyring was not changed` });
    } else {
      log.error({ path, err: err instanceof Error ? err.message : String(err) }, 'http api handler failed');
      send(req, res, 500, { error: 'internal error' });
    }
    return;
  }
  log.debug({ method: req.method, path }, 'http api request');
  send(req, res, 200, body);
}

/** The request body as JSON: 413 when over MAX_BODY_BYTES, 400 when empty or not JSON. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const tooLarge = (): HttpError => new HttpError(413, `body: larger than ${MAX_BODY_BYTES} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      chunks.push(c);
      if (size > MAX_BODY_BYTES) {
        // Stop keeping the bytes; node:http discards the rest of the body.
        req.off('data', onData);
        chunks.length = 0;
        reject(tooLarge());
      }
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'body: empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `body: not JSON (${(err as Error).message})`);
  }
}

/** The key of a keyring change body `{"key": "BASE64"}`; anything else is a 400 naming the problem. */
function keyOf(body: unknown): Uint8Array {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'body: expected a JSON object {"key": "BASE64"}');
  }
  const extra = Object.keys(body).find((k) => k !== 'key');
  if (extra !== undefined) throw new HttpError(400, `body: unknown field ${JSON.stringify(extra)}`);
  const key = (body as { key?: unknown }).key;
  if (key === undefined) throw new HttpError(400, 'key: missing');
  if (typeof key !== 'string') throw new HttpError(400, 'key: must be a base64 string');
  return parseKey('key', key);
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body) + '\n');
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': bytes.length,
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}
