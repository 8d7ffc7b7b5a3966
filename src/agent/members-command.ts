/**
 * `memberlist-ts members`: asks a running agent's HTTP API for GET /v1/members and prints the
 * document as JSON (unchanged: serf-shaped from an agent in serf mode, memberlist-shaped in
 * memberlist mode) or as an aligned table. Resolves to the exit code.
 */
import { DEFAULT_HTTP } from './agent-flags.ts';
import { type HostPort, parseChoice, parseHostPort, parseFlags } from './flags.ts';
import { agentUrl, requestAgent } from './http-client.ts';
import { parseMembersDocument } from './members-document.ts';
import { renderMembersTable, renderSerfMembersTable } from './members-table.ts';
import { isSerfMembersDocument, type SerfMembersDocument } from './serf-members-document.ts';

const FORMATS = ['table', 'json'] as const;

export interface MembersOptions {
  readonly http: HostPort;
  readonly format: (typeof FORMATS)[number];
}

/** Parses the arguments after `members`. Returns 'help' for -h/--help; throws FlagError. */
export function parseMembersFlags(args: readonly string[]): MembersOptions | 'help' {
  const values = parseFlags(args, {
    http: { type: 'string' },
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) return 'help';
  return {
    http: parseHostPort('--http', values.http ?? DEFAULT_HTTP),
    format: parseChoice('--format', values.format ?? 'table', FORMATS),
  };
}

/** Fetches and prints; writes a one-line error to stderr and returns 1 when the agent cannot be read. */
export async function runMembers(opts: MembersOptions): Promise<number> {
  const url = agentUrl(opts.http, '/v1/members');
  let body: string;
  try {
    body = await fetchText(url);
  } catch (err) {
    process.stderr.write(`memberlist-ts: cannot read ${url}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const serfDoc = serfDocument(body);
  if (serfDoc !== undefined) {
    process.stdout.write(opts.format === 'json' ? JSON.stringify(serfDoc) + '\n' : renderSerfMembersTable(serfDoc));
    return 0;
  }
  let doc;
  try {
    doc = parseMembersDocument(body);
  } catch (err) {
    process.stderr.write(`memberlist-ts: ${url}: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(opts.format === 'json' ? JSON.stringify(doc) + '\n' : renderMembersTable(doc));
  return 0;
}

function serfDocument(body: string): SerfMembersDocument | undefined {
  try {
    const doc = JSON.parse(body) as { members?: unknown } | null;
    if (doc === null || !Array.isArray(doc.members)) return undefined;
    const d = doc as { members: unknown[] };
    return isSerfMembersDocument(d) ? d : undefined;
  } catch {
    return undefined;
  }
}

async function fetchText(url: string): Promise<string> {
  const answer = await requestAgent(url, 'GET');
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.text.trim()}`);
  return answer.text;
}
