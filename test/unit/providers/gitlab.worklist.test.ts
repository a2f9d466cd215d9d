// The GitLab worklist (listMine) through real axios and the real HTTP client against the GitLab
// fake: one page of the project's issues list for 50 tickets, the mapping of each row, and the
// worklist query setting (list parameters or search words).
import * as assert from 'node:assert/strict';
import { createHttpClient } from '../../../src/core/http';
import { gitlabHttpOptions } from '../../../src/core/providers/gitlab/api';
import { gitlab } from '../../../src/core/providers/gitlab/index';
import { gitlabTracker } from '../../../src/core/providers/gitlab/tracker';
import {
  DefaultWorklistParams,
  WorklistQuerySetting,
  worklistParams,
} from '../../../src/core/providers/gitlab/worklist';
import type { TicketTracker } from '../../../src/core/providers/types';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { startFakeGitLab, type FakeGitLab } from '../../fakes/gitlab';
import { rejects } from './assertions';

const PROJECT = 'sales/tools/crm-bridge';
const ENCODED = '/api/v4/projects/sales%2Ftools%2Fcrm-bridge/issues';
const T0 = Date.parse('2026-09-01T07:00:00Z');
const IRINA = { username: 'i.sokolova', name: 'Ирина Соколова' };

/**
 * 60 open issues of mine (#201…#260, later ones updated later), 5 closed ones of mine and 5 open
 * ones of Ирина: the default list holds the 60 (the fixture's #123 is Анна's).
 */
function seed(fake: FakeGitLab): void {
  for (let i = 1; i <= 60; i++) {
    fake.addSimpleIssue(PROJECT, {
      iid: 200 + i,
      title: `Выгрузка в 1С №${i} для ООО «Ромашка»`,
      description: `Сделка в CRM: https://acme.bitrix24.ru/crm/deal/details/${6000 + i}/`,
      labels: ['bug', `deal::${4000 + i}`, 'клиент::Ромашка'],
      updatedAt: T0 + i * 60_000,
    });
  }
  for (let i = 1; i <= 5; i++) {
    fake.addSimpleIssue(PROJECT, {
      iid: 300 + i,
      title: `Закрыто ${i}`,
      state: 'closed',
      labels: ['клиент::Ромашка'],
      updatedAt: T0 + (100 + i) * 60_000,
    });
    fake.addSimpleIssue(PROJECT, {
      iid: 400 + i,
      title: `Задача Ирины ${i}`,
      assignee: IRINA,
      labels: ['клиент::Вектор'],
      updatedAt: T0 + (200 + i) * 60_000,
    });
  }
}

describe('GitLab worklist (listMine)', () => {
  let fake: FakeGitLab;

  function tracker(worklistQuery?: string, project = PROJECT, token = fake.token): TicketTracker {
    const http = createHttpClient(axiosTransport(), {
      ...gitlabHttpOptions({ apiUrl: `${fake.url}/api/v4` }, token),
      sleep: async () => {},
      random: () => 0,
    });
    return gitlabTracker(http, { project, worklistQuery });
  }
  const listMine = (t: TicketTracker, query?: string, limit = 50) =>
    t.listMine!({ query, limit });
  const sent = (i: number) => Object.fromEntries(fake.requests[i].query);

  beforeEach(async () => {
    fake = await startFakeGitLab();
    seed(fake);
  });
  afterEach(() => fake.stop());

  it('lists 50 open issues assigned to me in ONE request to the project’s issues list', async () => {
    const list = await listMine(tracker());
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0].path, '/api/v4/projects/sales/tools/crm-bridge/issues');
    assert.deepEqual(sent(0), { ...DefaultWorklistParams, per_page: '50', page: '1' });
    assert.equal(fake.requests[0].headers['private-token'], fake.token);
    assert.equal(list.length, 50);
    assert.deepEqual(
      list.map((t) => t.key),
      Array.from({ length: 50 }, (_, i) => `#${260 - i}`),
    );
    assert.deepEqual(list[0], {
      key: '#260',
      title: 'Выгрузка в 1С №60 для ООО «Ромашка»',
      status: 'open',
      url: 'https://git.acme.ru/sales/tools/crm-bridge/-/issues/260',
      assignee: 'Дмитрий Козлов',
      labels: ['bug', 'deal::4060', 'клиент::Ромашка'],
      dealRefs: ['4060', 'https://acme.bitrix24.ru/crm/deal/details/6060/'],
      comments: [],
    });
  });

  it('sends the project path URL-encoded as one segment', async () => {
    const seen: string[] = [];
    const real = axiosTransport();
    const http = createHttpClient(
      (req) => {
        seen.push(req.url);
        return real(req);
      },
      { ...gitlabHttpOptions({ apiUrl: `${fake.url}/api/v4` }, fake.token), sleep: async () => {} },
    );
    await gitlabTracker(http, { project: PROJECT }).listMine!({ limit: 1 });
    assert.ok(seen[0].startsWith(`${fake.url}${ENCODED}?`), seen[0]);
  });

  it('maps a row exactly as getTicket maps the issue', async () => {
    const [row] = await listMine(tracker(), undefined, 1);
    assert.deepEqual(row, await tracker().getTicket(row.key));
  });

  it('follows x-next-page for a limit above 100 and stops on the last page', async () => {
    for (let i = 1; i <= 60; i++) {
      fake.addSimpleIssue(PROJECT, { iid: 500 + i, title: `Ещё ${i}`, updatedAt: T0 + i });
    }
    const list = await listMine(tracker(), undefined, 150);
    assert.equal(list.length, 120);
    assert.deepEqual(
      fake.requests.map((r) => [r.query.get('page'), r.query.get('per_page')]),
      [
        ['1', '100'],
        ['2', '100'],
      ],
    );
  });

  it('setting parameters replace the defaults of the same name; plain words search', async () => {
    const t = tracker('labels=клиент::Вектор&scope=all');
    const theirs = await listMine(t);
    assert.deepEqual(sent(0), {
      ...DefaultWorklistParams,
      labels: 'клиент::Вектор',
      scope: 'all',
      per_page: '50',
      page: '1',
    });
    assert.deepEqual(
      theirs.map((x) => [x.key, x.assignee]),
      [405, 404, 403, 402, 401].map((n) => [`#${n}`, 'Ирина Соколова']),
    );
    const found = await listMine(tracker('  №7 '));
    assert.equal(sent(1).search, '№7');
    assert.equal(sent(1).scope, 'assigned_to_me');
    assert.deepEqual(
      found.map((x) => x.key),
      ['#207'],
    );
    // The caller's query wins over the setting.
    const closed = await listMine(t, 'state=closed');
    assert.equal(sent(2).scope, 'assigned_to_me');
    assert.deepEqual(
      closed.map((x) => x.status),
      Array(5).fill('closed'),
    );
  });

  it('a setting GitLab would ignore or refuse is notConfigured naming it', async () => {
    for (const [query, said] of [
      ['lables=клиент', /"lables", which is no filter/],
      ['labels=a&labels=b', /sets "labels" twice/],
      ['per_page=100', /sets "per_page", which the worklist sets itself/],
    ] as const) {
      const e = await rejects(listMine(tracker(query)), 'notConfigured');
      assert.match(e.message, said);
      assert.match(e.message, /customerContext\.gitlab\.worklistQuery/);
      assert.equal(e.details.where, WorklistQuerySetting);
    }
    assert.equal(fake.requests.length, 0);
    const e = await rejects(listMine(tracker('scope=mine')), 'notConfigured');
    assert.match(e.message, /was refused: scope does not have a valid value/);
    assert.equal(e.details.status, 400);
    const e2 = await rejects(listMine(tracker(), 'not[lables]=x'), 'badRequest');
    assert.doesNotMatch(e2.message, /customerContext/);
  });

  it('an unknown project is notFound naming the project setting', async () => {
    const e = await rejects(listMine(tracker(undefined, 'sales/unknown')), 'notFound');
    assert.match(e.message, /^GitLab: project sales\/unknown was not found \(404 Project Not/);
    assert.equal(e.details.where, 'customerContext.gitlab.project');
    const e2 = await rejects(listMine(tracker(undefined, '')), 'notConfigured');
    assert.equal(e2.details.where, 'customerContext.gitlab.project');
  });

  it('a throttled list is retried after Retry-After; a wrong token is auth', async () => {
    fake.rateLimit({ retryAfter: 1 });
    assert.equal((await listMine(tracker(), undefined, 3)).length, 3);
    assert.equal(fake.requests.length, 2);
    const wrong = tracker(undefined, PROJECT, 'glpat-wrong000000000000');
    await rejects(listMine(wrong), 'auth', 'glpat-wrong');
  });

  it('a list of the wrong shape is invalidResponse naming the path', async () => {
    fake.inject({ type: 'reply', reply: { json: [{ iid: '7', title: 'x' }] } });
    const e = await rejects(listMine(tracker()), 'invalidResponse');
    assert.match(e.message, /crm-bridge\/issues \(page 1\): \[0\]\.iid: expected number/);
    assert.equal(e.details.where, '[0].iid');
  });

  it('sends nothing for a limit of 0', async () => {
    assert.deepEqual(await listMine(tracker(), undefined, 0), []);
    assert.equal(fake.requests.length, 0);
  });
});

describe('GitLab worklist setting', () => {
  it('declares customerContext.gitlab.worklistQuery: resource scope, empty by default', () => {
    const s = gitlab.settings.worklistQuery;
    assert.deepEqual({ default: s.default, scope: s.scope }, { default: '', scope: 'resource' });
  });

  it('reads parameters (a leading ? too), not[…]/or[…] filters and search words', () => {
    assert.deepEqual(worklistParams(undefined, '?not[labels]=wontfix&or[labels]=a,b').params, {
      ...DefaultWorklistParams,
      'not[labels]': 'wontfix',
      'or[labels]': 'a,b',
    });
    assert.equal(worklistParams(undefined, 'счёт фактура').params.search, 'счёт фактура');
    assert.equal(worklistParams('', '').source, 'default');
    assert.throws(() => worklistParams(undefined, 'or[milestone]=x'), /"or\[milestone\]"/);
  });
});
