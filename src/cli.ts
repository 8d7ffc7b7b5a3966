#!/usr/bin/env node
/**
 * The `memberlist-ts` command: dispatches to `agent`, `members`, `join`, `leave`, `force-leave`,
 * `keys`, `keygen`, `event`, `query`, `tags`, `version` and `help`. Bad flags print one line naming the flag and exit 2; a
 * bad key, keyring file or tags file, one line naming the flag, field or file, exit 1. The node runtime is loaded only by `agent`, after
 * its flags and keys are valid. Works from dist/ (`dist/cli.js`) and from source (`node src/cli.ts`).
 */
import { parseAgentFlags } from './agent/agent-flags.ts';
import { startingKeys } from './agent/agent-keyring.ts';
import { parseEventFlags, runEvent } from './agent/event-command.ts';
import { FlagError } from './agent/flags.ts';
import { parseForceLeaveFlags, runForceLeave } from './agent/force-leave-command.ts';
import { parseJoinFlags, runJoin } from './agent/join-command.ts';
import { generateKey, parseKeygenFlags, parseKeysFlags, runKeys } from './agent/keys-command.ts';
import { parseLeaveFlags, runLeave } from './agent/leave-command.ts';
import { parseMembersFlags, runMembers } from './agent/members-command.ts';
import { parseQueryFlags, runQuery } from './agent/query-command.ts';
import { startingTags } from './agent/starting-tags.ts';
import { parseTagsFlags, runTags } from './agent/tags-command.ts';
import { MAIN_USAGE, usageFor, version } from './agent/usage.ts';

const PROGRAM = 'memberlist-ts';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'agent': {
      const opts = parseAgentFlags(rest);
      if (opts === 'help') return help('agent');
      const keys = await startingKeys(opts.encrypt, opts.keyringFile);
      let code: number;
      if (opts.mode === 'memberlist') {
        const { runAgent } = await import('./agent/agent.ts');
        code = await runAgent(opts, keys);
      } else {
        const tags = await startingTags(opts);
        const { runSerfAgent } = await import('./agent/serf-agent.ts');
        code = await runSerfAgent(opts, keys, tags);
      }
      // Sockets or timers of an interrupted join may remain; the agent is done.
      process.exit(code);
    }
    case 'members': {
      const opts = parseMembersFlags(rest);
      if (opts === 'help') return help('members');
      return runMembers(opts);
    }
    case 'join': {
      const opts = parseJoinFlags(rest);
      if (opts === 'help') return help('join');
      return runJoin(opts);
    }
    case 'leave': {
      const opts = parseLeaveFlags(rest);
      if (opts === 'help') return help('leave');
      return runLeave(opts);
    }
    case 'force-leave': {
      const opts = parseForceLeaveFlags(rest);
      if (opts === 'help') return help('force-leave');
      return runForceLeave(opts);
    }
    case 'keys': {
      const opts = parseKeysFlags(rest);
      if (opts === 'help') return help('keys');
      return runKeys(opts);
    }
    case 'event': {
      const opts = parseEventFlags(rest);
      if (opts === 'help') return help('event');
      return runEvent(opts);
    }
    case 'query': {
      const opts = parseQueryFlags(rest);
      if (opts === 'help') return help('query');
      return runQuery(opts);
    }
    case 'tags': {
      const opts = parseTagsFlags(rest);
      if (opts === 'help') return help('tags');
      return runTags(opts);
    }
    case 'keygen': {
      const bytes = parseKeygenFlags(rest);
      if (bytes === 'help') return help('keygen');
      process.stdout.write(generateKey(bytes) + '\n');
      return 0;
    }
    case 'version':
    case '--version':
      process.stdout.write(`${PROGRAM} ${version()}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h': {
      const topic = command === 'help' ? rest[0] : undefined;
      if (topic !== undefined && usageFor(topic) === undefined) {
        throw new FlagError(`help: unknown command ${JSON.stringify(topic)}`);
      }
      return help(topic);
    }
    default:
      throw new FlagError(
        `unknown command ${JSON.stringify(command)} (commands: agent, members, join, leave, force-leave, keys, keygen, event, query, tags, version, help)`,
      );
  }
}

function help(topic: string | undefined): number {
  process.stdout.write(usageFor(topic) ?? MAIN_USAGE);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const bad = err instanceof FlagError;
    const text = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${PROGRAM}: ${text.split('\n')[0]}\n`);
    process.exitCode = bad ? 2 : 1;
  },
);
