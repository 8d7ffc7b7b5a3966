/**
 * A local demo cluster on loopback: N memberlist-ts nodes on 127.0.0.x, each joining the first,
 * printing the membership as it converges; with --go it also starts a real Go memberlist node
 * (interop/bin/gonode) and joins it. Stops by itself after --seconds (default 20) or on Ctrl-C.
 *
 *   npm run demo [-- --nodes 3] [-- --go] [-- --seconds 20]
 */
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Memberlist } from '../src/memberlist.ts';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const count = arg('--nodes', 3);
const seconds = arg('--seconds', 20);
const withGo = process.argv.includes('--go');

const nodes: Memberlist[] = [];
for (let i = 0; i < count; i++) {
  nodes.push(
    await Memberlist.create({
      name: `ts-${i + 1}`,
      profile: 'local',
      bindAddr: `127.0.0.${21 + i}`,
      bindPort: 7946,
      meta: new TextEncoder().encode(`demo node ${i + 1}`),
    }),
  );
}
for (const n of nodes.slice(1)) await n.join([`127.0.0.21:7946`]);

let go: ReturnType<typeof spawn> | undefined;
if (withGo) {
  execFileSync('bash', [fileURLToPath(new URL('build-interop.sh', import.meta.url))], { stdio: 'inherit' });
  const bin = fileURLToPath(new URL('../interop/bin/gonode', import.meta.url));
  go = spawn(bin, ['--name', 'go-1', '--bind', '127.0.0.31:7946', '--profile', 'local', '--join', '127.0.0.21:7946'], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
}

nodes[0].on('join', (n) => console.log(`[ts-1] join   ${n.name} ${n.addr}:${n.port}`));
nodes[0].on('leave', (n) => console.log(`[ts-1] leave  ${n.name} (${n.state})`));

const show = (): void => {
  const view = nodes[0]
    .allMembers()
    .map((m) => `${m.name}=${m.state}`)
    .sort()
    .join(' ');
  console.log(`[ts-1] ${nodes[0].numMembers()} live members: ${view}`);
};
const timer = setInterval(show, 2000);
show();

const stop = async (): Promise<void> => {
  clearInterval(timer);
  go?.stdin?.end();
  for (const n of nodes.slice(1)) await n.leave({ timeout: 1000 }).catch(() => {});
  for (const n of nodes) await n.shutdown();
  console.log('demo finished');
  process.exit(0);
};
process.on('SIGINT', () => void stop());
setTimeout(() => void stop(), seconds * 1000);
