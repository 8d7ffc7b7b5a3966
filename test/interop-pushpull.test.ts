/**
 * Issue #3: push/pull at scale against real Go memberlist. A TS node learns all ≥ 2,000 members
 * a Go node knows when it joins, and a Go node learns the ≥ 2,000 members a TS node knows.
 */
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeMessage } from '../src/wire/codec.ts';
import { encodeCompound } from '../src/wire/compound.ts';
import { MessageType } from '../src/wire/messages.ts';
import { GoNode, stopAllGoNodes } from './support/gonode.ts';
import { eventually, startTs, stopAllTs } from './support/ts-nodes.ts';

const COUNT = 2_000;

afterAll(async () => {
  await stopAllTs();
  await stopAllGoNodes();
});

/** Slow probing so the fake members are not suspected while the test looks at them. */
const quiet = { probeInterval: 60_000, pushPullInterval: 0 };
const goQuiet = ['--profile', 'local', '--probe-interval', '60s', '--pushpull-interval', '0s'];

/** Tells a node about `count` members the way a peer would: alive messages in compounds. */
async function announce(host: string, port: number, prefix: string, count: number): Promise<void> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  for (let i = 0; i < count; i += 10) {
    const parts: Uint8Array[] = [];
    for (let j = i; j < Math.min(count, i + 10); j++) {
      parts.push(
        encodeMessage(MessageType.Alive, {
          incarnation: 1,
          node: `${prefix}-${j}`,
          addr: new Uint8Array([127, 2, j >> 8, j & 0xff]),
          port: 7946,
          meta: null,
          vsn: new Uint8Array([1, 5, 2, 0, 0, 0]),
        }),
      );
    }
    await new Promise<void>((r) => sock.send(encodeCompound(parts), port, host, () => r()));
    if (i % 200 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  sock.close();
}

describe('push/pull with thousands of members', () => {
  it(`a TS node joining a Go node that knows ${COUNT} members learns them all`, async () => {
    const go = await GoNode.start('pp-go1', ['--bind', '127.0.0.91:0', ...goQuiet]);
    await go.command({ cmd: 'add-nodes', count: COUNT, prefix: 'gofake', timeoutMs: 20_000 }, 30_000);
    const ts = await startTs('pp-ts1', '127.0.0.92', quiet);
    await ts.ml.join([go.address]);
    expect(ts.ml.numMembers()).toBeGreaterThanOrEqual(COUNT + 2);
    expect(ts.ml.members().filter((m) => m.name.startsWith('gofake-')).length).toBe(COUNT);
  }, 60_000);

  it(`a Go node joining a TS node that knows ${COUNT} members learns them all`, async () => {
    const ts = await startTs('pp-ts2', '127.0.0.93', quiet);
    await announce('127.0.0.93', ts.ml.config.bindPort, 'tsfake', COUNT);
    await eventually(() => ts.ml.numMembers() === COUNT + 1, 20_000, 'the TS node to learn the announced members');
    const go = await GoNode.start('pp-go2', ['--bind', '127.0.0.94:0', ...goQuiet, '--join', ts.address]);
    await go.waitFor((e) => e.event === 'joined', 20_000);
    const members = await go.members();
    expect(members.filter((m) => m.name.startsWith('tsfake-') && m.state === 'alive').length).toBe(COUNT);
  }, 60_000);
});
