/**
 * The agent's local, read-only HTTP API (node:http): `GET /v1/members` and `GET /v1/health`
 * (HEAD too), JSON responses, 404 for other paths and 405 for other methods.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/core-io.ts';
import type { Node } from '../core/node-state.ts';
import { joinHostPort } from '../net/ip.ts';
import type { HostPort } from './flags.ts';
import { type HealthDocument, membersDocument } from './members-document.ts';

/** What the API reads from a node (a Memberlist satisfies it). */
export interface MembersSource {
  allMembers(): Node[];
  numMembers(): number;
  readonly healthScore: number;
}

export interface HttpApi {
  /** "ip:port" the API listens on (the real port when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

type Route = () => unknown;

/** Starts listening; rejects if the address cannot be bound. */
export async function startHttpApi(source: MembersSource, listen: HostPort, log: Logger): Promise<HttpApi> {
  const routes: Record<string, Route> = {
    '/v1/members': () => membersDocument(source.allMembers()),
    '/v1/health': (): HealthDocument => ({ healthScore: source.healthScore, members: source.numMembers() }),
  };
  const server = createServer((req, res) => handle(routes, req, res, log));
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

function handle(routes: Record<string, Route>, req: IncomingMessage, res: ServerResponse, log: Logger): void {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (route === undefined) {
    send(req, res, 404, { error: `no such endpoint: ${path}` });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    send(req, res, 405, { error: `method ${req.method} not allowed` });
    return;
  }
  let body: unknown;
  try {
    body = route();
  } catch (err) {
    log.error({ path, err: err instanceof Error ? err.message : String(err) }, 'http api handler failed');
    send(req, res, 500, { error: 'internal error' });
    return;
  }
  log.debug({ method: req.method, path }, 'http api request');
  send(req, res, 200, body);
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
