/**
 * Pending acks by sequence number: a probe or relayed ping registers a handler that an ack (or a
 * nack) resolves, or that expires after a timeout. Sequence numbers are a per-node u32 counter
 * starting at 1, as in Go.
 */
import type { TimerHandle, TimerQueue } from './timer-queue.ts';

export interface AckHandler {
  onAck(payload: Uint8Array | null, receivedAt: number): void;
  onNack?(): void;
  onExpire?(): void;
}

interface Pending {
  readonly handler: AckHandler;
  readonly timer: TimerHandle;
}

export class AckRegistry {
  private readonly pending = new Map<number, Pending>();
  private seq = 0;

  private readonly timers: TimerQueue;

  constructor(timers: TimerQueue) {
    this.timers = timers;
  }

  nextSeqNo(): number {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  }

  /** Waits for the ack of `seqNo` until `expiresAt`. */
  register(seqNo: number, expiresAt: number, handler: AckHandler): void {
    const timer = this.timers.at(expiresAt, () => {
      this.pending.delete(seqNo);
      handler.onExpire?.();
    });
    this.pending.get(seqNo)?.timer.cancel();
    this.pending.set(seqNo, { handler, timer });
  }

  /** An ack arrived: the handler runs once and is removed. Unknown sequence numbers are ignored. */
  ack(seqNo: number, payload: Uint8Array | null, receivedAt: number): void {
    const p = this.pending.get(seqNo);
    if (p === undefined) return;
    this.pending.delete(seqNo);
    p.timer.cancel();
    p.handler.onAck(payload, receivedAt);
  }

  /** A nack arrived for a probe still waiting. */
  nack(seqNo: number): void {
    this.pending.get(seqNo)?.handler.onNack?.();
  }

  clear(): void {
    for (const p of this.pending.values()) p.timer.cancel();
    this.pending.clear();
  }
}
