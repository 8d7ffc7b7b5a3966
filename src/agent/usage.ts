/**
 * The CLI's help texts and its version string (read from the package.json next to src/ or dist/).
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_BIND, DEFAULT_HTTP, DEFAULT_JOIN_TIMEOUT } from './agent-flags.ts';

export const MAIN_USAGE = `usage: memberlist-ts <command> [flags]

commands:
  agent      run a gossip node with a local HTTP API
  members    list the members a running agent knows
  version    print the version
  help       print this help, or a command's: memberlist-ts help <command>
`;

export const AGENT_USAGE = `usage: memberlist-ts agent [flags]

Runs a memberlist node until SIGINT or SIGTERM, then leaves the cluster gracefully and exits 0.

flags:
  --node NAME            node name, unique in the cluster (default: the hostname)
  --bind IP:PORT         UDP and TCP address to listen on (default ${DEFAULT_BIND})
  --advertise IP:PORT    address other nodes use to reach this one (default: the bind address)
  --join IP:PORT         a node of the cluster to join; repeatable (DNS names and name/IP:PORT work too)
  --join-timeout DUR     keep retrying the join this long, then exit 1 (default ${DEFAULT_JOIN_TIMEOUT}; e.g. 500ms, 10s, 2m)
  --profile P            lan | wan | local: Go memberlist's default configs (default lan)
  --meta TEXT            node metadata, at most 512 bytes
  --http IP:PORT         local HTTP API: GET /v1/members, GET /v1/health (default ${DEFAULT_HTTP})
  --log-level L          debug | info | warn | error; JSON lines on stderr (default info)
`;

export const MEMBERS_USAGE = `usage: memberlist-ts members [flags]

Prints the members a running agent knows, dead and left ones included until it forgets them.

flags:
  --http IP:PORT         the agent's HTTP API (default ${DEFAULT_HTTP})
  --format F             table | json (json is the document GET /v1/members returns; default table)
`;

export function usageFor(command: string | undefined): string | undefined {
  if (command === undefined) return MAIN_USAGE;
  return { agent: AGENT_USAGE, members: MEMBERS_USAGE }[command];
}

export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    if (typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through
  }
  return 'unknown';
}
