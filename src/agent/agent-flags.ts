/**
 * The flags of `memberlist-ts agent`, their defaults, and their validation into AgentOptions.
 * Kept free of heavy imports so a bad flag is reported before the node runtime loads.
 */
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import type { Profile } from '../core/config.ts';
import { MAX_META_BYTES } from '../wire/limits.ts';
import {
  FlagError,
  type HostPort,
  parseChoice,
  parseDuration,
  parseHostPort,
  parseJoinAddress,
  translateParseArgsError,
} from './flags.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const PROFILES: readonly Profile[] = ['lan', 'wan', 'local'];

export const DEFAULT_HTTP = '127.0.0.1:7947';
export const DEFAULT_BIND = '127.0.0.1:7946';
export const DEFAULT_JOIN_TIMEOUT = '30s';

export interface AgentOptions {
  readonly node: string;
  readonly bind: HostPort;
  /** Address to advertise; undefined = derived from the bind address. */
  readonly advertise: HostPort | undefined;
  /** Addresses to join, in Memberlist.join's syntax; empty = start a new cluster. */
  readonly join: readonly string[];
  readonly joinTimeoutMs: number;
  /** The --join-timeout text as given, for messages. */
  readonly joinTimeoutText: string;
  readonly profile: Profile;
  /** Metadata bytes; undefined when --meta is not given (Go sends nil metadata then). */
  readonly meta: Uint8Array | undefined;
  readonly http: HostPort;
  readonly logLevel: LogLevel;
}

/** Parses the arguments after `agent`. Returns 'help' for -h/--help; throws FlagError. */
export function parseAgentFlags(args: readonly string[]): AgentOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        node: { type: 'string' },
        bind: { type: 'string' },
        advertise: { type: 'string' },
        join: { type: 'string', multiple: true },
        'join-timeout': { type: 'string' },
        profile: { type: 'string' },
        meta: { type: 'string' },
        http: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw translateParseArgsError(err);
  }
  if (values.help === true) return 'help';

  const node = values.node ?? hostname();
  if (node === '') throw new FlagError('--node: must not be empty');
  let meta: Uint8Array | undefined;
  if (values.meta !== undefined) {
    meta = new TextEncoder().encode(values.meta);
    if (meta.length > MAX_META_BYTES) {
      throw new FlagError(`--meta: ${meta.length} bytes, more than the limit of ${MAX_META_BYTES}`);
    }
  }
  const joinTimeoutText = values['join-timeout'] ?? DEFAULT_JOIN_TIMEOUT;
  return {
    node,
    bind: parseHostPort('--bind', values.bind ?? DEFAULT_BIND, { allowPortZero: true }),
    advertise: values.advertise === undefined ? undefined : parseHostPort('--advertise', values.advertise),
    join: (values.join ?? []).map((j) => parseJoinAddress('--join', j)),
    joinTimeoutMs: parseDuration('--join-timeout', joinTimeoutText),
    joinTimeoutText,
    profile: parseChoice('--profile', values.profile ?? 'lan', PROFILES),
    meta,
    http: parseHostPort('--http', values.http ?? DEFAULT_HTTP, { allowPortZero: true }),
    logLevel: parseChoice('--log-level', values['log-level'] ?? 'info', LOG_LEVELS),
  };
}
