/**
 * The CLI's side of the agent's HTTP API: one request to a running agent, its status and text.
 * Used by `members` and `keys`.
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

/** Sends a request (a JSON body when `body` is given); rejects when the agent does not answer. */
export function requestAgent(url: string, method: 'GET' | 'POST', body?: unknown): Promise<HttpAnswer> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length };
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
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
