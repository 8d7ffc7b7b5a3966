/**
 * Query filters: `[0] + msgpack []string` (node names) and `[1] + msgpack {Tag, Expr}` (an
 * unanchored regular expression over one tag's value, "" when the tag is missing). All filters
 * must pass. Go runs the expression with regexp.MatchString (RE2); here it runs on the RE2
 * matcher of regexp-match.ts (same syntax and answers, linear time). An expression Go would not
 * compile fails the filter — the query is then not processed, as in Go.
 */
import { DecodeError } from '../errors.ts';
import { MsgpackWriter } from '../wire/msgpack-writer.ts';
import { decodeBody, decodeStringArray, encodeStringArray, tagFilterCodec } from './messages.ts';
import { type Re2Matcher, compileRe2Matcher } from './regexp-match.ts';
import { RegexpSyntaxError } from './regexp-parse.ts';
import type { Tags } from './tags.ts';

export const FilterType = { Node: 0, Tag: 1 } as const;

export type QueryFilter =
  | { readonly type: 'node'; readonly nodes: readonly string[] }
  | { readonly type: 'tag'; readonly tag: string; readonly expr: string };

export function encodeFilter(f: QueryFilter): Uint8Array {
  if (f.type === 'node') {
    const body = encodeStringArray(f.nodes);
    const out = new Uint8Array(body.length + 1);
    out[0] = FilterType.Node;
    out.set(body, 1);
    return out;
  }
  const w = new MsgpackWriter(32);
  w.byte(FilterType.Tag);
  tagFilterCodec.encode(w, { tag: f.tag, expr: f.expr });
  return w.bytes().slice();
}

/**
 * Go's encodeFilters: the node filter first (when any names are given), then one tag filter per
 * entry. Returns null (Go's nil slice) when there are none.
 */
export function encodeFilters(nodes: readonly string[] | undefined, tags: Tags | undefined): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  if (nodes !== undefined && nodes.length > 0) out.push(encodeFilter({ type: 'node', nodes }));
  for (const [tag, expr] of Object.entries(tags ?? {})) out.push(encodeFilter({ type: 'tag', tag, expr }));
  return out.length === 0 ? null : out;
}

/** Decodes one filter; an unknown type comes back as `unknown` (which never passes). */
export function decodeFilter(buf: Uint8Array | null): QueryFilter | { type: 'unknown'; code: number } {
  if (buf === null || buf.length === 0) return { type: 'unknown', code: -1 };
  switch (buf[0]) {
    case FilterType.Node:
      return { type: 'node', nodes: decodeStringArray(buf, 1) };
    case FilterType.Tag: {
      const t = decodeBody(tagFilterCodec, buf);
      return { type: 'tag', tag: t.tag, expr: t.expr };
    }
    default:
      return { type: 'unknown', code: buf[0] };
  }
}

/** Why a set of filters failed, for logs (undefined: every filter passed). */
export type FilterVerdict =
  undefined | { reason: 'node' | 'tag' | 'unknown-type' | 'bad-regexp' | 'malformed'; detail: string };

/** Go's shouldProcessQuery: every filter must pass for this node. */
export function checkFilters(
  filters: readonly (Uint8Array | null)[] | null,
  self: { name: string; tags: Tags },
): FilterVerdict {
  for (const raw of filters ?? []) {
    let f: ReturnType<typeof decodeFilter>;
    try {
      f = decodeFilter(raw);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return { reason: 'malformed', detail: err.message };
    }
    switch (f.type) {
      case 'node':
        if (!f.nodes.includes(self.name)) return { reason: 'node', detail: 'not in the node list' };
        break;
      case 'tag': {
        const re = compileRe2(f.expr);
        if (typeof re === 'string') return { reason: 'bad-regexp', detail: re };
        const value = Object.hasOwn(self.tags, f.tag) ? self.tags[f.tag] : '';
        if (!re.test(value)) return { reason: 'tag', detail: `tag ${f.tag} does not match` };
        break;
      }
      default:
        return { reason: 'unknown-type', detail: `unrecognized filter type ${f.code}` };
    }
  }
  return undefined;
}

/** Compiles an RE2 expression (unanchored); returns Go's error text when Go would refuse it. */
export function compileRe2(expr: string): Re2Matcher | string {
  try {
    return compileRe2Matcher(expr);
  } catch (err) {
    if (err instanceof RegexpSyntaxError) return err.message;
    throw err;
  }
}
