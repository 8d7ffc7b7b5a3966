/**
 * Command-line flag primitives shared by the CLI's commands: the FlagError a bad
 * flag raises (the CLI prints it as one line and exits 2), the translation of node:util
 * parseArgs errors into messages that name the flag, and the value parsers (IP:PORT, join
 * address, Go-style duration, one-of-a-set, true/false, KEY=VALUE) and the Go-style optional value
 * of boolean flags.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { isIP } from 'node:net';
import { splitHostPort } from '../net/ip.ts';

/** A bad command line. The message names the flag; the CLI prints it and exits with code 2. */
export class FlagError extends Error {
  override readonly name = 'FlagError';
}

/**
 * parseArgs in strict mode with no positionals, its errors turned into FlagErrors that name the
 * flag: the one way every command parses its flags.
 */
export function parseFlags<const O extends ParseArgsOptionsConfig>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], strict: true, allowPositionals: false, options }).values;
  } catch (err) {
    throw translateParseArgsError(err);
  }
}

/**
 * Like parseFlags, but positional arguments are allowed (at most `maxPositionals`; more is a
 * FlagError naming the first extra one). Flags and positionals may be mixed; `--` ends flags.
 */
export function parseFlagsAndArgs<const O extends ParseArgsOptionsConfig>(
  args: readonly string[],
  options: O,
  maxPositionals: number,
) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], strict: true, allowPositionals: true, options });
  } catch (err) {
    throw translateParseArgsError(err);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new FlagError(`unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`);
  }
  return parsed;
}

/**
 * Boolean flags with an optional value, Go style: `--flag` alone means true, `--flag=false` and
 * `--flag false` set it. parseArgs knows them as string flags, so a bare one (last, or followed by
 * another flag) gets an explicit "=true".
 */
export function withBooleanValues(args: readonly string[], booleanFlags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    const bare = booleanFlags.includes(a) && (next === undefined || next.startsWith('-'));
    out.push(bare ? `${a}=true` : a);
  }
  return out;
}

/**
 * Boolean flags of commands that take positional arguments, exactly as Go's flag package: `--flag`
 * alone means true and never takes the next argument (`join --replay 10.0.0.1:7946`); a value
 * needs `=` (`--flag=false`).
 */
export function withBareBooleans(args: readonly string[], booleanFlags: readonly string[]): string[] {
  const end = args.indexOf('--');
  return args.map((a, i) => ((end < 0 || i < end) && booleanFlags.includes(a) ? `${a}=true` : a));
}

/** "KEY=VALUE" (split at the first "="; the key must not be empty, the value may be). */
export function parseKeyValue(flag: string, text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new FlagError(`${flag}: ${JSON.stringify(text)} is not KEY=VALUE`);
  return [text.slice(0, at), text.slice(at + 1)];
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Turns an error thrown by parseArgs (strict mode) into a FlagError naming the flag, e.g.
 * `unknown flag --bogus`, `--bind: missing value`. Anything else is returned unchanged.
 */
export function translateParseArgsError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? '';
  // parseArgs quotes "--bind <value>" or "-h, --help": keep the long form, drop the placeholder.
  const flag =
    quoted
      .split(/[\s,]+/)
      .filter((t) => t.startsWith('-'))
      .at(-1) ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new FlagError(`unknown flag ${flag}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(err.message)) return new FlagError(`${flag}: takes no value`);
      return new FlagError(`${flag}: missing value`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new FlagError(`unexpected argument ${JSON.stringify(quoted)}`);
    default:
      return err;
  }
}

/** "IP:PORT" with an IP literal ("[v6]:port" for IPv6) and a port in range. */
export function parseHostPort(flag: string, text: string, opts: { allowPortZero?: boolean } = {}): HostPort {
  const bad = (): FlagError => new FlagError(`${flag}: ${JSON.stringify(text)} is not IP:PORT`);
  let parts: { host: string; port: number | undefined };
  try {
    parts = splitHostPort(text);
  } catch {
    throw bad();
  }
  if (isIP(parts.host) === 0 || parts.port === undefined) throw bad();
  if (parts.port === 0 && opts.allowPortZero !== true) {
    throw new FlagError(`${flag}: ${JSON.stringify(text)} needs a port between 1 and 65535`);
  }
  return { host: parts.host, port: parts.port };
}

/**
 * A join address as Memberlist.join takes it: "IP:PORT" or "[v6]:PORT", optionally with a DNS
 * name instead of the IP, a "name/" prefix, or no port (the cluster's port is then assumed).
 */
export function parseJoinAddress(flag: string, text: string): string {
  const bad = (): FlagError => new FlagError(`${flag}: ${JSON.stringify(text)} is not IP:PORT`);
  const rest = text.slice(text.indexOf('/') + 1);
  let host: string;
  try {
    host = splitHostPort(rest).host;
  } catch {
    throw bad();
  }
  if (host === '' || /\s/.test(host)) throw bad();
  if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) throw bad();
  return text;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A positive Go-style duration: "500ms", "10s", "2m", "1h", "1m30s", "1.5s". Returns ms. */
export function parseDuration(flag: string, text: string): number {
  const bad = (): FlagError =>
    new FlagError(`${flag}: ${JSON.stringify(text)} is not a duration (examples: 500ms, 10s, 2m)`);
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) throw bad();
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
  if (!Number.isFinite(total) || total <= 0) {
    throw new FlagError(`${flag}: ${JSON.stringify(text)} must be a positive duration`);
  }
  return total;
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new FlagError(`${flag}: ${JSON.stringify(text)} is not one of ${choices.join(', ')}`);
}

/** A boolean flag's value: true or false (also 1/0, any case), as Go's flag package takes them. */
export function parseBool(flag: string, text: string): boolean {
  const t = text.toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw new FlagError(`${flag}: ${JSON.stringify(text)} is not true or false`);
}

/** A whole number in [min, max], as written in decimal. */
export function parseIntInRange(flag: string, text: string, min: number, max: number): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new FlagError(`${flag}: ${JSON.stringify(text)} is not a whole number from ${min} to ${max}`);
  return n;
}
