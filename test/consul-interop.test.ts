/**
 * Issue #5 Consul acceptance: memberlist-ts Serf nodes in the LAN pool of a REAL Consul v1.22.0
 * agent (built from the Go module proxy by scripts/install-consul.sh, run as a `-dev` single
 * server on 127.0.0.190). A node with the Consul profile is a client in `consul members`, is
 * registered in the catalog with a passing serfHealth check, and after a graceful leave is left
 * and deregistered, with nothing in Consul's log about it at WARN or ERROR, and a node that
 * stops without leaving is failed with serfHealth critical; a plain Serf node is
 * listed but not catalogued (Consul logs why); a node of another datacenter is refused by both
 * sides' merge checks. The agent CLI started with --consul-dc joins the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllCli, start } from './support/cli-process.ts';
import { eventually } from './support/eventually.ts';
import { ConsulAgent, ensureConsul } from './support/consul-agent.ts';
import {
  type ConsulUnderTest,
  checkFailedNode,
  checkPlainNode,
  checkProfileNode,
  checkWrongDatacenter,
} from './support/consul-checks.ts';

const DC = 'dc1';
let agent: ConsulAgent | undefined;
let consul: ConsulUnderTest;

beforeAll(async () => {
  ensureConsul();
  const a = await ConsulAgent.start({ name: 'consul-server', ip: '127.0.0.190', dc: DC });
  agent = a;
  consul = {
    serfLanAddr: a.serfLanAddr,
    dc: DC,
    get: (path) => a.get(path),
    members: () => a.members(),
    log: async () => a.log(),
  };
}, 1_600_000);

afterAll(async () => {
  killAllCli();
  await agent?.stop();
});

describe('Consul v1.22.0 LAN pool (local binary, -dev server on 127.0.0.190)', () => {
  it('a Serf node with the Consul profile is a catalogued client, then left and deregistered', async () => {
    await checkProfileNode(consul, 'ts-consul-client', '127.0.0.191');
  });

  it('a profile node that stops without leaving is failed with serfHealth critical', async () => {
    await checkFailedNode(consul, 'ts-consul-crash', '127.0.0.194');
  });

  it('a plain Serf node is a member of unknown type that Consul does not catalogue', async () => {
    await checkPlainNode(consul, 'ts-plain', '127.0.0.192');
    expect(agent?.running).toBe(true);
  });

  it('a profile node of another datacenter is refused by both merge checks', async () => {
    await checkWrongDatacenter(consul, 'ts-other-dc', '127.0.0.193');
  });

  it('the agent CLI with --consul-dc is a catalogued client with a passing serfHealth; SIGTERM leaves', async () => {
    const name = 'ts-cli-client';
    const ip = '127.0.0.195';
    const a = start([
      'agent',
      '--node',
      name,
      '--consul-dc',
      DC,
      '--bind',
      `${ip}:8301`,
      '--http',
      `${ip}:7947`,
      '--join',
      consul.serfLanAddr,
    ]);
    await eventually(
      async () => (await consul.members()).some((m) => m.node === name && m.status === 'alive'),
      20_000,
      `${name} alive in consul members`,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${a.stderr()}`);
    });
    expect((await consul.members()).find((m) => m.node === name)).toMatchObject({
      type: 'client',
      dc: DC,
      build: '1.22.0',
    });
    await eventually(
      async () =>
        (await consul.get<{ CheckID: string; Status: string }[]>(`/v1/health/node/${name}`)).some(
          (h) => h.CheckID === 'serfHealth' && h.Status === 'passing',
        ),
      15_000,
      `${name} catalogued with a passing serfHealth`,
    );
    a.child.kill('SIGTERM');
    expect(await a.exited).toEqual({ code: 0, signal: null });
    await eventually(
      async () => (await consul.members()).find((m) => m.node === name)?.status === 'left',
      15_000,
      `${name} left in consul members`,
    );
    expect(
      a
        .stderr()
        .split('\n')
        .filter((l) => /"level":(40|50)/.test(l)),
    ).toEqual([]);
  });

  it('Consul is still running and logged no error but the refused merge', async () => {
    expect(agent?.running).toBe(true);
    const errors = agent?.problems().filter((l) => l.includes('[ERROR]')) ?? [];
    expect(errors.filter((l) => !l.includes("Member 'ts-other-dc' part of wrong datacenter"))).toEqual([]);
  });
});
