/**
 * Marginal memory per known member, memberlist-ts against Go memberlist v0.6.0: four fresh node
 * processes (TypeScript scripts/bench-node.ts and Go gobench memnode, LAN profile), each told
 * about `small` or `large` members by one push/pull over TCP; after `settleMs` each reports its
 * live heap after a full GC (V8 heapUsed + ArrayBuffers; Go HeapAlloc) and we read its RSS from
 * /proc. Per member = (large − small) / (large members − small members). The alive broadcasts
 * for the new members are still queued on both sides at that point, as on any node just after
 * it learned them.
 */
import { JsonChild, goBin, rssBytes, sleep, stopAll } from './bench-procs.ts';
import { pushState, remoteState } from './bench-pushpull.ts';
import { type BenchResult, costResult } from './bench-support.ts';

export interface MemoryOptions {
  readonly small: number;
  readonly large: number;
  readonly settleMs: number;
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

export async function benchMemory(o: MemoryOptions): Promise<BenchResult[]> {
  const [tsSmall, tsLarge, goSmall, goLarge] = await Promise.all([
    measure('ts', o.ips[0], o.small, o),
    measure('ts', o.ips[1], o.large, o),
    measure('go', o.ips[2], o.small, o),
    measure('go', o.ips[3], o.large, o),
  ]);
  const per = (a: Sample, b: Sample, k: keyof Sample): number => (b[k] - a[k]) / (o.large - o.small);
  const span = `${o.small.toLocaleString('en-US')}→${o.large.toLocaleString('en-US')}`;
  return [
    costResult(
      `memory.rssPerMember (${span})`,
      'bytes',
      per(tsSmall, tsLarge, 'rss'),
      per(goSmall, goLarge, 'rss'),
      TARGET_RATIO,
    ),
    costResult(
      `memory.heapPerMember (${span})`,
      'bytes',
      per(tsSmall, tsLarge, 'heap'),
      per(goSmall, goLarge, 'heap'),
      TARGET_RATIO,
    ),
  ];
}
