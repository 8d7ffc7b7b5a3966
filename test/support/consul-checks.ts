/**
 * The Consul LAN acceptance checks, shared by the local-binary test and the testcontainers test:
 * a TS Serf node with the Consul profile is a client in `consul members`, in the catalog with a
 * passing serfHealth check, left and deregistered after a graceful leave, with no Consul
 * warning or error about it, and failed with serfHealth critical when it stops without leaving; a plain Serf node is listed but not catalogued (Consul logs why);
 * a node of another datacenter is refused by both sides' merge checks.
 */
import { expect } from 'vitest';
import type { Logger } from '../../src/core/core-io.ts';
import { consulLanProfile } from '../../src/serf/consul-profile.ts';
import { Serf } from '../../src/serf/serf.ts';
import type { ConsulMemberRow } from './consul-agent.ts';
import { eventually } from './eventually.ts';

/** What the checks need from a Consul agent, wherever it runs. */
export interface ConsulUnderTest {
  /** Its serf_lan address, "ip:port". */
  readonly serfLanAddr: string;
  /** Its datacenter. */
  readonly dc: string;
  get<T>(path: string): Promise<T>;
  /** `consul members`, parsed. */
  members(): Promise<ConsulMemberRow[]>;
  /** Its log so far. */
  log(): Promise<string>;
}

interface CatalogNode {
  Node: { ID: string; Node: string; Address: string; Datacenter: string; Meta: Record<string, string> };
}

interface HealthCheck {
  CheckID: string;
  Status: string;
}

/** A logger that keeps warnings and errors (Serf's own "shutdown without a leave" aside). */
export function recordingLogger(): Logger & { readonly problems: string[] } {
  const problems: string[] = [];
  const keep =
    (level: string) =>
    (obj: object, msg: string): void => {
      if (msg !== 'serf: shutdown without a leave') problems.push(`${level} ${msg} ${JSON.stringify(obj)}`);
    };
  return { problems, debug() {}, info() {}, warn: keep('WARN'), error: keep('ERROR') };
}

/** Consul log lines at WARN or ERROR that mention `name` or `ip`. */
export function consulProblemsAbout(log: string, name: string, ip: string): string[] {
  return log.split('\n').filter((l) => /\[(WARN|ERROR)\]/.test(l) && (l.includes(name) || l.includes(ip)));
}

async function row(consul: ConsulUnderTest, name: string): Promise<ConsulMemberRow | undefined> {
  return (await consul.members()).find((m) => m.node === name);
}

/** The Consul profile node: client, catalogued with a passing serfHealth, then left and deregistered. */
export async function checkProfileNode(consul: ConsulUnderTest, name: string, ip: string): Promise<void> {
  const logger = recordingLogger();
  const profile = consulLanProfile({ nodeName: name, dc: consul.dc, memberlist: { bindAddr: ip } });
  const serf = await Serf.create({ ...profile, logger });
  try {
    expect(await serf.join([consul.serfLanAddr])).toBe(1);

    await eventually(
      async () => (await row(consul, name))?.status === 'alive',
      15_000,
      `${name} alive in consul members`,
    );
    const r = await row(consul, name);
    expect(r).toMatchObject({
      node: name,
      address: `${ip}:8301`,
      status: 'alive',
      type: 'client',
      build: '1.22.0',
      protocol: '2',
      dc: consul.dc,
    });

    let node: CatalogNode | null = null;
    await eventually(
      async () => {
        node = await consul.get<CatalogNode | null>(`/v1/catalog/node/${name}`);
        return node !== null;
      },
      15_000,
      `${name} in the catalog`,
    );
    expect(node).toMatchObject({
      Node: {
        ID: profile.nodeId,
        Node: name,
        Address: ip,
        Datacenter: consul.dc,
        Meta: { 'consul-version': '1.22.0' },
      },
    });
    const health = await consul.get<HealthCheck[]>(`/v1/health/node/${name}`);
    expect(health.map((h) => [h.CheckID, h.Status])).toEqual([['serfHealth', 'passing']]);

    // It stays healthy under Consul's probing (every 100 ms in -dev, every second otherwise).
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await row(consul, name))?.status).toBe('alive');
    expect((await consul.get<HealthCheck[]>(`/v1/health/node/${name}`)).map((h) => h.Status)).toEqual(['passing']);

    // The TS node sees the server with its server tags.
    const server = serf.members().find((m) => m.tags.role === 'consul');
    expect(server?.status).toBe('alive');
    expect(server?.tags.dc).toBe(consul.dc);

    await serf.leave();
    await eventually(
      async () => (await row(consul, name))?.status === 'left',
      15_000,
      `${name} left in consul members`,
    );
    // A client that leaves is deregistered: no node, no checks.
    await eventually(
      async () => (await consul.get<CatalogNode | null>(`/v1/catalog/node/${name}`)) === null,
      15_000,
      `${name} deregistered`,
    );
    expect(await consul.get<HealthCheck[]>(`/v1/health/node/${name}`)).toEqual([]);

    const log = await consul.log();
    expect(log).toContain(`member joined, marking health alive: member=${name}`);
    expect(log).toContain(`deregistering member: member=${name}`);
    expect(consulProblemsAbout(log, name, ip)).toEqual([]);
    expect(logger.problems).toEqual([]);
  } finally {
    await serf.shutdown();
  }
}

/** A profile node that stops without leaving: failed in `consul members`, serfHealth critical. */
export async function checkFailedNode(consul: ConsulUnderTest, name: string, ip: string): Promise<void> {
  const serf = await Serf.create(consulLanProfile({ nodeName: name, dc: consul.dc, memberlist: { bindAddr: ip } }));
  try {
    expect(await serf.join([consul.serfLanAddr])).toBe(1);
    await eventually(
      async () => (await consul.get<HealthCheck[]>(`/v1/health/node/${name}`)).some((h) => h.Status === 'passing'),
      15_000,
      `${name} passing`,
    );
  } finally {
    await serf.shutdown();
  }
  await eventually(
    async () => (await row(consul, name))?.status === 'failed',
    30_000,
    `${name} failed in consul members`,
  );
  await eventually(
    async () => {
      const checks = await consul.get<HealthCheck[]>(`/v1/health/node/${name}`);
      return checks.length === 1 && checks[0].CheckID === 'serfHealth' && checks[0].Status === 'critical';
    },
    15_000,
    `${name} serfHealth critical`,
  );
}

/** A plain Serf node: listed as `unknown`, never catalogued, Consul says why and keeps running. */
export async function checkPlainNode(consul: ConsulUnderTest, name: string, ip: string): Promise<void> {
  const serf = await Serf.create({
    nodeName: name,
    tags: { role: 'ts' },
    memberlist: { bindAddr: ip, bindPort: 8301 },
  });
  try {
    expect(await serf.join([consul.serfLanAddr])).toBe(1);
    await eventually(
      async () => (await row(consul, name))?.status === 'alive',
      15_000,
      `${name} alive in consul members`,
    );
    expect(await row(consul, name)).toMatchObject({ status: 'alive', type: 'unknown', build: '' });
    await eventually(
      async () =>
        (await consul.log()).includes(`skipping reconcile of node: member="{${name} ${ip} 8301 map[role:ts] alive`),
      15_000,
      'the reconcile warning',
    );
    expect(await consul.get<CatalogNode | null>(`/v1/catalog/node/${name}`)).toBeNull();
    await serf.leave();
    await eventually(
      async () => (await row(consul, name))?.status === 'left',
      15_000,
      `${name} left in consul members`,
    );
    const leaderProblems = (await consul.log()).split('\n').filter((l) => /\[ERROR\]/.test(l) && l.includes(name));
    expect(leaderProblems).toEqual([]);
  } finally {
    await serf.shutdown();
  }
}

/**
 * A profile node of another datacenter: its own merge check refuses the server's push/pull, and
 * Consul's refuses it ("part of wrong datacenter"); it never shows in `consul members`.
 */
export async function checkWrongDatacenter(consul: ConsulUnderTest, name: string, ip: string): Promise<void> {
  const logger = recordingLogger();
  const serf = await Serf.create({
    ...consulLanProfile({ nodeName: name, dc: `${consul.dc}-other`, memberlist: { bindAddr: ip } }),
    logger,
  });
  try {
    await expect(serf.join([consul.serfLanAddr])).rejects.toThrow(/wrong datacenter/);
    await eventually(
      async () => (await consul.log()).includes(`Member '${name}' part of wrong datacenter '${consul.dc}-other'`),
      15_000,
      "Consul's merge refusal",
    );
    expect(await row(consul, name)).toBeUndefined();
    expect(serf.members().map((m) => m.name)).toEqual([name]);
  } finally {
    await serf.shutdown();
  }
}
