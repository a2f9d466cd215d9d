// The Linear worklist (listMine) through real axios and the real HTTP client against the Linear
// fake: one GraphQL POST for 50 issues, the mapping of each row, cursor pages, and the worklist
// filter setting (a JSON IssueFilter).
import * as assert from 'node:assert/strict';
import { createHttpClient } from '../../../src/core/http';
import { linearFactories } from '../../../src/core/providers/linear/factories';
import { linear } from '../../../src/core/providers/linear/index';
import { linearHttpOptions, linearTracker } from '../../../src/core/providers/linear/tracker';
import {
  DefaultWorklistFilter,
  WorklistQuerySetting,
  worklistRequest,
} from '../../../src/core/providers/linear/worklist';
import type { TicketTracker } from '../../../src/core/providers/types';
import type { VendorContext } from '../../../src/core/providers/vendor';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { rootField, startFakeLinear, type FakeLinear } from '../../fakes/linear';
import { rejects } from './assertions';

/** `n` minutes after a fixed morning, as Linear writes times. */
function at(n: number): string {
  return new Date(Date.parse('2026-09-01T07:00:00Z') + n * 60_000).toISOString();
}

/**
 * 60 open issues of mine (ENG-101…ENG-160, later ones updated later; a CRM link and a pull request
 * attached), 5 completed and 5 canceled ones of mine, 5 open ones of Ирина: the default list holds
 * the 60 and the fixture's ENG-42 (mine, started, never updated: last).
 */
function seed(fake: FakeLinear): void {
  for (let i = 1; i <= 60; i++) {
    fake.addSimpleIssue({
      identifier: `ENG-${100 + i}`,
      title: `Выгрузка актов №${i} для ПАО «Север»`,
      state: i % 2 ? { name: 'В работе', type: 'started' } : { name: 'Бэклог', type: 'backlog' },
      labels: ['клиент', `deal:${4000 + i}`],
      attachments: [
        `https://app.hubspot.com/contacts/123/record/0-3/${18734560000 + i}`,
        `https://github.com/acme/app/pull/${i}`,
      ],
      updatedAt: at(i),
    });
  }
  for (let i = 1; i <= 5; i++) {
    fake.addSimpleIssue({
      identifier: `ENG-${200 + i}`,
      title: `Готово ${i}`,
      state: { name: 'Готово', type: 'completed' },
      updatedAt: at(100 + i),
    });
    fake.addSimpleIssue({
      identifier: `ENG-${300 + i}`,
      title: `Отменено ${i}`,
      state: { name: 'Отменено', type: 'canceled' },
      updatedAt: at(100 + i),
    });
    fake.addSimpleIssue({
      identifier: `ENG-${400 + i}`,
      title: `Задача Ирины ${i}`,
      assignee: 'Ирина Соколова',
      labels: ['клиент'],
      updatedAt: at(200 + i),
    });
  }
}

describe('Linear worklist (listMine)', () => {
  let fake: FakeLinear;

  function tracker(worklistQuery?: string, key = fake.apiKey): TicketTracker {
    const http = createHttpClient(axiosTransport(), {
      ...linearHttpOptions({ apiUrl: `${fake.url}/graphql` }, key),
      sleep: async () => {},
      random: () => 0,
    });
    return linearTracker(http, { worklistQuery });
  }
  const listMine = (t: TicketTracker, query?: string, limit = 50) =>
    t.listMine!({ query, limit });
  type Gql = { query: string; variables: Record<string, unknown>; operationName: string };
  const gql = (i: number) => fake.requests[i].body as Gql;

  beforeEach(async () => {
    fake = await startFakeLinear();
    seed(fake);
  });
  afterEach(() => fake.stop());

  it('lists 50 open assigned issues in ONE GraphQL POST (viewer.assignedIssues)', async () => {
    const list = await listMine(tracker());
    assert.equal(fake.requests.length, 1);
    const body = gql(0);
    assert.equal(body.operationName, 'CustomerContextWorklist');
    assert.equal(rootField(body.query), 'viewer');
    assert.match(body.query, /assignedIssues\(first: \$first, after: \$after, filter: \$filter/);
    assert.match(body.query, /labels\(first: 25\)/);
    assert.deepEqual(body.variables, { first: 50, filter: DefaultWorklistFilter });
    assert.equal(fake.requests[0].headers.authorization, fake.apiKey);
    assert.equal(list.length, 50);
    assert.deepEqual(
      list.map((t) => t.key),
      Array.from({ length: 50 }, (_, i) => `ENG-${160 - i}`),
    );
    assert.deepEqual(list[0], {
      key: 'ENG-160',
      title: 'Выгрузка актов №60 для ПАО «Север»',
      status: 'Бэклог',
      url: 'https://linear.app/acme/issue/ENG-160/eng-160',
      assignee: 'Dana Dev',
      labels: ['клиент', 'deal:4060'],
      // The pull request attachment is no deal.
      dealRefs: ['4060', 'https://app.hubspot.com/contacts/123/record/0-3/18734560060'],
      comments: [],
    });
    assert.equal(list[1].status, 'В работе');
  });

  it('maps a row exactly as getTicket maps the issue (comments aside)', async () => {
    const rows = await listMine(tracker(), undefined, 61);
    const fixture = rows.find((r) => r.key === 'ENG-42');
    assert.ok(fixture, 'the fixture ENG-42 is mine and started');
    const full = await tracker().getTicket('ENG-42');
    assert.deepEqual(fixture, { ...full, comments: [] });
  });

  it('pages with endCursor for a limit above 50, and stops when hasNextPage is false', async () => {
    const list = await listMine(tracker(), undefined, 120);
    assert.equal(list.length, 61);
    assert.deepEqual(
      fake.requests.map((_, i) => gql(i).variables.first),
      [50, 50],
    );
    assert.equal(gql(0).variables.after, undefined);
    // The cursor is the last node's id: ENG-111, the 50th most recently updated.
    assert.equal(list[49].key, 'ENG-111');
    assert.equal(gql(1).variables.after, fake.issues.get('ENG-111')?.id);
  });

  it('a filter from the setting lists the workspace’s issues; the caller’s query wins', async () => {
    const filter = { labels: { name: { eq: 'клиент' } }, assignee: { isMe: { eq: false } } };
    const t = tracker(` ${JSON.stringify(filter)} `);
    const theirs = await listMine(t);
    assert.equal(gql(0).operationName, 'CustomerContextWorklistFilter');
    assert.equal(rootField(gql(0).query), 'issues');
    assert.deepEqual(gql(0).variables.filter, filter);
    assert.deepEqual(
      theirs.map((x) => [x.key, x.assignee]),
      [405, 404, 403, 402, 401].map((n) => [`ENG-${n}`, 'Ирина Соколова']),
    );
    const canceled = await listMine(t, '{"state":{"type":{"eq":"canceled"}}}');
    assert.deepEqual(
      canceled.map((x) => x.status),
      Array(5).fill('Отменено'),
    );
  });

  it('a setting that is no JSON object is notConfigured naming it, before any request', async () => {
    for (const [query, said] of [
      ['labels = клиент', /is not JSON/],
      ['["клиент"]', /is not a JSON object/],
    ] as const) {
      const e = await rejects(listMine(tracker(query)), 'notConfigured');
      assert.match(e.message, said);
      assert.match(e.message, /customerContext\.linear\.worklistQuery/);
      assert.equal(e.details.where, WorklistQuerySetting);
    }
    assert.equal(fake.requests.length, 0);
  });

  it('a filter Linear refuses is notConfigured in Linear’s words when set', async () => {
    const e = await rejects(listMine(tracker('{"метка":{"eq":"x"}}')), 'notConfigured');
    assert.match(e.message, /was refused: Variable "\$filter" got invalid value/);
    assert.match(e.message, /Field "метка" is not defined by type "IssueFilter"/);
    assert.equal(e.details.where, WorklistQuerySetting);
    const e2 = await rejects(listMine(tracker(), '{"state":{"kind":{"eq":"x"}}}'), 'badRequest');
    assert.match(e2.message, /^Linear: the worklist filter was refused: .*WorkflowStateFilter/);
  });

  it('RATELIMITED (HTTP 400) with a near reset is waited out; a bad key is auth', async () => {
    fake.rateLimit({ resetInMs: 1000 });
    assert.equal((await listMine(tracker(), undefined, 3)).length, 3);
    assert.equal(fake.requests.length, 2);
    await rejects(listMine(tracker(undefined, 'lin_api_wrong000000000000')), 'auth', 'lin_api_wrong');
  });

  it('sends nothing for a limit of 0', async () => {
    assert.deepEqual(await listMine(tracker(), undefined, 0), []);
    assert.equal(fake.requests.length, 0);
  });

  it('the factory passes customerContext.linear.worklistQuery to the tracker', async () => {
    const ctx = {
      settings: {
        apiUrl: `${fake.url}/graphql`,
        worklistQuery: '{"title":{"containsIgnoreCase":"ИРИНЫ"}}',
      },
      token: () => fake.apiKey,
      client: (o: Parameters<VendorContext['client']>[0]) =>
        createHttpClient(axiosTransport(), { ...o, sleep: async () => {} }),
    } as unknown as VendorContext<{ apiUrl: string; worklistQuery: string }>;
    const list = await linearFactories.tracker!(ctx).listMine!({ limit: 50 });
    assert.equal(list.length, 5);
  });
});

describe('Linear worklist setting', () => {
  it('declares customerContext.linear.worklistQuery: resource scope, empty by default', () => {
    const s = linear.settings.worklistQuery;
    assert.deepEqual({ default: s.default, scope: s.scope }, { default: '', scope: 'resource' });
  });

  it('reads no query as the default, and a JSON object as the workspace’s filter', () => {
    assert.deepEqual(worklistRequest(' ', ''), {
      root: 'assigned',
      filter: DefaultWorklistFilter,
      source: 'default',
    });
    assert.deepEqual(worklistRequest(undefined, '{"team":{"key":{"eq":"ENG"}}}'), {
      root: 'issues',
      filter: { team: { key: { eq: 'ENG' } } },
      source: 'setting',
    });
  });
});
