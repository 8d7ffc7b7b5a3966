/**
 * Accounting for input dropped on purpose: every dropped packet or stream is counted by reason,
 * and logged at most once per peer and reason per minute, so a misconfigured or hostile peer
 * cannot flood the log while the counters still show everything.
 */
import type { Logger } from '../core/core-io.ts';

/** Why input was dropped; the security reasons are the ones a cluster operator acts on. */
export type DropReason =
  | 'no-key' // encrypted with a key we do not have (or tampered)
  | 'not-encrypted' // plaintext while verify-incoming is on
  | 'encryption-not-configured' // encrypted stream to a node without keys
  | 'label-mismatch' // wrong or unexpected label
  | 'cidr' // source or advertised address outside cidrsAllowed
  | 'malformed' // any other decode failure
  | 'timeout'; // a stream that stalled

const LOG_INTERVAL_MS = 60_000;
/** Peers remembered for rate limiting; older entries are forgotten first. */
const MAX_TRACKED = 4096;

export class DropLog {
  readonly counts: Record<DropReason, number> = {
    'no-key': 0,
    'not-encrypted': 0,
    'encryption-not-configured': 0,
    'label-mismatch': 0,
    cidr: 0,
    malformed: 0,
    timeout: 0,
  };
  private readonly lastLogged = new Map<string, number>();
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(log: Logger, now: () => number = () => performance.now()) {
    this.log = log;
    this.now = now;
  }

  /** Counts a drop and logs it unless the same peer and reason was logged within a minute. */
  record(peer: string, channel: 'packet' | 'stream', reason: DropReason, detail: string): void {
    this.counts[reason]++;
    const key = `${reason}|${peer}`;
    const t = this.now();
    const last = this.lastLogged.get(key);
    if (last !== undefined && t - last < LOG_INTERVAL_MS) return;
    this.lastLogged.delete(key);
    this.lastLogged.set(key, t);
    if (this.lastLogged.size > MAX_TRACKED) {
      const oldest = this.lastLogged.keys().next().value;
      if (oldest !== undefined) this.lastLogged.delete(oldest);
    }
    this.log.warn({ peer, channel, reason, detail, dropped: this.counts[reason] }, `dropped ${channel}: ${reason}`);
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}

/** Maps a decoder's error code to a drop reason. */
export function dropReasonOf(code: string): DropReason {
  switch (code) {
    case 'no-key':
    case 'not-encrypted':
    case 'encryption-not-configured':
    case 'label-mismatch':
      return code;
    default:
      return 'malformed';
  }
}
