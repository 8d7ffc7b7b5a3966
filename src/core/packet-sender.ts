/**
 * Outgoing packets: the plain send (Go's rawSendMsgPacket: CRC toward peers that understand it),
 * the piggy-backing send used for pings, acks and nacks (Go's sendMsg: fill the rest of the
 * packet budget with queued broadcasts), and the gossip budget arithmetic.
 */
import { encodeCompound } from '../wire/compound.ts';
import { labelOverhead } from '../wire/label.ts';
import { MessageType } from '../wire/messages.ts';
import { encryptOverhead } from '../wire/security.ts';
import type { BroadcastQueue } from './broadcast-queue.ts';
import type { ProtocolConfig } from './config.ts';
import type { CoreIO } from './core-io.ts';
import type { Delegate } from './delegates.ts';
import type { Members } from './member-table.ts';
import { type NodeState, pmax } from './node-state.ts';

/** Compound header: type byte + part count. */
export const COMPOUND_HEADER_OVERHEAD = 2;
/** Per compound part: its u16 length. */
export const COMPOUND_OVERHEAD = 2;
/** A user message's type byte. */
export const USER_MSG_OVERHEAD = 1;

export class PacketSender {
  private readonly labelBytes: Uint8Array;

  private readonly config: ProtocolConfig;

  private readonly io: CoreIO;

  private readonly table: Members;

  private readonly broadcasts: BroadcastQueue;

  private readonly delegate: Delegate | undefined;

  private readonly encryptionEnabled: () => boolean;

  constructor(
    config: ProtocolConfig,

    io: CoreIO,

    table: Members,

    broadcasts: BroadcastQueue,

    delegate: Delegate | undefined,

    encryptionEnabled: () => boolean,
  ) {
    this.config = config;

    this.io = io;

    this.table = table;

    this.broadcasts = broadcasts;

    this.delegate = delegate;

    this.encryptionEnabled = encryptionEnabled;
    this.labelBytes = new TextEncoder().encode(config.label);
  }

  private encryptionVersion(): 0 | 1 {
    return this.config.protocolVersion === 1 ? 0 : 1;
  }

  /**
   * Sends one message (or compound) to `addr`. `node` is the recipient when known; otherwise
   * Go looks the host up in the node table by name, which only matches nodes named by their IP.
   */
  rawSend(addr: string, name: string, msg: Uint8Array, node?: NodeState): void {
    if (name === '' && this.config.requireNodeNames) {
      this.io.log.error({ addr }, 'cannot send: node names are required');
      return;
    }
    const target = node ?? this.table.getByHost(hostOf(addr));
    this.io.sendPacket(addr, msg, target !== undefined && pmax(target) >= 5);
  }

  /** Sends `msg`, piggy-backing as many queued broadcasts as fit in the packet budget. */
  sendWithPiggyback(addr: string, name: string, msg: Uint8Array): void {
    let avail = this.config.udpBufferSize - msg.length - COMPOUND_HEADER_OVERHEAD - labelOverhead(this.labelBytes);
    if (this.encryptionEnabled() && this.config.gossipVerifyOutgoing)
      avail -= encryptOverhead(this.encryptionVersion());
    const extra = this.getBroadcasts(COMPOUND_OVERHEAD, avail);
    this.rawSend(addr, name, extra.length === 0 ? msg : encodeCompound([msg, ...extra]));
  }

  /**
   * False when a gossip round would find nothing to send: none of memberlist's own broadcasts
   * queued, and a delegate without getBroadcasts or whose hasBroadcasts says it has none.
   */
  mayHaveBroadcasts(): boolean {
    if (this.broadcasts.length > 0) return true;
    const d = this.delegate;
    if (d?.getBroadcasts === undefined) return false;
    return d.hasBroadcasts === undefined || d.hasBroadcasts();
  }

  /** Bytes available to broadcasts in one gossip packet. */
  gossipBudget(): number {
    let avail = this.config.udpBufferSize - COMPOUND_HEADER_OVERHEAD - labelOverhead(this.labelBytes);
    if (this.encryptionEnabled()) avail -= encryptOverhead(this.encryptionVersion());
    return avail;
  }

  /** Memberlist's own broadcasts first, then the delegate's in the space left. */
  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    const out = this.broadcasts.getBroadcasts(overhead, limit);
    const d = this.delegate;
    if (d?.getBroadcasts === undefined) return out;
    let used = 0;
    for (const m of out) used += m.length + overhead;
    const avail = limit - used;
    if (avail <= overhead + USER_MSG_OVERHEAD) return out;
    for (const m of d.getBroadcasts(overhead + USER_MSG_OVERHEAD, avail)) {
      const framed = new Uint8Array(m.length + 1);
      framed[0] = MessageType.User;
      framed.set(m, 1);
      out.push(framed);
    }
    return out;
  }
}

/** The host part of "host:port" / "[v6]:port". */
export function hostOf(addr: string): string {
  if (addr.startsWith('[')) return addr.slice(1, addr.indexOf(']'));
  const i = addr.lastIndexOf(':');
  return i < 0 ? addr : addr.slice(0, i);
}
