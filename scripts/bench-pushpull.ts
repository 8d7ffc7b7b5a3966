/**
 * A large remote state for the merge and memory benchmarks, and a one-shot push/pull into a
 * node over TCP as its peer would send it. The members are fictitious: they all advertise
 * 127.0.1.80:9, where nothing listens, so the probes and gossip they attract go nowhere.
 */
import { connect } from 'node:net';
import { ipFromString } from '../src/net/ip.ts';
import { NodeStateCode, type PushNodeState } from '../src/wire/messages.ts';
import { encodePushPull } from '../src/wire/push-pull.ts';
import { encodeStreamMessage } from '../src/wire/stream.ts';
import { NO_SECURITY } from '../src/wire/wire-security.ts';

export const FAKE_MEMBER_ADDR = '127.0.1.80';

/** A push/pull message (type byte first) listing `n` alive members, as a peer would send it. */
export function remoteState(n: number, prefix = 'member'): Uint8Array {
  const addr = ipFromString(FAKE_MEMBER_ADDR);
  const meta = new TextEncoder().encode('role=web,dc=dc1,rack=r07'); // a few tags, as Serf/Consul add
  const vsn = new Uint8Array([1, 5, 2, 0, 0, 0]);
  const nodes: PushNodeState[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push({
      name: `${prefix}-${String(i).padStart(5, '0')}.dc1`,
      addr,
      port: 9,
      meta,
      incarnation: 1,
      state: NodeStateCode.Alive,
      vsn,
    });
  }
  return encodePushPull({ join: false, nodes, userState: new Uint8Array(0) });
}

/**
 * Sends `state` to the node at host:port as the initiator of a push/pull (no label, no
 * encryption; LZW-compressed when `compress`, as a default Go peer sends it) and reads its reply
 * until it closes the connection. Resolves to the reply's length in bytes.
 */
export function pushState(
  host: string,
  port: number,
  state: Uint8Array,
  compress: boolean,
  timeoutMs = 30_000,
): Promise<number> {
  const wire = encodeStreamMessage(state, { compress }, NO_SECURITY);
  return new Promise((resolve, reject) => {
    let got = 0;
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`push/pull to ${host}:${port} timed out`)));
    socket.on('connect', () => socket.write(wire));
    socket.on('end', () => socket.end());
    socket.on('data', (d) => {
      got += d.length;
    });
    socket.on('error', reject);
    socket.on('close', () => (got > 0 ? resolve(got) : reject(new Error(`no push/pull reply from ${host}:${port}`))));
  });
}
