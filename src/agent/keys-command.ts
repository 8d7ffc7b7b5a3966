/**
 * `memberlist-ts keys`: reads or changes a running agent's keyring through its HTTP API
 * (GET /v1/keyring, POST /v1/keyring/install|use|remove) — the agent's own keyring in memberlist
 * mode, every member's (through Serf's key queries, like `serf keys`) in serf mode, where the
 * outcome counts the nodes that answered and exit 1 means not all of them succeeded — and
 * `memberlist-ts keygen`: prints a new random key. A key argument is checked before anything is
 * sent: a bad one is reported in one line naming the flag, exit 1. Refusals from the agent are
 * reported the same way.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_HTTP } from './agent-flags.ts';
import { type KeyringChange, type KeyringDocument, KEYRING_CHANGES } from './agent-keyring.ts';
import { FlagError, type HostPort, parseChoice, parseHostPort, parseFlags } from './flags.ts';
import { agentUrl, errorOf, requestAgent } from './http-client.ts';
import { KEY_SIZES, parseKey } from './key-text.ts';
import { printable } from './members-table.ts';
import type { ClusterKeysDocument } from './serf-routes.ts';

const FORMATS = ['table', 'json'] as const;

export interface KeysOptions {
  readonly http: HostPort;
  readonly format: (typeof FORMATS)[number];
  /** undefined = --list. */
  readonly change: { readonly kind: KeyringChange; readonly key: string } | undefined;
}

/** Parses the arguments after `keys`. Returns 'help' for -h/--help; throws FlagError or KeyError. */
export function parseKeysFlags(args: readonly string[]): KeysOptions | 'help' {
  const values = parseFlags(args, {
    install: { type: 'string' },
    use: { type: 'string' },
    remove: { type: 'string' },
    list: { type: 'boolean' },
    http: { type: 'string' },
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) return 'help';
  const actions = KEYRING_CHANGES.filter((k) => values[k] !== undefined).map((k) => `--${k}`);
  if (values.list === true) actions.push('--list');
  if (actions.length === 0) throw new FlagError('keys: give one of --install KEY, --use KEY, --remove KEY, --list');
  if (actions.length > 1) throw new FlagError(`keys: ${actions.join(' and ')} cannot be combined; give one`);
  const options = {
    http: parseHostPort('--http', values.http ?? DEFAULT_HTTP),
    format: parseChoice('--format', values.format ?? 'table', FORMATS),
  };
  const kind = KEYRING_CHANGES.find((k) => values[k] !== undefined);
  if (kind === undefined) return { ...options, change: undefined };
  const key = values[kind] as string;
  parseKey(`--${kind}`, key); // a bad key never reaches the agent
  return { ...options, change: { kind, key } };
}

/** A cluster-wide operation waits for every member's answer, up to a query timeout. */
const CLUSTER_TIMEOUT_MS = 60_000;

const DONE: Record<KeyringChange, string> = {
  install: 'key installed',
  use: 'primary key changed',
  remove: 'key removed',
};

/** Runs the request and prints the outcome; returns the exit code (1 with a one-line error). */
export async function runKeys(opts: KeysOptions): Promise<number> {
  const url = agentUrl(opts.http, opts.change === undefined ? '/v1/keyring' : `/v1/keyring/${opts.change.kind}`);
  const fail = (text: string): number => {
    process.stderr.write(`memberlist-ts: ${text}\n`);
    return 1;
  };
  let answer;
  try {
    answer =
      opts.change === undefined
        ? await requestAgent(url, 'GET', undefined, CLUSTER_TIMEOUT_MS)
        : await requestAgent(url, 'POST', { key: opts.change.key }, CLUSTER_TIMEOUT_MS);
  } catch (err) {
    return fail(`cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (answer.status !== 200) {
    const why = errorOf(answer);
    // The agent names the body field; the user gave a flag.
    return fail(opts.change !== undefined && why.startsWith('key: ') ? `--${opts.change.kind}: ${why.slice(5)}` : why);
  }
  const cluster = clusterDocument(answer.text);
  if (cluster !== undefined) return renderCluster(opts, cluster);
  let doc: KeyringDocument;
  try {
    doc = parseKeyringDocument(answer.text);
  } catch (err) {
    return fail(`${url}: ${(err as Error).message}`);
  }
  process.stdout.write(render(opts, doc));
  return 0;
}

function clusterDocument(text: string): ClusterKeysDocument | undefined {
  try {
    const d = JSON.parse(text) as Partial<ClusterKeysDocument> | null;
    return typeof d?.numNodes === 'number' && typeof d.keys === 'object' ? (d as ClusterKeysDocument) : undefined;
  } catch {
    return undefined;
  }
}

const CLUSTER_DONE: Record<KeyringChange, string> = {
  install: 'Successfully installed key',
  use: 'Successfully changed primary key',
  remove: 'Successfully removed key',
};

const CLUSTER_FAILED: Record<KeyringChange | 'list', string> = {
  install: 'Error installing key',
  use: 'Error changing primary key',
  remove: 'Error removing key',
  list: 'Failed to gather member keys',
};

/** Serf mode: per-node counts and messages; exit 1 unless every node succeeded. */
function renderCluster(opts: KeysOptions, doc: ClusterKeysDocument): number {
  if (opts.format === 'json') process.stdout.write(JSON.stringify(doc) + '\n');
  const counts = `${doc.numResp}/${doc.numNodes} nodes answered, ${doc.numErr} failed`;
  if (doc.error !== null) {
    for (const [node, message] of Object.entries(doc.messages)) {
      process.stderr.write(`failed: ${printable(node)}: ${printable(message)}\n`);
    }
    process.stderr.write(`memberlist-ts: ${CLUSTER_FAILED[opts.change?.kind ?? 'list']}: ${doc.error}\n`);
    return 1;
  }
  if (opts.format === 'json') return 0;
  for (const [node, message] of Object.entries(doc.messages)) {
    process.stdout.write(`warning: ${printable(node)}: ${printable(message)}\n`);
  }
  if (opts.change !== undefined) {
    process.stdout.write(`${CLUSTER_DONE[opts.change.kind]} (${counts})\n`);
    return 0;
  }
  const keys = Object.keys(doc.keys).sort((a, b) => (doc.primaryKeys[b] ?? 0) - (doc.primaryKeys[a] ?? 0));
  for (const k of keys) {
    const primary = doc.primaryKeys[k];
    const extra = primary === undefined ? '' : `  (primary on ${primary}/${doc.numNodes})`;
    process.stdout.write(`${k}  [${doc.keys[k]}/${doc.numNodes}]${extra}\n`);
  }
  return 0;
}

function render(opts: KeysOptions, doc: KeyringDocument): string {
  if (opts.format === 'json') return JSON.stringify(doc) + '\n';
  if (opts.change === undefined) return doc.keys.map((k, i) => (i === 0 ? `${k}  (primary)\n` : `${k}\n`)).join('');
  const n = doc.keys.length;
  return `${DONE[opts.change.kind]}; the keyring has ${n} key${n === 1 ? '' : 's'}\n`;
}

export function parseKeyringDocument(text: string): KeyringDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('response is not JSON');
  }
  const d = doc as Partial<KeyringDocument> | null;
  const ok =
    Array.isArray(d?.keys) &&
    d.keys.every((k) => typeof k === 'string') &&
    (d.primary === null || typeof d.primary === 'string');
  if (!ok) throw new Error('response is not a keyring document');
  return doc as KeyringDocument;
}

const KEYGEN_SIZES = KEY_SIZES.map(String) as readonly string[];

/** Parses the arguments after `keygen`: the key size in bytes (default 32), or 'help'. */
export function parseKeygenFlags(args: readonly string[]): number | 'help' {
  const values = parseFlags(args, { bytes: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help === true) return 'help';
  return Number(parseChoice('--bytes', values.bytes ?? '32', KEYGEN_SIZES));
}

/** A new random key in base64 (AES-128, -192 or -256 for 16, 24 or 32 bytes). */
export function generateKey(bytes: number): string {
  return randomBytes(bytes).toString('base64');
}
