/**
 * The events a Serf node delivers to its application: member events (join, leave, failed,
 * update, reap — several members when coalesced), user events and queries.
 */
import type { Member } from './member.ts';
import type { MemberEventType } from './members.ts';
import type { SerfQuery } from './query.ts';

export type { MemberEventType } from './members.ts';

export interface MemberEvent {
  readonly type: MemberEventType;
  readonly members: readonly Member[];
}

export interface UserEvent {
  readonly type: 'user';
  readonly ltime: number;
  readonly name: string;
  readonly payload: Uint8Array;
  /** The sender allowed coalescing. */
  readonly coalesce: boolean;
}

export interface QueryEvent {
  readonly type: 'query';
  readonly query: SerfQuery;
}

export type SerfEvent = MemberEvent | UserEvent | QueryEvent;

export function isMemberEvent(e: SerfEvent): e is MemberEvent {
  return e.type.startsWith('member-');
}
