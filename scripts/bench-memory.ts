/**
 * Marginal memory per known member, memberlist-ts against Go memberlist v0.6.0: four fresh node
 * processes (TypeScript scripts/bench-node.ts and Go gobench memnode, LAN profile), each told
 * about `small` or `large` members by one push/pull over TCP; after `settleMs` each reports its
 * live heap after a full GC (V8 heapUsed + ArrayBuffers; Go HeapAlloc) and we read its RSS from
 * /proc. Per member = (large − small) / (large members − small members). The alive broadcasts
 * for the new members are still queued on both sides at that point, as on any node just after
 * it learned them.
 *
 * RSS after a merge moves a lot from one process to the next on both sides (single
 * measurements over one day: ours 630 to 2,090 B per member, Go's 560 to 1,540), with how far
 * each runtime grew its heap for the burst and kept it, so each side's figure is the median of
 * `runs` such measurements (four new processes each time).
 */
import { JsonChild, goBin, rssBytes, sleep, stopAll } from './bench-procs.ts';
import { pushState, remoteState } from './bench-pushpull.ts';
import { type BenchResult, costResult, median } from './bench-support.ts';

export interface MemoryOptions {
  readonly small: number;
  readonly large: number;
  readonly settleMs: number;
  /** Measurements (four new processes each); each side's median is reported. */
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

async function measure(lang: 'ts' | 'go', ip: string, members: number, o: MemoryOptions): Promise<Sample> {
  const name = `${lang}-mem-${members}`;
  const node =
    lang === 'ts'
      ? new JsonChild(name, process.execPath, ['--expose-gc', o.tsNode, '--name', name, '--bind', `${ip}:${o.port}`])
      : new JsonChild(name, goBin('gobench'), ['-name', name, '-bind', `${ip}:${o.port}`, 'memnode']);
  try {
    await node.waitFor((e) => e.event === 'ready', 20_000, 'ready');
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
async function perMember(o: MemoryOptions): Promise<{ ts: Sample; go: Sample }> {
  const [tsSmall, tsLarge, goSmall, goLarge] = await Promise.all([
    measure('ts', o.ips[0], o.small, o),
    measure('ts', o.ips[1], o.large, o),
    measure('go', o.ips[2], o.small, o),
    measure('go', o.ips[3], o.large, o),
  ]);
  const per = (a: Sample, b: Sample): Sample => ({
    rss: (b.rss - a.rss) / (o.large - o.small),
    heap: (b.heap - a.heap) / (o.large - o.small),
  });
  return { ts: per(tsSmall, tsLarge), go: per(goSmall, goLarge) };
}

export async function benchMemory(o: MemoryOptions): Promise<BenchResult[]> {
  const runs: { ts: Sample; go: Sample }[] = [];
  for (let i = 0; i < o.runs; i++) runs.push(await perMember(o));
  const of = (side: 'ts' | 'go', k: keyof Sample): number => median(runs.map((r) => r[side][k]));
  const span = `${o.small.toLocaleString('en-US')}→${o.large.toLocaleString('en-US')}`;
  return [
    costResult(`memory.rssPerMember (${span})`, 'bytes', of('ts', 'rss'), of('go', 'rss'), TARGET_RATIO),
    costResult(`memory.heapPerMember (${span})`, 'bytes', of('ts', 'heap'), of('go', 'heap'), TARGET_RATIO),
  ];
}
