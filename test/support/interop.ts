/** Paths of the Go interop programs built by scripts/build-interop.sh. */
import { fileURLToPath } from 'node:url';

export function interopBin(name: string): string {
  return fileURLToPath(new URL(`../../interop/bin/${name}`, import.meta.url));
}
