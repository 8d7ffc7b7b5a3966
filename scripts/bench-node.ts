/**
 * One memberlist-ts node for the benchmarks, the TypeScript counterpart of interop's gonode:
 * a real Memberlist (LAN profile, silent logger) that reports events as JSON lines on stdout
 * and takes gonode-style JSON-line commands on stdin; stdin's end shuts it down.
 *
 *   node --expose-gc scripts/bench-node.ts --name N --bind IP:PORT [--join IP:PORT]
 *        [--broadcast-delegate | --tick-delegate]
 *   node scripts/bench-node.ts --merge-cold FILE --name N --bind IP:PORT
 *
 * --merge-cold times one fresh merge of the push/pull state in FILE into a sans-io core
 * (bench-quiet-core.ts), prints {event: 'merge-cold', ms, members} and exits: the first merge of a
 * new process.
 *
 * --broadcast-delegate installs a delegate with a broadcast queue, as gonode (and Serf) has:
 * getBroadcasts and hasBroadcasts over a BroadcastQueue, so while it is empty the node sleeps
 * through gossip ticks that would send nothing (MemberlistCore.nextWakeup), as a plain node
 * does. --tick-delegate installs one with getBroadcasts only (nothing to send, and no
 * hasBroadcasts): the node then wakes for every gossip tick, as Go does.
 *
 * Events: ready, joined, update {node: {name, meta (base64)}}. Commands (replies carry the id):
 * members, update-meta {meta}, mem {release?} (live heap after a full GC, and RSS; with release
 * the GC is V8's last-resort one, which also gives pooled pages back to the system), loop-start
 * and loop-stop (the longest event-loop delay in between, from perf_hooks.monitorEventLoopDelay).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BroadcastQueue } from '../src/core/broadcast-queue.ts';
import type { Delegate } from '../src/core/delegates.ts';
import { Memberlist } from '../src/memberlist.ts';
import { mergeOnce, quietCore } from './bench-quiet-core.ts';

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function emit(ev: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(ev)}\n`);
}

const name = arg('--name') ?? 'bench-node';
const [bindAddr, bindPort] = (arg('--bind') ?? '127.0.1.1:7946').split(':');
const join = arg('--join');

// One fresh merge of the push/pull state in a file, timed, then exit: the first merge of a new
// process (bench-merge.ts, merge.fresh.cold).
const coldFile = arg('--merge-cold');
if (coldFile !== undefined) {
  const core = quietCore(name, bindAddr, Number(bindPort));
  const ms = mergeOnce(core, new Uint8Array(readFileSync(coldFile)));
  emit({ event: 'merge-cold', ms, members: core.numMembers() });
  core.shutdown();
  process.exit(0);
}

const queue = new BroadcastQueue(() => m.numMembers(), 4);
let delegate: Delegate | undefined;
if (process.argv.includes('--broadcast-delegate')) {
  delegate = {
    getBroadcasts: (overhead, limit) => queue.getBroadcasts(overhead, limit),
    hasBroadcasts: () => queue.length > 0,
  };
} else if (process.argv.includes('--tick-delegate')) delegate = { getBroadcasts: () => [] };
const m: Memberlist = await Memberlist.create({ profile: 'lan', name, bindAddr, bindPort: Number(bindPort), delegate });
m.on('update', (n) => emit({ event: 'update', node: { name: n.name, meta: Buffer.from(n.meta).toString('base64') } }));
emit({ event: 'ready', name, addr: m.localNode.addr, port: m.localNode.port });
if (join !== undefined) {
  try {
    emit({ event: 'joined', joined: await m.join([join]), error: null });
  } catch (err) {
    emit({ event: 'joined', joined: 0, error: String(err) });
  }
}

let loop: ReturnType<typeof monitorEventLoopDelay> | undefined;

async function handle(c: Record<string, any>): Promise<Record<string, unknown>> {
  switch (c.cmd) {
    case 'members':
      return { members: m.allMembers().map((n) => ({ name: n.name, state: n.state })) };
    case 'update-meta':
      await m.updateNode(new TextEncoder().encode(String(c.meta ?? '')), { timeout: c.timeoutMs ?? 5000 });
      return {};
    case 'mem': {
      const gc = (globalThis as { gc?: (o?: object) => void }).gc;
      if (c.release) gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      else gc?.();
      const u = process.memoryUsage();
      return { members: m.numMembers(), heap: u.heapUsed + u.arrayBuffers, rss: u.rss };
    }
    case 'loop-start':
      loop?.disable();
      loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      return {};
    case 'loop-stop': {
      loop?.disable();
      const maxMs = loop === undefined ? 0 : loop.max / 1e6;
      loop = undefined;
      return { maxMs, members: m.numMembers() };
    }
    default:
      throw new Error(`unknown command ${String(c.cmd)}`);
  }
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    let c: Record<string, any>;
    try {
      c = JSON.parse(line);
    } catch {
      return;
    }
    handle(c).then(
      (fields) => emit({ event: 'reply', id: c.id, cmd: c.cmd, ok: true, error: null, ...fields }),
      (err) => emit({ event: 'reply', id: c.id, cmd: c.cmd, ok: false, error: String(err) }),
    );
  })
  .on('close', () => {
    void m.shutdown().then(() => process.exit(0));
  });
