/**
 * Child processes for the benchmarks: spawning nodes that speak JSON lines (gonode, gobench
 * memnode, scripts/bench-node.ts), waiting for their events with a time limit, and killing every
 * child we started when the benchmark ends — normally, on an error or on SIGINT/SIGTERM. Also
 * reads a process's CPU time and RSS from /proc.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** One JSON-lines event from a child, with the time (performance.now()) we read it. */
export interface ChildEvent {
  readonly at: number;
  readonly ev: Record<string, any>;
}

const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const p of live) {
    if (p.exitCode === null && p.signalCode === null && p.pid !== undefined) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  live.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

export const goBin = (name: string): string => fileURLToPath(new URL(`../interop/bin/${name}`, import.meta.url));

/** A child process whose stdout is JSON lines and whose stdin takes JSON-line commands. */
export class JsonChild {
  readonly label: string;
  readonly proc: ChildProcess;
  private readonly events: ChildEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private stderr = '';

  constructor(label: string, cmd: string, args: readonly string[]) {
    hookExit();
    this.label = label;
    this.proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(this.proc);
    this.proc.on('exit', () => {
      live.delete(this.proc);
      this.wake();
    });
    this.proc.on('error', (err) => {
      this.stderr += String(err);
      this.wake();
    });
    this.proc.stdin?.on('error', () => {});
    this.proc.stderr?.on('data', (d: Buffer) => {
      if (this.stderr.length < 8192) this.stderr += d.toString();
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      let ev: Record<string, any>;
      try {
        ev = JSON.parse(line);
      } catch {
        return;
      }
      if (ev.event === 'log') return; // gonode's memberlist log lines
      this.events.push({ at: performance.now(), ev });
      this.wake();
    });
  }

  get pid(): number {
    if (this.proc.pid === undefined) throw new Error(`${this.label} did not start: ${this.stderr}`);
    return this.proc.pid;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  send(line: string | object): void {
    this.proc.stdin?.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);
  }

  /** Events seen so far that match `pred` (and forgets them). */
  take(pred: (ev: Record<string, any>) => boolean): ChildEvent[] {
    const hits: ChildEvent[] = [];
    for (let i = 0; i < this.events.length;) {
      if (pred(this.events[i].ev)) hits.push(...this.events.splice(i, 1));
      else i++;
    }
    return hits;
  }

  /** The first event matching `pred` (consumed), waiting at most `timeoutMs`. */
  async waitFor(pred: (ev: Record<string, any>) => boolean, timeoutMs: number, what = 'event'): Promise<ChildEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const [hit] = this.take(pred);
      if (hit !== undefined) return hit;
      if (this.exited) throw new Error(`${this.label} exited while waiting for ${what}: ${this.stderr.trim()}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.label}: no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          this.waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  /** Sends a gonode-style command and waits for its reply. */
  async request(cmd: Record<string, unknown>, timeoutMs = 10_000): Promise<Record<string, any>> {
    const id = `${cmd.cmd}-${Math.random().toString(36).slice(2)}`;
    this.send({ ...cmd, id });
    const { ev } = await this.waitFor((e) => e.event === 'reply' && e.id === id, timeoutMs, `reply to ${cmd.cmd}`);
    return ev;
  }

  /** Closes stdin (the node shuts down), then kills it if it has not gone within `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.stdin?.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(t);
  }
}

/** Stops all the children, in parallel. */
export async function stopAll(children: readonly JsonChild[]): Promise<void> {
  await Promise.all(children.map((c) => c.stop()));
}

let clockTicks: number | undefined;

/**
 * CPU seconds a process has used so far: the on-CPU nanoseconds of each of its threads
 * (/proc/<pid>/task/<tid>/schedstat, first field), summed — nanosecond resolution, where
 * utime + stime in /proc/<pid>/stat count 10 ms ticks and read 0 for an idle Go node over a
 * short (--quick) window. Falls back to utime + stime where schedstat is missing. Threads that
 * exited are not counted; a node's threads live as long as it does.
 */
export function cpuSeconds(pid: number): number {
  if (existsSync('/proc/self/schedstat')) {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread exited while we listed them
      }
    }
    return ns / 1e9;
  }
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks; // utime, stime (fields 14, 15)
}

/** Resident set size in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
