/**
 * NameMap (src/core/name-map.ts) against a Map, over random sequences of sets, deletes, reserves and
 * clears: with the seeded hash, and with weak hashes that make names collide so that the bounded
 * probe, the overflow map, backward-shift deletion and the rebuild after a failed rehash all run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NameMap, seededNameHash } from '../src/core/name-map.ts';
import { FUZZ_RUNS } from './support/fuzz.ts';

interface Value {
  readonly name: string;
  readonly v: number;
}

type Op =
  | { kind: 'set'; name: number; v: number }
  | { kind: 'delete'; name: number }
  | { kind: 'clear' }
  | { kind: 'reserve'; n: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('set' as const), name: fc.nat(300), v: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('delete' as const), name: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reserve' as const), n: fc.nat(2000) }) },
);

const hashes: Record<string, (s: string) => number> = {
  seeded: seededNameHash,
  'all equal': () => 7,
  'few buckets': (s) => (s.length % 3) * 64 + 1,
  'low bits equal': (s) => (seededNameHash(s) & ~63) | 5 || 5,
};

function check(hashOf: (s: string) => number, ops: readonly Op[]): void {
  const map = new NameMap<Value>(hashOf);
  const model = new Map<string, Value>();
  const names = (n: number): string => `node-${n}`;
  for (const o of ops) {
    if (o.kind === 'set') {
      const value = { name: names(o.name), v: o.v };
      map.set(value);
      model.set(value.name, value);
    } else if (o.kind === 'delete') {
      expect(map.delete(names(o.name))).toBe(model.delete(names(o.name)));
    } else if (o.kind === 'reserve') {
      map.reserve(o.n);
    } else {
      map.clear();
      model.clear();
    }
    expect(map.size).toBe(model.size);
  }
  for (let n = 0; n <= 300; n++) expect(map.get(names(n))).toBe(model.get(names(n)));
}

describe('NameMap', () => {
  for (const [label, hashOf] of Object.entries(hashes)) {
    it(`holds what a Map holds (${label} hash)`, () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 600 }), (ops) => check(hashOf, ops)),
        { numRuns: Math.max(200, FUZZ_RUNS / 50) },
      );
    });
  }

  it('grows and shrinks through thousands of names', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 5_000; i++) ops.push({ kind: 'set', name: i % 300, v: i });
    check(seededNameHash, ops);
    const map = new NameMap<Value>();
    for (let i = 0; i < 20_000; i++) map.set({ name: `m-${i}`, v: i });
    for (let i = 0; i < 20_000; i += 2) expect(map.delete(`m-${i}`)).toBe(true);
    expect(map.size).toBe(10_000);
    for (let i = 0; i < 20_000; i++) expect(map.get(`m-${i}`)?.v).toBe(i % 2 === 1 ? i : undefined);
  });

  it('the seeded hash is never 0 and differs between similar names', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const h = seededNameHash(`member-${i}`);
      expect(h).not.toBe(0);
      seen.add(h);
    }
    expect(seen.size).toBeGreaterThan(9_990);
  });
});
