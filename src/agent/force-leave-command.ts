/**
 * `memberlist-ts force-leave NODE [--prune]`: asks a running agent (serf mode) to move a failed
 * member to left — with --prune, to erase it from the member list — through
 * `POST /v1/force-leave`, like `serf force-leave`. Prints nothing on success, as serf.
 */
import { DEFAULT_HTTP } from './agent-flags.ts';
import { FlagError, type HostPort, parseBool, parseFlagsAndArgs, parseHostPort, withBareBooleans } from './flags.ts';
import { postCommand } from './http-client.ts';

/** The removal is gossiped for up to Serf's broadcast timeout. */
const FORCE_LEAVE_TIMEOUT_MS = 30_000;

export interface ForceLeaveOptions {
  readonly http: HostPort;
  readonly node: string;
  readonly prune: boolean;
}

/** Parses the arguments after `force-leave`. Returns 'help' for -h/--help; throws FlagError. */
export function parseForceLeaveFlags(args: readonly string[]): ForceLeaveOptions | 'help' {
  const { values, positionals } = parseFlagsAndArgs(
    withBareBooleans(args, ['--prune']),
    { http: { type: 'string' }, prune: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    1,
  );
  if (values.help === true) return 'help';
  const [node] = positionals;
  if (node === undefined || node === '') throw new FlagError('force-leave: give the NODE name to force to leave');
  return {
    http: parseHostPort('--http', values.http ?? DEFAULT_HTTP),
    node,
    prune: parseBool('--prune', values.prune ?? 'false'),
  };
}

export async function runForceLeave(opts: ForceLeaveOptions): Promise<number> {
  const doc = await postCommand(
    opts.http,
    '/v1/force-leave',
    { node: opts.node, prune: opts.prune },
    'Error force leaving',
    FORCE_LEAVE_TIMEOUT_MS,
  );
  return doc === undefined ? 1 : 0;
}
