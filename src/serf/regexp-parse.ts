/**
 * Parser for Serf tag-filter expressions: RE2 syntax with the Perl extensions Go's
 * regexp.Compile enables (Perl/POSIX/Unicode classes, `(?flags)` and `(?flags:…)`, non-greedy
 * repeats, `\A \z \b \B \Q…\E`, named groups, octal and `\x{…}` escapes, `{n,m}` up to 1000 and
 * nested repeat counts whose product stays ≤ 1000). Whatever Go rejects — backreferences,
 * lookaround, `a**`, unknown escapes, … — is a RegexpSyntaxError carrying Go's error text.
 * Runs in time linear in the pattern; the tree's height is bounded (as Go's is).
 */
import { type CharClass, type ClassItem, PERL_GROUPS, POSIX_GROUPS, unicodeClass } from './regexp-classes.ts';

/** Go's regexp/syntax ErrorCode texts. */
export type RegexpErrorCode =
  | 'invalid character class range'
  | 'invalid escape sequence'
  | 'invalid named capture'
  | 'invalid or unsupported Perl syntax'
  | 'invalid nested repetition operator'
  | 'invalid repeat count'
  | 'missing closing ]'
  | 'missing closing )'
  | 'missing argument to repetition operator'
  | 'trailing backslash at end of expression'
  | 'unexpected )'
  | 'expression nests too deeply'
  | 'expression too large';

/** A pattern Go's regexp.Compile would refuse (or one over this matcher's size limits). */
export class RegexpSyntaxError extends Error {
  override readonly name = 'RegexpSyntaxError';
  readonly code: RegexpErrorCode;
  /** The offending part of the pattern, as Go reports it. */
  readonly expr: string;

  constructor(code: RegexpErrorCode, expr: string) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
    this.code = code;
    this.expr = expr;
  }
}

export type Assertion = 'begin-text' | 'end-text' | 'begin-line' | 'end-line' | 'word-boundary' | 'not-word-boundary';

/** Parse tree. `height` is the tree height; `prod` the largest product of repeat counts on a path. */
export type RegexpNode = { readonly height: number; readonly prod: number } & (
  | { readonly op: 'empty' }
  | { readonly op: 'char'; readonly cls: CharClass }
  | { readonly op: 'assert'; readonly kind: Assertion }
  | { readonly op: 'concat' | 'alt'; readonly subs: readonly RegexpNode[] }
  | { readonly op: 'capture'; readonly sub: RegexpNode }
  | {
      readonly op: 'repeat';
      readonly sub: RegexpNode;
      readonly min: number;
      /** -1: unbounded. */
      readonly max: number;
    }
);

/** Longest pattern parsed, in UTF-16 units (a Serf query is far smaller). */
export const MAX_PATTERN_LENGTH = 16_384;
/** Go's maxHeight. */
const MAX_HEIGHT = 1000;
/** Go's limit for `{n,m}` and for nested repeat counts multiplied. */
const MAX_REPEAT = 1000;

interface Flags {
  readonly fold: boolean; // i
  readonly multiLine: boolean; // m (^ and $ match at line breaks)
  readonly dotNL: boolean; // s
  readonly ungreedy: boolean; // U (no effect on a yes/no match)
}

type StackEntry =
  | { readonly kind: 'node'; readonly node: RegexpNode }
  | { readonly kind: 'paren'; readonly flags: Flags; readonly capture: boolean }
  | { readonly kind: 'bar'; readonly alts: RegexpNode[] };

const EMPTY: RegexpNode = { op: 'empty', height: 1, prod: 1 };

function leaf(node: { op: 'char'; cls: CharClass } | { op: 'assert'; kind: Assertion }): RegexpNode {
  return { ...node, height: 1, prod: 1 };
}

function withSubs(op: 'concat' | 'alt', subs: RegexpNode[]): RegexpNode {
  if (subs.length === 0) return EMPTY;
  if (subs.length === 1) return subs[0];
  let height = 0;
  let prod = 0;
  for (const s of subs) {
    height = Math.max(height, s.height);
    prod = Math.max(prod, s.prod);
  }
  return { op, subs, height: height + 1, prod };
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
function unhex(c: number): number {
  if (isDigit(c)) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

class Parser {
  private readonly src: string;
  private pos = 0;
  private flags: Flags = { fold: false, multiLine: false, dotNL: false, ungreedy: false };
  private readonly stack: StackEntry[] = [];

  constructor(src: string) {
    this.src = src;
  }

  // ---- input ----------------------------------------------------------------------------------

  /** The code point at `at` (UTF-16 index), -1 at the end. */
  private peek(at = this.pos): number {
    return at < this.src.length ? (this.src.codePointAt(at) ?? -1) : -1;
  }

  private next(): number {
    const c = this.peek();
    if (c >= 0) this.pos += c > 0xffff ? 2 : 1;
    return c;
  }

  private startsWith(s: string, at = this.pos): boolean {
    return this.src.startsWith(s, at);
  }

  private fail(code: RegexpErrorCode, from: number, to = this.pos): never {
    throw new RegexpSyntaxError(code, this.src.slice(from, to));
  }

  // ---- stack ----------------------------------------------------------------------------------

  private push(node: RegexpNode): void {
    if (node.height > MAX_HEIGHT) throw new RegexpSyntaxError('expression nests too deeply', this.src);
    this.stack.push({ kind: 'node', node });
  }

  private pushClass(items: ClassItem[], negated = false): void {
    this.push(leaf({ op: 'char', cls: { items, negated, fold: this.flags.fold } }));
  }

  private literal(c: number): void {
    this.pushClass([{ kind: 'range', lo: c, hi: c }]);
  }

  /** Replaces the nodes above the topmost marker with their concatenation, and returns it. */
  private concat(): RegexpNode {
    let i = this.stack.length;
    while (i > 0 && this.stack[i - 1].kind === 'node') i--;
    const subs = this.stack.splice(i).map((e) => (e as { node: RegexpNode }).node);
    return withSubs('concat', subs);
  }

  /** Closes the current alternation level (up to a paren or the bottom) into one node. */
  private alternate(): RegexpNode {
    const last = this.concat();
    const top = this.stack.at(-1);
    if (top?.kind !== 'bar') return last;
    this.stack.pop();
    top.alts.push(last);
    return withSubs('alt', top.alts);
  }

  private verticalBar(): void {
    const c = this.concat();
    const top = this.stack.at(-1);
    if (top?.kind === 'bar') top.alts.push(c);
    else this.stack.push({ kind: 'bar', alts: [c] });
  }

  private rightParen(): void {
    const node = this.alternate();
    const paren = this.stack.pop();
    if (paren?.kind !== 'paren') throw new RegexpSyntaxError('unexpected )', this.src);
    this.flags = paren.flags;
    this.push(paren.capture ? { op: 'capture', sub: node, height: node.height + 1, prod: node.prod } : node);
  }

  /**
   * Applies a repetition to the top of the stack. `counted` is Go's OpRepeat (`{n,m}`), the
   * only kind whose counts are checked against the 1000 limit.
   */
  private repeat(min: number, max: number, counted: boolean, start: number, lastRepeat: number): void {
    if (this.peek() === 0x3f) this.pos++; // non-greedy `?`: same yes/no answer
    if (lastRepeat >= 0) this.fail('invalid nested repetition operator', lastRepeat);
    const top = this.stack.at(-1);
    if (top?.kind !== 'node') this.fail('missing argument to repetition operator', start);
    const sub = top.node;
    let m = max === -1 ? min : max;
    let prod: number;
    if (!counted || max !== 0) {
      if (!counted || m === 0) m = 1;
      prod = Math.min(m * sub.prod, 1e9);
    } else {
      prod = 0; // x{0}: Go stops checking below it
    }
    if (counted && (min >= 2 || max >= 2) && prod > MAX_REPEAT) this.fail('invalid repeat count', start);
    this.stack.pop();
    this.push({ op: 'repeat', sub, min, max, height: sub.height + 1, prod });
  }

  // ---- top level ------------------------------------------------------------------------------

  parse(): RegexpNode {
    // Start of the previous token when it was a repetition, else -1 (Go's lastRepeat).
    let lastRepeat = -1;
    while (this.pos < this.src.length) {
      const start = this.pos;
      let repeated = false;
      const c = this.peek();
      switch (c) {
        case 0x28: // (
          if (this.peek(this.pos + 1) === 0x3f) this.perlFlags();
          else {
            this.pos++;
            this.stack.push({ kind: 'paren', flags: this.flags, capture: true });
          }
          break;
        case 0x7c: // |
          this.pos++;
          this.verticalBar();
          break;
        case 0x29: // )
          this.pos++;
          this.rightParen();
          break;
        case 0x5e: // ^
          this.pos++;
          this.push(leaf({ op: 'assert', kind: this.flags.multiLine ? 'begin-line' : 'begin-text' }));
          break;
        case 0x24: // $
          this.pos++;
          this.push(leaf({ op: 'assert', kind: this.flags.multiLine ? 'end-line' : 'end-text' }));
          break;
        case 0x2e: // .
          this.pos++;
          this.pushClass(this.flags.dotNL ? [] : [{ kind: 'range', lo: 0x0a, hi: 0x0a }], true);
          break;
        case 0x5b: // [
          this.charClass();
          break;
        case 0x2a: // *
        case 0x2b: // +
        case 0x3f: // ?
          this.pos++;
          this.repeat(c === 0x2b ? 1 : 0, c === 0x3f ? 1 : -1, false, start, lastRepeat);
          repeated = true;
          break;
        case 0x7b: {
          // {
          const r = this.repeatCounts();
          if (r === undefined) {
            this.pos++;
            this.literal(c);
            break;
          }
          this.pos = r.end;
          if (r.min < 0 || r.min > MAX_REPEAT || r.max > MAX_REPEAT || (r.max >= 0 && r.min > r.max))
            this.fail('invalid repeat count', start);
          this.repeat(r.min, r.max, true, start, lastRepeat);
          repeated = true;
          break;
        }
        case 0x5c: // \
          this.escapeAtom();
          break;
        default:
          this.next();
          this.literal(c);
      }
      lastRepeat = repeated ? start : -1;
    }
    const node = this.alternate();
    if (this.stack.length !== 0) throw new RegexpSyntaxError('missing closing )', this.src);
    return node;
  }

  /** `(?…`: named group, non-capturing group or flag change. */
  private perlFlags(): void {
    const start = this.pos;
    const rest = this.src.length - start;
    const named = rest > 4 && this.startsWith('(?P<') ? 4 : rest > 3 && this.startsWith('(?<') ? 3 : 0;
    if (named > 0) {
      const end = this.src.indexOf('>', start);
      if (end < 0) this.fail('invalid named capture', start, this.src.length);
      const name = this.src.slice(start + named, end);
      if (name === '' || ![...name].every((ch) => ch === '_' || isAlnum(ch.codePointAt(0) ?? -1)))
        this.fail('invalid named capture', start, end + 1);
      this.pos = end + 1;
      this.stack.push({ kind: 'paren', flags: this.flags, capture: true });
      return;
    }
    this.pos += 2;
    let f = { ...this.flags };
    let negate = false;
    let sawFlag = false;
    for (;;) {
      const c = this.next();
      if (c < 0) break;
      const on = !negate;
      if (c === 0x69) f = { ...f, fold: on };
      else if (c === 0x6d) f = { ...f, multiLine: on };
      else if (c === 0x73) f = { ...f, dotNL: on };
      else if (c === 0x55) f = { ...f, ungreedy: on };
      else if (c === 0x2d) {
        if (negate) break;
        negate = true;
        sawFlag = false;
        continue;
      } else if (c === 0x3a || c === 0x29) {
        if (negate && !sawFlag) break;
        if (c === 0x3a) this.stack.push({ kind: 'paren', flags: this.flags, capture: false });
        this.flags = f;
        return;
      } else break;
      sawFlag = true;
    }
    this.fail('invalid or unsupported Perl syntax', start);
  }

  /** `{min}`, `{min,}` or `{min,max}` at pos (max -1: unbounded; -1 values: too large). */
  private repeatCounts(): { min: number; max: number; end: number } | undefined {
    let i = this.pos + 1;
    const int = (): number | undefined => {
      const from = i;
      while (i < this.src.length && isDigit(this.src.charCodeAt(i))) i++;
      if (i === from) return undefined;
      if (i - from >= 2 && this.src.charCodeAt(from) === 0x30) return undefined; // leading zero
      return i - from > 8 ? -1 : Number(this.src.slice(from, i));
    };
    let min = int();
    if (min === undefined) return undefined;
    let max = min;
    if (this.src.charCodeAt(i) === 0x2c) {
      i++;
      if (this.src.charCodeAt(i) === 0x7d) max = -1;
      else {
        const m = int();
        if (m === undefined) return undefined;
        max = m;
        if (m < 0) min = -1;
      }
    }
    if (this.src.charCodeAt(i) !== 0x7d) return undefined;
    return { min, max, end: i + 1 };
  }

  // ---- escapes --------------------------------------------------------------------------------

  /** A backslash outside a class. */
  private escapeAtom(): void {
    const start = this.pos;
    const e = this.peek(this.pos + 1);
    const assertion: Partial<Record<number, Assertion>> = {
      0x41: 'begin-text', // A
      0x62: 'word-boundary', // b
      0x42: 'not-word-boundary', // B
      0x7a: 'end-text', // z
    };
    const kind = assertion[e];
    if (kind !== undefined) {
      this.pos += 2;
      this.push(leaf({ op: 'assert', kind }));
      return;
    }
    if (e === 0x43) this.fail('invalid escape sequence', start, start + 2); // \C
    if (e === 0x51) {
      // \Q … \E
      const end = this.src.indexOf('\\E', start + 2);
      const stop = end < 0 ? this.src.length : end;
      this.pos = start + 2;
      while (this.pos < stop) this.literal(this.next());
      this.pos = end < 0 ? stop : end + 2;
      return;
    }
    const items: ClassItem[] = [];
    if (this.unicodeClassItem(items) || this.perlClassItem(items)) {
      this.pushClass(items);
      return;
    }
    this.literal(this.escape());
  }

  /** An escape that stands for one code point (pos at the backslash). */
  private escape(): number {
    const start = this.pos;
    this.pos++;
    const c = this.next();
    if (c < 0) throw new RegexpSyntaxError('trailing backslash at end of expression', '');
    switch (c) {
      case 0x30:
      case 0x31:
      case 0x32:
      case 0x33:
      case 0x34:
      case 0x35:
      case 0x36:
      case 0x37: {
        // Octal, up to three digits; a single non-zero digit would be a backreference.
        const octal = (d: number): boolean => d >= 0x30 && d <= 0x37;
        if (c !== 0x30 && !octal(this.peek())) break;
        let r = c - 0x30;
        for (let i = 1; i < 3 && octal(this.peek()); i++) r = r * 8 + this.next() - 0x30;
        return r;
      }
      case 0x78: {
        // x
        if (this.peek() < 0) break;
        const d = this.next();
        if (d === 0x7b) {
          let r = 0;
          let digits = 0;
          for (;;) {
            const h = this.next();
            if (h < 0) this.fail('invalid escape sequence', start);
            if (h === 0x7d) break;
            const v = unhex(h);
            if (v < 0) this.fail('invalid escape sequence', start);
            r = r * 16 + v;
            if (r > 0x10ffff) this.fail('invalid escape sequence', start);
            digits++;
          }
          if (digits === 0) this.fail('invalid escape sequence', start);
          return r;
        }
        const x = unhex(d);
        const y = unhex(this.next());
        if (x < 0 || y < 0) break;
        return x * 16 + y;
      }
      case 0x61:
        return 0x07;
      case 0x66:
        return 0x0c;
      case 0x6e:
        return 0x0a;
      case 0x72:
        return 0x0d;
      case 0x74:
        return 0x09;
      case 0x76:
        return 0x0b;
      default:
        if (c < 0x80 && !isAlnum(c)) return c;
    }
    this.fail('invalid escape sequence', start);
  }

  /** `\d \D \s \S \w \W` at pos: appends the item and returns true. */
  private perlClassItem(items: ClassItem[]): boolean {
    if (this.peek() !== 0x5c) return false;
    const letter = this.src[this.pos + 1] ?? '';
    const ranges = PERL_GROUPS.get(letter.toLowerCase());
    if (ranges === undefined || !/[a-zA-Z]/.test(letter)) return false;
    this.pos += 2;
    items.push({ kind: 'group', neg: letter !== letter.toLowerCase(), ranges });
    return true;
  }

  /** `\pX`, `\p{Name}`, `\P…`, `\p{^Name}` at pos: appends the item and returns true. */
  private unicodeClassItem(items: ClassItem[]): boolean {
    if (this.peek() !== 0x5c) return false;
    const p = this.peek(this.pos + 1);
    if (p !== 0x70 && p !== 0x50) return false;
    const start = this.pos;
    let neg = p === 0x50;
    this.pos += 2;
    let name: string;
    if (this.peek() !== 0x7b) {
      const c = this.next();
      name = c < 0 ? '' : String.fromCodePoint(c);
    } else {
      const end = this.src.indexOf('}', this.pos);
      if (end < 0) this.fail('invalid character class range', start, this.src.length);
      name = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
    }
    if (name.startsWith('^')) {
      neg = !neg;
      name = name.slice(1);
    }
    const u = unicodeClass(name);
    if (u === undefined) this.fail('invalid character class range', start);
    items.push({ kind: 'prop', neg: neg !== u.invert, test: u.test });
    return true;
  }

  // ---- bracketed classes ----------------------------------------------------------------------

  private charClass(): void {
    const start = this.pos;
    this.pos++;
    let negated = false;
    if (this.peek() === 0x5e) {
      negated = true;
      this.pos++;
    }
    const items: ClassItem[] = [];
    let first = true;
    while (first || this.peek() !== 0x5d) {
      if (this.peek() < 0) this.fail('missing closing ]', start, this.src.length);
      first = false;
      if (this.startsWith('[:') && this.pos + 2 < this.src.length) {
        const end = this.src.indexOf(':]', this.pos + 2);
        if (end >= 0) {
          const text = this.src.slice(this.pos, end + 2);
          const negName = text[2] === '^';
          const ranges = POSIX_GROUPS.get(text.slice(negName ? 3 : 2, -2));
          if (ranges === undefined) this.fail('invalid character class range', this.pos, end + 2);
          items.push({ kind: 'group', neg: negName, ranges });
          this.pos = end + 2;
          continue;
        }
      }
      if (this.unicodeClassItem(items) || this.perlClassItem(items)) continue;
      const rangeStart = this.pos;
      const lo = this.classChar(start);
      let hi = lo;
      if (this.peek() === 0x2d && this.pos + 1 < this.src.length && this.peek(this.pos + 1) !== 0x5d) {
        this.pos++;
        hi = this.classChar(start);
        if (hi < lo) this.fail('invalid character class range', rangeStart);
      }
      items.push({ kind: 'range', lo, hi });
    }
    this.pos++;
    this.pushClass(items, negated);
  }

  private classChar(classStart: number): number {
    const c = this.peek();
    if (c < 0) this.fail('missing closing ]', classStart, this.src.length);
    if (c === 0x5c) return this.escape();
    return this.next();
  }
}

/** Parses an RE2 expression as Go's regexp.Compile does; throws RegexpSyntaxError. */
export function parseRegexp(pattern: string): RegexpNode {
  if (pattern.length > MAX_PATTERN_LENGTH) throw new RegexpSyntaxError('expression too large', pattern.slice(0, 32));
  return new Parser(pattern).parse();
}
