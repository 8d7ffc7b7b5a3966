/**
 * Codec benchmark: encode + decode per memberlist message type, memberlist-ts against Go
 * memberlist's own codec in the same run, on the same bytes (Go prints its inputs; we decode
 * them to get our objects). The TypeScript side runs the path the library uses: encodeMessage
 * (pooled output) and decodeAnyMessage as the core dispatches packets; the push/pull and user
 * message headers and node states through their struct codecs as readPushPull/readUserStream
 * do; compound messages through encodeCompound/decodeCompound. Also times @msgpack/msgpack on
 * the same objects and checks whether its bytes match Go's — the measurement behind the codec
 * choice in the README.
 *
 *   npm run bench:codec [-- --ms 300] [-- --json]
 */
import { decode as libDecode, encode as libEncode } from '@msgpack/msgpack';
import { decodeAnyMessage, encodeMessage, encodeStruct } from '../src/wire/codec.ts';
import { decodeCompound, encodeCompound } from '../src/wire/compound.ts';
import { codecsByName } from '../src/wire/messages.ts';
import { MsgpackReader } from '../src/wire/msgpack-reader.ts';
import {
  type BenchResult,
  isMain,
  msArg,
  opsPerSec,
  printResults,
  rateResult,
  roundTrip,
  runGoBench,
} from './bench-support.ts';

/** Struct codecs that travel inside another message (no type byte of their own on the path). */
const embedded = new Set(['pushPullHeader', 'pushNodeState', 'userMsgHeader']);

export interface CodecBench {
  go: string;
  results: BenchResult[];
  /** One line per message type: @msgpack/msgpack on the same object. */
  library: string[];
}

/** Runs Go's codec benchmark and ours on its inputs, `ms` milliseconds per measurement. */
export function benchCodec(ms: number): CodecBench {
  const go = runGoBench('codec', ms);
  const results: BenchResult[] = [];
  const library: string[] = [];
  for (const g of go.results) {
    const input = new Uint8Array(Buffer.from(g.input, 'hex'));
    let enc: () => unknown;
    let dec: () => unknown;
    let body: unknown;
    if (g.name === 'compound') {
      const parts = decodeCompound(input, 1).parts.map((p) => p.slice());
      enc = () => encodeCompound(parts);
      dec = () => decodeCompound(input, 1); // as the packet path splits one (packet.ts)
    } else if (embedded.has(g.name)) {
      const codec = codecsByName[g.name];
      const start = g.name === 'pushNodeState' ? 0 : 1; // Go's input carries the type byte
      body = codec.decode(new MsgpackReader(input, start));
      enc = () => encodeStruct(codec, body as object);
      dec = () => codec.decode(new MsgpackReader(input, start));
    } else {
      const msg = decodeAnyMessage(input);
      body = msg.body;
      enc = () => encodeMessage(msg.type, msg.body as never);
      dec = () => decodeAnyMessage(input);
    }
    if (body !== undefined) library.push(libraryLine(g.name, body, input, ms));
    results.push(
      rateResult(
        `codec.${g.name}`,
        'round trips/s',
        roundTrip(opsPerSec(ms, enc), opsPerSec(ms, dec)),
        g.roundTripOps,
        2,
      ),
    );
  }
  return { go: go.go, results, library };
}

/** The same object through @msgpack/msgpack, keyed by Go field names in Go's order. */
function libraryLine(name: string, body: unknown, input: Uint8Array, ms: number): string {
  const codec = codecsByName[name];
  const start = name === 'pushNodeState' ? 0 : 1;
  const goObj: Record<string, unknown> = {};
  for (const f of [...codec.fields].sort((a, b) => (a.go < b.go ? -1 : 1))) goObj[f.go] = (body as any)[f.key];
  const libBytes = libEncode(goObj);
  const exact = Buffer.from(libBytes).equals(Buffer.from(input.subarray(start)));
  const libRt = roundTrip(
    opsPerSec(ms, () => libEncode(goObj)),
    opsPerSec(ms, () => libDecode(libBytes, { rawStrings: true } as never)),
  );
  return `${name}: @msgpack/msgpack ${Math.round(libRt).toLocaleString('en-US')} round trips/s, bytes equal to Go's: ${exact}`;
}

if (isMain(import.meta.url)) {
  const { go, results, library } = benchCodec(msArg(300));
  printResults(results, { go, library });
  if (!process.argv.includes('--json')) {
    console.log('\n@msgpack/msgpack on the same objects (not used: see README):');
    for (const l of library) console.log(`  ${l}`);
  }
}
