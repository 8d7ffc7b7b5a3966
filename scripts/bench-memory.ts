/**
 * Marginal memory per known member, memberlist-ts against Go memberlist v0.6.0: four fresh node
 * processes (TypeScript scripts/bench-node.ts and Go gobench memnode, LAN profile), each told
 * about `small` or `large` members by one push/pull over TCP. After `settleMs` each reports its
 * live heap after a full GC (V8 heapUsed + ArrayBuffers; Go HeapAlloc) and we read its RSS from
 * /proc (`afterMerge`); then each runs its runtime's own call for giving free memory back to the
 * system — V8's last-resort GC (`gc({flavor: 'last-resort'})`: memory-reducing full GCs and the
 * release of its pooled pages) and Go's debug.FreeOSMemory — and we read RSS again
 * (`released`). Then the free memory of the other allocator a Node process has, glibc's malloc
 * (ArrayBuffer backing stores, V8's compiler zones, Node's own), goes back too: `malloc_trim(0)`
 * called in the TypeScript process through gdb, then both runtimes release once more and we
 * read RSS a last time (`retained`, the target row). Go's heap is its runtime's own, which
 * FreeOSMemory has given back already (gdb is not attached to the Go process: a C call on a
 * goroutine's stack is not safe; its second release just keeps the two procedures alike).
 * Per member = (large − small) / (large members − small members). The alive broadcasts for the
 * new members are still queued on both sides, as on any node just after it learned them.
 *
 * What the three RSS figures differ by is free memory the runtime keeps. V8 grows its young
 * generation for a burst whose allocations mostly survive, and on shrinking it keeps the pages in
 * a pool that only a memory-reducing GC empties — which V8's memory reducer runs by itself about
 * 100 s later in an idle node (its watchdog): `afterMerge` holds them, `released` not. glibc
 * keeps what was freed in its arenas until a later allocation reuses it, returning only a large
 * free top of an arena by itself; nothing in Node calls malloc_trim. Before the trim this was
 * 4–12 MiB a process and the noisiest part of our RSS (the arenas of V8's compiler threads,
 * which compiled the merge path, vary by ±1.5 MiB from one process to the next); after it the
 * TypeScript processes of each size are within about 2 MiB of each other. Go's scavenger
 * returns free pages in the background on its own schedule; FreeOSMemory returns them all.
 *
 * RSS still moves from one process to the next on both sides, so each side's figure is the
 * median of `runs` such measurements (four new processes each time).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { JsonChild, goBin, rssBytes, sleep, stopAll } from './bench-procs.ts';
import { pushState, remoteState } from './bench-pushpull.ts';
import { type BenchResult, costResult, infoResult, median } from './bench-support.ts';

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
  /** RSS after an ordinary full GC. */
  afterMerge: number;
  /** RSS after the runtime gave free memory back to the system. */
  released: number;
  /** RSS after that and malloc_trim (ours), and the runtime's release again (both). */
  retained: number;
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
    const r = await mem(node, lang, false);
    if (r.members !== members + 1) throw new Error(`${name} knows ${r.members} members, expected ${members + 1}`);
    const afterMerge = rssBytes(node.pid);
    await mem(node, lang, true);
    const released = rssBytes(node.pid);
    if (lang === 'ts' && trimFailure === undefined) trimFailure = mallocTrim(node.pid);
    await mem(node, lang, true);
    return { heap: r.heap, afterMerge, released, retained: rssBytes(node.pid) };
  } finally {
    await stopAll([node]);
  }
}

/**
 * Why malloc_trim could not be called (gdb missing, or not allowed to attach: ptrace is limited
 * to a process's own descendants under Yama's ptrace_scope 1 for non-root users): the rest of
 * the run then skips it and says so in the row's name.
 */
let trimFailure: string | undefined;

/**
 * Calls glibc's malloc_trim(0) in process `pid` (gdb attaches, calls it and detaches): every
 * arena's free memory goes back to the system. Returns why it failed, or undefined.
 */
function mallocTrim(pid: number): string | undefined {
  let out: string;
  try {
    out = execFileSync(
      'gdb',
      ['-p', String(pid), '-batch', '-ex', 'set language c', '-ex', 'call (int) malloc_trim(0)'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      },
    );
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    return `gdb failed: ${(e.stderr ?? e.message ?? String(err)).trim().split('\n').slice(-1)[0]}`;
  }
  return /^\$1 = [01]$/m.test(out) ? undefined : `gdb printed no result: ${out.trim().split('\n').slice(-1)[0]}`;
}

/** Asks a node for its live heap after a full GC; `release` also gives free memory back first. */
async function mem(node: JsonChild, lang: 'ts' | 'go', release: boolean): Promise<Record<string, any>> {
  if (lang === 'ts') return node.request({ cmd: 'mem', release }, 30_000);
  node.send(release ? 'mem-release' : 'mem');
  return (await node.waitFor((e) => e.event === 'mem', 30_000, 'mem')).ev;
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
    heap: (b.heap - a.heap) / (o.large - o.small),
    afterMerge: (b.afterMerge - a.afterMerge) / (o.large - o.small),
    released: (b.released - a.released) / (o.large - o.small),
    retained: (b.retained - a.retained) / (o.large - o.small),
  });
  return { ts: per(tsSmall, tsLarge), go: per(goSmall, goLarge) };
}

export async function benchMemory(o: MemoryOptions): Promise<BenchResult[]> {
  // gdb, for mallocTrim: installed from Debian if missing (as the tests install serf).
  trimFailure = undefined;
  try {
    execFileSync('bash', [fileURLToPath(new URL('install-gdb.sh', import.meta.url))], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch {
    trimFailure = 'no usable gdb (scripts/install-gdb.sh failed; installing needs root and apt-get)';
  }
  const runs: { ts: Sample; go: Sample }[] = [];
  for (let i = 0; i < o.runs; i++) {
    const r = await perMember(o);
    runs.push(r);
    const b = (x: number): string => `${Math.round(x)} B`;
    process.stderr.write(
      `bench: memory run ${i + 1}/${o.runs}, RSS per member TS/Go: ${b(r.ts.retained)}/${b(r.go.retained)}` +
        ` (before malloc_trim ${b(r.ts.released)}/${b(r.go.released)}, after the merge ${b(r.ts.afterMerge)}/${b(r.go.afterMerge)})\n`,
    );
  }
  if (trimFailure !== undefined) {
    process.stderr.write(
      `bench: memory: malloc_trim not called, so memory.rssPerMember is not trimmed: ${trimFailure}\n`,
    );
  }
  const of = (side: 'ts' | 'go', k: keyof Sample): number => median(runs.map((r) => r[side][k]));
  const span = `${o.small.toLocaleString('en-US')}→${o.large.toLocaleString('en-US')}`;
  return [
    costResult(
      `memory.rssPerMember (${span}${trimFailure === undefined ? '' : '; malloc not trimmed'})`,
      'bytes',
      of('ts', 'retained'),
      of('go', 'retained'),
      TARGET_RATIO,
    ),
    infoResult(`memory.rssPerMember.beforeMallocTrim (${span})`, 'bytes', of('ts', 'released'), of('go', 'released')),
    infoResult(`memory.rssPerMember.afterMerge (${span})`, 'bytes', of('ts', 'afterMerge'), of('go', 'afterMerge')),
    costResult(`memory.heapPerMember (${span})`, 'bytes', of('ts', 'heap'), of('go', 'heap'), TARGET_RATIO),
  ];
}
