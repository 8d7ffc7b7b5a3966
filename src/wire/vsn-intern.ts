/**
 * The six protocol version bytes members hold ([pmin, pmax, pcur, dmin, dmax, dcur]): one shared,
 * read-only copy per distinct value — nearly every member of a cluster has the same one — instead
 * of an array per member. At most 16 distinct values are remembered (a record keeps its array
 * when it is dropped from the list); arrays are replaced, never changed in place.
 */
import { keepBytes } from './pool.ts';

const ZERO_VSN = new Uint8Array(6);
const held: Uint8Array[] = [];

/** The shared copy of the first six bytes of `vsn` (all zero when it is shorter). */
export function ownVsn(vsn: Uint8Array): Uint8Array {
  return vsn.length < 6 ? ZERO_VSN : ownVsnAt(vsn, 0);
}

/** The shared copy of the six bytes at `b[start]` (which must be there). */
export function ownVsnAt(b: Uint8Array, start: number): Uint8Array {
  for (let i = 0; i < held.length; i++) {
    const v = held[i];
    if (
      v[0] === b[start] &&
      v[1] === b[start + 1] &&
      v[2] === b[start + 2] &&
      v[3] === b[start + 3] &&
      v[4] === b[start + 4] &&
      v[5] === b[start + 5]
    )
      return v;
  }
  const copy = keepBytes(b.subarray(start, start + 6));
  if (held.length >= 16) held.shift();
  held.push(copy);
  return copy;
}

/** Forgets the values held (decode-caches.ts). */
export function clearVsnIntern(): void {
  held.length = 0;
}
