// The GitHub worklist (listMine) through real axios and the real HTTP client against the GitHub
// fake: one issue search for 50 tickets, pull requests left out, the mapping of each row, the
// worklist query setting, and the search's own rate limit.
import * as assert from 'node:assert/strict';
import { createHttpClient } from '../../../src/core/http';
import { githubFactories } from '../../../src/core/providers/github/factories';
import { github } from '../../../src/core/providers/github/index';
import { githubHttpOptions, githubTracker } from '../../../src/core/providers/github/tracker';
import { WorklistQuerySetting, worklistSearch } from '../../../src/core/providers/github/worklist';
import type { TicketTracker } from '../../../src/core/providers/types';
import type { VendorContext } from '../../../src/core/providers/vendor';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { startFakeGitHub, type FakeGitHub } from '../../fakes/github';
import { rejects } from './assertions';

/** `n` minutes after a fixed morning, as GitHub writes times. */
function at(n: number): string {
  return new Date(Date.parse('2026-09-01T07:00:00Z') + n * 60_000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * 60 open issues of mine (#101…#160, later ones updated later), 5 open pull requests of mine,
 * 5 closed issues of mine and 5 open ones of others: the default search finds the 60.
 */
function seed(fake: FakeGitHub): void {
  for (let i = 1; i <= 60; i++) {
    fake.addSimpleIssue({
      number: 100 + i,
      title: `Выгрузка счетов №${i} для АО «Вектор»`,
      body:
        `Клиент ждёт исправления.\n\nСделка: https://acme.amocrm.ru/leads/detail/${7000 + i}\n` +
        'Документация: https://docs.acme.ru/export',
      labels: ['клиент', `deal:${4000 + i}`],
      updatedAt: at(i),
    });
  }
  for (let i = 1; i <= 5; i++) {
    fake.addSimpleIssue({ number: 200 + i, title: `PR ${i}`, pull: true, updatedAt: at(300 + i) });
    fake.addSimpleIssue({
      number: 300 + i,
      title: `Закрыто ${i}`,
      state: 'closed',
      labels: ['клиент'],
      updatedAt: at(300 + i),
    });
    fake.addSimpleIssue({
      number: 400 + i,
      title: `Чужая задача ${i}`,
      assignee: 'i-sokolova',
      labels: ['клиент'],
      updatedAt: at(300 + i),
    });
  }
}

describe('GitHub worklist (listMine)', () => {
  let fake: FakeGitHub;

  function tracker(worklistQuery?: string, token = fake.token): TicketTracker {
    const http = createHttpClient(axiosTransport(), {
      ...githubHttpOptions({ apiUrl: fake.url }, token),
      sleep: async () => {},
      random: () => 0,
    });
    return githubTracker(http, { repository: 'acme/app', worklistQuery });
  }
  const listMine = (t: TicketTracker, query?: string, limit = 50) =>
    t.listMine!({ query, limit });
  const sent = (i: number) => Object.fromEntries(fake.requests[i].query);

  beforeEach(async () => {
    fake = await startFakeGitHub({ fixtures: false });
    seed(fake);
  });
  afterEach(() => fake.stop());

  it('lists 50 open issues assigned to me in ONE search request, no pull requests', async () => {
    const list = await listMine(tracker());
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0].path, '/search/issues');
    assert.deepEqual(sent(0), {
      q: 'repo:acme/app is:issue is:open assignee:@me',
      per_page: '50',
      page: '1',
      sort: 'updated',
      order: 'desc',
    });
    assert.equal(fake.requests[0].headers.authorization, `Bearer ${fake.token}`);
    assert.equal(list.length, 50);
    assert.deepEqual(
      list.map((t) => t.key),
      Array.from({ length: 50 }, (_, i) => `#${160 - i}`),
    );
    assert.deepEqual(list[0], {
      key: '#160',
      title: 'Выгрузка счетов №60 для АО «Вектор»',
      status: 'open',
      url: 'https://github.com/acme/app/issues/160',
      assignee: 'dana',
      labels: ['клиент', 'deal:4060'],
      // The label's id, then the CRM link of the body; the docs link is no deal.
      dealRefs: ['4060', 'https://acme.amocrm.ru/leads/detail/7060'],
      comments: [],
    });
  });

  it('maps a row exactly as getTicket maps the issue', async () => {
    const [row] = await listMine(tracker(), undefined, 1);
    assert.deepEqual(row, await tracker().getTicket(row.key));
  });

  it('skips a pull request the search still returns, without asking for more', async () => {
    const list = await listMine(tracker(), 'is:open assignee:@me sort:updated-desc', 50);
    assert.equal(list.length, 50);
    // The caller's query without `is:pr` never brings pull requests; with it, none are kept.
    const prs = await listMine(tracker(), 'is:pr is:open', 50);
    assert.deepEqual(prs, []);
    assert.equal(fake.requests.length, 2);
  });

  it('pages by 100 for a larger limit and stops at the last page', async () => {
    const list = await listMine(tracker(), undefined, 150);
    assert.equal(list.length, 60);
    assert.equal(fake.requests.length, 1);
    assert.equal(sent(0).per_page, '100');
    for (let i = 1; i <= 60; i++) {
      fake.addSimpleIssue({ number: 500 + i, title: `Ещё ${i}`, updatedAt: at(i) });
    }
    fake.requests.length = 0;
    assert.equal((await listMine(tracker(), undefined, 150)).length, 120);
    assert.deepEqual(
      fake.requests.map((r) => r.query.get('page')),
      ['1', '2'],
    );
  });

  it('the setting’s qualifiers replace "open, assigned to me"; the caller’s query wins', async () => {
    const t = tracker('  label:клиент   -assignee:@me ');
    const others = await listMine(t);
    assert.equal(sent(0).q, 'repo:acme/app is:issue label:клиент -assignee:@me');
    assert.deepEqual(
      others.map((x) => x.key),
      ['#405', '#404', '#403', '#402', '#401'],
    );
    const closed = await listMine(t, 'is:closed');
    assert.equal(sent(1).q, 'repo:acme/app is:issue is:closed');
    assert.deepEqual(
      closed.map((x) => x.status),
      Array(5).fill('closed (completed)'),
    );
  });

  it('a query with its own scope keeps it; other repositories’ issues keep owner/repo', async () => {
    fake.addSimpleIssue({
      number: 7,
      title: 'Счёт-фактура не уходит в ЭДО',
      repository: 'acme/billing',
      labels: ['deal:4217'],
    });
    const list = await listMine(tracker('org:acme is:open assignee:@me'), undefined, 100);
    assert.equal(sent(0).q, 'is:issue org:acme is:open assignee:@me');
    const billing = list.find((x) => x.title.startsWith('Счёт'));
    assert.equal(billing?.key, 'acme/billing#7');
    assert.deepEqual(billing?.dealRefs, ['4217']);
    assert.equal(list.filter((x) => x.key.startsWith('#')).length, 60);
  });

  it('a search GitHub refuses names the setting when the setting said it', async () => {
    const e = await rejects(listMine(tracker('repo:acme/secret is:open')), 'notConfigured');
    assert.match(e.message, /customerContext\.github\.worklistQuery/);
    assert.match(e.message, /cannot be searched/);
    assert.equal(e.details.where, WorklistQuerySetting);
    assert.equal(e.details.status, 422);
    const long = `label:${'к'.repeat(260)}`;
    const e2 = await rejects(listMine(tracker(long)), 'notConfigured');
    assert.match(e2.message, /longer than 256 characters/);
    const e3 = await rejects(listMine(tracker(), 'repo:acme/secret'), 'badRequest');
    assert.match(e3.message, /^GitHub: the worklist search was refused: Validation Failed/);
  });

  it('search has its own budget: spent, it is rateLimited with the reset time', async () => {
    await listMine(tracker(), undefined, 5);
    assert.equal(fake.requests.length, 1);
    fake.searchRemaining = 0;
    const e = await rejects(listMine(tracker()), 'rateLimited');
    assert.ok((e.details.retryAt ?? 0) > Date.now());
  });

  it('a wrong token is auth, never naming the token', async () => {
    const wrong = tracker(undefined, 'ghp_wrongToken000000000000000000000000');
    await rejects(listMine(wrong), 'auth', 'ghp_wrongToken');
  });

  it('sends nothing for a limit of 0, or without a repository to search in', async () => {
    assert.deepEqual(await listMine(tracker(), undefined, 0), []);
    const options = githubHttpOptions({ apiUrl: fake.url }, fake.token);
    const noRepo = githubTracker(createHttpClient(axiosTransport(), options), { repository: '' });
    const e = await rejects(listMine(noRepo), 'notConfigured');
    assert.equal(e.details.where, 'customerContext.github.repository');
    assert.equal(fake.requests.length, 0);
  });

  it('the factory passes customerContext.github.worklistQuery to the tracker', async () => {
    const ctx = {
      settings: { apiUrl: fake.url, repository: 'acme/app', worklistQuery: 'label:клиент' },
      token: () => fake.token,
      client: (o: Parameters<VendorContext['client']>[0]) =>
        createHttpClient(axiosTransport(), { ...o, sleep: async () => {} }),
      repositoryFromRemote: () => undefined,
    } as unknown as VendorContext<{ apiUrl: string; repository: string; worklistQuery: string }>;
    const list = await githubFactories.tracker!(ctx).listMine!({ limit: 100 });
    assert.equal(sent(0).q, 'repo:acme/app is:issue label:клиент');
    // The 60 of mine, 5 closed, 5 of others: every issue labelled клиент.
    assert.equal(list.length, 70);
  });
});

describe('GitHub worklist setting', () => {
  it('declares customerContext.github.worklistQuery: resource scope, empty by default', () => {
    const s = github.settings.worklistQuery;
    assert.deepEqual({ default: s.default, scope: s.scope }, { default: '', scope: 'resource' });
  });

  it('builds the search string from the repository and the qualifiers', () => {
    assert.deepEqual(worklistSearch('acme/app', undefined, ''), {
      q: 'repo:acme/app is:issue is:open assignee:@me',
      sorted: false,
      source: 'default',
    });
    const negated = worklistSearch('acme/app', undefined, '-repo:acme/old x').q;
    assert.equal(negated, 'repo:acme/app is:issue -repo:acme/old x');
    assert.equal(worklistSearch('acme/app', 'user:dana', 'x').q, 'is:issue user:dana');
    assert.equal(worklistSearch('acme/app', '', 'sort:created-asc').sorted, true);
  });
});
