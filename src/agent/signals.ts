/**
 * The agent's stop signals: SIGINT and SIGTERM are caught from the very start; the first asks for
 * a graceful leave (the returned signal aborts), a second one exits at once with code 1.
 */
import type { Logger } from '../core/core-io.ts';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function catchStopSignals(log: Logger): AbortSignal {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      log.warn({ signal }, 'second signal, exiting without finishing the leave');
      process.exit(1);
    }
    log.info({ signal }, 'signal received, leaving the cluster');
    stop.abort();
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return stop.signal;
}

/** Resolves when `signal` aborts. */
export function stopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
