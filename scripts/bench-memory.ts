/**
 * Marginal memory per known member, memberlist-ts against Go memberlist v0.6.0: four node
 * processes (TypeScript scripts/bench-node.ts and Go gobench memnode, LAN profile), each told
 * about `small` or `large` members by one push/pull over TCP; after `settleMs` each reports its
 * live heap after a full GC (V8 heapUsed + ArrayBuffers; Go HeapAlloc) and we read its RSS from
 * /proc. Per member = (large − small) / (large members − small members). The alive broadcasts
 * for the new members are still queued on both sides at that point, as on any node just after
 * it learned them.
 *
 * RSS after a merge moves a lot from one process to the next on both sides (over one day's
 * single measurements: Go's 560 to 1,520 B per member, ours 630 to 2,090), so the target rows
 * are each side's median of `runs` measurements with warmed-up processes, then one with new
 * processes is reported beside them (`.cold`, no target). A warmed-up process has first merged
 * a state of `large` other members WARMUP times into throwaway nodes and kept nothing of them
 * (ours empties the decoder's caches after each, decode-caches.ts), as a node that has been up
 * a while has run its merge code and sized its heap, with no explicit GC after. It takes out a
 * one-off cost that is not per member: V8 optimising the merge code (29 TurboFan compilations
 * on a new process's first 10,000-member merge, 6 on a 1,000-member one, their compiler memory
 * on worker threads kept by the allocator: 300–450 B per member of a cold measurement). What
 * it leaves, and what a node learning that many members does pay: V8 sizes its young
 * generation by how much survives, so the large merge grows it (here to 16 MiB semi-spaces,
 * about 5–15 MiB more resident than the small process, whose young generation has shrunk
 * again), and an idle Node process keeps those pages (it never runs V8's memory reducer). A
 * warmed-up Go process reuses the heap its warm-up grew, so its RSS per member is lower warm
 * than cold; ours is steadier warm (1,220–1,460) than cold.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonChild, goBin, rssBytes, sleep, stopAll } from './bench-procs.ts';
import { pushState, remoteState } from './bench-pushpull.ts';
import { type BenchResult, costResult, infoResult, median } from './bench-support.ts';

export interface MemoryOptions {
  readonly small: number;
  readonly large: number;
  readonly settleMs: number;
  /** Warmed-up measurements (four new processes each); each side's median is reported. */
  readonly runs: number;
  /** Four IPs: TypeScript small, TypeScript large, Go small, Go large (all on `port`). */
  readonly ips: readonly [string, string, string, string];
  readonly port: number;
  /** The compiled scripts/bench-node.ts. */
  readonly tsNode: string;
}

interface Sample {
  heap: number;
  rss: number;
}

const TARGET_RATIO = 1.0;
/** Warm-up merges of a `large`-member state before a warmed-up process starts its node. */
const WARMUP = 5;

/** One node process; `warmState` is the file of the warm-up state, or undefined for a new process. */
async function measure(
  lang: 'ts' | 'go',
  ip: string,
  members: number,
  o: MemoryOptions,
  warmState: string | undefined,
): Promise<Sample> {
  const name = `${lang}-mem-${members}`;
  const tsWarm = warmState === undefined ? [] : ['--warm-state', warmState, '--warm', String(WARMUP)];
  const goWarm = warmState === undefined ? [] : ['-state', warmState, '-warmup', String(WARMUP)];
  const node =
    lang === 'ts'
      ? new JsonChild(name, process.execPath, [
          '--expose-gc',
          o.tsNode,
          ...tsWarm,
          '--name',
          name,
          '--bind',
          `${ip}:${o.port}`,
        ])
      : new JsonChild(name, goBin('gobench'), [...goWarm, '-name', name, '-bind', `${ip}:${o.port}`, 'memnode']);
  try {
    await node.waitFor((e) => e.event === 'ready', 60_000, 'ready');
    await pushState(ip, o.port, remoteState(members), false);
    await sleep(o.settleMs);
    let r: Record<string, any>;
    if (lang === 'ts') r = await node.request({ cmd: 'mem' }, 30_000);
    else {
      node.send('mem');
      r = (await node.waitFor((e) => e.event === 'mem', 30_000, 'mem')).ev;
    }
    if (r.members !== members + 1) throw new Error(`${name} knows ${r.members} members, expected ${members + 1}`);
    return { heap: r.heap, rss: rssBytes(node.pid) };
  } finally {
    await stopAll([node]);
  }
}

/** Per-member RSS and heap, each side, from one small and one large process per side. */
async function perMember(o: MemoryOptions, warmState: string | undefined): Promise<{ ts: Sample; go: Sample }> {
  const [tsSmall, tsLarge, goSmall, goLarge] = await Promise.all([
    measure('ts', o.ips[0], o.small, o, warmState),
    measure('ts', o.ips[1], o.large, o, warmState),
    measure('go', o.ips[2], o.small, o, warmState),
    measure('go', o.ips[3], o.large, o, warmState),
  ]);
  const per = (a: Sample, b: Sample): Sample => ({
    rss: (b.rss - a.rss) / (o.large - o.small),
    heap: (b.heap - a.heap) / (o.large - o.small),
  });
  return { ts: per(tsSmall, tsLarge), go: per(goSmall, goLarge) };
}

/** Each side's median of `runs` measurements, field by field. */
function medianOf(runs: readonly { ts: Sample; go: Sample }[]): { ts: Sample; go: Sample } {
  const of = (side: 'ts' | 'go', k: keyof Sample): number => median(runs.map((r) => r[side][k]));
  return {
    ts: { rss: of('ts', 'rss'), heap: of('ts', 'heap') },
    go: { rss: of('go', 'rss'), heap: of('go', 'heap') },
  };
}

export async function benchMemory(o: MemoryOptions): Promise<BenchResult[]> {
  const file = join(tmpdir(), `memberlist-bench-warm-${process.pid}.bin`);
  writeFileSync(file, remoteState(o.large, 'warm', 77));
  const runs: { ts: Sample; go: Sample }[] = [];
  try {
    for (let i = 0; i < o.runs; i++) runs.push(await perMember(o, file));
  } finally {
    rmSync(file, { force: true });
  }
  const warm = medianOf(runs);
  const cold = await perMember(o, undefined);
  const span = `${o.small.toLocaleString('en-US')}→${o.large.toLocaleString('en-US')}`;
  return [
    costResult(`memory.rssPerMember (${span})`, 'bytes', warm.ts.rss, warm.go.rss, TARGET_RATIO),
    costResult(`memory.heapPerMember (${span})`, 'bytes', warm.ts.heap, warm.go.heap, TARGET_RATIO),
    infoResult(`memory.rssPerMember.cold (${span}, new processes)`, 'bytes', cold.ts.rss, cold.go.rss),
    infoResult(`memory.heapPerMember.cold (${span}, new processes)`, 'bytes', cold.ts.heap, cold.go.heap),
  ];
}
