/**
 * Delivery of Serf events to the application: each event leaves the protocol's call stack (a
 * microtask), passes the optional user-event and member-event coalescers, then reaches the
 * listeners and every open async iterator.
 */
import { Subscriptions } from '../util/subscriptions.ts';
import { Coalescer, MemberCoalesceStrategy, UserCoalesceStrategy } from './coalesce.ts';
import type { SerfEvent } from './events.ts';

export interface CoalesceConfig {
  readonly coalescePeriod: number;
  readonly quiescentPeriod: number;
  readonly userCoalescePeriod: number;
  readonly userQuiescentPeriod: number;
}

export class EventStream {
  private readonly pipeline: (e: SerfEvent) => void;
  private readonly coalescers: Coalescer[] = [];
  private readonly subscribers = new Subscriptions<SerfEvent>();
  private closed = false;

  /** `emit` hands a delivered event to the listeners. */
  constructor(c: CoalesceConfig, emit: (e: SerfEvent) => void) {
    let sink = (e: SerfEvent): void => {
      this.subscribers.publish(e);
      emit(e);
    };
    if (c.coalescePeriod > 0 && c.quiescentPeriod > 0) {
      const member = new Coalescer(new MemberCoalesceStrategy(), c.coalescePeriod, c.quiescentPeriod, sink);
      this.coalescers.push(member);
      sink = (e) => member.push(e);
    }
    if (c.userCoalescePeriod > 0 && c.userQuiescentPeriod > 0) {
      const next = sink;
      const user = new Coalescer(new UserCoalesceStrategy(), c.userCoalescePeriod, c.userQuiescentPeriod, next);
      this.coalescers.push(user);
      sink = (e) => user.push(e);
    }
    this.pipeline = sink;
  }

  /** Queues an event for delivery after the current call stack. */
  push(e: SerfEvent): void {
    queueMicrotask(() => {
      if (!this.closed) this.pipeline(e);
    });
  }

  /** Every event from now until close, as an async iterator. */
  iterator(): AsyncIterableIterator<SerfEvent> {
    return this.subscribers.iterator();
  }

  /** Delivers what the coalescers hold, then ends every iterator; later events are dropped. */
  close(): void {
    if (this.closed) return;
    for (const c of this.coalescers) c.flush();
    this.closed = true;
    this.subscribers.end();
  }
}
