/**
 * Loading the golden vectors that interop/cmd/govectors produced with real Go memberlist, and
 * converting their Go-named JSON fields into our TypeScript message objects.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StructCodec } from '../../src/wire/schema.ts';
import { NO_SECURITY, type WireSecurity } from '../../src/wire/wire-security.ts';
import { hex } from './hex.ts';

export function loadVectors<T = any>(file: string): T {
  const path = fileURLToPath(new URL(`../golden/${file}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export type GoFields = Record<string, unknown>;

/** Go-named JSON fields (bytes as hex or null) → the TypeScript object of `codec`. */
export function fromGoFields<T extends object>(codec: StructCodec<T>, fields: GoFields): T {
  const out: Record<string, unknown> = {};
  for (const f of codec.fields) {
    const v = fields[f.go];
    switch (f.kind) {
      case 'bytes':
        out[f.key] = v === null || v === undefined ? null : hex(v as string);
        break;
      case 'string':
        out[f.key] = (v as string | undefined) ?? '';
        break;
      case 'bool':
        out[f.key] = (v as boolean | undefined) ?? false;
        break;
      default:
        out[f.key] = (v as number | undefined) ?? 0;
    }
  }
  return out as T;
}

/** The security settings a traffic record was made with. */
export function securityOf(config: { label: string; keys?: string[] | null; protocolVersion: number }): WireSecurity {
  return {
    ...NO_SECURITY,
    label: new TextEncoder().encode(config.label),
    keys: (config.keys ?? []).map(hex),
    encryptionVersion: config.protocolVersion === 1 ? 0 : 1,
  };
}
