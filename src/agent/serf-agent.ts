/**
 * The agent's lifecycle in serf mode (the default): start a Serf node — plain Serf like
 * `serf agent` (protocol 5, its event coalescing), or with --consul-dc the Consul LAN client
 * profile — with its tags, keys, label and verify settings; run the --event-handler scripts for
 * its events; keep the --snapshot (from which Serf rejoins the last members it knew, unless the
 * last run left gracefully and --rejoin is not given); serve the serf-mode HTTP API; join with
 * retries (old user events ignored unless --replay); on SIGINT/SIGTERM or `POST /v1/leave` leave
 * gracefully (peers list the node as left) and stop. Resolves to the exit code: 0 after a
 * signal or a leave, 1 when the node cannot start or cannot join.
 */
import { consulLanProfile } from '../serf/consul-profile.ts';
import type { SerfEvent } from '../serf/events.ts';
import { Serf } from '../serf/serf.ts';
import type { SerfMemberlistOptions, SerfOptions } from '../serf/serf-options.ts';
import { joinHostPort } from '../net/ip.ts';
import type { AgentOptions } from './agent-flags.ts';
import { AgentTags } from './agent-tags.ts';
import { EventHandlers } from './event-handler.ts';
import { type HttpApi, startHttpApi } from './http-api.ts';
import { joinWithRetry } from './join-retry.ts';
import { createAgentLogger, errorText } from './logger.ts';
import { membershipRoutes } from './membership-routes.ts';
import { serfRoutes } from './serf-routes.ts';
import { catchStopSignals, leaveOnce, leaveWhenStopped, stopped } from './signals.ts';

/** Serf's agent protocol (`serf agent -protocol` default). */
const SERF_AGENT_PROTOCOL = 5;
/** Serf's agent coalesces member events and coalescable user events: 3 s, or 1 s of quiet. */
const COALESCE = { coalescePeriod: 3000, quiescentPeriod: 1000, userCoalescePeriod: 3000, userQuiescentPeriod: 1000 };

/** `keys`: the starting keyring, primary first; `userTags`: --tag or the --tags-file content. */
export async function runSerfAgent(
  opts: AgentOptions,
  keys: readonly Uint8Array[],
  userTags: Record<string, string>,
): Promise<number> {
  const log = createAgentLogger(opts.logLevel, opts.node);
  const stop = catchStopSignals(log);

  const memberlist: SerfMemberlistOptions = {
    profile: opts.profile,
    ...(opts.retransmitMult === undefined ? {} : { retransmitMult: opts.retransmitMult }),
    bindAddr: opts.bind.host,
    bindPort: opts.bind.port,
    ...(opts.advertise === undefined ? {} : { advertiseAddr: opts.advertise.host, advertisePort: opts.advertise.port }),
    keys: [...keys],
    label: opts.label,
    gossipVerifyIncoming: opts.verifyIncoming,
    gossipVerifyOutgoing: opts.verifyOutgoing,
  };
  const consul =
    opts.consulDc === undefined ? undefined : consulLanProfile({ nodeName: opts.node, dc: opts.consulDc, memberlist });
  const fixedTags = consul?.tags ?? {};
  const serfOptions: SerfOptions = {
    ...(consul ?? { nodeName: opts.node, protocolVersion: SERF_AGENT_PROTOCOL, memberlist }),
    ...COALESCE,
    tags: { ...fixedTags, ...userTags },
    logger: log,
    keyringFile: opts.keyringFile,
    snapshotPath: opts.snapshot,
    rejoinAfterLeave: opts.rejoin,
  };

  let serf: Serf;
  try {
    serf = await Serf.create(serfOptions);
  } catch (err) {
    log.error({ bind: joinHostPort(opts.bind.host, opts.bind.port), err: errorText(err) }, 'cannot start the node');
    return 1;
  }
  const handlers = new EventHandlers({
    scripts: opts.eventHandlers,
    self: () => ({ name: opts.node, tags: serf.localMember.tags }),
    log,
    timeoutMs: opts.handlerTimeoutMs,
  });
  serf.on('event', (e) => {
    log.info(describe(e), 'event received');
    handlers.handle(e);
  });
  const tags = new AgentTags(serf, { user: userTags, fixed: fixedTags, file: opts.tagsFile, log });

  const leave = leaveOnce(() => serf.leave());
  const membership = membershipRoutes({
    join: (addrs, replay) => serf.join(addrs, { ignoreOld: !replay }),
    leave,
    afterLeave: () => stop.request('left the cluster on request, stopping'),
    forceLeave: (node, prune) => serf.forceLeave(node, { prune }),
  });

  let api: HttpApi;
  try {
    api = await startHttpApi({ ...serfRoutes(serf, tags), ...membership }, opts.http, log);
  } catch (err) {
    log.error({ http: joinHostPort(opts.http.host, opts.http.port), err: errorText(err) }, 'cannot start the HTTP API');
    await serf.shutdown();
    return 1;
  }
  const self = serf.memberlist.localNode;
  log.info(
    {
      bind: joinHostPort(opts.bind.host, serf.memberlist.config.bindPort),
      advertise: joinHostPort(self.addr, self.port),
      http: api.address,
      mode: 'serf',
      ...(opts.consulDc === undefined ? {} : { consulDc: opts.consulDc }),
      profile: opts.profile,
      protocol: serf.config.protocolVersion,
      tags: tags.all(),
      eventHandlers: opts.eventHandlers.length,
      encryption: serf.encryptionEnabled(),
      keys: serf.keyring.keys.length,
      ...(opts.keyringFile === undefined ? {} : { keyringFile: opts.keyringFile }),
      ...(opts.tagsFile === undefined ? {} : { tagsFile: opts.tagsFile }),
      ...(opts.snapshot === undefined ? {} : { snapshot: opts.snapshot, rejoin: opts.rejoin }),
      label: opts.label,
      verifyIncoming: opts.verifyIncoming,
      verifyOutgoing: opts.verifyOutgoing,
    },
    'agent started',
  );

  if (opts.join.length > 0 && !stop.signal.aborted) {
    const joiner = {
      join: (addrs: readonly string[], o: { signal?: AbortSignal }) =>
        serf.join(addrs, { ...o, ignoreOld: !opts.replay }),
    };
    const outcome = await joinWithRetry(joiner, opts.join, {
      timeoutMs: opts.joinTimeoutMs,
      stop: stop.signal,
      log,
    });
    if (outcome.kind === 'joined') {
      log.info({ join: opts.join, contacted: outcome.contacted, attempts: outcome.attempts }, 'joined the cluster');
    } else if (outcome.kind === 'timeout') {
      log.error(
        { join: opts.join, attempts: outcome.attempts, err: outcome.lastError },
        `could not join the cluster within ${opts.joinTimeoutText}`,
      );
      handlers.close();
      await api.close();
      await serf.shutdown();
      return 1;
    }
  }

  await stopped(stop.signal);
  handlers.close();
  return leaveWhenStopped(log, stop, leave, [() => api.close(), () => serf.shutdown()]);
}

function describe(e: SerfEvent): object {
  if (e.type === 'user') return { event: 'user', name: e.name, ltime: e.ltime, coalesce: e.coalesce };
  if (e.type === 'query') return { event: 'query', name: e.query.name, ltime: e.query.ltime, from: e.query.sourceNode };
  return { event: e.type, members: e.members.map((m) => ({ name: m.name, addr: joinHostPort(m.addr, m.port) })) };
}
