/**
 * Known node states (src/wire/known-node-states.ts, made by the simulator's member baseline and
 * handed to its nodes' writers and readers): a push/pull writer copies their bytes and a reader
 * recognizes them, and neither changes anything but the work — the bytes written, the values
 * read, the errors of cut-short input are those of the plain encoder and decoder. A member
 * changed after the baseline was made is a copy (`own`), which is encoded and parsed as any other.
 */
import { describe, expect, it } from 'vitest';
import { NodeState } from '../src/core/node-state.ts';
import { DecodeError } from '../src/errors.ts';
import { KnownNodeStates } from '../src/wire/known-node-states.ts';
import { NodeStateCode, type PushNodeState } from '../src/wire/messages.ts';
import { MsgpackReader } from '../src/wire/msgpack-reader.ts';
import { PushPullReader, PushPullWriter, decodePushPull, readPushPull } from '../src/wire/push-pull.ts';
import { plainPushPull } from './support/node-fields.ts';

const VSN = new Uint8Array([1, 5, 5, 2, 5, 2]);

function entry(i: number, meta: Uint8Array | null = null): NodeState {
  return new NodeState(
    `known-${i}`,
    new Uint8Array([10, 8, i >> 8, i & 255]),
    7946,
    meta,
    1,
    NodeStateCode.Alive,
    0,
    VSN,
  );
}

const entries = Array.from({ length: 60 }, (_, i) => entry(i, i === 3 ? new Uint8Array([1, 2, 3]) : null));
const index = new Map(entries.map((e, i) => [e.name, i]));

/**
 * A member list as a node that changed some members sends it: entry 10 changed (a copy),
 * 20 and 21 forgotten, 40–44 forgotten (more than a reader looks ahead), a member that is not
 * known at the end.
 */
function memberList(): PushNodeState[] {
  const changed = entries[10].copy();
  changed.incarnation = 2;
  changed.state = NodeStateCode.Suspect;
  const list: PushNodeState[] = entries.filter((_, i) => i !== 20 && i !== 21 && (i < 40 || i > 44));
  list[10] = changed;
  list.push(entry(99));
  return list;
}

function encode(
  nodes: readonly PushNodeState[],
  slice = Number.POSITIVE_INFINITY,
  known?: KnownNodeStates,
): Uint8Array {
  const w = new PushPullWriter(nodes, false, new Uint8Array([7, 7]), { known });
  while (!w.write(slice));
  return w.finish().slice();
}

function decodeInSlices(msg: Uint8Array, slice: number, known?: KnownNodeStates) {
  const reader = new PushPullReader(new MsgpackReader(msg, 1), known);
  reader.requireComplete();
  while (!reader.read(slice));
  return reader.finish();
}

/** The whole message read by a reader given `known`. */
function decodeKnown(msg: Uint8Array, known: KnownNodeStates | undefined) {
  return readPushPull(new MsgpackReader(msg, 1), known);
}

describe('known node states', () => {
  it('are written as the encoder writes them, in one go or in slices', () => {
    const list = memberList();
    const plain = encode(list);
    const known = KnownNodeStates.of(entries, index);
    expect(known).toBeDefined();
    expect(encode(list, Number.POSITIVE_INFINITY, known)).toEqual(plain);
    expect(encode(list, 7, known)).toEqual(plain);
    // Known entries in another order, and starting in the middle.
    const shuffled = [entries[30], entries[31], entries[5], entries[6], entries[59], entries[0]];
    expect(encode(shuffled, Number.POSITIVE_INFINITY, known)).toEqual(encode(shuffled));
  });

  it('are read as the decoder reads them, in one go or in slices', () => {
    const msg = encode(memberList());
    const plain = plainPushPull(decodePushPull(msg));
    const known = KnownNodeStates.of(entries, index);
    expect(plainPushPull(decodeKnown(msg, known))).toEqual(plain);
    for (const slice of [1, 3, 7, 50]) expect(plainPushPull(decodeInSlices(msg, slice, known))).toEqual(plain);
    // The records read are new objects, never the known entries (a merge may keep and change them).
    const nodes = decodeKnown(msg, known).nodes;
    for (const n of nodes) expect(entries).not.toContain(n);
    expect(nodes[0]).toBeInstanceOf(NodeState);
    // …sharing the entries' held bytes (the plain decoder would have copied them).
    expect((nodes[1] as NodeState).addrBuf).toBe(entries[1].addrBuf);
    expect((nodes[1] as NodeState).addrAt).toBe(entries[1].addrAt);
  });

  it('do not hide a cut-short state', () => {
    const msg = encode(memberList().slice(0, 8));
    // What the check before decoding says (a stream reader's), at every length.
    const early = (bytes: Uint8Array, known?: KnownNodeStates): string => {
      try {
        new PushPullReader(new MsgpackReader(bytes, 1), known).requireComplete();
        return 'complete';
      } catch (e) {
        return e instanceof DecodeError ? e.message : String(e);
      }
    };
    const plain = Array.from({ length: msg.length - 1 }, (_, i) => early(msg.subarray(0, i + 2)));
    const known = KnownNodeStates.of(entries, index);
    expect(Array.from({ length: msg.length - 1 }, (_, i) => early(msg.subarray(0, i + 2), known))).toEqual(plain);
    expect(plain.at(-1)).toBe('complete');
    for (let cut = 1; cut < msg.length; cut++) {
      let err: unknown;
      try {
        decodeKnown(msg.subarray(0, cut), known);
      } catch (e) {
        err = e;
      }
      expect(err, `cut at ${cut}`).toBeInstanceOf(DecodeError);
      expect((err as DecodeError).code).toBe('truncated');
    }
  });

  it('are only entries in Go layout', () => {
    const long = [entry(0), entry(1, new Uint8Array(65))];
    expect(KnownNodeStates.of(long, new Map(long.map((e, i) => [e.name, i])))).toBeUndefined();
  });
});
