/**
 * TCP stream framing, in Go's order. The dialer writes the label header once; then each message
 * is compressed (always, when compression is on), then put in an encrypted frame
 * `[0x0A][u32 length][vsn][nonce][ciphertext][tag]` whose 5 header bytes plus the label are the
 * authenticated data. The reader undoes this and parses the body of the message.
 *
 * Streams arrive in pieces, so the decoder distinguishes "the input so far is incomplete"
 * (DecodeError 'truncated': wait for more bytes) from every other error (drop the stream).
 * Truncation *inside* decrypted or decompressed data is corruption and reported as 'malformed'.
 */
import { DecodeError } from '../errors.ts';
import { compressMessage, readCompressedLater } from './compress.ts';
import { addLabelHeader } from './label.ts';
import { MAX_PUSH_STATE_BYTES } from './limits.ts';
import { type AckResp, MessageType, type Ping, ackRespCodec, errRespCodec, pingCodec } from './messages.ts';
import { MsgpackReader } from './msgpack-reader.ts';
import type { KnownNodeStates } from './known-node-states.ts';
import { type PushPull, PushPullReader, readPushPull } from './push-pull.ts';
import { decryptPayload, encryptPayload, encryptedLength } from './security.ts';
import { readUserStream } from './user-message.ts';
import { type WireSecurity, checkInboundLabel, encryptionEnabled } from './wire-security.ts';

export interface StreamSendOptions {
  /** EnableCompression: on streams every message is compressed, whatever its size. */
  readonly compress: boolean;
}

export type StreamMessage =
  | { readonly type: typeof MessageType.PushPull; readonly pushPull: PushPull }
  | { readonly type: typeof MessageType.User; readonly payload: Uint8Array }
  | { readonly type: typeof MessageType.Ping; readonly ping: Ping }
  | { readonly type: typeof MessageType.AckResp; readonly ack: AckResp }
  | { readonly type: typeof MessageType.Err; readonly error: string };

export interface DecodedStreamMessage {
  readonly message: StreamMessage;
  /** Bytes of the input this message occupied. */
  readonly consumed: number;
}

/**
 * A large compressed message whose body is not decoded yet (`decodeStreamMessage` with
 * `defer`): decompression and decoding of a large state can then run over several event-loop
 * turns (`deferredBodyDecoder`).
 */
export interface DeferredStreamBody {
  readonly type: typeof MessageType.Compress;
  /** Decompresses about n more bytes; returns the message (type byte first) once complete. */
  readonly inflate: { step(n: number): Uint8Array | undefined };
}

/**
 * Compressed messages up to this size are decoded at once even when deferring is asked for:
 * only a large state is worth spreading over turns (and a small join reply is then merged in
 * the turn it arrives, as before).
 */
const DEFER_MIN_BYTES = 16 * 1024;

/** Encrypted frame header: type byte + u32 length. */
const FRAME_HEADER_BYTES = 5;

/** The label header the dialer writes first on a new connection (empty when no label). */
export function streamLabelHeader(label: Uint8Array): Uint8Array {
  return addLabelHeader(new Uint8Array(0), label);
}

/** Wraps one message for a stream: compress, then encrypt into a frame. */
export function encodeStreamMessage(msg: Uint8Array, opts: StreamSendOptions, sec: WireSecurity): Uint8Array {
  const plain = opts.compress ? compressMessage(msg) : msg;
  if (!(encryptionEnabled(sec) && sec.verifyOutgoing)) return plain;
  const len = encryptedLength(sec.encryptionVersion, plain.length);
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  header[0] = MessageType.Encrypt;
  new DataView(header.buffer).setUint32(1, len);
  const sealed = encryptPayload(sec.encryptionVersion, sec.keys[0], plain, concat(header, sec.label));
  return concat(header, sealed);
}

/**
 * Reads the optional label header at the start of an inbound connection and checks it.
 * Returns the label to authenticate frames with and the number of header bytes.
 */
export function readStreamLabel(buf: Uint8Array, sec: WireSecurity): { label: Uint8Array; consumed: number } {
  if (buf.length === 0) throw new DecodeError('truncated', 'stream: no data yet');
  let received: Uint8Array = new Uint8Array(0);
  let consumed = 0;
  if (buf[0] === MessageType.HasLabel) {
    if (buf.length < 2) throw new DecodeError('truncated', 'stream: label header incomplete', 2);
    const len = buf[1];
    if (len === 0) throw new DecodeError('malformed', 'stream: label header with empty label');
    if (buf.length < 2 + len) throw new DecodeError('truncated', 'stream: label header incomplete', 2 + len);
    received = buf.subarray(2, 2 + len);
    consumed = 2 + len;
  }
  return { label: checkInboundLabel(received, sec), consumed };
}

/**
 * Decodes one stream message starting at `buf[0]` (after any label header). `label` is the
 * connection's label (authenticated data for encrypted frames). `known`: node states a push/pull
 * may carry, recognized by their encoding (known-node-states.ts: a simulator node's baseline).
 */
export function decodeStreamMessage(
  buf: Uint8Array,
  sec: WireSecurity,
  label: Uint8Array,
  defer?: false,
  known?: KnownNodeStates,
): DecodedStreamMessage;
export function decodeStreamMessage(
  buf: Uint8Array,
  sec: WireSecurity,
  label: Uint8Array,
  defer: true,
): { readonly message: StreamMessage | DeferredStreamBody; readonly consumed: number };
export function decodeStreamMessage(
  buf: Uint8Array,
  sec: WireSecurity,
  label: Uint8Array,
  defer = false,
  known?: KnownNodeStates,
): { readonly message: StreamMessage | DeferredStreamBody; readonly consumed: number } {
  if (buf.length === 0) throw new DecodeError('truncated', 'stream: no data yet');
  if (buf[0] === MessageType.Encrypt) {
    if (!encryptionEnabled(sec)) {
      throw new DecodeError('encryption-not-configured', 'remote state is encrypted and encryption is not configured');
    }
    if (buf.length < FRAME_HEADER_BYTES) {
      throw new DecodeError('truncated', 'stream: frame header incomplete', FRAME_HEADER_BYTES);
    }
    const len = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(1);
    if (len > MAX_PUSH_STATE_BYTES) {
      throw new DecodeError('limit', `stream: encrypted frame of ${len} bytes exceeds ${MAX_PUSH_STATE_BYTES}`);
    }
    const end = FRAME_HEADER_BYTES + len;
    if (buf.length < end) throw new DecodeError('truncated', 'stream: encrypted frame incomplete', end);
    const aad = concat(buf.subarray(0, FRAME_HEADER_BYTES), label);
    const plain = decryptPayload(sec.keys, buf.subarray(FRAME_HEADER_BYTES, end), aad);
    if (plain.length === 0) throw new DecodeError('malformed', 'stream: empty decrypted message');
    return { message: inner(() => decodePlain(new MsgpackReader(plain), defer, known)), consumed: end };
  }
  if (encryptionEnabled(sec) && sec.verifyIncoming) {
    throw new DecodeError('not-encrypted', 'encryption is configured but remote state is not encrypted');
  }
  const r = new MsgpackReader(buf);
  const message = decodePlain(r, defer, known);
  return { message, consumed: r.pos };
}

/** Type byte, optional compress wrapper, then the body. */
function decodePlain(
  r: MsgpackReader,
  defer: boolean,
  known: KnownNodeStates | undefined,
): StreamMessage | DeferredStreamBody {
  const type = r.buf[r.pos++];
  if (type === MessageType.Compress) {
    const inflate = readCompressedLater(r);
    if (defer && inflate.compressedBytes > DEFER_MIN_BYTES) return { type, inflate };
    const plain = inflate.finish();
    // Whatever was decompressed is complete: truncation inside it is corruption.
    return inner(() => decodeBody(plain[0], new MsgpackReader(plain, 1), known));
  }
  return decodeBody(type, r, known);
}

function decodeBody(type: number, r: MsgpackReader, known: KnownNodeStates | undefined): StreamMessage {
  switch (type) {
    case MessageType.PushPull:
      return { type, pushPull: readPushPull(r, known) };
    case MessageType.User:
      return { type, payload: readUserStream(r) };
    case MessageType.Ping:
      return { type, ping: pingCodec.decode(r) };
    case MessageType.AckResp:
      return { type, ack: ackRespCodec.decode(r) };
    case MessageType.Err:
      return { type, error: errRespCodec.decode(r).error };
    default:
      throw new DecodeError('unknown-message-type', `stream: unexpected message type ${type}`);
  }
}

/**
 * Finishes a DeferredStreamBody a slice at a time: each `step()` decompresses about
 * `slice.bytes` more bytes or, once that is done, decodes up to `slice.nodes` node states of a
 * push/pull (any other message at once), and returns the message once it is complete, undefined
 * while work remains. The compressed data is complete, so truncation inside it is 'malformed'.
 */
export function deferredBodyDecoder(
  body: DeferredStreamBody,
  slice: { readonly bytes: number; readonly nodes: number },
): { step(): StreamMessage | undefined } {
  let plain: Uint8Array | undefined;
  let reader: PushPullReader | undefined;
  return {
    step: () =>
      inner(() => {
        if (plain === undefined) {
          plain = body.inflate.step(slice.bytes);
          if (plain === undefined) return undefined;
        }
        if (plain[0] !== MessageType.PushPull) return decodeBody(plain[0], new MsgpackReader(plain, 1), undefined);
        reader ??= new PushPullReader(new MsgpackReader(plain, 1));
        return reader.read(slice.nodes) ? { type: MessageType.PushPull, pushPull: reader.finish() } : undefined;
      }),
  };
}

/** Runs a decode over complete data, reporting truncation as corruption. */
function inner<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DecodeError && err.code === 'truncated') {
      throw new DecodeError('malformed', `stream: ${err.message}`);
    }
    throw err;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
