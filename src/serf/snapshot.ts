/**
 * The optional snapshot file, in Serf's line format: `alive: NAME ADDR:PORT`, `not-alive: NAME`,
 * `clock: N`, `event-clock: N`, `query-clock: N`, `leave`, `# comment`. Replayed at start (the
 * members to rejoin and the last clocks), appended to as events happen (buffered, flushed every
 * 500 ms), and compacted when it grows past twice what the live members need.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { Logger } from '../core/core-io.ts';
import type { Member } from './member.ts';
import type { MemberEventType } from './members.ts';
import { joinHostPort } from '../net/ip.ts';

export interface PreviousNode {
  readonly name: string;
  /** "ip:port" */
  readonly addr: string;
}

const FLUSH_INTERVAL_MS = 500;
const BYTES_PER_NODE = 128;
const COMPACTION_THRESHOLD = 2;
const MIN_COMPACT_SIZE = 128 * 1024;
/** Largest snapshot read at start; a bigger file is only partly replayed. */
const MAX_REPLAY_BYTES = 64 * 1024 * 1024;

export interface SnapshotState {
  alive: Map<string, string>;
  lastClock: number;
  lastEventClock: number;
  lastQueryClock: number;
}

/** Replays snapshot text; `log` gets Go's warnings for lines it cannot use. */
export function replaySnapshot(text: string, rejoinAfterLeave: boolean, log: Logger): SnapshotState {
  const s: SnapshotState = { alive: new Map(), lastClock: 0, lastEventClock: 0, lastQueryClock: 0 };
  const lines = text.split('\n');
  // A final line without its newline was cut off mid-write: ignore it, as Go does.
  lines.pop();
  const clock = (line: string, prefix: string): number | undefined => {
    const v = line.slice(prefix.length);
    if (!/^\d{1,16}$/.test(v)) {
      log.warn({ line }, 'serf: failed to convert clock time in snapshot');
      return undefined;
    }
    return Number(v);
  };
  for (const line of lines) {
    if (line.startsWith('alive: ')) {
      const info = line.slice('alive: '.length);
      const sp = info.lastIndexOf(' ');
      if (sp < 0) {
        log.warn({ line }, 'serf: failed to parse address in snapshot');
        continue;
      }
      s.alive.set(info.slice(0, sp), info.slice(sp + 1));
    } else if (line.startsWith('not-alive: ')) {
      s.alive.delete(line.slice('not-alive: '.length));
    } else if (line.startsWith('clock: ')) {
      s.lastClock = clock(line, 'clock: ') ?? s.lastClock;
    } else if (line.startsWith('event-clock: ')) {
      s.lastEventClock = clock(line, 'event-clock: ') ?? s.lastEventClock;
    } else if (line.startsWith('query-clock: ')) {
      s.lastQueryClock = clock(line, 'query-clock: ') ?? s.lastQueryClock;
    } else if (line.startsWith('coordinate: ') || line.startsWith('#')) {
      continue;
    } else if (line === 'leave') {
      if (rejoinAfterLeave) {
        log.info({}, 'serf: ignoring previous leave in snapshot');
        continue;
      }
      s.alive.clear();
      s.lastClock = 0;
      s.lastEventClock = 0;
      s.lastQueryClock = 0;
    } else {
      log.warn({ line }, 'serf: unrecognized snapshot line');
    }
  }
  return s;
}

export class Snapshotter {
  private readonly path: string;
  private readonly log: Logger;
  private fd: number;
  private offset: number;
  private buffer: string[] = [];
  private readonly state: SnapshotState;
  private readonly timer: NodeJS.Timeout;
  private readonly clockNow: () => number;
  private leaving = false;
  private closed = false;

  /** Opens (creating if needed) and replays the snapshot at `path`. */
  constructor(path: string, opts: { rejoinAfterLeave: boolean; log: Logger; clock: () => number }) {
    this.path = path;
    this.log = opts.log;
    this.clockNow = opts.clock;
    let text = '';
    if (existsSync(path)) {
      const buf = readFileSync(path);
      if (buf.length > MAX_REPLAY_BYTES) this.log.warn({ path }, 'serf: snapshot too large, replaying its start only');
      text = buf.subarray(0, MAX_REPLAY_BYTES).toString('utf8');
    }
    this.state = replaySnapshot(text, opts.rejoinAfterLeave, this.log);
    this.fd = openSync(path, 'a', 0o644);
    this.offset = fstatSync(this.fd).size;
    this.timer = setInterval(() => this.tick(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Members alive when the snapshot was last written (to rejoin). */
  aliveNodes(): PreviousNode[] {
    return [...this.state.alive].map(([name, addr]) => ({ name, addr }));
  }

  get lastClock(): number {
    return this.state.lastClock;
  }

  get lastEventClock(): number {
    return this.state.lastEventClock;
  }

  get lastQueryClock(): number {
    return this.state.lastQueryClock;
  }

  memberEvent(type: MemberEventType, m: Member): void {
    if (type === 'member-join') {
      const addr = joinHostPort(m.addr, m.port);
      this.state.alive.set(m.name, addr);
      this.append(`alive: ${m.name} ${addr}`);
    } else if (type === 'member-leave' || type === 'member-failed') {
      this.state.alive.delete(m.name);
      this.append(`not-alive: ${m.name}`);
    }
    this.updateClock();
  }

  userEvent(ltime: number): void {
    if (ltime <= this.state.lastEventClock) return;
    this.state.lastEventClock = ltime;
    this.append(`event-clock: ${ltime}`);
  }

  query(ltime: number): void {
    if (ltime <= this.state.lastQueryClock) return;
    this.state.lastQueryClock = ltime;
    this.append(`query-clock: ${ltime}`);
  }

  /** Records that we left, so a restart does not rejoin (unless rejoinAfterLeave). */
  leave(): void {
    this.leaving = true;
    this.append('leave');
    this.flush();
  }

  private updateClock(): void {
    const lastSeen = this.clockNow() - 1;
    if (lastSeen > this.state.lastClock) {
      this.state.lastClock = lastSeen;
      this.append(`clock: ${lastSeen}`);
    }
  }

  private tick(): void {
    if (!this.leaving) this.updateClock();
    this.flush();
  }

  private append(line: string): void {
    if (this.closed) return;
    // A member name with a newline would corrupt the line format; such lines are skipped.
    if (line.includes('\n')) return;
    this.buffer.push(`${line}\n`);
  }

  private flush(): void {
    if (this.closed || this.buffer.length === 0) return;
    const text = this.buffer.join('');
    this.buffer = [];
    try {
      this.offset += writeSync(this.fd, text);
      const max = Math.max(this.state.alive.size * BYTES_PER_NODE * COMPACTION_THRESHOLD, MIN_COMPACT_SIZE);
      if (this.offset > max) this.compact();
    } catch (err) {
      this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'serf: failed to update snapshot');
    }
  }

  /** Rewrites the file with only the live members and the clocks. */
  private compact(): void {
    const lines = [...this.state.alive].map(([name, addr]) => `alive: ${name} ${addr}\n`);
    lines.push(`clock: ${this.state.lastClock}\n`);
    lines.push(`event-clock: ${this.state.lastEventClock}\n`);
    lines.push(`query-clock: ${this.state.lastQueryClock}\n`);
    const tmp = `${this.path}.compact`;
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, lines.join(''));
    } finally {
      closeSync(fd);
    }
    closeSync(this.fd);
    renameSync(tmp, this.path);
    this.fd = openSync(this.path, 'a', 0o644);
    this.offset = fstatSync(this.fd).size;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.timer);
    closeSync(this.fd);
  }
}
