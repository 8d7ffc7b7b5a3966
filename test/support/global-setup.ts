/**
 * Vitest global set-up: builds the Go interop programs once per run so that interop tests find
 * them in interop/bin/. Go's build cache makes this fast after the first time.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = fileURLToPath(new URL('../../scripts/build-interop.sh', import.meta.url));
  execFileSync('bash', [script], { stdio: 'inherit' });
}
