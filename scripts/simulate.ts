/**
 * The protocol simulator: the real memberlist-ts core (src/core) on the in-memory network
 * (src/sim) with a virtual clock, for clusters far larger than one machine could run for real.
 * It measures what a cluster planner asks: how fast an update reaches everyone (percentiles),
 * how fast a crash is detected, how many live nodes are wrongly declared dead, and the traffic per
 * node. Reproducible from --seed.
 *
 *   npm run simulate -- --nodes 1000 [--loss 0.05] [--seed 1 | --seeds 1,2,3] [--seconds 60] [--profile lan]
 *                       [--slow 10 [--slow-delay 800] [--slow-period ON_MS/OFF_MS [--slow-mode stall|delay]]]
 *                       [--no-lifeguard] [--no-tcp-pings] [--compression] [--join | --converged] [--json]
 *
 * The cluster either forms by joining (every node joins through a few seeds; the default up to
 * 200 nodes) or starts converged (every node already knows every member alive, as after a
 * completed join, sharing one read-only member baseline; the default above 200 nodes, where N
 * joins cost O(N²)). --seeds runs one simulation per seed, prints each, then the medians.
 * --no-lifeguard is the SWIM baseline of the Lifeguard paper: no awareness, fixed suspicion
 * timeout, no nacks, no buddy system.
 *
 * --slow K makes the last K members slow. Without --slow-period they handle everything they
 * receive --slow-delay ms late, all the time, while their timers run on time. With
 * --slow-period ON_MS/OFF_MS each alternates between ON_MS slow and OFF_MS normal, at a phase of
 * its own drawn from the seed: --slow-mode stall (the default) pauses it for ON_MS — no timers,
 * nothing handled; what arrived is handled when the stall ends, in order, after the timers that
 * fell due — and --slow-mode delay handles what arrives in a slow period --slow-delay ms late,
 * timers on time. The same model runs with and without Lifeguard.
 */
import { profileConfig, type Profile, type ProtocolConfig } from '../src/core/config.ts';
import { retransmitLimit } from '../src/core/timing.ts';
import { SimNetwork, randomSlowPeriods, type SimNode, type SimNodeOptions } from '../src/sim/network.ts';

export interface Options {
  nodes: number;
  loss: number;
  seed: number;
  seconds: number;
  profile: Profile;
  slow: number;
  slowDelay: number;
  /** Slow periods ([on ms, off ms]) instead of permanent slowness. */
  slowPeriod: [number, number] | undefined;
  /** How a slow period delays: a constant --slow-delay, or a stall until its end. */
  slowMode: 'stall' | 'delay';
  lifeguard: boolean;
  compression: boolean;
  tcpPings: boolean;
  /** Start converged instead of joining. */
  converged: boolean;
  /** Several seeds (--seeds a,b,c), else [seed]. */
  seeds: number[];
  json: boolean;
}

export function parse(argv: string[]): Options {
  const get = (name: string, def: number): number => {
    const i = argv.indexOf(name);
    if (i < 0) return def;
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v)) throw new Error(`${name}: not a number`);
    return v;
  };
  const i = argv.indexOf('--profile');
  const nodes = get('--nodes', 1000);
  const sp = argv.indexOf('--slow-period');
  const slowPeriod = sp < 0 ? undefined : (argv[sp + 1].split('/').map(Number) as [number, number]);
  if (slowPeriod !== undefined && (slowPeriod.length !== 2 || !slowPeriod.every((x) => x > 0)))
    throw new Error('--slow-period: ON_MS/OFF_MS, both positive');
  const sm = argv.indexOf('--slow-mode');
  const slowMode = sm < 0 ? 'stall' : argv[sm + 1];
  if (slowMode !== 'stall' && slowMode !== 'delay') throw new Error('--slow-mode: stall or delay');
  const s = argv.indexOf('--seeds');
  const seeds = s >= 0 ? argv[s + 1].split(',').map(Number) : [get('--seed', 1)];
  if (seeds.some((x) => !Number.isInteger(x))) throw new Error('--seeds: a comma-separated list of integers');
  return {
    nodes,
    loss: get('--loss', 0),
    seed: seeds[0],
    seconds: get('--seconds', 60),
    profile: (i >= 0 ? argv[i + 1] : 'lan') as Profile,
    slow: get('--slow', 0),
    slowDelay: get('--slow-delay', 800),
    slowPeriod,
    slowMode,
    lifeguard: !argv.includes('--no-lifeguard'),
    compression: argv.includes('--compression'),
    tcpPings: !argv.includes('--no-tcp-pings'),
    converged: argv.includes('--converged') || (nodes > 200 && !argv.includes('--join')),
    seeds,
    json: argv.includes('--json'),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, idx)] * 1000) / 1000;
}

export interface SimulationResult {
  nodes: number;
  seed: number;
  simulatedSeconds: number;
  wallSeconds: number;
  dissemination: { p50: number; p99: number; p999: number; p9999: number };
  detection: { firstSuspect: number; deadByAll: number };
  /** Live members declared dead, counted once per declaring node. */
  falsePositives: number;
  /** Of those, about members that are not slow (not in the JSON document). */
  falsePositivesHealthy: number;
  /**
   * How many times each node sends a broadcast once the crashed member is forgotten (Go's
   * RetransmitMult × ⌈log₁₀(n+1)⌉ for the n − 1 members left; not in the JSON document): the
   * false positives depend strongly on it.
   */
  retransmitsAfterCrash: number;
  msgsPerNodePerSec: number;
  bytesPerNodePerSec: number;
  convergedAfter: number;
}

export function simulate(o: Options): SimulationResult {
  const wallStart = performance.now();
  const net = new SimNetwork(o.seed);
  const { name: _n, bindAddr: _b, bindPort: _p, ...profile } = profileConfig(o.profile);
  const config: Partial<ProtocolConfig> = {
    ...profile,
    enableCompression: o.compression,
    disableTcpPings: !o.tcpPings,
    // Lifeguard off: the SWIM baseline (no awareness, fixed suspicion timeout, no nacks, no buddy).
    disableLifeguard: !o.lifeguard,
  };
  metaVersion = 0;
  const updatedAt = new Map<string, number>();
  const falseDeaths: string[] = [];
  /** Of those, the declarations about healthy (not slow) members. */
  let healthyDeaths = 0;
  const slowNames = new Set<string>();
  let crashed = '';
  let deadReports = 0;
  const names: string[] = [];
  for (let i = 0; i < o.nodes; i++) names.push(`node-${i}`);
  const nodeOptions = names.map((name): SimNodeOptions => ({
    name,
    config,
    delegates: {
      delegate: { nodeMeta: () => (name === names[0] ? metaOf(net) : null) },
      events: {
        notifyUpdate: (n) => {
          if (n.name === names[0] && !updatedAt.has(name)) updatedAt.set(name, net.now);
        },
        notifyLeave: (n) => {
          if (n.state !== 'dead') return;
          if (n.name === crashed) deadReports++;
          else {
            falseDeaths.push(`${name} declared ${n.name} dead`);
            if (!slowNames.has(n.name)) healthyDeaths++;
          }
        },
      },
    },
  }));
  let nodes: SimNode[];
  if (o.converged) {
    nodes = net.addConvergedNodes(nodeOptions);
    // Settle: every probe and gossip ticker has passed its random first stagger.
    net.runFor(2_000);
  } else {
    nodes = nodeOptions.map((opts) => net.addNode(opts));
    // Join in waves through a few seeds, as a real rollout would.
    const seeds = names.slice(0, Math.min(5, o.nodes));
    names.forEach((name, i) => {
      if (i === 0) return;
      const seed = net.node(seeds[i % seeds.length] === name ? seeds[0] : seeds[i % seeds.length]);
      net.at(Math.floor(i / 50) * 100, () =>
        net.node(name).core.join([{ addr: seed.addr, name: seed.name }], () => {}),
      );
    });
    const converged = net.runUntilTrue(() => nodes.every((n) => n.core.numMembers() === o.nodes), 600_000, 500);
    if (!converged) throw new Error(`cluster of ${o.nodes} did not converge in 600 simulated seconds`);
  }
  const all = (): SimNode[] => nodes;
  const convergedAfter = net.now / 1000;

  // Slow members process everything late (the Lifeguard paper's scenario): all the time, or in
  // slow periods at a random phase each.
  const periods =
    o.slowPeriod === undefined
      ? undefined
      : randomSlowPeriods(o.seed, o.slow, {
          mode: o.slowMode,
          onMs: o.slowPeriod[0],
          offMs: o.slowPeriod[1],
          delayMs: o.slowDelay,
        });
  for (let i = 0; i < o.slow; i++) {
    const node = net.node(names[o.nodes - 1 - i]);
    if (periods === undefined) node.processingDelay = o.slowDelay;
    else node.slowPeriods = periods[i];
    slowNames.add(names[o.nodes - 1 - i]);
  }
  net.defaultLink = { loss: o.loss, latency: 1, jitter: 2 };

  const t0 = net.now;
  const before = all().map((n) => ({ ...n.stats }));
  // 1. Dissemination of a metadata update from node-0.
  metaVersion++;
  net.node(names[0]).core.updateNode(10_000, () => {});
  const dStart = net.now;
  net.runUntilTrue(() => updatedAt.size >= o.nodes - 1, Math.min(60_000, o.seconds * 1000), 50);
  const latencies = [...updatedAt.values()].map((t) => (t - dStart) / 1000).sort((a, b) => a - b);
  while (latencies.length < o.nodes - 1) latencies.push(Infinity);

  // 2. Crash detection: a node stops, everyone must declare it dead.
  crashed = names[Math.floor(o.nodes / 2)];
  net.crash(crashed);
  const crashAt = net.now;
  let firstSuspect = NaN;
  const others = all().filter((n) => n.name !== crashed && !n.crashed);
  net.runUntilTrue(
    () => {
      if (Number.isNaN(firstSuspect) && others.some((n) => n.core.memberState(crashed) === 1))
        firstSuspect = (net.now - crashAt) / 1000;
      return deadReports >= others.length;
    },
    300_000,
    100,
  );
  const deadByAll = deadReports >= others.length ? (net.now - crashAt) / 1000 : Infinity;

  // 3. The rest of the window: steady state under the configured loss.
  const end = t0 + o.seconds * 1000;
  if (net.now < end) net.runUntil(end);
  const elapsed = (net.now - t0) / 1000;
  const after = all().map((n) => n.stats);
  let packets = 0;
  let bytes = 0;
  after.forEach((s, i) => {
    packets += s.packetsSent - before[i].packetsSent;
    bytes += s.bytesSent - before[i].bytesSent;
  });
  return {
    nodes: o.nodes,
    seed: o.seed,
    simulatedSeconds: Math.round(elapsed * 10) / 10,
    wallSeconds: Math.round((performance.now() - wallStart) / 100) / 10,
    dissemination: {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      p999: percentile(latencies, 99.9),
      p9999: percentile(latencies, 99.99),
    },
    detection: { firstSuspect, deadByAll },
    falsePositives: falseDeaths.length,
    falsePositivesHealthy: healthyDeaths,
    retransmitsAfterCrash: retransmitLimit(profileConfig(o.profile).retransmitMult, o.nodes - 1),
    msgsPerNodePerSec: Math.round((packets / o.nodes / elapsed) * 100) / 100,
    bytesPerNodePerSec: Math.round(bytes / o.nodes / elapsed),
    convergedAfter,
  };
}

let metaVersion = 0;
function metaOf(_net: SimNetwork): Uint8Array {
  return new TextEncoder().encode(`v${metaVersion}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : Math.round(((s[m - 1] + s[m]) / 2) * 1000) / 1000;
}

function printText(o: Options, r: SimulationResult): void {
  const slowness =
    o.slow === 0
      ? ''
      : o.slowPeriod === undefined
        ? `, ${o.slowDelay} ms late all the time`
        : o.slowMode === 'stall'
          ? `, stalled ${o.slowPeriod[0]} ms of every ${o.slowPeriod[0] + o.slowPeriod[1]} ms`
          : `, ${o.slowDelay} ms late for ${o.slowPeriod[0]} ms of every ${o.slowPeriod[0] + o.slowPeriod[1]} ms`;
  console.log(
    `nodes ${r.nodes}, seed ${r.seed}, lifeguard ${o.lifeguard ? 'on' : 'off'}, loss ${o.loss}, slow ${o.slow}${slowness}`,
  );
  console.log(
    `${o.converged ? 'started converged' : `converged after ${r.convergedAfter} s (simulated)`}; measured ${r.simulatedSeconds} s in ${r.wallSeconds} s of wall time`,
  );
  console.log(
    `dissemination of an update: p50 ${r.dissemination.p50} s, p99 ${r.dissemination.p99} s, p99.9 ${r.dissemination.p999} s, p99.99 ${r.dissemination.p9999} s`,
  );
  console.log(
    `crash: first suspicion after ${r.detection.firstSuspect} s, dead by all after ${r.detection.deadByAll} s`,
  );
  console.log(
    `false positives (live nodes declared dead, once per declaring node): ${r.falsePositives}, ${r.falsePositivesHealthy} of them about healthy (not slow) members; ${r.nodes - 1} members after the crash, each broadcast sent ${r.retransmitsAfterCrash} times per node`,
  );
  console.log(`traffic per node: ${r.msgsPerNodePerSec} packets/s, ${r.bytesPerNodePerSec} bytes/s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const o = parse(process.argv.slice(2));
  const results: SimulationResult[] = [];
  for (const seed of o.seeds) {
    const r = simulate({ ...o, seed });
    results.push(r);
    if (o.json) {
      const { convergedAfter: _c, falsePositivesHealthy: _h, retransmitsAfterCrash: _r, ...rest } = r;
      process.stdout.write(`${JSON.stringify(rest)}\n`);
    } else printText(o, r);
  }
  if (results.length > 1) {
    // The medians over the seeds (false positives: the total).
    const summary = {
      seeds: o.seeds,
      median: {
        dissemination: { p9999: median(results.map((r) => r.dissemination.p9999)) },
        detection: {
          firstSuspect: median(results.map((r) => r.detection.firstSuspect)),
          deadByAll: median(results.map((r) => r.detection.deadByAll)),
        },
        wallSeconds: median(results.map((r) => r.wallSeconds)),
      },
      falsePositives: results.reduce((a, r) => a + r.falsePositives, 0),
      falsePositivesHealthy: results.reduce((a, r) => a + r.falsePositivesHealthy, 0),
    };
    if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      console.log(
        `median over seeds ${o.seeds.join(',')}: dissemination p99.99 ${summary.median.dissemination.p9999} s, first suspicion ${summary.median.detection.firstSuspect} s, dead by all ${summary.median.detection.deadByAll} s; false positives in all: ${summary.falsePositives} (${summary.falsePositivesHealthy} about healthy members)`,
      );
    }
  }
}
