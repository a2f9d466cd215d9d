import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DefaultTicketPatterns,
  MaxBranchLength,
  compilePatterns,
  isTicketKey,
  parseTicketKey,
  patternProblem,
  type CompiledPatterns,
  type KeyPreference,
} from '../../src/core/branch';

const BOUND_MS = 50;
const KB64 = 64 * 1024;
const defaults = compilePatterns(DefaultTicketPatterns);

/**
 * Milliseconds `run` takes. A slow try is repeated (best of three) so that a garbage collection or a
 * busy neighbour process does not count as the input's cost: a slow pattern is slow every time.
 */
function timed(run: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3 && best >= BOUND_MS / 10; i++) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

let worst = { ms: 0, what: '' };
function record(ms: number, what: string): void {
  if (ms > worst.ms) worst = { ms, what };
}

function compiles(body: string, flags: string): boolean {
  try {
    new RegExp(body, flags);
    return true;
  } catch {
    return false;
  }
}

function fill(unit: string, size = KB64): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

const ascii = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const cyrillic = 'абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ';
const separators = '/-_.';
const branchChar = fc.constantFrom(...[...ascii, ...cyrillic, ...separators, ...'#@ ~']);
const branchToken = fc.constantFrom(
  'feature/', 'bugfix/', 'users/anna/', 'ACME-', 'acme-', 'gh-', 'issue-', 'issues/', '123', '-',
  '_', '/', '1c', 'v2.3', 'выгрузка-', 'счетов', 'refs/heads/', 'utf-8', 'ABC-123-', '.',
);
/** Branch names built from realistic parts and characters. */
const branchName = fc
  .array(fc.oneof(branchChar, branchToken), { maxLength: 60 })
  .map((parts) => parts.join(''));

/** 64 KB made of one short unit repeated: the shapes that make backtracking work hardest. */
const worstUnits = [
  'a', '-', '0', '9', 'a-1', '/', 'A-1', '1-', 'a/', '_1', 'ACME-1', '-1c', 'я', '.1',
];
const worstInput = fc
  .oneof(
    fc.constantFrom(...worstUnits),
    fc.string({ unit: fc.constantFrom(...'aA1-/_.x я'), minLength: 1, maxLength: 4 }),
  )
  .map((unit) => fill(unit));

const prefer = fc.constantFrom<KeyPreference>('project', 'number');
const projectKeys = fc.constantFrom<string[]>([], ['ACME'], ['ACME', 'OPS']);

function checkParse(
  name: string,
  compiled: CompiledPatterns,
  keys: string[],
  how: KeyPreference,
  label: string,
): void {
  let key: string | undefined;
  const ms = timed(() => {
    key = parseTicketKey(name, compiled, keys, how);
  });
  record(ms, label);
  assert.ok(key === undefined || isTicketKey(key), `not a ticket key: ${key}`);
  assert.ok(ms < BOUND_MS, `${label}: ${ms.toFixed(1)} ms for ${name.length} characters`);
}

// Regular-expression pieces users write, including the ones that make backtracking expensive.
const atoms = [
  'a', 'b', 'A', '-', '/', '_', '1', 'x', '\\d', '\\D', '\\w', '\\W', '\\s', '.', '[a-z]', '[^/]',
  '[^a]', '[\\w-]', '[ab]', '[a-z0-9]', '\\x61', '[\\da]', '\\p{L}',
];
const quantifiers = ['', '', '*', '+', '?', '{1,7}', '{2,}', '{1,40}', '{0,100}', '+?', '*?', '{3}'];
const atom = fc.constantFrom(...atoms);
const quantifier = fc.constantFrom(...quantifiers);
const piece: fc.Arbitrary<string> = fc.letrec<{ p: string }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small' },
    fc.tuple(atom, quantifier).map(([a, q]) => a + q),
    fc.constantFrom('\\b', '$', '^'),
    fc
      .tuple(
        fc.constantFrom('(?:', '(', '(?=', '(?!', '(?<=', '(?<!'),
        fc.array(tie('p'), { minLength: 1, maxLength: 3 }),
        fc.array(tie('p'), { maxLength: 2 }),
        quantifier,
      )
      .map(([open, first, second, q]) => {
        const body = first.join('') + (second.length > 0 ? `|${second.join('')}` : '');
        return `${open}${body})${open === '(?:' || open === '(' ? q : ''}`;
      }),
  ),
})).p;
const alternative = fc
  .tuple(
    fc.constantFrom('', '^', '(?:^|/)'),
    fc.array(piece, { minLength: 1, maxLength: 6 }),
    fc.constantFrom('', '$', 'x', '(?<key>\\d+)'),
  )
  .map(([head, body, tail]) => head + body.join('') + tail);
/** A pattern body (one to three alternatives) and its flags (`u` always, so `\p{L}` is valid). */
const userPattern = fc
  .tuple(fc.array(alternative, { minLength: 1, maxLength: 3 }), fc.constantFrom('u', 'iu', 'mu', 'su'))
  .map(([alternatives, flags]) => ({ body: alternatives.join('|'), flags }));

// Fixed worst-case inputs for the pattern property: each a character run or a short cycle.
const patternInputs = [
  ...[...'ab-/_1xA. '].flatMap((c) => [fill(c), fill(c, KB64 - 1) + '!']),
  ...['ab', 'a1', '-1', '/a', '_1', 'aA', 'a-1', 'ab1_', 'a1-/', '1b', 'x1', 'a/'].map((u) => fill(u)),
];

describe('branch → ticket key (property-based)', function () {
  this.timeout(120_000);

  after(() => {
    console.log(`      worst time: ${worst.ms.toFixed(2)} ms (${worst.what})`);
  });

  it('never throws and returns a ticket key or nothing, quickly, for realistic branch names', () => {
    fc.assert(
      fc.property(branchName, projectKeys, prefer, (name, keys, how) => {
        checkParse(name, defaults, keys, how, 'realistic name');
      }),
      { numRuns: 200 },
    );
  });

  it(`finds every key it returns in the branch name (${MaxBranchLength}-character cap aside)`, () => {
    fc.assert(
      fc.property(branchName, prefer, (name, how) => {
        const key = parseTicketKey(name, defaults, [], how);
        if (key === undefined) return;
        const digits = key.replace(/^#|^[A-Z][A-Z0-9]*-/, '');
        assert.ok(name.includes(digits), `${key} from ${name}`);
      }),
      { numRuns: 200 },
    );
  });

  it(`takes under ${BOUND_MS} ms on 64 KB worst-case names`, () => {
    fc.assert(
      fc.property(worstInput, projectKeys, prefer, (name, keys, how) => {
        checkParse(name, defaults, keys, how, `64 KB of ${JSON.stringify(name.slice(0, 6))}`);
      }),
      { numRuns: 100 },
    );
    for (const unit of worstUnits) checkParse(fill(unit), defaults, [], 'project', `64 KB of ${unit}`);
  });

  it(`runs each user pattern the checker accepts in < ${BOUND_MS} ms on 64 KB worst-case names`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(userPattern, ({ body, flags }) => {
        // Alternatives may repeat the `key` group name, which Node 20 does not accept yet.
        fc.pre(compiles(body, `g${flags}`) && patternProblem(body, `g${flags}`) === undefined);
        accepted++;
        const compiled = compilePatterns([`/${body}/${flags}`]);
        assert.deepEqual(compiled.problems, []);
        for (const input of patternInputs) {
          const label = `/${body}/${flags} on ${JSON.stringify(input.slice(0, 4))}…`;
          checkParse(input, compiled, [], 'project', label);
        }
      }),
      { numRuns: 150, maxSkipsPerRun: 50 },
    );
    assert.equal(accepted, 150);
  });

  it('never throws while checking any pattern that compiles, and bounds the ones it accepts', () => {
    const unit = fc.constantFrom(...'()[]{}|*+?.^$\\-/:=!<>,dwsbk1a_x0');
    const syntax = fc.string({ unit, maxLength: 40 });
    fc.assert(
      fc.property(syntax, fc.constantFrom('', 'u', 'i'), (body, flags) => {
        if (!compiles(body, `g${flags}`)) return;
        const problem = patternProblem(body, `g${flags}`);
        assert.ok(problem === undefined || typeof problem === 'string');
        if (problem !== undefined || body === '') return;
        const compiled = compilePatterns([`/${body}/${flags}`]);
        for (const input of [fill('a'), fill('a1-/'), fill('\\'), fill('_k')]) {
          checkParse(input, compiled, [], 'project', `/${body}/${flags}`);
        }
      }),
      { numRuns: 200 },
    );
  });
});

// Generators of the exponential shapes: each must be refused, whatever surrounds it.
const simpleAtom = fc.constantFrom('a', '\\w', '\\d', '[a-z]', '.', '[^/]', '-', '\\s');
const innerQuantifier = fc.constantFrom('+', '*', '?', '{1,3}', '{2,}', '+?');
const outerQuantifier = fc.constantFrom('+', '*', '{2,}', '{1,5}', '*?', '{2}');
const open = fc.constantFrom('(', '(?:', '(?<n>');
const safeBefore = fc.constantFrom('', 'x', 'feature/', '^', '(?<key>\\d+)-', '[A-Z]{2}');
const safeAfter = fc.constantFrom('', 'x', '/', '$', '-[0-9]{1,7}', '[A-Z]{2}');

describe('user pattern checker (property-based)', () => {
  it('refuses every repeated group that holds a quantifier', () => {
    const nested = fc
      .tuple(
        safeBefore,
        open,
        fc.array(simpleAtom, { maxLength: 2 }),
        simpleAtom,
        innerQuantifier,
        fc.array(simpleAtom, { maxLength: 2 }),
        outerQuantifier,
        safeAfter,
      )
      .map(([before, o, pre, a, q, post, outer, after]) => {
        return `${before}${o}${pre.join('')}${a}${q}${post.join('')})${outer}${after}`;
      });
    fc.assert(
      fc.property(nested, (body) => {
        const { problems } = compilePatterns(['T(?<key>[0-9]+)', body]);
        assert.equal(problems.length, 1, body);
        assert.match(problems[0], /^customerContext\.ticketPatterns\[1\]: nested quantifier "/, body);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses every repeated alternation whose alternatives can start alike', () => {
    const overlap = fc
      .tuple(
        safeBefore,
        open,
        simpleAtom,
        fc.array(simpleAtom, { minLength: 1, maxLength: 2 }),
        outerQuantifier,
      )
      .map(([before, o, a, rest, outer]) => `${before}${o}${a}|${a}${rest.join('')})${outer}x`);
    fc.assert(
      fc.property(overlap, (body) => {
        assert.match(patternProblem(body, 'g') ?? '', /^repeated alternation "/, body);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses every backreference', () => {
    const backref = fc
      .tuple(safeBefore, simpleAtom, fc.boolean(), safeAfter)
      .map(([before, a, named, after]) =>
        named ? `${before}(?<r>${a}+)-\\k<r>${after}` : `${before}(${a}+)-\\1${after}`,
      );
    fc.assert(
      fc.property(backref, (body) => {
        assert.match(patternProblem(body, 'g') ?? '', /^backreference "\\(1|k<r>)"/, body);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses three repetitions in a row over the same characters', () => {
    const run = fc
      .tuple(
        simpleAtom,
        fc.array(fc.constantFrom('+', '*', '{1,}', '+?', '*?'), { minLength: 3, maxLength: 4 }),
      )
      .map(([a, qs]) => `${qs.map((q) => a + q).join('')}!`);
    fc.assert(
      fc.property(run, (body) => {
        assert.match(patternProblem(body, 'g') ?? '', /^repetitions that can take turns/, body);
      }),
      { numRuns: 100 },
    );
  });
});
