/**
 * Serf's Lamport clock: `witness(v)` moves the clock to v + 1 when v is not older than it,
 * `increment()` returns the new value. Values are integers below 2^53.
 */
export class LamportClock {
  private counter = 0;

  /** The current value. */
  time(): number {
    return this.counter;
  }

  /** Adds one and returns the new value. */
  increment(): number {
    if (this.counter < Number.MAX_SAFE_INTEGER) this.counter++;
    return this.counter;
  }

  /** Another process's value: ours becomes at least v + 1. */
  witness(v: number): void {
    if (v < this.counter) return;
    this.counter = Math.min(v + 1, Number.MAX_SAFE_INTEGER);
  }
}
