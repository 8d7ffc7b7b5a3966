/**
 * The Lamport-indexed dedupe rings Serf keeps for user events and queries: `size` slots (512 by
 * default) indexed by `LTime % size`, each remembering what was seen at one Lamport time. A
 * message is new unless it is below the minimum time, older than `current − size`, or already in
 * its slot. The event ring is also what push/pull sends as `Events`.
 */
import type { UserEventsSlot } from './messages.ts';

/** Why a message was not new (undefined: it was new, and is now recorded). */
export type RingVerdict = undefined | 'before-min-time' | 'too-old' | 'duplicate';

function bytesEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  const x = a ?? EMPTY;
  const y = b ?? EMPTY;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const EMPTY = new Uint8Array(0);

interface Slot<T> {
  ltime: number;
  items: T[];
}

/** Shared ring logic; `same` decides whether two entries at one Lamport time are duplicates. */
class LamportRing<T> {
  private readonly slots: (Slot<T> | undefined)[];
  /** Messages below this time are ignored (snapshot restore, join with ignoreOld). */
  minTime = 0;
  private readonly same: (a: T, b: T) => boolean;
  /** Largest number of entries remembered at one Lamport time (bounds memory). */
  private readonly perSlotLimit: number;

  constructor(size: number, same: (a: T, b: T) => boolean, perSlotLimit = 1024) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('ring size must be a positive integer');
    this.slots = new Array<Slot<T> | undefined>(size);
    this.same = same;
    this.perSlotLimit = perSlotLimit;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Records `item` seen at `ltime` when it is new; `current` is the clock after witnessing. */
  offer(ltime: number, item: T, current: number): RingVerdict {
    if (ltime < this.minTime) return 'before-min-time';
    const size = this.slots.length;
    if (current > size && ltime < current - size) return 'too-old';
    const idx = ltime % size;
    let slot = this.slots[idx];
    if (slot !== undefined && slot.ltime === ltime) {
      for (const prev of slot.items) if (this.same(prev, item)) return 'duplicate';
      if (slot.items.length >= this.perSlotLimit) return 'duplicate';
    } else {
      slot = { ltime, items: [] };
      this.slots[idx] = slot;
    }
    slot.items.push(item);
    return undefined;
  }

  /** Every slot in index order (undefined where nothing was seen). */
  all(): readonly (Slot<T> | undefined)[] {
    return this.slots;
  }
}

export interface RingEvent {
  readonly name: string;
  readonly payload: Uint8Array | null;
}

/** User events: duplicates are the same name and payload at the same Lamport time. */
export class EventRing {
  private readonly ring: LamportRing<RingEvent>;

  constructor(size = 512) {
    this.ring = new LamportRing<RingEvent>(size, (a, b) => a.name === b.name && bytesEqual(a.payload, b.payload));
  }

  get minTime(): number {
    return this.ring.minTime;
  }

  set minTime(v: number) {
    this.ring.minTime = v;
  }

  get size(): number {
    return this.ring.size;
  }

  offer(ltime: number, event: RingEvent, current: number): RingVerdict {
    return this.ring.offer(ltime, event, current);
  }

  /** The buffer as push/pull's `Events`: one entry per slot, null where empty (like Go). */
  toPushPull(): (UserEventsSlot | null)[] {
    return this.ring
      .all()
      .map((s) =>
        s === undefined ? null : { ltime: s.ltime, events: s.items.map((e) => ({ name: e.name, payload: e.payload })) },
      );
  }
}

/** Queries: duplicates are the same ID at the same Lamport time. */
export class QueryRing {
  private readonly ring: LamportRing<number>;

  constructor(size = 512) {
    this.ring = new LamportRing<number>(size, (a, b) => a === b);
  }

  get minTime(): number {
    return this.ring.minTime;
  }

  set minTime(v: number) {
    this.ring.minTime = v;
  }

  offer(ltime: number, id: number, current: number): RingVerdict {
    return this.ring.offer(ltime, id, current);
  }
}
