/**
 * The length of an encoded alive message, counted from its fields instead of encoded: the
 * broadcast queue needs it for every member a push/pull teaches us (`queueNamedSource`), and
 * the bytes themselves are made only when the message is sent. The same count as the encoder
 * writes (message type, a fixmap of six keys in Go's order, then each value in the forms
 * msgpack-writer.ts uses); test/alive-length.test.ts checks it against `encodedLength`.
 */
import { strHeaderBytes, uintBytes } from './msgpack-writer.ts';

/** Type byte, fixmap header and the six keys: Addr, Incarnation, Meta, Node, Port, Vsn. */
const FIXED = 1 + 1 + 5 + 12 + 5 + 5 + 5 + 4;

/** A byte field of `len` bytes, -1 for nil. */
function bytesOrNilLength(len: number): number {
  return len < 0 ? 1 : strHeaderBytes(len) + len;
}

/** The UTF-8 length of `s`, as the encoder writes it (a lone surrogate as U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return n;
}

/**
 * The encoded length of an alive message with these fields; a byte field's length is -1 for
 * nil.
 */
export function aliveLengthOf(
  node: string,
  addrLen: number,
  incarnation: number,
  metaLen: number,
  port: number,
  vsnLen: number,
): number {
  const n = utf8Length(node);
  return (
    FIXED +
    bytesOrNilLength(addrLen) +
    uintBytes(incarnation) +
    bytesOrNilLength(metaLen) +
    strHeaderBytes(n) +
    n +
    uintBytes(port) +
    bytesOrNilLength(vsnLen)
  );
}
