// Branch name → ticket key. Pure: the branch comes from the Git extension API or .git/HEAD, never from
// running git with it.

/** The built-in patterns (also the default of `customerContext.ticketPatterns` in package.json). */
export const DefaultTicketPatterns: readonly string[] = [
  // Project keys: a project key (letter first) and a number, anywhere in the name. The number
  // must end the word (`schetov-1c` is no key) and must not be a version (`axios-1.7.4`).
  '(?<![A-Za-z0-9])(?<key>[A-Za-z][A-Za-z0-9]{1,9}-[0-9]{1,7})(?![.A-Za-z0-9])',
  // Numbered issues with a prefix: issue-123, issues/123, gh-123, fix/gh_45.
  '(?:^|/)(?:[Ii]ssues?|[Gg][Hh])[-_/#]?(?<key>[0-9]{1,7})(?![.A-Za-z0-9])',
  // Numbered issues: the last path segment starts with the number, 123-fix-login, feature/45_x.
  '(?:^|/)(?<key>[0-9]{1,7})[-_][^/]*$',
];

/**
 * Longest branch name looked at. Git allows longer names; real ones are far shorter, and matching
 * time grows with the length. Long enough for deep `users/…/team/…/ACME-1` paths.
 */
export const MaxBranchLength = 512;

/** Longest user pattern accepted, in characters. */
export const MaxPatternLength = 200;

/**
 * Largest estimated number of backtracking steps a user pattern may take on a `MaxBranchLength`
 * name. Calibrated so an accepted pattern stays well under 50 ms on its worst input (see
 * branch.property.test.ts).
 */
const MaxEstimatedSteps = 2_000_000;

/**
 * Project prefixes that look like keys but are not tickets (utf-8, sha-256; gh-123 is issue #123).
 * Applied only when `projectKeys` is empty: naming your projects is the precise fix.
 */
const NotProjectKeys = /^(?:UTF|SHA|ISO|RFC|CVE|ES|WIN|X86|X64|ARM|MD|HTTP|TLS|SSL|IPV|GH|ISSUES?|V[0-9]+)$/;

/** The usable patterns, and why any user pattern was left out. */
export interface CompiledPatterns {
  patterns: RegExp[];
  /** Problems with user patterns, each naming the setting and index. */
  problems: string[];
}

/**
 * Compiles pattern strings. `/body/flags` is accepted for flags (e.g. `/fix-(?<key>\d+)/i`).
 * A pattern that is invalid, or whose matching time has no safe bound, is skipped and reported; if
 * none is usable, the defaults are used.
 */
export function compilePatterns(sources: readonly string[] | undefined): CompiledPatterns {
  const problems: string[] = [];
  const patterns: RegExp[] = [];
  (sources ?? DefaultTicketPatterns).forEach((source: unknown, i) => {
    const where = `customerContext.ticketPatterns[${i}]`;
    if (typeof source !== 'string') {
      problems.push(`${where}: is not a string; write the regular expression in quotes`);
      return;
    }
    const slashed = /^\/(.+)\/([a-z]*)$/s.exec(source);
    const body = slashed ? slashed[1] : source;
    const flags = new Set((slashed ? slashed[2] : '').split('').filter((f) => 'imsu'.includes(f)));
    flags.add('g');
    const flagText = [...flags].join('');
    const problem =
      lengthProblem(body) ?? syntaxProblem(body, flagText) ?? patternProblem(body, flagText);
    if (problem) problems.push(`${where}: ${problem}`);
    else patterns.push(new RegExp(body, flagText));
  });
  if (patterns.length === 0 && sources !== DefaultTicketPatterns) {
    return { patterns: compilePatterns(DefaultTicketPatterns).patterns, problems };
  }
  return { patterns, problems };
}

class PatternProblem extends Error {}

function syntaxProblem(body: string, flags: string): string | undefined {
  try {
    new RegExp(body, flags);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function lengthProblem(body: string): string | undefined {
  if (body.length === 0) return 'is empty; it would match everywhere';
  if (body.length > MaxPatternLength) {
    const limit = MaxPatternLength;
    return `is ${body.length} characters long, more than the ${limit} allowed; shorten it`;
  }
  return undefined;
}

/**
 * Why a pattern body (already known to compile with `flags`) could take too long on a branch name:
 * too long, nested quantifiers, a repeated alternation whose branches overlap, a backreference, or
 * overlapping repetitions in a row. Undefined when it is safe to run. Messages quote the part at
 * fault.
 */
export function patternProblem(body: string, flags = ''): string | undefined {
  const early = lengthProblem(body);
  if (early) return early;
  try {
    const root = new Parser(body, flags).parse();
    return repetitionProblem(root, body) ?? costProblem(root, body, flags);
  } catch (e) {
    if (e instanceof PatternProblem) return e.message;
    // A construct this checker does not understand is refused rather than run unchecked.
    return `could not be checked for matching time (${(e as Error).message}); simplify it`;
  }
}

// ---- A small regular-expression parser: just enough structure to bound the matching time. ----

/** Sorted, disjoint, inclusive code point ranges. */
type CharSet = ReadonlyArray<readonly [number, number]>;

const MAX_CP = 0x10ffff;
const NONE: CharSet = [];
const ANY: CharSet = [[0, MAX_CP]];
const DIGIT: CharSet = [[0x30, 0x39]];
const WORD: CharSet = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const SPACE: CharSet = [
  [0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029],
  [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
];

function normalize(ranges: Array<readonly [number, number]>): CharSet {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function union(a: CharSet, b: CharSet): CharSet {
  return a.length === 0 ? b : b.length === 0 ? a : normalize([...a, ...b]);
}

function complement(a: CharSet): CharSet {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of a) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

function intersects(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i][1] < b[j][0]) i++;
    else if (b[j][1] < a[i][0]) j++;
    else return true;
  }
  return false;
}

function intersectSets(a: CharSet, b: CharSet): CharSet {
  const out: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

/**
 * Over-approximates what a set matches case-insensitively: ASCII letters gain their other case, and
 * anything beyond ASCII may fold onto anything beyond ASCII or onto a letter (ſ → s, K → k).
 */
function foldCase(set: CharSet): CharSet {
  const extra: Array<readonly [number, number]> = [];
  for (const [lo, hi] of set) {
    for (let c = Math.max(lo, 0x41); c <= Math.min(hi, 0x7a); c++) {
      if (c <= 0x5a) extra.push([c + 32, c + 32]);
      else if (c >= 0x61) extra.push([c - 32, c - 32]);
    }
    if (hi >= 0x80) extra.push([0x80, MAX_CP], [0x41, 0x5a], [0x61, 0x7a]);
  }
  if (intersects(set, [[0x4b, 0x4b], [0x53, 0x53], [0x6b, 0x6b], [0x73, 0x73]])) {
    extra.push([0x17f, 0x17f], [0x212a, 0x212a]);
  }
  return union(set, normalize(extra));
}

type Node =
  | { t: 'char'; set: CharSet; start: number; end: number }
  | { t: 'assert'; start: number; end: number }
  | { t: 'look'; body: Alt; behind: boolean; start: number; end: number }
  | { t: 'group'; body: Alt; start: number; end: number }
  | { t: 'quant'; atom: Node; min: number; max: number; start: number; end: number };

interface Alt {
  branches: Node[][];
}

class Parser {
  private i = 0;
  private readonly unicode: boolean;
  private fold: boolean;

  constructor(
    private readonly src: string,
    flags: string,
  ) {
    this.unicode = flags.includes('u');
    this.fold = flags.includes('i');
  }

  parse(): Alt {
    // A local `(?i:…)` modifier anywhere makes the whole analysis case-insensitive: conservative.
    if (/\(\?[a-z]*i[a-z-]*:/.test(this.src)) this.fold = true;
    const alt = this.alternation();
    if (this.i < this.src.length) throw new PatternProblem(`unexpected "${this.src[this.i]}"`);
    return alt;
  }

  private alternation(): Alt {
    const branches = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      branches.push(this.sequence());
    }
    return { branches };
  }

  private sequence(): Node[] {
    const terms: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const start = this.i;
      const atom = this.atom();
      const q = this.quantifier();
      terms.push(q ? { t: 'quant', atom, min: q.min, max: q.max, start, end: this.i } : atom);
    }
    return terms;
  }

  private quantifier(): { min: number; max: number } | undefined {
    const c = this.src[this.i];
    let q: { min: number; max: number } | undefined;
    if (c === '*') q = { min: 0, max: Infinity };
    else if (c === '+') q = { min: 1, max: Infinity };
    else if (c === '?') q = { min: 0, max: 1 };
    if (q) {
      this.i++;
    } else if (c === '{') {
      const braces = /\{(\d+)(?:(,)(\d*))?\}/y;
      braces.lastIndex = this.i;
      const m = braces.exec(this.src);
      if (!m) return undefined;
      const min = Number(m[1]);
      q = { min, max: m[2] ? (m[3] ? Number(m[3]) : Infinity) : min };
      this.i += m[0].length;
    } else {
      return undefined;
    }
    if (this.src[this.i] === '?') this.i++;
    return q;
  }

  private chars(set: CharSet, start: number): Node {
    return { t: 'char', set: this.fold ? foldCase(set) : set, start, end: this.i };
  }

  private atom(): Node {
    const start = this.i;
    const c = this.src[this.i];
    if (c === '(') {
      const rest = this.src.slice(this.i, this.i + 4);
      let look = false;
      const behind = rest.startsWith('(?<=') || rest.startsWith('(?<!');
      if (rest.startsWith('(?=') || rest.startsWith('(?!')) {
        look = true;
        this.i += 3;
      } else if (behind) {
        look = true;
        this.i += 4;
      } else {
        // `(`, `(?:`, `(?<name>`, `(?i:` / `(?-i:`: all plain groups here.
        const m = /^\((?:\?(?:<[^>]*>|[a-z-]*:))?/.exec(this.src.slice(this.i, this.i + 200));
        this.i += m ? m[0].length : 1;
      }
      const body = this.alternation();
      this.i++; // ')' (the pattern compiled, so it is there)
      const end = this.i;
      return look ? { t: 'look', body, behind, start, end } : { t: 'group', body, start, end };
    }
    if (c === '[') return this.charClass();
    if (c === '\\') {
      const set = this.escape(false);
      return set ? this.chars(set, start) : { t: 'assert', start, end: this.i };
    }
    if (c === '.') {
      this.i++;
      return this.chars(ANY, start);
    }
    if (c === '^' || c === '$') {
      this.i++;
      return { t: 'assert', start, end: this.i };
    }
    const cp = this.unicode ? (this.src.codePointAt(this.i) ?? 0) : this.src.charCodeAt(this.i);
    this.i += cp > 0xffff ? 2 : 1;
    return this.chars([[cp, cp]], start);
  }

  private charClass(): Node {
    const start = this.i;
    this.i++;
    const negate = this.src[this.i] === '^';
    if (negate) this.i++;
    const ranges: Array<readonly [number, number]> = [];
    while (this.i < this.src.length && this.src[this.i] !== ']') {
      const from = this.classAtom();
      const next = this.src[this.i + 1];
      if (this.src[this.i] === '-' && next !== undefined && next !== ']') {
        this.i++;
        const to = this.classAtom();
        if (typeof from === 'number' && typeof to === 'number') {
          ranges.push([Math.min(from, to), Math.max(from, to)]);
        } else {
          ranges.push(...single(from), [0x2d, 0x2d], ...single(to));
        }
        continue;
      }
      ranges.push(...single(from));
    }
    this.i++; // ']'
    const set = normalize(ranges);
    // Complementing before folding over-approximates what the engine matches: the safe side.
    return this.chars(negate ? complement(set) : set, start);
  }

  /** One class member: a code point, or a set for `\d`, `\w`, `\p{…}` and the like. */
  private classAtom(): number | CharSet {
    if (this.src[this.i] === '\\') {
      const set = this.escape(true) ?? ANY;
      return set.length === 1 && set[0][0] === set[0][1] ? set[0][0] : set;
    }
    const cp = this.unicode ? (this.src.codePointAt(this.i) ?? 0) : this.src.charCodeAt(this.i);
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }

  /** The characters an escape at `\` stands for; undefined for `\b`/`\B` outside a class. */
  private escape(inClass: boolean): CharSet | undefined {
    const start = this.i;
    const c = this.src[this.i + 1] ?? '';
    this.i += 2;
    const one = (cp: number): CharSet => [[cp, cp]];
    switch (c) {
      case 'd': return DIGIT;
      case 'D': return complement(DIGIT);
      case 'w': return WORD;
      case 'W': return complement(WORD);
      case 's': return SPACE;
      case 'S': return complement(SPACE);
      case 'n': return one(0x0a);
      case 'r': return one(0x0d);
      case 't': return one(0x09);
      case 'v': return one(0x0b);
      case 'f': return one(0x0c);
      case '0': return inClass || !/[0-9]/.test(this.src[this.i] ?? '') ? one(0) : ANY;
      case 'b': return inClass ? one(0x08) : undefined;
      case 'B': return inClass ? one(0x42) : undefined;
      case 'c': {
        const letter = this.src[this.i] ?? '';
        if (inClass && /[0-9_]/.test(letter)) {
          this.i++;
          return ANY;
        }
        if (!/[A-Za-z]/.test(letter)) return one(0x5c);
        this.i++;
        return one(letter.charCodeAt(0) % 32);
      }
      case 'x': {
        const hex = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.i, this.i + 2));
        if (!hex) return one(0x78);
        this.i += 2;
        return one(parseInt(hex[0], 16));
      }
      case 'u': {
        const digits = /[0-9A-Fa-f]{4}|\{[0-9A-Fa-f]+\}/y;
        digits.lastIndex = this.i;
        const hex = digits.exec(this.src);
        if (!hex || (hex[0].startsWith('{') && !this.unicode)) return one(0x75);
        this.i += hex[0].length;
        return one(parseInt(hex[0].replace(/[{}]/g, ''), 16));
      }
      case 'p':
      case 'P':
        if (this.unicode && this.src[this.i] === '{') {
          const close = this.src.indexOf('}', this.i);
          this.i = close < 0 ? this.src.length : close + 1;
          return ANY;
        }
        return one(c.charCodeAt(0));
      case 'k':
        if (!inClass && this.src[this.i] === '<') {
          const close = this.src.indexOf('>', this.i);
          throw backreference(this.src.slice(start, close < 0 ? this.i + 1 : close + 1));
        }
        return one(0x6b);
      default: {
        if (/[1-9]/.test(c)) {
          // In a class this is a legacy octal escape: rare, so "any character" is precise enough.
          if (inClass) return ANY;
          throw backreference(`\\${/^[0-9]*/.exec(this.src.slice(this.i - 1))?.[0] ?? c}`);
        }
        const cp = this.unicode ? (this.src.codePointAt(this.i - 1) ?? 0) : c.charCodeAt(0);
        if (cp > 0xffff) this.i++;
        return one(cp);
      }
    }
  }
}

function single(atom: number | CharSet): CharSet {
  return typeof atom === 'number' ? [[atom, atom]] : atom;
}

function backreference(text: string): PatternProblem {
  return new PatternProblem(
    `backreference "${text}" can take exponential time and is not supported; match the text itself`,
  );
}

function quote(src: string, node: { start: number; end: number }): string {
  const text = src.slice(node.start, node.end);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function containsQuantifier(node: Node): boolean {
  if (node.t === 'quant') return true;
  if (node.t === 'group' || node.t === 'look') {
    return node.body.branches.some((b) => b.some(containsQuantifier));
  }
  return false;
}

interface First {
  set: CharSet;
  /** Can match without consuming a character. */
  empty: boolean;
}

/** What a node can start with. Lookarounds count as "anything" (they may fail on any character). */
function firstOf(node: Node): First {
  switch (node.t) {
    case 'char':
      return { set: node.set, empty: false };
    case 'assert':
      return { set: NONE, empty: true };
    case 'look':
      return { set: ANY, empty: true };
    case 'group':
      return firstOfAlt(node.body);
    case 'quant': {
      const f = firstOf(node.atom);
      return { set: f.set, empty: f.empty || node.min === 0 };
    }
  }
}

function firstOfSeq(terms: readonly Node[]): First {
  let set = NONE;
  for (const term of terms) {
    const f = firstOf(term);
    set = union(set, f.set);
    if (!f.empty) return { set, empty: false };
  }
  return { set, empty: true };
}

function firstOfAlt(alt: Alt): First {
  let set = NONE;
  let empty = false;
  for (const b of alt.branches) {
    const f = firstOfSeq(b);
    set = union(set, f.set);
    empty ||= f.empty;
  }
  return { set, empty };
}

/** True when two branches can start with the same character, or one can match nothing. */
function ambiguous(alt: Alt): boolean {
  if (alt.branches.length < 2) return false;
  const firsts = alt.branches.map(firstOfSeq);
  if (firsts.some((f) => f.empty)) return true;
  for (let a = 0; a < firsts.length; a++) {
    for (let b = a + 1; b < firsts.length; b++) {
      if (intersects(firsts[a].set, firsts[b].set)) return true;
    }
  }
  return false;
}

function findAmbiguousAlt(node: Node): boolean {
  if (node.t === 'group' || node.t === 'look') {
    return ambiguous(node.body) || node.body.branches.some((b) => b.some(findAmbiguousAlt));
  }
  return node.t === 'quant' && findAmbiguousAlt(node.atom);
}

/** Exponential shapes: a repeated group holding a quantifier, or overlapping alternatives. */
function repetitionProblem(root: Alt, src: string): string | undefined {
  const visit = (node: Node): string | undefined => {
    if (node.t === 'quant') {
      if (node.max > 1 && containsQuantifier(node.atom)) {
        return (
          `nested quantifier "${quote(src, node)}" can take exponential time; ` +
          'rewrite without repeating a repeated group'
        );
      }
      if (node.max > 1 && findAmbiguousAlt(node.atom)) {
        return (
          `repeated alternation "${quote(src, node)}" has alternatives that can match the same ` +
          'text, which can take exponential time; make each alternative start with a different ' +
          'character'
        );
      }
      return visit(node.atom);
    }
    if (node.t === 'group' || node.t === 'look') return visitAlt(node.body);
    return undefined;
  };
  const visitAlt = (alt: Alt): string | undefined => {
    for (const b of alt.branches) {
      for (const term of b) {
        const found = visit(term);
        if (found) return found;
      }
    }
    return undefined;
  };
  return visitAlt(root);
}

interface Quant {
  node: Node & { t: 'quant' };
  /** Characters it can consume: what another repetition must share to take turns with it. */
  chars: CharSet;
  positions: number[];
  /** Longest stretch it scans once reached. */
  weight: number;
}

/**
 * Finds chains of repetitions that can take turns over the same characters. Each link multiplies
 * the matching time by up to the branch length: `[a-z]+[a-z]+x` is cubic, `[\w-]+_(?<key>\d+)` is
 * quadratic (`_` cannot be a digit, so the two never rescan the same stretch). The search is the
 * regular expression's position graph (Glushkov), lookarounds taken as optional detours.
 */
function costProblem(root: Alt, src: string, flags: string): string | undefined {
  const L = MaxBranchLength;
  const sets: CharSet[] = [];
  const follow: Array<Set<number>> = [];
  const quants: Quant[] = [];
  const owner: Array<Quant | undefined> = [];
  interface Built {
    first: number[];
    last: number[];
    nullable: boolean;
  }
  const link = (from: number[], to: number[]) => {
    for (const f of from) for (const t of to) follow[f].add(t);
  };
  // A lookbehind matches right to left, so its sequences are walked backwards.
  const buildSeq = (
    terms: readonly Node[],
    q: Quant | undefined,
    endsMatch: boolean,
    back: boolean,
  ): Built => {
    let first: number[] = [];
    let last: number[] = [];
    let nullable = true;
    const ordered = back ? [...terms].reverse() : terms;
    ordered.forEach((term, k) => {
      const rest = endsMatch && ordered.slice(k + 1).every(alwaysEmpty);
      const b = build(term, q, rest, back);
      link(last, b.first);
      if (nullable) first = [...first, ...b.first];
      last = b.nullable ? [...last, ...b.last] : b.last;
      nullable &&= b.nullable;
    });
    return { first, last, nullable };
  };
  const buildAlt = (alt: Alt, q: Quant | undefined, endsMatch: boolean, back: boolean): Built => {
    const parts = alt.branches.map((b) => buildSeq(b, q, endsMatch, back));
    return {
      first: parts.flatMap((p) => p.first),
      last: parts.flatMap((p) => p.last),
      nullable: parts.some((p) => p.nullable),
    };
  };
  // `endsMatch`: nothing after this node can fail, so once it has matched, the match is found.
  const build = (node: Node, q: Quant | undefined, endsMatch: boolean, back: boolean): Built => {
    switch (node.t) {
      case 'char': {
        const p = sets.length;
        sets.push(node.set);
        follow.push(new Set());
        owner.push(q);
        if (q) {
          q.positions.push(p);
          q.chars = union(q.chars, node.set);
        }
        return { first: [p], last: [p], nullable: false };
      }
      case 'assert':
        return { first: [], last: [], nullable: true };
      case 'look':
        return { ...buildAlt(node.body, q, false, node.behind), nullable: true };
      case 'group':
        return buildAlt(node.body, q, endsMatch, back);
      case 'quant': {
        if (node.max === 0) return { first: [], last: [], nullable: true };
        if (node.max === 1) return { ...build(node.atom, q, endsMatch, back), nullable: true };
        // Repeated groups hold no quantifier (checked before), so `q` is undefined here.
        const reps = Math.min(node.max, L);
        const weight = endsMatch ? Math.min(node.min, L) + 1 : reps;
        const mine: Quant = { node, chars: NONE, positions: [], weight };
        quants.push(mine);
        const b = build(node.atom, mine, false, back);
        link(b.last, b.first);
        return { ...b, nullable: b.nullable || node.min === 0 };
      }
    }
  };
  const top = buildAlt(root, undefined, true, false);

  // Can the match go from `sources` into `target` over characters that both repetitions accept?
  const reaches = (sources: number[], target: Quant, shared: CharSet, from?: Quant): boolean => {
    const seen = new Set<number>();
    const queue: number[] = [];
    const visit = (p: number): boolean => {
      if (owner[p] === target) return true;
      const looping = from !== undefined && owner[p] === from;
      if (seen.has(p) || (!looping && !intersects(sets[p], shared))) return false;
      seen.add(p);
      queue.push(p);
      return false;
    };
    for (const p of sources) if (visit(p)) return true;
    while (queue.length > 0) {
      for (const n of follow[queue.shift() as number]) if (visit(n)) return true;
    }
    return false;
  };

  // Anchored at the start (no `m` flag): every other start position fails at once.
  const anchored =
    !flags.includes('m') &&
    root.branches.every((b) => b[0]?.t === 'assert' && src[b[0].start] === '^');
  const best: number[] = [];
  const previous: Array<number | undefined> = [];
  quants.forEach((q, j) => {
    let into = reaches(top.first, q, q.chars) ? (anchored ? 1 : L) : 1;
    previous.push(undefined);
    for (let i = 0; i < j; i++) {
      const from = quants[i];
      const shared = intersectSets(from.chars, q.chars);
      if (best[i] > into && shared.length > 0 && reaches(from.positions, q, shared, from)) {
        into = best[i];
        previous[j] = i;
      }
    }
    best.push(into * q.weight);
  });
  // Alternatives add up: each chain is tried in turn at every start position.
  const total = best.reduce((sum, b) => sum + b, L);
  if (total <= MaxEstimatedSteps) return undefined;
  const heaviest = Math.max(...best);
  const chain: string[] = [];
  for (let j: number | undefined = best.indexOf(heaviest); j !== undefined; j = previous[j]) {
    chain.unshift(`"${quote(src, quants[j].node)}"`);
  }
  const more = heaviest * 2 <= MaxEstimatedSteps ? ', with others like it' : '';
  return (
    `repetitions that can take turns over the same characters (${chain.join(' then ')}${more}) ` +
    'can take too long on a long branch name; bound them (e.g. {1,20}) or make them exclusive ' +
    '(e.g. [^/]* instead of .*)'
  );
}

/** Matches the empty string whatever the input: nothing after it can make the match fail. */
function alwaysEmpty(node: Node): boolean {
  if (node.t === 'quant') return node.min === 0 || alwaysEmpty(node.atom);
  if (node.t === 'group') return node.body.branches.some((b) => b.every(alwaysEmpty));
  return false;
}

/** `acme-42` → `ACME-42`; `123` → `#123`; `#7` stays. */
export function normalizeKey(raw: string): string {
  const trimmed = raw.trim();
  if (/^#?[0-9]+$/.test(trimmed)) return `#${trimmed.replace(/^#/, '').replace(/^0+(?=\d)/, '')}`;
  return trimmed.toUpperCase();
}

/** The project part of a key: `ACME` for `ACME-42`, undefined for `#123`. */
export function projectOf(key: string): string | undefined {
  const m = /^([A-Z][A-Z0-9_]*)-[0-9]+$/.exec(key);
  return m ? m[1] : undefined;
}

/** Whether a typed key looks like a ticket key (for `setTicketForBranch`). */
export function isTicketKey(text: string): boolean {
  return /^(?:[A-Za-z][A-Za-z0-9_]{0,19}-[0-9]{1,9}|#?[0-9]{1,9})$/.test(text.trim());
}

/**
 * Which kind of key wins when a branch holds both: `project` (ACME-42, for trackers with project keys)
 * or `number` (#123, for trackers whose issues are numbers).
 */
export type KeyPreference = 'project' | 'number';

/**
 * Finds the ticket key in a branch name: patterns in order, every match of each, the first key that
 * passes the project filter wins. With `prefer: 'number'`, numeric keys from any pattern are tried
 * before project keys. Only the first `MaxBranchLength` characters are looked at.
 */
export function parseTicketKey(
  branch: string | undefined,
  compiled: CompiledPatterns,
  projectKeys: readonly string[] = [],
  prefer: KeyPreference = 'project',
): string | undefined {
  if (!branch) return undefined;
  const name = branch.replace(/^refs\/heads\//, '').slice(0, MaxBranchLength);
  const allowed = new Set(projectKeys.map((k) => k.trim().toUpperCase()).filter(Boolean));
  const accept = (key: string): boolean => {
    const project = projectOf(key);
    if (allowed.size > 0) return project !== undefined && allowed.has(project);
    return !(project && NotProjectKeys.test(project));
  };
  const passes: Array<(key: string) => boolean> =
    prefer === 'number' ? [(k) => k.startsWith('#'), (k) => !k.startsWith('#')] : [() => true];
  for (const pass of passes) {
    for (const pattern of compiled.patterns) {
      pattern.lastIndex = 0;
      for (const match of name.matchAll(pattern)) {
        const raw = match.groups?.key ?? match[0];
        if (!raw) continue;
        const key = normalizeKey(raw);
        if (isTicketKey(key) && pass(key) && accept(key)) return key;
      }
    }
  }
  return undefined;
}
