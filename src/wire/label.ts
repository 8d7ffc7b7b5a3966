/**
 * The label header (0xF4) that keeps clusters apart: `[0xF4][length 1..255][label]` before a
 * packet, and once at the start of a stream. An empty label means no header at all.
 */
import { ConfigError, DecodeError } from '../errors.ts';
import { MAX_LABEL_BYTES } from './limits.ts';
import { MessageType } from './messages.ts';

const EMPTY = new Uint8Array(0);

export function labelOverhead(label: Uint8Array): number {
  return label.length === 0 ? 0 : 2 + label.length;
}

export function addLabelHeader(payload: Uint8Array, label: Uint8Array): Uint8Array {
  if (label.length === 0) return payload;
  if (label.length > MAX_LABEL_BYTES)
    throw new ConfigError(`label is ${label.length} bytes, at most ${MAX_LABEL_BYTES}`);
  const out = new Uint8Array(2 + label.length + payload.length);
  out[0] = MessageType.HasLabel;
  out[1] = label.length;
  out.set(label, 2);
  out.set(payload, 2 + label.length);
  return out;
}

/** Splits off a label header if there is one (no header → empty label). */
export function removeLabelHeader(buf: Uint8Array): { label: Uint8Array; rest: Uint8Array } {
  if (buf.length === 0 || buf[0] !== MessageType.HasLabel) return { label: EMPTY, rest: buf };
  if (buf.length < 2) throw new DecodeError('truncated', 'label: header without a length');
  const len = buf[1];
  if (len === 0) throw new DecodeError('malformed', 'label: header with an empty label');
  if (buf.length < 2 + len) throw new DecodeError('truncated', `label: ${len}-byte label cut short`);
  return { label: buf.subarray(2, 2 + len), rest: buf.subarray(2 + len) };
}
