/**
 * The real transport: one UDP socket and one TCP listener on the same address and port, as Go's
 * NetTransport. It moves bytes only; framing, security and protocol live elsewhere.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { createServer, isIP, isIPv4, isIPv6, type Server, Socket } from 'node:net';
import { MAX_PACKET_BYTES } from '../wire/limits.ts';
import { joinHostPort, splitHostPort } from '../net/ip.ts';

export interface NetTransportOptions {
  /** IP to bind ("0.0.0.0", "::", or a specific address). */
  readonly bindAddr: string;
  /** Port to bind; 0 picks a free one (the same for UDP and TCP). */
  readonly bindPort: number;
}

export type PacketHandler = (from: string, bytes: Uint8Array, receivedAt: number) => void;
export type ConnectionHandler = (socket: Socket) => void;

/** Socket receive buffer Go asks for (2 MiB). */
const UDP_RECV_BUFFER = 2 * 1024 * 1024;
/** Attempts to find a port free for both UDP and TCP when binding port 0. */
const BIND_ATTEMPTS = 10;

export class NetTransport {
  onPacket: PacketHandler = () => {};
  onConnection: ConnectionHandler = (s) => s.destroy();

  private readonly udp: UdpSocket;
  private readonly tcp: Server;
  readonly bindAddr: string;
  readonly port: number;

  private constructor(udp: UdpSocket, tcp: Server, bindAddr: string, port: number) {
    this.udp = udp;
    this.tcp = tcp;
    this.bindAddr = bindAddr;
    this.port = port;
    udp.on('message', (msg, rinfo) => {
      if (msg.length > MAX_PACKET_BYTES) return;
      const from = joinHostPort(normalizeHost(rinfo.address), rinfo.port);
      this.onPacket(from, new Uint8Array(msg.buffer, msg.byteOffset, msg.length), performance.now());
    });
    udp.on('error', () => {});
    tcp.on('connection', (s) => this.onConnection(s));
    tcp.on('error', () => {});
  }

  static async listen(opts: NetTransportOptions): Promise<NetTransport> {
    const family = isIPv6(opts.bindAddr) ? 'udp6' : 'udp4';
    if (!isIPv4(opts.bindAddr) && !isIPv6(opts.bindAddr)) {
      throw new Error(`bind address must be an IP address, got "${opts.bindAddr}"`);
    }
    let lastError: unknown;
    for (let attempt = 0; attempt < (opts.bindPort === 0 ? BIND_ATTEMPTS : 1); attempt++) {
      const tcp = createServer({ allowHalfOpen: false });
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ host: opts.bindAddr, port: opts.bindPort, exclusive: true }, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
        const addr = tcp.address();
        const port = typeof addr === 'object' && addr !== null ? addr.port : opts.bindPort;
        const udp = createSocket({ type: family, reuseAddr: false, lookup: literalLookup });
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind({ address: opts.bindAddr, port, exclusive: true }, () => {
            udp.off('error', reject);
            resolve();
          });
        });
        try {
          udp.setRecvBufferSize(UDP_RECV_BUFFER);
        } catch {
          // Not fatal: the kernel may cap it.
        }
        return new NetTransport(udp, tcp, opts.bindAddr, port);
      } catch (err) {
        lastError = err;
        tcp.close();
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  /** Sends one datagram to "ip:port". */
  sendPacket(addr: string, bytes: Uint8Array): void {
    const { host, port } = splitHostPort(addr);
    if (port === undefined) return;
    // No callback: a send error is dropped either way (the socket has an error listener), and
    // a callback would cost a nextTick per datagram.
    this.udp.send(bytes, port, this.targetHost(host));
  }

  /** Opens a TCP connection to "ip:port". */
  connect(addr: string): Socket {
    const { host, port } = splitHostPort(addr);
    const s = new Socket();
    s.connect({ host, port: port ?? 0 });
    return s;
  }

  private targetHost(host: string): string {
    // An IPv6 socket reaches IPv4 peers through IPv4-mapped addresses.
    if (this.bindAddr.includes(':') && isIPv4(host)) return `::ffff:${host}`;
    return host;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }
}

/**
 * dgram resolves the destination of every datagram through its `lookup`, and dns.lookup
 * answers even an IP literal on the next tick (a nextTick and a closure per datagram). The
 * core only sends to IP literals: those are answered at once, anything else goes to DNS.
 */
function literalLookup(
  host: string,
  options: LookupOneOptions,
  done: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(host);
  if (family !== 0) done(null, host, family);
  else dnsLookup(host, options, done);
}

/** Reports IPv4-mapped IPv6 sources in dotted form, as Go's net.UDPAddr.String does. */
function normalizeHost(host: string): string {
  return host.startsWith('::ffff:') && isIPv4(host.slice(7)) ? host.slice(7) : host;
}
