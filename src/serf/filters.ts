/**
 * Query filters: `[0] + msgpack []string` (node names) and `[1] + msgpack {Tag, Expr}` (an
 * unanchored regular expression over one tag's value, "" when the tag is missing). All filters
 * must pass. Go uses RE2; here the expression runs on JS RegExp after translating RE2's inline
 * flags and `(?P<name>…)` groups. Because JS RegExp backtracks, expressions that could take
 * exponential time (a quantified group that itself contains a quantifier or an alternation,
 * e.g. `(a+)+`) are refused — the query is then not processed, as Go does for a bad regexp.
 */
import { DecodeError } from '../errors.ts';
import { MsgpackWriter } from '../wire/msgpack-writer.ts';
import { decodeBody, decodeStringArray, encodeStringArray, tagFilterCodec } from './messages.ts';
import type { Tags } from './tags.ts';

export const FilterType = { Node: 0, Tag: 1 } as const;

export type QueryFilter =
  | { readonly type: 'node'; readonly nodes: readonly string[] }
  | { readonly type: 'tag'; readonly tag: string; readonly expr: string };

/** Longest tag expression compiled (longer ones fail the filter). */
const MAX_EXPR_LENGTH = 1024;

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

/**
 * Compiles an RE2 expression as a JS RegExp (unanchored). Returns an error text for invalid
 * expressions and for ones that could backtrack exponentially.
 */
export function compileRe2(expr: string): RegExp | string {
  if (expr.length > MAX_EXPR_LENGTH) return `expression longer than ${MAX_EXPR_LENGTH} characters`;
  let source = expr;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead !== null) {
    if (lead[1].includes('U')) return 'the U (ungreedy) flag is not supported';
    flags = [...new Set(lead[1])].join('');
    source = source.slice(lead[0].length);
  }
  source = source.replaceAll('(?P<', '(?<').replaceAll('\\z', '$').replaceAll('\\A', '^');
  const unsafe = backtrackingRisk(source);
  if (unsafe !== undefined) return unsafe;
  try {
    return new RegExp(source, flags);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Scans a pattern for a quantifier applied to a group that contains a quantifier or an
 * alternation (star height > 1 or ambiguous repetition). Bounded: one pass over the pattern.
 */
function backtrackingRisk(src: string): string | undefined {
  // For every open group: does it contain a quantifier or a `|`?
  const stack: boolean[] = [];
  let lastClosedRisky = false;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
      lastClosedRisky = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    const isQuantifier = c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(src.slice(i)));
    if (isQuantifier) {
      // `(?` right after `(` is group syntax, not a quantifier.
      if (c === '?' && src[i - 1] === '(') continue;
      if (lastClosedRisky) return 'nested repetition is not supported (it could backtrack exponentially)';
      if (stack.length > 0) stack[stack.length - 1] = true;
      lastClosedRisky = false;
      continue;
    }
    lastClosedRisky = false;
    if (c === '[') inClass = true;
    else if (c === '(') stack.push(false);
    else if (c === '|') {
      if (stack.length > 0) stack[stack.length - 1] = true;
    } else if (c === ')') {
      const risky = stack.pop() ?? false;
      lastClosedRisky = risky;
      if (risky && stack.length > 0) stack[stack.length - 1] = true;
    }
  }
  return undefined;
}
