/**
 * Checking the JSON bodies of the HTTP API's POST requests: an object with known fields of the
 * right types. Every problem is an HttpError 400 whose message names the field.
 */
import { HttpError } from './http-api.ts';
import { parseKey } from './key-text.ts';

/** The body as an object holding only `allowed` fields (`shape` is shown in the error). */
export function objectBody(body: unknown, allowed: readonly string[], shape: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, `body: expected a JSON object ${shape}`);
  }
  const extra = Object.keys(body).find((k) => !allowed.includes(k));
  if (extra !== undefined) throw new HttpError(400, `body: unknown field ${JSON.stringify(extra)}`);
  return body as Record<string, unknown>;
}

export function stringField(o: Record<string, unknown>, name: string, required: true): string;
export function stringField(o: Record<string, unknown>, name: string, required?: false): string | undefined;
export function stringField(o: Record<string, unknown>, name: string, required = false): string | undefined {
  const v = o[name];
  if (v === undefined) {
    if (required) throw new HttpError(400, `${name}: missing`);
    return undefined;
  }
  if (typeof v !== 'string') throw new HttpError(400, `${name}: must be a string`);
  return v;
}

export function booleanField(o: Record<string, unknown>, name: string): boolean | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new HttpError(400, `${name}: must be true or false`);
  return v;
}

/** An integer field in [min, max]. */
export function integerField(o: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new HttpError(400, `${name}: must be an integer from ${min} to ${max}`);
  }
  return v;
}

export function stringListField(o: Record<string, unknown>, name: string): string[] | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new HttpError(400, `${name}: must be a list of strings`);
  }
  return v as string[];
}

export function stringMapField(o: Record<string, unknown>, name: string): Record<string, string> | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (
    typeof v !== 'object' ||
    v === null ||
    Array.isArray(v) ||
    !Object.values(v).every((x) => typeof x === 'string')
  ) {
    throw new HttpError(400, `${name}: must be an object of strings`);
  }
  return { ...(v as Record<string, string>) };
}

/** The key of a keyring change body `{"key": "BASE64"}`; anything else is a 400 naming the problem. */
export function keyOf(body: unknown): Uint8Array {
  const o = objectBody(body, ['key'], '{"key": "BASE64"}');
  if (o.key === undefined) throw new HttpError(400, 'key: missing');
  if (typeof o.key !== 'string') throw new HttpError(400, 'key: must be a base64 string');
  return parseKey('key', o.key);
}
