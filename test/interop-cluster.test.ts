/**
 * Issue #3 interop suite: memberlist-ts nodes and real Go memberlist v0.6.0 processes
 * (interop/bin/gonode) in one cluster on 127.0.0.x — joins both ways, a mixed 3 + 3 cluster,
 * failure detection and graceful leave both ways, metadata, user messages and delegate broadcasts
 * both ways, compression on and off on either side.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { GoNode, stopAllGoNodes } from './support/gonode.ts';
import { allSee, goAliveNames, goArgs, tsAliveNames } from './support/cluster-views.ts';
import { eventually, startTs, stopAllTs, type TsNode } from './support/ts-nodes.ts';

const te = new TextEncoder();
const td = new TextDecoder();

afterAll(async () => {
  await stopAllTs();
  await stopAllGoNodes();
});

/** Local profile: suspicion 3 s .. 18 s for clusters under 10 nodes. */
const SUSPICION_MAX_MS = 18_000;

describe('joins in both directions', () => {
  it('a TS node joins a Go node, and a Go node joins the TS node', async () => {
    const go1 = await GoNode.start('j-go1', goArgs('127.0.0.41'));
    const ts1 = await startTs('j-ts1', '127.0.0.42');
    expect(await ts1.ml.join([go1.address])).toBe(1);
    await eventually(async () => (await goAliveNames(go1)).length === 2, 10_000, 'Go to see the TS node');
    const go2 = await GoNode.start('j-go2', goArgs('127.0.0.43', ['--join', ts1.address]));
    await go2.waitFor((e) => e.event === 'joined' && e.joined === 1);
    await eventually(() => tsAliveNames(ts1).length === 3, 10_000, 'TS to see both Go nodes');
    await eventually(
      async () => (await goAliveNames(go1)).length === 3 && (await goAliveNames(go2)).length === 3,
      10_000,
    );
    expect(await goAliveNames(go2)).toEqual(['j-go1', 'j-go2', 'j-ts1']);
  });
});

describe('a mixed cluster of 3 TS and 3 Go nodes', () => {
  const ts: TsNode[] = [];
  const go: GoNode[] = [];
  const all = ['m-go1', 'm-go2', 'm-go3', 'm-ts1', 'm-ts2', 'm-ts3'];
  /**
   * How the first two TS nodes last reported `name` gone ('left', 'dead'), from their leave
   * events rather than their member lists: a member that left or failed is forgotten 15 s later
   * (the local profile's GossipToTheDeadTime), which a slow run of the steps before a check can
   * outlast, and two nodes need not hold it at the same moment.
   */
  const recorded = (name: string) => ts.slice(0, 2).map((t) => t.gone.get(name) ?? 'not gone');
  /** Waits until both have recorded `name` as `state`; a timeout says what each recorded. */
  const allRecord = (name: string, state: 'left' | 'dead', timeoutMs: number) =>
    eventually(
      () => recorded(name).every((s) => s === state),
      timeoutMs,
      `TS nodes to record ${name} as ${state}`,
    ).catch((err: Error) => {
      throw new Error(`${err.message} (recorded: ${recorded(name).join(', ')})`);
    });

  it('converges: every node sees 6 alive (compression on and off on either side)', async () => {
    go.push(await GoNode.start('m-go1', goArgs('127.0.0.51', ['--meta', 'go1-meta'])));
    go.push(await GoNode.start('m-go2', goArgs('127.0.0.52', ['--compression=false', '--join', go[0].address])));
    ts.push(await startTs('m-ts1', '127.0.0.61', { meta: te.encode('ts1-meta') }));
    ts.push(await startTs('m-ts2', '127.0.0.62', { enableCompression: false }));
    ts.push(await startTs('m-ts3', '127.0.0.63'));
    await ts[0].ml.join([go[0].address]);
    await ts[1].ml.join([ts[0].address]);
    await ts[2].ml.join([go[1].address]);
    go.push(await GoNode.start('m-go3', goArgs('127.0.0.53', ['--join', ts[2].address])));
    await eventually(
      async () =>
        ts.every((t) => tsAliveNames(t).join() === all.join()) &&
        (await Promise.all(go.map(goAliveNames))).every((v) => v.join() === all.join()),
      40_000,
      'all six nodes to see six alive members',
    );
  }, 60_000);

  it('metadata set at start is seen both ways', async () => {
    const goView = await go[2].members();
    expect(Buffer.from(goView.find((m) => m.name === 'm-ts1')!.meta, 'base64').toString()).toBe('ts1-meta');
    const tsView = ts[1].ml.members().find((m) => m.name === 'm-go1')!;
    expect(td.decode(tsView.meta)).toBe('go1-meta');
  });

  it('metadata updated live propagates both ways', async () => {
    await ts[0].ml.updateNode(te.encode('ts1-meta-v2'), { timeout: 5_000 });
    await go[0].command({ cmd: 'update-meta', meta: 'go1-meta-v2', timeoutMs: 5_000 });
    await eventually(
      async () => {
        const onGo = (await go[1].members()).find((m) => m.name === 'm-ts1');
        const onTs = ts[2].ml.members().find((m) => m.name === 'm-go1');
        return (
          onGo !== undefined &&
          Buffer.from(onGo.meta, 'base64').toString() === 'ts1-meta-v2' &&
          onTs !== undefined &&
          td.decode(onTs.meta) === 'go1-meta-v2'
        );
      },
      // Gossip usually delivers it within a second; push/pull (15 s in the local profile) at worst.
      25_000,
      'updated metadata on both sides',
    );
  }, 40_000);

  it('user messages, best effort and reliable, both ways', async () => {
    ts[0].ml.sendBestEffort('m-go2', te.encode('ts→go udp'));
    await ts[0].ml.sendReliable('m-go2', te.encode('ts→go tcp'));
    await go[1].command({ cmd: 'send-best-effort', node: 'm-ts2', data: Buffer.from('go→ts udp').toString('base64') });
    await go[1].command({ cmd: 'send-reliable', node: 'm-ts2', data: Buffer.from('go→ts tcp').toString('base64') });
    const goGot = (text: string) => (e: { event: string; data?: string }) =>
      e.event === 'msg' && Buffer.from(e.data ?? '', 'base64').toString() === text;
    await go[1].waitFor(goGot('ts→go udp'), 5_000);
    await go[1].waitFor(goGot('ts→go tcp'), 5_000);
    await eventually(() => ts[1].messages.includes('go→ts udp') && ts[1].messages.includes('go→ts tcp'), 5_000);
  });

  it('custom broadcasts through the delegate, both ways', async () => {
    ts[0].broadcast('ts delegate broadcast');
    await go[0].command({ cmd: 'broadcast', data: Buffer.from('go delegate broadcast').toString('base64') });
    for (const g of go) {
      await g.waitFor(
        (e) => e.event === 'msg' && Buffer.from(e.data ?? '', 'base64').toString() === 'ts delegate broadcast',
        10_000,
      );
    }
    await eventually(() => ts.every((t) => t === ts[0] || t.messages.includes('ts delegate broadcast')), 10_000);
    await eventually(() => ts.every((t) => t.messages.includes('go delegate broadcast')), 10_000);
  });

  it('graceful leave, both ways, is recorded as left', async () => {
    // Each leaving node stays reachable until the others have recorded its leave (as Serf's
    // LeavePropagateDelay, unbounded here): the leave message is sent a few times only, so a node
    // can miss it and learn it at its next push/pull — unless the member vanished first, when its
    // probes record it as failed, not left (a race the protocol has with any runtime).
    await ts[2].ml.leave({ timeout: 5_000 });
    for (const g of go)
      await g.waitFor((e) => e.event === 'leave' && e.node.name === 'm-ts3' && e.node.state === 'left', 25_000);
    await ts[2].ml.shutdown();
    await go[2].command({ cmd: 'leave', timeoutMs: 5_000 });
    await allRecord('m-go3', 'left', 25_000);
    await go[2].stop();
    // m-ts3's leave reached the Go nodes first; gossip (or push/pull, 15 s here) brings it to all.
    await allRecord('m-ts3', 'left', 25_000);
  }, 150_000);

  it('a killed Go node is declared dead by the TS nodes within the suspicion bounds', async () => {
    const killedAt = Date.now();
    go[1].kill('SIGKILL');
    await allRecord('m-go2', 'dead', SUSPICION_MAX_MS + 10_000);
    expect(Date.now() - killedAt).toBeLessThan(SUSPICION_MAX_MS + 10_000);
  }, 40_000);

  it('a TS node that stops answering is declared dead by the Go nodes within the suspicion bounds', async () => {
    const stoppedAt = Date.now();
    await ts[1].ml.shutdown(); // no leave: the node just disappears
    await go[0].waitFor(
      (e) => e.event === 'leave' && e.node.name === 'm-ts2' && e.node.state === 'dead',
      SUSPICION_MAX_MS + 10_000,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(SUSPICION_MAX_MS + 10_000);
  }, 40_000);
});

describe('protocol versions', () => {
  it('Go peers speaking protocol versions 2, 3, 4 and 5 all interoperate with TS nodes', async () => {
    const gos: GoNode[] = [];
    for (const v of [2, 3, 4, 5])
      gos.push(await GoNode.start(`v-go${v}`, goArgs(`127.0.0.7${v}`, ['--protocol-version', String(v)])));
    const ts1 = await startTs('v-ts1', '127.0.0.81');
    const ts2 = await startTs('v-ts2', '127.0.0.82', { protocolVersion: 5 });
    await ts1.ml.join(gos.map((g) => g.address));
    await ts2.ml.join([ts1.address]);
    const names = ['v-go2', 'v-go3', 'v-go4', 'v-go5', 'v-ts1', 'v-ts2'];
    await eventually(
      async () =>
        tsAliveNames(ts1).join() === names.join() &&
        tsAliveNames(ts2).join() === names.join() &&
        (await Promise.all(gos.map(goAliveNames))).every((v) => v.join() === names.join()),
      40_000,
      'everyone to see everyone across protocol versions',
    );
    // Probing keeps working for a while: nobody gets suspected.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(tsAliveNames(ts1).join()).toBe(names.join());
    for (const g of gos) expect(g.logs(['ERR']).filter((l) => /v-ts/.test(l))).toEqual([]);
  }, 60_000);
});

/** A memberlist-ts agent process (the CLI) on `host`, joining `join`. */
function spawnAgent(name: string, host: string, join: string): ChildProcess {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const args = ['agent', '--mode', 'memberlist', '--node', name, '--bind', `${host}:27946`, '--http', `${host}:27947`];
  return spawn(process.execPath, [cli, ...args, '--profile', 'local', '--join', join, '--log-level', 'error'], {
    stdio: 'ignore',
  });
}

describe('a TS agent process killed with SIGKILL', () => {
  it('is declared dead by the Go nodes within the suspicion bounds', async () => {
    const go = await GoNode.start('k-go1', goArgs('127.0.0.121'));
    const agent = spawnAgent('k-ts1', '127.0.0.122', go.address);
    try {
      await go.waitFor((e) => e.event === 'join' && e.node.name === 'k-ts1', 15_000);
      const killedAt = Date.now();
      agent.kill('SIGKILL');
      const dead = await go.waitFor((e) => e.event === 'leave' && e.node.name === 'k-ts1', SUSPICION_MAX_MS + 10_000);
      expect(dead.node.state).toBe('dead');
      expect(Date.now() - killedAt).toBeLessThan(SUSPICION_MAX_MS + 10_000);
    } finally {
      agent.kill('SIGKILL');
    }
  }, 45_000);

  it('a TS agent stopped with SIGTERM leaves gracefully: Go records it as left', async () => {
    const go = await GoNode.start('k-go2', goArgs('127.0.0.123'));
    const agent = spawnAgent('k-ts2', '127.0.0.124', go.address);
    await go.waitFor((e) => e.event === 'join' && e.node.name === 'k-ts2', 15_000);
    const exited = new Promise<number | null>((r) => agent.once('exit', (code) => r(code)));
    agent.kill('SIGTERM');
    expect(await exited).toBe(0);
    const left = await go.waitFor((e) => e.event === 'leave' && e.node.name === 'k-ts2', 10_000);
    expect(left.node.state).toBe('left');
  }, 45_000);
});
