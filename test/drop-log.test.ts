/**
 * Dropped input is counted by reason and logged at most once per peer and reason per minute.
 */
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { DropLog } from '../src/observe/drop-log.ts';
import { encodeMessage } from '../src/wire/codec.ts';
import { MessageType } from '../src/wire/messages.ts';
import { encodePacket } from '../src/wire/packet.ts';
import { NO_SECURITY } from '../src/wire/wire-security.ts';
import { eventually, startTs, stopAllTs } from './support/ts-nodes.ts';

afterAll(async () => {
  await stopAllTs();
});

describe('drop accounting', () => {
  it('counts every drop and rate-limits the log per peer and reason', () => {
    const lines: string[] = [];
    let now = 0;
    const log = { debug() {}, info() {}, error() {}, warn: (_o: object, m: string) => lines.push(m) };
    const d = new DropLog(log, () => now);
    for (let i = 0; i < 100; i++) d.record('10.0.0.1:7946', 'packet', 'no-key', 'x');
    d.record('10.0.0.2:7946', 'packet', 'no-key', 'x');
    d.record('10.0.0.1:7946', 'packet', 'label-mismatch', 'x');
    expect(d.counts['no-key']).toBe(101);
    expect(lines.length).toBe(3);
    now = 61_000;
    d.record('10.0.0.1:7946', 'packet', 'no-key', 'x');
    expect(lines.length).toBe(4);
  });

  it('a node counts packets dropped for a wrong label, a missing key and plaintext', async () => {
    const key = new Uint8Array(16).fill(1);
    const n = await startTs('drops-a', '127.0.0.111', { label: 'blue', keys: [key] });
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.112', () => r()));
    const ping = encodeMessage(MessageType.Ping, {
      seqNo: 1,
      node: 'drops-a',
      sourceAddr: null,
      sourcePort: 0,
      sourceNode: '',
    });
    const te = new TextEncoder();
    const send = (b: Uint8Array): void => void sock.send(b, n.ml.config.bindPort, '127.0.0.111');
    send(
      encodePacket(ping, { compress: false, crc: false }, { ...NO_SECURITY, label: te.encode('green'), keys: [key] }),
    );
    send(
      encodePacket(
        ping,
        { compress: false, crc: false },
        { ...NO_SECURITY, label: te.encode('blue'), keys: [new Uint8Array(16)] },
      ),
    );
    send(encodePacket(ping, { compress: false, crc: false }, { ...NO_SECURITY, label: te.encode('blue') }));
    await eventually(() => n.ml.drops.total === 3, 3_000, 'three drops');
    expect(n.ml.drops.counts['label-mismatch']).toBe(1);
    expect(n.ml.drops.counts['no-key']).toBe(1);
    expect(n.ml.drops.counts['not-encrypted']).toBe(1);
    sock.close();
  });
});
