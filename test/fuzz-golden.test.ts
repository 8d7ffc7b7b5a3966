/**
 * Fuzzing from Go's own bytes: every golden record real Go memberlist sent (traffic.json) and
 * every message body (messages.json), mutated — bit flips, truncation, insertions, overwrites —
 * must decode or fail with DecodeError, under the same security settings the record was made with.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodeAnyMessage } from '../src/wire/codec.ts';
import { decodePacket, expandPayload } from '../src/wire/packet.ts';
import { decodePushPull } from '../src/wire/push-pull.ts';
import { decodeStreamMessage, readStreamLabel } from '../src/wire/stream.ts';
import { FUZZ_RUNS, mutationsOf, onlyDecodeErrors } from './support/fuzz.ts';
import { hex } from './support/hex.ts';
import { loadVectors, securityOf } from './support/vectors.ts';

const { records } = loadVectors<{ records: any[] }>('traffic.json');
const { vectors } = loadVectors<{ vectors: any[] }>('messages.json');

const packets = records
  .filter((r) => r.channel === 'packet')
  .map((r) => ({ bytes: hex(r.hex), sec: securityOf(r.config) }));
const streams = records
  .filter((r) => r.channel === 'stream')
  .map((r) => ({ bytes: hex(r.hex), sec: securityOf(r.config) }));
const bodies = vectors.filter((v) => v.typeName !== 'pushNodeState' && v.hex.length < 4000).map((v) => hex(v.hex));

function pick<T>(items: T[]): fc.Arbitrary<T> {
  return fc.integer({ min: 0, max: items.length - 1 }).map((i) => items[i]);
}

describe('fuzzing mutated golden vectors from Go', () => {
  it('packets Go sent, mutated: only DecodeError', () => {
    const arb = pick(packets).chain((p) => mutationsOf(p.bytes).map((b) => ({ b, sec: p.sec })));
    fc.assert(
      fc.property(arb, ({ b, sec }) => onlyDecodeErrors(() => expandPayload(decodePacket(b, sec)))),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('streams Go sent, mutated: only DecodeError', () => {
    const arb = pick(streams).chain((s) => mutationsOf(s.bytes).map((b) => ({ b, sec: s.sec })));
    fc.assert(
      fc.property(arb, ({ b, sec }) =>
        onlyDecodeErrors(() => {
          const { label, consumed } = readStreamLabel(b, sec);
          return decodeStreamMessage(b.subarray(consumed), sec, label);
        }),
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('message bodies Go encoded, mutated: only DecodeError', () => {
    const arb = pick(bodies).chain((b) => mutationsOf(b));
    fc.assert(
      fc.property(arb, (b) =>
        onlyDecodeErrors(() => (b.length > 0 && b[0] === 6 ? decodePushPull(b) : decodeAnyMessage(b))),
      ),
      { numRuns: FUZZ_RUNS },
    );
  });
});
