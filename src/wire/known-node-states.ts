/**
 * Node states encoded once and recognized again: a list of read-only member records with their
 * push/pull encoding back to back. A push/pull writer given one (`PushPullWriter`'s `known`)
 * and asked to write those very records copies their bytes instead of encoding them, and a
 * reader given one (`PushPullReader`, `decodeStreamMessage`'s `known`) that finds their bytes
 * where node states start returns records of their values without parsing them: a msgpack value is self-delimiting, so bytes equal to a known
 * encoding are that node state, and the records are those the parser would have made of it
 * (every known encoding is checked to be in Go's layout, go-node-state.ts). The bytes sent and
 * the values read are the same either way; only the work differs.
 *
 * The simulator's member baseline makes one of its entries (every node of a converged simulation
 * sends mostly those, in that order), and the simulator's nodes hand it to their writers and
 * readers; a real node has none and pays one test per slice of a message.
 */
import type { NodeState } from '../core/node-state.ts';
import { layout, parseGoLayout } from './go-node-state.ts';
import { type PushNodeState, pushNodeStateCodec } from './messages.ts';
import { MsgpackWriter } from './msgpack-writer.ts';

/** How many entries past the expected one a reader tries (members the sender has forgotten). */
const RESYNC_WINDOW = 4;

export class KnownNodeStates {
  /** The records, read-only: their encoding is fixed when this is made. */
  readonly entries: readonly NodeState[];
  /** The entries' node states back to back: entry i ends at `ends[i]` (and starts where i − 1 ends). */
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
  private readonly view: DataView;
  private readonly index: ReadonlyMap<string, number>;

  /**
   * The node states of `entries`, which must never change afterwards (`index`: each entry's
   * name to its position); undefined when an entry's encoding is not in Go's layout (a reader
   * would not make a record of it).
   */
  static of(entries: readonly NodeState[], index: ReadonlyMap<string, number>): KnownNodeStates | undefined {
    const w = new MsgpackWriter(64 + entries.length * 112);
    const ends = new Uint32Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const start = w.pos;
      const e = entries[i];
      pushNodeStateCodec.encode(w, e);
      ends[i] = w.pos;
      const inLayout =
        parseGoLayout(w.buf, start, w.pos) &&
        layout.end === w.pos &&
        layout.port === e.port &&
        layout.incarnation === e.incarnation &&
        layout.state === e.state;
      if (!inLayout) return undefined;
    }
    return new KnownNodeStates(entries, index, w.buf.slice(0, w.pos), ends);
  }

  private constructor(
    entries: readonly NodeState[],
    index: ReadonlyMap<string, number>,
    bytes: Uint8Array,
    ends: Uint32Array,
  ) {
    this.entries = entries;
    this.bytes = bytes;
    this.ends = ends;
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.index = index;
  }

  /** Where entry `j`'s node state starts in `bytes`. */
  startOf(j: number): number {
    return j === 0 ? 0 : this.ends[j - 1];
  }

  /**
   * For a writer: how many of `nodes[i..end)` are entries `j, j + 1, …` (the same objects),
   * where j is `expected` if `nodes[i]` is that entry, else the entry named as `nodes[i]` is.
   * Sets `runStart` to j (meaningful when the count is not 0).
   */
  writeRun(nodes: readonly PushNodeState[], i: number, end: number, expected: number): number {
    const entries = this.entries;
    let j = expected;
    if (entries[j] !== nodes[i]) {
      const at = this.index.get(nodes[i].name);
      if (at === undefined || entries[at] !== nodes[i]) return 0;
      j = at;
    }
    this.runStart = j;
    let m = 1;
    while (i + m < end && j + m < entries.length && entries[j + m] === nodes[i + m]) m++;
    return m;
  }

  /**
   * For a reader at `b[p]` (input up to `end`), with up to `max` node states left to read: how
   * many node states from there are the encodings of entries `j, j + 1, …`, byte for byte,
   * trying j = expected, expected + 1, … (a few). Sets `runStart` to j (when not 0).
   */
  readRun(b: Uint8Array, p: number, end: number, max: number, expected: number): number {
    const bv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let j = expected; j < expected + RESYNC_WINDOW && j < this.entries.length; j++) {
      const m = this.matchAt(b, bv, p, end, max, j);
      if (m > 0) {
        this.runStart = j;
        return m;
      }
    }
    return 0;
  }

  /** Set by `writeRun` and `readRun`: the first entry of the run found. */
  runStart = 0;

  /** How many whole entries from `j` on `b[p..end)` starts with (at most `max`; `bv` views `b`). */
  private matchAt(b: Uint8Array, bv: DataView, p: number, end: number, max: number, j: number): number {
    const start = this.startOf(j);
    const last = Math.min(this.entries.length, j + max) - 1;
    const limit = Math.min(end - p, this.ends[last] - start);
    const kb = this.bytes;
    const kv = this.view;
    let n = 0;
    while (n + 4 <= limit && bv.getInt32(p + n, true) === kv.getInt32(start + n, true)) n += 4;
    while (n < limit && b[p + n] === kb[start + n]) n++;
    let m = 0;
    while (j + m <= last && this.ends[j + m] - start <= n) m++;
    return m;
  }
}
