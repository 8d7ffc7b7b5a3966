/**
 * Issue #5 interop suite: memberlist-ts Serf nodes in an encrypted cluster with REAL Serf agents —
 * Debian's serf 0.9.4 and serf v0.10.2 built from the Go module proxy — driven through the serf
 * CLI. For each binary: membership and tags both ways, user events both ways, queries both ways
 * (node and tag filters, acks, relays), `serf keys` rotation counting every node and TS-initiated
 * key operations, tag updates, the Go agents' logs free of ERR/WARN lines, graceful leave → left
 * and shutdown without leave → failed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Serf } from '../src/serf/serf.ts';
import type { SerfQuery } from '../src/serf/query.ts';
import type { UserEvent } from '../src/serf/events.ts';
import type { KeyOperationError } from '../src/serf/key-manager.ts';
import {
  SERF_BINARIES,
  SerfAgent,
  type SerfBinary,
  ensureSerf,
  serfWorkDir,
  stopAllAgents,
} from './support/serf-agents.ts';
import { eventually } from './support/ts-nodes.ts';

const te = new TextEncoder();
const td = new TextDecoder();
const b64 = (fill: number): string => Buffer.alloc(32, fill).toString('base64');
const live: Serf[] = [];

afterAll(async () => {
  await Promise.all(live.map((s) => s.shutdown().catch(() => undefined)));
  await stopAllAgents();
});

interface Cluster {
  g1: SerfAgent;
  g2: SerfAgent;
  ts: Serf;
  /** A second TS node, shut down without leaving at the end. */
  tsFail: Serf;
  userEvents: UserEvent[];
  eventFile: (agent: SerfAgent) => string;
}

async function startTs(name: string, ip: string, protocolVersion: number, key: string, tags: Record<string, string>) {
  const s = await Serf.create({
    nodeName: name,
    tags,
    protocolVersion,
    leavePropagateDelay: 300,
    // The local profile retransmits each broadcast only 2 × ceil(log10(N+1)) times: in a 4-node
    // cluster a query then misses a node ~20% of the time, between Go agents too (measured). LAN's
    // RetransmitMult 4 on the TS nodes makes every query reach everyone.
    memberlist: {
      profile: 'local',
      retransmitMult: 4,
      bindAddr: ip,
      bindPort: 7946,
      keys: [Buffer.from(key, 'base64')],
    },
  });
  live.push(s);
  s.on('query', (q: SerfQuery) => {
    if (q.name === 'whoami') q.respond(te.encode(`I am ${name}`));
  });
  return s;
}

function suite(bin: SerfBinary, base: number, protocolVersion: number): void {
  const ip = (n: number): string => `127.0.0.${base + n}`;
  const p = `b${base}`;
  const names = { g1: `${p}-go1`, g2: `${p}-go2`, ts: `${p}-ts`, tsFail: `${p}-tsf` };
  const all = [names.g1, names.g2, names.ts, names.tsFail].sort();
  const k1 = b64(base);
  const k2 = b64(base + 1);
  const k3 = b64(base + 2);
  let c: Cluster;

  describe(`${bin.label} (TS speaks Serf protocol ${protocolVersion})`, () => {
    beforeAll(async () => {
      ensureSerf(bin);
      const eventFile = (agent: SerfAgent | string): string =>
        join(serfWorkDir(), `${typeof agent === 'string' ? agent : agent.name}.events`);
      const handlers = (name: string): string[] => [
        `user=echo "$SERF_USER_EVENT $(cat)" >> ${eventFile(name)}`,
        'query:whoami=cat >/dev/null; echo I am $SERF_SELF_NAME',
      ];
      const g1 = await SerfAgent.start({
        bin: bin.path,
        name: names.g1,
        ip: ip(1),
        tags: { role: 'goweb', dc: 'x' },
        keys: [k1],
        eventHandlers: handlers(names.g1),
      });
      const g2 = await SerfAgent.start({
        bin: bin.path,
        name: names.g2,
        ip: ip(2),
        tags: { role: 'godb' },
        keys: [k1],
        join: g1.bindAddr,
        eventHandlers: handlers(names.g2),
      });
      const ts = await startTs(names.ts, ip(3), protocolVersion, k1, { role: 'ts', dc: 'x' });
      const tsFail = await startTs(names.tsFail, ip(4), protocolVersion, k1, { role: 'tsf' });
      const userEvents: UserEvent[] = [];
      ts.on('user', (e) => userEvents.push(e));
      c = { g1, g2, ts, tsFail, userEvents, eventFile };
      expect(await ts.join([g1.bindAddr])).toBe(1);
      expect(await tsFail.join([g2.bindAddr])).toBe(1);
    });

    it('serf members lists the TS nodes alive with their tags; the TS node lists the agents with theirs', async () => {
      await eventually(
        async () => {
          const views = await Promise.all([c.g1.members(), c.g2.members()]);
          return views.every((v) => v.filter((m) => m.status === 'alive').length === 4);
        },
        10_000,
        'both agents to list 4 alive members',
      );
      for (const agent of [c.g1, c.g2]) {
        const ts = await agent.member(names.ts);
        expect(ts).toMatchObject({
          name: names.ts,
          addr: `${ip(3)}:7946`,
          port: 7946,
          tags: { role: 'ts', dc: 'x' },
          status: 'alive',
          protocol: { min: 2, max: 5, version: protocolVersion },
        });
      }
      await eventually(() => c.ts.members().filter((m) => m.status === 'alive').length === 4, 20_000).catch(
        (err: unknown) => {
          const view = c.ts.members().map((m) => `${m.name}=${m.status}`);
          throw new Error(`${String(err)}: the TS node lists ${view.join(', ')}`);
        },
      );
      expect(
        c.ts
          .members()
          .map((m) => m.name)
          .sort(),
      ).toEqual(all);
      const g1 = c.ts.members().find((m) => m.name === names.g1);
      expect(g1).toMatchObject({ status: 'alive', tags: { role: 'goweb', dc: 'x' }, delegateCur: 5, protocolMax: 5 });
      expect(c.ts.members().find((m) => m.name === names.g2)?.tags).toEqual({ role: 'godb' });
    });

    it('serf event reaches the TS node', async () => {
      const got = () => c.userEvents.filter((e) => e.name === 'deploy');
      for (let i = 1; i <= ATTEMPTS && got().length === 0; i++) {
        const r = await c.g1.cli(['event', '-coalesce=false', 'deploy', 'v1']);
        expect(r.code, r.stderr).toBe(0);
        await eventually(() => got().length > 0, 3_000).catch(() => undefined);
      }
      const e = got()[0];
      expect(td.decode(e?.payload)).toBe('v1');
      expect(e?.coalesce).toBe(false);
      // Each event (Lamport time) is delivered once, however many gossip copies arrive.
      await new Promise((r) => setTimeout(r, 300));
      const ltimes = got().map((x) => x.ltime);
      expect(new Set(ltimes).size).toBe(ltimes.length);
    });

    it('a TS user event reaches the Go agents’ event handlers (coalescing off and on)', async () => {
      c.ts.userEvent('ts-deploy', te.encode('v2'), false);
      c.tsFail.userEvent('ts-coalesced', te.encode('v3'), true);
      await eventually(
        () =>
          [c.g1, c.g2].every((g) => {
            const text = readText(c.eventFile(g));
            return text.includes('ts-deploy v2') && text.includes('ts-coalesced v3');
          }),
        10_000,
        'the handlers to record both events',
      );
      expect(readText(c.eventFile(c.g1)).match(/ts-deploy v2/g)).toHaveLength(1);
    });

    it('serf query is answered by the TS node, honouring node and tag filters', async () => {
      const tsNodes = [names.ts, names.tsFail];
      // One at a time: Go serf's Query reads its Lamport clock before its own handling of the query
      // moves it on, so queries started at once on one agent can share a time, and the later one
      // replaces the earlier in the agent's table of open queries — the earlier one's replies are
      // then dropped with "[WARN] serf: query reply ID mismatch" (seen once in seven runs).
      const all4 = await cliQuery(c.g1, [], all);
      const byNode = await cliQuery(c.g1, [`-node=${names.ts}`], [names.ts]);
      const byTag = await cliQuery(c.g1, ['-tag', 'role=^t'], tsNodes);
      const notUs = await cliQuery(c.g1, ['-tag', 'role=go'], [names.g1, names.g2]);
      const relayed = await cliQuery(c.g1, [`-node=${names.ts}`, '-relay-factor=2'], [names.ts]);
      expect([...(all4.Acks ?? [])].sort()).toEqual(all);
      expect(all4.Responses[names.ts]).toBe(`I am ${names.ts}`);
      expect(all4.Responses[names.g2]).toBe(`I am ${names.g2}\n`);
      expect(byNode).toEqual({ Acks: [names.ts], Responses: { [names.ts]: `I am ${names.ts}` } });
      expect([...(byTag.Acks ?? [])].sort()).toEqual(tsNodes.sort());
      expect([...(notUs.Acks ?? [])].sort()).toEqual([names.g1, names.g2]);
      // Our answer also went through two relays (Go agents forwarding our relay messages).
      expect(relayed).toEqual({ Acks: [names.ts], Responses: { [names.ts]: `I am ${names.ts}` } });
      await eventually(
        () => [c.g1, c.g2].some((g) => /Relaying response to addr: 127\.0\.0\.\d+:7946/.test(g.log())),
        3000,
        'a Go agent to relay our response',
      );
    });

    it('a TS query collects acks and responses from the Go agents (also relayed, also tag-filtered)', async () => {
      const q = c.ts.query('whoami', te.encode('hi'), { requestAck: true, relayFactor: 1, timeout: 1500 });
      const got = await q.collect();
      expect([...got.acks].sort()).toEqual(all);
      expect(td.decode(got.responses.get(names.g1))).toBe(`I am ${names.g1}\n`);
      expect(td.decode(got.responses.get(names.g2))).toBe(`I am ${names.g2}\n`);
      expect(td.decode(got.responses.get(names.ts))).toBe(`I am ${names.ts}`);
      const filtered = await c.ts
        .query('whoami', new Uint8Array(0), { requestAck: true, filterTags: { role: 'db$' }, timeout: 1000 })
        .collect();
      expect(filtered.acks).toEqual([names.g2]);
      expect([...filtered.responses.keys()]).toEqual([names.g2]);
      const ping = await c.ts.query('_serf_ping', new Uint8Array(0), { requestAck: true, timeout: 1000 }).collect();
      expect([...ping.acks].sort()).toEqual(all);
      expect(ping.responses.size).toBe(0);
    });

    it('serf keys -install/-use/-remove/-list succeed counting every node (TS included)', async () => {
      const run = (args: string[]) => cliKeys(c.g1, args);
      expect(await run(['-list'])).toContain(`${k1}  [4/4]`);
      await run(['-install', k2]);
      await run(['-use', k2]);
      const listed = await run(['-list']);
      expect(listed).toContain(`${k1}  [4/4]`);
      expect(listed).toContain(`${k2}  [4/4]`);
      await run(['-remove', k1]);
      expect(await run(['-list'])).not.toContain(k1);
      expect(c.ts.keyring.keys.map((k) => Buffer.from(k).toString('base64'))).toEqual([k2]);
      // Everyone still talks after the rotation.
      expect((await cliQuery(c.g2, [`-node=${names.ts}`], [names.ts])).Acks).toEqual([names.ts]);
    });

    it('TS-initiated key operations succeed on the Go agents', async () => {
      const install = await tsKeys(() => c.ts.keyManager.installKey(k3));
      expect([install.numNodes, install.numResp, install.numErr]).toEqual([4, 4, 0]);
      await tsKeys(() => c.ts.keyManager.useKey(k3));
      const list = await tsKeys(() => c.ts.keyManager.listKeys());
      expect(list.keys.get(k3)).toBe(4);
      expect(list.keys.get(k2)).toBe(4);
      expect(list.primaryKeys.get(k3)).toBe(4);
      await tsKeys(() => c.ts.keyManager.removeKey(k2));
      const agentView = await cliKeys(c.g2, ['-list']);
      expect(agentView).toContain(`${k3}  [4/4]`);
      expect(agentView).not.toContain(k2);
      expect(JSON.parse(readFileSync(c.g1.keyringPath as string, 'utf8'))).toEqual([k3]);
    });

    it('a TS tag update is visible in serf members within 2 s', async () => {
      const started = Date.now();
      await c.ts.setTags({ role: 'ts', dc: 'x', version: '2' });
      await eventually(
        async () =>
          (await Promise.all([c.g1.member(names.ts), c.g2.member(names.ts)])).every((m) => m?.tags.version === '2'),
        2_000,
        'both agents to show the new tag',
      );
      expect(Date.now() - started).toBeLessThan(2_000);
      expect((await c.g1.member(names.ts))?.tags).toEqual({ role: 'ts', dc: 'x', version: '2' });
    });

    it('the Go agents logged no ERR or WARN line', () => {
      for (const g of [c.g1, c.g2]) expect(g.problems().join('\n'), g.name).toBe('');
    });

    it('a failing TS key operation reports the Go agents’ messages', async () => {
      const err = await tsKeys(() => c.ts.keyManager.useKey(k1)).then(
        () => undefined,
        (e: unknown) => e as KeyOperationError,
      );
      expect(err?.message).toBe('4/4 nodes reported failure');
      expect(err?.response.messages.get(names.g1)).toBe('Requested key is not in the keyring');
      expect(err?.response.messages.get(names.tsFail)).toBe('Requested key is not in the keyring');
    });

    it('TS graceful leave → left in serf; TS shutdown without leave → failed', async () => {
      await c.ts.leave();
      expect(c.ts.state).toBe('left');
      await c.ts.shutdown();
      // Each agent hears the leave through gossip on its own schedule (a node that missed the
      // intent's few sends learns it at its next push/pull), so each is waited for.
      for (const g of [c.g1, c.g2]) {
        await eventually(async () => (await g.member(names.ts))?.status === 'left', 15_000, `${g.name}: left`);
      }
      // The only ERR lines: the agents reporting the failed key operation of the previous test.
      const expected = /\[ERR\] serf: Failed to change primary key: Requested key is not in the keyring/;
      for (const g of [c.g1, c.g2]) {
        expect(
          g
            .problems()
            .filter((l) => !expected.test(l))
            .join('\n'),
          g.name,
        ).toBe('');
      }
      await c.tsFail.shutdown();
      await eventually(
        async () => (await c.g1.member(names.tsFail))?.status === 'failed',
        // Up to about 18 s of suspicion (6 × 3 s under -profile local) when the one other Go
        // agent's confirmation is late, plus the time until a probe reaches the dead node.
        40_000,
        'serf to declare the TS node failed',
      );
      // Failure detection itself is logged (failed probes of the dead node); nothing else is.
      for (const g of [c.g1, c.g2]) {
        const other = g.problems().filter((l) => !l.includes(ip(4)) && !l.includes(names.tsFail) && !expected.test(l));
        expect(other.join('\n'), g.name).toBe('');
      }
    });
  });
}

/*
 * Go agents gossip each broadcast only 2 × ceil(log10(N+1)) times under -profile local, so about
 * 1 % of the queries and events a Go agent starts reach only the other Go agent (between Go
 * agents alone too). Operations a Go agent starts are therefore retried — only when a node did
 * not answer at all, never when one reported a failure.
 */
const ATTEMPTS = 3;

interface QueryJson {
  Acks: string[] | null;
  Responses: Record<string, string>;
}

async function cliQuery(agent: SerfAgent, args: string[], expectedAcks: string[]): Promise<QueryJson> {
  const want = [...expectedAcks].sort().join();
  for (let i = 1; ; i++) {
    const r = await agent.cli(['query', '-format=json', '-timeout=1500ms', ...args, 'whoami']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as QueryJson;
    if ([...(out.Acks ?? [])].sort().join() === want || i === ATTEMPTS) return out;
  }
}

async function cliKeys(agent: SerfAgent, args: string[]): Promise<string> {
  for (let i = 1; ; i++) {
    const r = await agent.cli(['keys', ...args]);
    if (r.code !== 0 && /nodes reported success/.test(r.stdout + r.stderr) && i < ATTEMPTS) continue;
    expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
    return r.stdout;
  }
}

/** A TS key operation, retried only when a node did not answer (the TS gossips 4 times, so rarely). */
async function tsKeys<T>(op: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await op();
    } catch (err) {
      if (!(err instanceof Error && /nodes reported success/.test(err.message)) || i === ATTEMPTS) throw err;
    }
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

suite(SERF_BINARIES[0], 200, 5);
suite(SERF_BINARIES[1], 220, 4);
