/**
 * The security settings the packet and stream layers apply — label, keys, encryption version,
 * verify switches — and the inbound label check they share, with Go's exact semantics.
 */
import { DecodeError } from '../errors.ts';
import type { EncryptionVersion } from './security.ts';

export interface WireSecurity {
  /** Cluster label; empty means no label header. At most 255 bytes. */
  readonly label: Uint8Array;
  /** Keyring keys, primary first. Empty means encryption is off. */
  readonly keys: readonly Uint8Array[];
  /** 1 unless the local ProtocolVersion is 1 (then 0: PKCS#7 padded). */
  readonly encryptionVersion: EncryptionVersion;
  /** Encrypt what we send (when keys exist). Go: GossipVerifyOutgoing. */
  readonly verifyOutgoing: boolean;
  /** Refuse what is not encrypted (when keys exist). Go: GossipVerifyIncoming. */
  readonly verifyIncoming: boolean;
  /** Accept unlabeled input as if it carried our label; labeled input is then refused. */
  readonly skipInboundLabelCheck: boolean;
}

export const NO_SECURITY: WireSecurity = Object.freeze({
  label: new Uint8Array(0),
  keys: Object.freeze([]) as readonly Uint8Array[],
  encryptionVersion: 1,
  verifyOutgoing: true,
  verifyIncoming: true,
  skipInboundLabelCheck: false,
});

export function encryptionEnabled(sec: WireSecurity): boolean {
  return sec.keys.length > 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const latin1 = new TextDecoder('latin1');

/**
 * Checks the label a packet or stream arrived with and returns the label to use as
 * authenticated data. With skipInboundLabelCheck a received label is an error and ours is
 * assumed; otherwise the received label (possibly empty) must equal ours.
 */
export function checkInboundLabel(received: Uint8Array, sec: WireSecurity): Uint8Array {
  if (sec.skipInboundLabelCheck) {
    if (received.length > 0) {
      throw new DecodeError('label-mismatch', 'unexpected label header while skipping the inbound label check');
    }
    return sec.label;
  }
  if (!sameBytes(received, sec.label)) {
    throw new DecodeError('label-mismatch', `unacceptable label ${JSON.stringify(latin1.decode(received))}`);
  }
  return received;
}
