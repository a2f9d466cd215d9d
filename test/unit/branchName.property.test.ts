// Every branch Start Work names is a valid git branch name that gives its ticket key back through the
// same patterns, whatever the title (any script, emoji, punctuation, 64 KB) and template, in < 50 ms.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import fc from 'fast-check';
import {
  DefaultTicketPatterns,
  type KeyPreference,
  compilePatterns,
  parseTicketKey,
} from '../../src/core/branch';
import {
  DefaultBranchTemplate,
  MaxBranchNameLength,
  MaxSlugLength,
  branchNameFor,
  isValidBranchName,
  slugify,
} from '../../src/core/branchName';
import { KB64, Worst, describeInput, fill, hostileText } from './property/timing';

const defaults = compilePatterns(DefaultTicketPatterns);
const worst = new Worst('branchNameFor');

const latin = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éèçñüßøłÆŒ';
const cyrillic = 'абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯіїєґў';
const arabic = 'ابتثجحخدذرزسشصضطظعغفقكلمنهوي٠١٢٣';
const emoji = ['🚀', '🔥', '👩‍💻', '🇷🇺', '❤️', '1️⃣', '🏳️‍🌈'];
const punctuation = [...' \t\n.,;:!?-_/\\()[]{}<>@#$%^&*~`\'"|+=«»—–…’', '..', '@{', '.lock', '~1', '^{}'];

const word = (chars: string) => fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: 12 });
/** Titles as people (and attackers) write them: words of several scripts, emoji and punctuation. */
const title = fc.oneof(
  fc
    .array(
      fc.oneof(
        word(latin),
        word(cyrillic),
        word(arabic),
        fc.constantFrom(...emoji),
        fc.constantFrom(...punctuation),
        fc.constantFrom('ACME-41', 'ops-7', 'issue-5', 'gh-9', '123-', 'v2-3', 'utf-8', '1С', '#12'),
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join(' ')),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  hostileText,
);

/** 64 KB titles made of one unit: the inputs that would expose work per character. */
const bigUnits = [
  'a', 'я', 'ت', '发', '🚀', '\u0301', '\ud800', ' ', '-', 'ь', "'", 'ʔ', 'Ａ', '①', 'ß', 'a1-', 'ACME-1 ',
  'Выгрузка ', 'e\u0301',
];
const bigTitle = fc.constantFrom(...bigUnits).map((u) => fill(u));

// Project keys the default patterns can see: a letter, 1–9 more letters or digits, 1–7 digits.
const NotProjects = /^(?:UTF|SHA|ISO|RFC|CVE|ES|WIN|X86|X64|ARM|MD|HTTP|TLS|SSL|IPV|GH|ISSUES?|V[0-9]+)$/;
const project = fc
  .tuple(
    fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
    fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: 1, maxLength: 9 }),
  )
  .map(([a, b]) => a + b)
  .filter((p) => !NotProjects.test(p));
const number = fc.integer({ min: 1, max: 9_999_999 });
const projectKey = fc
  .tuple(project, number, fc.boolean())
  .map(([p, n, lower]) => (lower ? `${p.toLowerCase()}-${n}` : `${p}-${n}`));
const numberKey = fc.tuple(number, fc.boolean()).map(([n, hash]) => (hash ? `#${n}` : `${n}`));
const prefer = fc.constantFrom<KeyPreference>('project', 'number');

/** Templates users write, valid or not: the result must be right whether the template is used or not. */
const template = fc.oneof(
  fc.constant(DefaultBranchTemplate),
  fc
    .array(
      fc.constantFrom(
        '${key}', '${slug}', 'feature/', 'users/anna/', '-', '_', '/', '.', '..', ' ', '~', '@{', '.lock',
        'ops-1/', 'issue-', '${title}', '${', 'x', '123-', 'team/'.repeat(45),
      ),
      { maxLength: 6 },
    )
    .map((parts) => parts.join('')),
);

function check(
  tpl: string,
  key: string,
  text: string,
  keys: string[],
  how: KeyPreference,
  expectOk: boolean,
): void {
  const what = `${JSON.stringify(tpl)} ${key} ${describeInput(text)} ${JSON.stringify(keys)} ${how}`;
  const r = worst.time(what, () => branchNameFor(tpl, { key, title: text }, defaults, keys, how));
  if (!r.ok) {
    assert.ok(!expectOk, `no name: ${r.problem} (${what})`);
    assert.match(r.problem, /customerContext\.|ticket key/);
    return;
  }
  assert.ok(isValidBranchName(r.name), `invalid name ${JSON.stringify(r.name)} (${what})`);
  assert.ok(r.name.length <= MaxBranchNameLength);
  assert.equal(parseTicketKey(r.name, defaults, keys, how), r.key, `${r.name} (${what})`);
  if (tpl === DefaultBranchTemplate) assert.equal(r.fallback, undefined, `${r.fallback} (${what})`);
  else if (r.fallback) assert.match(r.fallback, /customerContext\.branchTemplate/);
}

describe('ticket → branch name (property-based)', function () {
  this.timeout(120_000);

  after(() => {
    console.log(`      ${worst.report()}`);
  });

  it('gives a valid branch name that yields the project key back, default patterns', () => {
    fc.assert(
      fc.property(template, projectKey, title, prefer, (tpl, key, text, how) => {
        check(tpl, key, text, [], how, true);
      }),
      { numRuns: 200 },
    );
  });

  it('gives a valid branch name that yields the #123 key back, default patterns', () => {
    fc.assert(
      fc.property(template, numberKey, title, prefer, (tpl, key, text, how) => {
        check(tpl, key, text, [], how, true);
      }),
      { numRuns: 200 },
    );
  });

  it('with projectKeys: a name for keys of those projects, a reason for any other key', () => {
    fc.assert(
      fc.property(
        template,
        fc.oneof(projectKey, numberKey, fc.constantFrom('ACME-42', 'ops-7', 'OTHER-1')),
        title,
        prefer,
        (tpl, key, text, how) => {
          const keys = ['ACME', 'OPS'];
          const visible = /^(?:acme|ops)-\d+$/i.test(key);
          check(tpl, key, text, keys, how, visible);
          if (!visible) assert.equal(branchNameFor(tpl, { key, title: text }, defaults, keys, how).ok, false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it(`takes under 50 ms on 64 KB titles`, () => {
    fc.assert(
      fc.property(template, fc.oneof(projectKey, numberKey), bigTitle, prefer, (tpl, key, text, how) => {
        assert.equal(text.length, KB64);
        check(tpl, key, text, [], how, true);
      }),
      { numRuns: 100 },
    );
    for (const unit of bigUnits) check(DefaultBranchTemplate, 'ACME-42', fill(unit), [], 'project', true);
  });

  it('slugs are lower-case ASCII words joined by single hyphens, at most 40 characters', () => {
    fc.assert(
      fc.property(fc.oneof(title, bigTitle), fc.integer({ min: 1, max: 60 }), (text, max) => {
        const slug = slugify(text, max);
        assert.ok(slug.length <= Math.min(max, KB64), slug);
        assert.ok(slug === '' || /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug), JSON.stringify(slug));
        assert.ok(slugify(text).length <= MaxSlugLength);
      }),
      { numRuns: 200 },
    );
  });
});

describe('isValidBranchName against git (property-based)', function () {
  this.timeout(60_000);

  it('agrees with `git check-ref-format --branch` on names from the characters git cares about', function () {
    if (spawnSync('git', ['--version']).status !== 0) this.skip();
    const unit = fc.constantFrom(...'ab/.-@{}~^:?*[\\ lock', '\t', '\u007f', 'é', '..', '.lock', '@{');
    fc.assert(
      fc.property(fc.string({ unit, minLength: 1, maxLength: 12 }), (name) => {
        // Outside any repository, so `--branch` does not expand `@{-1}` and friends.
        const git = spawnSync('git', ['check-ref-format', '--branch', name], { cwd: os.tmpdir() });
        // `@` alone passes check-ref-format --branch but git branch refuses it: we are stricter there.
        assert.equal(isValidBranchName(name), git.status === 0 && name !== '@', JSON.stringify(name));
      }),
      { numRuns: 150 },
    );
  });
});
