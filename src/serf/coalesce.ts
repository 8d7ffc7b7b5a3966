/**
 * Event coalescing, as Serf's agent does it: events a strategy accepts are held until a
 * coalesce period passes since the first one or a quiescent period passes since the last,
 * then flushed. Member events keep the latest per member (repeats of the last delivered type
 * dropped, updates always kept); user events with CC keep only the newest Lamport time per name.
 */
import { type MemberEvent, type SerfEvent, type UserEvent, isMemberEvent } from './events.ts';
import type { Member } from './member.ts';
import type { MemberEventType } from './members.ts';

export interface CoalesceStrategy {
  handles(e: SerfEvent): boolean;
  add(e: SerfEvent): void;
  flush(): SerfEvent[];
}

/** Latest event per member; a member's repeated event of the same type is delivered once. */
export class MemberCoalesceStrategy implements CoalesceStrategy {
  private readonly lastDelivered = new Map<string, MemberEventType>();
  private latest = new Map<string, { type: MemberEventType; member: Member }>();

  handles(e: SerfEvent): boolean {
    return isMemberEvent(e);
  }

  add(e: SerfEvent): void {
    const m = e as MemberEvent;
    for (const member of m.members) this.latest.set(member.name, { type: m.type, member });
  }

  flush(): SerfEvent[] {
    const byType = new Map<MemberEventType, Member[]>();
    for (const [name, { type, member }] of this.latest) {
      const previous = this.lastDelivered.get(name);
      if (previous === type && type !== 'member-update') continue;
      if (type === 'member-reap') this.lastDelivered.delete(name);
      else this.lastDelivered.set(name, type);
      const list = byType.get(type) ?? [];
      list.push(member);
      byType.set(type, list);
    }
    this.latest = new Map();
    return [...byType].map(([type, members]) => ({ type, members }));
  }
}

/** For each name, only the events of the newest Lamport time (coalescable events only). */
export class UserCoalesceStrategy implements CoalesceStrategy {
  private latest = new Map<string, { ltime: number; events: UserEvent[] }>();

  handles(e: SerfEvent): boolean {
    return e.type === 'user' && e.coalesce;
  }

  add(e: SerfEvent): void {
    const u = e as UserEvent;
    const cur = this.latest.get(u.name);
    if (cur === undefined || cur.ltime < u.ltime) this.latest.set(u.name, { ltime: u.ltime, events: [u] });
    else if (cur.ltime === u.ltime) cur.events.push(u);
  }

  flush(): SerfEvent[] {
    const out = [...this.latest.values()].flatMap((l) => l.events);
    this.latest = new Map();
    return out;
  }
}

/** Holds events of one strategy and flushes them to `out` on the coalesce / quiescent timers. */
export class Coalescer {
  private readonly strategy: CoalesceStrategy;
  private readonly periodMs: number;
  private readonly quiescentMs: number;
  private readonly out: (e: SerfEvent) => void;
  private quantum: NodeJS.Timeout | undefined;
  private quiescent: NodeJS.Timeout | undefined;

  constructor(strategy: CoalesceStrategy, periodMs: number, quiescentMs: number, out: (e: SerfEvent) => void) {
    this.strategy = strategy;
    this.periodMs = periodMs;
    this.quiescentMs = quiescentMs;
    this.out = out;
  }

  push(e: SerfEvent): void {
    if (!this.strategy.handles(e)) {
      this.out(e);
      return;
    }
    if (this.quantum === undefined) this.quantum = setTimeout(() => this.flush(), this.periodMs);
    if (this.quiescent !== undefined) clearTimeout(this.quiescent);
    this.quiescent = setTimeout(() => this.flush(), this.quiescentMs);
    this.strategy.add(e);
  }

  /** Delivers everything held now and stops the timers. */
  flush(): void {
    if (this.quantum !== undefined) clearTimeout(this.quantum);
    if (this.quiescent !== undefined) clearTimeout(this.quiescent);
    this.quantum = undefined;
    this.quiescent = undefined;
    for (const e of this.strategy.flush()) this.out(e);
  }
}
