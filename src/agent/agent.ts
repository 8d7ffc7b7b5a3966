/**
 * The agent's lifecycle in memberlist mode (--mode memberlist): start a Memberlist node (with its
 * keys, label and verify settings) and the local HTTP API (with `POST /v1/join` and `/v1/leave`),
 * join the cluster with retries, log membership events, and on SIGINT/SIGTERM or
 * `POST /v1/leave` leave gracefully and stop. Resolves to the process exit code: 0 after a signal
 * or a leave, 1 when the node cannot start or cannot join.
 */
import { Memberlist } from '../memberlist.ts';
import type { Node } from '../core/node-state.ts';
import { joinHostPort } from '../net/ip.ts';
import type { AgentOptions } from './agent-flags.ts';
import { AgentKeyring } from './agent-keyring.ts';
import { type HttpApi, startHttpApi } from './http-api.ts';
import { joinWithRetry } from './join-retry.ts';
import { createAgentLogger, errorText } from './logger.ts';
import { memberlistRoutes } from './memberlist-routes.ts';
import { membershipRoutes } from './membership-routes.ts';
import { catchStopSignals, leaveOnce, leaveWhenStopped } from './signals.ts';

/** `keys`: the starting keyring, primary first (see startingKeys). */
export async function runAgent(opts: AgentOptions, keys: readonly Uint8Array[]): Promise<number> {
  const log = createAgentLogger(opts.logLevel, opts.node);

  const stop = catchStopSignals(log);

  let node: Memberlist;
  try {
    node = await Memberlist.create({
      name: opts.node,
      profile: opts.profile,
      ...(opts.retransmitMult === undefined ? {} : { retransmitMult: opts.retransmitMult }),
      bindAddr: opts.bind.host,
      bindPort: opts.bind.port,
      ...(opts.advertise === undefined
        ? {}
        : { advertiseAddr: opts.advertise.host, advertisePort: opts.advertise.port }),
      meta: opts.meta,
      keys: [...keys],
      label: opts.label,
      gossipVerifyIncoming: opts.verifyIncoming,
      gossipVerifyOutgoing: opts.verifyOutgoing,
      logger: log,
    });
  } catch (err) {
    log.error({ bind: joinHostPort(opts.bind.host, opts.bind.port), err: errorText(err) }, 'cannot start the node');
    return 1;
  }
  node.on('join', (n) => log.info(describe(n), 'member joined'));
  node.on('leave', (n) => log.info(describe(n), 'member left'));
  node.on('update', (n) => log.info(describe(n), 'member updated'));

  const leave = leaveOnce(() => node.leave());
  let api: HttpApi;
  try {
    const routes = {
      ...memberlistRoutes(node, new AgentKeyring(node.keyring, opts.keyringFile, log)),
      // No user events in memberlist mode: `replay` has nothing to replay.
      ...membershipRoutes({
        join: (addrs) => node.join(addrs),
        leave,
        afterLeave: () => stop.request('left the cluster on request, stopping'),
      }),
    };
    api = await startHttpApi(routes, opts.http, log);
  } catch (err) {
    log.error({ http: joinHostPort(opts.http.host, opts.http.port), err: errorText(err) }, 'cannot start the HTTP API');
    await node.shutdown();
    return 1;
  }
  const self = node.localNode;
  log.info(
    {
      bind: joinHostPort(opts.bind.host, node.config.bindPort),
      advertise: joinHostPort(self.addr, self.port),
      http: api.address,
      mode: 'memberlist',
      profile: opts.profile,
      encryption: node.keyring.keys.length > 0,
      keys: node.keyring.keys.length,
      ...(opts.keyringFile === undefined ? {} : { keyringFile: opts.keyringFile }),
      label: opts.label,
      verifyIncoming: opts.verifyIncoming,
      verifyOutgoing: opts.verifyOutgoing,
    },
    'agent started',
  );

  if (opts.join.length > 0 && !stop.signal.aborted) {
    const outcome = await joinWithRetry(node, opts.join, { timeoutMs: opts.joinTimeoutMs, stop: stop.signal, log });
    if (outcome.kind === 'joined') {
      log.info({ join: opts.join, contacted: outcome.contacted, attempts: outcome.attempts }, 'joined the cluster');
    } else if (outcome.kind === 'timeout') {
      log.error(
        { join: opts.join, attempts: outcome.attempts, err: outcome.lastError },
        `could not join the cluster within ${opts.joinTimeoutText}`,
      );
      await api.close();
      await node.shutdown();
      return 1;
    }
  }

  return leaveWhenStopped(log, stop, leave, [() => api.close(), () => node.shutdown()]);
}

function describe(n: Node): object {
  return { member: n.name, addr: joinHostPort(n.addr, n.port), status: n.state, incarnation: n.incarnation };
}
