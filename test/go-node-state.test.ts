/**
 * Node states in Go's layout are read straight into records (src/wire/go-node-state.ts); every
 * input, in any of the value forms the fast reader takes or leaves, must decode to what the
 * generic decoder reads from the same bytes — or, when the generic decoder refuses it, be
 * refused with a DecodeError too. Random field values and header forms, with names repeated
 * so that the push/pull cache's hits and changes are exercised as well.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../src/errors.ts';
import { pushNodeStateCodec } from '../src/wire/messages.ts';
import { MsgpackReader } from '../src/wire/msgpack-reader.ts';
import { PushPullReader, decodePushPull, encodePushPull } from '../src/wire/push-pull.ts';
import { FUZZ_RUNS } from './support/fuzz.ts';
import { nodeFields } from './support/node-fields.ts';

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** A str/bin value in one of the forms go-msgpack or another encoder may write, or nil. */
type Form = 'fix' | 'str8' | 'bin8' | 'str16' | 'bin16' | 'str32';
function rawValue(bytes: readonly number[] | null, form: Form): number[] {
  if (bytes === null) return [0xc0];
  const n = bytes.length;
  const head =
    form === 'fix' && n < 32
      ? [0xa0 | n]
      : form === 'str8' && n < 256
        ? [0xd9, n]
        : form === 'bin8' && n < 256
          ? [0xc4, n]
          : form === 'bin16'
            ? [0xc5, n >> 8, n & 255]
            : form === 'str32'
              ? [0xdb, 0, 0, n >> 8, n & 255]
              : [0xda, n >> 8, n & 255];
  return [...head, ...bytes];
}

/** An unsigned value in its smallest form, or a wider one, or a signed form. */
type IntForm = 'min' | 'u16' | 'u32' | 'i32' | 'u64';
function intValue(v: number, form: IntForm): number[] {
  const be = (x: number, n: number): number[] =>
    Array.from({ length: n }, (_, i) => Math.floor(x / 256 ** (n - 1 - i)) % 256);
  if (form === 'min') {
    if (v < 0x80) return [v];
    if (v < 0x100) return [0xcc, v];
    if (v < 0x10000) return [0xcd, ...be(v, 2)];
    return [0xce, ...be(v, 4)];
  }
  if (form === 'u16' && v < 0x10000) return [0xcd, ...be(v, 2)];
  if (form === 'i32' && v < 0x80000000) return [0xd2, ...be(v, 4)];
  if (form === 'u64') return [0xcf, 0, 0, 0, 0, ...be(v, 4)];
  return [0xce, ...be(v, 4)];
}

const form = fc.constantFrom<Form>('fix', 'fix', 'fix', 'str8', 'bin8', 'str16', 'bin16', 'str32');
const intForm = fc.constantFrom<IntForm>('min', 'min', 'min', 'u16', 'u32', 'i32', 'u64');
const bytesOrNil = (max: number) =>
  fc.option(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: max }), { freq: 8 });

const nodeState = fc.record({
  addr: fc.tuple(bytesOrNil(70), form),
  incarnation: fc.tuple(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffff_ffff })), intForm),
  meta: fc.tuple(bytesOrNil(80), form),
  name: fc.tuple(
    fc.oneof(
      fc.integer({ min: 0, max: 5 }).map((i) => ascii(`node-${i}`)),
      fc.string({ maxLength: 40 }).map((s) => [...new TextEncoder().encode(s)]),
      fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }),
    ),
    form,
  ),
  port: fc.tuple(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0x2_0000 })), intForm),
  state: fc.tuple(fc.integer({ min: 0, max: 300 }), intForm),
  vsn: fc.tuple(fc.oneof(fc.constant([1, 5, 2, 0, 0, 0]), bytesOrNil(8)), form),
  nilName: fc.integer({ min: 0, max: 19 }).map((i) => i === 0),
});

/** A push/pull message with this one node state, in Go's key order. */
type NodeInput = typeof nodeState extends fc.Arbitrary<infer T> ? T : never;

function message(n: NodeInput): { msg: Uint8Array; body: Uint8Array } {
  const body = [
    0x87,
    ...rawValue(ascii('Addr'), 'fix'),
    ...rawValue(n.addr[0], n.addr[1]),
    ...rawValue(ascii('Incarnation'), 'fix'),
    ...intValue(n.incarnation[0], n.incarnation[1]),
    ...rawValue(ascii('Meta'), 'fix'),
    ...rawValue(n.meta[0], n.meta[1]),
    ...rawValue(ascii('Name'), 'fix'),
    ...(n.nilName ? [0xc0] : rawValue(n.name[0], n.name[1])),
    ...rawValue(ascii('Port'), 'fix'),
    ...intValue(n.port[0], n.port[1]),
    ...rawValue(ascii('State'), 'fix'),
    ...intValue(n.state[0], n.state[1]),
    ...rawValue(ascii('Vsn'), 'fix'),
    ...rawValue(n.vsn[0], n.vsn[1]),
  ];
  // Header: Nodes 1, UserStateLen 0, Join false.
  const header = [0x83, ...rawValue(ascii('Nodes'), 'fix'), 1, ...rawValue(ascii('UserStateLen'), 'fix'), 0];
  header.push(...rawValue(ascii('Join'), 'fix'), 0xc2);
  return { msg: new Uint8Array([6, ...header, ...body]), body: new Uint8Array(body) };
}

function outcome(f: () => unknown): unknown {
  try {
    return f();
  } catch (err) {
    if (err instanceof DecodeError) return 'DecodeError';
    throw err;
  }
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (err) {
    if (err instanceof DecodeError) return err.code;
    throw err;
  }
}

describe("node states in Go's layout", () => {
  it('decode as the generic decoder reads the same bytes', () => {
    fc.assert(
      fc.property(nodeState, (n) => {
        const { msg, body } = message(n);
        const generic = outcome(() => pushNodeStateCodec.decode(new MsgpackReader(body)));
        // Twice: the second read may come from the push/pull cache.
        for (let i = 0; i < 2; i++) {
          const fast = outcome(() => nodeFields(decodePushPull(msg).nodes[0]));
          expect(fast).toEqual(generic);
        }
      }),
      { numRuns: Math.max(2_000, FUZZ_RUNS / 5) },
    );
  });
});

describe("a push/pull in Go's layout that is not all there", () => {
  it('is refused as truncated before any node state is decoded', () => {
    const nodes = [0, 1, 2].map((i) => ({
      name: `cut-${i}`,
      addr: new Uint8Array([10, 1, 0, i]),
      port: 7946,
      meta: new TextEncoder().encode(`id=${i}`),
      incarnation: 1,
      state: 0,
      vsn: new Uint8Array([1, 5, 2, 0, 0, 0]),
    }));
    const msg = encodePushPull({ join: false, nodes, userState: new Uint8Array([7, 7]) });
    const headerEnd = msg.indexOf(0x87); // the first node state
    for (let cut = headerEnd; cut < msg.length; cut++) {
      const part = msg.subarray(0, cut);
      expect(codeOf(() => new PushPullReader(new MsgpackReader(part, 1)).requireComplete())).toBe('truncated');
      expect(codeOf(() => decodePushPull(part))).toBe('truncated');
    }
    expect(() => new PushPullReader(new MsgpackReader(msg, 1)).requireComplete()).not.toThrow();
  });
});

describe('PushPullReader.requireComplete on any node state', () => {
  it('calls a prefix truncated only when the decoder finds it truncated too', () => {
    fc.assert(
      fc.property(nodeState, fc.integer({ min: 0, max: 1_000 }), (n, at) => {
        const { msg } = message(n);
        const part = msg.subarray(0, Math.floor((at / 1_000) * msg.length));
        if (part.length < 2) return;
        let early: string | undefined;
        try {
          early = codeOf(() => new PushPullReader(new MsgpackReader(part, 1)).requireComplete());
        } catch {
          return; // a header the reader's constructor refuses: nothing to compare
        }
        if (early === 'truncated') expect(codeOf(() => decodePushPull(part))).toBe('truncated');
        // The whole message is never called truncated.
        expect(outcome(() => new PushPullReader(new MsgpackReader(msg, 1)).requireComplete())).not.toBe('DecodeError');
      }),
      { numRuns: Math.max(2_000, FUZZ_RUNS / 5) },
    );
  });
});
