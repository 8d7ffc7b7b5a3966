/**
 * A byte field held for a long time as (buffer, start, length) instead of a Uint8Array of its
 * own: a Uint8Array view is an object of about 104 bytes, more than the address or metadata it
 * shows, and thousands of members each holding two of them (and V8 copying them through its
 * young generation as each member is learned) cost more than everything else a member holds.
 * Bytes in a kept slab (pool.ts `isKept`) are held as (the slab's whole view, offset, length),
 * shared with every other holder; anything else is first copied into one (`keepBytes`). A view
 * is made only when the bytes are asked for as an array (`viewOf`), and thrown away after use.
 * Held bytes are read-only, as every kept array.
 */
import { keepBytes, slabOf } from './pool.ts';

const EMPTY = new Uint8Array(0);

/** Set by `hold`: the buffer and start of the bytes it was given. */
export let heldBuf: Uint8Array = EMPTY;
export let heldAt = 0;

/**
 * Sets `heldBuf`/`heldAt` to where `b`'s bytes can be held: its kept slab, or a kept copy's
 * (arrays too long for a slab are their own buffer). Empty arrays are held as one shared empty
 * array.
 */
export function hold(b: Uint8Array): void {
  if (b.length === 0) {
    heldBuf = EMPTY;
    heldAt = 0;
    return;
  }
  let slab = slabOf(b);
  if (slab === undefined) {
    b = keepBytes(b);
    slab = slabOf(b);
    if (slab === undefined) {
      heldBuf = b;
      heldAt = 0;
      return;
    }
  }
  heldBuf = slab;
  heldAt = b.byteOffset;
}

/** The held bytes as an array (a new view, or `buf` itself when it is all of them). */
export function viewOf(buf: Uint8Array, at: number, len: number): Uint8Array {
  if (at === 0 && len === buf.length) return buf;
  return new Uint8Array(buf.buffer, buf.byteOffset + at, len);
}

/** Whether the held bytes equal `b`'s. */
export function heldEquals(buf: Uint8Array, at: number, len: number, b: Uint8Array): boolean {
  if (b.length !== len) return false;
  if (b.buffer === buf.buffer && b.byteOffset === buf.byteOffset + at) return true;
  for (let i = 0; i < len; i++) if (buf[at + i] !== b[i]) return false;
  return true;
}
