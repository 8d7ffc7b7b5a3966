/**
 * A Serf member as users see it (Go's serf.Member): memberlist identity, decoded tags, the Serf
 * status (alive, leaving, left, failed) and both protocol version triples; plus the status codes
 * Go puts on the wire.
 */

export type MemberStatus = 'none' | 'alive' | 'leaving' | 'left' | 'failed';

/** Go's MemberStatus values (a conflict response carries them). */
export const MEMBER_STATUS_CODE: Readonly<Record<MemberStatus, number>> = {
  none: 0,
  alive: 1,
  leaving: 2,
  left: 3,
  failed: 4,
};

export function memberStatusFromCode(code: number): MemberStatus {
  switch (code) {
    case 1:
      return 'alive';
    case 2:
      return 'leaving';
    case 3:
      return 'left';
    case 4:
      return 'failed';
    default:
      return 'none';
  }
}

export interface Member {
  readonly name: string;
  /** IP address as text. */
  readonly addr: string;
  /** The address bytes as advertised (4 or 16). */
  readonly addrBytes: Uint8Array;
  readonly port: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly status: MemberStatus;
  /** memberlist protocol versions. */
  readonly protocolMin: number;
  readonly protocolMax: number;
  readonly protocolCur: number;
  /** Serf (delegate) protocol versions. */
  readonly delegateMin: number;
  readonly delegateMax: number;
  readonly delegateCur: number;
}
