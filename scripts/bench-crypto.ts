/**
 * AES-GCM and LZW on 1400-byte packets: memberlist-ts (node:crypto) and @noble/ciphers against Go
 * memberlist's own encryptPayload/decryptPayload and compressPayload/decompressPayload, same run.
 * The measurement behind the choice of node:crypto in the README.
 *
 *   node scripts/bench-crypto.ts [--ms 300] [--json]
 */
import { randomBytes } from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { compressMessage, decompressMessage } from '../src/wire/compress.ts';
import { decryptPayload, encryptPayload } from '../src/wire/security.ts';
import {
  type BenchResult,
  infoResult,
  isMain,
  msArg,
  opsPerSec,
  printResults,
  roundTrip,
  runGoBench,
} from './bench-support.ts';

export interface CryptoBench {
  results: BenchResult[];
  /** node:crypto against @noble/ciphers, one line per key size. */
  notes: string[];
}

/** Seal+open and compress+decompress of Go's 1400-byte packet, `ms` milliseconds per measurement. */
export function benchCrypto(ms: number): CryptoBench {
  const results: BenchResult[] = [];
  const notes: string[] = [];
  const aad = new TextEncoder().encode('label');

  for (const g of runGoBench('crypto', ms).results) {
    const pkt = new Uint8Array(Buffer.from(g.input, 'hex'));
    const key = new Uint8Array(g.name.endsWith('128') ? 16 : 32).map((_, i) => i);
    const sealed = encryptPayload(1, key, pkt, aad);
    const ours = roundTrip(
      opsPerSec(ms, () => encryptPayload(1, key, pkt, aad)),
      opsPerSec(ms, () => decryptPayload([key], sealed, aad)),
    );
    // @noble/ciphers doing the same framing: seal with a fresh nonce, open.
    const nonce = sealed.subarray(1, 13);
    const body = sealed.subarray(13);
    const noble = roundTrip(
      opsPerSec(ms, () => gcm(key, randomBytes(12), aad).encrypt(pkt)),
      opsPerSec(ms, () => gcm(key, nonce, aad).decrypt(body)),
    );
    notes.push(
      `${g.name}: node:crypto ${Math.round(ours)} vs @noble/ciphers ${Math.round(noble)} seal+open/s (${(ours / noble).toFixed(1)}×)`,
    );
    // Issue #6 sets no target for AES-GCM or LZW: both sides shown, no target.
    results.push(infoResult(`${g.name}.seal+open`, 'round trips/s', ours, g.roundTripOps));
  }

  for (const g of runGoBench('lzw', ms).results) {
    const pkt = new Uint8Array(Buffer.from(g.input, 'hex'));
    const c = compressMessage(pkt);
    const ours = roundTrip(
      opsPerSec(ms, () => compressMessage(pkt)),
      opsPerSec(ms, () => decompressMessage(c)),
    );
    results.push(infoResult(`${g.name}.compress+decompress`, 'round trips/s', ours, g.roundTripOps));
  }
  return { results, notes };
}

if (isMain(import.meta.url)) {
  const { results, notes } = benchCrypto(msArg(300));
  printResults(results, { notes });
  if (!process.argv.includes('--json')) for (const n of notes) console.log(n);
}
