/**
 * Tag-filter matcher: compiles a parsed RE2 expression to a Thompson NFA program and answers
 * Go's regexp.MatchString (does it match anywhere in the input?) by Pike-VM simulation — every
 * live NFA state advanced together over the input's code points — in O(program × input) time
 * and O(program) memory, whatever the pattern (`(a+)+$` included). Programs over
 * MAX_INSTRUCTIONS (after expanding `{n,m}`) are refused so a hostile query cannot make one
 * large; Go's own limit is far higher, so such a pattern fails here where Go would run it.
 */
import { type CharClass, classTest, isWordChar } from './regexp-classes.ts';
import { type Assertion, type RegexpNode, RegexpSyntaxError, parseRegexp } from './regexp-parse.ts';

/** Largest compiled program (Go allows ~3.3 million; a filter never needs more than a few hundred). */
export const MAX_INSTRUCTIONS = 50_000;

const Op = { Char: 0, Split: 1, Jmp: 2, Assert: 3, Match: 4 } as const;
type Op = (typeof Op)[keyof typeof Op];

const ASSERTIONS: readonly Assertion[] = [
  'begin-text',
  'end-text',
  'begin-line',
  'end-line',
  'word-boundary',
  'not-word-boundary',
];

/** A compiled expression. */
export interface Program {
  readonly ops: Uint8Array;
  /** Char: class index; Split/Jmp: first target; Assert: index into ASSERTIONS. */
  readonly arg1: Int32Array;
  /** Split: second target. */
  readonly arg2: Int32Array;
  /** Membership tests of the Char instructions' classes. */
  readonly classes: readonly ((c: number) => boolean)[];
}

class Compiler {
  ops: number[] = [];
  arg1: number[] = [];
  arg2: number[] = [];
  classes: ((c: number) => boolean)[] = [];
  /** One index per class object, so `x{1000}` tests x once per input position, not 1000 times. */
  private readonly classIndex = new Map<CharClass, number>();
  private readonly pattern: string;

  constructor(pattern: string) {
    this.pattern = pattern;
  }

  emit(op: Op, a = 0, b = 0): number {
    if (this.ops.length >= MAX_INSTRUCTIONS) throw new RegexpSyntaxError('expression too large', this.pattern);
    this.ops.push(op);
    this.arg1.push(a);
    this.arg2.push(b);
    return this.ops.length - 1;
  }

  compile(n: RegexpNode): void {
    switch (n.op) {
      case 'empty':
        return;
      case 'char':
        let index = this.classIndex.get(n.cls);
        if (index === undefined) {
          index = this.classes.push(classTest(n.cls)) - 1;
          this.classIndex.set(n.cls, index);
        }
        this.emit(Op.Char, index);
        return;
      case 'assert':
        this.emit(Op.Assert, ASSERTIONS.indexOf(n.kind));
        return;
      case 'capture':
        this.compile(n.sub);
        return;
      case 'concat':
        for (const s of n.subs) this.compile(s);
        return;
      case 'alt': {
        const jumps: number[] = [];
        for (let i = 0; i < n.subs.length; i++) {
          if (i === n.subs.length - 1) {
            this.compile(n.subs[i]);
            break;
          }
          const split = this.emit(Op.Split, 0, 0);
          this.arg1[split] = split + 1;
          this.compile(n.subs[i]);
          jumps.push(this.emit(Op.Jmp));
          this.arg2[split] = this.ops.length;
        }
        for (const j of jumps) this.arg1[j] = this.ops.length;
        return;
      }
      case 'repeat':
        this.repeat(n.sub, n.min, n.max);
        return;
    }
  }

  /** x{min,max}: min copies, then `x*` (max -1) or max-min nested optional copies. */
  private repeat(sub: RegexpNode, min: number, max: number): void {
    if (min === 0 && max === -1) {
      const split = this.emit(Op.Split, 0, 0);
      this.arg1[split] = split + 1;
      this.compile(sub);
      this.emit(Op.Jmp, split);
      this.arg2[split] = this.ops.length;
      return;
    }
    if (max === -1) {
      // x{min,} = x{min-1} x+
      for (let i = 0; i < min - 1; i++) this.compile(sub);
      const body = this.ops.length;
      this.compile(sub);
      this.emit(Op.Split, body, this.ops.length + 1);
      return;
    }
    for (let i = 0; i < min; i++) this.compile(sub);
    const exits: number[] = [];
    for (let i = min; i < max; i++) {
      const split = this.emit(Op.Split, 0, 0);
      this.arg1[split] = split + 1;
      exits.push(split);
      this.compile(sub);
    }
    for (const s of exits) this.arg2[s] = this.ops.length;
  }
}

/** Compiles a parsed expression; throws RegexpSyntaxError('expression too large'). */
export function compileProgram(node: RegexpNode, pattern: string): Program {
  const c = new Compiler(pattern);
  c.compile(node);
  c.emit(Op.Match);
  return {
    ops: Uint8Array.from(c.ops),
    arg1: Int32Array.from(c.arg1),
    arg2: Int32Array.from(c.arg2),
    classes: c.classes,
  };
}

/** A sparse set of program counters (Briggs–Torczon): O(1) insert, test and clear. */
class PcSet {
  readonly dense: Int32Array;
  private readonly sparse: Int32Array;
  size = 0;

  constructor(n: number) {
    this.dense = new Int32Array(n);
    this.sparse = new Int32Array(n);
  }

  has(pc: number): boolean {
    const i = this.sparse[pc];
    return i < this.size && this.dense[i] === pc;
  }

  add(pc: number): void {
    this.sparse[pc] = this.size;
    this.dense[this.size++] = pc;
  }
}

function assertionHolds(kind: number, prev: number, next: number): boolean {
  switch (ASSERTIONS[kind]) {
    case 'begin-text':
      return prev < 0;
    case 'end-text':
      return next < 0;
    case 'begin-line':
      return prev < 0 || prev === 0x0a;
    case 'end-line':
      return next < 0 || next === 0x0a;
    case 'word-boundary':
      return isWordChar(prev) !== isWordChar(next);
    default:
      return isWordChar(prev) === isWordChar(next);
  }
}

/**
 * Follows Jmp/Split/Assert from `start` at the position between code points `prev` and `next`
 * (-1: text edge), adding the Char and Match states reached to `set`. Returns true when Match
 * is reached.
 */
function addThread(
  p: Program,
  set: PcSet,
  visited: PcSet,
  stack: Int32Array,
  start: number,
  prev: number,
  next: number,
): boolean {
  let top = 0;
  stack[top++] = start;
  while (top > 0) {
    const pc = stack[--top];
    if (visited.has(pc)) continue;
    visited.add(pc);
    switch (p.ops[pc]) {
      case Op.Jmp:
        stack[top++] = p.arg1[pc];
        break;
      case Op.Split:
        stack[top++] = p.arg2[pc];
        stack[top++] = p.arg1[pc];
        break;
      case Op.Assert:
        if (assertionHolds(p.arg1[pc], prev, next)) stack[top++] = pc + 1;
        break;
      case Op.Match:
        return true;
      default:
        set.add(pc);
    }
  }
  return false;
}

/** Go's MatchString: does the program match anywhere in `input`? */
export function programMatches(p: Program, input: string): boolean {
  const n = p.ops.length;
  const cps = Array.from(input, (ch) => ch.codePointAt(0) ?? 0);
  let clist = new PcSet(n);
  let nlist = new PcSet(n);
  const visited = new PcSet(n);
  // Each state is pushed at most once per step (visited), plus one pending target per Split.
  const stack = new Int32Array(2 * n + 2);
  // Per-position memo of class tests: stamp[k] === i + 1 when verdict[k] holds for position i.
  const stamp = new Int32Array(p.classes.length);
  const verdict = new Uint8Array(p.classes.length);
  for (let i = 0; i <= cps.length; i++) {
    const prev = i > 0 ? cps[i - 1] : -1;
    const next = i < cps.length ? cps[i] : -1;
    // Unanchored: a new thread starts at every position (lowest priority; priority is moot here).
    if (addThread(p, clist, visited, stack, 0, prev, next)) return true;
    if (next < 0) break;
    nlist.size = 0;
    visited.size = 0;
    const after = i + 1 < cps.length ? cps[i + 1] : -1;
    for (let k = 0; k < clist.size; k++) {
      const pc = clist.dense[k];
      const cls = p.arg1[pc];
      if (stamp[cls] !== i + 1) {
        stamp[cls] = i + 1;
        verdict[cls] = p.classes[cls](next) ? 1 : 0;
      }
      if (verdict[cls] !== 1) continue;
      const to = pc + 1;
      if (p.ops[to] === Op.Char) {
        // The common case, without the closure walk.
        if (!visited.has(to)) {
          visited.add(to);
          nlist.add(to);
        }
      } else if (addThread(p, nlist, visited, stack, to, next, after)) return true;
    }
    [clist, nlist] = [nlist, clist];
  }
  return false;
}

/** A compiled tag-filter expression. */
export interface Re2Matcher {
  /** Go's regexp.MatchString(expr, input). */
  test(input: string): boolean;
}

/** Parses and compiles an RE2 expression; throws RegexpSyntaxError when Go would not compile it. */
export function compileRe2Matcher(pattern: string): Re2Matcher {
  const program = compileProgram(parseRegexp(pattern), pattern);
  return { test: (input) => programMatches(program, input) };
}
