/**
 * The Consul LAN profile without Consul: the tags and settings it produces, Consul's build and
 * server-tag parsing, Go durations for `rc_tm`, each of Consul's LAN merge checks, and Serf's
 * merge delegate hook refusing members of a join push/pull and of alive messages between TS
 * nodes on 127.0.0.194–127.0.0.197.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { checkConsulLanMembers, consulServerDatacenter, parseConsulBuild } from '../src/serf/consul-merge.ts';
import { consulLanProfile, consulReconnectTimeout, isConsulNodeId } from '../src/serf/consul-profile.ts';
import type { Member } from '../src/serf/member.ts';
import { Serf } from '../src/serf/serf.ts';
import { formatGoDuration, parseGoDuration } from '../src/util/go-duration.ts';
import { recordingLogger } from './support/consul-checks.ts';
import { eventually } from './support/eventually.ts';

const member = (name: string, tags: Record<string, string>, status: Member['status'] = 'none'): Member => ({
  name,
  addr: '127.0.0.1',
  addrBytes: new Uint8Array([127, 0, 0, 1]),
  port: 8301,
  tags,
  status,
  protocolMin: 1,
  protocolMax: 5,
  protocolCur: 2,
  delegateMin: 2,
  delegateMax: 5,
  delegateCur: 4,
});

const ID_A = '67bd22f1-b02d-ceaa-121a-e1b4c3c546d6';
const ID_B = '0f0e0d0c-0b0a-4908-8706-050403020100';
/** A Consul 1.9.1 server's LAN tags (consul#9566). */
const SERVER_TAGS = {
  dc: 'uat',
  expect: '3',
  wan_join_port: '8302',
  vsn: '2',
  vsn_max: '3',
  port: '8300',
  segment: '',
  vsn_min: '2',
  build: '1.9.1:ca5c3894',
  ft_fs: '1',
  ft_si: '1',
  role: 'consul',
  id: ID_A,
  raft_vsn: '3',
  use_tls: '1',
  acls: '0',
};

describe('consulLanProfile', () => {
  it('produces the tags of a Consul v1.22 client and Consul’s Serf and memberlist LAN settings', () => {
    const p = consulLanProfile({ nodeName: 'n1', dc: 'dc1' });
    expect(isConsulNodeId(p.nodeId)).toBe(true);
    expect(p.nodeId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(p.tags).toEqual({
      role: 'node',
      dc: 'dc1',
      segment: '',
      id: p.nodeId,
      vsn: '2',
      vsn_min: '2',
      vsn_max: '3',
      build: '1.22.0:memberlist-ts',
    });
    expect(p).toMatchObject({
      nodeName: 'n1',
      protocolVersion: 4,
      leavePropagateDelay: 3_000,
      reconnectTimeout: 72 * 3_600_000,
      queueDepthWarning: 1_000_000,
      minQueueDepth: 4096,
      memberlist: { profile: 'lan', bindPort: 8301, deadNodeReclaimTime: 30_000 },
    });
    expect(p.merge).toBeDefined();
    expect(p.enableNameConflictResolution).toBeUndefined();
  });

  it('takes a node ID (lowercased), a build, rc_tm and memberlist overrides; refuses bad values', () => {
    const p = consulLanProfile({
      nodeName: 'n1',
      dc: 'east_1',
      nodeId: ID_B.toUpperCase(),
      build: '1.21.4:deadbeef',
      advertiseReconnectTimeout: 8 * 3_600_000,
      mergeChecks: false,
      memberlist: { bindAddr: '127.0.0.194', bindPort: 0, profile: 'local' },
    });
    expect(p.tags).toMatchObject({ id: ID_B, build: '1.21.4:deadbeef', rc_tm: '8h0m0s', dc: 'east_1' });
    expect(p.merge).toBeUndefined();
    expect(p.memberlist).toEqual({
      profile: 'local',
      bindAddr: '127.0.0.194',
      bindPort: 0,
      deadNodeReclaimTime: 30_000,
    });
    expect(() => consulLanProfile({ nodeName: 'n', dc: 'DC1' })).toThrow(/lowercase alphanumeric/);
    expect(() => consulLanProfile({ nodeName: 'n', dc: '' })).toThrow(/lowercase alphanumeric/);
    expect(() => consulLanProfile({ nodeName: 'n', dc: 'dc1', nodeId: 'not-a-uuid' })).toThrow(/NodeID is invalid/);
    expect(() => consulLanProfile({ nodeName: 'n', dc: 'dc1', build: 'dev' })).toThrow(/x\.y\.z/);
    expect(consulLanProfile({ nodeName: 'n', dc: 'dc1' }).nodeId).not.toBe(
      consulLanProfile({ nodeName: 'n', dc: 'dc1' }).nodeId,
    );
  });

  it('honours a member’s rc_tm as Consul does (malformed or zero keeps the default)', () => {
    const d = 72 * 3_600_000;
    expect(consulReconnectTimeout(member('a', {}), d)).toBe(d);
    expect(consulReconnectTimeout(member('a', { rc_tm: '8h' }), d)).toBe(8 * 3_600_000);
    expect(consulReconnectTimeout(member('a', { rc_tm: '1h30m' }), d)).toBe(5_400_000);
    expect(consulReconnectTimeout(member('a', { rc_tm: '0s' }), d)).toBe(d);
    expect(consulReconnectTimeout(member('a', { rc_tm: 'soon' }), d)).toBe(d);
  });
});

describe('Go durations', () => {
  it('parses and formats as Go does', () => {
    expect(parseGoDuration('72h0m0s')).toBe(72 * 3_600_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('500ms')).toBe(500);
    expect(parseGoDuration('-2m')).toBe(-120_000);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('1500us')).toBe(1.5);
    for (const bad of ['', '5', 'h', '1d', '1h 2m', '--1s'])
      expect(() => parseGoDuration(bad), bad).toThrow(RangeError);
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(500)).toBe('500ms');
    expect(formatGoDuration(1500)).toBe('1.5s');
    expect(formatGoDuration(90_000)).toBe('1m30s');
    expect(formatGoDuration(8 * 3_600_000)).toBe('8h0m0s');
    expect(formatGoDuration(3_600_000 + 1)).toBe('1h0m0.001s');
    for (const ms of [1, 999, 1000, 61_000, 3_601_500, 259_200_000])
      expect(parseGoDuration(formatGoDuration(ms))).toBe(ms);
  });
});

describe('Consul tag parsing', () => {
  it('finds the x.y.z in a build tag as Consul does', () => {
    expect(parseConsulBuild('1.22.0:abcdef12')).toEqual([1, 22, 0]);
    expect(parseConsulBuild('1.9.1+ent:ca5c3894')).toEqual([1, 9, 1]);
    expect(parseConsulBuild('v0.8.5-rc1:')).toEqual([0, 8, 5]);
    expect(parseConsulBuild('1.22:abc')).toBeUndefined();
    expect(parseConsulBuild('')).toBeUndefined();
    expect(parseConsulBuild(undefined)).toBeUndefined();
  });

  it('recognises a server by its tags (role=consul with numeric port and vsn and a parseable build)', () => {
    expect(consulServerDatacenter(SERVER_TAGS)).toBe('uat');
    expect(consulServerDatacenter({ ...SERVER_TAGS, role: 'node' })).toBeUndefined();
    expect(consulServerDatacenter({ ...SERVER_TAGS, port: 'x' })).toBeUndefined();
    expect(consulServerDatacenter({ ...SERVER_TAGS, vsn: '' })).toBeUndefined();
    expect(consulServerDatacenter({ ...SERVER_TAGS, build: 'dev' })).toBeUndefined();
    expect(consulServerDatacenter({ ...SERVER_TAGS, expect: 'three' })).toBeUndefined();
    expect(consulServerDatacenter({ ...SERVER_TAGS, ft_fs: 'yes' })).toBeUndefined();
    expect(consulServerDatacenter({ ...SERVER_TAGS, sl_alpha: '10.0.0.1:8303' })).toBe('uat');
    expect(consulServerDatacenter({ ...SERVER_TAGS, sl_alpha: '10.0.0.1' })).toBeUndefined();
    expect(consulServerDatacenter({ ...SERVER_TAGS, grpc_port: '0' })).toBeUndefined();
    expect(consulServerDatacenter({ ...SERVER_TAGS, grpc_port: '8502' })).toBe('uat');
  });
});

describe("Consul's LAN merge checks", () => {
  const me = { dc: 'uat', nodeId: ID_A, nodeName: 'me' };
  const client = (name: string, id: string, extra: Record<string, string> = {}): Record<string, string> => ({
    role: 'node',
    dc: 'uat',
    id,
    build: '1.22.0:x',
    ...extra,
  });

  it('accepts a hygienic pool, other roles, and left members reusing an ID', () => {
    expect(() =>
      checkConsulLanMembers(me, [
        member('ME', client('ME', ID_A)),
        member('s1', { ...SERVER_TAGS, id: ID_B }),
        member('web', { role: 'web' }),
        member('gone', client('gone', ID_B), 'left'),
      ]),
    ).not.toThrow();
    // Before 0.8.5 node IDs were not required to be unique.
    expect(() =>
      checkConsulLanMembers(me, [
        member('old1', client('old1', ID_B, { build: '0.8.4:x' })),
        member('old2', client('old2', ID_B, { build: '0.8.4:x' })),
      ]),
    ).not.toThrow();
  });

  it('refuses what Consul refuses, with its messages', () => {
    const refuse =
      (members: Member[]): unknown =>
      () =>
        checkConsulLanMembers(me, members);
    expect(refuse([member('other', client('other', ID_A))])).toThrow(
      `Member 'other' has conflicting node ID '${ID_A}' with this agent's ID`,
    );
    expect(refuse([member('a', client('a', ID_B)), member('b', client('b', ID_B))])).toThrow(
      `Member 'b' has conflicting node ID '${ID_B}' with member 'a'`,
    );
    expect(refuse([member('c', client('c', ID_B, { dc: 'dc2' }))])).toThrow(
      "Member 'c' part of wrong datacenter 'dc2'",
    );
    expect(refuse([member('c', { role: 'node' })])).toThrow("Member 'c' part of wrong datacenter ''");
    expect(refuse([member('s', { ...SERVER_TAGS, id: ID_B, dc: 'dc2' })])).toThrow(
      "Member 's' part of wrong datacenter 'dc2'",
    );
    expect(refuse([member('e', client('e', ID_B, { fips: '1' }))])).toThrow(
      /FIPS Consul is only available in Consul Enterprise/,
    );
    expect(refuse([member('e', client('e', ID_B, { ap: 'p1' }))])).toThrow(/part of partition 'p1'; Partitions/);
    expect(refuse([member('e', client('e', ID_B, { segment: 's1' }))])).toThrow(
      /part of segment 's1'; Network Segments/,
    );
  });
});

describe('Serf merge delegate (TS nodes on 127.0.0.194–197)', () => {
  const live: Serf[] = [];
  afterAll(async () => {
    await Promise.all(live.map((s) => s.shutdown()));
  });
  const start = async (opts: Parameters<typeof Serf.create>[0]): Promise<Serf> => {
    const s = await Serf.create(opts);
    live.push(s);
    return s;
  };
  const local = (ip: string) => ({ bindAddr: ip, bindPort: 0, profile: 'local' as const });

  it('refuses a join push/pull of another datacenter and accepts one of the same', async () => {
    const a = await start(consulLanProfile({ nodeName: 'md-a', dc: 'dc1', memberlist: local('127.0.0.194') }));
    const other = await start(consulLanProfile({ nodeName: 'md-b', dc: 'dc2', memberlist: local('127.0.0.195') }));
    await expect(other.join([`127.0.0.194:${a.memberlist.localNode.port}`])).rejects.toThrow(
      "Member 'md-a' part of wrong datacenter 'dc1'",
    );
    expect(a.members().map((m) => m.name)).toEqual(['md-a']);
    const same = await start(consulLanProfile({ nodeName: 'md-c', dc: 'dc1', memberlist: local('127.0.0.196') }));
    expect(await same.join([`127.0.0.194:${a.memberlist.localNode.port}`])).toBe(1);
    await eventually(() => a.members().some((m) => m.name === 'md-c' && m.status === 'alive'), 5_000, 'md-c at md-a');
    await other.shutdown();
  });

  it('refuses alive messages about a member of another datacenter gossiped by a node without checks', async () => {
    const logger = recordingLogger();
    const a = await start({
      ...consulLanProfile({ nodeName: 'al-a', dc: 'dc1', memberlist: local('127.0.0.194') }),
      logger,
    });
    const relay = await start({ nodeName: 'al-relay', tags: { role: 'ts' }, memberlist: local('127.0.0.195') });
    expect(await relay.join([`127.0.0.194:${a.memberlist.localNode.port}`])).toBe(1);
    const intruder = await start(
      consulLanProfile({ nodeName: 'al-x', dc: 'dc2', mergeChecks: false, memberlist: local('127.0.0.197') }),
    );
    expect(await intruder.join([`127.0.0.195:${relay.memberlist.localNode.port}`])).toBe(1);
    await eventually(() => relay.members().some((m) => m.name === 'al-x'), 5_000, 'al-x at the relay');
    await eventually(
      () => logger.problems.some((p) => p.includes('rejected by the alive delegate') && p.includes('al-x')),
      5_000,
      'the alive refusal',
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect(
      a
        .members()
        .map((m) => m.name)
        .sort(),
    ).toEqual(['al-a', 'al-relay']);
    expect(logger.problems.every((p) => p.includes("Member 'al-x' part of wrong datacenter 'dc2'"))).toBe(true);
  });
});
