/**
 * Serf behaviour between memberlist-ts Serf nodes on loopback (fast timings): push/pull replay
 * of events (and ignoring old ones on join), relayed responses, force-leave and prune, reaping
 * of failed members, reconnects to failed members, the snapshot file (rejoin and clocks), name
 * conflict resolution, and the size limits of user events and queries.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/core/core-io.ts';
import type { SerfEvent } from '../src/serf/events.ts';
import { decodeBody, pushPullCodec } from '../src/serf/messages.ts';
import { Serf } from '../src/serf/serf.ts';
import type { SerfOptions } from '../src/serf/serf-options.ts';
import { eventually } from './support/ts-nodes.ts';

const HOST = '127.0.0.250';
const te = new TextEncoder();
const td = new TextDecoder();
const live = new Set<Serf>();

afterEach(async () => {
  await Promise.all([...live].map((s) => s.shutdown()));
  live.clear();
});

/** Fast failure detection: probes every 200 ms, suspicion of 2 × 200 ms. */
const FAST = { profile: 'local', probeInterval: 200, probeTimeout: 100, suspicionMult: 2, retransmitMult: 4 } as const;

function captureLog(into: string[]): Logger {
  const put = (level: string) => (o: object, m?: string) => into.push(`${level} ${m ?? ''} ${JSON.stringify(o)}`);
  return { debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') };
}

async function node(name: string, opts: Partial<SerfOptions> = {}, port = 0): Promise<Serf> {
  const s = await Serf.create({
    nodeName: name,
    leavePropagateDelay: 100,
    ...opts,
    memberlist: { ...FAST, bindAddr: HOST, bindPort: port, ...opts.memberlist },
  });
  live.add(s);
  return s;
}

const addr = (s: Serf): string => `${HOST}:${s.memberlist.config.bindPort}`;
const statusOf = (s: Serf, name: string): string | undefined => s.members().find((m) => m.name === name)?.status;

function collect(s: Serf): SerfEvent[] {
  const out: SerfEvent[] = [];
  s.on('event', (e) => out.push(e));
  return out;
}

describe('push/pull state', () => {
  it('a joiner replays buffered events, unless it asked to ignore old ones', async () => {
    const a = await node('pp-a');
    a.userEvent('before-join', te.encode('x'), false);
    const b = await node('pp-b');
    const bEvents = collect(b);
    await b.join([addr(a)]);
    await eventually(() => bEvents.some((e) => e.type === 'user' && e.name === 'before-join'), 5000);
    const c = await node('pp-c');
    const cEvents = collect(c);
    await c.join([addr(a)], { ignoreOld: true });
    await eventually(() => c.members().length === 3, 5000);
    a.userEvent('after-join', te.encode('y'), false);
    await eventually(() => cEvents.some((e) => e.type === 'user' && e.name === 'after-join'), 5000);
    expect(cEvents.some((e) => e.type === 'user' && e.name === 'before-join')).toBe(false);
    // Join intents carry member Lamport times: everyone agrees on each member's status time.
    await eventually(() => [a, b, c].every((s) => s.clocks().member >= 2), 5000);
  });
});

describe('queries', () => {
  it('responses are relayed through other members (relay factor) and deduplicated at the asker', async () => {
    const logs: string[] = [];
    const a = await node('rl-a');
    const b = await node('rl-b');
    const c = await node('rl-c', { logger: captureLog(logs) });
    await b.join([addr(a)]);
    await c.join([addr(a)]);
    await eventually(() => a.members().length === 3 && b.members().length === 3, 5000);
    b.on('query', (q) => q.respond(te.encode('from b')));
    const res = await a.query('who', new Uint8Array(0), { requestAck: true, relayFactor: 2, timeout: 1000 }).collect();
    expect([...res.acks].sort()).toEqual(['rl-a', 'rl-b', 'rl-c']);
    expect([...res.responses]).toEqual([['rl-b', te.encode('from b')]]);
    expect(logs.some((l) => l.includes('serf: relaying response'))).toBe(true);
  });

  it('node filters and NoBroadcast', async () => {
    const a = await node('nf-a');
    const b = await node('nf-b');
    await b.join([addr(a)]);
    await eventually(() => a.members().length === 2, 5000);
    const only = await a
      .query('x', new Uint8Array(0), { requestAck: true, filterNodes: ['nf-b'], timeout: 600 })
      .collect();
    expect(only.acks).toEqual(['nf-b']);
    const local = await a
      .query('x', new Uint8Array(0), { requestAck: true, noBroadcast: true, timeout: 600 })
      .collect();
    // The asker itself never re-gossips its own query, but it is still sent once; receivers do not forward it.
    expect(local.acks).toContain('nf-a');
  });

  it('size limits: user events (512 bytes of name + payload) and queries (1024 bytes encoded)', async () => {
    const a = await node('lim-a');
    expect(() => a.userEvent('e', new Uint8Array(512))).toThrow(
      /exceeds configured limit of 512 bytes before encoding/,
    );
    expect(() => a.userEvent('e', new Uint8Array(505))).toThrow(/after encoding/);
    expect(() => a.query('q', new Uint8Array(1024))).toThrow(/query exceeds limit of 1024 bytes/);
    a.userEvent('e', new Uint8Array(100));
  });
});

describe('failures', () => {
  it('force-leave moves a failed member to left everywhere; prune erases it', async () => {
    const a = await node('fl-a');
    const b = await node('fl-b');
    const c = await node('fl-c');
    const d = await node('fl-d');
    for (const s of [b, c, d]) await s.join([addr(a)]);
    await eventually(() => a.members().length === 4 && b.members().length === 4, 5000);
    await c.shutdown();
    await d.shutdown();
    await eventually(() => statusOf(a, 'fl-c') === 'failed' && statusOf(b, 'fl-c') === 'failed', 10_000);
    await a.forceLeave('fl-c');
    await eventually(() => statusOf(a, 'fl-c') === 'left' && statusOf(b, 'fl-c') === 'left', 5000);
    await eventually(() => statusOf(a, 'fl-d') === 'failed', 10_000);
    const events = collect(b);
    await a.forceLeave('fl-d', { prune: true });
    await eventually(() => statusOf(a, 'fl-d') === undefined && statusOf(b, 'fl-d') === undefined, 5000);
    expect(events.some((e) => e.type === 'member-reap' && e.members[0].name === 'fl-d')).toBe(true);
  });

  it('failed members are reaped after the reconnect timeout', async () => {
    const a = await node('rp-a', { reconnectTimeout: 300, reapInterval: 100, reconnectInterval: 60_000 });
    const events = collect(a);
    const b = await node('rp-b');
    await b.join([addr(a)]);
    await eventually(() => a.members().length === 2, 5000);
    await b.shutdown();
    await eventually(() => statusOf(a, 'rp-b') === 'failed', 10_000);
    await eventually(() => statusOf(a, 'rp-b') === undefined, 5000);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['member-failed', 'member-reap']));
  });

  it('a failed member that comes back is reconnected to', async () => {
    const a = await node('rc-a', { reconnectInterval: 200 });
    const b = await node('rc-b');
    const port = b.memberlist.config.bindPort;
    await b.join([addr(a)]);
    await eventually(() => a.members().length === 2, 5000);
    await b.shutdown();
    live.delete(b);
    await eventually(() => statusOf(a, 'rc-b') === 'failed', 10_000);
    // The same node restarts on the same address but joins nobody: a's reconnect finds it.
    const b2 = await node('rc-b', {}, port);
    await eventually(() => statusOf(a, 'rc-b') === 'alive' && statusOf(b2, 'rc-a') === 'alive', 10_000);
  });
});

describe('leave', () => {
  it('a leaving node lists itself as left in push/pull, so a push/pull that overtakes its leave intent cannot fail it', async () => {
    const a = await node('lv-a');
    const b = await node('lv-b');
    await a.join([addr(b)]);
    await eventually(() => statusOf(b, 'lv-a') === 'alive', 5000);
    const leaving = a.leave(); // the intent is applied at once, gossiped afterwards
    const ltime = a.members().find((m) => m.name === 'lv-a')?.status === 'leaving' ? a.clocks().member - 1 : -1;
    // What a sends in a push/pull now (Go Serf would list it by its status time only, which the
    // receiver merges as a join intent at the leave's LTime and then ignores the leave intent).
    const state = (a as unknown as { localState(join: boolean): Uint8Array }).localState(false);
    const pp = decodeBody(pushPullCodec, state);
    expect(pp.leftMembers).toContain('lv-a');
    expect(pp.statusLTimes?.get('lv-a')).toBe(ltime - 1); // the receiver's leave: status time + 1
    // A push/pull with b right away, racing the gossiped intent: b ends with a left, not failed.
    await b.memberlist.join([addr(a)]);
    await leaving;
    await a.shutdown();
    live.delete(a);
    await eventually(() => statusOf(b, 'lv-a') === 'left', 5000);
  });
});

describe('snapshot', () => {
  it('records members and clocks, rejoins after a restart, and not after a leave', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serf-snap-'));
    const path = join(dir, 'a.snapshot');
    const b = await node('sn-b');
    const a = await node('sn-a', { snapshotPath: path });
    const port = a.memberlist.config.bindPort;
    await a.join([addr(b)]);
    b.userEvent('ev', te.encode('1'), false);
    await eventually(() => readFileSync(path, 'utf8').includes('event-clock: 1'), 5000);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(`alive: sn-b ${addr(b)}`);
    expect(text).toMatch(/^clock: \d+$/m);
    await a.shutdown();
    live.delete(a);

    const events: SerfEvent[] = [];
    const a2 = await node('sn-a', { snapshotPath: path }, port);
    a2.on('event', (e) => events.push(e));
    await eventually(() => statusOf(a2, 'sn-b') === 'alive', 5000);
    // The old event is not delivered again: the event clock was restored from the snapshot.
    await new Promise((r) => setTimeout(r, 300));
    expect(events.some((e) => e.type === 'user')).toBe(false);
    expect(a2.clocks().event).toBeGreaterThanOrEqual(2);
    await a2.leave();
    await a2.shutdown();
    live.delete(a2);
    expect(readFileSync(path, 'utf8')).toMatch(/^leave$/m);

    const a3 = await node('sn-a', { snapshotPath: path }, port);
    await new Promise((r) => setTimeout(r, 500));
    expect(a3.members().map((m) => m.name)).toEqual(['sn-a']);
  });
});

describe('name conflicts', () => {
  it('the newcomer claiming a taken name loses the vote and shuts down', async () => {
    const a = await node('nc-a');
    const b = await node('nc-b');
    const x = await node('nc-x');
    await b.join([addr(a)]);
    await x.join([addr(a)]);
    await eventually(() => a.members().length === 3 && b.members().length === 3, 5000);
    const logs: string[] = [];
    const impostor = await node('nc-x', { logger: captureLog(logs) });
    await impostor.join([addr(a)]).catch(() => 0);
    await eventually(() => impostor.state === 'shutdown', 10_000, 'the impostor to shut down');
    expect(logs.some((l) => l.includes('minority in name conflict resolution'))).toBe(true);
    expect(x.state).toBe('alive');
    expect(statusOf(a, 'nc-x')).toBe('alive');
    expect(a.members().find((m) => m.name === 'nc-x')?.port).toBe(x.memberlist.config.bindPort);
  });

  it('a resolution still counting when the node shuts down logs no verdict', async () => {
    // As when a second conflict notice starts a resolution just before the first one loses its
    // vote and shuts the node down: the second query is closed by the shutdown.
    const logs: string[] = [];
    const solo = await node('nc-solo', { logger: captureLog(logs) });
    const resolving = (solo as unknown as { resolveNodeConflict(): Promise<void> }).resolveNodeConflict();
    await solo.shutdown();
    live.delete(solo);
    await resolving;
    expect(logs.filter((l) => /(majority|minority) in name conflict resolution/.test(l))).toEqual([]);
    expect(logs.some((l) => l.includes('serf: name conflict resolution ended by shutdown'))).toBe(true);
  });
});

describe('events API', () => {
  it('an async iterator of events; user events coalesce when asked', async () => {
    const a = await node('ev-a', { userCoalescePeriod: 300, userQuiescentPeriod: 100 });
    const it = a.events();
    a.userEvent('deploy', te.encode('1'));
    a.userEvent('deploy', te.encode('2'));
    a.userEvent('other', te.encode('x'), false);
    const seen: string[] = [];
    for (let i = 0; i < 3 && seen.length < 2; i++) {
      const r = await it.next();
      if (r.done) break;
      if (r.value.type === 'user') seen.push(`${r.value.name}=${td.decode(r.value.payload)}`);
    }
    expect(seen).toEqual(['other=x', 'deploy=2']);
    await a.shutdown();
    expect((await it.next()).done).toBe(true);
  });
});
