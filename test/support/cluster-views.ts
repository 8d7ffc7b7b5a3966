/**
 * What a mixed cluster looks like from each side, for interop tests: the names each node sees
 * alive, and waiting until every node sees the same set.
 */
import type { GoNode } from './gonode.ts';
import { eventually, type TsNode } from './ts-nodes.ts';

/**
 * gonode arguments for a node on `host` with an ephemeral port and Go's local profile. Delegate
 * broadcasts are retransmitted generously (30 × log10 n) so that tests can expect every node to
 * get them; memberlist's own gossip keeps Go's defaults.
 */
export function goArgs(host: string, extra: string[] = []): string[] {
  return ['--bind', `${host}:0`, '--profile', 'local', '--broadcast-retransmit-mult', '30', ...extra];
}

export async function goAliveNames(go: GoNode): Promise<string[]> {
  return (await go.members())
    .filter((m) => m.state === 'alive')
    .map((m) => m.name)
    .sort();
}

export function tsAliveNames(t: TsNode): string[] {
  return t.ml
    .members()
    .filter((m) => m.state === 'alive')
    .map((m) => m.name)
    .sort();
}

/** Waits until every TS and Go node sees exactly `names` alive. */
export async function allSee(ts: TsNode[], go: GoNode[], names: string[], timeoutMs = 30_000): Promise<void> {
  const want = [...names].sort().join();
  await eventually(
    async () =>
      ts.every((t) => tsAliveNames(t).join() === want) &&
      (await Promise.all(go.map(goAliveNames))).every((v) => v.join() === want),
    timeoutMs,
    `every node to see ${want}`,
  );
}
