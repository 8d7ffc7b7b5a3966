/**
 * The length of an encoded alive message, counted from its fields instead of encoded: the
 * broadcast queue needs it for every member a push/pull teaches us (`queueNamedSource`), and
 * the bytes themselves are made only when the message is sent. The same count as the encoder
 * writes (message type, a fixmap of six keys in Go's order, then each value in the forms
 * msgpack-writer.ts uses); test/alive-length.test.ts checks it against `encodedLength`.
 */
import { encodedLength } from './codec.ts';
import { type Alive, MessageType } from './messages.ts';
import { strHeaderBytes, uintBytes } from './msgpack-writer.ts';

/** Type byte, fixmap header and the six keys: Addr, Incarnation, Meta, Node, Port, Vsn. */
const FIXED = 1 + 1 + 5 + 12 + 5 + 5 + 5 + 4;

function bytesOrNilLength(b: Uint8Array | null): number {
  return b === null ? 1 : strHeaderBytes(b.length) + b.length;
}

/** `encodedLength(MessageType.Alive, a)`. */
export function aliveLength(a: Alive): number {
  const name = a.node;
  const n = name.length;
  for (let i = 0; i < n; i++) {
    // Not ASCII: its UTF-8 length is not its length; the encoder counts it.
    if (name.charCodeAt(i) > 0x7f) return encodedLength(MessageType.Alive, a);
  }
  return (
    FIXED +
    bytesOrNilLength(a.addr) +
    uintBytes(a.incarnation) +
    bytesOrNilLength(a.meta) +
    strHeaderBytes(n) +
    n +
    uintBytes(a.port) +
    bytesOrNilLength(a.vsn)
  );
}
