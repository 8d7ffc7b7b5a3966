/**
 * The push/pull message (type 6, streams only): a header, `Nodes` node states and `UserStateLen`
 * raw bytes of delegate state, concatenated with no other framing. Counts and lengths from the
 * header are checked against the hardening limits and the bytes present before any allocation.
 * A node state in Go's layout is decoded straight into a member record (go-node-state.ts,
 * push-state-cache.ts: `NodeState`, whose address and metadata are accessors over shared
 * read-only bytes — read its fields, do not spread it); any other is a plain object from the
 * generic decoder, its short byte fields shared read-only arrays (bytes-intern.ts). Node states
 * a writer or reader is given as known (known-node-states.ts: the simulator's member baseline)
 * are copied when written and recognized when read, with the same bytes and values.
 */
import { DecodeError } from '../errors.ts';
import { MAX_PUSH_STATE_BYTES, MAX_PUSH_STATE_NODES } from './limits.ts';
import { MessageType, type PushNodeState, pushNodeStateCodec, pushPullHeaderCodec } from './messages.ts';
import { MsgpackReader } from './msgpack-reader.ts';
import { MsgpackWriter } from './msgpack-writer.ts';
import { CUT_SHORT, skipNodeState } from './go-node-state.ts';
import type { KnownNodeStates } from './known-node-states.ts';
import { readPushNodeState, recordOf } from './push-state-cache.ts';

export interface PushPull {
  join: boolean;
  /** Decoded: records or plain objects (see the header); read-only either way. */
  nodes: PushNodeState[];
  /** Delegate state (`LocalState`); empty when there is none. */
  userState: Uint8Array;
}

/** Encodes `[0x06] header nodes… userState`. */
export function encodePushPull(pp: PushPull): Uint8Array {
  const w = new PushPullWriter(pp.nodes, pp.join, pp.userState);
  w.write(Number.POSITIVE_INFINITY);
  return w.finish();
}

/**
 * The node states of a push/pull message as encoded (`PushPullWriter.encodedNodes`): `count`
 * node states, back to back in `bytes`, to send again while they still describe our members.
 */
export interface EncodedNodes {
  readonly count: number;
  /** Read-only: a view of the message the node states were first encoded into. */
  readonly bytes: Uint8Array;
}

/** No node states to encode: the writer copies `EncodedNodes` instead. */
const NO_NODES: readonly PushNodeState[] = [];

/**
 * A push/pull message encoded a slice of node states at a time (`write(n)` until it returns
 * true, then `finish()`), so a large state can be encoded over several event-loop turns.
 * `nodes` is read as it is at each `write`: pass an array that does not change meanwhile.
 * With `encoded` (node states this writer or another encoded before, `encodedNodes()`), those
 * bytes are copied in instead of encoding `nodes` again: the same message, one copy. `onFinish`
 * gets the node states of the finished message (`encodedNodes()`), to reuse while valid. With
 * `known` (known-node-states.ts: the simulator's member baseline), runs of those very records
 * are copied from their encoding: the same bytes.
 */
export interface PushPullWriterOptions {
  readonly encoded?: EncodedNodes;
  readonly onFinish?: (nodes: EncodedNodes) => void;
  readonly known?: KnownNodeStates;
}

export class PushPullWriter {
  private readonly w: MsgpackWriter;
  private readonly nodes: readonly PushNodeState[];
  private readonly userState: Uint8Array;
  private written = 0;
  /** Where the node states start and end in the message (the end once all are written). */
  private readonly nodesStart: number;
  private nodesEnd = -1;
  private readonly count: number;
  private readonly onFinish: ((nodes: EncodedNodes) => void) | undefined;
  private readonly known: KnownNodeStates | undefined;

  constructor(nodes: readonly PushNodeState[], join: boolean, userState: Uint8Array, opts?: PushPullWriterOptions) {
    const encoded = opts?.encoded;
    this.onFinish = opts?.onFinish;
    this.known = opts?.known;
    this.nodes = encoded === undefined ? nodes : NO_NODES;
    this.userState = userState;
    const count = encoded === undefined ? nodes.length : encoded.count;
    this.count = count;
    const size = encoded === undefined ? 64 + nodes.length * 112 : 64 + encoded.bytes.length;
    this.w = new MsgpackWriter(size + userState.length);
    this.w.byte(MessageType.PushPull);
    pushPullHeaderCodec.encode(this.w, { nodes: count, userStateLen: userState.length, join });
    this.nodesStart = this.w.pos;
    if (encoded !== undefined) {
      this.w.raw(encoded.bytes);
      this.nodesEnd = this.w.pos;
    }
  }

  /** The known node state (known-node-states.ts) the next one is expected to be. */
  private knownNext = 0;

  /**
   * Encodes up to `n` more node states; true when all are encoded. Runs of `known` node states
   * (known-node-states.ts) are copied: the same bytes.
   */
  write(n: number): boolean {
    const nodes = this.nodes;
    const end = Math.min(nodes.length, this.written + n);
    const known = this.known;
    const w = this.w;
    for (let i = this.written; i < end;) {
      if (known !== undefined) {
        const m = known.writeRun(nodes, i, end, this.knownNext);
        if (m > 0) {
          const j = known.runStart;
          w.raw(known.bytes.subarray(known.startOf(j), known.ends[j + m - 1]));
          this.knownNext = j + m;
          i += m;
          continue;
        }
      }
      pushNodeStateCodec.encode(w, nodes[i++]);
    }
    this.written = end;
    return end === nodes.length;
  }

  /**
   * The node states of the message (after `finish()`), to pass as `encoded` to a later writer
   * while the members they describe have not changed (read-only: a view of this message, or a
   * copy of them when the writer's buffer — grown by doubling — is much larger, so that what is
   * kept is not twice the size of the node states).
   */
  encodedNodes(): EncodedNodes {
    if (this.nodesEnd < 0) throw new Error('PushPullWriter.encodedNodes before every node state was written');
    const bytes = this.w.buf.subarray(this.nodesStart, this.nodesEnd);
    const slack = this.w.buf.length - bytes.length;
    return { count: this.count, bytes: slack > 4096 + (bytes.length >>> 3) ? new Uint8Array(bytes) : bytes };
  }

  /**
   * The whole message (after `write` returned true): a view of the writer's buffer, not a copy
   * (the buffer is this message's alone, read-only once finished: `encodedNodes` may be kept).
   */
  finish(): Uint8Array {
    if (this.written !== this.nodes.length)
      throw new Error('PushPullWriter.finish before every node state was written');
    if (this.nodesEnd < 0) this.nodesEnd = this.w.pos;
    this.w.raw(this.userState);
    this.onFinish?.(this.encodedNodes());
    return this.w.bytes();
  }
}

/**
 * Reads a push/pull body at `r` (just after the 0x06 type byte). Trailing bytes after the user
 * state are left unread, as Go leaves them.
 */
export function readPushPull(r: MsgpackReader, known?: KnownNodeStates): PushPull {
  const reader = new PushPullReader(r, known);
  reader.requireComplete();
  reader.read(Number.POSITIVE_INFINITY);
  return reader.finish();
}

/**
 * A push/pull body read a slice of node states at a time (`read(n)` until it returns true, then
 * `finish()`), so a caller can decode a large state over several event-loop turns. The header
 * is read and checked by the constructor; every error is a DecodeError, as from readPushPull.
 */
export class PushPullReader {
  private readonly r: MsgpackReader;
  private readonly join: boolean;
  private readonly userStateLen: number;
  private readonly nodes: PushNodeState[];
  private readonly known: KnownNodeStates | undefined;

  /** `known`: node states to recognize by their encoding (known-node-states.ts). */
  constructor(r: MsgpackReader, known?: KnownNodeStates) {
    this.known = known;
    const header = pushPullHeaderCodec.decode(r);
    if (header.nodes < 0 || header.nodes > MAX_PUSH_STATE_NODES) {
      throw new DecodeError('limit', `push/pull node count ${header.nodes} outside [0, ${MAX_PUSH_STATE_NODES}]`);
    }
    if (header.userStateLen < 0 || header.userStateLen > MAX_PUSH_STATE_BYTES) {
      throw new DecodeError(
        'limit',
        `push/pull user state length ${header.userStateLen} outside [0, ${MAX_PUSH_STATE_BYTES}]`,
      );
    }
    // Every node state takes at least one byte: a count above the bytes left is a lie.
    if (header.nodes > r.remaining) {
      throw new DecodeError('truncated', `push/pull claims ${header.nodes} nodes in ${r.remaining} bytes`);
    }
    this.r = r;
    this.join = header.join;
    this.userStateLen = header.userStateLen;
    this.nodes = new Array(header.nodes);
  }

  /** Node states decoded so far. */
  private decoded = 0;

  /**
   * Before anything is decoded: throws the DecodeError ('truncated') that decoding would, when
   * the node states as Go writes them (seven-entry fixmaps: `skipNodeState` reads only the
   * headers of their keys and values) or the user state run past the input. A stream reader
   * decodes a message again as more of it arrives, and a large state would otherwise be decoded
   * in part — records made, bytes copied — on each try. Stops looking at a node state of another
   * shape: the decoder reads on from there and finds what it finds, as before.
   */
  requireComplete(): void {
    const r = this.r;
    const b = r.buf;
    const end = r.end;
    let q = r.pos;
    const known = this.known;
    let expected = this.knownNext;
    for (let i = this.decoded; i < this.nodes.length; i++) {
      if (known !== undefined) {
        const m = known.readRun(b, q, end, this.nodes.length - i, expected);
        if (m > 0) {
          const j = known.runStart;
          q += known.ends[j + m - 1] - known.startOf(j);
          expected = j + m;
          i += m - 1;
          continue;
        }
        expected++;
      }
      const next = skipNodeState(b, q, end);
      if (next >= 0) {
        q = next;
        continue;
      }
      if (next === CUT_SHORT) throw new DecodeError('truncated', `push/pull node state ${i} is cut short`);
      return;
    }
    if (end - q < this.userStateLen) {
      throw new DecodeError('truncated', `push/pull user state needs ${this.userStateLen} bytes, ${end - q} left`);
    }
  }

  /** The known node state (known-node-states.ts) the next one is expected to be. */
  private knownNext = 0;

  /**
   * Decodes up to `n` more node states; true when all are decoded. Runs of `known` node states
   * (known-node-states.ts) become records of their values without being parsed.
   */
  read(n: number): boolean {
    const nodes = this.nodes;
    const end = Math.min(nodes.length, this.decoded + n);
    const r = this.r;
    const known = this.known;
    // Addresses, metadata and version bytes come back shared and already copied to keep
    // (bytes-intern.ts): a known member's are the arrays we hold, a new member keeps them as is.
    r.internBytes = true;
    try {
      for (let i = this.decoded; i < end;) {
        if (known !== undefined) {
          const m = known.readRun(r.buf, r.pos, r.end, end - i, this.knownNext);
          if (m > 0) {
            const j = known.runStart;
            for (let e = 0; e < m; e++) nodes[i + e] = recordOf(known.entries[j + e]);
            r.pos += known.ends[j + m - 1] - known.startOf(j);
            this.knownNext = j + m;
            i += m;
            continue;
          }
          this.knownNext++;
        }
        nodes[i++] = readPushNodeState(r);
      }
    } finally {
      r.internBytes = false;
    }
    this.decoded = end;
    return end === nodes.length;
  }

  /** The user state after the last node state, and the whole message (after `read` returned true). */
  finish(): PushPull {
    const r = this.r;
    if (this.decoded !== this.nodes.length) throw new Error('PushPullReader.finish before every node state was read');
    if (r.remaining < this.userStateLen) {
      throw new DecodeError('truncated', `push/pull user state needs ${this.userStateLen} bytes, ${r.remaining} left`);
    }
    const userState = r.buf.slice(r.pos, r.pos + this.userStateLen);
    r.pos += this.userStateLen;
    return { join: this.join, nodes: this.nodes, userState };
  }
}

/** Decodes a whole push/pull message (starting with 0x06). */
export function decodePushPull(msg: Uint8Array): PushPull {
  if (msg.length === 0 || msg[0] !== MessageType.PushPull) {
    throw new DecodeError('unexpected-type', 'not a push/pull message');
  }
  return readPushPull(new MsgpackReader(msg, 1));
}

/**
 * Keep the maps of push/pull readers and writers alive across full GCs (see READER_MAP_ANCHOR
 * in msgpack-reader.ts): one of each, over an empty state.
 */
export const PUSH_PULL_MAP_ANCHORS = (() => {
  const writer = new PushPullWriter([], false, new Uint8Array(0));
  writer.write(0);
  const reader = new PushPullReader(new MsgpackReader(writer.finish(), 1));
  reader.read(0);
  return { writer, reader };
})();
