/**
 * Real Serf agents for interop tests: Debian's serf 0.9.4 (/usr/bin/serf) and serf v0.10.2 built
 * from the Go module proxy (interop/bin/serf), installed on demand by scripts/install-serf.sh.
 * Each agent runs on its own 127.0.0.x address with -profile local and -log-level debug, logs to
 * a file, is driven through its CLI (RPC), and is killed at the end.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SerfBinary {
  /** A label for test names. */
  readonly label: string;
  readonly path: string;
}

const DEBIAN = '/usr/bin/serf';
const BUILT = fileURLToPath(new URL('../../interop/bin/serf', import.meta.url));
const INSTALL = fileURLToPath(new URL('../../scripts/install-serf.sh', import.meta.url));

/** The two Serf agents the interop tests run against. */
export const SERF_BINARIES: readonly SerfBinary[] = [
  { label: 'serf 0.9.4 (Debian)', path: DEBIAN },
  { label: 'serf v0.10.2 (module proxy)', path: BUILT },
];

/** Runs scripts/install-serf.sh if a binary is missing; throws if `bin` is still missing. */
export function ensureSerf(bin: SerfBinary): void {
  if (!existsSync(bin.path)) execFileSync('bash', [INSTALL], { stdio: 'inherit', timeout: 300_000 });
  if (!existsSync(bin.path))
    throw new Error(`${bin.label} is not installed at ${bin.path} (see scripts/install-serf.sh)`);
}

export interface SerfMemberJson {
  name: string;
  addr: string;
  port: number;
  tags: Record<string, string>;
  status: string;
  protocol: { min: number; max: number; version: number };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface AgentOptions {
  readonly bin: string;
  readonly name: string;
  readonly ip: string;
  readonly port?: number;
  readonly rpcPort?: number;
  readonly tags?: Record<string, string>;
  /** Base64 keys, primary first: written to a keyring file passed with -keyring-file. */
  readonly keys?: string[];
  readonly join?: string;
  /** -event-handler values. */
  readonly eventHandlers?: string[];
}

const live = new Set<SerfAgent>();
let workDir: string | undefined;

/** A scratch directory for agent logs, keyring files and handler output. */
export function serfWorkDir(): string {
  workDir ??= mkdtempSync(join(tmpdir(), 'serf-interop-'));
  return workDir;
}

export class SerfAgent {
  readonly name: string;
  readonly bin: string;
  readonly bindAddr: string;
  readonly rpcAddr: string;
  readonly logPath: string;
  readonly keyringPath: string | undefined;
  private readonly proc: ChildProcess;
  private exited = false;
  private code: number | null = null;

  private constructor(o: AgentOptions, proc: ChildProcess, logPath: string, keyringPath: string | undefined) {
    this.name = o.name;
    this.bin = o.bin;
    this.bindAddr = `${o.ip}:${o.port ?? 7946}`;
    this.rpcAddr = `${o.ip}:${o.rpcPort ?? 7373}`;
    this.logPath = logPath;
    this.keyringPath = keyringPath;
    this.proc = proc;
    proc.on('exit', (code) => {
      this.exited = true;
      this.code = code;
    });
  }

  static async start(o: AgentOptions): Promise<SerfAgent> {
    const dir = serfWorkDir();
    const logPath = join(dir, `${o.name}.log`);
    const args = [
      'agent',
      `-node=${o.name}`,
      `-bind=${o.ip}:${o.port ?? 7946}`,
      `-rpc-addr=${o.ip}:${o.rpcPort ?? 7373}`,
      '-profile=local',
      '-log-level=debug',
    ];
    for (const [k, v] of Object.entries(o.tags ?? {})) args.push('-tag', `${k}=${v}`);
    let keyringPath: string | undefined;
    if (o.keys !== undefined) {
      keyringPath = join(dir, `${o.name}.keyring`);
      writeFileSync(keyringPath, JSON.stringify(o.keys), { mode: 0o600 });
      args.push(`-keyring-file=${keyringPath}`);
    }
    if (o.join !== undefined) args.push(`-join=${o.join}`);
    for (const h of o.eventHandlers ?? []) args.push(`-event-handler=${h}`);
    const fd = openSync(logPath, 'w');
    const proc = spawn(o.bin, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const agent = new SerfAgent(o, proc, logPath, keyringPath);
    live.add(agent);
    const end = Date.now() + 15_000;
    for (;;) {
      if (agent.exited) throw new Error(`serf agent ${o.name} exited:\n${agent.log()}`);
      if (agent.log().includes('Serf agent running!')) {
        const r = await agent.cli(['members']);
        if (r.code === 0) return agent;
      }
      if (Date.now() > end) throw new Error(`serf agent ${o.name} did not start:\n${agent.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** False once the agent process has exited (killed, or shut down by itself). */
  get running(): boolean {
    return !this.exited;
  }

  /** The exit code once the process has exited by itself (null while running or when killed). */
  get exitCode(): number | null {
    return this.code;
  }

  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * Log lines at ERR or WARN level, except the agent's RPC server reporting a CLI process that
   * hung up (`agent.ipc: Failed to stream response to ipc.client … connection reset by peer`):
   * that is the CLI plumbing of the tests, not gossip.
   */
  problems(): string[] {
    return this.log()
      .split('\n')
      .filter((l) => /\[(ERR|WARN)\]/.test(l) && !/\] agent\.ipc: /.test(l));
  }

  /** Runs `serf <command> -rpc-addr=… <args>`. */
  cli(args: string[], timeoutMs = 20_000): Promise<CliResult> {
    const [command, ...rest] = args;
    return new Promise((resolve) => {
      execFile(
        this.bin,
        [command, `-rpc-addr=${this.rpcAddr}`, ...rest],
        { timeout: timeoutMs },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });
  }

  async members(): Promise<SerfMemberJson[]> {
    const r = await this.cli(['members', '-format=json']);
    if (r.code !== 0) throw new Error(`serf members failed: ${r.stderr}${r.stdout}`);
    return (JSON.parse(r.stdout) as { members: SerfMemberJson[] }).members;
  }

  async member(name: string): Promise<SerfMemberJson | undefined> {
    return (await this.members()).find((m) => m.name === name);
  }

  async stop(): Promise<void> {
    live.delete(this);
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGKILL');
    await gone;
  }
}

export async function stopAllAgents(): Promise<void> {
  await Promise.all([...live].map((a) => a.stop()));
}
