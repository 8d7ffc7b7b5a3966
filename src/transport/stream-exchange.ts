/**
 * One memberlist exchange over a TCP connection, both sides. Server: read the label header and
 * one request, let the protocol core answer, write the answer, close. Client: write the label
 * header and the request, read one response if one is expected. Deadlines on both sides, so a
 * peer that stalls a stream costs a timer, not a leak.
 */
import type { Socket } from 'node:net';
import { DecodeError } from '../errors.ts';
import type { StreamResult } from '../core/core-io.ts';
import { encodeMessage } from '../wire/codec.ts';
import { compressMessageLater } from '../wire/compress.ts';
import { MessageType } from '../wire/messages.ts';
import {
  type DeferredStreamBody,
  type StreamMessage,
  deferredBodyDecoder,
  decodeStreamMessage,
  encodeStreamMessage,
  readStreamLabel,
  streamLabelHeader,
} from '../wire/stream.ts';
import type { WireSecurity } from '../wire/wire-security.ts';
import { StreamReader } from './stream-reader.ts';

/** Work per event-loop turn on a compressed message: bytes decompressed, or node states decoded. */
const DECODE_SLICE = { bytes: 256 * 1024, nodes: 1024 };

/** Bytes of a large reply compressed per event-loop turn. */
const COMPRESS_SLICE = 128 * 1024;

/** Errors for which Go answers with an error message before closing (failures to unwrap). */
const ANSWERED_ERRORS = new Set<DecodeError['code']>([
  'no-key',
  'not-encrypted',
  'encryption-not-configured',
  'unsupported',
]);

export interface ServeOptions {
  readonly security: WireSecurity;
  readonly compress: boolean;
  readonly timeoutMs: number;
  /**
   * Hands a decoded request to the protocol; returns the plain response message, if any, or a
   * promise of it (a large push/pull is answered on a later event-loop turn).
   */
  readonly handle: (from: string, msg: StreamMessage) => Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Reports a request dropped because it could not be decoded (label, key, malformed input). */
  readonly onDrop: (from: string, err: DecodeError) => void;
  /** Reports a peer that did not send a complete request within the timeout. */
  readonly onStall: (from: string) => void;
}

/**
 * Hands `msg` on, after finishing its decompression and decoding on later event-loop turns
 * (DECODE_SLICE per turn) if it was left for later: a large push/pull takes a while.
 */
function finishBody(
  msg: StreamMessage | DeferredStreamBody,
  onMessage: (msg: StreamMessage) => void,
  onError: (err: DecodeError) => void,
): void {
  if (msg.type !== MessageType.Compress) {
    onMessage(msg);
    return;
  }
  const decoder = deferredBodyDecoder(msg, DECODE_SLICE);
  const step = (): void => {
    let body: StreamMessage | undefined;
    try {
      body = decoder.step();
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      onError(err);
      return;
    }
    if (body === undefined) setImmediate(step);
    else onMessage(body);
  };
  setImmediate(step);
}

export function serveConnection(socket: Socket, from: string, opts: ServeOptions): void {
  const { security } = opts;
  let labelLength = -1;
  let label = security.label;
  const timer = setTimeout(() => {
    reader.stop();
    opts.onStall(from);
    socket.destroy();
  }, opts.timeoutMs);
  const close = (): void => {
    clearTimeout(timer);
    reader.stop();
  };
  const dropped = (err: DecodeError): void => {
    opts.onDrop(from, err);
    if (ANSWERED_ERRORS.has(err.code)) {
      const resp = encodeMessage(MessageType.Err, { error: err.message });
      socket.end(encodeStreamMessage(resp, { compress: opts.compress }, { ...security, keys: [] }));
    } else {
      socket.destroy();
    }
  };
  const handle = (msg: StreamMessage): void => {
    const respond = (response: Uint8Array | undefined): void => {
      if (response === undefined) socket.end();
      else if (!opts.compress || response.length <= COMPRESS_SLICE) {
        socket.end(encodeStreamMessage(response, { compress: opts.compress }, security));
      } else {
        // A large reply (our push/pull state) is compressed COMPRESS_SLICE bytes per turn.
        const compressor = compressMessageLater(response);
        const step = (): void => {
          const compressed = compressor.step(COMPRESS_SLICE);
          if (compressed === undefined) setImmediate(step);
          else socket.end(encodeStreamMessage(compressed, { compress: false }, security));
        };
        step();
      }
    };
    const response = opts.handle(from, msg);
    if (response instanceof Promise) response.then(respond, () => socket.destroy());
    else respond(response);
  };
  const reader = new StreamReader<StreamMessage | DeferredStreamBody>(
    (buf) => {
      if (labelLength < 0) {
        const l = readStreamLabel(buf, security);
        labelLength = l.consumed;
        label = l.label;
      }
      try {
        // A compressed body is decompressed and decoded on later turns (see below).
        return decodeStreamMessage(buf.subarray(labelLength), security, label, true).message;
      } catch (err) {
        if (err instanceof DecodeError && err.needed !== undefined) {
          throw new DecodeError(err.code, err.message, err.needed + labelLength);
        }
        throw err;
      }
    },
    (msg) => {
      close();
      finishBody(msg, handle, dropped);
    },
    (err) => {
      close();
      dropped(err);
    },
  );
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
  socket.on('end', () => reader.end());
  socket.on('error', () => close());
  socket.on('close', () => close());
}

export interface RequestOptions {
  readonly security: WireSecurity;
  readonly compress: boolean;
  readonly expectResponse: boolean;
  /** Milliseconds until the exchange is abandoned. */
  readonly timeoutMs: number;
}

/** Writes one request on a connecting socket and reads the response. Never rejects. */
export function requestOverStream(socket: Socket, request: Uint8Array, opts: RequestOptions): Promise<StreamResult> {
  const { security } = opts;
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const settle = (r: StreamResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reader.stop();
      socket.destroy();
      resolve(r);
    };
    /** The whole response is here: the connection closing no longer matters. */
    let received = false;
    const fail = (message: string): void => {
      if (!received) settle({ ok: false, error: new Error(message), contacted: connected });
    };
    const timer = setTimeout(() => fail('i/o timeout'), Math.max(0, opts.timeoutMs));
    const failed = (err: DecodeError): void => settle({ ok: false, error: err, contacted: true });
    const reader = new StreamReader<StreamMessage | DeferredStreamBody>(
      (buf) => decodeStreamMessage(buf, security, security.label, true).message,
      (msg) => {
        received = true;
        clearTimeout(timer);
        finishBody(msg, (response) => settle({ ok: true, response }), failed);
      },
      failed,
    );
    socket.on('connect', () => {
      connected = true;
      const header = streamLabelHeader(security.label);
      const body = encodeStreamMessage(request, { compress: opts.compress }, security);
      if (header.length > 0) socket.write(header);
      if (opts.expectResponse) socket.write(body);
      else socket.end(body, () => settle({ ok: true }));
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('end', () => {
      if (opts.expectResponse) reader.end();
    });
    socket.on('error', (err) => fail(err.message));
    socket.on('close', () => fail('connection closed'));
  });
}
