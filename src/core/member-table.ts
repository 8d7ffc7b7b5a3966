/**
 * The node table: every member by name, plus the probe order (a shuffled list walked round-robin).
 * When the walk wraps around, dead and left members older than GossipToTheDeadTime are forgotten
 * and the rest reshuffled, as Go's resetNodes does. Also random peer selection (kRandomNodes).
 */
import { isIP } from 'node:net';
import { NameMap } from './name-map.ts';
import type { NodeState } from './node-state.ts';
import { isDeadOrLeft } from './node-state.ts';

export type Random = () => number;

export function randomInt(random: Random, n: number): number {
  return n <= 0 ? 0 : Math.floor(random() * n);
}

export function shuffle<T>(items: T[], random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
}

/**
 * What the protocol needs of a node table. `MemberTable` is the one every real node uses; the
 * simulator's large clusters use `OverlayMemberTable` (a shared baseline plus this node's
 * differences), which is why entries are changed only after `own`.
 */
export interface Members {
  get(name: string): NodeState | undefined;
  getByHost(host: string): NodeState | undefined;
  readonly size: number;
  readonly estimatedSize: number;
  all(): readonly NodeState[];
  add(node: NodeState): void;
  /** The entry of `node` that this node may change in place (the same object here). */
  own(node: NodeState): NodeState;
  /** Makes room for `n` more members at once (a push/pull about to add them), if it keeps an index. */
  reserve?(n: number): void;
  nextProbeTarget(self: string, now: number, gossipToTheDeadTime: number): NodeState | undefined;
  reset(now: number, gossipToTheDeadTime: number): void;
  kRandom(k: number, exclude: (n: NodeState) => boolean): NodeState[];
  /**
   * Goes up whenever `all()` may return other entries, another order or changed fields (every
   * `add`, `own` and `reset`), so what was computed from it can be kept until then; undefined
   * when the table does not count (no such caching).
   */
  readonly version?: number;
}

/** Whether a member name is an IP address (cheap test first: most names start with a letter). */
export function isIpName(name: string): boolean {
  const c = name.charCodeAt(0);
  return ((c >= 0x30 && c <= 0x39) || name.includes(':')) && isIP(name) !== 0;
}

export class MemberTable implements Members {
  private nodes: NodeState[] = [];
  private readonly byName = new NameMap<NodeState>();
  private probeIndex = 0;
  /** Go's numNodes: grows on insert, set to the table size at each reset. */
  private estimated = 0;
  /** Members whose name is an IP address (see `getByHost`). */
  private ipNamed = 0;
  private changes = 0;

  private readonly random: Random;

  constructor(random: Random) {
    this.random = random;
  }

  get(name: string): NodeState | undefined {
    return this.byName.get(name);
  }

  /**
   * The member *named* `host` — Go looks a packet's destination up this way when it has no node
   * object, which only ever matches clusters whose node names are IP addresses. Skipped cheaply
   * when no member has such a name.
   */
  getByHost(host: string): NodeState | undefined {
    return this.ipNamed === 0 ? undefined : this.byName.get(host);
  }

  /** Entries in the table, including dead and left ones not yet forgotten. */
  get size(): number {
    return this.nodes.length;
  }

  /** The cluster size estimate used by the timing formulas. */
  get estimatedSize(): number {
    return this.estimated;
  }

  all(): readonly NodeState[] {
    return this.nodes;
  }

  get version(): number {
    return this.changes;
  }

  /** `node` itself; counted as a change (callers own an entry to change it). */
  own(node: NodeState): NodeState {
    this.changes++;
    return node;
  }

  reserve(n: number): void {
    this.byName.reserve(n);
  }

  /** Inserts a new member at a random position of the probe order. */
  add(node: NodeState): void {
    this.changes++;
    this.byName.set(node);
    if (isIpName(node.name)) this.ipNamed++;
    const n = this.nodes.length;
    const offset = randomInt(this.random, n);
    this.nodes.push(node);
    this.nodes[n] = this.nodes[offset];
    this.nodes[offset] = node;
    this.estimated++;
  }

  /**
   * The next member to probe, walking the probe order round-robin and skipping ourselves and
   * dead/left members. Wrapping around triggers `reset`. Undefined when there is nobody to probe.
   */
  nextProbeTarget(self: string, now: number, gossipToTheDeadTime: number): NodeState | undefined {
    let checked = 0;
    for (;;) {
      if (checked >= this.nodes.length) return undefined;
      if (this.probeIndex >= this.nodes.length) {
        this.reset(now, gossipToTheDeadTime);
        this.probeIndex = 0;
        checked++;
        continue;
      }
      const node = this.nodes[this.probeIndex++];
      if (node.name === self || isDeadOrLeft(node)) {
        checked++;
        continue;
      }
      return node;
    }
  }

  /** Forgets dead/left members whose state is older than `gossipToTheDeadTime`, then shuffles. */
  reset(now: number, gossipToTheDeadTime: number): void {
    this.changes++;
    const keep: NodeState[] = [];
    for (const n of this.nodes) {
      if (isDeadOrLeft(n) && now - n.stateChange > gossipToTheDeadTime) {
        this.byName.delete(n.name);
        if (isIpName(n.name)) this.ipNamed--;
      } else keep.push(n);
    }
    this.nodes = keep;
    this.estimated = keep.length;
    shuffle(this.nodes, this.random);
  }

  /**
   * Up to k distinct random members not excluded. Small tables are searched exhaustively (as Go
   * v0.6.0 does), large ones by up to 3n random draws.
   */
  kRandom(k: number, exclude: (n: NodeState) => boolean): NodeState[] {
    const n = this.nodes.length;
    const out: NodeState[] = [];
    if (k <= 0) return out;
    if (n < k * 3) {
      const copy = this.nodes.slice();
      shuffle(copy, this.random);
      for (const node of copy) {
        if (out.length >= k) break;
        if (!exclude(node)) out.push(node);
      }
      return out;
    }
    for (let i = 0; i < 3 * n && out.length < k; i++) {
      const node = this.nodes[randomInt(this.random, n)];
      if (exclude(node) || out.includes(node)) continue;
      out.push(node);
    }
    return out;
  }
}
