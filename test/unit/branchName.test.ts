import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { DefaultTicketPatterns, compilePatterns, parseTicketKey } from '../../src/core/branch';
import {
  DefaultBranchTemplate,
  FallbackBranchTemplate,
  MaxBranchNameLength,
  branchNameFor,
  branchNameProblem,
  branchesForKey,
  isValidBranchName,
  keyInBranchName,
  slugify,
} from '../../src/core/branchName';
import * as manifest from '../../package.json';

const defaults = compilePatterns(DefaultTicketPatterns);

/** The name for a ticket with the default template and patterns; fails the test if there is none. */
function nameFor(key: string, title: string, template = DefaultBranchTemplate): string {
  const r = branchNameFor(template, { key, title }, defaults);
  assert.ok(r.ok, `no name for ${key}: ${r.ok ? '' : r.problem}`);
  assert.equal(r.fallback, undefined, `the template was not used: ${r.fallback}`);
  return r.name;
}

describe('ticket → branch name', () => {
  // [key, title, name with the default template]
  const table: Array<[string, string, string]> = [
    ['ACME-42', 'Выгрузка счетов в 1С', 'feature/ACME-42-vygruzka-schetov-v-1s'],
    ['ACME-42', 'Export invoices to PDF', 'feature/ACME-42-export-invoices-to-pdf'],
    ['acme-42', 'Export', 'feature/ACME-42-export'],
    ['#123', 'Fix login on Safari', 'feature/123-fix-login-on-safari'],
    ['123', 'Fix login', 'feature/123-fix-login'],
    ['ACME-42', 'Щука, жёлтый ёж и хлеб', 'feature/ACME-42-shchuka-zhyoltyy-yozh-i-khleb'],
    ['ACME-42', 'Цех: чай, шум, юла, Ярослав, Йошкар-Ола', 'feature/ACME-42-tsekh-chay-shum-yula-yaroslav-yoshkar'],
    ['ACME-42', 'Подъезд и мель', 'feature/ACME-42-podezd-i-mel'],
    ['ACME-42', 'Ґанок, єнот, їжак і ўзор', 'feature/ACME-42-ganok-yenot-yizhak-i-uzor'],
    ['ACME-42', 'Crème brûlée für Straße', 'feature/ACME-42-creme-brulee-fur-strasse'],
    ['ACME-42', "Don't break the \"build\"!!", 'feature/ACME-42-dont-break-the-build'],
    ['ACME-42', 'Export 发票 to PDF 🚀', 'feature/ACME-42-export-to-pdf'],
    ['ACME-42', '  --Spaces__and...dots//  ', 'feature/ACME-42-spaces-and-dots'],
    // Nothing readable left: the slug is the key.
    ['ACME-42', 'تصدير الفواتير', 'feature/ACME-42-acme-42'],
    ['ACME-42', '🚀🔥💥', 'feature/ACME-42-acme-42'],
    ['#7', '导出发票', 'feature/7-7'],
    ['ACME-42', '', 'feature/ACME-42-acme-42'],
  ];
  for (const [key, title, expected] of table) {
    it(`${key} "${title}" → ${expected}`, () => {
      const name = nameFor(key, title);
      assert.equal(name, expected);
      assert.ok(isValidBranchName(name));
    });
  }

  it('cuts the slug at a word boundary, at most 40 characters', () => {
    const title = 'A very long title that keeps going and going beyond forty characters';
    assert.equal(slugify(title), 'a-very-long-title-that-keeps-going-and');
    assert.equal(nameFor('ACME-42', title), 'feature/ACME-42-a-very-long-title-that-keeps-going-and');
    // A boundary exactly at the limit keeps the whole last word.
    assert.equal(slugify('abcd efgh', 9), 'abcd-efgh');
    assert.equal(slugify('abcd efgh ij', 9), 'abcd-efgh');
    assert.equal(slugify('abcd efghij', 9), 'abcd');
    // One word longer than the limit is cut inside it.
    assert.equal(slugify('x'.repeat(100)), 'x'.repeat(40));
    assert.equal(slugify(`${'y'.repeat(60)} tail`), 'y'.repeat(40));
  });

  it('drops marks, apostrophes and soft signs inside words, separates at everything else', () => {
    assert.equal(slugify('e\u0301te\u0301'), 'ete');
    assert.equal(slugify('ﬁne Ｗｉｄｅ ① ²'), 'fine-wide-1-2');
    assert.equal(slugify('l’été'), 'lete');
    assert.equal(slugify('мель'), 'mel');
    assert.equal(slugify('a\u0000b\u202ec\nd'), 'a-b-c-d');
    assert.equal(slugify('\ud800x\udfffy'), 'x-y');
    assert.equal(slugify('...'), '');
  });

  it('renders #123 as 123 in names', () => {
    assert.equal(keyInBranchName('#123'), '123');
    assert.equal(keyInBranchName('ACME-42'), 'ACME-42');
    assert.equal(nameFor('#123', 'x', 'issue-${key}-${slug}'), 'issue-123-x');
  });

  it('follows a template that gives the key back', () => {
    assert.equal(nameFor('ACME-42', 'Export PDF', '${key}/${slug}'), 'ACME-42/export-pdf');
    assert.equal(nameFor('ACME-42', 'Export PDF', 'users/anna/${key}'), 'users/anna/ACME-42');
    assert.equal(nameFor('ACME-42', 'Export PDF', 'bugfix/${slug}-${key}'), 'bugfix/export-pdf-ACME-42');
  });

  it('leaves out of the slug what would read as another ticket, keeping the template', () => {
    // The number key must win over `ab-12` with prefer: 'project'.
    assert.equal(nameFor('#123', 'Fix ab-12 login'), 'feature/123-fix-ab-login');
    // The slug comes first in this template, so its key would be found first.
    const r = branchNameFor('${slug}-${key}', { key: 'ACME-42', title: 'Follow up OPS-7 here' }, defaults);
    assert.deepEqual(r, { ok: true, name: 'follow-up-ops-here-ACME-42', key: 'ACME-42' });
    // With numbered issues preferred, `issue-5` at the start would be #5.
    const n = branchNameFor('${slug}-${key}', { key: 'ACME-42', title: 'Issue 5 crash' }, defaults, [], 'number');
    assert.deepEqual(n, { ok: true, name: 'issue-crash-ACME-42', key: 'ACME-42' });
    // With the key first, another key later in the name does no harm.
    assert.equal(nameFor('ACME-42', 'Follow-up to ACME-41'), 'feature/ACME-42-follow-up-to-acme-41');
  });

  it('falls back to ${key}-${slug} when the template would not give the key back, and says why', () => {
    const cases: Array<[string, RegExp]> = [
      ['feature/${slug}', /has no \$\{key\}/],
      ['feature/${title}-${key}', /placeholder other than/],
      ['', /is empty/],
      ['   ', /is empty/],
      ['feature..${key}', /not make a valid git branch name: it contains "\.\."/],
      ['feature/${key} ${slug}', /a space/],
      ['${key}-${slug}.lock', /ends with "\.lock"/],
      ['${key}@{${slug}', /"@\{"/],
      [`${'x'.repeat(200)}/\${key}`, /more than 200/],
      ['ops-1/${key}-${slug}', /would not give ACME-42 back through customerContext.ticketPatterns/],
      ['x${key}', /would not give ACME-42 back/],
    ];
    for (const [template, why] of cases) {
      const r = branchNameFor(template, { key: 'ACME-42', title: 'Export PDF' }, defaults);
      assert.ok(r.ok, template);
      assert.equal(r.name, 'ACME-42-export-pdf', template);
      assert.match(r.fallback ?? '', /customerContext\.branchTemplate/, template);
      assert.match(r.fallback ?? '', why, template);
      assert.match(r.fallback ?? '', new RegExp(`used "\\$\\{key\\}-\\$\\{slug\\}" instead`), template);
    }
    assert.equal(FallbackBranchTemplate, '${key}-${slug}');
  });

  it('falls back to the bare key when only that is seen by the user patterns', () => {
    const atEnd = compilePatterns(['(?<key>[A-Z]+-\\d+)$']);
    const r = branchNameFor(DefaultBranchTemplate, { key: 'ACME-42', title: 'Export' }, atEnd);
    assert.ok(r.ok);
    assert.equal(r.name, 'ACME-42');
    assert.match(r.fallback ?? '', /used "\$\{key\}" instead/);
  });

  it('says why when no name can carry the key', () => {
    const outside = branchNameFor(DefaultBranchTemplate, { key: 'ACME-42', title: 'x' }, defaults, ['OPS']);
    assert.deepEqual(outside, {
      ok: false,
      problem: 'no branch name would show ACME-42 as its ticket: customerContext.projectKeys does not include the project ACME',
    });
    const numbered = branchNameFor(DefaultBranchTemplate, { key: '#12', title: 'x' }, defaults, ['OPS']);
    assert.match(numbered.ok ? '' : numbered.problem, /projectKeys does not include numbered issues/);
    const hidden = branchNameFor(DefaultBranchTemplate, { key: 'UTF-8', title: 'x' }, defaults);
    assert.match(hidden.ok ? '' : hidden.problem, /no pattern in customerContext\.ticketPatterns finds it/);
    const invalid = branchNameFor(DefaultBranchTemplate, { key: 'not a key', title: 'x' }, defaults);
    assert.deepEqual(invalid, { ok: false, problem: 'the ticket key is not a key like ACME-42 or #123' });
  });

  it('works with projectKeys and the number preference of GitHub-style trackers', () => {
    const r = branchNameFor(DefaultBranchTemplate, { key: 'ops-7', title: 'Deploy' }, defaults, ['ACME', 'OPS']);
    assert.deepEqual(r, { ok: true, name: 'feature/OPS-7-deploy', key: 'OPS-7' });
    const n = branchNameFor(DefaultBranchTemplate, { key: '#45', title: 'ACME-1 import' }, defaults, [], 'number');
    assert.ok(n.ok);
    assert.equal(parseTicketKey(n.name, defaults, [], 'number'), '#45');
  });

  it('keeps a long template within 200 characters by shortening the slug', () => {
    const template = `${'team/'.repeat(35)}\${key}-\${slug}`;
    const r = branchNameFor(template, { key: 'ACME-42', title: 'Export invoices to PDF and mail them to everyone' }, defaults);
    assert.ok(r.ok);
    assert.equal(r.fallback, undefined);
    assert.ok(r.name.length <= MaxBranchNameLength, `${r.name.length}`);
    assert.ok(r.name.endsWith('ACME-42-export-invoices'), r.name);
  });

  it('declares the default template in package.json', () => {
    const props = (manifest as { contributes: { configuration: { properties: Record<string, { default?: unknown; scope?: string }> } } })
      .contributes.configuration.properties;
    const setting = props['customerContext.branchTemplate'];
    assert.ok(setting, 'customerContext.branchTemplate is contributed');
    assert.equal(setting.default, DefaultBranchTemplate);
    assert.equal(setting.scope, 'resource');
  });
});

describe('isValidBranchName (git check-ref-format rules)', () => {
  const valid = [
    'feature/ACME-42-x', 'ACME-42', 'a', 'a./b', 'a.lock.b', 'x@', '@x', 'é', 'refs/heads/x', 'a-b_c.d',
    '123', 'a/b/c', 'x'.repeat(200),
  ];
  const invalid: Array<[string, RegExp]> = [
    ['', /empty/], ['x'.repeat(201), /201 characters/], ['a b', /space/], ['a~b', /"~"/], ['a^b', /"\^"/],
    ['a:b', /":"/], ['a?b', /"\?"/], ['a*b', /"\*"/], ['a[b', /"\["/], ['a\\b', /"\\"/], ['a..b', /"\.\."/],
    ['a@{b', /"@\{"/], ['@', /"@"/], ['HEAD', /HEAD/], ['-x', /starts with "-"/], ['/a', /"\/"/],
    ['a/', /"\/"/], ['a//b', /"\/\/"/], ['a.', /ends with "\."/], ['.a', /starts with "\."/],
    ['a/.b', /starts with "\."/], ['a.lock', /"\.lock"/], ['a/b.lock/c', /"\.lock"/], ['a\tb', /control/],
    ['a\u007fb', /control/], ['a\nb', /control/],
  ];
  for (const name of valid) {
    it(`accepts ${JSON.stringify(name.length > 30 ? `${name.slice(0, 10)}… (${name.length})` : name)}`, () => {
      assert.equal(branchNameProblem(name), undefined);
      assert.ok(isValidBranchName(name));
    });
  }
  for (const [name, why] of invalid) {
    it(`refuses ${JSON.stringify(name.length > 30 ? `${name.slice(0, 10)}… (${name.length})` : name)}`, () => {
      assert.match(branchNameProblem(name) ?? '', why);
      assert.equal(isValidBranchName(name), false);
    });
  }

  it('agrees with `git check-ref-format --branch` on every name above', function () {
    const probe = spawnSync('git', ['--version'], { encoding: 'utf8' });
    if (probe.status !== 0) this.skip();
    // Outside any repository, so `--branch` does not expand `@{-1}` and friends.
    for (const name of [...valid, ...invalid.map(([n]) => n)]) {
      if (name.length > 200 || name.includes('\u0000') || name === '') continue;
      const git = spawnSync('git', ['check-ref-format', '--branch', name], { cwd: os.tmpdir() }).status === 0;
      // `@` alone passes check-ref-format --branch but git branch refuses it: we are stricter there.
      assert.equal(isValidBranchName(name), git && name !== '@', JSON.stringify(name));
    }
  });
});

describe('existing branches for a ticket', () => {
  const refs = [
    { type: 0, name: 'main' },
    { type: 0, name: 'feature/ACME-42-export' },
    { type: 0, name: 'acme-42-old-try' },
    { type: 0, name: 'feature/ACME-420-other' },
    { type: 2, name: 'ACME-42' },
    { type: 1, name: 'origin/HEAD', remote: 'origin' },
    { type: 1, name: 'origin/feature/ACME-42-export', remote: 'origin' },
    { type: 1, name: 'origin/users/bob/ACME-42-spike', remote: 'origin' },
    { type: 1, name: 'upstream/ACME-42', remote: 'upstream' },
    { type: 1, name: 'broken', remote: 'origin' },
    { type: 0 },
    { type: 0, name: 'feature/ACME-42-export' },
  ];

  it('lists local branches first, then remote-only ones; not tags, HEAD pointers or duplicates', () => {
    assert.deepEqual(branchesForKey(refs, 'acme-42', defaults), [
      { name: 'feature/ACME-42-export', ref: 'feature/ACME-42-export' },
      { name: 'acme-42-old-try', ref: 'acme-42-old-try' },
      { name: 'users/bob/ACME-42-spike', remote: 'origin', ref: 'origin/users/bob/ACME-42-spike' },
      { name: 'ACME-42', remote: 'upstream', ref: 'upstream/ACME-42' },
    ]);
  });

  it('reads keys with the same patterns, projectKeys and preference', () => {
    assert.deepEqual(branchesForKey(refs, 'ACME-42', defaults, ['OPS']), []);
    const numbered = [{ type: 0, name: '12-fix' }, { type: 0, name: 'ACME-1-12-fix' }, { type: 0, name: 'issue-12' }];
    assert.deepEqual(branchesForKey(numbered, '#12', defaults, [], 'number').map((b) => b.name), ['12-fix', 'issue-12']);
  });
});
