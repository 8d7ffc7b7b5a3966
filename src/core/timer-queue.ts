/**
 * The protocol core's timers. Nothing in the core touches real time: it asks the queue to run a
 * callback at a time on the injected clock, and whoever drives the core (a real event-loop
 * adapter or a simulator) calls `runDue(now)` when `nextDeadline` has passed. Ties run in the
 * order they were scheduled, so runs are reproducible.
 */
import { MinHeap, byTimeThenSeq } from '../util/min-heap.ts';

export interface TimerHandle {
  cancel(): void;
  readonly at: number;
}

interface Entry {
  readonly at: number;
  readonly seq: number;
  fn: (() => void) | null;
}

export class TimerQueue {
  private readonly heap = new MinHeap<Entry>(byTimeThenSeq);
  private seq = 0;

  /** Schedules `fn` at time `at` (ms on the core's clock). */
  at(at: number, fn: () => void): TimerHandle {
    const e: Entry = { at, seq: this.seq++, fn };
    this.heap.push(e);
    return {
      at,
      cancel: () => {
        e.fn = null;
      },
    };
  }

  /** The earliest pending deadline, or undefined when nothing is scheduled. */
  get nextDeadline(): number | undefined {
    while (this.heap.peek()?.fn === null) this.heap.pop();
    return this.heap.peek()?.at;
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
