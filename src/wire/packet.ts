/**
 * UDP packet layers, in Go's order. Send: message → compress (only if smaller) → CRC → encrypt →
 * label. Receive: label → decrypt → CRC → dispatchable payload, which `expandPayload` splits into
 * its leaf messages (compound parts, decompressed messages).
 */
import { DecodeError } from '../errors.ts';
import { compressMessage, readCompressed } from './compress.ts';
import { decodeCompound } from './compound.ts';
import { addCrcHeader, removeCrcHeader } from './crc32.ts';
import { addLabelHeader, removeLabelHeader } from './label.ts';
import { MAX_DECOMPRESSED_BYTES } from './limits.ts';
import { MessageType } from './messages.ts';
import { MsgpackReader } from './msgpack-reader.ts';
import { decryptPayload, encryptPayload } from './security.ts';
import { type WireSecurity, checkInboundLabel, encryptionEnabled } from './wire-security.ts';

export interface PacketSendOptions {
  /** EnableCompression: compress, and keep the result only if strictly shorter. */
  readonly compress: boolean;
  /** Add the CRC header (Go: only toward nodes that advertise protocol max >= 5). */
  readonly crc: boolean;
}

/** Wraps one message (possibly a compound) into the bytes of a datagram. */
export function encodePacket(msg: Uint8Array, opts: PacketSendOptions, sec: WireSecurity): Uint8Array {
  let buf = msg;
  if (opts.compress) {
    const c = compressMessage(buf);
    if (c.length < buf.length) buf = c;
  }
  if (opts.crc) buf = addCrcHeader(buf);
  if (encryptionEnabled(sec) && sec.verifyOutgoing) {
    buf = encryptPayload(sec.encryptionVersion, sec.keys[0], buf, sec.label);
  }
  return addLabelHeader(buf, sec.label);
}

/**
 * Removes label, encryption and CRC from a received datagram, returning the payload to dispatch.
 * Throws DecodeError with the reason when the packet must be dropped.
 */
export function decodePacket(datagram: Uint8Array, sec: WireSecurity): Uint8Array {
  const { label: received, rest } = removeLabelHeader(datagram);
  const label = checkInboundLabel(received, sec);
  let buf = rest;
  if (encryptionEnabled(sec)) {
    try {
      buf = decryptPayload(sec.keys, buf, label);
    } catch (err) {
      // With verifyIncoming off, anything that does not decrypt is taken as plaintext.
      if (sec.verifyIncoming) throw classifyDecryptFailure(err);
    }
  }
  if (buf.length >= 5 && buf[0] === MessageType.HasCrc) buf = removeCrcHeader(buf);
  return buf;
}

export interface ExpandedPayload {
  /** Leaf messages, each starting with its type byte. */
  readonly messages: Uint8Array[];
  /** Compound parts whose bytes were missing (Go logs and skips them). */
  readonly truncatedParts: number;
  /** Why parts were dropped; the other parts are still delivered, as in Go. */
  readonly errors: DecodeError[];
}

/** Nesting of compound/compress inside each other that we follow before refusing. */
const MAX_NESTING = 4;

/**
 * Splits a dispatchable payload into leaf messages, following compound and compress messages
 * the way Go's handleCommand recurses: a bad part is reported and skipped, its siblings are kept.
 * Nesting is bounded and so is the total number of bytes decompressed from one packet.
 */
export function expandPayload(payload: Uint8Array): ExpandedPayload {
  const messages: Uint8Array[] = [];
  const errors: DecodeError[] = [];
  let truncatedParts = 0;
  let budget = MAX_DECOMPRESSED_BYTES;
  const visit = (msg: Uint8Array, depth: number): void => {
    try {
      if (msg.length === 0) throw new DecodeError('truncated', 'missing message type byte');
      const type = msg[0];
      if (type !== MessageType.Compound && type !== MessageType.Compress) {
        messages.push(msg);
        return;
      }
      if (depth >= MAX_NESTING) throw new DecodeError('limit', 'compound/compress nested too deeply');
      if (type === MessageType.Compound) {
        const { parts, truncated } = decodeCompound(msg, 1);
        truncatedParts += truncated;
        for (const part of parts) visit(part, depth + 1);
        return;
      }
      const inner = readCompressed(new MsgpackReader(msg, 1), budget);
      budget -= inner.length;
      visit(inner, depth + 1);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      errors.push(err);
    }
  };
  visit(payload, 0);
  return { messages, truncatedParts, errors };
}

/**
 * A packet that failed to decrypt: 'no-key' when it had the shape of ciphertext (a known
 * version, long enough) but no key opened it; 'not-encrypted' when it cannot be ciphertext at all.
 */
function classifyDecryptFailure(err: unknown): unknown {
  if (!(err instanceof DecodeError) || err.code === 'no-key') return err;
  return new DecodeError('not-encrypted', `packet is not encrypted (${err.message})`);
}
