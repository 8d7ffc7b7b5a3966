/**
 * The two sides of a Serf query. `QueryResponse` is what the asker holds: acks and responses
 * matched by LTime + ID, deduplicated per sender, until the deadline — as an async iterator and
 * as collected lists. `SerfQuery` is a query delivered to this node: it may be answered once,
 * before its deadline, within the response size limit.
 */
import { type QueryResponseMessage, SerfMessageType, encodeWithType, queryResponseCodec } from './messages.ts';

export type QueryReply =
  | { readonly type: 'ack'; readonly from: string }
  | { readonly type: 'response'; readonly from: string; readonly payload: Uint8Array };

export interface QueryResult {
  /** Nodes that acknowledged, in arrival order (empty when no ack was requested). */
  readonly acks: string[];
  /** Responses by node, in arrival order. */
  readonly responses: Map<string, Uint8Array>;
}

export class QueryResponse implements AsyncIterable<QueryReply> {
  readonly ltime: number;
  readonly id: number;
  /** Wall-clock ms after which nothing more is accepted. */
  readonly deadline: number;
  readonly ackRequested: boolean;
  private readonly acks = new Set<string>();
  private readonly responses = new Map<string, Uint8Array>();
  private readonly queue: QueryReply[] = [];
  /** Consumers waiting for the next reply (several iterators may run at once). */
  private readonly waiting = new Set<() => void>();
  private closed = false;
  /** Most replies kept (acks + responses); later ones are dropped, like Go's full channel. */
  private readonly capacity: number;
  private readonly onClose: () => void;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  private readonly now: () => number;

  constructor(opts: {
    ltime: number;
    id: number;
    timeoutMs: number;
    ackRequested: boolean;
    capacity: number;
    now?: () => number;
    onClose?: () => void;
  }) {
    this.ltime = opts.ltime;
    this.id = opts.id;
    this.now = opts.now ?? Date.now;
    this.deadline = this.now() + opts.timeoutMs;
    this.ackRequested = opts.ackRequested;
    this.capacity = Math.max(1, opts.capacity);
    this.onClose = opts.onClose ?? (() => {});
    this.closedPromise = new Promise((r) => {
      this.resolveClosed = r;
    });
  }

  /** Closed, or past the deadline. */
  get finished(): boolean {
    return this.closed || this.now() > this.deadline;
  }

  /** Resolves once the query is closed (deadline reached or `close()` called). */
  get done(): Promise<void> {
    return this.closedPromise;
  }

  /** Stops accepting replies and ends every iterator. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.resolveClosed();
    this.wakeAll();
  }

  private wakeAll(): void {
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const w of waiting) w();
  }

  private get stored(): number {
    return this.acks.size + this.responses.size;
  }

  /** An ack from `from`: false if duplicate, unrequested, finished or over capacity. */
  deliverAck(from: string): boolean {
    if (!this.ackRequested || this.finished || this.acks.has(from) || this.stored >= this.capacity) return false;
    this.acks.add(from);
    this.push({ type: 'ack', from });
    return true;
  }

  /** A response from `from`: false if duplicate, finished or over capacity. */
  deliverResponse(from: string, payload: Uint8Array): boolean {
    if (this.finished || this.responses.has(from) || this.stored >= this.capacity) return false;
    this.responses.set(from, payload);
    this.push({ type: 'response', from, payload });
    return true;
  }

  private push(r: QueryReply): void {
    this.queue.push(r);
    this.wakeAll();
  }

  /** Acks and responses from the first one, as they arrive, until the query closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<QueryReply> {
    let i = 0;
    for (;;) {
      while (i < this.queue.length) yield this.queue[i++];
      if (this.closed) return;
      await new Promise<void>((r) => this.waiting.add(r));
    }
  }

  /** Only the responses, as they arrive. */
  async *responseStream(): AsyncGenerator<{ from: string; payload: Uint8Array }> {
    for await (const r of this) if (r.type === 'response') yield { from: r.from, payload: r.payload };
  }

  /** Waits for the query to close and returns everything received. */
  async collect(): Promise<QueryResult> {
    await this.closedPromise;
    return { acks: [...this.acks], responses: new Map(this.responses) };
  }

  /** Acks and responses received so far. */
  snapshot(): QueryResult {
    return { acks: [...this.acks], responses: new Map(this.responses) };
  }
}

/** Sends an encoded response to the asker (and its relays). */
export type ResponseSender = (raw: Uint8Array, resp: QueryResponseMessage) => void;

/** A query delivered to this node (Go's *serf.Query). */
export class SerfQuery {
  readonly ltime: number;
  readonly name: string;
  readonly payload: Uint8Array;
  readonly sourceNode: string;
  /** Wall-clock ms by which a response must be sent. */
  readonly deadline: number;
  readonly id: number;
  private readonly selfName: string;
  private readonly sizeLimit: number;
  private readonly sender: ResponseSender;
  private readonly now: () => number;
  private responded = false;

  constructor(opts: {
    ltime: number;
    id: number;
    name: string;
    payload: Uint8Array;
    sourceNode: string;
    deadline: number;
    selfName: string;
    sizeLimit: number;
    send: ResponseSender;
    now?: () => number;
  }) {
    this.ltime = opts.ltime;
    this.id = opts.id;
    this.name = opts.name;
    this.payload = opts.payload;
    this.sourceNode = opts.sourceNode;
    this.deadline = opts.deadline;
    this.selfName = opts.selfName;
    this.sizeLimit = opts.sizeLimit;
    this.sender = opts.send;
    this.now = opts.now ?? Date.now;
  }

  /** The response message this node would send with `payload`. */
  createResponse(payload: Uint8Array | null): QueryResponseMessage {
    return { ltime: this.ltime, id: this.id, from: this.selfName, flags: 0, payload };
  }

  /** Encodes a response message, returning it with its wire bytes. */
  encodeResponse(payload: Uint8Array | null): { raw: Uint8Array; resp: QueryResponseMessage } {
    const resp = this.createResponse(payload);
    return { raw: encodeWithType(SerfMessageType.QueryResponse, queryResponseCodec, resp), resp };
  }

  /** Whether an encoded response fits the response size limit. */
  fits(raw: Uint8Array): boolean {
    return raw.length <= this.sizeLimit;
  }

  /** Answers the query (once, before the deadline); throws Error otherwise. */
  respond(payload: Uint8Array): void {
    const { raw, resp } = this.encodeResponse(payload);
    this.respondRaw(raw, resp);
  }

  /** Sends an already encoded response. */
  respondRaw(raw: Uint8Array, resp: QueryResponseMessage): void {
    if (!this.fits(raw)) throw new Error(`response exceeds limit of ${this.sizeLimit} bytes`);
    if (this.responded) throw new Error('response already sent');
    if (this.now() > this.deadline) throw new Error('response is past the deadline');
    this.sender(raw, resp);
    this.responded = true;
  }
}
