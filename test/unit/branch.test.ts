import * as assert from 'node:assert/strict';
import {
  DefaultTicketPatterns,
  MaxBranchLength,
  MaxPatternLength,
  compilePatterns,
  isTicketKey,
  parseTicketKey,
  patternProblem,
} from '../../src/core/branch';
import * as manifest from '../../package.json';

const defaults = compilePatterns(DefaultTicketPatterns);

// [branch, expected key with default settings, expected with projectKeys ["ACME"]]
const table: Array<[string, string | undefined, string | undefined]> = [
  ['feature/ACME-42-export-pdf', 'ACME-42', 'ACME-42'],
  ['ACME-42', 'ACME-42', 'ACME-42'],
  ['acme-42-fix', 'ACME-42', 'ACME-42'],
  ['bugfix/ACME-7_typo', 'ACME-7', 'ACME-7'],
  ['users/anna/ACME-1234', 'ACME-1234', 'ACME-1234'],
  ['123-fix-login', '#123', undefined],
  ['issue-123', '#123', undefined],
  ['gh-123', '#123', undefined],
  ['main', undefined, undefined],
  ['develop', undefined, undefined],
  ['release/2.3', undefined, undefined],
  ['dependabot/npm_and_yarn/axios-1.7.4', undefined, undefined],
  ['release/v2-3', undefined, undefined],
  ['refs/heads/feature/ACME-9-x', 'ACME-9', 'ACME-9'],
  ['feature/ABC-123_fix', 'ABC-123', undefined],
  ['abc-123', 'ABC-123', undefined],
  ['ABC-123-ABC-124', 'ABC-123', undefined],
  ['fix/日本語-ABC-1', 'ABC-1', undefined],
  ['hotfix/PROJ-99999', 'PROJ-99999', undefined],
  ['feature/ENG-42', 'ENG-42', undefined],
  ['ENG-42/sub-task', 'ENG-42', undefined],
  ['chore/update-deps', undefined, undefined],
  ['fix-utf-8-encoding', undefined, undefined],
  ['feature/sha-256-hashes', undefined, undefined],
  ['feature/123-x', '#123', undefined],
  ['fix/gh_45', '#45', undefined],
  ['issues/77', '#77', undefined],
  ['Issue-8-typo', '#8', undefined],
  ['renovate/node-20.x', undefined, undefined],
  ['release/2024.10', undefined, undefined],
  ['v1.2.3', undefined, undefined],
  ['feature/add-oauth2-login', undefined, undefined],
  ['$(touch x)', undefined, undefined],
  [';rm -rf /', undefined, undefined],
  ['--upload-pack=evil', undefined, undefined],
  ['../../ACME-5', 'ACME-5', 'ACME-5'],
  ['feature/x'.repeat(30) + '/ACME-3', 'ACME-3', 'ACME-3'],
  ['wip/OPS-12_acme-42', 'OPS-12', 'ACME-42'],
  ['feature/ACME42', undefined, undefined],
  ['ACME-0042', 'ACME-0042', 'ACME-0042'],
  ['team/a1-7-fix', 'A1-7', undefined],
  ['x-1', undefined, undefined],
  ['', undefined, undefined],
  // A key ends at a word boundary: `1c` is no number, so the leading GitHub number is the key.
  ['123-vygruzka-schetov-1c', '#123', undefined],
  ['feature/ACME-42c', undefined, undefined],
  ['feature/ACME-42b-export', undefined, undefined],
  ['ACME-42-1c', 'ACME-42', 'ACME-42'],
  ['issue-12abc', undefined, undefined],
  ['gh-7x', undefined, undefined],
];

describe('branch → ticket key', () => {
  it(`has at least 40 cases in the table (${table.length})`, () => assert.ok(table.length >= 40));

  for (const [branch, expected, withProject] of table) {
    it(`${JSON.stringify(branch)} → ${expected ?? 'none'} / with ACME: ${withProject ?? 'none'}`, () => {
      assert.equal(parseTicketKey(branch, defaults), expected);
      assert.equal(parseTicketKey(branch, defaults, ['ACME']), withProject);
    });
  }

  it('looks at the first MaxBranchLength characters only', () => {
    const deep = 'feature/x'.repeat(30) + '/ACME-3';
    assert.ok(deep.length > 255, 'the long example is longer than a 255-character cap');
    assert.equal(parseTicketKey(deep, defaults), 'ACME-3');
    assert.equal(parseTicketKey('x'.repeat(MaxBranchLength - 7) + '/ACME-3', defaults), 'ACME-3');
    assert.equal(parseTicketKey('x'.repeat(MaxBranchLength) + '/ACME-3', defaults), undefined);
    const ref = 'refs/heads/' + 'x'.repeat(MaxBranchLength - 7) + '/ACME-3';
    assert.equal(parseTicketKey(ref, defaults), 'ACME-3', 'the cap applies after refs/heads/');
  });

  it('returns nothing for a detached HEAD (no branch name)', () => {
    assert.equal(parseTicketKey(undefined, defaults), undefined);
  });

  it('keeps package.json defaults equal to the built-in patterns', () => {
    const setting = manifest.contributes.configuration.properties['customerContext.ticketPatterns'];
    assert.deepEqual(setting.default, DefaultTicketPatterns);
  });

  it('reports an invalid user pattern with its setting index and keeps the valid ones', () => {
    const compiled = compilePatterns(['(?<key>[A-Z]+-[0-9]+', 'TASK(?<key>[0-9]+)']);
    assert.equal(compiled.problems.length, 1);
    assert.match(compiled.problems[0], /^customerContext\.ticketPatterns\[0\]: /);
    assert.equal(parseTicketKey('feature/TASK77', compiled), '#77');
  });

  it('falls back to the defaults when no user pattern compiles', () => {
    const compiled = compilePatterns(['(']);
    assert.equal(compiled.problems.length, 1);
    assert.equal(parseTicketKey('feature/ACME-1-x', compiled), 'ACME-1');
  });

  it('accepts /body/flags patterns', () => {
    assert.equal(parseTicketKey('Fix-Login-T9', compilePatterns(['/t(?<key>[0-9]+)/i'])), '#9');
  });

  it('reports an empty or non-string pattern', () => {
    const compiled = compilePatterns(['', 42 as unknown as string, 'T(?<key>[0-9]+)']);
    assert.deepEqual(compiled.problems, [
      'customerContext.ticketPatterns[0]: is empty; it would match everywhere',
      'customerContext.ticketPatterns[1]: is not a string; write the regular expression in quotes',
    ]);
    assert.equal(parseTicketKey('T5', compiled), '#5');
  });

  it('validates typed keys', () => {
    assert.ok(isTicketKey('ACME-42'));
    assert.ok(isTicketKey('#12'));
    assert.ok(!isTicketKey('ACME 42'));
    assert.ok(!isTicketKey('<script>'));
  });
});

describe('branch → ticket key with numbered issues first', () => {
  // [branch, prefer 'project' (default), prefer 'number']
  const cases: Array<[string, string | undefined, string | undefined]> = [
    ['123-vygruzka-schetov-1c', '#123', '#123'],
    ['feature/123-ACME-42', 'ACME-42', '#123'],
    ['42-fix-acme-7', 'ACME-7', '#42'],
    ['issue-9/ACME-1', 'ACME-1', '#9'],
    ['ACME-42-fix', 'ACME-42', 'ACME-42'],
    ['main', undefined, undefined],
  ];
  for (const [branch, project, number] of cases) {
    it(`${branch}: ${project ?? 'none'} by default, ${number ?? 'none'} with prefer 'number'`, () => {
      assert.equal(parseTicketKey(branch, defaults), project);
      assert.equal(parseTicketKey(branch, defaults, [], 'project'), project);
      assert.equal(parseTicketKey(branch, defaults, [], 'number'), number);
    });
  }

  it('still applies projectKeys, which admit only project keys', () => {
    assert.equal(parseTicketKey('feature/123-ACME-42', defaults, ['ACME'], 'number'), 'ACME-42');
    assert.equal(parseTicketKey('123-fix', defaults, ['ACME'], 'number'), undefined);
  });

  it('prefers numbers from user patterns too', () => {
    const compiled = compilePatterns(['(?<key>[A-Z]+-[0-9]+)', 'T(?<key>[0-9]+)']);
    assert.equal(parseTicketKey('ABC-1/T2', compiled), 'ABC-1');
    assert.equal(parseTicketKey('ABC-1/T2', compiled, [], 'number'), '#2');
  });
});

describe('user ticketPatterns: bounded matching time', () => {
  const problemOf = (pattern: string, index = 0): string | undefined => {
    const sources = [...Array.from({ length: index }, () => 'T(?<key>[0-9]+)'), pattern];
    const { problems } = compilePatterns(sources);
    assert.ok(problems.length <= 1, problems.join('\n'));
    return problems[0];
  };

  it('accepts the built-in patterns', () => {
    for (const p of DefaultTicketPatterns) assert.equal(patternProblem(p, 'g'), undefined, p);
    assert.deepEqual(compilePatterns(DefaultTicketPatterns).problems, []);
  });

  it('accepts realistic patterns', () => {
    const fine = [
      '/fix-(?<key>\\d+)/i',
      '(?<key>[A-Z][A-Z0-9]+-\\d+)',
      '^(?:feature|bugfix|hotfix)/(?<key>[A-Z]+-\\d+)',
      '[a-z]+/(?<key>\\d+)-.*',
      '.*/(?<key>[A-Z]+-[0-9]+)',
      '.*-(?<key>\\d+)$',
      '[\\w-]+_(?<key>\\d+)',
      '[^/]*/[^/]*-(?<key>\\d+)',
      '(?<=/)(?<key>\\d+)(?=-)',
      '(?:^|[/_-])(?<key>[A-Z]{2,10}-\\d{1,6})(?:$|[/_-])',
      '(?:[a-z]+-)?(?<key>\\d+)',
      '/(?<key>\\p{Lu}+-\\d+)/u',
      '(?:-|_)+(?<key>\\d+)',
    ];
    for (const p of fine) assert.equal(problemOf(p), undefined, p);
  });

  it('refuses a pattern longer than the limit, naming the setting and the length', () => {
    const long = 'a'.repeat(MaxPatternLength + 1);
    assert.equal(
      problemOf(long, 1),
      `customerContext.ticketPatterns[1]: is ${MaxPatternLength + 1} characters long, ` +
        `more than the ${MaxPatternLength} allowed; shorten it`,
    );
    assert.equal(problemOf('/' + 'a'.repeat(MaxPatternLength) + '/i'), undefined);
  });

  it('refuses nested quantifiers, quoting the repeated group', () => {
    assert.equal(
      problemOf('(a+)+', 2),
      'customerContext.ticketPatterns[2]: nested quantifier "(a+)+" can take exponential time; ' +
        'rewrite without repeating a repeated group',
    );
    for (const p of ['(a*)*', '(\\w+\\s?)*', '(?:[a-z]+/)*(?<key>\\d+)', 'x(?<n>\\d{1,3}-?){2,}']) {
      assert.match(problemOf(p) ?? '', /^customerContext\.ticketPatterns\[0\]: nested quantifier "/, p);
    }
  });

  it('refuses repeated alternatives that can match the same text', () => {
    assert.match(
      problemOf('(a|aa)+') ?? '',
      /^customerContext\.ticketPatterns\[0\]: repeated alternation "\(a\|aa\)\+" has alternatives/,
    );
    for (const p of ['(?:fix|feat)+-(?<key>\\d+)', '(?:\\d|1)*x', '(?:a|)+b', '/(?:a|A)+b/i']) {
      assert.match(problemOf(p) ?? '', /repeated alternation/, p);
    }
  });

  it('refuses backreferences', () => {
    assert.equal(
      problemOf('(\\d)\\1'),
      'customerContext.ticketPatterns[0]: backreference "\\1" can take exponential time and is not ' +
        'supported; match the text itself',
    );
    assert.match(problemOf('(?<x>[a-z]+)-\\k<x>') ?? '', /backreference "\\k<x>"/);
  });

  it('refuses repetitions that take turns over the same characters, naming them', () => {
    assert.equal(
      problemOf('.*/.*-(?<key>\\d+)'),
      'customerContext.ticketPatterns[0]: repetitions that can take turns over the same characters ' +
        '(".*" then ".*") can take too long on a long branch name; bound them (e.g. {1,20}) or make ' +
        'them exclusive (e.g. [^/]* instead of .*)',
    );
    const slow = ['a+a+b', '[a-z]+[a-z0-9]+-(?<key>\\d+)', '.*?(?<key>[A-Z]+-\\d+)', '[a-z]+(?=.*x)'];
    for (const p of slow) {
      assert.match(problemOf(p) ?? '', /repetitions that can take turns/, p);
    }
  });

  it('takes case-insensitivity and lookbehinds into account', () => {
    assert.equal(problemOf('[a-z]+[A-Z]+x'), undefined);
    assert.match(problemOf('/[a-z]+[A-Z]+x/i') ?? '', /repetitions that can take turns/);
    assert.match(problemOf('\\d+?(?<=_1+?)x') ?? '', /repetitions that can take turns/);
  });

  it('keeps the safe patterns when one is refused, and falls back to the defaults when all are', () => {
    const some = compilePatterns(['(a+)+', 'TASK(?<key>[0-9]+)']);
    assert.equal(some.problems.length, 1);
    assert.equal(some.patterns.length, 1);
    assert.equal(parseTicketKey('feature/TASK77', some), '#77');
    const none = compilePatterns(['(a+)+', 'a'.repeat(MaxPatternLength + 1)]);
    assert.equal(none.problems.length, 2);
    assert.equal(parseTicketKey('feature/ACME-1-x', none), 'ACME-1');
  });
});
