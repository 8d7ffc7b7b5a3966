/**
 * memberlist-ts nodes for interop tests: created on loopback addresses with ephemeral ports,
 * collecting user messages, and always shut down at the end.
 */
import { BroadcastQueue } from '../../src/core/broadcast-queue.ts';
import { Memberlist, type MemberlistOptions } from '../../src/memberlist.ts';

export interface TsNode {
  readonly ml: Memberlist;
  readonly messages: string[];
  /**
   * The state each member had when this node last reported it gone ('left' or 'dead'): a member
   * that left is forgotten GossipToTheDeadTime later (15 s in the local profile), so a test that
   * looks for it later would find nothing in `allMembers()`.
   */
  readonly gone: Map<string, string>;
  /** Queue a user broadcast for the delegate to piggy-back. */
  broadcast(text: string): void;
  readonly address: string;
}

const live = new Set<Memberlist>();
const td = new TextDecoder();
const te = new TextEncoder();

export async function startTs(name: string, host: string, opts: Partial<MemberlistOptions> = {}): Promise<TsNode> {
  const messages: string[] = [];
  let ml: Memberlist | undefined;
  const queue = new BroadcastQueue(() => ml?.numMembers() ?? 1, 30);
  ml = await Memberlist.create({
    name,
    profile: 'local',
    bindAddr: host,
    bindPort: 0,
    ...opts,
    delegate: {
      notifyMsg: (m) => messages.push(td.decode(m)),
      getBroadcasts: (overhead, limit) => queue.getBroadcasts(overhead, limit),
      ...opts.delegate,
    },
  });
  live.add(ml);
  const node = ml;
  const gone = new Map<string, string>();
  node.on('leave', (n) => gone.set(n.name, n.state));
  return {
    ml: node,
    messages,
    gone,
    broadcast: (text) => queue.queue({ message: te.encode(text), unique: true }),
    get address() {
      return `${host}:${node.config.bindPort}`;
    },
  };
}

export async function stopAllTs(): Promise<void> {
  await Promise.all([...live].map((m) => m.shutdown()));
  live.clear();
}

export { eventually } from './eventually.ts';
