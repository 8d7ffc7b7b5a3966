/**
 * `memberlist-ts event NAME [PAYLOAD] [--coalesce=true|false]`: asks a running agent (serf mode)
 * to broadcast a user event through `POST /v1/event`, like `serf event`. The payload is sent as
 * UTF-8 text.
 */
import { DEFAULT_HTTP } from './agent-flags.ts';
import { FlagError, type HostPort, parseBool, parseFlagsAndArgs, parseHostPort, withBooleanValues } from './flags.ts';
import { postCommand } from './http-client.ts';

export interface EventOptions {
  readonly http: HostPort;
  readonly name: string;
  readonly payload: string;
  readonly coalesce: boolean;
}

/** Parses the arguments after `event`. Returns 'help' for -h/--help; throws FlagError. */
export function parseEventFlags(args: readonly string[]): EventOptions | 'help' {
  const { values, positionals } = parseFlagsAndArgs(
    withBooleanValues(args, ['--coalesce']),
    { http: { type: 'string' }, coalesce: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    2,
  );
  if (values.help === true) return 'help';
  const [name, payload] = positionals;
  if (name === undefined || name === '') throw new FlagError('event: give the event NAME (and optionally a PAYLOAD)');
  return {
    http: parseHostPort('--http', values.http ?? DEFAULT_HTTP),
    name,
    payload: payload ?? '',
    coalesce: parseBool('--coalesce', values.coalesce ?? 'true'),
  };
}

export async function runEvent(opts: EventOptions): Promise<number> {
  const body = { name: opts.name, payload: opts.payload, coalesce: opts.coalesce };
  if ((await postCommand(opts.http, '/v1/event', body, '')) === undefined) return 1;
  process.stdout.write(`Event '${opts.name}' dispatched! Coalescing enabled: ${opts.coalesce}\n`);
  return 0;
}
