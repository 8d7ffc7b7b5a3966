/**
 * Serf wire codecs against bytes made by Go: every Serf message body as go-msgpack v0.5.5 writes
 * it (Debian serf 0.9.4, serf ≤ 0.10.1, Consul) and as go-msgpack v2 writes it (serf ≥ 0.10.2),
 * generated from structs with Serf's field names and types; plus the byte strings captured from
 * real Serf agents in the reference notes. We decode both encoders' output, and our encoder
 * writes go-msgpack v0.5.5's bytes (sorted keys, str family) except where Go's signed integers
 * differ by family (Timeout, UDPAddr.Port: we write v2's int family, which both decoders read).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../src/errors.ts';
import { decodePingPayload, encodePingPayload } from '../src/serf/coordinate.ts';
import { EventRing } from '../src/serf/dedupe-rings.ts';
import { checkFilters } from '../src/serf/filters.ts';
import {
  type PushPullMessage,
  type QueryMessage,
  SerfMessageType,
  coordinateCodec,
  decodeBody,
  decodeRelay,
  encodeRelay,
  encodeWithType,
  joinCodec,
  keyRequestCodec,
  keyResponseCodec,
  leaveCodec,
  memberCodec,
  pushPullCodec,
  queryCodec,
  queryResponseCodec,
  relayHeaderCodec,
  userEventCodec,
} from '../src/serf/messages.ts';
import { decodeTags, encodeTags } from '../src/serf/tags.ts';
import type { StructCodec } from '../src/wire/schema.ts';
import { MsgpackReader } from '../src/wire/msgpack-reader.ts';
import { FUZZ_RUNS, mutationsOf, onlyDecodeErrors, randomBytes } from './support/fuzz.ts';
import { hex, toHex } from './support/hex.ts';

const te = new TextEncoder();

/**
 * Generated once by a small Go program encoding structs with Serf's field names and types through
 * hashicorp/go-msgpack v0.5.5 (v1) and v2.1.2 (v2), each with a default MsgpackHandle{}.
 */
const GO_VECTORS: Record<string, { v1: string; v2: string }> = {
  coordinate: {
    v1: '84aa41646a7573746d656e74cbbfd0000000000000a54572726f72cb3ff8000000000000a6486569676874cb3ee4f8b588e368f1a356656398cb3f50624dd2f1a9fccbbfe0000000000000cb0000000000000000cb0000000000000000cb0000000000000000cb0000000000000000cb0000000000000000cb3e112e0be826d695',
    v2: '84aa41646a7573746d656e74cbbfd0000000000000a54572726f72cb3ff8000000000000a6486569676874cb3ee4f8b588e368f1a356656398cb3f50624dd2f1a9fccbbfe0000000000000cb0000000000000000cb0000000000000000cb0000000000000000cb0000000000000000cb0000000000000000cb3e112e0be826d695',
  },
  join: {
    v1: '82a54c54696d6501a44e6f6465a27032',
    v2: '82a54c54696d6501a44e6f6465a27032',
  },
  keyRequest: {
    v1: '81a34b6579da0020abababababababababababababababababababababababababababababababab',
    v2: '81a34b6579da0020abababababababababababababababababababababababababababababababab',
  },
  keyRequestList: {
    v1: '81a34b6579a0',
    v2: '81a34b6579a0',
  },
  keyResponseEmpty: {
    v1: '84a44b657973c0a74d657373616765da00294b657972696e6720697320656d7074792028656e6372797074696f6e206e6f7420656e61626c656429aa5072696d6172794b6579a0a6526573756c74c2',
    v2: '84a44b657973c0a74d657373616765da00294b657972696e6720697320656d7074792028656e6372797074696f6e206e6f7420656e61626c656429aa5072696d6172794b6579a0a6526573756c74c2',
  },
  keyResponseList: {
    v1: '84a44b65797391da002c713675727136757271367572713675727136757271367572713675727136757271367572713675727136733da74d657373616765a0aa5072696d6172794b6579da002c713675727136757271367572713675727136757271367572713675727136757271367572713675727136733da6526573756c74c3',
    v2: '84a44b65797391da002c713675727136757271367572713675727136757271367572713675727136757271367572713675727136733da74d657373616765a0aa5072696d6172794b6579da002c713675727136757271367572713675727136757271367572713675727136757271367572713675727136733da6526573756c74c3',
  },
  leave: {
    v1: '83a54c54696d65cd012ca44e6f6465da00256e6f64652d776974682d612d6c6f6e6765722d6e616d652d6f7665722d33322d6368617273a55072756e65c3',
    v2: '83a54c54696d65cd012ca44e6f6465da00256e6f64652d776974682d612d6c6f6e6765722d6e616d652d6f7665722d33322d6368617273a55072756e65c3',
  },
  member: {
    v1: '8ba441646472a47f000001ab44656c656761746543757205ab44656c65676174654d617805ab44656c65676174654d696e02a44e616d65a27031a4506f7274cd1f0aab50726f746f636f6c43757202ab50726f746f636f6c4d617805ab50726f746f636f6c4d696e01a653746174757301a45461677381a4726f6c65a3776562',
    v2: '8ba441646472a47f000001ab44656c656761746543757205ab44656c65676174654d617805ab44656c65676174654d696e02a44e616d65a27031a4506f7274cd1f0aab50726f746f636f6c43757202ab50726f746f636f6c4d617805ab50726f746f636f6c4d696e01a653746174757301a45461677381a4726f6c65a3776562',
  },
  pushPull: {
    v1: '86aa4576656e744c54696d6502a64576656e7473dc0200c082a64576656e74739182a44e616d65a66465706c6f79a75061796c6f6164a27631a54c54696d6501c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0a54c54696d6502ab4c6566744d656d6265727390aa51756572794c54696d65ce00011170ac5374617475734c54696d657381a2703100',
    v2: '86aa4576656e744c54696d6502a64576656e7473dc0200c082a64576656e74739182a44e616d65a66465706c6f79a75061796c6f6164a27631a54c54696d6501c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0a54c54696d6502ab4c6566744d656d6265727390aa51756572794c54696d65ce00011170ac5374617475734c54696d657381a2703100',
  },
  query: {
    v1: '8ba441646472a47f000001a746696c7465727392a50091a27032b30182a445787072a26462a3546167a4726f6c65a5466c61677301a24944ce6edfcc63a54c54696d6501a44e616d65a677686f616d69a75061796c6f6164a568656c6c6fa4506f7274cd943aab52656c6179466163746f7200aa536f757263654e6f6465a27031a754696d656f7574cebebc2000',
    v2: '8ba441646472a47f000001a746696c7465727392a50091a27032b30182a445787072a26462a3546167a4726f6c65a5466c61677301a24944ce6edfcc63a54c54696d6501a44e616d65a677686f616d69a75061796c6f6164a568656c6c6fa4506f7274cd943aab52656c6179466163746f7200aa536f757263654e6f6465a27031a754696d656f7574d300000000bebc2000',
  },
  queryResponse: {
    v1: '85a5466c61677300a446726f6da26731a2494407a54c54696d6505a75061796c6f6164a84920616d2067310a',
    v2: '85a5466c61677300a446726f6da26731a2494407a54c54696d6505a75061796c6f6164a84920616d2067310a',
  },
  queryResponseAck: {
    v1: '85a5466c61677301a446726f6da26731a24944ceee6b2800a54c54696d6505a75061796c6f6164c0',
    v2: '85a5466c61677301a446726f6da26731a24944ceee6b2800a54c54696d6505a75061796c6f6164c0',
  },
  relayHeader: {
    v1: '82a8446573744164647283a24950a47f000001a4506f7274cd943aa45a6f6e65a0a8446573744e616d65a27031',
    v2: '82a8446573744164647283a24950a47f000001a4506f7274d20000943aa45a6f6e65a0a8446573744e616d65a27031',
  },
  tags16: {
    v1: 'de0010a6657870656374a133a566745f7369a131a4726f6c65a6636f6e73756ca8726166745f76736ea133a77573655f746c73a131a461636c73a130a776736e5f6d6178a133a566745f6673a131ad77616e5f6a6f696e5f706f7274a438333032a77365676d656e74a0a776736e5f6d696ea132a56275696c64ae312e392e313a6361356333383934a26964da002436376264323266312d623032642d636561612d313231612d653162346333633534366436a26463a3756174a376736ea132a4706f7274a438333030',
    v2: 'de0010a4726f6c65a6636f6e73756ca8726166745f76736ea133a77573655f746c73a131a461636c73a130a776736e5f6d6178a133a566745f6673a131ad77616e5f6a6f696e5f706f7274a438333032a77365676d656e74a0a776736e5f6d696ea132a56275696c64ae312e392e313a6361356333383934a26964da002436376264323266312d623032642d636561612d313231612d653162346333633534366436a26463a3756174a376736ea132a4706f7274a438333030a6657870656374a133a566745f7369a131',
  },
  userEvent: {
    v1: '84a24343c2a54c54696d6501a44e616d65a66465706c6f79a75061796c6f6164a27631',
    v2: '84a24343c2a54c54696d6501a44e616d65a66465706c6f79a75061796c6f6164a27631',
  },
};

const key32 = new Uint8Array(32).fill(0xab);
const events512: PushPullMessage['events'] = new Array(512).fill(null);
events512[1] = { ltime: 1, events: [{ name: 'deploy', payload: te.encode('v1') }] };

interface Case {
  codec: StructCodec<any>;
  value: object;
  /** Our bytes equal go-msgpack v0.5.5's (false where a signed Go int is written in another family). */
  sameAsV1: boolean;
}

const cases: Record<string, Case> = {
  join: { codec: joinCodec, value: { ltime: 1, node: 'p2' }, sameAsV1: true },
  leave: {
    codec: leaveCodec,
    value: { ltime: 300, node: 'node-with-a-longer-name-over-32-chars', prune: true },
    sameAsV1: true,
  },
  pushPull: {
    codec: pushPullCodec,
    value: {
      ltime: 2,
      statusLTimes: new Map([['p1', 0]]),
      leftMembers: [],
      eventLTime: 2,
      events: events512,
      queryLTime: 70000,
    },
    sameAsV1: true,
  },
  userEvent: {
    codec: userEventCodec,
    value: { ltime: 1, name: 'deploy', payload: te.encode('v1'), cc: false },
    sameAsV1: true,
  },
  query: {
    codec: queryCodec,
    value: {
      ltime: 1,
      id: 1860160611,
      addr: new Uint8Array([127, 0, 0, 1]),
      port: 37946,
      sourceNode: 'p1',
      filters: [hex('0091a27032'), hex('0182a445787072a26462a3546167a4726f6c65')],
      flags: 1,
      relayFactor: 0,
      timeout: 3_200_000_000,
      name: 'whoami',
      payload: te.encode('hello'),
    },
    sameAsV1: false,
  },
  queryResponseAck: {
    codec: queryResponseCodec,
    value: { ltime: 5, id: 4_000_000_000, from: 'g1', flags: 1, payload: null },
    sameAsV1: true,
  },
  queryResponse: {
    codec: queryResponseCodec,
    value: { ltime: 5, id: 7, from: 'g1', flags: 0, payload: te.encode('I am g1\n') },
    sameAsV1: true,
  },
  keyRequestList: { codec: keyRequestCodec, value: { key: new Uint8Array(0) }, sameAsV1: true },
  keyRequest: { codec: keyRequestCodec, value: { key: key32 }, sameAsV1: true },
  keyResponseEmpty: {
    codec: keyResponseCodec,
    value: { result: false, message: 'Keyring is empty (encryption not enabled)', keys: null, primaryKey: '' },
    sameAsV1: true,
  },
  keyResponseList: {
    codec: keyResponseCodec,
    value: {
      result: true,
      message: '',
      keys: ['q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s='],
      primaryKey: 'q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=',
    },
    sameAsV1: true,
  },
  relayHeader: {
    codec: relayHeaderCodec,
    value: { destAddr: { ip: new Uint8Array([127, 0, 0, 1]), port: 37946, zone: '' }, destName: 'p1' },
    sameAsV1: false,
  },
  member: {
    codec: memberCodec,
    value: {
      name: 'p1',
      addr: new Uint8Array([127, 0, 0, 1]),
      port: 7946,
      tags: new Map([['role', 'web']]),
      status: 1,
      protocolMin: 1,
      protocolMax: 5,
      protocolCur: 2,
      delegateMin: 2,
      delegateMax: 5,
      delegateCur: 5,
    },
    sameAsV1: true,
  },
  coordinate: {
    codec: coordinateCodec,
    value: { vec: [0.001, -0.5, 0, 0, 0, 0, 0, 1e-9], error: 1.5, adjustment: -0.25, height: 1e-5 },
    sameAsV1: true,
  },
};

function decode(codec: StructCodec<any>, bytes: Uint8Array): unknown {
  return codec.decode(new MsgpackReader(bytes));
}

describe('Serf message bodies against go-msgpack v0.5.5 and v2', () => {
  for (const [name, c] of Object.entries(cases)) {
    const vec = GO_VECTORS[name];
    it(`${name}: decodes both Go encoders' bytes`, () => {
      expect(decode(c.codec, hex(vec.v1))).toEqual(c.value);
      expect(decode(c.codec, hex(vec.v2))).toEqual(c.value);
    });
    it(`${name}: our bytes ${c.sameAsV1 ? 'equal go-msgpack v0.5.5' : 'round-trip'}`, () => {
      const ours = encodeWithType(0, c.codec, c.value).subarray(1);
      if (c.sameAsV1) expect(toHex(ours)).toBe(vec.v1);
      expect(decode(c.codec, ours)).toEqual(c.value);
    });
  }

  it('query: Timeout is int64 in the int family (like v2), Port and ID unsigned (like both)', () => {
    const ours = toHex(encodeWithType(0, queryCodec, cases.query.value as QueryMessage).subarray(1));
    expect(ours).toContain(toHex(te.encode('Timeout')) + 'd300000000bebc2000');
    expect(GO_VECTORS.query.v1).toContain(toHex(te.encode('Timeout')) + 'cebebc2000');
    expect(ours).toContain(toHex(te.encode('Port')) + 'cd943a');
  });

  it('pushPull: Events is the full 512-slot ring (array16 dc 02 00), mostly nil', () => {
    const ring = new EventRing(512);
    ring.offer(1, { name: 'deploy', payload: te.encode('v1') }, 2);
    const pp: PushPullMessage = {
      ltime: 2,
      statusLTimes: new Map([['p1', 0]]),
      leftMembers: [],
      eventLTime: 2,
      events: ring.toPushPull(),
      queryLTime: 70000,
    };
    const bytes = encodeWithType(SerfMessageType.PushPull, pushPullCodec, pp);
    expect(bytes[0]).toBe(2);
    expect(toHex(bytes.subarray(1))).toBe(GO_VECTORS.pushPull.v1);
    expect(toHex(bytes)).toContain('a64576656e7473dc0200c0');
  });
});

describe('byte strings captured from real Serf agents (reference notes §1, §2)', () => {
  it('a user event inside a CRC-protected memberlist packet', () => {
    const packet = hex(
      '0c e7673c57 08 03 84 a2 4343 c2 a5 4c54696d65 01 a4 4e616d65 a6 6465706c6f79 a7 5061796c6f6164 a2 7631',
    );
    const serfMsg = packet.subarray(6);
    expect(serfMsg[0]).toBe(SerfMessageType.UserEvent);
    expect(decodeBody(userEventCodec, serfMsg)).toEqual({
      ltime: 1,
      name: 'deploy',
      payload: te.encode('v1'),
      cc: false,
    });
    expect(encodeWithType(SerfMessageType.UserEvent, userEventCodec, decodeBody(userEventCodec, serfMsg))).toEqual(
      serfMsg,
    );
  });

  it('a join intent: 01 82 a5"LTime" 01 a4"Node" a2"p2"', () => {
    const bytes = hex('01 82 a5 4c54696d65 01 a4 4e6f6465 a2 7032');
    expect(encodeWithType(SerfMessageType.Join, joinCodec, { ltime: 1, node: 'p2' })).toEqual(bytes);
  });

  it('key requests: list (07 81 a3"Key" a0) and install (a 32-byte key in str16)', () => {
    expect(toHex(encodeWithType(7, keyRequestCodec, { key: new Uint8Array(0) }))).toBe('0781a34b6579a0');
    expect(toHex(encodeWithType(7, keyRequestCodec, { key: key32 }))).toBe(`0781a34b6579da0020${'ab'.repeat(32)}`);
  });

  it('a relay: header {DestAddr:{IP,Port,Zone}, DestName} then the inner message, forwarded unchanged', () => {
    const inner = { ltime: 5, id: 7, from: 'g1', flags: 1, payload: null };
    const header = { destAddr: { ip: new Uint8Array([127, 0, 0, 1]), port: 37946, zone: '' }, destName: 'p1' };
    const raw = encodeRelay(header, SerfMessageType.QueryResponse, queryResponseCodec, inner);
    const { header: h, inner: rest } = decodeRelay(raw);
    expect(h).toEqual(header);
    expect(rest).toEqual(encodeWithType(SerfMessageType.QueryResponse, queryResponseCodec, inner));
    // Go 0.9.4's header (Port in the uint family) splits the same way.
    const go = new Uint8Array([9, ...hex(GO_VECTORS.relayHeader.v1), ...rest]);
    expect(decodeRelay(go)).toEqual({ header, inner: rest });
  });
});

describe('decoding is tolerant', () => {
  it('accepts bin for byte slices and strings, str8, unknown keys, missing keys and nil', () => {
    // {Extra: [1,2], LTime: uint64 7, Name: str8 "x", Payload: bin8 "ab"} — CC missing.
    const bytes = hex(
      '84 a5 4578747261 92 01 02 a5 4c54696d65 cf 0000000000000007 a4 4e616d65 d9 01 78 a7 5061796c6f6164 c4 02 6162',
    );
    expect(decodeBody(userEventCodec, new Uint8Array([3, ...bytes]))).toEqual({
      ltime: 7,
      name: 'x',
      payload: te.encode('ab'),
      cc: false,
    });
    expect(decodeBody(pushPullCodec, hex('02 c0'))).toEqual({
      ltime: 0,
      statusLTimes: null,
      leftMembers: null,
      eventLTime: 0,
      events: null,
      queryLTime: 0,
    });
  });

  it('rejects, with DecodeError only, counts larger than the input and wrong types', () => {
    const bad = [
      hex('02 81 ac 5374617475734c54696d6573 df ffffffff'), // a map of 4 G entries in 20 bytes
      hex('02 81 a6 4576656e7473 dd 7fffffff'), // an array of 2 G slots
      hex('04 81 a7 46696c74657273 dc ffff c0'), // 65535 filters, 1 byte present
      hex('02 81 a5 4c54696d65 a3 616263'), // a string where a uint64 goes
      hex('01 81 a5 4c54696d65 d3 ffffffffffffffff'), // a negative LTime
      hex('01'),
    ];
    for (const b of bad) {
      const codec: StructCodec<any> = b[0] === 2 ? pushPullCodec : b[0] === 4 ? queryCodec : joinCodec;
      expect(() => decodeBody(codec, b)).toThrow(DecodeError);
    }
    expect(() => decodeRelay(hex('09 82 a8 4465737441646472 dd 00000010'))).toThrow(DecodeError);
  });
});

describe('tags (reference notes §3)', () => {
  it('[0xFF] + map; 16 entries use map16 (de 00 10) and a 36-char id str16 (da 00 24)', () => {
    const tags = Object.fromEntries(decodeTagsFromGo());
    const meta = encodeTags(tags);
    expect(meta[0]).toBe(0xff);
    expect(toHex(meta.subarray(1, 4))).toBe('de0010');
    expect(toHex(meta)).toContain(`a26964da0024${toHex(te.encode('67bd22f1-b02d-ceaa-121a-e1b4c3c546d6'))}`);
    expect(decodeTags(meta)).toEqual(tags);
    expect(meta.length).toBe(1 + GO_VECTORS.tags16.v1.length / 2);
  });

  it('decodes Go maps in any key order', () => {
    const tags = decodeTags(new Uint8Array([0xff, ...hex(GO_VECTORS.tags16.v1)]));
    expect(tags.role).toBe('consul');
    expect(Object.keys(tags)).toHaveLength(16);
    expect(decodeTags(new Uint8Array([0xff, ...hex(GO_VECTORS.tags16.v2)]))).toEqual(tags);
  });

  it('legacy metadata is the role; protocol < 3 encodes only the role', () => {
    expect(decodeTags(te.encode('web'))).toEqual({ role: 'web' });
    expect(decodeTags(new Uint8Array(0))).toEqual({ role: '' });
    expect(encodeTags({ role: 'db', dc: 'x' }, 2)).toEqual(te.encode('db'));
  });

  it('refuses tags above 512 bytes with a clear error, accepts exactly 512', () => {
    // 0xff + fixmap(1) + fixstr "k" (2 bytes) + str16 value (3 + n bytes) = 7 + n
    expect(encodeTags({ k: 'v'.repeat(505) })).toHaveLength(512);
    expect(() => encodeTags({ k: 'v'.repeat(506) })).toThrow(/Encoded length of tags exceeds limit of 512 bytes/);
  });

  it('a "__proto__" tag is only a key', () => {
    const meta = encodeTags(JSON.parse('{"__proto__":"x","a":"b"}'));
    const tags = decodeTags(meta);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect(Object.keys(tags).sort()).toEqual(['__proto__', 'a']);
  });

  it('malformed tag maps throw DecodeError', () => {
    expect(() => decodeTags(hex('ff 92 a1 61'))).toThrow(DecodeError);
    expect(() => decodeTags(hex('ff de ffff'))).toThrow(DecodeError);
  });
});

function decodeTagsFromGo(): [string, string][] {
  return Object.entries(decodeTags(new Uint8Array([0xff, ...hex(GO_VECTORS.tags16.v1)])));
}

describe('ping-ack coordinates ([0x01] + msgpack Coordinate)', () => {
  it('round-trips and matches go-msgpack v0.5.5', () => {
    const c = cases.coordinate.value as { vec: number[]; error: number; adjustment: number; height: number };
    const payload = encodePingPayload(c);
    expect(payload[0]).toBe(1);
    expect(toHex(payload.subarray(1))).toBe(GO_VECTORS.coordinate.v1);
    expect(decodePingPayload(payload)).toEqual(c);
    expect(decodePingPayload(new Uint8Array([1, ...hex(GO_VECTORS.coordinate.v2)]))).toEqual(c);
  });

  it('an empty payload is no coordinate; a wrong version is an error', () => {
    expect(decodePingPayload(new Uint8Array(0))).toBeUndefined();
    expect(() => decodePingPayload(new Uint8Array([2, 0x80]))).toThrow(/Unsupported ping version/);
  });
});

describe('fuzz: Serf decoders of remote input throw only DecodeError', () => {
  const decoders: [string, (b: Uint8Array) => unknown, Uint8Array[]][] = [
    ...Object.entries(cases).map(([name, c]): [string, (b: Uint8Array) => unknown, Uint8Array[]] => [
      name,
      (b) => decodeBody(c.codec, b),
      [encodeWithType(0, c.codec, c.value), new Uint8Array([0, ...hex(GO_VECTORS[name].v2)])],
    ]),
    ['relay', (b) => decodeRelay(b), [new Uint8Array([9, ...hex(GO_VECTORS.relayHeader.v1), 5, 0xc0])]],
    ['tags', (b) => decodeTags(b), [encodeTags({ role: 'web', id: 'x'.repeat(40) })]],
    ['ping payload', (b) => decodePingPayload(b), [encodePingPayload(cases.coordinate.value as never)]],
    [
      'filters',
      (b) => checkFilters([b], { name: 'n', tags: { role: 'web' } }),
      [hex('0091a27032'), hex('0182a445787072a26462a3546167a4726f6c65')],
    ],
  ];
  const runs = Math.max(200, Math.floor(FUZZ_RUNS / 10));
  for (const [name, decode, seeds] of decoders) {
    it(name, () => {
      fc.assert(
        fc.property(randomBytes, (b) => onlyDecodeErrors(() => decode(b))),
        { numRuns: runs },
      );
      fc.assert(
        fc.property(fc.oneof(...seeds.map((s) => mutationsOf(s))), (b) => onlyDecodeErrors(() => decode(b))),
        { numRuns: runs },
      );
    });
  }
});
