/**
 * The recent-intent buffer: join and leave intents about members memberlist has not reported
 * yet, one per node name (the newest Lamport time wins), read when the node first appears and
 * expired after RecentIntentTimeout (5 min).
 */

export type IntentType = 'join' | 'leave';

interface Intent {
  type: IntentType;
  /** Wall-clock ms when recorded, for expiry. */
  wallTime: number;
  ltime: number;
}

export class RecentIntents {
  private readonly intents = new Map<string, Intent>();
  /** Most names remembered; beyond it the oldest entry is dropped (a flood cannot grow memory). */
  private readonly limit: number;

  constructor(limit = 65536) {
    this.limit = limit;
  }

  get size(): number {
    return this.intents.size;
  }

  /** Records the intent if it is the first or newer than the stored one. True: rebroadcast it. */
  upsert(node: string, type: IntentType, ltime: number, now: number): boolean {
    const cur = this.intents.get(node);
    if (cur !== undefined && ltime <= cur.ltime) return false;
    if (cur === undefined && this.intents.size >= this.limit) {
      const oldest = this.intents.keys().next();
      if (!oldest.done) this.intents.delete(oldest.value);
    }
    this.intents.delete(node);
    this.intents.set(node, { type, wallTime: now, ltime });
    return true;
  }

  /** The Lamport time of a stored intent of `type` about `node`, if any. */
  recent(node: string, type: IntentType): number | undefined {
    const i = this.intents.get(node);
    return i !== undefined && i.type === type ? i.ltime : undefined;
  }

  /** Drops intents older than `timeoutMs`. */
  reap(now: number, timeoutMs: number): void {
    for (const [node, i] of this.intents) if (now - i.wallTime > timeoutMs) this.intents.delete(node);
  }
}
