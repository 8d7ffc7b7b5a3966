/**
 * Drives a real Go memberlist node (interop/bin/gonode) from tests: starts it, collects its JSON
 * event lines, sends commands, waits for events, and always kills it at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { interopBin } from './interop.ts';

export type GoEvent = { event: string; [k: string]: any };

export class GoNode {
  readonly events: GoEvent[] = [];
  readonly name: string;
  addr = '';
  port = 0;
  private readonly proc: ChildProcess;
  private readonly waiters = new Set<() => void>();
  private nextId = 1;
  private exited = false;
  private stderr = '';

  private constructor(name: string, args: string[]) {
    this.name = name;
    this.proc = spawn(interopBin('gonode'), ['--name', name, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as GoEvent);
      } catch {
        this.events.push({ event: 'garbage', line });
      }
      for (const w of this.waiters) w();
    });
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.proc.on('exit', () => {
      this.exited = true;
      for (const w of this.waiters) w();
    });
  }

  /** Starts a node and waits until it is listening. */
  static async start(name: string, args: string[] = []): Promise<GoNode> {
    const n = new GoNode(name, args);
    running.add(n);
    const ready = await n.waitFor((e) => e.event === 'ready', 15_000);
    n.addr = ready.addr;
    n.port = ready.port;
    return n;
  }

  get address(): string {
    return `${this.addr}:${this.port}`;
  }

  /** Log lines Go memberlist printed at the given levels. */
  logs(levels: string[] = ['ERR', 'WARN']): string[] {
    return this.events.filter((e) => e.event === 'log' && levels.includes(e.level)).map((e) => e.line as string);
  }

  /** Resolves with the first event (past or future) matching `pred`. */
  waitFor(pred: (e: GoEvent) => boolean, timeoutMs = 10_000): Promise<GoEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.events.find(pred);
        if (hit !== undefined) {
          cleanup();
          resolve(hit);
          return true;
        }
        if (this.exited) {
          cleanup();
          reject(new Error(`gonode ${this.name} exited: ${this.stderr}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`gonode ${this.name}: timed out after ${timeoutMs} ms; stderr: ${this.stderr}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = (): void => {
        check();
      };
      if (!check()) this.waiters.add(waiter);
    });
  }

  /** Sends a command and resolves with its reply (rejects if the reply says it failed). */
  async command(cmd: Record<string, unknown>, timeoutMs = 15_000): Promise<GoEvent> {
    const id = this.nextId++;
    this.proc.stdin!.write(`${JSON.stringify({ ...cmd, id })}\n`);
    const reply = await this.waitFor((e) => e.event === 'reply' && e.id === id, timeoutMs);
    if (!reply.ok) throw new Error(`gonode ${this.name} ${String(cmd.cmd)}: ${reply.error}`);
    return reply;
  }

  /** Members as the Go node sees them. */
  async members(): Promise<{ name: string; state: string; addr: string; port: number; meta: string }[]> {
    return (await this.command({ cmd: 'members' })).members ?? [];
  }

  async stop(): Promise<void> {
    running.delete(this);
    if (this.exited) return;
    this.proc.stdin!.end();
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.proc.kill(signal);
  }
}

const running = new Set<GoNode>();

/** Stops every node still running (call from afterAll/afterEach). */
export async function stopAllGoNodes(): Promise<void> {
  await Promise.all([...running].map((n) => n.stop()));
}
