/**
 * The decoder's process-wide caches (src/wire/decode-caches.ts) are emptied when the last
 * Memberlist of the process shuts down, and not before: a shared version-bytes array decoded
 * while a node runs is the same array on the next decode until then.
 */
import { describe, expect, it } from 'vitest';
import { Memberlist } from '../src/memberlist.ts';
import { NodeStateCode } from '../src/wire/messages.ts';
import { decodePushPull, encodePushPull } from '../src/wire/push-pull.ts';

const msg = encodePushPull({
  join: false,
  nodes: [
    {
      name: 'decode-caches-member',
      addr: new Uint8Array([10, 8, 0, 1]),
      port: 7946,
      meta: new TextEncoder().encode('id=1'),
      incarnation: 1,
      state: NodeStateCode.Alive,
      vsn: new Uint8Array([1, 5, 2, 0, 0, 0]),
    },
  ],
  userState: new Uint8Array(0),
});
const vsnOf = (): Uint8Array | null => decodePushPull(msg).nodes[0].vsn;

describe('decode caches', () => {
  it('are emptied when the last node of the process shuts down', async () => {
    const start = (name: string, host: string) =>
      Memberlist.create({ name, profile: 'local', bindAddr: host, bindPort: 0 });
    const a = await start('decode-caches-a', '127.0.0.71');
    const b = await start('decode-caches-b', '127.0.0.72');
    const held = vsnOf();
    expect(vsnOf()).toBe(held);
    await a.shutdown();
    await a.shutdown(); // twice: counted once
    expect(vsnOf()).toBe(held);
    await b.shutdown();
    const fresh = vsnOf();
    expect(fresh).not.toBe(held);
    expect(fresh).toEqual(held);
  });
});
