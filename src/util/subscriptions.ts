/**
 * Fan-out of a stream of events to any number of async iterators: each iterator sees the events
 * published after it was created, in order, and ends when the stream ends or its loop breaks.
 */
export class Subscriptions<T> {
  private readonly pushers = new Set<(e: T | null) => void>();
  private ended = false;

  publish(e: T): void {
    for (const push of this.pushers) push(e);
  }

  /** Ends every iterator (after what they still hold); later iterators end at once. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const push of this.pushers) push(null);
  }

  iterator(): AsyncIterableIterator<T> {
    const queue: (T | null)[] = [];
    let wake: (() => void) | undefined;
    const push = (e: T | null): void => {
      queue.push(e);
      wake?.();
    };
    this.pushers.add(push);
    if (this.ended) push(null);
    const done = (): IteratorResult<T> => {
      this.pushers.delete(push);
      return { done: true, value: undefined };
    };
    const iterator: AsyncIterableIterator<T> = {
      next: async () => {
        while (queue.length === 0) {
          await new Promise<void>((r) => {
            wake = r;
          });
          wake = undefined;
        }
        const e = queue.shift();
        return e === null || e === undefined ? done() : { done: false, value: e };
      },
      return: async () => done(),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}
