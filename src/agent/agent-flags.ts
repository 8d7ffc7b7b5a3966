/**
 * The flags of `memberlist-ts agent`, their defaults, and their validation into AgentOptions.
 * Kept free of heavy imports so a bad flag is reported before the node runtime loads.
 */
import { hostname } from 'node:os';
import type { Profile } from '../core/config.ts';
import { MAX_META_BYTES } from '../wire/limits.ts';
import {
  FlagError,
  type HostPort,
  parseBool,
  parseChoice,
  parseDuration,
  parseHostPort,
  parseJoinAddress,
  parseFlags,
} from './flags.ts';
import { parseKey } from './key-text.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const PROFILES: readonly Profile[] = ['lan', 'wan', 'local'];

export const DEFAULT_HTTP = '127.0.0.1:7947';
export const DEFAULT_BIND = '127.0.0.1:7946';
export const DEFAULT_JOIN_TIMEOUT = '30s';
/** Go memberlist's limit on a cluster label. */
export const MAX_LABEL_BYTES = 255;
const BOOLEAN_FLAGS = ['--verify-incoming', '--verify-outgoing'];

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
  /** --encrypt: the primary key; undefined when not given. */
  readonly encrypt: Uint8Array | undefined;
  /** --keyring-file: where the keyring is loaded from and saved to; undefined when not given. */
  readonly keyringFile: string | undefined;
  /** Cluster label; "" = none. */
  readonly label: string;
  readonly verifyIncoming: boolean;
  readonly verifyOutgoing: boolean;
}

/**
 * Parses the arguments after `agent`. Returns 'help' for -h/--help; throws FlagError, or
 * KeyError (exit 1, like every bad key) for an --encrypt value that is not a key.
 */
export function parseAgentFlags(args: readonly string[]): AgentOptions | 'help' {
  const values = parseFlags(withBooleanValues(args), {
    node: { type: 'string' },
    bind: { type: 'string' },
    advertise: { type: 'string' },
    join: { type: 'string', multiple: true },
    'join-timeout': { type: 'string' },
    profile: { type: 'string' },
    meta: { type: 'string' },
    http: { type: 'string' },
    'log-level': { type: 'string' },
    encrypt: { type: 'string' },
    'keyring-file': { type: 'string' },
    label: { type: 'string' },
    'verify-incoming': { type: 'string' },
    'verify-outgoing': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
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
  const label = values.label ?? '';
  const labelBytes = new TextEncoder().encode(label).length;
  if (labelBytes > MAX_LABEL_BYTES) {
    throw new FlagError(`--label: ${labelBytes} bytes, more than the limit of ${MAX_LABEL_BYTES}`);
  }
  if (values['keyring-file'] === '') throw new FlagError('--keyring-file: must not be empty');
  const joinTimeoutText = values['join-timeout'] ?? DEFAULT_JOIN_TIMEOUT;
  const options = {
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
    keyringFile: values['keyring-file'],
    label,
    verifyIncoming: parseBool('--verify-incoming', values['verify-incoming'] ?? 'true'),
    verifyOutgoing: parseBool('--verify-outgoing', values['verify-outgoing'] ?? 'true'),
  };
  // Checked after every other flag, so a bad flag elsewhere is still a usage error (exit 2).
  return { ...options, encrypt: values.encrypt === undefined ? undefined : parseKey('--encrypt', values.encrypt) };
}

/**
 * The boolean flags take an optional value, Go style: `--verify-incoming` alone means true,
 * `--verify-incoming=false` and `--verify-incoming false` set it. parseArgs knows them as
 * string flags, so a bare one (last, or followed by another flag) gets an explicit "=true".
 */
function withBooleanValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    const bare = BOOLEAN_FLAGS.includes(a) && (next === undefined || next.startsWith('-'));
    out.push(bare ? `${a}=true` : a);
  }
  return out;
}
