/**
 * The gossip round (every GossipInterval): pick up to GossipNodes random members that are alive,
 * suspect, or dead for less than GossipToTheDeadTime, and send each a packet of queued
 * broadcasts — one message bare, several as compounds of at most 255 parts.
 */
import { encodeCompounds } from '../wire/compound.ts';
import { NodeStateCode } from '../wire/messages.ts';
import { COMPOUND_OVERHEAD, type PacketSender } from './packet-sender.ts';
import { nodeAddress } from './node-state.ts';
import type { MemberState, StateContext } from './state.ts';

export function gossipRound(ctx: StateContext, state: MemberState, sender: PacketSender): void {
  // Nothing queued: skip choosing targets (Go picks them first, then finds nothing to send).
  if (!sender.mayHaveBroadcasts()) return;
  const { config, io } = ctx;
  const now = io.now();
  const targets = state.table.kRandom(config.gossipNodes, (n) => {
    if (n.name === config.name) return true;
    switch (n.state) {
      case NodeStateCode.Alive:
      case NodeStateCode.Suspect:
        return false;
      case NodeStateCode.Dead:
        return now - n.stateChange > config.gossipToTheDeadTime;
      default:
        return true;
    }
  });
  const budget = sender.gossipBudget();
  for (const node of targets) {
    const msgs = sender.getBroadcasts(COMPOUND_OVERHEAD, budget);
    if (msgs.length === 0) return;
    const addr = nodeAddress(node);
    if (msgs.length === 1) sender.rawSend(addr, node.name, msgs[0], node);
    else for (const c of encodeCompounds(msgs)) sender.rawSend(addr, node.name, c, node);
  }
}
