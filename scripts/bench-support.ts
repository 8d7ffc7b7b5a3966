/**
 * Shared helpers for the benchmarks: bounded timing loops, running the Go side, machine facts,
 * and printing a table or the JSON result (`--json`).
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  name: string;
  unit: string;
  ts: number;
  go: number;
  /** ts / go for rates (higher is better for TS), go / ts for costs. */
  ratio: number;
  target: number;
  met: boolean;
}

/** A rate measured on both sides; the ratio and whether the target is met follow from it. */
export function rateResult(name: string, unit: string, ts: number, go: number, target: number): BenchResult {
  const ratio = ts / go;
  return { name, unit, ts, go, ratio, target, met: ratio >= target };
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
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
  };
}

export function printResults(results: BenchResult[], extra: Record<string, unknown> = {}): void {
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ machine: machine(), ...extra, results }, null, 2)}\n`);
    return;
  }
  const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));
  const rows = results.map((r) => [
    r.name,
    r.unit,
    fmt(r.ts),
    fmt(r.go),
    `${r.ratio.toFixed(2)}×`,
    `≥ ${r.target}×`,
    r.met ? 'yes' : 'NO',
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
  const i = process.argv.indexOf('--ms');
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
