/**
 * Simple case folding for the tag-filter matcher's `(?i)`: the fold orbit of a code point (the
 * code points Go's unicode.SimpleFold cycles through, e.g. k K U+212A). Built once, lazily, by
 * linking every code point up to U+1FFFF with its one-code-point upper and lower case (the JS
 * engine's Unicode data); dotless ı (U+0131) and dotted İ (U+0130) are left alone, as in Go.
 * Equal to Go's orbits for the characters both Unicode versions know.
 */

/** Cased characters end below U+1E944 (Adlam). */
const LAST = 0x1ffff;
/** Code points whose case mapping Go does not treat as a simple fold. */
const UNFOLDED = new Set([0x130, 0x131]);

let orbits: Map<number, readonly number[]> | undefined;

function build(): Map<number, readonly number[]> {
  const parent = new Map<number, number>();
  const root = (x: number): number => {
    let r = x;
    for (let p = parent.get(r); p !== undefined && p !== r; p = parent.get(r)) r = p;
    return r;
  };
  for (let cp = 0; cp <= LAST; cp++) {
    if ((cp >= 0xd800 && cp < 0xe000) || UNFOLDED.has(cp)) continue;
    const s = String.fromCodePoint(cp);
    for (const t of [s.toLowerCase(), s.toUpperCase()]) {
      if (t === s) continue;
      const other = t.codePointAt(0) ?? cp;
      if (t.length !== String.fromCodePoint(other).length || UNFOLDED.has(other)) continue;
      const a = root(cp);
      const b = root(other);
      if (!parent.has(a)) parent.set(a, a);
      if (!parent.has(b)) parent.set(b, b);
      if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
    }
  }
  const groups = new Map<number, number[]>();
  for (const cp of parent.keys()) {
    const r = root(cp);
    const g = groups.get(r);
    if (g === undefined) groups.set(r, [cp]);
    else g.push(cp);
  }
  const out = new Map<number, readonly number[]>();
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    g.sort((x, y) => x - y);
    for (const cp of g) out.set(cp, g);
  }
  return out;
}

/** The code points `c` matches case-insensitively (itself included). */
export function foldOrbit(c: number): readonly number[] {
  orbits ??= build();
  return orbits.get(c) ?? [c];
}
