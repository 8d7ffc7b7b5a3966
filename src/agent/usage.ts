/**
 * The CLI's help texts and its version string (read from the package.json next to src/ or dist/).
 */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_BIND,
  DEFAULT_CONSUL_BIND,
  DEFAULT_HANDLER_TIMEOUT,
  DEFAULT_HTTP,
  DEFAULT_JOIN_TIMEOUT,
} from './agent-flags.ts';

export const MAIN_USAGE = `usage: memberlist-ts <command> [flags]

commands:
  agent        run a gossip node (Serf by default) with a local HTTP API
  members      list the members a running agent knows
  join         tell a running agent to join a cluster
  leave        tell a running agent to leave the cluster gracefully and stop
  force-leave  force a failed member to leave (serf mode)
  keys         list or change the encryption keys (cluster-wide in serf mode)
  keygen       print a new random encryption key
  event        broadcast a user event (serf mode)
  query        send a query and print acks and responses (serf mode)
  tags         set or delete a running agent's tags (serf mode)
  version      print the version
  help         print this help, or a command's: memberlist-ts help <command>
`;

export const AGENT_USAGE = `usage: memberlist-ts agent [flags]

Runs a Serf node (or with --mode memberlist a bare memberlist node) until SIGINT, SIGTERM or
memberlist-ts leave, then leaves the cluster gracefully and exits 0.

flags:
  --mode M               serf | memberlist (default serf: tags, events, queries, handlers,
                         cluster-wide keys; speaks with serf agents and Consul LAN pools)
  --node NAME            node name, unique in the cluster (default: the hostname)
  --bind IP:PORT         UDP and TCP address to listen on (default ${DEFAULT_BIND}; ${DEFAULT_CONSUL_BIND} with --consul-dc)
  --advertise IP:PORT    address other nodes use to reach this one (default: the bind address)
  --join IP:PORT         a node of the cluster to join; repeatable (DNS names and name/IP:PORT work too)
  --join-timeout DUR     keep retrying the join this long, then exit 1 (default ${DEFAULT_JOIN_TIMEOUT}; e.g. 500ms, 10s, 2m)
  --profile P            lan | wan | local: Go memberlist's default configs (default lan)
  --retransmit-mult N    gossip each broadcast N x ceil(log10(nodes+1)) times (default: the profile's)
  --meta TEXT            memberlist mode: node metadata, at most 512 bytes
  --http IP:PORT         local HTTP API (default ${DEFAULT_HTTP}): GET /v1/members, /v1/health,
                         /v1/stats, /v1/keyring; POST /v1/keyring/install|use|remove {"key":"BASE64"},
                         /v1/join, /v1/leave; serf mode also POST /v1/event, /v1/query, /v1/tags,
                         /v1/force-leave
  --log-level L          debug | info | warn | error; JSON lines on stderr (default info)

serf mode:
  --tag KEY=VALUE        a tag of this node; repeatable
  --tags-file PATH       JSON object of tags: read at start, rewritten on every tag change
                         (not with --tag)
  --event-handler [FILTER=]CMD
                         run CMD with /bin/sh -c for events; repeatable. FILTER: member-join,
                         member-leave, member-failed, member-update, member-reap, user, user:NAME,
                         query, query:NAME or *, comma-separated (default *). Environment
                         SERF_EVENT, SERF_SELF_NAME, SERF_SELF_ROLE, SERF_TAG_<NAME>,
                         SERF_USER_EVENT/SERF_USER_LTIME, SERF_QUERY_NAME/SERF_QUERY_LTIME; stdin:
                         member lines or the payload; a query's answer is CMD's stdout
  --event-handler-timeout DUR
                         kill a handler running longer (default ${DEFAULT_HANDLER_TIMEOUT})
  --snapshot PATH        Serf's snapshot file: members and clocks, kept as they change; on start
                         the node rejoins the members it lists, unless the last run left
                         gracefully
  --rejoin[=B]           with --snapshot: rejoin even after a graceful leave (default false)
  --replay[=B]           deliver user events older than the --join (default false: ignored)
  --consul-dc DC         join a Consul datacenter's LAN pool as a Consul client look-alike
                         (tags role=node, dc, id, vsn…, Consul's LAN settings); --tag may not
                         set role, dc, id, segment, build or vsn*

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

export const JOIN_USAGE = `usage: memberlist-ts join ADDRESS... [flags]

Tells a running agent to join a cluster through any of the addresses (like serf join); prints
how many nodes it contacted, exit 1 when none answered.

flags:
  --replay[=B]           serf mode: deliver user events older than the join (default false)
  --http IP:PORT         the agent's HTTP API (default ${DEFAULT_HTTP})
`;

export const LEAVE_USAGE = `usage: memberlist-ts leave [flags]

Tells a running agent to leave the cluster gracefully (peers list it left) and stop (like serf
leave); returns when the leave is done. With --snapshot, its next start does not rejoin unless
it has --rejoin.

flags:
  --http IP:PORT         the agent's HTTP API (default ${DEFAULT_HTTP})
`;

export const FORCE_LEAVE_USAGE = `usage: memberlist-ts force-leave NODE [flags]

Forces a member to the "left" state through a running agent in serf mode (like serf
force-leave), cluster-wide: useful for failed nodes that will not come back, which Serf would
otherwise try to reconnect to until it reaps them. A member still alive soon refutes it.

flags:
  --prune[=B]            also erase the member from every member list (default false)
  --http IP:PORT         the agent's HTTP API (default ${DEFAULT_HTTP})
`;

export const KEYS_USAGE = `usage: memberlist-ts keys (--install KEY | --use KEY | --remove KEY | --list) [flags]

Serf mode: lists or changes the keyring of every member of the cluster (like serf keys),
printing how many nodes answered; exit 1 unless all of them succeeded. Rotate with --install,
then --use, then --remove of the old key.

Memberlist mode: lists or changes the agent's own keyring; changes apply at once and are saved
to its --keyring-file. Rotate a cluster's key with --install on every agent, then --use on
every agent, then --remove of the old key on every agent. The primary key cannot be removed.

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

export const EVENT_USAGE = `usage: memberlist-ts event NAME [PAYLOAD] [flags]

Broadcasts a user event through a running agent in serf mode (like serf event).

flags:
  --coalesce[=B]         let receivers coalesce events of this name (default true)
  --http IP:PORT         the agent's HTTP API (default ${DEFAULT_HTTP})
`;

export const QUERY_USAGE = `usage: memberlist-ts query NAME [PAYLOAD] [flags]

Sends a query through a running agent in serf mode (like serf query) and prints acks and
responses as they arrive, until the timeout.

flags:
  --node NAME            only this node answers; repeatable
  --tag KEY=REGEX        only nodes whose tag matches (RE2, unanchored); repeatable
  --timeout DUR          how long to wait (default: Serf's query timeout for the cluster size)
  --no-ack               do not ask nodes to acknowledge
  --relay-factor N       extra copies of each response relayed through other members (0-255)
  --format F             text | json ({"Acks":[...],"Responses":{...}}; default text)
  --http IP:PORT         the agent's HTTP API (default ${DEFAULT_HTTP})
`;

export const TAGS_USAGE = `usage: memberlist-ts tags [--set KEY=VALUE]... [--delete KEY]... [flags]

Changes a running agent's tags (serf mode; like serf tags) and gossips them; saved to its
--tags-file when it has one.

flags:
  --set KEY=VALUE        set a tag; repeatable
  --delete KEY           delete a tag; repeatable
  --http IP:PORT         the agent's HTTP API (default ${DEFAULT_HTTP})
`;

export function usageFor(command: string | undefined): string | undefined {
  if (command === undefined) return MAIN_USAGE;
  const texts: Record<string, string> = {
    agent: AGENT_USAGE,
    members: MEMBERS_USAGE,
    join: JOIN_USAGE,
    leave: LEAVE_USAGE,
    'force-leave': FORCE_LEAVE_USAGE,
    keys: KEYS_USAGE,
    keygen: KEYGEN_USAGE,
    event: EVENT_USAGE,
    query: QUERY_USAGE,
    tags: TAGS_USAGE,
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
