/**
 * Reads one memberlist message from a TCP stream as its bytes arrive. It retries decoding only
 * when enough new bytes are there (the decoder reports how many it needs; otherwise the buffer
 * must grow by half, or the peer must pause), so large push/pulls are not re-parsed per chunk.
 * The total is capped, so a peer cannot make us buffer without bound.
 */
import { DecodeError } from '../errors.ts';
import { MAX_DECOMPRESSED_BYTES } from '../wire/limits.ts';

/** Wait this long after the last chunk before retrying a decode that gave no size hint. */
const QUIET_RETRY_MS = 20;
/** Largest message we buffer: everything Go may send fits (40 MiB decompressed bound + framing). */
const MAX_STREAM_BYTES = MAX_DECOMPRESSED_BYTES + 1024;

export class StreamReader<T> {
  private chunks: Uint8Array[] = [];
  private length = 0;
  private nextAttemptAt = 1;
  private lastAttemptLength = -1;
  /** nextAttemptAt came from the decoder: no point retrying before it. */
  private hinted = false;
  private quietTimer: NodeJS.Timeout | undefined;
  private finished = false;

  /**
   * @param decode decodes a complete message from the buffer or throws DecodeError
   *               ('truncated' means: not all bytes are here yet)
   * @param onMessage called once with the decoded message
   * @param onError called once with any other decode error (or the size cap)
   */
  private readonly decode: (buf: Uint8Array) => T;
  private readonly onMessage: (msg: T) => void;
  private readonly onError: (err: DecodeError) => void;

  constructor(decode: (buf: Uint8Array) => T, onMessage: (msg: T) => void, onError: (err: DecodeError) => void) {
    this.decode = decode;
    this.onMessage = onMessage;
    this.onError = onError;
  }

  push(chunk: Uint8Array): void {
    if (this.finished) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.length > MAX_STREAM_BYTES) {
      this.fail(new DecodeError('limit', `stream message larger than ${MAX_STREAM_BYTES} bytes`));
      return;
    }
    if (this.length >= this.nextAttemptAt) this.attempt();
    else if (!this.hinted) this.armQuietRetry();
  }

  /** The peer closed its side: decode what is there, finally. */
  end(): void {
    if (this.finished) return;
    this.attempt(true);
  }

  stop(): void {
    this.finished = true;
    if (this.quietTimer !== undefined) clearTimeout(this.quietTimer);
  }

  private buffer(): Uint8Array {
    if (this.chunks.length !== 1) {
      this.chunks = [Buffer.concat(this.chunks, this.length)];
    }
    return this.chunks[0];
  }

  private attempt(final = false): void {
    if (this.finished || (!final && this.length === this.lastAttemptLength)) return;
    this.lastAttemptLength = this.length;
    let msg: T;
    try {
      msg = this.decode(this.buffer());
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      if (err.code !== 'truncated' || final) {
        this.fail(err.code === 'truncated' ? new DecodeError('truncated', `stream ended early: ${err.message}`) : err);
        return;
      }
      this.hinted = err.needed !== undefined && err.needed > this.length;
      this.nextAttemptAt = this.hinted ? (err.needed as number) : Math.ceil(this.length * 1.5);
      if (!this.hinted) this.armQuietRetry();
      return;
    }
    this.stop();
    this.onMessage(msg);
  }

  private armQuietRetry(): void {
    if (this.quietTimer !== undefined) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      this.attempt();
    }, QUIET_RETRY_MS);
  }

  private fail(err: DecodeError): void {
    this.stop();
    this.onError(err);
  }
}
