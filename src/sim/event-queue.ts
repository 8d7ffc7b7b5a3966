/**
 * The simulator's event queue: callbacks run in order of their time, then of insertion. A
 * binary min-heap whose keys (time, insertion number) sit side by side in one typed array, so
 * ordering the tens of thousands of pending events of a large simulation reads contiguous
 * numbers rather than an object per event (the order is the same as any heap by that key).
 */
export class EventQueue {
  /** Per heap position: [time, insertion number]. */
  private keys = new Float64Array(2 * 1024);
  private fns: ((() => void) | undefined)[] = [];
  private n = 0;
  private seq = 0;

  get length(): number {
    return this.n;
  }

  /** The time of the next event, or undefined when there is none. */
  peekTime(): number | undefined {
    return this.n === 0 ? undefined : this.keys[0];
  }

  push(at: number, fn: () => void): void {
    if (2 * (this.n + 1) > this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const k = this.keys;
    const fns = this.fns;
    const seq = this.seq++;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pa = k[2 * p];
      if (pa < at || (pa === at && k[2 * p + 1] < seq)) break;
      k[2 * i] = pa;
      k[2 * i + 1] = k[2 * p + 1];
      fns[i] = fns[p];
      i = p;
    }
    k[2 * i] = at;
    k[2 * i + 1] = seq;
    fns[i] = fn;
  }

  /** Removes and returns the next event (the queue must not be empty). */
  pop(): () => void {
    const k = this.keys;
    const fns = this.fns;
    const top = fns[0] as () => void;
    const n = --this.n;
    const at = k[2 * n];
    const seq = k[2 * n + 1];
    const fn = fns[n];
    fns[n] = undefined;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let m = l;
      let ma = k[2 * l];
      let ms = k[2 * l + 1];
      const r = l + 1;
      if (r < n) {
        const ra = k[2 * r];
        if (ra < ma || (ra === ma && k[2 * r + 1] < ms)) {
          m = r;
          ma = ra;
          ms = k[2 * r + 1];
        }
      }
      if (at < ma || (at === ma && seq < ms)) break;
      k[2 * i] = ma;
      k[2 * i + 1] = ms;
      fns[i] = fns[m];
      i = m;
    }
    k[2 * i] = at;
    k[2 * i + 1] = seq;
    fns[i] = fn;
    return top;
  }
}
