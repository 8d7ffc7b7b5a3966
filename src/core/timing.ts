/**
 * The protocol's scaling formulas, as Go memberlist computes them (util.go): suspicion timeout,
 * retransmit limit, push/pull interval scaling and Lifeguard's confirmation-shrunk suspicion
 * timeout. Durations are milliseconds.
 */

/** Cluster size above which the push/pull interval grows. */
const PUSH_PULL_SCALE_THRESHOLD = 32;

/**
 * Minimum suspicion timeout: `suspicionMult × max(1, log10(max(1, n))) × probeInterval`, with
 * the node scale truncated to thousandths as Go does.
 */
export function suspicionTimeout(suspicionMult: number, n: number, probeIntervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  // Go: Duration(mult) * Duration(nodeScale*1000) * interval / 1000, in integer nanoseconds.
  const scaled = Math.trunc(nodeScale * 1000);
  const nanos = (BigInt(suspicionMult) * BigInt(scaled) * BigInt(Math.round(probeIntervalMs * 1e6))) / 1000n;
  return Number(nanos) / 1e6;
}

/** How many times a broadcast is sent: `retransmitMult × ceil(log10(n + 1))`. */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(n + 1));
}

/** The push/pull interval for a cluster of `n`: unchanged up to 32, then × (ceil(log2 n − 5) + 1). */
export function pushPullScale(intervalMs: number, n: number): number {
  if (n <= PUSH_PULL_SCALE_THRESHOLD) return intervalMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return multiplier * intervalMs;
}

/**
 * Lifeguard: the suspicion timeout after `confirmations` independent confirmations out of `k`
 * expected, `max − log(c+1)/log(k+1) × (max − min)`, floored to whole milliseconds and never
 * below `min`. The caller subtracts the time already elapsed.
 */
export function confirmedSuspicionTimeout(confirmations: number, k: number, minMs: number, maxMs: number): number {
  const frac = Math.log(confirmations + 1) / Math.log(k + 1);
  const raw = maxMs / 1000 - frac * (maxMs / 1000 - minMs / 1000);
  const timeout = Math.floor(1000 * raw);
  return Math.max(timeout, minMs);
}
