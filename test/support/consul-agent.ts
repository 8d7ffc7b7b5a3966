/**
 * A real Consul agent for the Consul LAN interop tests: v1.22.0 built from the Go module proxy
 * into interop/bin/consul by scripts/install-consul.sh (run on demand), started as a `-dev`
 * single server on one loopback address with a temporary data directory, driven through its CLI
 * and HTTP API, and killed at the end.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSUL_BIN = fileURLToPath(new URL('../../interop/bin/consul', import.meta.url));
const INSTALL = fileURLToPath(new URL('../../scripts/install-consul.sh', import.meta.url));

/** Builds Consul with scripts/install-consul.sh if the binary is missing (5–7 minutes on 2 cores). */
export function ensureConsul(): void {
  if (!existsSync(CONSUL_BIN)) execFileSync('bash', [INSTALL], { stdio: 'inherit', timeout: 1_500_000 });
  if (!existsSync(CONSUL_BIN))
    throw new Error(`consul is not installed at ${CONSUL_BIN} (see scripts/install-consul.sh)`);
}

/** One row of `consul members`. */
export interface ConsulMemberRow {
  node: string;
  address: string;
  status: string;
  type: string;
  build: string;
  protocol: string;
  dc: string;
}

/** Parses `consul members` text output (columns Node Address Status Type Build Protocol DC …). */
export function parseConsulMembers(text: string): ConsulMemberRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(1).map((l) => {
    const [node, address, status, type, build = '', protocol = '', dc = ''] = l.trim().split(/\s+/);
    return { node, address, status, type, build, protocol, dc };
  });
}

export interface ConsulAgentOptions {
  readonly name: string;
  readonly ip: string;
  readonly dc: string;
}

/**
 * `consul agent -dev` as a single server of `dc` on `ip` only: Consul's usual ports, no DNS or
 * gRPC listeners, no update check. The same for the local binary and the official image.
 */
export function consulDevArgs(o: { name: string; ip: string; dc: string }): string[] {
  return [
    'agent',
    '-dev',
    `-node=${o.name}`,
    `-datacenter=${o.dc}`,
    `-bind=${o.ip}`,
    `-advertise=${o.ip}`,
    `-client=${o.ip}`,
    '-serf-lan-port=8301',
    '-serf-wan-port=8302',
    '-server-port=8300',
    '-http-port=8500',
    '-dns-port=-1',
    '-grpc-port=-1',
    '-grpc-tls-port=-1',
    '-hcl=disable_update_check = true',
  ];
}

export class ConsulAgent {
  readonly name: string;
  readonly ip: string;
  readonly serfLanAddr: string;
  readonly httpAddr: string;
  private readonly dataDir: string;
  private readonly logPath: string;
  private readonly proc: ChildProcess;
  private exited = false;

  private constructor(o: ConsulAgentOptions, proc: ChildProcess, dataDir: string, logPath: string) {
    this.name = o.name;
    this.ip = o.ip;
    this.serfLanAddr = `${o.ip}:8301`;
    this.httpAddr = `http://${o.ip}:8500`;
    this.dataDir = dataDir;
    this.logPath = logPath;
    this.proc = proc;
    proc.on('exit', () => {
      this.exited = true;
    });
  }

  /** Starts a dev-mode server and waits until it leads its datacenter. */
  static async start(o: ConsulAgentOptions): Promise<ConsulAgent> {
    const dataDir = mkdtempSync(join(tmpdir(), 'consul-interop-'));
    const logPath = join(dataDir, 'consul.log');
    const args = [...consulDevArgs(o), `-data-dir=${dataDir}`];
    const fd = openSync(logPath, 'w');
    const proc = spawn(CONSUL_BIN, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const agent = new ConsulAgent(o, proc, dataDir, logPath);
    const end = Date.now() + 30_000;
    for (;;) {
      if (agent.exited) throw new Error(`consul ${o.name} exited:\n${agent.log()}`);
      if (agent.log().includes('Consul agent running!')) {
        try {
          if ((await agent.get<string>('/v1/status/leader')) !== '') return agent;
        } catch {
          // HTTP not up yet
        }
      }
      if (Date.now() > end) {
        await agent.stop();
        throw new Error(`consul ${o.name} did not start:\n${agent.log()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get running(): boolean {
    return !this.exited;
  }

  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  /** Log lines at WARN or ERROR level. */
  problems(): string[] {
    return this.log()
      .split('\n')
      .filter((l) => /\[(WARN|ERROR)\]/.test(l));
  }

  /** GET on the HTTP API, parsed JSON (null for Consul's "no such node"). */
  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.httpAddr}${path}`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** Runs the consul CLI against this agent's HTTP address. */
  cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(CONSUL_BIN, [...args, `-http-addr=${this.httpAddr}`], { timeout: 20_000 }, (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }

  /** `consul members`, parsed. */
  async members(): Promise<ConsulMemberRow[]> {
    const r = await this.cli(['members']);
    if (r.code !== 0) throw new Error(`consul members failed: ${r.stderr}${r.stdout}`);
    return parseConsulMembers(r.stdout);
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
      this.proc.kill('SIGKILL');
      await gone;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
