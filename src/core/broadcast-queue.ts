/**
 * Transmit-limited broadcast queue (Go's TransmitLimitedQueue): every queued message is
 * piggy-backed on outgoing packets until it has been sent `retransmitMult × ceil(log10(n+1))`
 * times. Messages sent fewer times go first; within that, the largest that fits, newest first.
 * A named broadcast (memberlist names its own by node) replaces any queued one of the same name.
 *
 * Memberlist queues one alive message per member it learns, so a queue may hold tens of
 * thousands of items for as long as they take to disseminate: an item is one object holding
 * the message as (buffer, offset, length) — a view is made when the message is sent — and, for
 * `queueNamed` (memberlist's own messages), no Broadcast object. A message that can be encoded
 * again from an object that outlives it unchanged (`queueNamedSource`: an alive message from the
 * member record it describes) is not held at all: the queue keeps the object and its encoded
 * length, and the queue's `SourceEncoder` makes the bytes each time the message is sent.
 */
import { NameMap } from './name-map.ts';
import { retransmitLimit } from './timing.ts';

export interface Broadcast {
  /** The message bytes (a whole message with its type byte). */
  readonly message: Uint8Array;
  /** Replaces any queued broadcast with the same name (memberlist: the node name). */
  readonly name?: string;
  /** Never invalidates, nor is invalidated by, other broadcasts. */
  readonly unique?: boolean;
  /** For plain (unnamed, non-unique) broadcasts: does this one make `other` obsolete? */
  invalidates?(other: Broadcast): boolean;
  /** Called once when the broadcast leaves the queue: sent enough times, replaced, or reset. */
  finished?(): void;
}

/**
 * Encodes the message of a `queueNamedSource` item from its source, each time it is sent: the
 * same bytes (and length) every time, as long as the source does not change while it is queued.
 */
export type SourceEncoder = (source: object) => Uint8Array;

interface Item {
  transmits: number;
  readonly length: number;
  id: number;
  readonly name: string | undefined;
  /**
   * The message bytes: `length` bytes at `offset` of `buffer`; or, when `offset` is -1, the
   * source to encode them from (`queueNamedSource`).
   */
  readonly buffer: ArrayBufferLike | object;
  readonly offset: number;
  /** For `queueNamed` items: called when the item leaves the queue. */
  readonly finished: (() => void) | undefined;
  /** For `queue` items: the broadcast as queued (its `finished`, `unique`, `invalidates`). */
  readonly b: Broadcast | undefined;
}

/** Tells the owner of `item` it left the queue. */
function finish(item: Item): void {
  if (item.b !== undefined) item.b.finished?.();
  else item.finished?.();
}

function makeItem(
  id: number,
  transmits: number,
  length: number,
  name: string | undefined,
  buffer: ArrayBufferLike | object,
  offset: number,
  finished: (() => void) | undefined,
  b: Broadcast | undefined,
): Item {
  return { transmits, length, id, name, buffer, offset, finished, b };
}

/**
 * Storage order within a tier: shorter first, then older (smaller id) first. Go's queue order is
 * the reverse (longer, then newer first), so the item Go would pick is the last one that fits and
 * the common case — the newest of the longest — comes off the end without shifting the array.
 */
function before(a: Item, b: Item): boolean {
  return a.length !== b.length ? a.length < b.length : a.id < b.id;
}

/** Where `item` is, or would go, in a tier (binary search on the queue order). */
function position(tier: Item[], item: Item): number {
  let lo = 0;
  let hi = tier.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(tier[mid], item)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class BroadcastQueue {
  /** tiers[t] holds the items sent t times, in storage order (see `before`). */
  private readonly tiers: Item[][] = [];
  private readonly byName = new NameMap<Item>();
  private size = 0;
  private idGen = 0;

  /**
   * @param numNodes estimated cluster size (for the transmit limit), read on every call
   * @param retransmitMult Go's RetransmitMult
   */
  private readonly numNodes: () => number;
  public retransmitMult: number;
  private readonly encodeSource: SourceEncoder | undefined;

  /** `encodeSource`: how `queueNamedSource` items are encoded when sent. */
  constructor(numNodes: () => number, retransmitMult: number, encodeSource?: SourceEncoder) {
    this.numNodes = numNodes;
    this.retransmitMult = retransmitMult;
    this.encodeSource = encodeSource;
  }

  get length(): number {
    return this.size;
  }

  /** Makes room for `n` more named broadcasts at once (a push/pull about to queue an alive per new member). */
  reserve(n: number): void {
    this.byName.reserve(n);
  }

  queue(b: Broadcast, initialTransmits = 0): void {
    // The id is taken before replaced items are removed (which may restart ids), as Go does.
    const id = this.nextId();
    const name = b.name === '' ? undefined : b.name;
    if (name !== undefined) this.replace(name);
    else if (!b.unique && b.invalidates !== undefined) {
      const stale: Item[] = [];
      for (const tier of this.tiers) {
        if (tier === undefined) continue;
        for (const cur of tier) {
          const plain = cur.b !== undefined && cur.name === undefined && !cur.b.unique;
          if (plain && b.invalidates(cur.b as Broadcast)) stale.push(cur);
        }
      }
      for (const cur of stale) {
        finish(cur);
        this.remove(cur);
      }
    }
    const m = b.message;
    this.insert(makeItem(id, initialTransmits, m.length, name, m.buffer, m.byteOffset, undefined, b));
  }

  /**
   * Queues `message` under `name` (non-empty), replacing any queued broadcast of that name:
   * `queue({ name, message, finished })` without a Broadcast object to keep.
   */
  queueNamed(name: string, message: Uint8Array, finished?: () => void, initialTransmits = 0): void {
    const id = this.nextId();
    this.replace(name);
    const m = message;
    this.insert(makeItem(id, initialTransmits, m.length, name, m.buffer, m.byteOffset, finished, undefined));
  }

  /**
   * `queueNamed` for a message of `length` bytes that the queue's `SourceEncoder` makes from
   * `source` when it is sent. The caller guarantees that `source` does not change, as far as
   * the message goes, while the message is queued (anything that changes it first queues
   * another message of the same name, which replaces this one).
   */
  queueNamedSource(name: string, length: number, source: object, finished?: () => void): void {
    if (this.encodeSource === undefined) throw new Error('BroadcastQueue.queueNamedSource without a SourceEncoder');
    const id = this.nextId();
    this.replace(name);
    this.insert(makeItem(id, 0, length, name, source, -1, finished, undefined));
  }

  /** Finishes and drops the queued broadcast named `name`, if any. */
  private replace(name: string): void {
    const old = this.byName.get(name);
    if (old !== undefined) {
      finish(old);
      this.remove(old);
    }
  }

  private nextId(): number {
    this.idGen = this.idGen >= Number.MAX_SAFE_INTEGER ? 1 : this.idGen + 1;
    return this.idGen;
  }

  /**
   * Takes broadcasts that fit in `limit` bytes, counting `overhead` bytes per message.
   * Each returned message's transmit count goes up; at the limit it is finished and dropped.
   */
  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    if (this.size === 0) return [];
    const transmitLimit = retransmitLimit(this.retransmitMult, this.numNodes());
    const out: Uint8Array[] = [];
    const reinsert: Item[] = [];
    let used = 0;
    for (let t = 0; t < this.tiers.length;) {
      const free = limit - used - overhead;
      if (free <= 0) break;
      const tier = this.tiers[t];
      const idx = tier === undefined ? -1 : this.firstFitting(tier, free);
      if (idx < 0) {
        t++;
        continue;
      }
      const item = tier[idx];
      if (idx === tier.length - 1) tier.pop();
      else tier.splice(idx, 1);
      this.size--;
      if (item.name !== undefined) this.byName.delete(item.name);
      used += overhead + item.length;
      out.push(this.messageOf(item));
      if (item.transmits + 1 >= transmitLimit) {
        finish(item);
      } else {
        item.transmits++;
        reinsert.push(item);
      }
    }
    for (const item of reinsert) this.insert(item);
    if (this.size === 0) this.idGen = 0;
    return out;
  }

  /** The bytes of `item`'s message. */
  private messageOf(item: Item): Uint8Array {
    if (item.b !== undefined) return item.b.message;
    if (item.offset >= 0) return new Uint8Array(item.buffer as ArrayBufferLike, item.offset, item.length);
    return (this.encodeSource as SourceEncoder)(item.buffer);
  }

  /** Drops the most-sent (then smallest, oldest) broadcasts until at most `maxRetain` remain. */
  prune(maxRetain: number): void {
    for (let t = this.tiers.length - 1; t >= 0 && this.size > maxRetain; t--) {
      const tier = this.tiers[t];
      while (tier !== undefined && tier.length > 0 && this.size > maxRetain) {
        const item = tier[0];
        finish(item);
        this.remove(item);
      }
    }
  }

  /** Finishes and drops everything. */
  reset(): void {
    for (const tier of this.tiers) for (const item of tier ?? []) finish(item);
    this.tiers.length = 0;
    this.byName.clear();
    this.size = 0;
    this.idGen = 0;
  }

  /** Index of the largest (then newest) item of at most `free` bytes, or -1. */
  private firstFitting(tier: Item[], free: number): number {
    const n = tier.length;
    if (n === 0) return -1;
    if (tier[n - 1].length <= free) return n - 1;
    // Ascending by length: the last item with length <= free is just before the first longer one.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (tier[mid].length <= free) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  private insert(item: Item): void {
    let tier = this.tiers[item.transmits];
    if (tier === undefined) {
      for (let t = this.tiers.length; t <= item.transmits; t++) this.tiers[t] = [];
      tier = this.tiers[item.transmits];
    }
    // Most items go last (as long as the longest, newer than all): no search, no shifting.
    const n = tier.length;
    if (n === 0 || before(tier[n - 1], item)) tier.push(item);
    else tier.splice(position(tier, item), 0, item);
    this.size++;
    if (item.name !== undefined) this.byName.set(item);
  }

  private remove(item: Item): void {
    const tier = this.tiers[item.transmits];
    const idx = position(tier, item);
    if (tier[idx] === item) {
      tier.splice(idx, 1);
      this.size--;
    }
    if (item.name !== undefined && this.byName.get(item.name) === item) this.byName.delete(item.name);
    if (this.size === 0) this.idGen = 0;
  }
}
