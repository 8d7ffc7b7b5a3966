/**
 * `npm run bench`: memberlist-ts against Go memberlist v0.6.0, measured in the same run on the
 * same machine, printed as a table or (`--json`) as {"machine": {...}, "results": [...]}.
 *
 *   codec     encode+decode per message type          (scripts/bench-codec.ts)
 *   crypto    AES-GCM seal+open, LZW on 1400 B         (scripts/bench-crypto.ts)
 *   merge     push/pull merge of a large state, and the event-loop block it causes
 *   memory    marginal RSS and heap per known member
 *   cluster   steady-state CPU and RSS per node in a mixed cluster, and dissemination latency
 *
 *   npm run bench [-- --json] [--quick] [--only codec,merge,...] [--seconds 60] [--nodes 16]
 *                 [--members 10000] [--updates 6] [--ms 300] [--port 7946]
 *
 * Every node process binds an address in 127.0.1.1–127.0.1.80 (cluster 127.0.1.1–40, memory
 * 41–44, merge 45–46; the fictitious members of the pushed states advertise 127.2.x.y:9).
 * Every child is killed when the run ends, fails or is interrupted; the whole run is bounded.
 */
import { benchBuild } from './bench-build.ts';
import { benchCluster } from './bench-cluster.ts';
import { benchCodec } from './bench-codec.ts';
import { benchCrypto } from './bench-crypto.ts';
import { benchMemory } from './bench-memory.ts';
import { benchMerge } from './bench-merge.ts';
import { type BenchResult, numArg, printResults } from './bench-support.ts';

const SECTIONS = ['codec', 'crypto', 'merge', 'memory', 'cluster'] as const;
type Section = (typeof SECTIONS)[number];

const quick = process.argv.includes('--quick');
const bounded = (flag: string, def: number, min: number, max: number): number => {
  const v = numArg(flag, def);
  if (!(v >= min && v <= max)) throw new RangeError(`${flag} must be in [${min}, ${max}]`);
  return v;
};
const ms = bounded('--ms', quick ? 20 : 300, 1, 10_000);
const seconds = bounded('--seconds', quick ? 3 : 60, 1, 600);
const perLang = bounded('--nodes', quick ? 2 : 16, 1, 20);
const members = bounded('--members', quick ? 1000 : 10_000, 1, 20_000);
const updates = bounded('--updates', quick ? 2 : 6, 2, 50);
// --quick uses another port, so a smoke test does not collide with a full run.
const port = bounded('--port', quick ? 7947 : 7946, 1024, 65535);
const onlyIdx = process.argv.indexOf('--only');
const only = new Set<string>(onlyIdx >= 0 ? process.argv[onlyIdx + 1].split(',') : SECTIONS);
for (const s of only) if (!(SECTIONS as readonly string[]).includes(s)) throw new RangeError(`--only: unknown ${s}`);

// The whole run stops by itself: generous for every section, plus the cluster window.
const limitMs = (quick ? 120 : 900) * 1000 + seconds * 1000;
setTimeout(() => {
  console.error(`bench: time limit of ${limitMs / 1000} s reached, stopping`);
  process.exit(1); // the exit hook in bench-procs.ts kills the children
}, limitMs).unref();

const progress = (msg: string): void => {
  process.stderr.write(`bench: ${msg}\n`);
};

const { tsNode } = benchBuild();
const results: BenchResult[] = [];
const want = (s: Section): boolean => only.has(s);

if (want('codec')) {
  progress('codec');
  results.push(...benchCodec(ms).results);
}
if (want('crypto')) {
  progress('crypto');
  results.push(...benchCrypto(ms).results);
}
if (want('merge')) {
  progress(`merge of ${members} members`);
  results.push(
    ...(await benchMerge({ members, reps: quick ? 2 : 9, goIp: '127.0.1.46', tsIp: '127.0.1.45', port, tsNode })),
  );
}
if (want('memory')) {
  progress('memory per member');
  results.push(
    ...(await benchMemory({
      small: quick ? 100 : 1000,
      large: quick ? 1000 : 10_000,
      settleMs: quick ? 500 : 3000,
      runs: quick ? 1 : 5,
      ips: ['127.0.1.41', '127.0.1.42', '127.0.1.43', '127.0.1.44'],
      port,
      tsNode,
    })),
  );
}
if (want('cluster')) {
  progress(`cluster of ${perLang}+${perLang} nodes, ${seconds} s steady state, ${updates} updates`);
  results.push(
    ...(await benchCluster({
      tsNodes: perLang,
      goNodes: perLang,
      seconds,
      updates,
      ipPrefix: '127.0.1.',
      ipFirst: 1,
      port,
      tsNode,
    })),
  );
}

printResults(results);
process.exit(0);
