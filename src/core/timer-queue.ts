/**
 * The protocol core's timers. Nothing in the core touches real time: it asks the queue to run a
 * callback at a time on the injected clock, and whoever drives the core (a real event-loop
 * adapter or a simulator) calls `runDue(now)` when `nextDeadline` has passed. Ties run in the
 * order they were scheduled, so runs are reproducible. A cancelled timer stays in the heap
 * until it reaches the top, where `nextDeadline` drops it.
 */
import { MinHeap, byTimeThenSeq } from '../util/min-heap.ts';

export interface TimerHandle {
  cancel(): void;
  readonly at: number;
}

/** One scheduled callback; it is also the handle given back (no closure per timer). */
class Entry implements TimerHandle {
  readonly at: number;
  readonly seq: number;
  fn: (() => void) | null;

  constructor(at: number, seq: number, fn: () => void) {
    this.at = at;
    this.seq = seq;
    this.fn = fn;
  }

  cancel(): void {
    this.fn = null;
  }
}

export class TimerQueue {
  private readonly heap = new MinHeap<Entry>(byTimeThenSeq);
  private seq = 0;

  /** Schedules `fn` at time `at` (ms on the core's clock). */
  at(at: number, fn: () => void): TimerHandle {
    const e = new Entry(at, this.seq++, fn);
    this.heap.push(e);
    return e;
  }

  /** The earliest pending deadline, or undefined when nothing is scheduled. */
  get nextDeadline(): number | undefined {
    while (this.heap.peek()?.fn === null) this.heap.pop();
    return this.heap.peek()?.at;
  }

  /**
   * The earliest pending deadline other than `skip`'s (a pending handle of this queue, or
   * undefined for none): what a driver must wake up for when `skip`'s timer would do nothing.
   */
  nextDeadlineExcept(skip: TimerHandle | undefined): number | undefined {
    const first = this.nextDeadline;
    const top = this.heap.peek();
    if (skip === undefined || top !== skip) return first;
    // Set the skipped entry aside to see what is under it; pushed back with its own seq, so the
    // order of ties is unchanged.
    this.heap.pop();
    const second = this.nextDeadline;
    this.heap.push(top);
    return second;
  }

  /** Runs every timer due at or before `now`, including ones they schedule for `now`. */
  runDue(now: number): void {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined || top.at > now) return;
      this.heap.pop();
      const fn = top.fn;
      top.fn = null;
      if (fn !== null) fn();
    }
  }

  clear(): void {
    this.heap.clear();
  }
}
