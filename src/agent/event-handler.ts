/**
 * Running the agent's `--event-handler` scripts, as Serf's agent does: for every event (member
 * events, user events, queries) each script whose filter matches runs under `/bin/sh -c`, one at
 * a time, events in order. The environment adds SERF_EVENT, SERF_SELF_NAME, SERF_SELF_ROLE,
 * SERF_TAG_<NAME> per own tag, SERF_USER_EVENT/SERF_USER_LTIME or SERF_QUERY_NAME/SERF_QUERY_LTIME;
 * stdin carries one `name\taddr\trole\ttags` line per member, or the payload (a newline added
 * when missing). A query's response is the script's stdout, cut to fit the response size limit,
 * sent when the script exits 0 with some output. stderr goes to the agent log. A script still
 * running after the timeout is killed with its process group.
 */
import { spawn } from 'node:child_process';
import type { Logger } from '../core/core-io.ts';
import type { SerfEvent } from '../serf/events.ts';
import type { Member } from '../serf/member.ts';
import type { SerfQuery } from '../serf/query.ts';
import { type EventScript, type FilterableEvent, filterMatches, filterText } from './handler-filter.ts';
import { errorText } from './logger.ts';

/** Most stdout (and stderr) kept from one run, as Serf's agent keeps (8 KiB). */
export const MAX_HANDLER_OUTPUT = 8 * 1024;

/** The node the handlers run on, as the environment describes it. */
export interface HandlerSelf {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** What a filter sees of an event. */
export function filterableEvent(e: SerfEvent): FilterableEvent {
  if (e.type === 'user') return { type: 'user', name: e.name };
  if (e.type === 'query') return { type: 'query', name: e.query.name };
  return { type: e.type };
}

/** A tag name as an environment variable suffix: upper case, anything but A-Z 0-9 _ becomes "_". */
export function tagEnvName(tag: string): string {
  return `SERF_TAG_${tag.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/** The variables a handler gets on top of the agent's own environment. */
export function handlerEnv(self: HandlerSelf, e: SerfEvent): Record<string, string> {
  const env: Record<string, string> = {
    SERF_EVENT: e.type,
    SERF_SELF_NAME: self.name,
    SERF_SELF_ROLE: self.tags.role ?? '',
  };
  for (const [k, v] of Object.entries(self.tags)) env[tagEnvName(k)] = v;
  if (e.type === 'user') {
    env.SERF_USER_EVENT = e.name;
    env.SERF_USER_LTIME = String(e.ltime);
  } else if (e.type === 'query') {
    env.SERF_QUERY_NAME = e.query.name;
    env.SERF_QUERY_LTIME = String(e.query.ltime);
  }
  return env;
}

/** Tabs and newlines in a member line's fields written as \t and \n (Serf's eventClean). */
function clean(v: string): string {
  return v.replaceAll('\t', '\\t').replaceAll('\n', '\\n');
}

/**
 * A member event's stdin line: `name\taddr\trole\tk=v,k=v`. Serf writes the tags in Go's
 * (random) map order; here they are sorted by name, which is one of the orders Serf may produce.
 */
export function memberLine(m: Member): string {
  const tags = Object.keys(m.tags)
    .sort()
    .map((k) => `${k}=${m.tags[k]}`)
    .join(',');
  return `${clean(m.name)}\t${m.addr}\t${clean(m.tags.role ?? '')}\t${clean(tags)}\n`;
}

/** What a handler reads on stdin for the event. */
export function handlerStdin(e: SerfEvent): Uint8Array {
  if (e.type === 'user' || e.type === 'query') {
    const payload = e.type === 'user' ? e.payload : e.query.payload;
    if (payload.length === 0 || payload[payload.length - 1] === 0x0a) return payload;
    const out = new Uint8Array(payload.length + 1);
    out.set(payload);
    out[payload.length] = 0x0a;
    return out;
  }
  return new TextEncoder().encode(e.members.map(memberLine).join(''));
}

/** The longest prefix of `payload` whose response message fits the query's size limit. */
export function fitResponse(query: SerfQuery, payload: Uint8Array): Uint8Array {
  const fits = (n: number): boolean => query.fits(query.encodeResponse(payload.subarray(0, n)).raw);
  if (fits(payload.length)) return payload;
  let lo = 0;
  let hi = payload.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return payload.subarray(0, lo);
}

export interface HandlerRun {
  /** Exit code, or null when killed. */
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly stdout: Uint8Array;
  readonly stderr: string;
}

/** Runs one script for one event; never rejects (a spawn failure is exit code null + stderr). */
export function runScript(
  script: string,
  env: Record<string, string>,
  stdin: Uint8Array,
  timeoutMs: number,
): Promise<HandlerRun> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', script], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    let outSize = 0;
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => {
      if (outSize < MAX_HANDLER_OUTPUT) out.push(c.subarray(0, MAX_HANDLER_OUTPUT - outSize));
      outSize += c.length;
    });
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < MAX_HANDLER_OUTPUT) err += c.toString('utf8').slice(0, MAX_HANDLER_OUTPUT - err.length);
    });
    child.stdin.on('error', () => undefined); // a script that does not read its stdin
    child.stdin.end(stdin);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    let settled = false;
    const finish = (code: number | null, extra = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, timedOut, stdout: new Uint8Array(Buffer.concat(out)), stderr: err + extra });
    };
    child.on('error', (e) => finish(null, e.message));
    // 'close' waits for the pipes; after a kill a grandchild may still hold them, so 'exit' ends it then.
    child.on('close', (code) => finish(code));
    child.on('exit', (code) => {
      if (timedOut) finish(code);
    });
  });
}

export interface EventHandlersOptions {
  readonly scripts: readonly EventScript[];
  readonly self: () => HandlerSelf;
  readonly log: Logger;
  readonly timeoutMs: number;
}

/** Runs the scripts for each event handed to it, one script at a time, events in order. */
export class EventHandlers {
  private readonly o: EventHandlersOptions;
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(o: EventHandlersOptions) {
    this.o = o;
  }

  /** Queues the event; returns at once. */
  handle(e: SerfEvent): void {
    if (this.closed) return;
    const target = filterableEvent(e);
    const scripts = this.o.scripts.filter((s) => filterMatches(s, target));
    if (scripts.length === 0) return;
    this.tail = this.tail.then(async () => {
      for (const s of scripts) {
        if (this.closed) return;
        await this.invoke(s, e).catch((err: unknown) =>
          this.o.log.error({ handler: s.script, err: errorText(err) }, 'event handler could not run'),
        );
      }
    });
  }

  /** Resolves when every queued event has been handled. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Runs nothing more (a script already running finishes). */
  close(): void {
    this.closed = true;
  }

  private async invoke(s: EventScript, e: SerfEvent): Promise<void> {
    const log = this.o.log;
    const fields = { handler: s.script, filter: filterText(s), event: e.type };
    const run = await runScript(s.script, handlerEnv(this.o.self(), e), handlerStdin(e), this.o.timeoutMs);
    if (run.stderr !== '') log.info({ ...fields, stderr: run.stderr }, 'event handler stderr');
    if (run.timedOut) {
      log.warn({ ...fields, timeoutMs: this.o.timeoutMs }, 'event handler timed out and was killed');
      return;
    }
    if (run.code !== 0) {
      log.warn({ ...fields, code: run.code }, 'event handler failed');
      return;
    }
    log.debug({ ...fields, stdoutBytes: run.stdout.length }, 'event handler done');
    if (e.type !== 'query' || run.stdout.length === 0) return;
    const payload = fitResponse(e.query, run.stdout);
    if (payload.length < run.stdout.length) {
      log.warn({ ...fields, bytes: run.stdout.length, sent: payload.length }, 'query response truncated to fit');
    }
    try {
      e.query.respond(payload);
    } catch (err) {
      log.warn({ ...fields, query: e.query.name, err: errorText(err) }, 'could not respond to the query');
    }
  }
}
