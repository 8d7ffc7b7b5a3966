/**
 * A compact node table for large simulations: the members every node knows are a shared,
 * read-only `MemberBaseline`; this node keeps only the entries it changed or added (an overlay
 * keyed by member id) and its own probe order as a typed array of ids. Behaves as `MemberTable`
 * (same probe walk, reset, random selection), but an entry must be taken with `own` before it is
 * changed, so the shared baseline is never written.
 */
import type { MemberBaseline } from './member-baseline.ts';
import { type Members, type Random, isIpName, randomInt } from './member-table.ts';
import type { NodeState } from './node-state.ts';
import { isDeadOrLeft } from './node-state.ts';

export class OverlayMemberTable implements Members {
  private readonly base: MemberBaseline;
  private readonly baseEntries: readonly NodeState[];
  /** Entries this node changed or added, by id. */
  private readonly over = new Map<number, NodeState>();
  /** 1 where `over` has the baseline member's entry (a cheap test before the map lookup). */
  private readonly changed: Uint8Array;
  /** Ids of members not in the baseline (id ≥ baseline length). */
  private readonly extraIds = new Map<string, number>();
  /** Baseline members this node forgot (reaped after death). */
  private readonly gone: Uint8Array;
  /**
   * The probe order: ids, `count` of them. Shuffled lazily: positions before `shuffled` are
   * drawn, the rest are the ids still to draw from (a Fisher–Yates shuffle run one step per
   * probe), so a node that probes a few dozen members of 10,000 does not shuffle them all.
   */
  private order: Uint32Array;
  private count: number;
  private shuffled = 0;
  private probeIndex = 0;
  private estimated: number;
  private nextExtraId: number;
  private ipNamed = 0;
  private readonly random: Random;

  constructor(base: MemberBaseline, random: Random) {
    this.base = base;
    this.baseEntries = base.entries;
    this.random = random;
    const n = base.length;
    this.gone = new Uint8Array(n);
    this.changed = new Uint8Array(n);
    this.order = new Uint32Array(n + 4);
    this.order.set(base.ids);
    this.count = n;
    this.estimated = n;
    this.nextExtraId = n;
    this.ipNamed = base.ipNamed;
  }

  /** The baseline id `idOf` found last. */
  private lastId = -1;

  private idOf(name: string): number | undefined {
    // A push/pull merge looks members up in the order `all()` sends them, baseline id order:
    // the entry after the last one found is tried before the name index (the same id when the
    // names are equal, as baseline names are unique; the entry is read next anyway).
    const next = this.lastId + 1;
    const base = this.baseEntries;
    const id = next < base.length && base[next].name === name ? next : this.base.index.get(name);
    if (id !== undefined) {
      this.lastId = id;
      return this.gone[id] === 1 ? undefined : id;
    }
    return this.extraIds.get(name);
  }

  private entry(id: number): NodeState {
    return id < this.changed.length && this.changed[id] === 0 ? this.baseEntries[id] : (this.over.get(id) as NodeState);
  }

  private setOver(id: number, node: NodeState): void {
    this.over.set(id, node);
    if (id < this.changed.length) this.changed[id] = 1;
  }

  private deleteOver(id: number): void {
    this.over.delete(id);
    if (id < this.changed.length) this.changed[id] = 0;
  }

  get(name: string): NodeState | undefined {
    const id = this.idOf(name);
    return id === undefined ? undefined : this.entry(id);
  }

  getByHost(host: string): NodeState | undefined {
    return this.ipNamed === 0 ? undefined : this.get(host);
  }

  get size(): number {
    return this.count;
  }

  get estimatedSize(): number {
    return this.estimated;
  }

  /**
   * Every entry, in id order rather than probe order (no caller depends on the order): walking
   * the shared baseline in its own order keeps a 10,000-member push/pull cache-friendly.
   */
  all(): readonly NodeState[] {
    const out = new Array<NodeState>(this.count);
    const base = this.baseEntries;
    let k = 0;
    for (let id = 0; id < base.length; id++) {
      if (this.gone[id] === 0) out[k++] = this.changed[id] === 0 ? base[id] : (this.over.get(id) as NodeState);
    }
    for (const id of this.extraIds.values()) out[k++] = this.over.get(id) as NodeState;
    return out;
  }

  own(node: NodeState): NodeState {
    const id = this.base.index.get(node.name);
    if (id === undefined || this.baseEntries[id] !== node) return node;
    const copy = node.copy();
    this.setOver(id, copy);
    return copy;
  }

  add(node: NodeState): void {
    let id = this.base.index.get(node.name);
    if (id !== undefined) this.gone[id] = 0;
    else {
      id = this.nextExtraId++;
      this.extraIds.set(node.name, id);
    }
    this.setOver(id, node);
    if (isIpName(node.name)) this.ipNamed++;
    if (this.count === this.order.length) {
      const grown = new Uint32Array(this.order.length * 2);
      grown.set(this.order);
      this.order = grown;
    }
    const n = this.count;
    const offset = randomInt(this.random, n);
    this.order[n] = this.order[offset];
    this.order[offset] = id;
    this.count++;
    this.estimated++;
  }

  nextProbeTarget(self: string, now: number, gossipToTheDeadTime: number): NodeState | undefined {
    let checked = 0;
    for (;;) {
      if (checked >= this.count) return undefined;
      if (this.probeIndex >= this.count) {
        this.reset(now, gossipToTheDeadTime);
        this.probeIndex = 0;
        checked++;
        continue;
      }
      const i = this.probeIndex++;
      if (i >= this.shuffled) this.draw(i);
      const node = this.entry(this.order[i]);
      if (node.name === self || isDeadOrLeft(node)) {
        checked++;
        continue;
      }
      return node;
    }
  }

  reset(now: number, gossipToTheDeadTime: number): void {
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const id = this.order[i];
      const n = this.entry(id);
      if (isDeadOrLeft(n) && now - n.stateChange > gossipToTheDeadTime) {
        this.deleteOver(id);
        if (id < this.baseEntries.length) this.gone[id] = 1;
        else this.extraIds.delete(n.name);
        if (isIpName(n.name)) this.ipNamed--;
      } else this.order[kept++] = id;
    }
    this.count = kept;
    this.estimated = kept;
    this.shuffled = 0;
  }

  /** The next step of the lazy shuffle: a random id of those not drawn yet to position `i`. */
  private draw(i: number): void {
    const j = i + randomInt(this.random, this.count - i);
    const t = this.order[i];
    this.order[i] = this.order[j];
    this.order[j] = t;
    this.shuffled = i + 1;
  }

  kRandom(k: number, exclude: (n: NodeState) => boolean): NodeState[] {
    const n = this.count;
    const out: NodeState[] = [];
    if (k <= 0) return out;
    if (n < k * 3) {
      const ids = this.order.slice(0, n);
      shuffleIds(ids, n, this.random);
      for (let i = 0; i < n && out.length < k; i++) {
        const node = this.entry(ids[i]);
        if (!exclude(node)) out.push(node);
      }
      return out;
    }
    for (let i = 0; i < 3 * n && out.length < k; i++) {
      const node = this.entry(this.order[randomInt(this.random, n)]);
      if (exclude(node) || out.includes(node)) continue;
      out.push(node);
    }
    return out;
  }
}

/** Fisher–Yates over the first `n` ids, drawing as `shuffle` in member-table.ts does. */
function shuffleIds(ids: Uint32Array, n: number, random: Random): void {
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const t = ids[i];
    ids[i] = ids[j];
    ids[j] = t;
  }
}
