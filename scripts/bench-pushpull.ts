/**
 * A large remote state for the merge and memory benchmarks, and a one-shot push/pull into a
 * node over TCP as its peer would send it. The members are fictitious: each advertises its own
 * loopback address in 127.2.0.0/16 (port 9, where nothing listens), so the probes and gossip
 * they attract go nowhere, and each has its own metadata (an `id` tag, as Consul's), so neither
 * side can share one copy of an address or metadata between members as it could if all were the
 * same — a real cluster's members differ.
 */
import { connect } from 'node:net';
import { NodeStateCode, type PushNodeState } from '../src/wire/messages.ts';
import { encodePushPull } from '../src/wire/push-pull.ts';
import { encodeStreamMessage } from '../src/wire/stream.ts';
import { NO_SECURITY } from '../src/wire/wire-security.ts';

/** The fictitious members' addresses: 127.2.0.0 – 127.2.255.255. */
export const FAKE_MEMBER_NET = '127.2.0.0/16';

/**
 * A push/pull message (type byte first) listing `n` alive members, as a peer would send it.
 * Another `salt` gives other members (names, addresses and ids) in a state of the same size.
 */
export function remoteState(n: number, prefix = 'member', salt = 0): Uint8Array {
  if (n > 65_536) throw new RangeError(`remoteState: at most 65,536 members (one per address of ${FAKE_MEMBER_NET})`);
  const vsn = new Uint8Array([1, 5, 2, 0, 0, 0]);
  const encoder = new TextEncoder();
  const nodes: PushNodeState[] = [];
  for (let k = 0; k < n; k++) {
    const i = (k + salt * 7919) % 65_536;
    nodes.push({
      name: `${prefix}-${String(i).padStart(5, '0')}.dc${(salt + 1) % 10}`,
      addr: new Uint8Array([127, 2, i >> 8, i & 255]),
      port: 9,
      // A few tags, as Serf and Consul add; the id differs per member.
      meta: encoder.encode(
        `role=web,dc=dc1,rack=r${String(i % 40).padStart(2, '0')},id=${(i + salt * 65_536).toString(16).padStart(8, '0')}`,
      ),
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
