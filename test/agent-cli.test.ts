/**
 * The agent CLI as users run it: real `node src/cli.ts` processes on 127.0.0.5x loopback
 * addresses — two agents joining, the HTTP API, the `members` command in both formats, graceful
 * leave on SIGTERM/SIGINT, bad flags (exit 2) and a join that never succeeds (exit 1) — plus the
 * flag parsers and the table renderer in-process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, freePort, killAllCli, run, start } from './support/cli-process.ts';
import { eventually } from './support/eventually.ts';
import { parseAgentFlags } from '../src/agent/agent-flags.ts';
import { FlagError, parseDuration, parseHostPort, parseJoinAddress } from '../src/agent/flags.ts';
import type { MembersDocument } from '../src/agent/members-document.ts';
import { metaText, renderMembersTable } from '../src/agent/members-table.ts';

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return res.json();
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

function logLines(stderr: string): { level: number; msg: string; [k: string]: unknown }[] {
  return stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { level: number; msg: string });
}

afterAll(() => {
  killAllCli();
});

describe('two agents on loopback', () => {
  const A = '127.0.0.51';
  const B = '127.0.0.52';
  let a: CliProcess;
  let b: CliProcess;
  let aPort: number;
  let bPort: number;
  let aHttp: string;
  let bHttp: string;

  const members = async (http: string): Promise<MembersDocument> =>
    (await getJson(`http://${http}/v1/members`)) as MembersDocument;

  beforeAll(async () => {
    aPort = await freePort(A);
    bPort = await freePort(B);
    aHttp = `${A}:${await freePort(A)}`;
    bHttp = `${B}:${await freePort(B)}`;
    a = start([
      'agent',
      '--mode',
      'memberlist',
      '--node',
      'agent-a',
      '--bind',
      `${A}:${aPort}`,
      '--http',
      aHttp,
      '--profile',
      'local',
      '--meta',
      'role=seed',
    ]);
    await eventually(async () => (await members(aHttp)).members.length === 1, 10_000, 'agent A to serve its API');
    b = start([
      'agent',
      '--mode=memberlist',
      '--node=agent-b',
      `--bind=${B}:${bPort}`,
      `--http=${bHttp}`,
      '--profile',
      'local',
      '--meta',
      'role=worker ✓',
      '--join',
      `${A}:${aPort}`,
      '--join-timeout',
      '5s',
    ]);
    const bothAlive = async (http: string): Promise<boolean> => {
      const doc = await members(http);
      return doc.members.length === 2 && doc.members.every((m) => m.status === 'alive');
    };
    await eventually(async () => (await bothAlive(aHttp)) && (await bothAlive(bHttp)), 10_000, 'both agents alive');
  }, 15_000);

  it('GET /v1/members lists both members, alive, with every field', async () => {
    for (const http of [aHttp, bHttp]) {
      const doc = await members(http);
      expect(doc).toEqual({
        members: [
          {
            name: 'agent-a',
            addr: A,
            port: aPort,
            status: 'alive',
            incarnation: expect.any(Number),
            meta: b64('role=seed'),
            protocol: { min: 1, max: 5, cur: 2 },
          },
          {
            name: 'agent-b',
            addr: B,
            port: bPort,
            status: 'alive',
            incarnation: expect.any(Number),
            meta: b64('role=worker ✓'),
            protocol: { min: 1, max: 5, cur: 2 },
          },
        ],
      });
    }
  });

  it('GET /v1/health reports the health score and the live member count', async () => {
    expect(await getJson(`http://${aHttp}/v1/health`)).toEqual({ healthScore: 0, members: 2 });
    expect(await getJson(`http://${bHttp}/v1/health`)).toEqual({ healthScore: 0, members: 2 });
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    expect((await fetch(`http://${aHttp}/v1/nope`)).status).toBe(404);
    const post = await fetch(`http://${aHttp}/v1/members`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('logs the join as a JSON line at info', () => {
    const joined = logLines(a.stderr()).find((l) => l.msg === 'member joined' && l.member === 'agent-b');
    expect(joined).toMatchObject({ level: 30, node: 'agent-a', addr: `${B}:${bPort}`, status: 'alive' });
    expect(logLines(b.stderr()).some((l) => l.msg === 'joined the cluster')).toBe(true);
  });

  it('members --format json prints the HTTP API document', async () => {
    const r = await run(['members', '--http', bHttp, '--format', 'json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(await members(bHttp));
  });

  it('members --format table prints aligned columns', async () => {
    const r = await run(['members', '--http', aHttp, '--format', 'table']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^Name\s+Address\s+Status\s+Incarnation\s+Meta$/);
    expect(lines[1]).toMatch(new RegExp(`^agent-a\\s+${A}:${aPort}\\s+alive\\s+\\d+\\s+role=seed$`));
    expect(lines[2]).toMatch(new RegExp(`^agent-b\\s+${B}:${bPort}\\s+alive\\s+\\d+\\s+role=worker ✓$`));
    const col = (word: string): number[] => lines.map((l, i) => (i === 0 ? l.indexOf(word) : -1));
    const statusCol = col('Status')[0];
    for (const l of lines.slice(1)) expect(l.slice(statusCol, statusCol + 5)).toBe('alive');
  });

  it('SIGTERM makes an agent leave and exit 0; the other lists it as left', async () => {
    b.child.kill('SIGTERM');
    const { code, signal } = await b.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(logLines(b.stderr()).map((l) => l.msg)).toEqual(
      expect.arrayContaining(['left the cluster', 'agent stopped']),
    );
    await eventually(
      async () => (await members(aHttp)).members.find((m) => m.name === 'agent-b')?.status === 'left',
      5000,
      'agent-b listed as left',
    );
    expect(await getJson(`http://${aHttp}/v1/health`)).toEqual({ healthScore: 0, members: 1 });
  });

  it('SIGINT stops the last agent with exit 0', async () => {
    a.child.kill('SIGINT');
    expect(await a.exited).toEqual({ code: 0, signal: null });
  });
});

describe('failures', () => {
  it.each([
    [['agent', '--bind', 'x'], /^memberlist-ts: --bind: "x" is not IP:PORT$/],
    [['agent', '--bind', '127.0.0.1'], /--bind: "127\.0\.0\.1" is not IP:PORT/],
    [['agent', '--bogus'], /^memberlist-ts: unknown flag --bogus$/],
    [['agent', '--advertise', '1.2.3.4:99999'], /--advertise/],
    [['agent', '--http'], /--http: missing value/],
    [['agent', '--join', 'a b:1'], /--join/],
    [['agent', '--join-timeout', '10'], /--join-timeout/],
    [['agent', '--profile', 'moon'], /--profile: "moon" is not one of lan, wan, local/],
    [['agent', '--log-level', 'trace'], /--log-level/],
    [['agent', '--mode', 'memberlist', '--meta', 'x'.repeat(513)], /--meta: 513 bytes/],
    [['agent', 'extra'], /unexpected argument "extra"/],
    [['members', '--format', 'yaml'], /--format/],
    [['members', '--nope'], /unknown flag --nope/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('%j: one line naming the problem, exit 2', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.endsWith('\n')).toBe(true);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err.trimEnd()).toMatch(message);
  });

  it('an agent whose join never succeeds within --join-timeout logs an error and exits 1', async () => {
    const host = '127.0.0.53';
    const nobody = await freePort('127.0.0.54');
    const started = Date.now();
    const r = await run(
      [
        'agent',
        '--node',
        'lonely',
        '--bind',
        `${host}:${await freePort(host)}`,
        '--http',
        `${host}:${await freePort(host)}`,
        '--join',
        `127.0.0.54:${nobody}`,
        '--join-timeout',
        '1s',
      ],
      10_000,
    );
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(8000);
    const lines = logLines(r.err);
    expect(lines.some((l) => l.level === 50 && /could not join the cluster within 1s/.test(l.msg))).toBe(true);
  });

  it('members exits 1 when no agent answers', async () => {
    const r = await run(['members', '--http', `127.0.0.53:${await freePort('127.0.0.53')}`]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^memberlist-ts: cannot read http:\/\/127\.0\.0\.53:\d+\/v1\/members: .*ECONNREFUSED/);
  });

  it('version and help', async () => {
    expect(await run(['version'])).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^memberlist-ts \d+\.\d+\.\d+\n$/),
    });
    const help = await run(['help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/agent[\s\S]*members[\s\S]*version/);
    const agentHelp = await run(['agent', '--help']);
    expect(agentHelp.code).toBe(0);
    for (const flag of [
      '--node',
      '--bind',
      '--advertise',
      '--join',
      '--join-timeout',
      '--profile',
      '--meta',
      '--http',
      '--log-level',
    ]) {
      expect(agentHelp.out).toContain(flag);
    }
  });
});

describe('flag parsers and table (in-process)', () => {
  it('parses durations Go-style', () => {
    expect(parseDuration('--d', '500ms')).toBe(500);
    expect(parseDuration('--d', '10s')).toBe(10_000);
    expect(parseDuration('--d', '2m')).toBe(120_000);
    expect(parseDuration('--d', '1m30s')).toBe(90_000);
    expect(parseDuration('--d', '1.5s')).toBe(1500);
    for (const bad of ['', '10', 's', '0s', '-1s', '1d', '1 s'])
      expect(() => parseDuration('--d', bad)).toThrow(FlagError);
  });

  it('parses IP:PORT and join addresses', () => {
    expect(parseHostPort('--bind', '127.0.0.1:7946')).toEqual({ host: '127.0.0.1', port: 7946 });
    expect(parseHostPort('--bind', '[::1]:7946')).toEqual({ host: '::1', port: 7946 });
    expect(parseHostPort('--bind', '10.0.0.1:0', { allowPortZero: true }).port).toBe(0);
    for (const bad of ['x', 'host:1', '1.2.3.4', '1.2.3.4:', '1.2.3.4:65536', '1.2.3.4:0', ':80']) {
      expect(() => parseHostPort('--bind', bad)).toThrow(FlagError);
    }
    for (const ok of [
      '10.0.0.1:7946',
      'seed.example.internal:7946',
      'node-b/10.0.0.6:7946',
      '[::1]:7946',
      '10.0.0.1',
    ]) {
      expect(parseJoinAddress('--join', ok)).toBe(ok);
    }
  });

  it('applies the documented defaults', () => {
    const o = parseAgentFlags([]);
    expect(o).toMatchObject({
      bind: { host: '127.0.0.1', port: 7946 },
      http: { host: '127.0.0.1', port: 7947 },
      profile: 'lan',
      joinTimeoutMs: 30_000,
      logLevel: 'info',
      join: [],
      advertise: undefined,
      meta: undefined,
      retransmitMult: undefined,
    });
    expect(parseAgentFlags(['--join', '1.2.3.4:1', '--join', '5.6.7.8:2'])).toMatchObject({
      join: ['1.2.3.4:1', '5.6.7.8:2'],
    });
    expect(parseAgentFlags(['--retransmit-mult', '4'])).toMatchObject({ retransmitMult: 4 });
    for (const bad of ['0', '101', '2.5', 'x', '-1']) {
      expect(() => parseAgentFlags(['--retransmit-mult', bad])).toThrow(/^--retransmit-mult: /);
    }
  });

  it('renders the table with text or base64 metadata and escaped control characters', () => {
    const doc: MembersDocument = {
      members: [
        {
          name: 'n1',
          addr: '10.0.0.1',
          port: 7946,
          status: 'alive',
          incarnation: 3,
          meta: '',
          protocol: { min: 1, max: 5, cur: 2 },
        },
        {
          name: 'a\u001b[2Jb',
          addr: '::1',
          port: 1,
          status: 'suspect',
          incarnation: 12,
          meta: b64('x=1'),
          protocol: { min: 1, max: 5, cur: 2 },
        },
      ],
    };
    expect(renderMembersTable(doc)).toBe(
      'Name         Address        Status   Incarnation  Meta\n' +
        'n1           10.0.0.1:7946  alive    3\n' +
        'a\\u001b[2Jb  [::1]:1        suspect  12           x=1\n',
    );
    expect(metaText(Buffer.from([0xff, 0x00]).toString('base64'))).toBe('base64:/wA=');
    expect(metaText(b64('a\nb'))).toBe(`base64:${b64('a\nb')}`);
  });
});
