/**
 * Output buffers for encoded messages, carved from shared slabs. Allocating a fresh backing store
 * for every small message costs more than encoding it (V8 allocates typed arrays above 64 bytes
 * outside its heap, about 1 µs each), so messages of up to POOLED_MAX_BYTES are views into a
 * 32 KiB slab, as Node's Buffer.allocUnsafe does with its 8 KiB pool. The slab is zero-filled when
 * created and never handed out twice, so a view's `.buffer` holds only other messages' bytes; a
 * long-lived holder of a small message keeps its slab alive, as with Node's pool.
 */

const SLAB_BYTES = 32 * 1024;
/** Larger outputs get their own buffer (at least 8 of these fit in a slab). */
const POOLED_MAX_BYTES = SLAB_BYTES / 8;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** A new `n`-byte output buffer; its contents are unspecified until the caller writes all of it. */
export function allocOutput(n: number): Uint8Array {
  if (n > POOLED_MAX_BYTES) return new Uint8Array(n);
  if (used + n > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const out = new Uint8Array(slab, used, n);
  // 8-byte aligned starts, as Node's pool keeps them.
  used = (used + n + 7) & ~7;
  return out;
}

/** A copy of `b` in a new output buffer. */
export function copyOutput(b: Uint8Array): Uint8Array {
  const out = allocOutput(b.length);
  out.set(b);
  return out;
}
