/**
 * `npm run bench` in its quick form (tiny sizes, a 3-second cluster window, its own port): the
 * whole pipeline runs — Go side, node processes, every section — and prints the JSON document
 * issue #6 specifies. The numbers themselves are not checked.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('npm run bench -- --quick --json prints machine facts and one entry per measurement', () => {
  const script = fileURLToPath(new URL('../scripts/bench.ts', import.meta.url));
  const out = execFileSync(process.execPath, [script, '--quick', '--json'], {
    encoding: 'utf8',
    timeout: 55_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const doc = JSON.parse(out);
  expect(Object.keys(doc)).toEqual(['machine', 'results']);
  expect(doc.machine).toMatchObject({ cpu: expect.any(String), cores: expect.any(Number), node: process.version });
  expect(doc.machine).toHaveProperty('memoryGiB');
  expect(doc.machine).toHaveProperty('go');

  const names: string[] = doc.results.map((r: { name: string }) => r.name);
  for (const prefix of [
    'codec.alive',
    'aes-gcm-128',
    'lzw-1400',
    'merge.fresh',
    'merge.known',
    'eventLoopBlock.fresh',
  ]) {
    expect(names.some((n) => n.startsWith(prefix))).toBe(true);
  }
  for (const prefix of [
    'memory.rssPerMember (',
    'memory.rssPerMember.beforeMallocTrim',
    'memory.rssPerMember.afterMerge',
    'memory.heapPerMember',
    'cluster.cpuPerNode',
    'cluster.rssPerNode',
  ]) {
    expect(names.some((n) => n.startsWith(prefix))).toBe(true);
  }
  expect(names.some((n) => n.startsWith('dissemination.median'))).toBe(true);
  expect(new Set(names).size).toBe(names.length);

  for (const r of doc.results) {
    expect(Object.keys(r)).toEqual(['name', 'unit', 'ts', 'go', 'ratio', 'target', 'met']);
    expect(typeof r.unit).toBe('string');
    expect(Number.isFinite(r.ts)).toBe(true);
    if (r.go === null) {
      expect(r.ratio).toBeNull(); // a TypeScript-only limit (the event-loop block)
      expect(typeof r.target).toBe('number');
    } else {
      expect(r.ratio).toBeCloseTo(r.ts / r.go, 6);
    }
    if (r.target === null) expect(r.met).toBeNull();
    else expect(typeof r.met).toBe('boolean');
  }
}, 60_000);
