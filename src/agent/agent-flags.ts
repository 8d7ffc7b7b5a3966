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
  parseIntInRange,
  parseJoinAddress,
  parseFlags,
  parseKeyValue,
  withBooleanValues,
} from './flags.ts';
import { type EventScript, parseEventScript } from './handler-filter.ts';
import { parseKey } from './key-text.ts';
import { tagProblem } from './tag-rules.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const PROFILES: readonly Profile[] = ['lan', 'wan', 'local'];
export const MODES = ['serf', 'memberlist'] as const;
export type AgentMode = (typeof MODES)[number];

export const DEFAULT_HTTP = '127.0.0.1:7947';
export const DEFAULT_BIND = '127.0.0.1:7946';
/** With --consul-dc and no --bind: Consul's serf_lan port. */
export const DEFAULT_CONSUL_BIND = '127.0.0.1:8301';
export const DEFAULT_JOIN_TIMEOUT = '30s';
export const DEFAULT_HANDLER_TIMEOUT = '30s';
/** Go memberlist's limit on a cluster label. */
export const MAX_LABEL_BYTES = 255;
const BOOLEAN_FLAGS = ['--verify-incoming', '--verify-outgoing', '--rejoin', '--replay'];
const SERF_ONLY = [
  'tag',
  'tags-file',
  'event-handler',
  'event-handler-timeout',
  'consul-dc',
  'snapshot',
  'rejoin',
  'replay',
] as const;

export interface AgentOptions {
  /** serf: a Serf node (tags, events, queries, cluster-wide keys); memberlist: a bare node. */
  readonly mode: AgentMode;
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
  /**
   * --retransmit-mult: memberlist's RetransmitMult (each broadcast is gossiped this many times
   * ceil(log10(N + 1)), counting every node it goes to); undefined = the profile's (4, local 2).
   */
  readonly retransmitMult: number | undefined;
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
  /** Serf mode: --tag values (the --tags-file content is read at start). */
  readonly tags: Readonly<Record<string, string>>;
  /** Serf mode: --tags-file, read at start and rewritten on every tag change. */
  readonly tagsFile: string | undefined;
  /** Serf mode: the --event-handler scripts, in order. */
  readonly eventHandlers: readonly EventScript[];
  /** Serf mode: a handler still running after this long is killed. */
  readonly handlerTimeoutMs: number;
  /** Serf mode: --consul-dc, the datacenter of the Consul LAN profile; undefined = plain Serf. */
  readonly consulDc: string | undefined;
  /** Serf mode: --snapshot, Serf's snapshot file (members to rejoin, clocks); undefined = none. */
  readonly snapshot: string | undefined;
  /** Serf mode: --rejoin, rejoin from the snapshot even after a graceful leave (Serf's -rejoin). */
  readonly rejoin: boolean;
  /** Serf mode: --replay, deliver user events older than the --join (Serf's -replay). */
  readonly replay: boolean;
}

/**
 * Parses the arguments after `agent`. Returns 'help' for -h/--help; throws FlagError, or
 * KeyError (exit 1, like every bad key) for an --encrypt value that is not a key.
 */
export function parseAgentFlags(args: readonly string[]): AgentOptions | 'help' {
  const values = parseFlags(withBooleanValues(args, BOOLEAN_FLAGS), {
    mode: { type: 'string' },
    node: { type: 'string' },
    bind: { type: 'string' },
    advertise: { type: 'string' },
    join: { type: 'string', multiple: true },
    'join-timeout': { type: 'string' },
    profile: { type: 'string' },
    'retransmit-mult': { type: 'string' },
    meta: { type: 'string' },
    http: { type: 'string' },
    'log-level': { type: 'string' },
    encrypt: { type: 'string' },
    'keyring-file': { type: 'string' },
    label: { type: 'string' },
    'verify-incoming': { type: 'string' },
    'verify-outgoing': { type: 'string' },
    tag: { type: 'string', multiple: true },
    'tags-file': { type: 'string' },
    'event-handler': { type: 'string', multiple: true },
    'event-handler-timeout': { type: 'string' },
    'consul-dc': { type: 'string' },
    snapshot: { type: 'string' },
    rejoin: { type: 'string' },
    replay: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) return 'help';

  const mode = parseChoice('--mode', values.mode ?? 'serf', MODES);
  if (mode === 'serf' && values.meta !== undefined) {
    throw new FlagError('--meta: only with --mode memberlist; in serf mode use --tag KEY=VALUE');
  }
  if (mode === 'memberlist') {
    const serfOnly = SERF_ONLY.find((f) => values[f] !== undefined);
    if (serfOnly !== undefined) throw new FlagError(`--${serfOnly}: only in serf mode (--mode serf)`);
  }
  const consulDc = values['consul-dc'];
  if (consulDc !== undefined && !/^[a-z0-9_-]+$/.test(consulDc)) {
    throw new FlagError(`--consul-dc: ${JSON.stringify(consulDc)} may only hold lowercase letters, digits, - and _`);
  }
  const tags: Record<string, string> = {};
  for (const t of values.tag ?? []) {
    const [k, v] = parseKeyValue('--tag', t);
    tags[k] = v;
  }
  if (values['tags-file'] === '') throw new FlagError('--tags-file: must not be empty');
  if (values['tags-file'] !== undefined && Object.keys(tags).length > 0) {
    throw new FlagError('--tag: not allowed with --tags-file (the file holds the tags)');
  }
  const problem = tagProblem(tags, consulDc !== undefined);
  if (problem !== undefined) throw new FlagError(`--tag: ${problem}`);
  const eventHandlers = (values['event-handler'] ?? []).flatMap((h) => parseEventScript('--event-handler', h));

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
  if (values.snapshot === '') throw new FlagError('--snapshot: must not be empty');
  const rejoin = parseBool('--rejoin', values.rejoin ?? 'false');
  if (rejoin && values.snapshot === undefined) {
    throw new FlagError('--rejoin: needs --snapshot (the members to rejoin are read from it)');
  }
  const joinTimeoutText = values['join-timeout'] ?? DEFAULT_JOIN_TIMEOUT;
  const options = {
    mode,
    node,
    bind: parseHostPort('--bind', values.bind ?? (consulDc === undefined ? DEFAULT_BIND : DEFAULT_CONSUL_BIND), {
      allowPortZero: true,
    }),
    advertise: values.advertise === undefined ? undefined : parseHostPort('--advertise', values.advertise),
    join: (values.join ?? []).map((j) => parseJoinAddress('--join', j)),
    joinTimeoutMs: parseDuration('--join-timeout', joinTimeoutText),
    joinTimeoutText,
    profile: parseChoice('--profile', values.profile ?? 'lan', PROFILES),
    retransmitMult:
      values['retransmit-mult'] === undefined
        ? undefined
        : parseIntInRange('--retransmit-mult', values['retransmit-mult'], 1, 100),
    meta,
    http: parseHostPort('--http', values.http ?? DEFAULT_HTTP, { allowPortZero: true }),
    logLevel: parseChoice('--log-level', values['log-level'] ?? 'info', LOG_LEVELS),
    keyringFile: values['keyring-file'],
    label,
    verifyIncoming: parseBool('--verify-incoming', values['verify-incoming'] ?? 'true'),
    verifyOutgoing: parseBool('--verify-outgoing', values['verify-outgoing'] ?? 'true'),
    tags,
    tagsFile: values['tags-file'],
    eventHandlers,
    handlerTimeoutMs: parseDuration(
      '--event-handler-timeout',
      values['event-handler-timeout'] ?? DEFAULT_HANDLER_TIMEOUT,
    ),
    consulDc,
    snapshot: values.snapshot,
    rejoin,
    replay: parseBool('--replay', values.replay ?? 'false'),
  };
  // Checked after every other flag, so a bad flag elsewhere is still a usage error (exit 2).
  return { ...options, encrypt: values.encrypt === undefined ? undefined : parseKey('--encrypt', values.encrypt) };
}
