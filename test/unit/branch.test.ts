import * as assert from 'node:assert/strict';
import { DefaultTicketPatterns, compilePatterns, isTicketKey, parseTicketKey } from '../../src/core/branch';
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
];

describe('branch → ticket key', () => {
  it(`has at least 40 cases in the table (${table.length})`, () => assert.ok(table.length >= 40));

  for (const [branch, expected, withProject] of table) {
    it(`${JSON.stringify(branch)} → ${expected ?? 'none'} / with ACME: ${withProject ?? 'none'}`, () => {
      assert.equal(parseTicketKey(branch, defaults), expected);
      assert.equal(parseTicketKey(branch, defaults, ['ACME']), withProject);
    });
  }

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

  it('validates typed keys', () => {
    assert.ok(isTicketKey('ACME-42'));
    assert.ok(isTicketKey('#12'));
    assert.ok(!isTicketKey('ACME 42'));
    assert.ok(!isTicketKey('<script>'));
  });
});
