/**
 * The public Memberlist API on real sockets: events (EventEmitter and async iterator),
 * AbortSignal, `await using`, IPv6, bind vs advertise addresses, DNS names in join, and
 * dead/left members listed until forgotten.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Memberlist } from '../src/memberlist.ts';
import { eventually, startTs, stopAllTs } from './support/ts-nodes.ts';

afterAll(async () => {
  await stopAllTs();
});

describe('Memberlist API', () => {
  it('emits join, update and leave events, also through the async iterator', async () => {
    const a = await startTs('api-a', '127.0.0.101');
    const seen: string[] = [];
    a.ml.on('join', (n) => seen.push(`join ${n.name}`));
    a.ml.on('update', (n) => seen.push(`update ${n.name}`));
    a.ml.on('leave', (n) => seen.push(`leave ${n.name} ${n.state}`));
    const iter = a.ml.memberEvents();
    const b = await startTs('api-b', '127.0.0.102');
    await b.ml.join([a.address]);
    const first = await iter.next();
    expect(first.value).toMatchObject({ type: 'join', node: { name: 'api-b' } });
    await b.ml.updateNode(new TextEncoder().encode('v2'), { timeout: 2_000 });
    await b.ml.leave({ timeout: 2_000 });
    await eventually(() => seen.includes('leave api-b left'), 5_000, 'the leave event');
    expect(seen).toEqual(['join api-b', 'update api-b', 'leave api-b left']);
    // Left members stay listed until forgotten; Go's Members() view leaves them out.
    expect(a.ml.allMembers().find((m) => m.name === 'api-b')?.state).toBe('left');
    expect(a.ml.members().map((m) => m.name)).toEqual(['api-a']);
    await b.ml.shutdown();
    await a.ml.shutdown();
    // The iterator delivers what was still queued, then ends with the node.
    const rest: string[] = [];
    for await (const e of iter) rest.push(`${e.type} ${e.node.name}`);
    expect(rest).toEqual(['update api-b', 'leave api-b']);
  });

  it('supports await using, and aborting a join', async () => {
    {
      await using n = await Memberlist.create({
        name: 'api-using',
        bindAddr: '127.0.0.103',
        bindPort: 0,
        profile: 'local',
      });
      expect(n.numMembers()).toBe(1);
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      await expect(n.join(['127.0.0.104:1'], { signal: controller.signal })).rejects.toThrow('stop');
    }
  });

  it('rejects a join when no address answers', async () => {
    const a = await startTs('api-lonely', '127.0.0.105');
    await expect(a.ml.join(['127.0.0.106:9'])).rejects.toThrow(/failed to join/);
  });

  it('joins through a DNS name', async () => {
    const a = await startTs('api-dns-a', '127.0.0.1');
    const b = await startTs('api-dns-b', '127.0.0.107');
    expect(await b.ml.join([`localhost:${a.ml.config.bindPort}`])).toBeGreaterThanOrEqual(1);
    await eventually(() => a.ml.numMembers() === 2, 5_000);
  });

  it('advertises an address other than the one it binds', async () => {
    const a = await startTs('api-adv-a', '0.0.0.0', { advertiseAddr: '127.0.0.108' });
    expect(a.ml.localNode.addr).toBe('127.0.0.108');
    const b = await startTs('api-adv-b', '127.0.0.109');
    await b.ml.join([`127.0.0.108:${a.ml.config.bindPort}`]);
    await eventually(() => b.ml.members().some((m) => m.name === 'api-adv-a' && m.addr === '127.0.0.108'), 5_000);
  });

  it('works over IPv6', async () => {
    const a = await startTs('api-v6-a', '::1');
    const b = await startTs('api-v6-b', '::1');
    await b.ml.join([`[::1]:${a.ml.config.bindPort}`]);
    await eventually(() => a.ml.numMembers() === 2 && b.ml.numMembers() === 2, 5_000);
    expect(a.ml.members().find((m) => m.name === 'api-v6-b')?.addr).toBe('::1');
    // Probing over IPv6 keeps both alive.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(a.ml.members().every((m) => m.state === 'alive')).toBe(true);
  });
});
