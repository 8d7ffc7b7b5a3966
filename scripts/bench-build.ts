/**
 * Building what the benchmark runs: the Go interop programs (scripts/build-interop.sh) and the
 * TypeScript node (scripts/bench-node.ts and the library) compiled to JavaScript, so node
 * processes run as a deployment would — without type stripping, which costs ~17 MB RSS and
 * start-up time per process. The JavaScript goes to node_modules/.cache/memberlist-bench, where
 * the dependencies still resolve.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Builds both; returns the compiled TypeScript node's path. */
export function benchBuild(): { tsNode: string } {
  buildInterop();
  return { tsNode: buildBenchNode() };
}

export function buildInterop(): void {
  execFileSync('bash', ['scripts/build-interop.sh'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Compiles scripts/bench-node.ts and what it imports; returns the path of its .js file. */
export function buildBenchNode(): string {
  const outDir = `${root}node_modules/.cache/memberlist-bench`;
  const tsc = `${root}node_modules/typescript/bin/tsc`;
  execFileSync(
    process.execPath,
    [
      tsc,
      '--outDir',
      outDir,
      '--rootDir',
      root,
      '--target',
      'ES2023',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--rewriteRelativeImportExtensions',
      '--allowImportingTsExtensions',
      '--verbatimModuleSyntax',
      '--skipLibCheck',
      '--types',
      'node',
      '--noCheck',
      `${root}scripts/bench-node.ts`,
    ],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return `${outDir}/scripts/bench-node.js`;
}
