/**
 * Push/pull merge of a large remote state, memberlist-ts against Go memberlist v0.6.0: the time
 * to handle one inbound push/pull — decode the state, build the local-state reply, merge — into
 * a node that knows only itself (fresh: a join, every member is new) and into a node that
 * already knows the same state (known: periodic anti-entropy, nothing changes). Go runs
 * readRemoteState, sendLocalState and mergeRemoteState (gobench merge, via go:linkname) on a
 * real node; we run decodeStreamMessage and MemberlistCore.handleStream (the same sequence) on a
 * sans-io core. Both without compression or encryption, no timers running, GC before each run.
 * Each fresh merge on our side gets a state of other members (other names, addresses and ids,
 * the same size): the decoder's caches (string-intern.ts, bytes-intern.ts, push-state-cache.ts)
 * are per process, and a node joining a cluster has not seen its members before; the last one
 * is the state the known node then receives again and again.
 * Each side first runs WARMUP untimed fresh merges (and the known node's first merge, which
 * learns the state, and WARMUP known ones are untimed):
 * a node that has been up for a while has run its merge path before, and V8 only optimises a
 * function after it has run, while Go's code is compiled ahead of time — without the warm-up the
 * median of five mostly timed V8's interpreter and compiler. V8 is still tiering up through the
 * fourth or fifth fresh merge of a process (each rep's time, warm-ups included, on the 2-core
 * development machine: 35–46, 17–34, 16–25, 12–26, 14–31, then 10–17 ms; known merges after the
 * first: 13–27, 6–21, 6–12, 5–9, then 5–7 ms), so WARMUP is 5 (it was 2 for fresh merges and 0
 * for known ones, which left the first timed reps half optimised). What a first merge costs is reported
 * beside it (`merge.fresh.cold`: the first merge of a new process, each side, no target), and
 * the event-loop block below is taken in a fresh process too, as on a node's first join.
 * The timed reps (`reps`: nine in a full run, five before) vary by ±30 % on both sides on the
 * shared 2-core machine, one rep to the next; each side's median is reported. The fresh reps
 * take turns: each of Go's runs in a new gobench process (after its own WARMUP merges of each
 * kind; its known time comes from the same process), followed by one of ours. When Go's nine
 * ran in one process a minute before ours, a busy minute on one side only moved the ratio
 * (0.27–0.61× in seven runs of one hour, TS 14–26 ms, Go 42–56); taking turns, 0.43–0.47× in
 * three runs of the next. Go's time is the same either way (medians 56–71 ms in one process,
 * 59–62 ms one process per rep, three pairs of runs).
 *
 * Then the longest event-loop block (perf_hooks.monitorEventLoopDelay, 1 ms resolution) while a
 * real Memberlist process (scripts/bench-node.ts, LAN profile) receives the same state over TCP,
 * LZW-compressed as a default Go peer sends it: once into the fresh node, then `reps` times into
 * the node that now knows it (the largest of those is reported). The block includes the LZW
 * decompression and the compressed reply, which the timed merge above leaves out.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonChild, goBin, stopAll } from './bench-procs.ts';
import { pushState, remoteState } from './bench-pushpull.ts';
import { mergeOnce, quietCore } from './bench-quiet-core.ts';
import { type BenchResult, costResult, infoResult, limitResult, median } from './bench-support.ts';

export interface MergeOptions {
  /** Members in the remote state. */
  readonly members: number;
  readonly reps: number;
  /** IP for the Go node (port 0) and the TypeScript node (on `port`). */
  readonly goIp: string;
  readonly tsIp: string;
  readonly port: number;
  /** The compiled scripts/bench-node.ts. */
  readonly tsNode: string;
}

const TARGET_RATIO = 0.5;
/** Untimed merges of each kind (fresh, known) before the timed ones, on both sides (see the header). */
const WARMUP = 5;
/** New processes timed for `merge.fresh.cold`, each side (the median is reported). */
const COLD_RUNS = 3;
const TARGET_BLOCK_MS = 20;

/**
 * The timed merges of both sides, the fresh ones interleaved: each rep runs a new gobench
 * process (WARMUP untimed merges of each kind, then one timed fresh and one timed known merge)
 * and then one timed fresh merge here, so both sides' reps take turns in the same seconds
 * rather than each side's nine running a minute apart; the time of this shared machine changes
 * faster than that. Our known merges follow, on one core (see the header for both kinds).
 */
function interleavedMerges(
  state: Uint8Array,
  file: string,
  o: MergeOptions,
): { ts: { fresh: number[]; known: number[] }; go: { fresh: number[]; known: number[] } } {
  const ts = { fresh: [] as number[], known: [] as number[] };
  const go = { fresh: [] as number[], known: [] as number[] };
  const tsFresh = (i: number): number => {
    const core = quietCore(`ts-merge-${i}`, o.tsIp, o.port);
    // Members this process has not decoded before, as on a real join (see the header).
    const ms = mergeOnce(core, i === o.reps - 1 ? state : remoteState(o.members, 'member', WARMUP + 1 + i));
    if (core.numMembers() !== o.members + 1) throw new Error(`fresh merge: ${core.numMembers()} members`);
    core.shutdown();
    return ms;
  };
  for (let i = -WARMUP; i < 0; i++) tsFresh(i);
  for (let i = 0; i < o.reps; i++) {
    const g = goMerge(file, o, 1, WARMUP);
    go.fresh.push(g.fresh[0]);
    go.known.push(g.known[0]);
    ts.fresh.push(tsFresh(i));
  }
  const core = quietCore('ts-merge-known', o.tsIp, o.port);
  // The first merge learns the state; WARMUP more run the known path before it is timed.
  for (let i = 0; i <= WARMUP; i++) mergeOnce(core, state);
  for (let i = 0; i < o.reps; i++) ts.known.push(mergeOnce(core, state));
  core.shutdown();
  return { ts, go };
}

/** gobench merge on the state in `file`: the fresh and known merges' times. */
function goMerge(file: string, o: MergeOptions, reps: number, warmup: number): { fresh: number[]; known: number[] } {
  const args = ['-state', file, '-bind', o.goIp, '-reps', String(reps), '-warmup', String(warmup), 'merge'];
  const out = execFileSync(goBin('gobench'), args, {
    encoding: 'utf8',
    timeout: 300_000,
  });
  const rows: { name: string; nodes: number; ms: number[] }[] = JSON.parse(out).results;
  const get = (n: string): number[] => {
    const row = rows.find((r) => r.name === n);
    if (row === undefined || row.nodes !== o.members + 1) throw new Error(`gobench merge ${n}: ${JSON.stringify(row)}`);
    return row.ms;
  };
  return { fresh: get('fresh'), known: get('known') };
}

/** The first fresh merge of a new process, COLD_RUNS times each side: medians in ms. */
function coldMerges(file: string, o: MergeOptions): { ts: number; go: number } {
  const ts: number[] = [];
  const go: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const args = [o.tsNode, '--merge-cold', file, '--name', 'ts-merge-cold', '--bind', `${o.tsIp}:${o.port}`];
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
    const r = JSON.parse(out.trim().split('\n').pop() as string);
    if (r.members !== o.members + 1) throw new Error(`cold merge: ${r.members} members`);
    ts.push(r.ms);
    go.push(goMerge(file, o, 1, 0).fresh[0]);
  }
  return { ts: median(ts), go: median(go) };
}

/** Longest event-loop delay (ms) of a real node while it receives `state` over TCP. */
async function blockWhileReceiving(node: JsonChild, o: MergeOptions, state: Uint8Array): Promise<number> {
  await node.request({ cmd: 'loop-start' });
  await pushState(o.tsIp, o.port, state, true);
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the merge's follow-up work run
  const r = await node.request({ cmd: 'loop-stop' });
  return r.maxMs;
}

async function eventLoopBlocks(state: Uint8Array, o: MergeOptions): Promise<{ fresh: number; known: number }> {
  const node = new JsonChild('bench-node (merge)', process.execPath, [
    o.tsNode,
    '--name',
    'ts-merge-receiver',
    '--bind',
    `${o.tsIp}:${o.port}`,
  ]);
  try {
    await node.waitFor((e) => e.event === 'ready', 20_000, 'ready');
    const fresh = await blockWhileReceiving(node, o, state);
    const known: number[] = [];
    for (let i = 0; i < o.reps; i++) known.push(await blockWhileReceiving(node, o, state));
    return { fresh, known: Math.max(...known) };
  } finally {
    await stopAll([node]);
  }
}

export async function benchMerge(o: MergeOptions): Promise<BenchResult[]> {
  const state = remoteState(o.members);
  const file = join(tmpdir(), `memberlist-bench-state-${process.pid}.bin`);
  writeFileSync(file, state);
  let ts: { fresh: number[]; known: number[] };
  let go: { fresh: number[]; known: number[] };
  let cold: { ts: number; go: number };
  try {
    ({ ts, go } = interleavedMerges(state, file, o));
    cold = coldMerges(file, o);
  } finally {
    rmSync(file, { force: true });
  }
  const block = await eventLoopBlocks(state, o);
  const n = o.members.toLocaleString('en-US');
  return [
    costResult(`merge.fresh (${n} members)`, 'ms', median(ts.fresh), median(go.fresh), TARGET_RATIO),
    infoResult(`merge.fresh.cold (${n} members, first in a process)`, 'ms', cold.ts, cold.go),
    costResult(`merge.known (${n} members)`, 'ms', median(ts.known), median(go.known), TARGET_RATIO),
    limitResult(`eventLoopBlock.fresh (${n} members)`, 'ms', block.fresh, TARGET_BLOCK_MS),
    limitResult(`eventLoopBlock.known (${n} members)`, 'ms', block.known, TARGET_BLOCK_MS),
  ];
}
