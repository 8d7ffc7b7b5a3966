/**
 * `memberlist-ts join ADDRESS... [--replay]`: asks a running agent to join a cluster through
 * `POST /v1/join`, like `serf join`; prints how many nodes it contacted, exit 1 when none
 * answered. --replay (serf mode) delivers user events older than the join.
 */
import { DEFAULT_HTTP } from './agent-flags.ts';
import {
  FlagError,
  type HostPort,
  parseBool,
  parseFlagsAndArgs,
  parseHostPort,
  parseJoinAddress,
  withBareBooleans,
} from './flags.ts';
import { postCommand } from './http-client.ts';

/** Joining takes up to a TCP timeout per address. */
const JOIN_TIMEOUT_MS = 120_000;

export interface JoinOptions {
  readonly http: HostPort;
  readonly addrs: readonly string[];
  readonly replay: boolean;
}

/** Parses the arguments after `join`. Returns 'help' for -h/--help; throws FlagError. */
export function parseJoinFlags(args: readonly string[]): JoinOptions | 'help' {
  const { values, positionals } = parseFlagsAndArgs(
    withBareBooleans(args, ['--replay']),
    { http: { type: 'string' }, replay: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    Number.MAX_SAFE_INTEGER,
  );
  if (values.help === true) return 'help';
  if (positionals.length === 0) throw new FlagError('join: give at least one ADDRESS (IP:PORT) to join');
  return {
    http: parseHostPort('--http', values.http ?? DEFAULT_HTTP),
    addrs: positionals.map((a) => parseJoinAddress('join', a)),
    replay: parseBool('--replay', values.replay ?? 'false'),
  };
}

export async function runJoin(opts: JoinOptions): Promise<number> {
  const doc = await postCommand(
    opts.http,
    '/v1/join',
    { addrs: opts.addrs, replay: opts.replay },
    'Error joining the cluster',
    JOIN_TIMEOUT_MS,
  );
  if (doc === undefined) return 1;
  const { contacted } = doc as { contacted: number };
  process.stdout.write(`Successfully joined cluster by contacting ${contacted} nodes.\n`);
  return 0;
}
