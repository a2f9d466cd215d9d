import * as assert from 'node:assert/strict';
import { isProviderError } from '../../../src/core/errors';
import { createHttpClient, type HttpClientOptions } from '../../../src/core/http';
import type { Ticket } from '../../../src/core/model';
import {
  pipedriveCrm,
  pipedriveDealRef,
  pipedriveHttpOptions,
} from '../../../src/core/providers/pipedrive/crm';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import {
  pipedriveRateLimitReply,
  startFakePipedrive,
  type FakePipedrive,
} from '../../fakes/pipedrive';

function aTicket(key: string, dealRefs: string[] = []): Ticket {
  return { key, title: 't', labels: [], dealRefs, comments: [] };
}

const FIELD = '8d2f0c7a1b3e4f5061728394a5b6c7d8e9f00112';
const OTHER_FIELD = 'aa11bb22cc33dd44ee55ff66aa77bb88cc99dd00';

describe('pipedriveCrm', () => {
  let fake: FakePipedrive;

  function crmFor(
    ticketField = FIELD,
    extra: Partial<HttpClientOptions> = {},
    companyDomain?: string,
  ) {
    const http = createHttpClient(axiosTransport(), {
      ...pipedriveHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
      ...extra,
    });
    return pipedriveCrm(http, { ticketField, companyDomain });
  }

  function seed() {
    const acme = fake.addOrganization('Acme Corp', 9);
    const globex = fake.addOrganization('Globex LLC', 10);
    const ann = fake.addUser('Ann Lee', 'ann@acme-vendor.com', 13);
    const byRef = fake.addDeal(
      {
        title: 'Acme – Renewal',
        org_id: acme,
        owner_id: fake.meId,
        stage_id: 3,
        value: 48000,
        currency: 'EUR',
        expected_close_date: '2026-11-30',
      },
      77,
    );
    const byKey = fake.addDeal(
      {
        title: 'Globex – Expansion',
        org_id: globex,
        owner_id: ann,
        stage_id: 5,
        value: 120000.5,
        currency: 'usd',
        expected_close_date: '2027-01-15',
        custom_fields: { [FIELD]: 'ENG-42' },
      },
      78,
    );
    const both = fake.addDeal(
      {
        title: 'No org deal',
        owner_id: 999,
        stage_id: 42,
        value: null as unknown as number,
        custom_fields: { [FIELD]: 'eng-42' },
      },
      79,
    );
    // Holds the key in another custom field: search finds it, the ticket field does not match.
    fake.addDeal(
      {
        title: 'Mentions ENG-42 elsewhere',
        org_id: acme,
        custom_fields: { [FIELD]: 'ENG-7', [OTHER_FIELD]: 'ENG-42' },
      },
      80,
    );
    return { byRef, byKey, both, ann };
  }

  beforeEach(async () => {
    fake = await startFakePipedrive();
  });
  afterEach(async () => fake.stop());

  it('maps org, amount+currency, stage label, close date, owner, link; merges', async () => {
    const { ann } = seed();
    const { deals, warnings } = await crmFor().dealsForTicket(
      aTicket('ENG-42', ['77', 'https://acmevendor.pipedrive.com/deal/79']),
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(deals, [
      {
        id: '77',
        customer: 'Acme Corp',
        amount: 48000,
        currency: 'EUR',
        stage: 'Proposal Made',
        closeDate: '2026-11-30',
        owner: { name: 'Sam Sales', email: 'sam.sales@acme-vendor.com', crmId: String(fake.meId) },
        url: 'https://acmevendor.pipedrive.com/deal/77',
      },
      {
        id: '79',
        customer: 'No org deal',
        currency: 'USD',
        url: 'https://acmevendor.pipedrive.com/deal/79',
      },
      {
        id: '78',
        customer: 'Globex LLC',
        amount: 120000.5,
        currency: 'USD',
        stage: 'Renewal Due',
        closeDate: '2027-01-15',
        owner: { name: 'Ann Lee', email: 'ann@acme-vendor.com', crmId: String(ann) },
        url: 'https://acmevendor.pipedrive.com/deal/78',
      },
    ]);
  });

  it('costs a fixed number of requests cold, fewer warm, token only in x-api-token', async () => {
    seed();
    const crm = crmFor();
    await crm.dealsForTicket(aTicket('ENG-42', ['77']));
    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.path}`).sort(),
      [
        'GET /api/v1/users/13',
        'GET /api/v1/users/999',
        'GET /api/v1/users/me',
        'GET /api/v2/deals',
        'GET /api/v2/deals/search',
        'GET /api/v2/organizations',
        'GET /api/v2/stages',
      ].sort(),
    );
    const search = fake.requests.find((r) => r.path.endsWith('/search'));
    assert.deepEqual(Object.fromEntries(search?.query ?? []), {
      term: 'ENG-42',
      fields: 'custom_fields',
      exact_match: 'true',
      limit: '100',
    });
    assert.equal(
      fake.requests.find((r) => r.path === '/api/v2/deals')?.query.get('ids'),
      '77,78,79,80',
    );
    assert.ok(
      fake.requests.every(
        (r) => r.headers['x-api-token'] === fake.token && !r.query.has('api_token'),
      ),
    );

    fake.requests.length = 0;
    await crm.dealsForTicket(aTicket('ENG-42', ['77']));
    assert.deepEqual(
      fake.requests.map((r) => r.path),
      ['/api/v2/deals/search', '/api/v2/deals', '/api/v2/organizations'],
    );
  });

  it('drops a search hit whose ticket field holds another key', async () => {
    seed();
    const { deals } = await crmFor().dealsForTicket(aTicket('ENG-42'));
    assert.deepEqual(
      deals.map((d) => d.id),
      ['78', '79'],
    );
  });

  it('uses the configured company domain for links without asking who the user is', async () => {
    seed();
    const { deals } = await crmFor('', {}, 'acme').dealsForTicket(aTicket('ENG-42', ['77']));
    assert.equal(deals[0].url, 'https://acme.pipedrive.com/deal/77');
    assert.equal(fake.count('/users/me'), 0);
    assert.equal(fake.count('/search'), 0);
  });

  it('reports a referenced deal that does not exist and shows the rest', async () => {
    seed();
    const { deals, warnings } = await crmFor('').dealsForTicket(
      aTicket('ENG-42', ['404', '77', 'https://evil.example.com/deal/1']),
    );
    assert.deepEqual(
      deals.map((d) => d.id),
      ['77'],
    );
    assert.equal(warnings.length, 2);
    assert.match(
      warnings[0],
      /"https:\/\/evil\.example\.com\/deal\/1" is not a Pipedrive deal id or link/,
    );
    assert.match(warnings[1], /deal 404 referenced by ENG-42 was not found/);
  });

  it('maps 401 to auth with Pipedrive’s error text', async () => {
    seed();
    const http = createHttpClient(axiosTransport(), {
      ...pipedriveHttpOptions(fake.url, 'not-the-token-0000'),
      maxAttempts: 1,
    });
    await assert.rejects(
      pipedriveCrm(http, { ticketField: FIELD }).dealsForTicket(aTicket('ENG-42')),
      (e: unknown) =>
        isProviderError(e, 'auth') && e.details.vendorMessage === 'unauthorized access',
    );
  });

  it('maps 403 to forbidden with Pipedrive’s error text', async () => {
    seed();
    const body = {
      success: false,
      error: 'Scope and URL mismatch',
      errorCode: 403,
      error_info: 'x',
    };
    fake.inject({ type: 'reply', reply: { status: 403, json: body } }, 1);
    await assert.rejects(
      crmFor().dealsForTicket(aTicket('ENG-42')),
      (e: unknown) =>
        isProviderError(e, 'forbidden') && e.details.vendorMessage === 'Scope and URL mismatch (x)',
    );
  });

  it('maps 429 to rateLimited with retryAt from x-ratelimit-reset', async () => {
    seed();
    fake.inject({ type: 'reply', reply: pipedriveRateLimitReply(7) }, 1, (r) =>
      r.path.endsWith('/search'),
    );
    const before = Date.now();
    await assert.rejects(crmFor().dealsForTicket(aTicket('ENG-42')), (e: unknown) => {
      assert.ok(isProviderError(e, 'rateLimited'), String(e));
      assert.equal(e.details.vendorMessage, 'Request over limit');
      const wait = (e.details.retryAt ?? 0) - before;
      assert.ok(wait >= 6_000 && wait <= 8_000, String(wait));
      return true;
    });
  });

  it('waits out a short 429 and then answers', async () => {
    seed();
    fake.inject(
      { type: 'reply', reply: pipedriveRateLimitReply(1) },
      1,
      (r) => r.path === '/api/v2/deals',
    );
    const waits: number[] = [];
    const { deals } = await crmFor(FIELD, {
      maxAttempts: 2,
      sleep: async (ms) => void waits.push(ms),
    }).dealsForTicket(aTicket('ENG-42', ['77']));
    assert.equal(deals.length, 3);
    assert.equal(waits.length, 1);
    assert.ok(waits[0] >= 900 && waits[0] <= 1000, String(waits[0]));
  });

  it('follows search cursors', async () => {
    const org = fake.addOrganization('Big Co');
    for (let i = 0; i < 150; i++)
      fake.addDeal({ title: `D${i}`, org_id: org, custom_fields: { [FIELD]: 'ENG-9' } });
    const { deals } = await crmFor().dealsForTicket(aTicket('ENG-9'));
    assert.equal(deals.length, 150);
    assert.equal(fake.count('/search'), 2);
    assert.equal(fake.count('/api/v2/deals') - fake.count('/search'), 2);
  });

  it('reads a ticket with 500 linked deals in lists of 100 ids', async () => {
    const orgs = Array.from({ length: 120 }, (_v, i) => fake.addOrganization(`Org ${i}`));
    const refs = Array.from({ length: 500 }, (_v, i) =>
      String(
        fake.addDeal({
          title: `D${i}`,
          org_id: orgs[i % 120],
          owner_id: fake.meId,
          stage_id: 4,
          value: i,
        }),
      ),
    );
    const started = process.hrtime.bigint();
    const { deals, warnings } = await crmFor('').dealsForTicket(aTicket('ENG-500', refs));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.deepEqual(warnings, []);
    assert.equal(deals.length, 500);
    assert.equal(deals[499].customer, `Org ${499 % 120}`);
    assert.equal(deals[499].stage, 'Negotiations Started');
    // 1 me (also the owner) + 1 stages + 5 deal lists + 2 organisation lists.
    assert.equal(fake.requests.length, 9, fake.requests.map((r) => r.path).join('\n'));
    console.log(`      500 linked deals: ${fake.requests.length} requests, ${ms.toFixed(0)} ms`);
  });

  it('lists users once when a lookup has many owners', async () => {
    const refs: string[] = [];
    for (let i = 0; i < 20; i++) {
      const owner = fake.addUser(`Rep ${i}`, `rep${i}@x.com`);
      refs.push(String(fake.addDeal({ title: `D${i}`, owner_id: owner })));
    }
    const { deals } = await crmFor('').dealsForTicket(aTicket('ENG-1', refs));
    assert.equal(deals.filter((d) => d.owner).length, 20);
    assert.equal(
      fake.requests.filter(
        (r) => r.path.startsWith('/api/v1/users') && r.path !== '/api/v1/users/me',
      ).length,
      1,
    );
  });

  it('refuses a ticket field that is not a field key', async () => {
    await assert.rejects(
      crmFor('x&ids=1').dealsForTicket(aTicket('ENG-1')),
      (e: unknown) =>
        isProviderError(e, 'notConfigured') &&
        /customerContext\.pipedrive\.ticketField/.test(e.message),
    );
    assert.equal(fake.requests.length, 0);
  });

  it('says who the token belongs to', async () => {
    assert.equal(await crmFor().whoAmI?.(), 'Sam Sales <sam.sales@acme-vendor.com> at Acme Vendor');
  });
});

describe('pipedriveDealRef', () => {
  it('accepts numeric ids and Pipedrive deal links only', () => {
    assert.deepEqual(pipedriveDealRef('77'), { id: '77' });
    assert.deepEqual(pipedriveDealRef('https://acme.pipedrive.com/deal/77'), {
      id: '77',
      company: 'acme',
    });
    assert.deepEqual(pipedriveDealRef('https://app.pipedrive.com/deal/77/'), {
      id: '77',
      company: undefined,
    });
    assert.equal(pipedriveDealRef('http://acme.pipedrive.com/deal/77'), undefined);
    assert.equal(pipedriveDealRef('https://acme.pipedrive.com.evil.io/deal/77'), undefined);
    assert.equal(pipedriveDealRef('ENG-42'), undefined);
  });
});

describe('fake Pipedrive write endpoints', () => {
  let fake: FakePipedrive;
  beforeEach(async () => {
    fake = await startFakePipedrive();
  });
  afterEach(async () => fake.stop());

  it('stores a note and an activity on a deal and reports the activity done', async () => {
    const deal = fake.addDeal({ title: 'D' });
    const http = createHttpClient(axiosTransport(), {
      ...pipedriveHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    const note = await http.request({
      method: 'POST',
      path: '/api/v1/notes',
      body: { content: '<p>Dev question on ENG-42</p>', deal_id: deal, pinned_to_deal_flag: 1 },
    });
    assert.equal(note.status, 201);
    assert.equal([...fake.notes.values()][0].deal_id, deal);
    const act = await http.request({
      method: 'POST',
      path: '/api/v1/activities',
      body: {
        subject: 'Question',
        type: 'task',
        deal_id: deal,
        user_id: fake.meId,
        due_date: '2026-10-03',
      },
    });
    const id = (act.data as { data: { id: number } }).data.id;
    fake.completeActivity(id);
    const read = await http.request({ path: `/api/v1/activities/${id}` });
    assert.equal((read.data as { data: { done: boolean } }).data.done, true);
  });

  it('lists a deal’s activities filtered by done, with data null when there are none', async () => {
    const deal = fake.addDeal({ title: 'D' });
    const http = createHttpClient(axiosTransport(), {
      ...pipedriveHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    const list = async () =>
      (await http.request({ path: `/api/v1/deals/${deal}/activities`, query: { done: 0 } }))
        .data as {
        data: Array<{ id: number }> | null;
      };
    assert.equal((await list()).data, null);
    const created = await http.request({
      method: 'POST',
      path: '/api/v1/activities',
      body: { subject: 'Q', type: 'task', deal_id: deal },
    });
    const id = (created.data as { data: { id: number } }).data.id;
    assert.deepEqual(
      (await list()).data?.map((a) => a.id),
      [id],
    );
    fake.completeActivity(id);
    assert.equal((await list()).data, null);
  });

  it('rejects a note on a deal that does not exist', async () => {
    const http = createHttpClient(axiosTransport(), {
      ...pipedriveHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    await assert.rejects(
      http.request({
        method: 'POST',
        path: '/api/v1/notes',
        body: { content: 'x', deal_id: 123456 },
      }),
      (e: unknown) =>
        isProviderError(e, 'badRequest') && e.details.vendorMessage === 'Deal not found',
    );
  });
});
