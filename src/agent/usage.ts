/**
 * The CLI's help texts and its version string (read from the package.json next to src/ or dist/).
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_BIND, DEFAULT_HTTP, DEFAULT_JOIN_TIMEOUT } from './agent-flags.ts';

export const MAIN_USAGE = `usage: memberlist-ts <command> [flags]

commands:
  agent      run a gossip node with a local HTTP API
  members    list the members a running agent knows
  keys       list or change a running agent's encryption keys
  keygen     print a new random encryption key
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
  --http IP:PORT         local HTTP API (default ${DEFAULT_HTTP}): GET /v1/members, /v1/health,
                         /v1/stats, /v1/keyring; POST /v1/keyring/install|use|remove {"key":"BASE64"}
  --log-level L          debug | info | warn | error; JSON lines on stderr (default info)

security:
  --encrypt KEY          AES-GCM key, base64 of 16, 24 or 32 bytes (see keygen); the primary key
  --keyring-file PATH    JSON array of base64 keys, primary first: loaded at start (created if
                         missing), rewritten on every keyring change; with --encrypt, that key
                         is added to the file's keys and made primary
  --label TEXT           cluster label, at most 255 bytes; only nodes with the same label talk
  --verify-incoming[=B]  with keys: refuse plaintext input (default true; --verify-incoming=false)
  --verify-outgoing[=B]  with keys: encrypt what is sent (default true; --verify-outgoing=false)
`;

export const MEMBERS_USAGE = `usage: memberlist-ts members [flags]

Prints the members a running agent knows, dead and left ones included until it forgets them.

flags:
  --http IP:PORT         the agent's HTTP API (default ${DEFAULT_HTTP})
  --format F             table | json (json is the document GET /v1/members returns; default table)
`;

export const KEYS_USAGE = `usage: memberlist-ts keys (--install KEY | --use KEY | --remove KEY | --list) [flags]

Lists or changes a running agent's keyring; changes apply at once and are saved to its
--keyring-file. Rotate a cluster's key with --install on every agent, then --use on every
agent, then --remove of the old key on every agent. The primary key cannot be removed.

flags:
  --install KEY          add a key (base64 of 16, 24 or 32 bytes); it decrypts at once
  --use KEY              make an installed key the primary one, which encrypts
  --remove KEY           remove an installed key other than the primary
  --list                 print the keys, primary first
  --http IP:PORT         the agent's HTTP API (default ${DEFAULT_HTTP})
  --format F             table | json (json is the document GET /v1/keyring returns; default table)
`;

export const KEYGEN_USAGE = `usage: memberlist-ts keygen [--bytes N]

Prints a new random key in base64, for --encrypt and keys --install.

flags:
  --bytes N              16, 24 or 32 (AES-128, AES-192 or AES-256; default 32)
`;

export function usageFor(command: string | undefined): string | undefined {
  if (command === undefined) return MAIN_USAGE;
  const texts: Record<string, string> = {
    agent: AGENT_USAGE,
    members: MEMBERS_USAGE,
    keys: KEYS_USAGE,
    keygen: KEYGEN_USAGE,
  };
  return Object.hasOwn(texts, command) ? texts[command] : undefined;
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
