/**
 * Serf's three broadcast queues — intents (join/leave), user events and queries — behind
 * memberlist's delegate: `getBroadcasts` fills a gossip packet from them in Go Serf's order
 * (intents first, then queries, then events, in the space left), and `hasBroadcasts` tells the
 * core when all three are empty, so an idle Serf node does not wake for gossip ticks. Every
 * broadcast is queued through `queue`, which runs it via `Memberlist.queueBroadcasts` once
 * memberlist is up: the ticks slept through run first, sending nothing, and the broadcast goes
 * out at the next regular tick.
 */
import { type Broadcast, BroadcastQueue } from '../core/broadcast-queue.ts';
import type { Memberlist } from '../memberlist.ts';

export type SerfQueueName = 'intent' | 'event' | 'query';

export class SerfBroadcasts {
  readonly intents: BroadcastQueue;
  readonly events: BroadcastQueue;
  readonly queries: BroadcastQueue;
  /** The memberlist node gossiping them, once it exists (queued directly before that). */
  memberlist: Memberlist | undefined;

  constructor(numNodes: () => number, retransmitMult: number) {
    this.intents = new BroadcastQueue(numNodes, retransmitMult);
    this.events = new BroadcastQueue(numNodes, retransmitMult);
    this.queries = new BroadcastQueue(numNodes, retransmitMult);
  }

  /** Queues `b` on one of the queues, announced to memberlist (see the header). */
  queue(which: SerfQueueName, b: Broadcast): void {
    const q = which === 'intent' ? this.intents : which === 'event' ? this.events : this.queries;
    const ml = this.memberlist;
    if (ml === undefined) q.queue(b);
    else ml.queueBroadcasts(() => q.queue(b));
  }

  /** Whether any queue holds something (the delegate's `hasBroadcasts`). */
  hasBroadcasts(): boolean {
    return this.intents.length > 0 || this.events.length > 0 || this.queries.length > 0;
  }

  /** The delegate's `getBroadcasts`: intents, then queries and events in the space left. */
  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    const out = this.intents.getBroadcasts(overhead, limit);
    let used = 0;
    for (const m of out) used += m.length + overhead;
    for (const q of [this.queries, this.events]) {
      const more = q.getBroadcasts(overhead, limit - used);
      for (const m of more) used += m.length + overhead;
      out.push(...more);
    }
    return out;
  }
}
