/**
 * `memberlist-ts query NAME [PAYLOAD]`: sends a query through a running agent (serf mode) with
 * `POST /v1/query`, like `serf query`: node and tag filters, timeout, acks (unless --no-ack),
 * relay factor. Text output prints acks and responses as they arrive, then totals; JSON output
 * prints `{"Acks":[...],"Responses":{"node":"payload"}}` at the end (Acks null with --no-ack).
 */
import { DEFAULT_HTTP } from './agent-flags.ts';
import {
  FlagError,
  type HostPort,
  parseChoice,
  parseDuration,
  parseFlagsAndArgs,
  parseHostPort,
  parseKeyValue,
} from './flags.ts';
import { agentUrl, errorOf, streamAgent } from './http-client.ts';
import { printable } from './members-table.ts';
import type { QueryLine } from './serf-routes.ts';

const FORMATS = ['text', 'json'] as const;
/** How long the agent may stay silent beyond the query's own timeout. */
const SLACK_MS = 10_000;
const DEFAULT_IDLE_MS = 60_000;

export interface QueryOptions {
  readonly http: HostPort;
  readonly name: string;
  readonly payload: string;
  readonly nodes: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** undefined = the agent's default query timeout. */
  readonly timeoutMs: number | undefined;
  readonly ack: boolean;
  readonly relayFactor: number;
  readonly format: (typeof FORMATS)[number];
}

/** Parses the arguments after `query`. Returns 'help' for -h/--help; throws FlagError. */
export function parseQueryFlags(args: readonly string[]): QueryOptions | 'help' {
  const { values, positionals } = parseFlagsAndArgs(
    args,
    {
      node: { type: 'string', multiple: true },
      tag: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      'no-ack': { type: 'boolean' },
      'relay-factor': { type: 'string' },
      format: { type: 'string' },
      http: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    2,
  );
  if (values.help === true) return 'help';
  const [name, payload] = positionals;
  if (name === undefined || name === '') throw new FlagError('query: give the query NAME (and optionally a PAYLOAD)');
  const tags: Record<string, string> = {};
  for (const t of values.tag ?? []) {
    const [k, v] = parseKeyValue('--tag', t);
    tags[k] = v;
  }
  const relayText = values['relay-factor'] ?? '0';
  if (!/^\d+$/.test(relayText) || Number(relayText) > 255) {
    throw new FlagError(`--relay-factor: ${JSON.stringify(relayText)} is not a number from 0 to 255`);
  }
  return {
    http: parseHostPort('--http', values.http ?? DEFAULT_HTTP),
    name,
    payload: payload ?? '',
    nodes: values.node ?? [],
    tags,
    timeoutMs: values.timeout === undefined ? undefined : parseDuration('--timeout', values.timeout),
    ack: values['no-ack'] !== true,
    relayFactor: Number(relayText),
    format: parseChoice('--format', values.format ?? 'text', FORMATS),
  };
}

export async function runQuery(opts: QueryOptions): Promise<number> {
  const url = agentUrl(opts.http, '/v1/query');
  const body = {
    name: opts.name,
    payload: opts.payload,
    ...(opts.nodes.length > 0 ? { filterNodes: opts.nodes } : {}),
    ...(Object.keys(opts.tags).length > 0 ? { filterTags: opts.tags } : {}),
    requestAck: opts.ack,
    relayFactor: opts.relayFactor,
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: Math.max(1, Math.round(opts.timeoutMs)) }),
  };
  const acks: string[] = [];
  const responses: Record<string, string> = {};
  let done = false;
  const text = opts.format === 'text';
  const out = (line: string): boolean => process.stdout.write(line + '\n');
  const onLine = (value: unknown): void => {
    const l = value as QueryLine;
    if (l.type === 'dispatched') {
      if (text) out(`Query '${opts.name}' dispatched`);
    } else if (l.type === 'ack') {
      acks.push(l.from);
      if (text) out(`Ack from '${printable(l.from)}'`);
    } else if (l.type === 'response') {
      responses[l.from] = l.payload;
      if (text) out(`Response from '${printable(l.from)}': ${printable(l.payload.replace(/\n$/, ''))}`);
    } else if (l.type === 'done') {
      done = true;
    }
  };
  let answer;
  try {
    const idle = opts.timeoutMs === undefined ? DEFAULT_IDLE_MS : opts.timeoutMs + SLACK_MS;
    answer = await streamAgent(url, body, onLine, idle);
  } catch (err) {
    process.stderr.write(`memberlist-ts: ${url}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (answer.status !== 200) {
    process.stderr.write(`memberlist-ts: ${errorOf(answer)}\n`);
    return 1;
  }
  if (!done) {
    process.stderr.write(`memberlist-ts: ${url}: the answer ended before the query did\n`);
    return 1;
  }
  if (text) {
    if (opts.ack) out(`Total Acks: ${acks.length}`);
    out(`Total Responses: ${Object.keys(responses).length}`);
  } else {
    out(JSON.stringify({ Acks: opts.ack ? acks : null, Responses: responses }));
  }
  return 0;
}
