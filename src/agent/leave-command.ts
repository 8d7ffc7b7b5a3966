/**
 * `memberlist-ts leave`: asks a running agent to leave the cluster gracefully and stop, through
 * `POST /v1/leave`, like `serf leave`; returns once the leave is done.
 */
import { DEFAULT_HTTP } from './agent-flags.ts';
import { type HostPort, parseFlags, parseHostPort } from './flags.ts';
import { postCommand } from './http-client.ts';

/** Serf's leave waits up to its broadcast timeout twice, then the propagate delay. */
const LEAVE_TIMEOUT_MS = 60_000;

export interface LeaveOptions {
  readonly http: HostPort;
}

/** Parses the arguments after `leave`. Returns 'help' for -h/--help; throws FlagError. */
export function parseLeaveFlags(args: readonly string[]): LeaveOptions | 'help' {
  const values = parseFlags(args, { http: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help === true) return 'help';
  return { http: parseHostPort('--http', values.http ?? DEFAULT_HTTP) };
}

export async function runLeave(opts: LeaveOptions): Promise<number> {
  const doc = await postCommand(opts.http, '/v1/leave', {}, 'Error leaving', LEAVE_TIMEOUT_MS);
  if (doc === undefined) return 1;
  process.stdout.write('Graceful leave complete\n');
  return 0;
}
