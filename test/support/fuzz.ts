/** Shared settings and checks for property-based fuzz tests. */
import fc from 'fast-check';
import { DecodeError } from '../../src/errors.ts';

/** Cases per property: 10,000 by default (CI), more with FUZZ_RUNS=N. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

/** Runs `decode` and accepts success or a DecodeError; anything else fails the property. */
export function onlyDecodeErrors(decode: () => unknown): boolean {
  try {
    decode();
    return true;
  } catch (err) {
    if (err instanceof DecodeError) return true;
    throw err;
  }
}

/** Random bytes, biased to be short like real packets but sometimes long. */
export const randomBytes = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
);

/** Mutations of a valid input: bit flips, truncation, insertion, byte overwrite. */
export function mutationsOf(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const len = Math.max(1, valid.length);
  return fc.oneof(
    fc.tuple(fc.nat(len - 1), fc.integer({ min: 0, max: 7 })).map(([i, bit]) => {
      const out = valid.slice();
      if (out.length > 0) out[i % out.length] ^= 1 << bit;
      return out;
    }),
    fc.nat(valid.length).map((n) => valid.slice(0, n)),
    fc.tuple(fc.nat(valid.length), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([i, ins]) => {
      const out = new Uint8Array(valid.length + ins.length);
      out.set(valid.subarray(0, i), 0);
      out.set(ins, i);
      out.set(valid.subarray(i), i + ins.length);
      return out;
    }),
    fc.tuple(fc.nat(len - 1), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
      const out = valid.slice();
      if (out.length > 0) out[i % out.length] = v;
      return out;
    }),
  );
}
