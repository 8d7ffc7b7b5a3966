/**
 * The simulator script (npm run simulate) runs the real core on the in-memory network and prints
 * the JSON document issue #6 specifies.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('npm run simulate -- --json prints the planner document', () => {
  const script = fileURLToPath(new URL('../scripts/simulate.ts', import.meta.url));
  const out = execFileSync(process.execPath, [script, '--nodes', '40', '--seconds', '30', '--seed', '3', '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const r = JSON.parse(out);
  expect(Object.keys(r).sort()).toEqual(
    [
      'bytesPerNodePerSec',
      'detection',
      'dissemination',
      'falsePositives',
      'msgsPerNodePerSec',
      'nodes',
      'seed',
      'simulatedSeconds',
      'wallSeconds',
    ].sort(),
  );
  expect(r.nodes).toBe(40);
  expect(r.dissemination.p9999).toBeLessThan(2.5);
  expect(r.detection.deadByAll).toBeLessThan(60);
  expect(r.falsePositives).toBe(0);
  // Same seed, same simulated results.
  const again = JSON.parse(
    execFileSync(process.execPath, [script, '--nodes', '40', '--seconds', '30', '--seed', '3', '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
    }),
  );
  expect({ ...again, wallSeconds: 0 }).toEqual({ ...r, wallSeconds: 0 });
}, 120_000);

it('--seeds runs one simulation per seed, then prints the medians; --converged starts without joins', () => {
  const script = fileURLToPath(new URL('../scripts/simulate.ts', import.meta.url));
  const out = execFileSync(
    process.execPath,
    [script, '--nodes', '300', '--seconds', '30', '--seeds', '4,5,6', '--converged', '--json'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines.map((l) => l.seed)).toEqual([4, 5, 6, undefined]);
  const summary = lines[3];
  expect(summary.seeds).toEqual([4, 5, 6]);
  const dead = lines
    .slice(0, 3)
    .map((l) => l.detection.deadByAll)
    .sort((a: number, b: number) => a - b);
  expect(summary.median.detection.deadByAll).toBe(dead[1]);
  for (const l of lines.slice(0, 3)) {
    expect(l.falsePositives).toBe(0);
    expect(l.dissemination.p9999).toBeLessThan(2.5);
  }
}, 120_000);
