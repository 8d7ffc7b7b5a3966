/**
 * Shared helpers for the benchmarks: bounded timing loops, running the Go side, machine facts,
 * command-line flags, and printing a table or the JSON result (`--json`).
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One measurement. `ratio` is always ts / go. For a rate (higher is better) the target is met
 * when ratio ≥ target; for a cost (time, CPU, memory: lower is better) when ratio ≤ target; for
 * an absolute limit (no Go counterpart, `go` and `ratio` null) when ts ≤ target; informational
 * results have no target (`target` and `met` null).
 */
export interface BenchResult {
  name: string;
  unit: string;
  ts: number;
  go: number | null;
  ratio: number | null;
  target: number | null;
  met: boolean | null;
}

type ResultKind = 'rate' | 'cost' | 'limit' | 'info';
const kinds = new WeakMap<BenchResult, ResultKind>();

function tagged(r: BenchResult, kind: ResultKind): BenchResult {
  kinds.set(r, kind);
  return r;
}

/** A rate measured on both sides; the ratio and whether the target is met follow from it. */
export function rateResult(name: string, unit: string, ts: number, go: number, target: number): BenchResult {
  const ratio = ts / go;
  return tagged({ name, unit, ts, go, ratio, target, met: ratio >= target }, 'rate');
}

/** A cost (lower is better) measured on both sides: met when ts / go ≤ target. */
export function costResult(name: string, unit: string, ts: number, go: number, target: number): BenchResult {
  const ratio = ts / go;
  return tagged({ name, unit, ts, go, ratio, target, met: ratio <= target }, 'cost');
}

/** A TypeScript-only measurement with an absolute limit: met when ts ≤ limit. */
export function limitResult(name: string, unit: string, ts: number, limit: number): BenchResult {
  return tagged({ name, unit, ts, go: null, ratio: null, target: limit, met: ts <= limit }, 'limit');
}

/** Both sides measured, no target. */
export function infoResult(name: string, unit: string, ts: number, go: number): BenchResult {
  return tagged({ name, unit, ts, go, ratio: ts / go, target: null, met: null }, 'info');
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Calls per second of `fn`, measured for about `ms` milliseconds after a warm-up. */
export function opsPerSec(ms: number, fn: () => void): number {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 256; i++) fn();
    n += 256;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

export function roundTrip(enc: number, dec: number): number {
  return 1 / (1 / enc + 1 / dec);
}

/** Runs interop/bin/gobench and returns its parsed JSON. */
export function runGoBench(what: string, ms: number): { go: string; results: any[] } {
  const bin = fileURLToPath(new URL('../interop/bin/gobench', import.meta.url));
  return JSON.parse(execFileSync(bin, ['-ms', String(ms), what], { encoding: 'utf8' }));
}

export function machine(): Record<string, unknown> {
  let go = 'unknown';
  try {
    go = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch {
    // go not on PATH: the Go side was built elsewhere
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    go,
    date: new Date().toISOString(),
  };
}

export function printResults(results: BenchResult[], extra: Record<string, unknown> = {}): void {
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ machine: machine(), ...extra, results }, null, 2)}\n`);
    return;
  }
  const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));
  const target = (r: BenchResult): string => {
    const kind = kinds.get(r) ?? 'rate';
    if (kind === 'info' || r.target === null) return '—';
    if (kind === 'limit') return `≤ ${r.target} ${r.unit}`;
    return `${kind === 'rate' ? '≥' : '≤'} ${r.target}×`;
  };
  const rows = results.map((r) => [
    r.name,
    r.unit,
    fmt(r.ts),
    r.go === null ? '—' : fmt(r.go),
    r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`,
    target(r),
    r.met === null ? '—' : r.met ? 'yes' : 'NO',
  ]);
  const head = ['measurement', 'unit', 'TS', 'Go', 'TS/Go', 'target', 'met'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

export function msArg(def: number): number {
  return numArg('--ms', def);
}

/** The number after `flag` on the command line, or `def`. */
export function numArg(flag: string, def: number): number {
  const i = process.argv.indexOf(flag);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new RangeError(`${flag} needs a number`);
  return v;
}

/** Whether this module is the script node was started with (not imported by another). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(moduleUrl) === process.argv[1];
}

let gcFn: (() => void) | undefined;

/** Runs a full garbage collection (exposing gc() on first use if node was started without it). */
export function forceGc(): void {
  if (gcFn === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed !== undefined) gcFn = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
  }
  gcFn();
}
