/**
 * Codec benchmark: encode + decode per memberlist message type, memberlist-ts against Go
 * memberlist's own codec in the same run, on the same bytes (Go prints its inputs; we decode
 * them to get our objects). Also times @msgpack/msgpack on the same objects and checks whether
 * its bytes match Go's — the measurement behind the codec choice in the README.
 *
 *   npm run bench:codec [-- --ms 300] [-- --json]
 */
import { decode as libDecode, encode as libEncode } from '@msgpack/msgpack';
import { decodeCompound, encodeCompound } from '../src/wire/compound.ts';
import { codecsByName } from '../src/wire/messages.ts';
import { MsgpackReader } from '../src/wire/msgpack-reader.ts';
import { MsgpackWriter } from '../src/wire/msgpack-writer.ts';
import {
  type BenchResult,
  msArg,
  rateResult,
  opsPerSec,
  printResults,
  roundTrip,
  runGoBench,
} from './bench-support.ts';

const codecs = codecsByName;

const ms = msArg(300);
const go = runGoBench('codec', ms);
const results: BenchResult[] = [];
const library: string[] = [];

for (const g of go.results) {
  const input = new Uint8Array(Buffer.from(g.input, 'hex'));
  let enc: () => unknown;
  let dec: () => unknown;
  if (g.name === 'compound') {
    const parts = decodeCompound(input.subarray(1)).parts.map((p) => p.slice());
    enc = () => encodeCompound(parts);
    dec = () => decodeCompound(input.subarray(1));
  } else {
    const codec = codecs[g.name];
    const start = g.name === 'pushNodeState' ? 0 : 1;
    const body = codec.decode(new MsgpackReader(input, start));
    const w = new MsgpackWriter(256);
    enc = () => {
      w.reset();
      if (start === 1) w.byte(input[0]);
      codec.encode(w, body);
      return w.bytes().slice();
    };
    dec = () => codec.decode(new MsgpackReader(input, start));
    // The same object through @msgpack/msgpack, keyed by Go field names in Go's order.
    const goObj: Record<string, unknown> = {};
    for (const f of [...codec.fields].sort((a, b) => (a.go < b.go ? -1 : 1))) goObj[f.go] = (body as any)[f.key];
    const libBytes = libEncode(goObj);
    const exact = Buffer.from(libBytes).equals(Buffer.from(input.subarray(start)));
    const libRt = roundTrip(
      opsPerSec(ms, () => libEncode(goObj)),
      opsPerSec(ms, () => libDecode(libBytes, { rawStrings: true } as never)),
    );
    library.push(
      `${g.name}: @msgpack/msgpack ${Math.round(libRt).toLocaleString('en-US')} round trips/s, bytes equal to Go's: ${exact}`,
    );
  }
  const tsEnc = opsPerSec(ms, enc);
  const tsDec = opsPerSec(ms, dec);
  const tsRt = roundTrip(tsEnc, tsDec);
  results.push(rateResult(`codec.${g.name}`, 'round trips/s', tsRt, g.roundTripOps, 2));
}

printResults(results, { go: go.go, library });
if (!process.argv.includes('--json')) {
  console.log('\n@msgpack/msgpack on the same objects (not used: see README):');
  for (const l of library) console.log(`  ${l}`);
}
