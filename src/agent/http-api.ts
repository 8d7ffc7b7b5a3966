/**
 * The agent's local HTTP API server (node:http, JSON in and out, no auth: bind it to loopback):
 * routing a request to the route of its path, reading the JSON body, and answering. The routes
 * themselves come from the mode: memberlist-routes.ts or serf-routes.ts. A GET route answers HEAD
 * too; a stream route answers newline-delimited JSON (one value per line, as it comes). Errors
 * are `{"error":"..."}`: 400 for a bad body or a refused change, 404 for other paths, 405 for
 * other methods, 413 for a body over 64 KiB.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/core-io.ts';
import { joinHostPort } from '../net/ip.ts';
import type { HostPort } from './flags.ts';
import { KeyError } from './key-text.ts';
import { KeyringFileError } from './keyring-file.ts';
import { TagsFileError } from './tags-file.ts';

export interface HttpApi {
  /** "ip:port" the API listens on (the real port when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

export const MAX_BODY_BYTES = 64 * 1024;

export type Route =
  | { readonly method: 'GET'; readonly read: () => unknown }
  | {
      readonly method: 'POST';
      readonly write: (body: unknown) => Promise<unknown>;
      /** An empty body is taken as `{}` (for requests with nothing to say, like a leave). */
      readonly bodyOptional?: boolean;
      /** Called once a 200 answer has been handed to the connection (e.g. to stop the agent). */
      readonly afterResponse?: () => void;
    }
  | {
      readonly method: 'POST';
      /** Checks the body (throwing refuses it with a status), then yields the lines to send. */
      readonly stream: (body: unknown) => Promise<AsyncIterable<unknown>>;
    };

export type Routes = Record<string, Route>;

/** An answer other than 200, with the message for `{"error": ...}`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Starts listening; rejects if the address cannot be bound. */
export async function startHttpApi(routes: Routes, listen: HostPort, log: Logger): Promise<HttpApi> {
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
  let lines: AsyncIterable<unknown> | undefined;
  try {
    if (route.method === 'GET') body = await route.read();
    else if ('write' in route) body = await route.write(await readJsonBody(req, route.bodyOptional === true));
    else lines = await route.stream(await readJsonBody(req, false));
  } catch (err) {
    if (err instanceof HttpError || err instanceof KeyError) {
      const status = err instanceof HttpError ? err.status : 400;
      log.debug({ method: req.method, path, status, err: err.message }, 'http api request refused');
      send(req, res, status, { error: err.message });
    } else if (err instanceof KeyringFileError) {
      log.error({ path, err: err.message }, 'keyring not changed');
      send(req, res, 500, { error: `${err.message}; the keyring was not changed` });
    } else if (err instanceof TagsFileError) {
      log.error({ path, err: err.message }, 'tags not changed');
      send(req, res, 500, { error: `${err.message}; the tags were not changed` });
    } else {
      log.error({ path, err: err instanceof Error ? err.message : String(err) }, 'http api handler failed');
      send(req, res, 500, { error: 'internal error' });
    }
    return;
  }
  log.debug({ method: req.method, path }, 'http api request');
  if (lines !== undefined) {
    await sendLines(res, lines);
    return;
  }
  const after = 'afterResponse' in route ? route.afterResponse : undefined;
  if (after !== undefined) res.once('finish', after);
  send(req, res, 200, body);
}

/** 200 with one JSON value per line, each written as soon as it is produced. */
async function sendLines(res: ServerResponse, lines: AsyncIterable<unknown>): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
  let gone = false;
  res.on('close', () => {
    gone = true;
  });
  for await (const line of lines) {
    if (gone) break;
    res.write(JSON.stringify(line) + '\n');
  }
  res.end();
}

/** The request body as JSON: 413 when over MAX_BODY_BYTES, 400 when not JSON or (unless `optional`) empty. */
async function readJsonBody(req: IncomingMessage, optional: boolean): Promise<unknown> {
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
  if (text.trim() === '') {
    if (optional) return {};
    throw new HttpError(400, 'body: empty; expected a JSON object');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `body: not JSON (${(err as Error).message})`);
  }
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
