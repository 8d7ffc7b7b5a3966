/**
 * The simulator's event queue (src/sim/event-queue.ts) runs events in order of time, then of
 * insertion — the order the simulation's reproducibility from a seed rests on.
 */
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../src/sim/event-queue.ts';
import { Prng } from '../src/sim/prng.ts';

describe('EventQueue', () => {
  it('pops by time, ties in insertion order, across growth and interleaved pushes', () => {
    const prng = new Prng(7);
    const q = new EventQueue();
    const pending: { at: number; id: number }[] = [];
    const popped: number[] = [];
    const expected: number[] = [];
    let id = 0;
    const push = (): void => {
      // Few distinct times, so many ties; some fractional, as link jitter makes them.
      const at = Math.floor(prng.next() * 50) + (prng.next() < 0.3 ? 0.5 : 0);
      const mine = id++;
      pending.push({ at, id: mine });
      q.push(at, () => popped.push(mine));
    };
    const pop = (): void => {
      let best = 0;
      for (let i = 1; i < pending.length; i++) {
        const a = pending[i];
        const b = pending[best];
        if (a.at < b.at || (a.at === b.at && a.id < b.id)) best = i;
      }
      expect(q.peekTime()).toBe(pending[best].at);
      expected.push(pending[best].id);
      pending.splice(best, 1);
      q.pop()();
    };
    for (let i = 0; i < 8000; i++) {
      if (pending.length === 0 || prng.next() < 0.6) push();
      else pop();
    }
    while (pending.length > 0) pop();
    expect(popped).toEqual(expected);
    expect(q.length).toBe(0);
    expect(q.peekTime()).toBeUndefined();
  });
});
