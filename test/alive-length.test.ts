/**
 * The length of an alive message counted from its fields (alive-length.ts) is the length the
 * encoder writes, for every size class of each field (fixstr/str16/str32 headers, each unsigned
 * integer form, nil and empty byte fields, non-ASCII names).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aliveLengthOf } from '../src/wire/alive-length.ts';
import { encodedLength } from '../src/wire/codec.ts';
import { type Alive, MessageType } from '../src/wire/messages.ts';

const bytes = fc.oneof(
  fc.constant(null),
  fc.uint8Array({ maxLength: 40 }),
  fc.integer({ min: 0, max: 70_000 }).map((n) => new Uint8Array(n)),
);
const uint32 = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 70_000 }),
  fc.integer({ min: 0, max: 0xffff_ffff }),
);
const name = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 0, max: 70_000 }).map((n) => 'n'.repeat(n)),
  fc.constantFrom('n\ud800', '\udc00x', 'é', '\u{1f600}', '\ud83d\ude00\ud83d'),
);

/** `aliveLengthOf` for the fields of `a`, as the broadcast queue passes them (-1 for nil). */
function aliveLength(a: Alive): number {
  return aliveLengthOf(a.node, a.addr?.length ?? -1, a.incarnation, a.meta?.length ?? -1, a.port, a.vsn?.length ?? -1);
}

describe('aliveLengthOf', () => {
  it('equals the encoded length', () => {
    fc.assert(
      fc.property(name, bytes, uint32, bytes, uint32, bytes, (node, addr, incarnation, meta, port, vsn) => {
        const a: Alive = { node, addr, incarnation, meta, port: port & 0xffff, vsn };
        expect(aliveLength(a)).toBe(encodedLength(MessageType.Alive, a));
      }),
      { numRuns: 2_000 },
    );
  });

  it('counts a typical member', () => {
    const a: Alive = {
      node: 'member-00001.dc1',
      addr: new Uint8Array([127, 2, 0, 1]),
      incarnation: 1,
      meta: new TextEncoder().encode('role=web,dc=dc1,rack=r01,id=00000001'),
      port: 7946,
      vsn: new Uint8Array([1, 5, 2, 0, 0, 0]),
    };
    expect(aliveLength(a)).toBe(encodedLength(MessageType.Alive, a));
  });
});
