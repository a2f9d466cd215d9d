// The Jira worklist (listMine) through real axios and the real HTTP client against the Jira fake:
// Cloud's `/search/jql` (token pages) and Data Center's `/search` (offset pages), request counts,
// the mapping of each row, and the worklist query setting.
import * as assert from 'node:assert/strict';
import { createHttpClient } from '../../../src/core/http';
import { jira } from '../../../src/core/providers/jira/index';
import {
  jiraHttpOptions,
  jiraTracker,
  type JiraSettings,
} from '../../../src/core/providers/jira/tracker';
import { DefaultWorklistJql, WorklistQuerySetting } from '../../../src/core/providers/jira/worklist';
import type { TicketTracker } from '../../../src/core/providers/types';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { parseJql, startFakeJira, type FakeJira } from '../../fakes/jira';
import { rejects } from './assertions';

const DEAL_FIELD = 'customfield_10042';
const FIELDS = ['summary', 'status', 'assignee', 'labels', DEAL_FIELD];

/** `n` minutes after a fixed morning, as Jira writes times (offset without a colon). */
function at(n: number): string {
  const ms = Date.parse('2026-09-01T07:00:00Z') + n * 60_000;
  return new Date(ms + 3 * 3600_000).toISOString().replace('Z', '+0300');
}

/**
 * 60 open issues of mine (ENG-101…ENG-160, later ones updated later), 5 done ones of mine and 5
 * open ones of Ирина Соколова: the default JQL selects the 60 and the fixture's ENG-42 (mine, in
 * progress, never updated: last).
 */
function seed(fake: FakeJira): void {
  for (let i = 1; i <= 60; i++) {
    fake.addSimpleIssue({
      key: `ENG-${100 + i}`,
      summary: `Выгрузка счетов №${i} для ООО «Ромашка»`,
      status: i % 2 ? 'В работе' : 'К выполнению',
      category: i % 2 ? 'indeterminate' : 'new',
      labels: ['клиент', `deal:${4000 + i}`],
      updated: at(i),
      fields: {
        [DEAL_FIELD]: `${5000 + i}, https://acme.bitrix24.ru/crm/deal/details/${6000 + i}/`,
      },
    });
  }
  for (let i = 1; i <= 5; i++) {
    fake.addSimpleIssue({
      key: `ENG-${200 + i}`,
      summary: `Закрытая задача ${i}`,
      status: 'Готово',
      category: 'done',
      updated: at(100 + i),
    });
    fake.addSimpleIssue({
      key: `ENG-${300 + i}`,
      summary: `Чужая задача ${i}`,
      assignee: 'Ирина Соколова',
      updated: at(200 + i),
    });
  }
}

describe('Jira worklist (listMine)', () => {
  let fake: FakeJira;

  function tracker(settings: Partial<JiraSettings> = {}): TicketTracker {
    const s: JiraSettings = {
      baseUrl: fake.url,
      deployment: fake.deployment,
      email: fake.email,
      dealField: DEAL_FIELD,
      ...settings,
    };
    const http = createHttpClient(axiosTransport(), {
      ...jiraHttpOptions(s, fake.token),
      sleep: async () => {},
      random: () => 0,
    });
    return jiraTracker(http, s);
  }
  const listMine = (t: TicketTracker, query?: string, limit = 50) =>
    t.listMine!({ query, limit });

  afterEach(() => fake.stop());

  describe('Cloud', () => {
    beforeEach(async () => {
      fake = await startFakeJira({ deployment: 'cloud' });
      seed(fake);
    });

    it('lists 50 open issues of mine in ONE request to /rest/api/3/search/jql', async () => {
      const list = await listMine(tracker());
      assert.equal(fake.requests.length, 1);
      const r = fake.requests[0];
      assert.equal(r.method, 'POST');
      assert.equal(r.path, '/rest/api/3/search/jql');
      assert.deepEqual(r.body, { jql: DefaultWorklistJql, fields: FIELDS, maxResults: 50 });
      assert.equal(r.headers.authorization, fake.authHeader());
      assert.equal(list.length, 50);
      // ORDER BY updated DESC: ENG-160 first, ENG-111 last; done and others' issues never.
      assert.deepEqual(
        list.map((t) => t.key),
        Array.from({ length: 50 }, (_, i) => `ENG-${160 - i}`),
      );
      assert.deepEqual(list[0], {
        key: 'ENG-160',
        title: 'Выгрузка счетов №60 для ООО «Ромашка»',
        status: 'К выполнению',
        url: `${fake.url}/browse/ENG-160`,
        assignee: 'Dana Dev',
        labels: ['клиент', 'deal:4060'],
        // Links first, then ids (extractDealRefs' order), then the label's id.
        dealRefs: ['https://acme.bitrix24.ru/crm/deal/details/6060/', '5060', '4060'],
        comments: [],
      });
      assert.equal(list[1].status, 'В работе');
    });

    it('maps a row exactly as getTicket maps the issue (comments aside)', async () => {
      const [row] = await listMine(tracker(), undefined, 1);
      const full = await tracker().getTicket(row.key);
      assert.deepEqual(row, { ...full, comments: [] });
    });

    it('follows nextPageToken when Jira answers shorter pages, and stops at the limit', async () => {
      fake.searchPageCap = 20;
      const list = await listMine(tracker());
      assert.equal(list.length, 50);
      assert.equal(fake.requests.length, 3);
      const bodies = fake.requests.map((r) => r.body as Record<string, unknown>);
      assert.deepEqual(
        bodies.map((b) => b.maxResults),
        [50, 30, 10],
      );
      assert.equal(bodies[0].nextPageToken, undefined);
      assert.equal(typeof bodies[1].nextPageToken, 'string');
      assert.equal(new Set(list.map((t) => t.key)).size, 50);
    });

    it('stops on the last page (isLast, no token) when fewer issues match', async () => {
      fake.searchPageCap = 40;
      const jql = 'labels = клиент AND key in (ENG-101, ENG-102, ENG-205)';
      const list = await listMine(tracker(), jql);
      assert.deepEqual(
        list.map((t) => t.key),
        ['ENG-102', 'ENG-101'],
      );
      assert.equal(fake.requests.length, 1);
    });

    it('runs the setting’s JQL instead of "assigned to me"; the caller’s query wins', async () => {
      const t = tracker({ worklistQuery: ' assignee = "Ирина Соколова" ORDER BY key ASC ' });
      const theirs = await listMine(t);
      assert.deepEqual(
        theirs.map((x) => x.key),
        ['ENG-301', 'ENG-302', 'ENG-303', 'ENG-304', 'ENG-305'],
      );
      assert.equal(
        (fake.requests[0].body as { jql: string }).jql,
        'assignee = "Ирина Соколова" ORDER BY key ASC',
      );
      const done = await listMine(t, 'statusCategory = Done ORDER BY key ASC');
      assert.deepEqual(
        done.map((x) => x.status),
        ['Готово', 'Готово', 'Готово', 'Готово', 'Готово'],
      );
    });

    it('a JQL from the setting that Jira refuses names the setting', async () => {
      const cases: Array<[string, RegExp]> = [
        ['ORDER BY updated DESC', /Unbounded JQL queries are not allowed here/],
        ['labels = "клиент', /The quoted string 'клиент' has not been completed/],
        ['сделка = 42', /Field 'сделка' does not exist/],
      ];
      for (const [jql, said] of cases) {
        const e = await rejects(listMine(tracker({ worklistQuery: jql })), 'notConfigured');
        assert.match(e.message, said);
        assert.match(e.message, /customerContext\.jira\.worklistQuery/);
        assert.equal(e.details.where, WorklistQuerySetting);
        assert.equal(e.details.status, 400);
      }
      // The caller's own query is not the setting: a plain badRequest.
      const e = await rejects(listMine(tracker(), 'ORDER BY key'), 'badRequest');
      assert.match(e.message, /^Jira Cloud: the worklist JQL was refused: Unbounded JQL/);
      assert.equal(e.details.where, undefined);
    });

    it('asks for the deal field only when set, and checks its id before any request', async () => {
      await listMine(tracker({ dealField: '' }), undefined, 5);
      const body = fake.requests[0].body as { fields: string[] };
      assert.deepEqual(body.fields, ['summary', 'status', 'assignee', 'labels']);
      const e = await rejects(listMine(tracker({ dealField: 'cf[10042]' })), 'notConfigured');
      assert.equal(e.details.where, 'customerContext.jira.dealField');
      assert.equal(fake.requests.length, 1);
    });

    it('sends nothing for a limit of 0 and caps a huge limit at 500 tickets', async () => {
      assert.deepEqual(await listMine(tracker(), undefined, 0), []);
      assert.deepEqual(await listMine(tracker(), undefined, Number.NaN), []);
      assert.equal(fake.requests.length, 0);
      const all = await listMine(tracker(), undefined, 1e9);
      assert.equal(all.length, 61);
      assert.equal(all[60].key, 'ENG-42');
      assert.equal((fake.requests[0].body as { maxResults: number }).maxResults, 100);
    });

    it('retries a 429 once (Retry-After) and a 401 is an auth error naming no secret', async () => {
      fake.rateLimit(1);
      assert.equal((await listMine(tracker(), undefined, 3)).length, 3);
      assert.equal(fake.requests.length, 2);
      const http = createHttpClient(axiosTransport(), {
        ...jiraHttpOptions(
          { baseUrl: fake.url, deployment: 'cloud', email: fake.email },
          'wrong-token-123456',
        ),
        sleep: async () => {},
      });
      const t = jiraTracker(http, { baseUrl: fake.url, deployment: 'cloud', email: fake.email });
      await rejects(t.listMine!({ limit: 50 }), 'auth', 'wrong-token-123456');
    });

    it('an answer of the wrong shape is invalidResponse naming the path', async () => {
      fake.inject({ type: 'reply', reply: { json: { issues: [{ id: '1', key: 'ENG-1' }] } } });
      const e = await rejects(listMine(tracker()), 'invalidResponse');
      assert.match(e.message, /issues\.0\.fields|issues\[0\]\.fields/);
    });
  });

  describe('Data Center', () => {
    beforeEach(async () => {
      fake = await startFakeJira({ deployment: 'datacenter' });
      seed(fake);
    });

    it('lists 50 open issues of mine in ONE POST /rest/api/2/search (Bearer PAT)', async () => {
      const list = await listMine(tracker());
      assert.equal(fake.requests.length, 1);
      const r = fake.requests[0];
      assert.equal(r.path, '/rest/api/2/search');
      assert.deepEqual(r.body, {
        jql: DefaultWorklistJql,
        startAt: 0,
        maxResults: 50,
        fields: FIELDS,
      });
      assert.match(String(r.headers.authorization), /^Bearer /);
      assert.equal(list.length, 50);
      assert.equal(list[0].key, 'ENG-160');
      assert.deepEqual(list[0].dealRefs, [
        'https://acme.bitrix24.ru/crm/deal/details/6060/',
        '5060',
        '4060',
      ]);
      assert.equal(list[0].assignee, 'Dana Dev');
    });

    it('pages by startAt until total when the server caps maxResults', async () => {
      fake.searchPageCap = 25;
      const list = await listMine(tracker(), undefined, 100);
      assert.equal(list.length, 61);
      const starts = fake.requests.map((r) => (r.body as { startAt: number }).startAt);
      assert.deepEqual(starts, [0, 25, 50]);
      assert.deepEqual(
        fake.requests.map((r) => (r.body as { maxResults: number }).maxResults),
        [100, 75, 50],
      );
    });

    it('Data Center allows an unbounded JQL from the setting', async () => {
      const list = await listMine(tracker({ worklistQuery: 'ORDER BY key DESC' }), undefined, 3);
      assert.deepEqual(
        list.map((t) => t.key),
        ['ENG-305', 'ENG-304', 'ENG-303'],
      );
    });
  });

});

describe('Jira worklist setting and fake', () => {
  it('declares customerContext.jira.worklistQuery: resource scope, empty by default', () => {
    assert.deepEqual(
      { default: jira.settings.worklistQuery.default, scope: jira.settings.worklistQuery.scope },
      { default: '', scope: 'resource' },
    );
    assert.equal(jira.settings.worklistQuery.schema.safeParse('labels = клиент').success, true);
  });

  it('the fake’s JQL parser reads what the default query says', () => {
    assert.deepEqual(parseJql(DefaultWorklistJql), {
      where: {
        and: [
          { field: 'assignee', op: '=', value: { fn: 'currentuser' } },
          { field: 'statuscategory', op: '!=', value: { text: 'Done' } },
        ],
      },
      order: [{ field: 'updated', desc: true }],
    });
  });
});
