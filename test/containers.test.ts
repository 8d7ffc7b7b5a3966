/**
 * The testcontainers path: the Consul LAN acceptance checks against the official
 * `hashicorp/consul:1.22` image, and a Serf members/event check against serf v0.10.2 (the
 * binary scripts/install-serf.sh builds) in a `debian:bookworm-slim` container, with the TS
 * nodes on the host. The containers use host networking (a Linux engine), so every process
 * stays on 127.0.0.230–127.0.0.233. Without a reachable Docker engine the whole file skips,
 * saying why once, in well under a second.
 */
import type { Readable } from 'node:stream';
import type { StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserEvent } from '../src/serf/events.ts';
import { Serf } from '../src/serf/serf.ts';
import { consulDevArgs, parseConsulMembers } from './support/consul-agent.ts';
import { type ConsulUnderTest, checkPlainNode, checkProfileNode } from './support/consul-checks.ts';
import { findDockerEngine } from './support/docker-engine.ts';
import { eventually } from './support/eventually.ts';
import { SERF_BINARIES, ensureSerf } from './support/serf-agents.ts';

const CONSUL_IMAGE = 'hashicorp/consul:1.22';
const SERF_BASE_IMAGE = 'debian:bookworm-slim';
const CONSUL_IP = '127.0.0.230';
const SERF_IP = '127.0.0.232';

const engine = await findDockerEngine();
const title = engine.ok ? `testcontainers on ${engine.host}` : `testcontainers: skipped, ${engine.reason}`;
if (!engine.ok) console.log(`containers.test.ts ${title}`);

/** Collects a container's output as it runs. */
function collector(): { text: () => string; consume: (stream: Readable) => void } {
  let out = '';
  return {
    text: () => out,
    consume: (stream) => {
      stream.on('data', (chunk: Buffer | string) => {
        out += chunk.toString();
      });
    },
  };
}

describe.skipIf(!engine.ok)(title, () => {
  const containers: StartedTestContainer[] = [];
  const live: Serf[] = [];
  let tc: typeof import('testcontainers');

  beforeAll(async () => {
    tc = await import('testcontainers');
  });

  afterAll(async () => {
    await Promise.all(live.map((s) => s.shutdown().catch(() => undefined)));
    await Promise.all(containers.map((c) => c.stop().catch(() => undefined)));
  });

  describe(`Consul (${CONSUL_IMAGE})`, () => {
    let consul: ConsulUnderTest;

    beforeAll(async () => {
      const logs = collector();
      const c = await new tc.GenericContainer(CONSUL_IMAGE)
        .withNetworkMode('host')
        .withCommand(consulDevArgs({ name: 'consul-ctr', ip: CONSUL_IP, dc: 'dc1' }))
        .withLogConsumer(logs.consume)
        .withWaitStrategy(tc.Wait.forLogMessage(/Consul agent running!/))
        .withStartupTimeout(120_000)
        .start();
      containers.push(c);
      const http = `http://${CONSUL_IP}:8500`;
      const get = async <T>(path: string): Promise<T> => {
        const res = await fetch(`${http}${path}`, { signal: AbortSignal.timeout(5_000) });
        if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
        return (await res.json()) as T;
      };
      await eventually(async () => (await get<string>('/v1/status/leader')) !== '', 30_000, 'a Consul leader');
      consul = {
        serfLanAddr: `${CONSUL_IP}:8301`,
        dc: 'dc1',
        get,
        members: async () => {
          const r = await c.exec(['consul', 'members', `-http-addr=${http}`]);
          if (r.exitCode !== 0) throw new Error(`consul members failed: ${r.output}`);
          return parseConsulMembers(r.stdout);
        },
        log: async () => logs.text(),
      };
    }, 300_000);

    it('a Serf node with the Consul profile is a catalogued client, then left and deregistered', async () => {
      await checkProfileNode(consul, 'ts-ctr-client', '127.0.0.231');
    });

    it('a plain Serf node is a member of unknown type that Consul does not catalogue', async () => {
      await checkPlainNode(consul, 'ts-ctr-plain', '127.0.0.233');
    });
  });

  describe(`Serf v0.10.2 (in ${SERF_BASE_IMAGE})`, () => {
    it('serf members lists the TS node; user events go both ways', async () => {
      const bin = SERF_BINARIES[1];
      ensureSerf(bin);
      const rpc = `-rpc-addr=${SERF_IP}:7373`;
      const c = await new tc.GenericContainer(SERF_BASE_IMAGE)
        .withNetworkMode('host')
        .withCopyFilesToContainer([{ source: bin.path, target: '/usr/local/bin/serf', mode: 0o755 }])
        .withEntrypoint(['/usr/local/bin/serf'])
        .withCommand([
          'agent',
          '-node=serf-ctr',
          `-bind=${SERF_IP}:7946`,
          rpc,
          '-profile=local',
          '-event-handler=user=echo "$SERF_USER_EVENT $(cat)" >> /tmp/events',
        ])
        .withWaitStrategy(tc.Wait.forLogMessage(/Serf agent running!/))
        .withStartupTimeout(120_000)
        .start();
      containers.push(c);

      const ts = await Serf.create({
        nodeName: 'ts-ctr-serf',
        tags: { role: 'ts' },
        memberlist: { profile: 'local', bindAddr: '127.0.0.231', bindPort: 7946 },
      });
      live.push(ts);
      const events: UserEvent[] = [];
      ts.on('user', (e) => events.push(e));
      expect(await ts.join([`${SERF_IP}:7946`])).toBe(1);

      await eventually(
        async () => {
          const r = await c.exec(['serf', 'members', rpc, '-format=json']);
          const members = (JSON.parse(r.stdout) as { members: { name: string; status: string; tags: object }[] })
            .members;
          return members.some((m) => m.name === 'ts-ctr-serf' && m.status === 'alive');
        },
        15_000,
        'the TS node in serf members',
      );

      ts.userEvent('from-ts', new TextEncoder().encode('hello'), false);
      await eventually(
        async () => (await c.exec(['cat', '/tmp/events'])).stdout.includes('from-ts hello'),
        15_000,
        "the container's event handler",
      );
      const r = await c.exec(['serf', 'event', rpc, '-coalesce=false', 'from-go', 'hi']);
      expect(r.exitCode).toBe(0);
      await eventually(() => events.some((e) => e.name === 'from-go'), 15_000, 'the event at the TS node');
      await ts.leave();
    });
  });
});
