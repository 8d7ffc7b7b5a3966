/**
 * One suspicion of one node (Lifeguard "dogpile"): it starts at the maximum timeout (or the
 * minimum when no confirmations are expected) and shrinks as independent peers confirm the
 * suspicion. Sans-io: it computes deadlines; the state machine owns the timer.
 */
import { confirmedSuspicionTimeout } from './timing.ts';

export class Suspicion {
  /** Confirmations counted so far (not including the first accuser). */
  private confirmations = 0;
  private readonly accusers = new Set<string>();
  /** When the suspicion started (ms on the injected clock). */
  readonly start: number;
  /** When it fires unless confirmations shorten it. */
  deadline: number;

  readonly k: number;
  readonly minMs: number;
  readonly maxMs: number;

  /**
   * @param from  the first accuser
   * @param k     confirmations expected (SuspicionMult − 2, or 0 in small clusters)
   * @param minMs minimum timeout; @param maxMs maximum timeout
   */
  constructor(from: string, k: number, minMs: number, maxMs: number, now: number) {
    this.k = k;
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.accusers.add(from);
    this.start = now;
    this.deadline = now + (k < 1 ? minMs : maxMs);
  }

  get confirmationCount(): number {
    return this.confirmations;
  }

  /**
   * Records a confirmation from `from`. Returns true if it was new (and should be re-gossiped);
   * the deadline then moves earlier (possibly to `now`, meaning: fire at once).
   */
  confirm(from: string, now: number): boolean {
    if (this.confirmations >= this.k) return false;
    if (this.accusers.has(from)) return false;
    this.accusers.add(from);
    this.confirmations++;
    const timeout = confirmedSuspicionTimeout(this.confirmations, this.k, this.minMs, this.maxMs);
    this.deadline = Math.max(now, this.start + timeout);
    return true;
  }
}
