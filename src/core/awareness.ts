/**
 * Lifeguard's local health awareness: an integer score in [0, max − 1] that rises when this node
 * misses acks or has to refute accusations, falls with every successful probe, and scales the
 * probe interval by (score + 1).
 */
export class Awareness {
  private score = 0;
  private readonly max: number;

  /** `maxMultiplier` is Go's AwarenessMaxMultiplier (8 by default: scores 0..7). */
  constructor(maxMultiplier: number) {
    this.max = maxMultiplier;
  }

  /** Adds `delta` (may be negative), clamped to [0, max − 1]. Returns the change applied. */
  apply(delta: number): number {
    const before = this.score;
    this.score = Math.min(Math.max(this.score + delta, 0), this.max - 1);
    return this.score - before;
  }

  /** 0 is healthy; higher is worse. */
  get healthScore(): number {
    return this.score;
  }

  /** Scales a duration by (score + 1). */
  scaleTimeout(ms: number): number {
    return ms * (this.score + 1);
  }
}
