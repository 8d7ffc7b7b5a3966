/**
 * Security in the agent as users run it: real `node src/cli.ts` processes on 127.0.0.150–.169 —
 * agents sharing an --encrypt key join, one with another key cannot (and the seed counts its
 * no-key drops on /v1/stats), a full key rotation with `keys --install/--use/--remove` that
 * keeps the cluster together and rewrites the keyring file after each change, refused changes
 * (primary key, bad keys, bad bodies) that change nothing, labels, the verify switches, keygen —
 * plus the key and keyring-file helpers in-process.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, freePort, killAllCli, run, start } from './support/cli-process.ts';
import { eventually } from './support/eventually.ts';

const dir = mkdtempSync(join(tmpdir(), 'memberlist-agent-keys-'));
import { parseAgentFlags } from '../src/agent/agent-flags.ts';
import { startingKeys } from '../src/agent/agent-keyring.ts';
import { FlagError } from '../src/agent/flags.ts';
import { KeyError, keyText, parseKey } from '../src/agent/key-text.ts';
import { KeyringFileError, readKeyringFile, writeKeyringFile } from '../src/agent/keyring-file.ts';
import type { MembersDocument } from '../src/agent/members-document.ts';

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  expect(res.status).toBe(200);
  return res.json();
}

async function post(url: string, body: string): Promise<{ status: number; doc: { error?: string } }> {
  const res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(2000) });
  return { status: res.status, doc: (await res.json()) as { error?: string } };
}

function logLines(stderr: string): { level: number; msg: string; [k: string]: unknown }[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
}

/** A fresh random key of `bytes` bytes, in base64. */
function newKey(bytes = 32): string {
  return keyText(crypto.getRandomValues(new Uint8Array(bytes)));
}

function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** One line on stderr matching `message`, nothing on stdout. */
function expectOneLineError(r: { out: string; err: string }, message: RegExp): void {
  expect(r.out).toBe('');
  expect(r.err.endsWith('\n')).toBe(true);
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  expect(r.err.trimEnd()).toMatch(message);
}

interface AgentAt {
  readonly proc: CliProcess;
  readonly host: string;
  readonly port: number;
  readonly http: string;
  readonly name: string;
}

async function startAgent(name: string, host: string, extra: readonly string[]): Promise<AgentAt> {
  const port = await freePort(host);
  const http = `${host}:${await freePort(host)}`;
  const proc = start([
    'agent',
    '--mode',
    'memberlist',
    '--node',
    name,
    '--bind',
    `${host}:${port}`,
    '--http',
    http,
    '--profile',
    'local',
    ...extra,
  ]);
  return { proc, host, port, http, name };
}

const members = async (http: string): Promise<MembersDocument> =>
  (await getJson(`http://${http}/v1/members`)) as MembersDocument;

/** Every agent lists exactly `names`, all alive. */
async function allAlive(agents: readonly AgentAt[], names: readonly string[]): Promise<boolean> {
  for (const a of agents) {
    const doc = await members(a.http);
    const alive = doc.members.filter((m) => m.status === 'alive').map((m) => m.name);
    if (alive.join() !== [...names].sort().join()) return false;
  }
  return true;
}

/** Starts an agent that must fail to join `seed` within 2 s; resolves to its outcome. */
async function failedJoin(name: string, host: string, seed: AgentAt, extra: readonly string[]) {
  const started = Date.now();
  const a = await startAgent(name, host, [...extra, '--join', `${seed.host}:${seed.port}`, '--join-timeout', '2s']);
  const timer = setTimeout(() => a.proc.child.kill('SIGKILL'), 10_000);
  const { code } = await a.proc.exited;
  clearTimeout(timer);
  return { code, ms: Date.now() - started, log: logLines(a.proc.stderr()) };
}

afterAll(() => {
  killAllCli();
  rmSync(dir, { recursive: true, force: true });
});

describe('an encrypted cluster and its keyring', () => {
  const K = newKey(32);
  const K0 = newKey(24); // already in B's keyring file before B starts
  const K2 = newKey(32); // another cluster's key
  const K3 = newKey(16); // the key the cluster rotates to
  const fileA = join(dir, 'a', 'keyring.json');
  const fileB = join(dir, 'b-keyring.json');
  let a: AgentAt;
  let b: AgentAt;

  const keyring = async (agent: AgentAt): Promise<unknown> => getJson(`http://${agent.http}/v1/keyring`);
  const noKeyDrops = async (agent: AgentAt): Promise<number> =>
    ((await getJson(`http://${agent.http}/v1/stats`)) as { drops: Record<string, number> }).drops['no-key'];
  const keys = (agent: AgentAt, ...args: string[]) => run(['keys', '--http', agent.http, ...args]);

  beforeAll(async () => {
    // A: --encrypt with a keyring file that does not exist yet (its directory does).
    mkdirSync(join(dir, 'a'));
    writeFileSync(fileB, JSON.stringify([K0]));
    a = await startAgent('enc-a', '127.0.0.150', ['--encrypt', K, '--keyring-file', fileA]);
    await eventually(async () => (await members(a.http)).members.length === 1, 10_000, 'agent A to serve its API');
    b = await startAgent('enc-b', '127.0.0.151', [
      '--encrypt',
      K,
      '--keyring-file',
      fileB,
      '--join',
      `127.0.0.150:${a.port}`,
      '--join-timeout',
      '5s',
    ]);
    await eventually(() => allAlive([a, b], ['enc-a', 'enc-b']), 10_000, 'A and B to list each other alive');
  }, 20_000);

  it('two agents with the same --encrypt key join and list each other', async () => {
    expect(await allAlive([a, b], ['enc-a', 'enc-b'])).toBe(true);
    expect(logLines(a.proc.stderr()).find((l) => l.msg === 'agent started')).toMatchObject({
      encryption: true,
      keys: 1,
    });
  });

  it('--encrypt with --keyring-file: the file is created when missing, else its keys are kept and --encrypt becomes primary', async () => {
    expect(readJsonFile(fileA)).toEqual([K]);
    expect(statSync(fileA).mode & 0o777).toBe(0o600);
    expect(await keyring(a)).toEqual({ keys: [K], primary: K });
    expect(readJsonFile(fileB)).toEqual([K, K0]);
    expect(await keyring(b)).toEqual({ keys: [K, K0], primary: K });
  });

  it('GET /v1/stats reports drops by reason, the health score and the member count', async () => {
    const stats = (await getJson(`http://${a.http}/v1/stats`)) as Record<string, unknown>;
    expect(stats).toEqual({
      drops: expect.objectContaining({ 'no-key': expect.any(Number), 'label-mismatch': expect.any(Number) }),
      healthScore: 0,
      members: 2,
    });
  });

  it('an agent with a different key cannot join (exit 1) and the seed counts no-key drops', async () => {
    const before = await noKeyDrops(a);
    const r = await failedJoin('enc-c', '127.0.0.152', a, ['--encrypt', K2]);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(8000);
    expect(r.log.some((l) => l.level === 50 && /could not join the cluster within 2s/.test(l.msg))).toBe(true);
    expect(await noKeyDrops(a)).toBeGreaterThan(before);
    expect(await allAlive([a], ['enc-a', 'enc-b'])).toBe(true);
  }, 15_000);

  it('keys --install / --use / --remove rotate both agents without a partition, rewriting the file each time', async () => {
    const drops = await noKeyDrops(a);
    const step = async (
      agent: AgentAt,
      args: string[],
      expected: string[],
      out: RegExp,
      file: string,
    ): Promise<void> => {
      const r = await keys(agent, ...args);
      expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
      expect(r.out).toMatch(out);
      expect(await keyring(agent)).toEqual({ keys: expected, primary: expected[0] });
      expect(readJsonFile(file)).toEqual(expected);
    };
    await step(a, ['--install', K3], [K, K3], /^key installed; the keyring has 2 keys\n$/, fileA);
    await step(b, ['--install', K3], [K, K0, K3], /^key installed; the keyring has 3 keys\n$/, fileB);
    await step(a, ['--use', K3], [K3, K], /^primary key changed; the keyring has 2 keys\n$/, fileA);
    await step(b, ['--use', K3], [K3, K, K0], /^primary key changed/, fileB);
    await step(a, ['--remove', K], [K3], /^key removed; the keyring has 1 key\n$/, fileA);
    await step(b, ['--remove', K], [K3, K0], /^key removed/, fileB);
    await step(b, ['--remove', K0], [K3], /^key removed/, fileB);
    // Installing a key that is already there changes nothing and succeeds.
    await step(a, ['--install', K3], [K3], /^key installed; the keyring has 1 key\n$/, fileA);

    const list = await keys(a, '--list');
    expect(list).toEqual({ code: 0, out: `${K3}  (primary)\n`, err: '' });
    const json = await keys(b, '--list', '--format', 'json');
    expect(JSON.parse(json.out)).toEqual({ keys: [K3], primary: K3 });

    // Probes keep flowing under the new key: nobody is suspected, nothing is dropped.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await allAlive([a, b], ['enc-a', 'enc-b'])).toBe(true);
    expect(await noKeyDrops(a)).toBe(drops);
    const changes = logLines(a.proc.stderr()).filter((l) => l.msg.startsWith('keyring: '));
    expect(changes.map((l) => [l.msg, l.level])).toEqual([
      ['keyring: key installed', 30],
      ['keyring: primary key changed', 30],
      ['keyring: key removed', 30],
    ]);
    expect(a.proc.stderr()).not.toContain(K3); // logs carry key ids, never keys
  }, 20_000);

  it('removing the primary key fails with exit 1 and changes nothing', async () => {
    const fileBefore = readFileSync(fileA, 'utf8');
    const r = await keys(a, '--remove', K3);
    expect(r.code).toBe(1);
    expectOneLineError(r, /^memberlist-ts: --remove: cannot remove the primary key/);
    expect(await keyring(a)).toEqual({ keys: [K3], primary: K3 });
    expect(readFileSync(fileA, 'utf8')).toBe(fileBefore);
  });

  it('using or removing a key that is not installed fails with exit 1', async () => {
    for (const flag of ['--use', '--remove']) {
      const r = await keys(a, flag, K2);
      expect(r.code).toBe(1);
      expectOneLineError(r, new RegExp(`^memberlist-ts: ${flag}: the key is not installed$`));
    }
    expect(await keyring(a)).toEqual({ keys: [K3], primary: K3 });
  });

  it.each([
    ['not base64', 'not*base64', /^memberlist-ts: --install: not a base64 key$/],
    ['10 bytes', newKey(10), /^memberlist-ts: --install: 10 bytes; a key must be 16, 24 or 32 bytes$/],
  ])(
    'keys --install with a key that is %s: exit 1, one line naming --install, nothing changes',
    async (_, key, message) => {
      const fileBefore = readFileSync(fileA, 'utf8');
      const r = await keys(a, '--install', key);
      expect(r.code).toBe(1);
      expectOneLineError(r, message);
      expect(await keyring(a)).toEqual({ keys: [K3], primary: K3 });
      expect(readFileSync(fileA, 'utf8')).toBe(fileBefore);
    },
  );

  it('POST /v1/keyring/* answers 400 naming the problem for bad bodies and bad keys, 413 above 64 KiB', async () => {
    const url = (kind: string): string => `http://${a.http}/v1/keyring/${kind}`;
    const cases: [string, string, number, RegExp][] = [
      ['install', JSON.stringify({ key: 'not base64!' }), 400, /^key: not a base64 key$/],
      ['install', JSON.stringify({ key: newKey(10) }), 400, /^key: 10 bytes; a key must be 16, 24 or 32 bytes$/],
      ['install', JSON.stringify({ key: 16 }), 400, /^key: must be a base64 string$/],
      ['install', JSON.stringify({}), 400, /^key: missing$/],
      ['install', JSON.stringify({ key: newKey(), extra: 1 }), 400, /^body: unknown field "extra"$/],
      ['install', JSON.stringify([newKey()]), 400, /^body: expected a JSON object/],
      ['install', '{"key": ', 400, /^body: not JSON/],
      ['install', '', 400, /^body: empty/],
      ['use', JSON.stringify({ key: K2 }), 400, /^key: the key is not installed$/],
      ['remove', JSON.stringify({ key: K3 }), 400, /^key: cannot remove the primary key/],
      ['install', JSON.stringify({ key: 'A'.repeat(64 * 1024) }), 413, /^body: larger than 65536 bytes$/],
    ];
    for (const [kind, body, status, message] of cases) {
      const r = await post(url(kind), body);
      expect({ body: body.slice(0, 40), status: r.status }).toEqual({ body: body.slice(0, 40), status });
      expect(r.doc.error).toMatch(message);
    }
    const get = await fetch(url('install'));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`http://${a.http}/v1/keyring`, { method: 'POST' })).status).toBe(405);
    expect(await keyring(a)).toEqual({ keys: [K3], primary: K3 });
    // The API still serves after all that.
    expect(await allAlive([a], ['enc-a', 'enc-b'])).toBe(true);
  });

  it('a keyring file that cannot be written refuses the change (HTTP 500) and keeps the keyring', async () => {
    rmSync(join(dir, 'a'), { recursive: true });
    const r = await post(`http://${a.http}/v1/keyring/install`, JSON.stringify({ key: K2 }));
    expect(r.status).toBe(500);
    expect(r.doc.error).toMatch(
      /^keyring file .*keyring\.json: cannot write it: ENOENT.*; the keyring was not changed$/,
    );
    expect(await keyring(a)).toEqual({ keys: [K3], primary: K3 });
  });
});

describe('labels and verify switches', () => {
  it('agents with the same --label join; an agent with another label cannot (exit 1, label-mismatch drops)', async () => {
    const d = await startAgent('label-d', '127.0.0.155', ['--label', 'blue']);
    await eventually(async () => (await members(d.http)).members.length === 1, 10_000, 'agent D to serve its API');
    const e = await startAgent('label-e', '127.0.0.156', ['--label', 'blue', '--join', `127.0.0.155:${d.port}`]);
    await eventually(() => allAlive([d, e], ['label-d', 'label-e']), 10_000, 'D and E to list each other alive');

    // Another label, and no label at all: both refused.
    const [green, unlabeled] = await Promise.all([
      failedJoin('label-f', '127.0.0.157', d, ['--label', 'green']),
      failedJoin('label-g', '127.0.0.158', d, []),
    ]);
    expect([green.code, unlabeled.code]).toEqual([1, 1]);
    const stats = (await getJson(`http://${d.http}/v1/stats`)) as { drops: Record<string, number> };
    expect(stats.drops['label-mismatch']).toBeGreaterThan(0);
    expect(await allAlive([d, e], ['label-d', 'label-e'])).toBe(true);
    for (const p of [d, e]) p.proc.child.kill('SIGKILL');
  }, 20_000);

  it('--verify-incoming=false --verify-outgoing false lets a keyless agent join an encrypted one', async () => {
    const key = newKey();
    const g = await startAgent('verify-g', '127.0.0.160', [
      '--encrypt',
      key,
      '--verify-incoming=false',
      '--verify-outgoing',
      'false',
    ]);
    await eventually(async () => (await members(g.http)).members.length === 1, 10_000, 'agent G to serve its API');
    const h = await startAgent('verify-h', '127.0.0.161', ['--join', `127.0.0.160:${g.port}`, '--join-timeout', '5s']);
    await eventually(() => allAlive([g, h], ['verify-g', 'verify-h']), 10_000, 'G and H to list each other alive');
    expect(logLines(g.proc.stderr()).find((l) => l.msg === 'agent started')).toMatchObject({
      encryption: true,
      verifyIncoming: false,
      verifyOutgoing: false,
    });
    // With the defaults (both true) a keyless agent is refused.
    const i = await startAgent('verify-i', '127.0.0.162', ['--encrypt', key]);
    await eventually(async () => (await members(i.http)).members.length === 1, 10_000, 'agent I to serve its API');
    const r = await failedJoin('verify-j', '127.0.0.163', i, []);
    expect(r.code).toBe(1);
    for (const p of [g, h, i]) p.proc.child.kill('SIGKILL');
  }, 20_000);
});

describe('keygen and bad keys at start', () => {
  it.each([
    [[], 32],
    [['--bytes', '16'], 16],
    [['--bytes', '24'], 24],
    [['--bytes=32'], 32],
  ])('keygen %j prints a random base64 key of %i bytes', async (args, bytes) => {
    const r = await run(['keygen', ...args]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^[A-Za-z0-9+/]+=*\n$/);
    expect(parseKey('out', r.out.trimEnd())).toHaveLength(bytes);
    expect((await run(['keygen', ...args])).out).not.toBe(r.out);
  });

  it('keygen --bytes 20: exit 2 naming --bytes', async () => {
    const r = await run(['keygen', '--bytes', '20']);
    expect(r.code).toBe(2);
    expectOneLineError(r, /^memberlist-ts: --bytes: "20" is not one of 16, 24, 32$/);
  });

  it.each([
    [['agent', '--encrypt', 'not*base64'], /^memberlist-ts: --encrypt: not a base64 key$/],
    [['agent', '--encrypt', newKey(10)], /^memberlist-ts: --encrypt: 10 bytes; a key must be 16, 24 or 32 bytes$/],
    [['keys', '--use', newKey(33)], /^memberlist-ts: --use: 33 bytes/],
    [['keys', '--remove', ''], /^memberlist-ts: --remove: not a base64 key$/],
  ])('%j: exit 1, one line naming the flag', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(1);
    expectOneLineError(r, message);
  });

  it.each([
    ['[1]', /entry 1: not a string$/],
    [JSON.stringify([newKey(), 'nope!']), /entry 2: not a base64 key$/],
    [JSON.stringify([newKey(20)]), /entry 1: 20 bytes; a key must be 16, 24 or 32 bytes$/],
    ['{"keys": []}', /not a JSON array of base64 keys$/],
    ['[', /not JSON/],
  ])('a bad keyring file %s: exit 1, one line naming the file, the file untouched', async (content, message) => {
    const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, content);
    const r = await run([
      'agent',
      '--keyring-file',
      file,
      '--encrypt',
      newKey(),
      '--bind',
      '127.0.0.164:0',
      '--http',
      '127.0.0.164:0',
    ]);
    expect(r.code).toBe(1);
    expectOneLineError(r, new RegExp(`^memberlist-ts: keyring file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(r.err.trimEnd()).toMatch(message);
    expect(readFileSync(file, 'utf8')).toBe(content);
  });

  it.each([
    [['keys'], /^memberlist-ts: keys: give one of --install KEY, --use KEY, --remove KEY, --list$/],
    [['keys', '--list', '--install', 'x'], /^memberlist-ts: keys: --install and --list cannot be combined/],
    [['keys', '--list', '--format', 'yaml'], /--format/],
    [['agent', '--verify-incoming=maybe'], /^memberlist-ts: --verify-incoming: "maybe" is not true or false$/],
    [['agent', '--label', 'x'.repeat(256)], /^memberlist-ts: --label: 256 bytes, more than the limit of 255$/],
    [['agent', '--keyring-file', ''], /--keyring-file: must not be empty/],
  ])('%j: exit 2, one line naming the flag', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expectOneLineError(r, message);
  });
});

describe('keys, flags and keyring files (in-process)', () => {
  it('parses keys strictly: standard base64 with padding, 16/24/32 bytes', () => {
    const k = crypto.getRandomValues(new Uint8Array(16));
    expect(parseKey('k', keyText(k))).toEqual(k);
    const text = keyText(k); // 22 characters and "=="
    for (const bad of ['', text.slice(0, -2), text.replace('==', '='), ` ${text}`, text.replace(/[A-Za-z]/, '-')]) {
      expect(() => parseKey('k', bad)).toThrow(KeyError);
    }
    expect(() => parseKey('key', keyText(new Uint8Array(31)))).toThrow(/^key: 31 bytes/);
  });

  it('accepts the verify switches Go style', () => {
    const v = (args: string[]) => {
      const o = parseAgentFlags(args);
      if (o === 'help') throw new Error('help');
      return [o.verifyIncoming, o.verifyOutgoing];
    };
    expect(v([])).toEqual([true, true]);
    expect(v(['--verify-incoming=false'])).toEqual([false, true]);
    expect(v(['--verify-incoming', 'false', '--verify-outgoing=0'])).toEqual([false, false]);
    expect(v(['--verify-incoming', '--verify-outgoing'])).toEqual([true, true]);
    expect(v(['--verify-outgoing=false', '--verify-incoming', '--node', 'x'])).toEqual([true, false]);
    expect(v(['--verify-incoming=TRUE', '--verify-outgoing', 'False'])).toEqual([true, false]);
    expect(() => parseAgentFlags(['--verify-incoming', 'yes'])).toThrow(FlagError);
    expect(() => parseAgentFlags(['--encrypt', 'abc'])).toThrow(KeyError);
  });

  it('startingKeys: --encrypt alone, the file alone, both, and neither', async () => {
    const sub = mkdtempSync(join(dir, 'start-'));
    const [k1, k2, k3] = [newKey(), newKey(16), newKey(24)].map((t) => parseKey('k', t));
    expect(await startingKeys(undefined, undefined)).toEqual([]);
    expect(await startingKeys(k1, undefined)).toEqual([k1]);
    const f = join(sub, 'k.json');
    expect(await startingKeys(undefined, f)).toEqual([]);
    expect(readJsonFile(f)).toEqual([]); // created
    await writeKeyringFile(f, [k2, k3]);
    expect(await startingKeys(undefined, f)).toEqual([k2, k3]);
    expect(await startingKeys(k3, f)).toEqual([k3, k2]);
    expect(readJsonFile(f)).toEqual([k3, k2].map(keyText));
    expect(await readKeyringFile(join(sub, 'missing.json'))).toBeUndefined();
    expect(readdirSync(sub)).toEqual(['k.json']); // no temporary files left behind
    await expect(readKeyringFile(sub)).rejects.toThrow(KeyringFileError);
  });
});
