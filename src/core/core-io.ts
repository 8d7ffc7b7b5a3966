/**
 * What the sans-io protocol core needs from the world, and nothing more: a clock, randomness,
 * a way to send a datagram, a way to run one request/response exchange over a stream, and a
 * logger. The real UDP/TCP adapter and the in-memory simulator both implement it.
 */
import type { StreamMessage } from '../wire/stream.ts';

export type StreamResult =
  | { readonly ok: true; readonly response?: StreamMessage }
  | { readonly ok: false; readonly error: Error; /** the connection was established */ readonly contacted: boolean };

export interface StreamRequestOptions {
  /** Read one response message after writing the request. */
  readonly expectResponse: boolean;
  /** Absolute time (core clock) by which the whole exchange must finish. */
  readonly deadline: number;
  /** Expected node name at the address, when known (NodeAwareTransport). */
  readonly name?: string;
}

export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

export interface CoreIO {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
  /**
   * Sends one message (possibly a compound) to "ip:port". The adapter applies compression,
   * the CRC header when `crc` is set, encryption and the label.
   */
  sendPacket(addr: string, msg: Uint8Array, crc: boolean): void;
  /**
   * Opens a stream to "ip:port", writes `request` (a plain message; the adapter compresses,
   * encrypts and labels it), optionally reads one response, and calls `done` exactly once.
   */
  stream(addr: string, request: Uint8Array, opts: StreamRequestOptions, done: (result: StreamResult) => void): void;
  readonly log: Logger;
  /**
   * Runs `step` on later turns of the event loop until it returns true, then `done`: how the
   * core merges a large push/pull state without holding the adapter's thread. Optional: without
   * it the core runs `step` to completion at once (the simulator, tests).
   */
  slices?(step: () => boolean, done: () => void): void;
  /** Reports input dropped by policy (CIDR allow-list), for counting; optional. */
  onDrop?(from: string, reason: 'cidr', detail: string): void;
}
