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
import { MessageType } from '../wire/messages.ts';
import {
  type StreamMessage,
  decodeStreamMessage,
  encodeStreamMessage,
  readStreamLabel,
  streamLabelHeader,
} from '../wire/stream.ts';
import type { WireSecurity } from '../wire/wire-security.ts';
import { StreamReader } from './stream-reader.ts';

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
  /** Hands a decoded request to the protocol; returns the plain response message, if any. */
  readonly handle: (from: string, msg: StreamMessage) => Uint8Array | undefined;
  /** Reports a request dropped because it could not be decoded (label, key, malformed input). */
  readonly onDrop: (from: string, err: DecodeError) => void;
  /** Reports a peer that did not send a complete request within the timeout. */
  readonly onStall: (from: string) => void;
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
  const reader = new StreamReader<StreamMessage>(
    (buf) => {
      if (labelLength < 0) {
        const l = readStreamLabel(buf, security);
        labelLength = l.consumed;
        label = l.label;
      }
      try {
        return decodeStreamMessage(buf.subarray(labelLength), security, label).message;
      } catch (err) {
        if (err instanceof DecodeError && err.needed !== undefined) {
          throw new DecodeError(err.code, err.message, err.needed + labelLength);
        }
        throw err;
      }
    },
    (msg) => {
      close();
      const response = opts.handle(from, msg);
      if (response === undefined) socket.end();
      else socket.end(encodeStreamMessage(response, { compress: opts.compress }, security));
    },
    (err) => {
      close();
      opts.onDrop(from, err);
      if (ANSWERED_ERRORS.has(err.code)) {
        const resp = encodeMessage(MessageType.Err, { error: err.message });
        socket.end(encodeStreamMessage(resp, { compress: opts.compress }, { ...security, keys: [] }));
      } else {
        socket.destroy();
      }
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
    const fail = (message: string): void => settle({ ok: false, error: new Error(message), contacted: connected });
    const timer = setTimeout(() => fail('i/o timeout'), Math.max(0, opts.timeoutMs));
    const reader = new StreamReader<StreamMessage>(
      (buf) => decodeStreamMessage(buf, security, security.label).message,
      (msg) => settle({ ok: true, response: msg }),
      (err) => settle({ ok: false, error: err, contacted: true }),
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
