/**
 * The CLI's side of the agent's HTTP API: one request to a running agent, its status and text.
 * Used by every client command; `query` reads a newline-delimited JSON stream line by line.
 */
import { request } from 'node:http';
import { joinHostPort } from '../net/ip.ts';
import type { HostPort } from './flags.ts';

const REQUEST_TIMEOUT_MS = 5000;

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

export function agentUrl(http: HostPort, path: string): string {
  return `http://${joinHostPort(http.host, http.port)}${path}`;
}

/**
 * Sends a request (a JSON body when `body` is given); rejects when the agent does not answer
 * within `timeoutMs` (cluster-wide operations take up to a query timeout).
 */
export function requestAgent(
  url: string,
  method: 'GET' | 'POST',
  body?: unknown,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<HttpAnswer> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length };
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * POSTs `body` and calls `onLine` with each JSON value of a 200 answer's newline-delimited body
 * as it arrives. Resolves with the status and, for other statuses, the whole text; rejects when
 * the agent goes quiet for `idleMs` or the connection fails.
 */
export function streamAgent(
  url: string,
  body: unknown,
  onLine: (value: unknown) => void,
  idleMs: number,
): Promise<HttpAnswer> {
  const payload = Buffer.from(JSON.stringify(body));
  const headers = { 'content-type': 'application/json', 'content-length': payload.length };
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, timeout: idleMs }, (res) => {
      const status = res.statusCode ?? 0;
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        if (status !== 200) return;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line.trim() === '') continue;
          try {
            onLine(JSON.parse(line));
          } catch (err) {
            req.destroy(err instanceof Error ? err : new Error(String(err)));
          }
        }
      });
      res.on('error', reject);
      res.on('end', () => resolve({ status, text: pending }));
    });
    req.on('timeout', () => req.destroy(new Error(`the agent sent nothing for ${idleMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The `error` of an API error document, else the body's first line. */
export function errorOf(answer: HttpAnswer): string {
  try {
    const doc = JSON.parse(answer.text) as { error?: unknown } | null;
    if (typeof doc?.error === 'string') return doc.error;
  } catch {
    // not an error document
  }
  return `HTTP ${answer.status}: ${answer.text.trim().split('\n')[0]}`;
}

/**
 * POSTs `body` to a running agent for a one-shot command. Resolves to the parsed 200 document,
 * or, after printing `memberlist-ts: WHAT: error` (`memberlist-ts: error` when `what` is "") or
 * that the agent cannot be reached on stderr, to undefined.
 */
export async function postCommand(
  http: HostPort,
  path: string,
  body: unknown,
  what: string,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<unknown> {
  const url = agentUrl(http, path);
  let answer: HttpAnswer;
  try {
    answer = await requestAgent(url, 'POST', body, timeoutMs);
  } catch (err) {
    process.stderr.write(`memberlist-ts: cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}\n`);
    return undefined;
  }
  if (answer.status !== 200) {
    process.stderr.write(`memberlist-ts: ${what === '' ? '' : `${what}: `}${errorOf(answer)}\n`);
    return undefined;
  }
  return JSON.parse(answer.text) as unknown;
}
