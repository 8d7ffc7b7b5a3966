/**
 * Joining with retries: calls Memberlist.join until one of the addresses answers, backing off
 * from 500 ms to 5 s between attempts, until the join timeout passes or the agent is stopped.
 */
import type { Logger } from '../core/core-io.ts';
import { errorText } from './logger.ts';

export interface Joiner {
  join(addresses: readonly string[], opts: { signal?: AbortSignal }): Promise<number>;
}

export type JoinOutcome =
  | { readonly kind: 'joined'; readonly contacted: number; readonly attempts: number }
  | { readonly kind: 'timeout'; readonly attempts: number; readonly lastError: string }
  | { readonly kind: 'stopped' };

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5000;

export async function joinWithRetry(
  node: Joiner,
  addresses: readonly string[],
  opts: { timeoutMs: number; stop: AbortSignal; log: Logger },
): Promise<JoinOutcome> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = AbortSignal.any([deadline, opts.stop]);
  let attempts = 0;
  let lastError = '';
  let delay = FIRST_DELAY_MS;
  const ended = (): JoinOutcome | undefined => {
    if (opts.stop.aborted) return { kind: 'stopped' };
    if (deadline.aborted) return { kind: 'timeout', attempts, lastError };
    return undefined;
  };
  for (;;) {
    attempts++;
    try {
      const contacted = await node.join(addresses, { signal });
      return { kind: 'joined', contacted, attempts };
    } catch (err) {
      const end = ended();
      if (end !== undefined) return end;
      lastError = errorText(err);
      opts.log.warn({ join: addresses, attempt: attempts, err: lastError, retryInMs: delay }, 'join failed, retrying');
    }
    await sleep(delay, signal);
    const end = ended();
    if (end !== undefined) return end;
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
