/**
 * The `--event-handler` syntax, as Serf's agent reads it: `[FILTER=]SCRIPT`, split at the first
 * "=". FILTER is a comma-separated list of `*`, `member-join`, `member-leave`, `member-failed`,
 * `member-update`, `member-reap`, `user`, `user:NAME`, `query` or `query:NAME`; no filter means
 * `*`. Each filter of a list becomes its own EventScript (so a script whose filters overlap runs
 * once per matching filter, as in Serf). Which events a filter matches.
 */
import { FlagError } from './flags.ts';

export const HANDLER_EVENT_TYPES = [
  'member-join',
  'member-leave',
  'member-failed',
  'member-update',
  'member-reap',
  'user',
  'query',
] as const;
export type HandlerEventType = (typeof HANDLER_EVENT_TYPES)[number];

export interface EventFilter {
  /** An event type, or "*" for every event. */
  readonly event: HandlerEventType | '*';
  /** For `user` and `query`: only this event or query name; "" = any. */
  readonly name: string;
}

export interface EventScript extends EventFilter {
  readonly script: string;
}

/** What a filter looks at in an event. */
export interface FilterableEvent {
  readonly type: HandlerEventType;
  /** The user event's or query's name; undefined for member events. */
  readonly name?: string;
}

/** Parses one `--event-handler` value; throws FlagError naming `flag` when it is not valid. */
export function parseEventScript(flag: string, spec: string): EventScript[] {
  const at = spec.indexOf('=');
  const filterText = at < 0 ? '' : spec.slice(0, at);
  const script = at < 0 ? spec : spec.slice(at + 1);
  if (script.trim() === '') throw new FlagError(`${flag}: ${JSON.stringify(spec)} has no script to run`);
  return parseEventFilters(filterText).map((f) => {
    if (f === undefined) {
      throw new FlagError(
        `${flag}: ${JSON.stringify(filterText)} is not an event filter (member-join, member-leave, member-failed, ` +
          `member-update, member-reap, user[:NAME], query[:NAME] or *; write '*=SCRIPT' if the script itself has a "=")`,
      );
    }
    return { ...f, script };
  });
}

/** The filters of a comma-separated list ("" = "*"); undefined for an entry that is not valid. */
export function parseEventFilters(text: string): (EventFilter | undefined)[] {
  return (text === '' ? '*' : text).split(',').map((entry): EventFilter | undefined => {
    let event = entry;
    let name = '';
    for (const prefix of ['user:', 'query:']) {
      if (entry.startsWith(prefix)) {
        event = prefix.slice(0, -1);
        name = entry.slice(prefix.length);
      }
    }
    if (event === '*') return { event, name };
    return (HANDLER_EVENT_TYPES as readonly string[]).includes(event)
      ? { event: event as HandlerEventType, name }
      : undefined;
  });
}

/** Whether a handler with this filter runs for the event. */
export function filterMatches(f: EventFilter, e: FilterableEvent): boolean {
  if (f.event === '*') return true;
  if (f.event !== e.type) return false;
  if ((f.event === 'user' || f.event === 'query') && f.name !== '') return e.name === f.name;
  return true;
}

/** "member-join" or "user:deploy": a filter as logs show it. */
export function filterText(f: EventFilter): string {
  return f.name === '' ? f.event : `${f.event}:${f.name}`;
}
