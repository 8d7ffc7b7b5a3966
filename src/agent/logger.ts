/**
 * The agent's logger: pino writing JSON lines synchronously to stderr (so nothing is lost when
 * the process exits), at the level of --log-level, each line tagged with the node name.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './agent-flags.ts';

export function createAgentLogger(level: LogLevel, node: string): Logger {
  return pino(
    { level, base: { pid: process.pid, node }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 2, sync: true }),
  );
}

/** An error's message, for a log field. */
export function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    return err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).join('; ');
  }
  return err instanceof Error ? err.message : String(err);
}
