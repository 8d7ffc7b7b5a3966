/**
 * Explains the false positives of one simulator run: for every live member declared dead, who
 * suspected it first and why (the failed probe: nacks expected and received, the prober's
 * awareness), how long the suspicion ran and how many confirmations it got, and when the
 * member refuted and when that refutation reached the declaring node. A debugging aid: it wraps
 * methods of the core's classes, so it changes nothing in the core.
 *
 *   node scripts/fp-trace.ts --nodes 100 --seconds 600 --no-tcp-pings --slow 8 --slow-delay 1500 --seed 1 [--no-lifeguard] [--verbose]
 *   node scripts/fp-trace.ts ... --slow 8 --slow-period 2000/18000 [--slow-mode stall|delay] ...  (any simulator option)
 */
import { MemberState } from '../src/core/state.ts';
import { Prober } from '../src/core/probe.ts';
import type { Alive, Dead, Suspect } from '../src/wire/messages.ts';
import { parse, simulate } from './simulate.ts';

interface Ev {
  t: number;
  kind: string;
  text: string;
}

const argv = process.argv.slice(2);
const num = (name: string, def: number): number => {
  const i = argv.indexOf(name);
  return i < 0 ? def : Number(argv[i + 1]);
};
const nodes = num('--nodes', 100);
const slow = num('--slow', 0);
const slowNames = new Set<string>();
for (let i = 0; i < slow; i++) slowNames.add(`node-${nodes - 1 - i}`);
const tag = (n: string): string => `${n}${slowNames.has(n) ? '(slow)' : ''}`;
const verbose = argv.includes('--verbose');
/** The member the simulator crashes (its declarations are no false positives). */
const crashed = `node-${Math.floor(nodes / 2)}`;

/** Per subject: what happened about it, in time order, across all nodes. */
const bySubject = new Map<string, Ev[]>();
const log = (subject: string, t: number, kind: string, text: string): void => {
  let l = bySubject.get(subject);
  if (l === undefined) bySubject.set(subject, (l = []));
  l.push({ t, kind, text });
};
/** Roots: a node whose own suspicion timer declared a live member dead. */
const roots: { t: number; observer: string; subject: string; lateMs: number; inc: number }[] = [];
/** Failed probes of members not suspected yet (each starts a suspicion), by prober and target. */
const originated = new Map<string, number>();
/** When each node handled an alive that refuted its dead verdict: `observer>subject` -> times. */
const aliveLate = new Map<string, number[]>();
let deathsByGossip = 0;
let deathsByTimer = 0;

type Any = Record<string, any>;
const sp = MemberState.prototype as unknown as Any;
const pp = Prober.prototype as unknown as Any;

const origEvaluate = pp.evaluate;
pp.evaluate = function (this: Any, run: Any) {
  const before = this.ctx.awareness.healthScore;
  const wasDone = run.done;
  origEvaluate.call(this, run);
  if (!wasDone && run.done && run.tcp !== 'contacted') {
    const me = this.ctx.config.name;
    if (run.node.state === 0) {
      const name = run.node.name;
      const whom = name === crashed ? 'the crashed' : slowNames.has(name) ? 'a slow' : 'a healthy';
      const k = `${slowNames.has(me) ? 'a slow' : 'a healthy'} member's probe of ${whom} member`;
      originated.set(k, (originated.get(k) ?? 0) + 1);
    }
    log(
      run.node.name,
      this.ctx.io.now(),
      'probe-fail',
      `${tag(me)} probe failed (sent ${(run.sent / 1000).toFixed(3)}, inc ${run.node.incarnation}, state ${run.node.state}): nacks ${run.nacks}/${run.expectedNacks}, awareness ${before} -> ${this.ctx.awareness.healthScore}`,
    );
  }
};

const origSuspect = sp.suspectNode;
sp.suspectNode = function (this: Any, s: Suspect) {
  const me = this.ctx.config.name;
  const now = this.ctx.io.now();
  const had = this.suspicions.get(s.node);
  const c0 = had?.suspicion.confirmationCount ?? 0;
  const refuted0 = this.stats.refuted;
  origSuspect.call(this, s);
  const has = this.suspicions.get(s.node);
  if (this.stats.refuted > refuted0) {
    log(
      me,
      now,
      'refute',
      `${tag(me)} refutes suspect from ${tag(s.from)} (inc ${s.incarnation}) -> inc ${this.table.get(me).incarnation}, awareness now ${this.ctx.awareness.healthScore}`,
    );
  } else if (had === undefined && has !== undefined) {
    const su = has.suspicion;
    log(
      s.node,
      now,
      'suspect',
      `${tag(me)} suspects (from ${tag(s.from)}, inc ${s.incarnation}), k ${su.k}, timeout ${(su.deadline - now) / 1000}s (min ${su.minMs / 1000}, max ${su.maxMs / 1000})`,
    );
  } else if (has !== undefined && has.suspicion.confirmationCount > c0) {
    if (verbose)
      log(
        s.node,
        now,
        'confirm',
        `${tag(me)} confirmation ${has.suspicion.confirmationCount} from ${tag(s.from)}, fires in ${(has.suspicion.deadline - now) / 1000}s`,
      );
  }
};

const origExpired = sp.suspicionExpired;
sp.suspicionExpired = function (this: Any, name: string, changeTime: number, suspicion: Any) {
  const state = this.table.get(name);
  const fires = state !== undefined && state.state === 1 && state.stateChange === changeTime;
  if (fires) {
    const me = this.ctx.config.name;
    const now = this.ctx.io.now();
    log(
      name,
      now,
      'DEAD-timer',
      `${tag(me)} declares dead after ${(now - changeTime) / 1000}s, ${suspicion.confirmationCount}/${suspicion.k} confirmations, inc ${state.incarnation}${now > suspicion.deadline + 0.5 ? `, ${((now - suspicion.deadline) / 1000).toFixed(3)}s after its deadline (stalled)` : ''}`,
    );
    roots.push({ t: now, observer: me, subject: name, lateMs: now - suspicion.deadline, inc: state.incarnation });
    deathsByTimer++;
  }
  origExpired.call(this, name, changeTime, suspicion);
};

const origDead = sp.deadNode;
sp.deadNode = function (this: Any, d: Dead) {
  const me = this.ctx.config.name;
  const st = this.table.get(d.node);
  const before = st?.state;
  const refuted0 = this.stats.refuted;
  origDead.call(this, d);
  if (this.stats.refuted > refuted0) {
    log(
      me,
      this.ctx.io.now(),
      'refute',
      `${tag(me)} refutes DEAD from ${tag(d.from)} (inc ${d.incarnation}) -> inc ${this.table.get(me).incarnation}`,
    );
  }
  const after = this.table.get(d.node)?.state;
  if (d.from !== me && before !== 2 && after === 2) {
    deathsByGossip++;
    if (verbose) log(d.node, this.ctx.io.now(), 'dead-gossip', `${tag(me)} marks dead by gossip from ${tag(d.from)}`);
  }
};

const origAlive = sp.aliveNode;
sp.aliveNode = function (this: Any, a: Alive, opts: Any) {
  const me = this.ctx.config.name;
  const st = this.table.get(a.node);
  const before = st?.state;
  const inc = st?.incarnation;
  origAlive.call(this, a, opts);
  if (a.node !== me && st !== undefined && (before === 1 || before === 2) && a.incarnation > inc) {
    if (before === 2) {
      const k = `${me}>${a.node}`;
      aliveLate.set(k, [...(aliveLate.get(k) ?? []), this.ctx.io.now()]);
    }
    if (before === 2 || verbose)
      log(
        a.node,
        this.ctx.io.now(),
        before === 1 ? 'alive-in-time' : 'alive-late',
        `${tag(me)} gets alive inc ${a.incarnation} while ${before === 1 ? 'suspect' : 'dead'}`,
      );
  }
};

/** What a root declaration came from. */
function causeOf(root: (typeof roots)[number]): string {
  // Refuted: the member had announced an incarnation above the one declared dead.
  const refuted = (bySubject.get(root.subject) ?? []).some(
    (e) =>
      e.kind === 'refute' &&
      e.text.startsWith(`${tag(root.subject)} `) &&
      e.t <= root.t &&
      Number(/-> inc (\d+)/.exec(e.text)?.[1] ?? 0) > root.inc,
  );
  const stalled = root.lateMs > 0.5;
  const inBacklog = stalled && (aliveLate.get(`${root.observer}>${root.subject}`) ?? []).includes(root.t);
  return !refuted
    ? 'the member had not refuted by then'
    : inBacklog
      ? 'stalled declarer: its timer fired at the end of a stall, the refutation waiting in its backlog'
      : stalled
        ? 'stalled declarer, refutation not yet received (missed or still on its way)'
        : 'refutation missed (not received by the deadline)';
}

// The simulator's options, with this script's defaults (the first occurrence of an option wins).
const r = simulate({ ...parse([...argv, '--nodes', '100', '--seconds', '600']), json: false });
console.log(
  `false positives ${r.falsePositives} (${r.falsePositivesHealthy} healthy); root declarations by a suspicion timer ${deathsByTimer}, by dead gossip ${deathsByGossip}`,
);
for (const root of roots) {
  if (root.subject === crashed) continue;
  console.log(
    `\n=== ${tag(root.observer)} declared ${tag(root.subject)} dead at ${(root.t / 1000).toFixed(3)}: ${causeOf(root)}`,
  );
  const evs = (bySubject.get(root.subject) ?? []).filter((e) => e.t >= root.t - 60_000 && e.t <= root.t + 15_000);
  let others = 0;
  for (const e of evs) {
    if (
      !verbose &&
      e.kind === 'suspect' &&
      !e.text.startsWith(tag(root.observer)) &&
      !e.text.includes(`from ${tag(root.observer)}`)
    ) {
      if (!e.text.includes(`suspects (from ${e.text.split(' ')[0]}`)) {
        others++;
        continue;
      }
    }
    console.log(`  ${(e.t / 1000).toFixed(3)} ${e.kind.padEnd(12)} ${e.text}`);
  }
  if (others > 0) console.log(`  (${others} other nodes started suspecting it from gossip)`);
}

// What each false positive came from.
const kinds = new Map<string, number>();
for (const root of roots) {
  if (root.subject === crashed) continue;
  const kind = causeOf(root);
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
}
console.log('\nroot declarations about live members, by cause:');
for (const [k, n] of kinds) console.log(`  ${n}  ${k}`);
console.log('failed probes of members not suspected yet (each starts a suspicion):');
for (const [k, n] of [...originated].sort()) console.log(`  ${n}  ${k}`);
