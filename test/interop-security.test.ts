/**
 * Issue #4 acceptance against real Go memberlist v0.6.0 processes: encrypted mixed clusters with
 * every key size and both encryption versions, a wrong key kept out, key rotation under traffic
 * with nobody ever suspected, plaintext → encrypted migration, labels, and the CIDR allow-list.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GoNode, stopAllGoNodes } from './support/gonode.ts';
import { allSee, goAliveNames, goArgs, tsAliveNames } from './support/cluster-views.ts';
import { eventually, startTs, stopAllTs, type TsNode } from './support/ts-nodes.ts';

afterEach(async () => {
  await stopAllTs();
  await stopAllGoNodes();
});
afterAll(async () => {
  await stopAllTs();
  await stopAllGoNodes();
});

const b64 = (k: Uint8Array): string => Buffer.from(k).toString('base64');
const te = new TextEncoder();

/** Go's own words when it suspects or fails a member, or refutes an accusation. */
function goSuspicions(go: GoNode[]): string[] {
  return go
    .flatMap((g) => g.logs(['INFO', 'WARN', 'ERR']))
    .filter((l) => /Suspect .* has failed|Marking .* as failed|Refuting/.test(l));
}

function tsSuspicions(ts: TsNode[]): number {
  return ts.reduce((n, t) => n + t.ml.stats.suspected + t.ml.stats.failed + t.ml.stats.refuted, 0);
}

describe('encrypted mixed clusters', () => {
  for (const [size, protocol] of [
    [16, 2],
    [24, 2],
    [32, 2],
    [16, 1],
    [32, 1],
  ] as const) {
    it(`form with a ${size}-byte key, encryption version ${protocol === 1 ? 0 : 1}`, async () => {
      const key = randomBytes(size);
      const p = ['--key', b64(key), '--protocol-version', String(protocol)];
      // Below protocol 2 Go ignores the ports in gossip and assumes its own: one port for all.
      const port = 27970 + size + protocol;
      const go1 = await GoNode.start(`e${size}v${protocol}-go1`, [
        '--bind',
        `127.0.0.131:${port}`,
        '--profile',
        'local',
        ...p,
      ]);
      const ts1 = await startTs(`e${size}v${protocol}-ts1`, '127.0.0.132', {
        keys: [key],
        protocolVersion: protocol,
        bindPort: port,
      });
      await ts1.ml.join([go1.address]);
      const go2 = await GoNode.start(`e${size}v${protocol}-go2`, [
        '--bind',
        `127.0.0.133:${port}`,
        '--profile',
        'local',
        ...p,
        '--join',
        ts1.address,
      ]);
      await allSee([ts1], [go1, go2], [go1.name, go2.name, ts1.ml.localNode.name]);
      await ts1.ml.sendReliable(go2.name, te.encode('secret'));
      await go2.waitFor((e) => e.event === 'msg' && Buffer.from(e.data, 'base64').toString() === 'secret', 5_000);
    }, 40_000);
  }

  it('a node with a wrong key cannot join; the cluster is unaffected and the reason is logged', async () => {
    const key = randomBytes(32);
    const go1 = await GoNode.start('wk-go1', goArgs('127.0.0.134', ['--key', b64(key)]));
    const ts1 = await startTs('wk-ts1', '127.0.0.135', { keys: [key] });
    await ts1.ml.join([go1.address]);
    await allSee([ts1], [go1], ['wk-go1', 'wk-ts1']);
    const intruder = await startTs('wk-bad', '127.0.0.136', { keys: [randomBytes(32)] });
    await expect(intruder.ml.join([go1.address, ts1.address])).rejects.toThrow();
    const goIntruder = await GoNode.start(
      'wk-badgo',
      goArgs('127.0.0.137', ['--key', b64(randomBytes(16)), '--join', ts1.address]),
    );
    const joined = await goIntruder.waitFor((e) => e.event === 'joined');
    expect(joined.joined).toBe(0);
    expect(go1.logs(['ERR']).join('\n')).toMatch(/no installed keys could decrypt/);
    await eventually(() => ts1.ml.drops.counts['no-key'] > 0, 5_000, 'the TS node to count the drop');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(tsAliveNames(ts1)).toEqual(['wk-go1', 'wk-ts1']);
    expect(await goAliveNames(go1)).toEqual(['wk-go1', 'wk-ts1']);
  }, 40_000);
});

describe('key rotation under traffic on a mixed 3 TS + 3 Go cluster', () => {
  it('install, use, remove in different orders: nobody suspected, no reliable message lost', async () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const go: GoNode[] = [];
    const ts: TsNode[] = [];
    go.push(await GoNode.start('kr-go1', goArgs('127.0.0.141', ['--key', b64(k1)])));
    for (let i = 0; i < 3; i++) ts.push(await startTs(`kr-ts${i + 1}`, `127.0.0.14${4 + i}`, { keys: [k1] }));
    for (const t of ts) await t.ml.join([go[0].address]);
    go.push(await GoNode.start('kr-go2', goArgs('127.0.0.142', ['--key', b64(k1), '--join', ts[0].address])));
    go.push(await GoNode.start('kr-go3', goArgs('127.0.0.143', ['--key', b64(k1), '--join', ts[1].address])));
    const names = ['kr-go1', 'kr-go2', 'kr-go3', 'kr-ts1', 'kr-ts2', 'kr-ts3'];
    await allSee(ts, go, names);
    const baseline = tsSuspicions(ts);

    // Continuous traffic: reliable messages both ways and metadata updates.
    let sent = 0;
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running && i < 1000; i++) {
        const text = `msg-${i}`;
        await ts[i % 3].ml.sendReliable(`kr-go${(i % 3) + 1}`, te.encode(text));
        await go[i % 3].command({
          cmd: 'send-reliable',
          node: `kr-ts${((i + 1) % 3) + 1}`,
          data: Buffer.from(text).toString('base64'),
        });
        if (i % 5 === 0) await ts[i % 3].ml.updateNode(te.encode(`meta-${i}`), { timeout: 2_000 });
        sent++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const keyCmd = (g: GoNode, op: string, k: Uint8Array) => g.command({ cmd: 'keyring', op, key: b64(k) });
    const steps: (() => Promise<unknown>)[] = [];
    // Install everywhere (Go first), use everywhere (TS first, interleaved), remove (mixed order).
    steps.push(...go.map((g) => () => keyCmd(g, 'install', k2)));
    steps.push(...ts.map((t) => async () => t.ml.keyring.addKey(k2)));
    steps.push(
      () => Promise.resolve(ts[0].ml.keyring.useKey(k2)),
      () => keyCmd(go[2], 'use', k2),
    );
    steps.push(
      () => Promise.resolve(ts[2].ml.keyring.useKey(k2)),
      () => keyCmd(go[0], 'use', k2),
    );
    steps.push(
      () => Promise.resolve(ts[1].ml.keyring.useKey(k2)),
      () => keyCmd(go[1], 'use', k2),
    );
    steps.push(
      () => keyCmd(go[1], 'remove', k1),
      () => Promise.resolve(ts[1].ml.keyring.removeKey(k1)),
    );
    steps.push(
      () => keyCmd(go[0], 'remove', k1),
      () => Promise.resolve(ts[0].ml.keyring.removeKey(k1)),
    );
    steps.push(
      () => Promise.resolve(ts[2].ml.keyring.removeKey(k1)),
      () => keyCmd(go[2], 'remove', k1),
    );
    for (const step of steps) {
      await step();
      await new Promise((r) => setTimeout(r, 700));
    }
    await new Promise((r) => setTimeout(r, 3_000));
    running = false;
    await traffic;

    expect(tsSuspicions(ts) - baseline).toBe(0);
    expect(goSuspicions(go)).toEqual([]);
    await allSee(ts, go, names, 5_000);
    for (const t of ts) expect(t.ml.keyring.keys.map(b64)).toEqual([b64(k2)]);
    // Every reliable message arrived.
    const goReceived = go.flatMap((g) =>
      g.events.filter((e) => e.event === 'msg').map((e) => Buffer.from(e.data, 'base64').toString()),
    );
    const tsReceived = ts.flatMap((t) => t.messages);
    for (let i = 0; i < sent; i++) {
      expect(goReceived).toContain(`msg-${i}`);
      expect(tsReceived).toContain(`msg-${i}`);
    }
    expect(sent).toBeGreaterThan(20);
  }, 120_000);
});

describe('plaintext → encrypted rolling migration on a mixed cluster', () => {
  it('keys everywhere with both checks off, then outgoing on, then incoming on: nobody suspected or dead', async () => {
    const key = randomBytes(32);
    const hosts = ['127.0.0.151', '127.0.0.152'];
    const ports = [27960, 27961];
    const goStart = (i: number, extra: string[]) =>
      GoNode.start(`mg-go${i + 1}`, ['--bind', `${hosts[i]}:${ports[i]}`, '--profile', 'local', ...extra]);
    const go = [await goStart(0, []), await goStart(1, ['--join', `${hosts[0]}:${ports[0]}`])];
    const ts = [await startTs('mg-ts1', '127.0.0.153'), await startTs('mg-ts2', '127.0.0.154')];
    for (const t of ts) await t.ml.join([go[0].address]);
    const names = ['mg-go1', 'mg-go2', 'mg-ts1', 'mg-ts2'];
    await allSee(ts, go, names);
    const baseline = tsSuspicions(ts);
    const failures: string[] = [];

    /** Go reads these settings only at start: restart it (leave, then come back with them). */
    const restartGo = async (i: number, flags: string[]) => {
      failures.push(...goSuspicions([go[i]]));
      await go[i].command({ cmd: 'leave', timeoutMs: 2_000 });
      await go[i].stop();
      const other = i === 0 ? 1 : 0;
      go[i] = await goStart(i, [
        '--key',
        b64(key),
        ...flags,
        '--join',
        `${hosts[other]}:${ports[other]}`,
        '--join',
        ts[0].address,
      ]);
      await allSee(ts, go, names);
    };
    // 1. keys everywhere, both checks off
    for (const t of ts) {
      t.ml.setGossipVerify({ incoming: false, outgoing: false });
      t.ml.keyring.addKey(key);
    }
    for (const i of [0, 1]) await restartGo(i, ['--verify-incoming=false', '--verify-outgoing=false']);
    // 2. outgoing on
    ts[0].ml.setGossipVerify({ outgoing: true });
    await restartGo(1, ['--verify-incoming=false', '--verify-outgoing=true']);
    ts[1].ml.setGossipVerify({ outgoing: true });
    await restartGo(0, ['--verify-incoming=false', '--verify-outgoing=true']);
    // 3. incoming on
    await restartGo(0, ['--verify-incoming=true', '--verify-outgoing=true']);
    for (const t of ts) t.ml.setGossipVerify({ incoming: true });
    await restartGo(1, ['--verify-incoming=true', '--verify-outgoing=true']);
    await new Promise((r) => setTimeout(r, 3_000));

    failures.push(...goSuspicions(go));
    // Restarted Go nodes refute the records of their earlier selves; nobody is suspected or failed.
    expect(failures.filter((l) => !/Refuting/.test(l))).toEqual([]);
    // Restarted Go nodes refute their own "left" records when they return; nothing else.
    const tsFailed = ts.reduce((n, t) => n + t.ml.stats.suspected + t.ml.stats.failed, 0);
    expect(tsFailed - baseline).toBe(0);
    // A plaintext node is now kept out.
    const plain = await startTs('mg-plain', '127.0.0.155');
    await expect(plain.ml.join([go[0].address])).rejects.toThrow();
  }, 120_000);
});

describe('labels and the CIDR allow-list', () => {
  it('same label: one cluster; different labels: apart', async () => {
    const go1 = await GoNode.start('lb-go1', goArgs('127.0.0.156', ['--label', 'blue']));
    const ts1 = await startTs('lb-ts1', '127.0.0.157', { label: 'blue' });
    await ts1.ml.join([go1.address]);
    await allSee([ts1], [go1], ['lb-go1', 'lb-ts1']);
    const ts2 = await startTs('lb-ts2', '127.0.0.158', { label: 'green' });
    await expect(ts2.ml.join([go1.address])).rejects.toThrow();
    const go2 = await GoNode.start('lb-go2', goArgs('127.0.0.159', ['--label', 'green', '--join', ts1.address]));
    expect((await go2.waitFor((e) => e.event === 'joined')).joined).toBe(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(tsAliveNames(ts1)).toEqual(['lb-go1', 'lb-ts1']);
    expect(ts1.ml.drops.counts['label-mismatch']).toBeGreaterThan(0);
  }, 40_000);

  it('unlabeled nodes and skipInboundLabelCheck behave as in Go', async () => {
    // A labeled node that skips the inbound check accepts unlabeled input (and sends its label).
    const go1 = await GoNode.start('sk-go1', goArgs('127.0.0.160'));
    const ts1 = await startTs('sk-ts1', '127.0.0.161', { label: 'blue', skipInboundLabelCheck: true });
    // Its labeled packets are refused by the unlabeled Go node: no cluster either way.
    await expect(ts1.ml.join([go1.address])).rejects.toThrow();
    // Two nodes with the same label and the check skipped on one: Go refuses labeled input there.
    const go2 = await GoNode.start('sk-go2', goArgs('127.0.0.162', ['--label', 'blue', '--skip-inbound-label-check']));
    const ts2 = await startTs('sk-ts2', '127.0.0.163', { label: 'blue' });
    await expect(ts2.ml.join([go2.address])).rejects.toThrow();
    await go2.waitFor((e) => e.event === 'log' && /unexpected double stream label header/.test(e.line), 5_000);
    // Unlabeled TS node, labeled Go node skipping the check: Go takes our unlabeled input.
    const ts3 = await startTs('sk-ts3', '127.0.0.164');
    expect(await ts3.ml.join([go2.address])).toBe(1);
  }, 40_000);

  it('a CIDR allow-list keeps out peers outside it', async () => {
    const go1 = await GoNode.start(
      'cidr-go1',
      goArgs('127.0.0.165', ['--cidrs-allowed', '127.0.0.165/32,127.0.0.166/32']),
    );
    const inside = await startTs('cidr-in', '127.0.0.166');
    await inside.ml.join([go1.address]);
    await allSee([inside], [go1], ['cidr-go1', 'cidr-in']);
    const outside = await startTs('cidr-out', '127.0.0.167', { cidrsAllowed: ['127.0.0.0/8'] });
    await outside.ml.join([go1.address]).catch(() => 0);
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await go1.members()).map((m) => m.name)).not.toContain('cidr-out');
    // And our own allow-list: a TS node that allows only itself ignores the Go node's alive.
    const strict = await startTs('cidr-strict', '127.0.0.168', { cidrsAllowed: ['127.0.0.168/32'] });
    await strict.ml.join([go1.address]).catch(() => 0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(strict.ml.members().map((m) => m.name)).toEqual(['cidr-strict']);
  }, 40_000);
});
