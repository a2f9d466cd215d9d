// The YouTrack worklist (listMine) through real axios and the real HTTP client against the
// YouTrack fake: one `GET /api/issues?query=…` for 50 tickets, the mapping of each row, `$top` and
// `$skip` pages, and the worklist query setting (a YouTrack search query).
import * as assert from 'node:assert/strict';
import { createHttpClient } from '../../../src/core/http';
import { youtrack } from '../../../src/core/providers/youtrack/index';
import { youtrackHttpOptions, youtrackTracker } from '../../../src/core/providers/youtrack/tracker';
import {
  DefaultWorklistQuery,
  WorklistFields,
  WorklistQuerySetting,
} from '../../../src/core/providers/youtrack/worklist';
import type { TicketTracker } from '../../../src/core/providers/types';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { startFakeYouTrack, type FakeYouTrack } from '../../fakes/youtrack';
import { rejects } from './assertions';

const DEAL_FIELD = 'Сделка CRM';
const T0 = Date.parse('2026-09-01T07:00:00Z');
const IRINA = { login: 'i.sokolova', fullName: 'Ирина Соколова' };

/**
 * 60 unresolved issues of mine (ACME-101…ACME-160, later ones updated later), 5 resolved ones of
 * mine and 5 unresolved ones of Ирина: the default query finds the 60 (the fixture's ACME-42 is
 * Иван's).
 */
function seed(fake: FakeYouTrack): void {
  for (let i = 1; i <= 60; i++) {
    fake.addSimpleIssue({
      idReadable: `ACME-${100 + i}`,
      summary: `Счета в PDF №${i} для ООО «Ромашка»`,
      description: `Сделка: https://acme.bitrix24.ru/crm/deal/details/${6000 + i}/`,
      state: i % 2 ? 'В работе' : 'Открыта',
      tags: ['клиент', `deal:${4000 + i}`],
      fields: { [DEAL_FIELD]: `${5000 + i}` },
      updated: T0 + i * 60_000,
    });
  }
  for (let i = 1; i <= 5; i++) {
    fake.addSimpleIssue({
      idReadable: `ACME-${200 + i}`,
      summary: `Исправлено ${i}`,
      resolved: true,
      updated: T0 + (100 + i) * 60_000,
    });
    fake.addSimpleIssue({
      idReadable: `ACME-${300 + i}`,
      summary: `Задача Ирины ${i}`,
      assignee: IRINA,
      tags: ['клиент'],
      updated: T0 + (200 + i) * 60_000,
    });
  }
}

describe('YouTrack worklist (listMine)', () => {
  let fake: FakeYouTrack;

  function tracker(worklistQuery?: string, token = fake.token): TicketTracker {
    const baseUrl = fake.url + fake.prefix;
    const http = createHttpClient(axiosTransport(), {
      ...youtrackHttpOptions({ baseUrl }, token),
      sleep: async () => {},
      random: () => 0,
    });
    return youtrackTracker(http, { baseUrl, dealField: DEAL_FIELD, worklistQuery });
  }
  const listMine = (t: TicketTracker, query?: string, limit = 50) =>
    t.listMine!({ query, limit });
  const sent = (i: number) => Object.fromEntries(fake.requests[i].query);

  beforeEach(async () => {
    fake = await startFakeYouTrack();
    seed(fake);
  });
  afterEach(() => fake.stop());

  it('lists 50 unresolved issues of mine in ONE GET /api/issues', async () => {
    const list = await listMine(tracker());
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0].path, '/api/issues');
    assert.deepEqual(sent(0), {
      query: 'for: me #Unresolved sort by: updated desc',
      fields: WorklistFields,
      $top: '50',
      $skip: '0',
    });
    assert.equal(fake.requests[0].headers.authorization, `Bearer ${fake.token}`);
    assert.equal(list.length, 50);
    assert.deepEqual(
      list.map((t) => t.key),
      Array.from({ length: 50 }, (_, i) => `ACME-${160 - i}`),
    );
    assert.deepEqual(list[0], {
      key: 'ACME-160',
      title: 'Счета в PDF №60 для ООО «Ромашка»',
      status: 'Открыта',
      url: `${fake.url}/issue/ACME-160`,
      assignee: 'Дмитрий Кузнецов',
      labels: ['клиент', 'deal:4060'],
      dealRefs: ['5060', '4060', 'https://acme.bitrix24.ru/crm/deal/details/6060/'],
      comments: [],
    });
    assert.equal(list[1].status, 'В работе');
  });

  it('maps a row exactly as getTicket maps the issue (comments aside)', async () => {
    const [row] = await listMine(tracker(), undefined, 1);
    assert.deepEqual(row, { ...(await tracker().getTicket(row.key)), comments: [] });
  });

  it('pages with $top/$skip for a limit above 100 and stops on a short page', async () => {
    for (let i = 1; i <= 60; i++) {
      fake.addSimpleIssue({ idReadable: `ACME-${500 + i}`, summary: `Ещё ${i}`, updated: T0 + i });
    }
    const list = await listMine(tracker(), undefined, 150);
    assert.equal(list.length, 120);
    assert.deepEqual(
      fake.requests.map((r) => [r.query.get('$top'), r.query.get('$skip')]),
      [
        ['100', '0'],
        ['50', '100'],
      ],
    );
  });

  it('runs the setting’s query instead of "for: me"; the caller’s query wins', async () => {
    const t = tracker('  for: i.sokolova tag: клиент  ');
    const theirs = await listMine(t);
    assert.equal(sent(0).query, 'for: i.sokolova tag: клиент');
    assert.deepEqual(
      theirs.map((x) => [x.key, x.assignee]),
      [301, 302, 303, 304, 305].map((n) => [`ACME-${n}`, 'Ирина Соколова']),
    );
    const fixed = await listMine(t, 'for: me #Resolved sort by: updated desc');
    assert.deepEqual(
      fixed.map((x) => x.key),
      ['ACME-205', 'ACME-204', 'ACME-203', 'ACME-202', 'ACME-201'],
    );
    const byDeal = await listMine(t, `{${DEAL_FIELD}}: 5007`);
    assert.deepEqual(
      byDeal.map((x) => x.key),
      ['ACME-107'],
    );
  });

  it('a query YouTrack refuses is notConfigured naming the setting, in its words', async () => {
    const refusal = { error: 'bad_request', error_description: 'Неизвестное поле «Сделко»' };
    fake.inject({ type: 'reply', reply: { status: 400, json: refusal } });
    const e = await rejects(listMine(tracker('Сделко: 1')), 'notConfigured');
    assert.match(e.message, /youtrack\.worklistQuery was refused: Неизвестное поле/);
    assert.equal(e.details.where, WorklistQuerySetting);
    fake.inject({ type: 'reply', reply: { status: 400, json: refusal } });
    const e2 = await rejects(listMine(tracker(), 'Сделко: 1'), 'badRequest');
    assert.match(e2.message, /^YouTrack: the worklist query was refused: Неизвестное поле/);
  });

  it('a wrong token is auth; a 429 with Retry-After is waited out', async () => {
    await rejects(listMine(tracker(undefined, 'perm:wrong.token.000000000')), 'auth', 'perm:wrong');
    fake.rateLimit(1);
    assert.equal((await listMine(tracker(), undefined, 2)).length, 2);
    assert.equal(fake.requests.length, 3);
  });

  it('works under a self-hosted /youtrack prefix', async () => {
    await fake.stop();
    fake = await startFakeYouTrack({ prefix: '/youtrack' });
    seed(fake);
    const list = await listMine(tracker(), undefined, 3);
    assert.equal(fake.requests[0].path, '/youtrack/api/issues');
    assert.equal(list[0].url, `${fake.url}/youtrack/issue/ACME-160`);
  });

  it('sends nothing for a limit of 0', async () => {
    assert.deepEqual(await listMine(tracker(), undefined, 0), []);
    assert.equal(fake.requests.length, 0);
  });
});

describe('YouTrack worklist setting', () => {
  it('declares customerContext.youtrack.worklistQuery: resource scope, empty by default', () => {
    const s = youtrack.settings.worklistQuery;
    assert.deepEqual({ default: s.default, scope: s.scope }, { default: '', scope: 'resource' });
    assert.equal(DefaultWorklistQuery, 'for: me #Unresolved sort by: updated desc');
  });
});
