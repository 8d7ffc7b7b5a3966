/**
 * Character classes of the tag-filter matcher (RE2 syntax as Go's regexp reads it): Perl
 * classes (\d \s \w, ASCII only), POSIX classes ([:alpha:] …), Unicode classes (\pL, \p{Greek},
 * looked up by Go's rules: Go's category and script names after Go's canonicalName, so
 * `\p{greek}` is accepted and, as in Go 1.26, `\p{Old_Italic}` is not) and the membership test,
 * with `(?i)` applied per item before the item's own negation and the class's `[^…]` last, as Go
 * builds them. Unicode membership uses the JS engine's Unicode data (Go 1.26 ships 15.0.0).
 */
import { foldOrbit } from './regexp-fold.ts';

/** One item of a class: a range, or a Perl/POSIX/Unicode group (possibly negated). */
export type ClassItem =
  | { readonly kind: 'range'; readonly lo: number; readonly hi: number }
  | { readonly kind: 'group'; readonly neg: boolean; readonly ranges: readonly number[] }
  | { readonly kind: 'prop'; readonly neg: boolean; readonly test: (c: number) => boolean };

export interface CharClass {
  readonly items: readonly ClassItem[];
  /** `[^…]`, or `.`: the union of the items is complemented. */
  readonly negated: boolean;
  /** `(?i)` was in effect. */
  readonly fold: boolean;
}

// Flattened [lo, hi, lo, hi, …] ranges.
const DIGIT = [0x30, 0x39];
const WORD = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
const PERL_SPACE = [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20];

/** `\d \s \w` by their letter (lower case: the class; upper case: its complement). */
export const PERL_GROUPS: ReadonlyMap<string, readonly number[]> = new Map([
  ['d', DIGIT],
  ['s', PERL_SPACE],
  ['w', WORD],
]);

/** `[:name:]` contents. */
export const POSIX_GROUPS: ReadonlyMap<string, readonly number[]> = new Map([
  ['alnum', [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a]],
  ['alpha', [0x41, 0x5a, 0x61, 0x7a]],
  ['ascii', [0x00, 0x7f]],
  ['blank', [0x09, 0x09, 0x20, 0x20]],
  ['cntrl', [0x00, 0x1f, 0x7f, 0x7f]],
  ['digit', DIGIT],
  ['graph', [0x21, 0x7e]],
  ['lower', [0x61, 0x7a]],
  ['print', [0x20, 0x7e]],
  ['punct', [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e]],
  ['space', [0x09, 0x0d, 0x20, 0x20]],
  ['upper', [0x41, 0x5a]],
  ['word', WORD],
  ['xdigit', [0x30, 0x39, 0x41, 0x46, 0x61, 0x66]],
]);

/** Go's unicode.Categories keys (all already canonical except LC, looked up as "Lc"). */
const CATEGORIES = new Set(
  'C Cc Cf Cn Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);

/** Go's unicode.CategoryAliases, keyed by canonical name. */
const CATEGORY_ALIASES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    Casedletter: 'LC',
    Closepunctuation: 'Pe',
    Combiningmark: 'M',
    Connectorpunctuation: 'Pc',
    Control: 'Cc',
    Currencysymbol: 'Sc',
    Dashpunctuation: 'Pd',
    Decimalnumber: 'Nd',
    Enclosingmark: 'Me',
    Finalpunctuation: 'Pf',
    Format: 'Cf',
    Initialpunctuation: 'Pi',
    Letter: 'L',
    Letternumber: 'Nl',
    Lineseparator: 'Zl',
    Lowercaseletter: 'Ll',
    Mark: 'M',
    Mathsymbol: 'Sm',
    Modifierletter: 'Lm',
    Modifiersymbol: 'Sk',
    Nonspacingmark: 'Mn',
    Number: 'N',
    Openpunctuation: 'Ps',
    Other: 'C',
    Otherletter: 'Lo',
    Othernumber: 'No',
    Otherpunctuation: 'Po',
    Othersymbol: 'So',
    Paragraphseparator: 'Zp',
    Privateuse: 'Co',
    Punctuation: 'P',
    Separator: 'Z',
    Spaceseparator: 'Zs',
    Spacingmark: 'Mc',
    Surrogate: 'Cs',
    Symbol: 'S',
    Titlecaseletter: 'Lt',
    Unassigned: 'Cn',
    Uppercaseletter: 'Lu',
    Cntrl: 'Cc',
    Digit: 'Nd',
    Punct: 'P',
  }),
);

/**
 * The Go unicode.Scripts keys that survive Go's canonicalName unchanged (the only ones Go 1.26
 * can look up: names with an underscore or inner capital, such as Old_Italic, fail there).
 */
const SCRIPTS = new Set(
  (
    'Adlam Ahom Arabic Armenian Avestan Balinese Bamum Batak Bengali Bhaiksuki Bopomofo Brahmi Braille Buginese ' +
    'Buhid Carian Chakma Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot Cyrillic Deseret Devanagari ' +
    'Dogra Duployan Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati Gurmukhi Han ' +
    'Hangul Hanunoo Hatran Hebrew Hiragana Inherited Javanese Kaithi Kannada Katakana Kawi Kharoshthi Khmer ' +
    'Khojki Khudawadi Lao Latin Lepcha Limbu Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean ' +
    'Marchen Medefaidrin Miao Modi Mongolian Mro Multani Myanmar Nabataean Nandinagari Newa Nko Nushu Ogham ' +
    'Oriya Osage Osmanya Palmyrene Phoenician Rejang Runic Samaritan Saurashtra Sharada Shavian Siddham Sinhala ' +
    'Sogdian Soyombo Sundanese Syriac Tagalog Tagbanwa Takri Tamil Tangsa Tangut Telugu Thaana Thai Tibetan ' +
    'Tifinagh Tirhuta Toto Ugaritic Vai Vithkuqi Wancho Yezidi Yi'
  ).split(' '),
);

/** Go's canonicalName: first letter upper case, the rest lower case, `_ - space` dropped (ASCII only). */
function canonicalName(name: string): string {
  let out = '';
  let first = true;
  for (const ch of name) {
    if (ch === '_' || ch === '-' || ch === ' ') continue;
    const isAscii = ch.length === 1 && ch.charCodeAt(0) < 0x80;
    out += isAscii ? (first ? ch.toUpperCase() : ch.toLowerCase()) : ch;
    first = false;
  }
  return out;
}

const propertyCache = new Map<string, (c: number) => boolean>();

function jsProperty(property: string): (c: number) => boolean {
  let test = propertyCache.get(property);
  if (test === undefined) {
    const re = new RegExp(`^\\p{${property}}$`, 'u');
    test = (c) => re.test(String.fromCodePoint(c));
    propertyCache.set(property, test);
  }
  return test;
}

/**
 * A Unicode class by the name written in `\p{…}` (without the `^`): its membership test and
 * whether the result is to be inverted (Go's `Assigned` is "not Cn"), or undefined when Go has
 * no such table.
 */
export function unicodeClass(name: string): { test: (c: number) => boolean; invert: boolean } | undefined {
  const n = canonicalName(name);
  switch (n) {
    case 'Any':
      return { test: () => true, invert: false };
    case 'Assigned':
      return { test: jsProperty('gc=Cn'), invert: true };
    case 'Ascii':
      return { test: (c) => c <= 0x7f, invert: false };
    case 'Lc':
      return { test: jsProperty('gc=LC'), invert: false };
  }
  if (CATEGORIES.has(n)) return { test: jsProperty(`gc=${n}`), invert: false };
  if (SCRIPTS.has(n)) return { test: jsProperty(`sc=${n}`), invert: false };
  const alias = CATEGORY_ALIASES.get(n);
  if (alias !== undefined) return { test: jsProperty(`gc=${alias}`), invert: false };
  return undefined;
}

function inRanges(ranges: readonly number[], c: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (c >= ranges[i] && c <= ranges[i + 1]) return true;
  return false;
}

function itemHas(item: ClassItem, c: number): boolean {
  switch (item.kind) {
    case 'range':
      return c >= item.lo && c <= item.hi;
    case 'group':
      return inRanges(item.ranges, c);
    case 'prop':
      return item.test(c);
  }
}

function itemMatches(item: ClassItem, c: number, fold: boolean): boolean {
  let has: boolean;
  if (fold) {
    has = false;
    for (const x of foldOrbit(c)) {
      if (itemHas(item, x)) {
        has = true;
        break;
      }
    }
  } else {
    has = itemHas(item, c);
  }
  return item.kind === 'range' ? has : has !== item.neg;
}

/** Whether code point `c` is in the class. */
export function classMatches(cls: CharClass, c: number): boolean {
  let any = false;
  for (const item of cls.items) {
    if (itemMatches(item, c, cls.fold)) {
      any = true;
      break;
    }
  }
  return any !== cls.negated;
}

/** A membership test for the class, with a fast path for a plain literal or range. */
export function classTest(cls: CharClass): (c: number) => boolean {
  const only = cls.items.length === 1 ? cls.items[0] : undefined;
  if (only?.kind === 'range' && !cls.negated && !cls.fold) {
    const { lo, hi } = only;
    return lo === hi ? (c) => c === lo : (c) => c >= lo && c <= hi;
  }
  return (c) => classMatches(cls, c);
}

/** An ASCII word character, for `\b` and `\B`. */
export function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0x61 && c <= 0x7a);
}
