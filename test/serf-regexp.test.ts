/**
 * The tag-filter matcher (src/serf/regexp-*.ts) against Go's regexp in a real Go process
 * (interop/bin/goregexp): hand-picked and fast-check-generated patterns and inputs must get the
 * same verdict — Go compiles the pattern or not (with the same error code), and when it does,
 * the same MatchString answer. Plus: patterns that backtrack exponentially elsewhere run in
 * linear time here, random patterns only ever raise RegexpSyntaxError, and the size limit holds.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RegexpSyntaxError } from '../src/serf/regexp-parse.ts';
import { MAX_INSTRUCTIONS, compileRe2Matcher } from '../src/serf/regexp-match.ts';
import { checkFilters, encodeFilter } from '../src/serf/filters.ts';
import { interopBin } from './support/interop.ts';

interface Case {
  pattern: string;
  input: string;
}

interface Verdict {
  ok: boolean;
  match: boolean;
  /** Go's ErrorCode text when ok is false. */
  code?: string;
}

/** Go's verdicts, one process for the whole batch. */
function goVerdicts(cases: readonly Case[]): Verdict[] {
  const input = cases.map((c) => JSON.stringify(c)).join('\n') + '\n';
  const r = spawnSync(interopBin('goregexp'), [], { input, maxBuffer: 64 << 20, timeout: 60_000 });
  if (r.error !== undefined) throw new Error(`goregexp: ${r.error.message} (run scripts/build-interop.sh)`);
  if (r.status !== 0) throw new Error(`goregexp failed: ${String(r.stderr)}`);
  const lines = String(r.stdout).trim().split('\n');
  expect(lines).toHaveLength(cases.length);
  return lines.map((l) => {
    const v = JSON.parse(l) as { ok: boolean; match: boolean; error?: string };
    const code = v.error === undefined ? undefined : /^error parsing regexp: (.*?): `/s.exec(v.error)?.[1];
    return code === undefined ? { ok: v.ok, match: v.match } : { ok: v.ok, match: v.match, code };
  });
}

function tsVerdict(c: Case): Verdict {
  try {
    return { ok: true, match: compileRe2Matcher(c.pattern).test(c.input) };
  } catch (err) {
    if (!(err instanceof RegexpSyntaxError)) throw err;
    return { ok: false, match: false, code: err.code };
  }
}

/** Runs every case through both and returns the disagreements (empty when all agree). */
function differences(cases: readonly Case[]): string[] {
  const go = goVerdicts(cases);
  const out: string[] = [];
  cases.forEach((c, i) => {
    const ts = tsVerdict(c);
    if (ts.ok !== go[i].ok || ts.match !== go[i].match || ts.code !== go[i].code)
      out.push(`${JSON.stringify(c)}: go ${JSON.stringify(go[i])}, ts ${JSON.stringify(ts)}`);
  });
  return out;
}

const INPUTS = [
  '',
  'a',
  'abc',
  'ABC',
  'xyz',
  'aaaa',
  'abab',
  'a\nb',
  'foo bar',
  'web-01',
  'db',
  'v1.2.3',
  'Kk\u212a',
  'ſs',
  'αβγ Ω',
  'ÉCOLE école',
  '123-456',
  ' \t\r\n',
  '{}[]()',
  'x{2}',
  'a_b',
  '日本語',
  '😀x',
  'μµΜ',
  'I',
  'i',
  'ı',
  'İ',
];

const PATTERNS = [
  // literals, anchors, dot
  '',
  'a',
  'abc',
  '^abc',
  'abc$',
  '^$',
  '^',
  '$',
  '.',
  '^.$',
  'a.c',
  '(?s)a.b',
  'a.b',
  '\\Aa',
  'c\\z',
  '^a$',
  '(?m)^b',
  '(?m)a$',
  '(?m:^b$)',
  '$a',
  'a^',
  // repetition
  'a*',
  'a+',
  'a?',
  'a*?',
  'a+?',
  'a??',
  'ab*c',
  'ab+c',
  '(ab)+',
  '(ab)*$',
  'a{2}',
  'a{2,}',
  'a{2,3}',
  'a{0}',
  'a{0,0}',
  'a{,3}',
  'a{1000}',
  'a{1001}',
  'a{2,1}',
  'a{01}',
  'a{1,01}',
  'a{99999999999}',
  'x{',
  'x{2',
  'x{2,',
  'x{}',
  '{2}',
  'a**',
  'a*+',
  'a+*',
  'a???',
  'a*?*',
  'a{2}*',
  'a{2}{3}',
  'a*{',
  '(a*)*',
  '(a+)+',
  '(a|b)*c',
  '(?:a{10}){100}',
  '(?:a{10}){101}',
  '(?:a{2}){500}',
  '(?:a{3}){500}',
  '((a{10}){10}){10}',
  '((a{10}){10}){11}',
  '(?:a{1000}){0}',
  '(?:a{1000}){1}',
  '(?:a{1000})*',
  '(?:a{0,}){1000}',
  '*',
  '+a',
  '?',
  '(*)',
  '(?:*)',
  'a|*',
  '^*',
  '$+',
  '\\b*',
  '(?i)*',
  'a(?i)*',
  // groups and alternation
  'a|b',
  'a|',
  '|a',
  '|',
  '()',
  '(|)',
  '(a)(b)',
  '(a',
  'a)',
  ')',
  '((a)',
  '(?:ab|cd)e',
  '(?P<name>a+)',
  '(?<name>a+)',
  '(?P<n>a)(?P<n>b)',
  '(?P<>a)',
  '(?P<a-b>a)',
  '(?P=name)',
  '(?P<name',
  '(?P<',
  '(?<',
  '(?=a)',
  '(?!a)',
  '(?<=a)b',
  '(?<!a)b',
  '(?>a)',
  '(?#comment)',
  '(?',
  '(?)',
  '(?i)',
  '(?i)abc',
  '(?i:A)b',
  '(?i)a(?-i)b',
  '(?i-i)a',
  '(?-)a',
  '(?i-)a',
  '(?--i)a',
  '(?x)a',
  '(?U)a+',
  '(?sm)^.$',
  '(?i)(?:B)|a',
  '((?i)a)A',
  // classes
  '[abc]',
  '[^abc]',
  '[a-c]+',
  '[c-a]',
  '[]a]',
  '[^]a]',
  '[]',
  '[^]',
  '[a-]',
  '[-a]',
  '[a-b-c]',
  '[\\d-z]',
  '[a-\\d]',
  '[\\]]',
  '[\\n]',
  '[^\\n]',
  '[\\x41-\\x43]',
  '[a',
  'a]',
  '[[:alpha:]]',
  '[[:^alpha:]]',
  '[[:word:]]+',
  '[[:digit:][:space:]]',
  '[[:foo:]]',
  '[[:alpha:]',
  '[[:alpha]]',
  '[[:a]b:]]',
  '[:alpha:]',
  '[[:upper:]]',
  '(?i)[[:upper:]]',
  '(?i)[[:^upper:]]',
  '[[:punct:]]',
  '[[:xdigit:]]+',
  '[[:ascii:]]',
  '[[:^ascii:]]',
  '\\d',
  '\\D',
  '\\s',
  '\\S',
  '\\w+',
  '\\W',
  '[\\d\\s]',
  '[^\\d]',
  '[\\D]',
  '(?i)\\W',
  '(?i)[^k]',
  '(?i)[k]',
  '(?i)k',
  '(?i)K',
  '(?i)s',
  '(?i)ſ',
  '(?i)[a-z]+',
  '(?i)école',
  '(?i)Ω',
  '(?i)µ',
  '(?i)ı',
  '(?i)i',
  '(?i)\\x{212A}',
  // unicode classes
  '\\pL',
  '\\pN',
  '\\PL',
  '\\p{L}',
  '\\p{Lu}',
  '\\p{lu}',
  '\\p{Ll}',
  '(?i)\\p{Lu}',
  '(?i)\\P{Lu}',
  '\\p{Greek}',
  '\\p{greek}',
  '\\p{GREEK}',
  '\\P{Greek}',
  '\\p{^Greek}',
  '\\P{^Greek}',
  '\\p{Han}+',
  '\\p{Latin}',
  '\\p{Old_Italic}',
  '\\p{Cyrillic}',
  '\\p{Any}',
  '\\p{any}',
  '\\p{Assigned}',
  '\\p{ASCII}',
  '\\p{LC}',
  '\\p{Letter}',
  '\\p{Uppercase_Letter}',
  '\\p{uppercase letter}',
  '\\p{Cn}',
  '\\p{C}',
  '\\p{Zs}',
  '\\p{Nd}+',
  '\\p{Punct}',
  '\\p{Foo}',
  '\\p{}',
  '\\p{^}',
  '\\p{',
  '\\p',
  '\\pZ',
  '\\pz',
  '\\p^L',
  '[\\p{Greek}a]',
  '[^\\p{Greek}]',
  '[\\P{L}]',
  '\\p{Emoji}',
  '\\p{So}',
  // escapes
  '\\.',
  '\\*',
  '\\_',
  '\\-',
  '\\q',
  '\\e',
  '\\Z',
  '\\C',
  '\\G',
  '\\K',
  '\\1',
  '(a)\\1',
  '\\0',
  '\\01',
  '\\012',
  '\\08',
  '\\101',
  '\\1010',
  '\\8',
  '\\x41',
  '\\x4',
  '\\x',
  '\\xZZ',
  '\\x{41}',
  '\\x{}',
  '\\x{10FFFF}',
  '\\x{110000}',
  '\\x{1F600}',
  '\\x{41',
  '\\a\\f\\t\\n\\r\\v',
  '[\\a\\f\\t\\n\\r\\v]',
  '\\Qa.b\\E',
  '\\Qa.b',
  '\\Q\\E*',
  'a\\Q\\E*',
  '\\Q*\\E+',
  '[\\Q]',
  '[\\b]',
  '[\\A]',
  '\\',
  'a\\',
  '[a\\',
  '\\b',
  '\\bfoo\\b',
  '\\Bo',
  'o\\B',
  '\\b\\B',
  '\\p{Greek}\\b',
  '\\u0041',
  '\\N{LATIN}',
  '\\o{101}',
  // realistic tag filters
  '^web-\\d+$',
  'web|db',
  '^(prod|staging)$',
  '^v1\\.',
  '^(?i)WEB',
  '.*',
  '^$|^none$',
  '[[:alnum:]_-]+',
];

describe('tag filter regexp: Go regexp differential', () => {
  it('hand-picked patterns × inputs get Go’s verdict', () => {
    const cases = PATTERNS.flatMap((pattern) => INPUTS.map((input) => ({ pattern, input })));
    expect(cases.length).toBeGreaterThan(5000);
    expect(differences(cases)).toEqual([]);
  });

  it('token soup patterns (mostly invalid) get Go’s verdict and error code', () => {
    const token = fc.constantFrom(
      ...['a', 'b', 'k', 'K', 'é', '.', '*', '+', '?', '|', '(', ')', '[', ']', '^', '$', '\\', '{', '}', ','],
      ...['0', '1', '2', '-', ':', '<', '>', 'P', 'i', 's', 'm', 'd', 'w', 'b', 'B', 'z', 'p', 'L', 'Q', 'E', 'x'],
      ...['(?i)', '(?:', '(?P<n>', '[:alpha:]', '{2}', '{1,3}', '{0,}', '\\pL', '\\x{41}', '\\n', '\n', '[^'],
    );
    const input = fc.stringMatching(/^[abkKé.\-1{}\n _]{0,12}$/);
    const cases = fc.sample(fc.record({ pattern: fc.array(token, { maxLength: 12 }).map((t) => t.join('')), input }), {
      numRuns: 3000,
      seed: 20261201,
    });
    expect(differences(cases)).toEqual([]);
  });

  it('structured valid patterns get Go’s verdict', () => {
    const atom = fc.constantFrom(
      ...['a', 'b', 'k', 'é', '.', '\\d', '\\w', '\\s', '\\W', '[a-c]', '[^b]', '[[:upper:]]', '\\pL', '\\p{Greek}'],
      ...['^', '$', '\\b', '\\B', '\\A', '\\z', '(?i:k)', '(?s:.)', '(?m:^)', '(?m:$)', '\\n', 'α', '\\x{212A}'],
    );
    const re: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
      re: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        atom,
        fc.tuple(tie('re'), tie('re')).map(([x, y]) => x + y),
        fc.tuple(tie('re'), tie('re')).map(([x, y]) => `(?:${x}|${y})`),
        fc
          .tuple(tie('re'), fc.constantFrom('*', '+', '?', '*?', '{2}', '{1,3}', '{0,2}', '{2,}'))
          .map(([x, q]) => `(${x})${q}`),
        tie('re').map((x) => `(?i)${x}`),
      ),
    })).re;
    const input = fc.stringMatching(/^[abkKAB1é\n _α\u212a]{0,14}$/);
    const cases = fc.sample(fc.record({ pattern: re, input }), { numRuns: 3000, seed: 7 });
    expect(differences(cases)).toEqual([]);
  });

  it('case folding and Unicode classes over many scripts get Go’s verdict', () => {
    // Code points from scripts with case (Latin, Greek, Cyrillic, Armenian, Georgian, Cherokee,
    // Glagolitic, Deseret, Adlam …) and a few without.
    const pools: [number, number][] = [
      [0x20, 0x24f],
      [0x370, 0x3ff],
      [0x400, 0x52f],
      [0x531, 0x587],
      [0x10a0, 0x10ff],
      [0x13a0, 0x13fd],
      [0x1c80, 0x1cbf],
      [0x1e00, 0x1fff],
      [0x2100, 0x218f],
      [0x24b6, 0x24e9],
      [0x2c00, 0x2c7f],
      [0xa640, 0xa7ff],
      [0xab70, 0xabbf],
      [0xff21, 0xff5a],
      [0x10400, 0x1044f],
      [0x1e900, 0x1e943],
      [0x4e00, 0x4e10],
      [0x660, 0x669],
    ];
    const cp = fc.constantFrom(...pools).chain(([lo, hi]) => fc.integer({ min: lo, max: hi }));
    const hex = (c: number): string => `\\x{${c.toString(16)}}`;
    const pattern = fc.oneof(
      cp.map((c) => `(?i)${hex(c)}`),
      fc.tuple(cp, fc.integer({ min: 0, max: 40 })).map(([c, n]) => `(?i)[${hex(c)}-${hex(c + n)}]`),
      fc.tuple(cp, fc.integer({ min: 0, max: 40 })).map(([c, n]) => `(?i)[^${hex(c)}-${hex(c + n)}]`),
      fc
        .constantFrom('Lu', 'Ll', 'Lt', 'L', 'M', 'Mn', 'Nd', 'Greek', 'Cyrillic', 'Armenian', 'Cherokee', 'Latin')
        .chain((name) =>
          fc.constantFrom(`\\p{${name}}`, `(?i)\\p{${name}}`, `(?i)\\P{${name}}`, `(?i)[^\\p{${name}}]`),
        ),
      fc.constantFrom('(?i)\\w', '(?i)\\W', '(?i)[[:upper:]]', '(?i)[[:^lower:]]', '(?i)\\p{ASCII}', '\\p{Assigned}'),
    );
    const input = fc.array(cp, { minLength: 1, maxLength: 3 }).map((a) => String.fromCodePoint(...a));
    const cases = fc.sample(fc.record({ pattern, input }), { numRuns: 4000, seed: 99 });
    expect(differences(cases)).toEqual([]);
  });
});

describe('tag filter regexp: linear time and limits', () => {
  const long = 'a'.repeat(10_000);
  it.each([
    ['(a+)+$', `${long}b`],
    ['(a*)*b', long],
    ['(a|aa)*c', long],
    ['^(a|a)*$', `${long}!`],
    ['^(\\w+\\s?)*$', `${'ab '.repeat(3000)}!`],
    ['(x+x+)+y', 'x'.repeat(10_000)],
    ['(.*)*z', long],
    ['(?:a{1,10}){1,10}b', long],
    ['(?i)(\\pL+)+\\d', long],
  ])('%s on 10,000 characters finishes fast', (pattern, input) => {
    const m = compileRe2Matcher(pattern);
    const t0 = performance.now();
    expect(m.test(input)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('a hostile filter near the size limit on a 512-character tag value stays cheap', () => {
    const hostile = Array.from({ length: 45 }, () => '\\pL{1000}x').join('|');
    const m = compileRe2Matcher(hostile);
    const t0 = performance.now();
    expect(m.test('é'.repeat(512))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('a program over MAX_INSTRUCTIONS is refused (Go would accept it: documented divergence)', () => {
    const big = 'a{1000}'.repeat(Math.ceil(MAX_INSTRUCTIONS / 1000) + 1);
    expect(() => compileRe2Matcher(big)).toThrow(RegexpSyntaxError);
    expect(() => compileRe2Matcher('(?:a{1000}){1000}')).toThrow(/invalid repeat count/);
    expect(compileRe2Matcher('a{1000}').test(long)).toBe(true);
  });

  it('random patterns raise only RegexpSyntaxError, and quickly', () => {
    const pattern = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 64 }),
      fc.uint8Array({ maxLength: 64 }).map((b) => new TextDecoder().decode(b)),
      fc.array(fc.constantFrom(...'()[]{}|*+?\\^$.-:,<>PpLdiQE0123456789aZ'), { maxLength: 80 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(pattern, fc.string({ maxLength: 40 }), (p, input) => {
        const t0 = performance.now();
        try {
          compileRe2Matcher(p).test(input);
        } catch (err) {
          if (!(err instanceof RegexpSyntaxError)) throw err;
        }
        return performance.now() - t0 < 500;
      }),
      { numRuns: 5000, seed: 42 },
    );
  });
});

describe('tag filters use the matcher', () => {
  const self = { name: 'n1', tags: { role: 'web-01', dc: 'east' } };
  const tag = (t: string, expr: string) => [encodeFilter({ type: 'tag', tag: t, expr })];
  it('match anywhere, missing tags read as "", bad expressions fail the filter', () => {
    expect(checkFilters(tag('role', 'web'), self)).toBeUndefined();
    expect(checkFilters(tag('role', '^web-\\d+$'), self)).toBeUndefined();
    expect(checkFilters(tag('role', '(\\w+)+-0'), self)).toBeUndefined();
    expect(checkFilters(tag('missing', '^$'), self)).toBeUndefined();
    expect(checkFilters(tag('dc', '^west$'), self)).toMatchObject({ reason: 'tag' });
    expect(checkFilters(tag('role', '(?=web)'), self)).toMatchObject({ reason: 'bad-regexp' });
    expect(checkFilters(tag('role', 'a**'), self)).toMatchObject({ reason: 'bad-regexp' });
  });
});
