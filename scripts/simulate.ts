/**
 * The protocol simulator: the real memberlist-ts core (src/core) on the in-memory network
 * (src/sim) with a virtual clock, for clusters far larger than one machine could run for real.
 * It measures what a cluster planner asks: how fast an update reaches everyone (percentiles),
 * how fast a crash is detected, how many live nodes are wrongly declared dead, and the traffic per
 * node. Reproducible from --seed.
 *
 *   npm run simulate -- --nodes 1000 [--loss 0.05] [--seed 1] [--seconds 60] [--profile lan]
 *                       [--slow 10 --slow-delay 800] [--no-lifeguard] [--no-tcp-pings] [--compression] [--json]
 */
import { profileConfig, type Profile, type ProtocolConfig } from '../src/core/config.ts';
import { SimNetwork, type SimNode } from '../src/sim/network.ts';

interface Options {
  nodes: number;
  loss: number;
  seed: number;
  seconds: number;
  profile: Profile;
  slow: number;
  slowDelay: number;
  lifeguard: boolean;
  compression: boolean;
  tcpPings: boolean;
  json: boolean;
}

function parse(argv: string[]): Options {
  const get = (name: string, def: number): number => {
    const i = argv.indexOf(name);
    if (i < 0) return def;
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v)) throw new Error(`${name}: not a number`);
    return v;
  };
  const i = argv.indexOf('--profile');
  return {
    nodes: get('--nodes', 1000),
    loss: get('--loss', 0),
    seed: get('--seed', 1),
    seconds: get('--seconds', 60),
    profile: (i >= 0 ? argv[i + 1] : 'lan') as Profile,
    slow: get('--slow', 0),
    slowDelay: get('--slow-delay', 800),
    lifeguard: !argv.includes('--no-lifeguard'),
    compression: argv.includes('--compression'),
    tcpPings: !argv.includes('--no-tcp-pings'),
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
  falsePositives: number;
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
    // Lifeguard off: no awareness scaling, no nacks, fixed suspicion timeout (as in the paper's baseline).
    ...(o.lifeguard ? {} : { awarenessMaxMultiplier: 1, suspicionMaxTimeoutMult: 1 }),
  };
  const updatedAt = new Map<string, number>();
  const falseDeaths: string[] = [];
  let crashed = '';
  let deadReports = 0;
  const names: string[] = [];
  for (let i = 0; i < o.nodes; i++) names.push(`node-${i}`);
  for (const name of names) {
    net.addNode({
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
            else falseDeaths.push(`${name} declared ${n.name} dead`);
          },
        },
      },
    });
  }
  // Join in waves through a few seeds, as a real rollout would.
  const seeds = names.slice(0, Math.min(5, o.nodes));
  names.forEach((name, i) => {
    if (i === 0) return;
    const seed = net.node(seeds[i % seeds.length] === name ? seeds[0] : seeds[i % seeds.length]);
    net.at(Math.floor(i / 50) * 100, () => net.node(name).core.join([{ addr: seed.addr, name: seed.name }], () => {}));
  });
  const all = (): SimNode[] => names.map((n) => net.node(n));
  const converged = net.runUntilTrue(() => all().every((n) => n.core.numMembers() === o.nodes), 600_000, 500);
  if (!converged) throw new Error(`cluster of ${o.nodes} did not converge in 600 simulated seconds`);
  const convergedAfter = net.now / 1000;

  // Slow members process everything late (the Lifeguard paper's scenario).
  for (let i = 0; i < o.slow; i++) net.node(names[o.nodes - 1 - i]).processingDelay = o.slowDelay;
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
    msgsPerNodePerSec: Math.round((packets / o.nodes / elapsed) * 100) / 100,
    bytesPerNodePerSec: Math.round(bytes / o.nodes / elapsed),
    convergedAfter,
  };
}

let metaVersion = 0;
function metaOf(_net: SimNetwork): Uint8Array {
  return new TextEncoder().encode(`v${metaVersion}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const o = parse(process.argv.slice(2));
  const r = simulate(o);
  if (o.json) {
    const { convergedAfter: _c, ...rest } = r;
    process.stdout.write(`${JSON.stringify(rest)}\n`);
  } else {
    console.log(
      `nodes ${r.nodes}, seed ${r.seed}, lifeguard ${o.lifeguard ? 'on' : 'off'}, loss ${o.loss}, slow ${o.slow}`,
    );
    console.log(
      `converged after ${r.convergedAfter} s (simulated); measured ${r.simulatedSeconds} s in ${r.wallSeconds} s of wall time`,
    );
    console.log(
      `dissemination of an update: p50 ${r.dissemination.p50} s, p99 ${r.dissemination.p99} s, p99.9 ${r.dissemination.p999} s, p99.99 ${r.dissemination.p9999} s`,
    );
    console.log(
      `crash: first suspicion after ${r.detection.firstSuspect} s, dead by all after ${r.detection.deadByAll} s`,
    );
    console.log(`false positives (live nodes declared dead): ${r.falsePositives}`);
    console.log(`traffic per node: ${r.msgsPerNodePerSec} packets/s, ${r.bytesPerNodePerSec} bytes/s`);
  }
}
