#!/usr/bin/env node
/**
 * The `memberlist-ts` command. The agent arrives with the node runtime; for now it prints usage.
 */
const USAGE = `usage: memberlist-ts <command> [flags]

commands:
  agent      run a gossip node (not yet available in this version)
  version    print the version
`;

function main(argv: string[]): number {
  const cmd = argv[0];
  if (cmd === 'version') {
    process.stdout.write('memberlist-ts 0.1.0\n');
    return 0;
  }
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(`memberlist-ts: unknown command "${cmd}"\n${USAGE}`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
