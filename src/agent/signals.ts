/**
 * The agent's stop signals: SIGINT and SIGTERM are caught from the very start; the first asks for
 * a graceful leave (the stop signal aborts), a second one exits at once with code 1. The agent
 * can also ask itself to stop (after `POST /v1/leave`).
 */
import type { Logger } from '../core/core-io.ts';
import { errorText } from './logger.ts';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export interface AgentStop {
  /** Aborts on the first SIGINT/SIGTERM, or on request(). */
  readonly signal: AbortSignal;
  /** Stops the agent as a signal would; `why` is logged. */
  request(why: string): void;
}

export function catchStopSignals(log: Logger): AgentStop {
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
  return {
    signal: stop.signal,
    request: (why) => {
      if (stop.signal.aborted) return;
      log.info({}, why);
      stop.abort();
    },
  };
}

/** Resolves when `signal` aborts. */
export function stopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Runs `leave` once however often it is asked for (the API's leave, then the stop's). */
export function leaveOnce(leave: () => Promise<void>): () => Promise<void> {
  let leaving: Promise<void> | undefined;
  return () => (leaving ??= leave());
}

/**
 * The end of every agent run: wait for the stop, leave (a leave not fully gossiped is logged,
 * not fatal), then close what `closers` name in order. Returns the exit code, 0.
 */
export async function leaveWhenStopped(
  log: Logger,
  stop: AgentStop,
  leave: () => Promise<void>,
  closers: readonly (() => unknown)[],
): Promise<number> {
  await stopped(stop.signal);
  try {
    await leave();
    log.info({}, 'left the cluster');
  } catch (err) {
    log.warn({ err: errorText(err) }, 'leave was not fully gossiped');
  }
  for (const close of closers) await close();
  log.info({}, 'agent stopped');
  return 0;
}
