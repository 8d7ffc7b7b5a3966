/**
 * Issue #2 acceptance: a real Go memberlist node (v0.6.0) accepts bytes that memberlist-ts
 * produced. It acks a TS ping sent plain, compressed, with a CRC, encrypted with each key size
 * and both encryption versions, and labeled; and it adds a member announced by a TS alive
 * inside a compound message.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessage } from '../src/wire/codec.ts';
import { compressMessage } from '../src/wire/compress.ts';
import { encodeCompound } from '../src/wire/compound.ts';
import { addCrcHeader } from '../src/wire/crc32.ts';
import { MessageType } from '../src/wire/messages.ts';
import { decodePacket, encodePacket, expandPayload } from '../src/wire/packet.ts';
import { decodeAnyMessage } from '../src/wire/codec.ts';
import { NO_SECURITY, type WireSecurity } from '../src/wire/wire-security.ts';
import { GoNode, stopAllGoNodes } from './support/gonode.ts';

const TS_HOST = '127.0.0.3';
const te = new TextEncoder();

let sock: Socket;
let tsPort = 0;
const inbox: Buffer[] = [];

beforeAll(async () => {
  sock = createSocket('udp4');
  sock.on('message', (m) => inbox.push(m));
  await new Promise<void>((r) => sock.bind(0, TS_HOST, () => r()));
  tsPort = sock.address().port;
});

afterAll(async () => {
  await stopAllGoNodes();
  sock.close();
});

let seq = 100;

/** Sends a ping built by `wrap` and resolves once an ack with its sequence number arrives. */
async function pingGo(
  go: GoNode,
  sec: WireSecurity,
  wrap: (ping: Uint8Array) => Uint8Array,
  waitMs = 5_000,
): Promise<boolean> {
  const seqNo = ++seq;
  const ping = encodeMessage(MessageType.Ping, {
    seqNo,
    node: go.name,
    sourceAddr: new Uint8Array([127, 0, 0, 3]),
    sourcePort: tsPort,
    sourceNode: 'ts-probe',
  });
  sock.send(wrap(ping), go.port, go.addr);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    for (const datagram of inbox.splice(0)) {
      const { messages } = expandPayload(decodePacket(new Uint8Array(datagram), sec));
      for (const m of messages) {
        if (m[0] !== MessageType.AckResp) continue;
        const ack = decodeAnyMessage(m);
        if (ack.type === MessageType.AckResp && ack.body.seqNo === seqNo) return true;
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

function security(over: Partial<WireSecurity>): WireSecurity {
  return { ...NO_SECURITY, ...over };
}

function key(bytes: number): Uint8Array {
  return new Uint8Array(bytes).map((_, i) => (i * 7 + bytes) & 0xff);
}

const b64 = (k: Uint8Array): string => Buffer.from(k).toString('base64');

describe('a real Go memberlist node accepts TS-produced packets', () => {
  it('acks a plain ping', async () => {
    const go = await GoNode.start('go-plain', ['--bind', '127.0.0.2:0']);
    expect(await pingGo(go, NO_SECURITY, (p) => p)).toBe(true);
  });

  it('acks a compressed ping', async () => {
    const go = await GoNode.start('go-compress', ['--bind', '127.0.0.2:0']);
    expect(await pingGo(go, NO_SECURITY, (p) => compressMessage(p))).toBe(true);
  });

  it('acks a ping with a CRC header (and one compressed under a CRC)', async () => {
    const go = await GoNode.start('go-crc', ['--bind', '127.0.0.2:0']);
    expect(await pingGo(go, NO_SECURITY, (p) => addCrcHeader(p))).toBe(true);
    expect(await pingGo(go, NO_SECURITY, (p) => addCrcHeader(compressMessage(p)))).toBe(true);
  });

  it('drops a ping whose CRC does not match', async () => {
    const go = await GoNode.start('go-badcrc', ['--bind', '127.0.0.2:0']);
    const acked = await pingGo(
      go,
      NO_SECURITY,
      (p) => {
        const b = addCrcHeader(p);
        b[1] ^= 0xff;
        return b;
      },
      1_500,
    );
    expect(acked).toBe(false);
    expect(go.logs().join('\n')).toMatch(/invalid checksum/i);
  });

  for (const size of [16, 24, 32]) {
    for (const version of [0, 1] as const) {
      it(`acks a ping encrypted with a ${size}-byte key, encryption version ${version}`, async () => {
        const k = key(size);
        const go = await GoNode.start(`go-enc-${size}-v${version}`, [
          '--bind',
          '127.0.0.2:0',
          '--key',
          b64(k),
          '--protocol-version',
          version === 0 ? '1' : '2',
        ]);
        const sec = security({ keys: [k], encryptionVersion: version });
        expect(await pingGo(go, sec, (p) => encodePacket(p, { compress: true, crc: true }, sec))).toBe(true);
      });
    }
  }

  it('acks a labeled ping, plain and encrypted', async () => {
    const label = te.encode('prod-cluster');
    const go = await GoNode.start('go-label', ['--bind', '127.0.0.2:0', '--label', 'prod-cluster']);
    const sec = security({ label });
    expect(await pingGo(go, sec, (p) => encodePacket(p, { compress: false, crc: false }, sec))).toBe(true);
    const k = key(32);
    const goEnc = await GoNode.start('go-label-enc', [
      '--bind',
      '127.0.0.2:0',
      '--label',
      'prod-cluster',
      '--key',
      b64(k),
    ]);
    const secEnc = security({ label, keys: [k] });
    expect(await pingGo(goEnc, secEnc, (p) => encodePacket(p, { compress: true, crc: true }, secEnc))).toBe(true);
  });

  it('ignores a ping with the wrong label', async () => {
    const go = await GoNode.start('go-label-wrong', ['--bind', '127.0.0.2:0', '--label', 'blue']);
    const sec = security({ label: te.encode('green') });
    expect(await pingGo(go, sec, (p) => encodePacket(p, { compress: false, crc: false }, sec), 1_500)).toBe(false);
    expect(go.logs().join('\n')).toMatch(/unacceptable label/);
  });

  it('adds a member announced by a TS alive inside a compound message', async () => {
    const go = await GoNode.start('go-alive', ['--bind', '127.0.0.2:0']);
    const alive = encodeMessage(MessageType.Alive, {
      incarnation: 1,
      node: 'ts-announced',
      addr: new Uint8Array([127, 0, 0, 9]),
      port: 7946,
      meta: te.encode('hello from ts'),
      vsn: new Uint8Array([1, 5, 2, 0, 0, 0]),
    });
    const suspectOther = encodeMessage(MessageType.Suspect, { incarnation: 1, node: 'nobody', from: 'ts' });
    sock.send(encodeCompound([alive, suspectOther]), go.port, go.addr);
    const joined = await go.waitFor((e) => e.event === 'join' && e.node?.name === 'ts-announced', 5_000);
    expect(joined.node.addr).toBe('127.0.0.9');
    expect(Buffer.from(joined.node.meta, 'base64').toString()).toBe('hello from ts');
    const members = await go.members();
    expect(members.map((m) => m.name)).toContain('ts-announced');
  });
});
