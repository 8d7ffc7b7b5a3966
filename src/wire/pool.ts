/**
 * Small byte arrays carved from shared slabs. Allocating a fresh backing store for every small
 * array costs more than filling it (V8 allocates typed arrays above 64 bytes outside its heap,
 * about 1 µs each) and a small standalone Uint8Array takes about 230 bytes of heap against 112
 * for a view, so:
 *
 * - encoded messages of up to 4 KiB are views into a 32 KiB output slab, as Node's
 *   Buffer.allocUnsafe does with its 8 KiB pool (`allocOutput`, `copyOutput`);
 * - bytes a member keeps for its lifetime (address, metadata) are copied into 4 KiB slabs
 *   (`keepBytes`): never a view into the datagram or stream they arrived in, which must not stay
 *   alive with the member, and smaller slabs so that a few long-lived members retain little.
 *   Short push/pull fields are shared by every member with the same bytes (`keepSharedAt`, from
 *   512-byte slabs, for bytes-intern.ts); a member record read straight from a push/pull
 *   (go-node-state.ts, recent-bytes.ts) has its address and new metadata copied into 4 KiB
 *   slabs, packed (`keepMemberAt`: a 10,000-member state fills about a hundred of them rather
 *   than eight hundred 512-byte ones). Kept arrays are read-only.
 *
 * A slab is zero-filled when created and never handed out twice, so a view's `.buffer` holds only
 * other arrays' bytes; a holder of a small array keeps its slab alive, as with Node's pool.
 */

/**
 * The mark on every slab of a pool: `isKept` is asked for each byte field a member takes, and a
 * property read is cheaper than a WeakSet lookup. (Slabs are never handed out, only views.)
 */
type Marked = ArrayBuffer & { [mark]?: SlabPool; [whole]?: Uint8Array };
const mark = Symbol('slab pool');
/** On every slab: one view of all of it, for holders of (slab, offset, length) (`slabOf`). */
const whole = Symbol('whole slab');

class SlabPool {
  private readonly slabBytes: number;
  /** Larger arrays get their own buffer (at least 8 fit in a slab). */
  readonly maxPooled: number;
  private slab: ArrayBuffer;
  private used = 0;
  /** Starts are multiples of `align + 1` (a power of two). */
  private readonly align: number;

  constructor(slabBytes: number, align = 8) {
    this.slabBytes = slabBytes;
    this.maxPooled = slabBytes / 8;
    this.align = align - 1;
    this.slab = this.newSlab();
  }

  private newSlab(): ArrayBuffer {
    const slab: Marked = new ArrayBuffer(this.slabBytes);
    slab[mark] = this;
    slab[whole] = new Uint8Array(slab);
    return slab;
  }

  alloc(n: number): Uint8Array {
    if (n > this.maxPooled) return new Uint8Array(n);
    const at = this.place(n);
    return new Uint8Array(this.slab, at, n);
  }

  /** Room for `n` (at most `maxPooled`: 64 for the shared pool) bytes: their offset in `wholeSlab()`. */
  place(n: number): number {
    if (this.used + n > this.slabBytes) {
      this.slab = this.newSlab();
      this.used = 0;
    }
    const at = this.used;
    // Aligned starts (8 bytes, as Node's pool keeps them, unless the pool says otherwise).
    this.used = (at + n + this.align) & ~this.align;
    return at;
  }

  /** A view of all of the slab `place` last placed bytes in. */
  wholeSlab(): Uint8Array {
    return (this.slab as Marked)[whole] as Uint8Array;
  }
}

const outputs = new SlabPool(32 * 1024);
const kept = new SlabPool(4 * 1024);
/**
 * Small slabs for the arrays bytes-intern.ts hands out: its cache replaces entries in any order,
 * and each one it still holds keeps its slab alive, so a slab there is at most 512 bytes. The
 * bytes are read a byte at a time, so they are packed without alignment (a 4-byte address took
 * 8, and every 43-byte metadata 48).
 */
const interned = new SlabPool(512, 1);
/**
 * The address and metadata of member records made from push/pull node states, which live as
 * long as the member (or its push/pull cache entry): packed as `interned`, in slabs as large
 * as `kept`'s.
 */
const members = new SlabPool(4 * 1024, 1);

/** A new `n`-byte output buffer; its contents are unspecified until the caller writes all of it. */
export function allocOutput(n: number): Uint8Array {
  return outputs.alloc(n);
}

/** A copy of `b` in a new output buffer. */
export function copyOutput(b: Uint8Array): Uint8Array {
  const out = outputs.alloc(b.length);
  out.set(b);
  return out;
}

/** A copy of `b` to keep for a long time (a member's address or metadata). */
export function keepBytes(b: Uint8Array): Uint8Array {
  const out = kept.alloc(b.length);
  out.set(b);
  return out;
}

/**
 * Whether `b` is already a kept copy (from `keepBytes`, e.g. an interned push/pull field):
 * safe to keep as it is, read-only as every kept array.
 */
export function isKept(b: Uint8Array): boolean {
  return keeps((b.buffer as Marked)[mark]);
}

/**
 * For a kept array (`isKept`): a view of the whole slab it is in, where it starts at its
 * `byteOffset` — so it can be held as (slab, offset, length) without a view object of its own
 * (byte-ref.ts). Undefined for any other array.
 */
export function slabOf(b: Uint8Array): Uint8Array | undefined {
  const slab = b.buffer as Marked;
  return keeps(slab[mark]) ? slab[whole] : undefined;
}

/** Whether `pool`'s slabs hold kept bytes (long-lived, read-only), not output buffers. */
function keeps(pool: SlabPool | undefined): boolean {
  return pool === kept || pool === interned || pool === members;
}

/** Set by `keepSharedAt` and `keepMemberAt`: the whole slab the bytes were copied into, and where. */
export let placedSlab: Uint8Array = new Uint8Array(0);
export let placedAt = 0;

/** Copies `b[start, start + len)` into a slab of `pool`, leaving where in `placedSlab`/`placedAt`. */
function placeCopy(pool: SlabPool, b: Uint8Array, start: number, len: number): void {
  const at = pool.place(len);
  const slab = pool.wholeSlab();
  for (let i = 0; i < len; i++) slab[at + i] = b[start + i];
  placedSlab = slab;
  placedAt = at;
}

/**
 * A copy of `b[start, start + len)` (at most 64 bytes) to share read-only for a long time
 * (bytes-intern.ts), made without a view of either: it is left in `placedSlab` at `placedAt`,
 * to hold as (slab, offset, length) (byte-ref.ts).
 */
export function keepSharedAt(b: Uint8Array, start: number, len: number): void {
  placeCopy(interned, b, start, len);
}

/**
 * `keepSharedAt` for a member record's own address or metadata (go-node-state.ts,
 * recent-bytes.ts): the same, from the members' 4 KiB slabs.
 */
export function keepMemberAt(b: Uint8Array, start: number, len: number): void {
  placeCopy(members, b, start, len);
}
