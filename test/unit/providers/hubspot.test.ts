import * as assert from 'node:assert/strict';
import { isProviderError } from '../../../src/core/errors';
import { createHttpClient, type HttpClientOptions } from '../../../src/core/http';
import type { Ticket } from '../../../src/core/model';
import { hubspotCrm, hubspotDealId, hubspotHttpOptions } from '../../../src/core/providers/hubspot/crm';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import {
  hubspotMissingScopeReply,
  hubspotRateLimitReply,
  startFakeHubspot,
  type FakeHubspot,
  type FakeHubspotOptions,
} from '../../fakes/hubspot';

function aTicket(key: string, dealRefs: string[] = []): Ticket {
  return { key, title: 't', labels: [], dealRefs, comments: [] };
}

describe('hubspotCrm', () => {
  let fake: FakeHubspot;

  async function start(options: FakeHubspotOptions = {}): Promise<FakeHubspot> {
    fake = await startFakeHubspot({ dealProperties: ['jira_issue_key'], ...options });
    return fake;
  }

  function crmFor(ticketProperty = 'jira_issue_key', extra: Partial<HttpClientOptions> = {}) {
    const http = createHttpClient(axiosTransport(), {
      ...hubspotHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
      ...extra,
    });
    return hubspotCrm(http, { ticketProperty });
  }

  /** Two companies, two owners, three deals: one referenced, one found by key, one both. */
  function seed() {
    const acme = fake.addCompany('Acme Corp', '555');
    const globex = fake.addCompany('Globex LLC', '556');
    const sam = fake.addOwner('Sam', 'Sales', 'sam.sales@acme-vendor.com', '41629779');
    const ann = fake.addOwner('Ann', 'Lee', 'ann@acme-vendor.com', '41629780');
    const byRef = fake.addDeal(
      {
        dealname: 'Acme – Renewal 2026',
        amount: '48000',
        deal_currency_code: 'EUR',
        dealstage: 'contractsent',
        pipeline: 'default',
        closedate: '2026-11-30T00:00:00Z',
        hubspot_owner_id: sam,
      },
      [acme, globex],
      '1001',
    );
    const byKey = fake.addDeal(
      {
        dealname: 'Globex – Expansion',
        amount: '120000.5',
        deal_currency_code: null,
        dealstage: '1136219062',
        pipeline: '75e28846-ad0d-4be2-a027-5e1da6590b98',
        closedate: '2027-01-15T00:00:00Z',
        hubspot_owner_id: ann,
        jira_issue_key: 'ENG-42',
      },
      [globex],
      '1002',
    );
    const both = fake.addDeal(
      {
        dealname: 'No company deal',
        amount: null,
        dealstage: 'unknownstage',
        jira_issue_key: 'eng-42',
      },
      [],
      '1003',
    );
    fake.addDeal({ dealname: 'Unrelated', jira_issue_key: 'ENG-7' }, [acme], '1004');
    return { byRef, byKey, both };
  }

  afterEach(async () => {
    await fake?.stop();
  });

  it('maps company, amount+currency, stage label, close date, owner, link; merges', async () => {
    await start();
    seed();
    const crm = crmFor();
    const { deals, warnings } = await crm.dealsForTicket(
      aTicket('ENG-42', ['1001', 'https://app.hubspot.com/contacts/62515/record/0-3/1003/']),
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(deals, [
      {
        id: '1001',
        customer: 'Acme Corp',
        amount: 48000,
        currency: 'EUR',
        stage: 'Contract Sent',
        closeDate: '2026-11-30',
        owner: { name: 'Sam Sales', email: 'sam.sales@acme-vendor.com', crmId: '41629779' },
        url: 'https://app.hubspot.com/contacts/62515/record/0-3/1001',
      },
      {
        id: '1003',
        customer: 'No company deal',
        currency: 'USD',
        url: 'https://app.hubspot.com/contacts/62515/record/0-3/1003',
      },
      {
        id: '1002',
        customer: 'Globex LLC',
        amount: 120000.5,
        currency: 'USD',
        stage: 'Security Questionnaire',
        closeDate: '2027-01-15',
        owner: { name: 'Ann Lee', email: 'ann@acme-vendor.com', crmId: '41629780' },
        url: 'https://app.hubspot.com/contacts/62515/record/0-3/1002',
      },
    ]);
  });

  it('costs a fixed number of requests cold, and only the batches warm', async () => {
    await start();
    seed();
    const crm = crmFor();
    await crm.dealsForTicket(aTicket('ENG-42', ['1001']));
    const cold = fake.requests.map((r) => `${r.method} ${r.path}`).sort();
    assert.deepEqual(cold, [
      'GET /account-info/v3/details',
      'GET /crm/v3/owners/41629779',
      'GET /crm/v3/owners/41629780',
      'GET /crm/v3/pipelines/deals',
      'POST /crm/v3/objects/companies/batch/read',
      'POST /crm/v3/objects/deals/batch/read',
      'POST /crm/v3/objects/deals/search',
      'POST /crm/v4/associations/deals/companies/batch/read',
    ]);
    const search = fake.requests.find((r) => r.path.endsWith('/search'));
    assert.deepEqual((search?.body as { filterGroups: unknown }).filterGroups, [
      { filters: [{ propertyName: 'jira_issue_key', operator: 'EQ', value: 'ENG-42' }] },
    ]);

    fake.requests.length = 0;
    await crm.dealsForTicket(aTicket('ENG-42', ['1001']));
    assert.equal(fake.requests.length, 4, fake.requests.map((r) => r.path).join('\n'));
  });

  it('does not search when no ticket property is configured', async () => {
    await start();
    seed();
    const { deals } = await crmFor('').dealsForTicket(aTicket('ENG-42', ['1001']));
    assert.deepEqual(
      deals.map((d) => d.id),
      ['1001'],
    );
    assert.equal(fake.count('/search'), 0);
  });

  it('reports a referenced deal that is gone as a warning and shows the rest', async () => {
    await start();
    seed();
    const { deals, warnings } = await crmFor().dealsForTicket(
      aTicket('ENG-42', ['999', '1001', 'ACME-1']),
    );
    assert.deepEqual(
      deals.map((d) => d.id),
      ['1001', '1002', '1003'],
    );
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /"ACME-1" is not a HubSpot deal id or link/);
    assert.match(warnings[1], /deal 999 referenced by ENG-42 was not found/);
  });

  it('treats a batch where no id exists (HTTP 404) as missing deals, not a failure', async () => {
    await start({ batchAllMissingStatus: 404 });
    seed();
    const { deals, warnings } = await crmFor().dealsForTicket(aTicket('ENG-42', ['999']));
    assert.deepEqual(
      deals.map((d) => d.id),
      ['1002', '1003'],
    );
    assert.match(warnings[0], /deal 999 .* was not found/);
  });

  it('fails with auth and the vendor message when the token is wrong', async () => {
    await start();
    seed();
    const http = createHttpClient(axiosTransport(), {
      ...hubspotHttpOptions(fake.url, 'pat-na1-wrong-token-000000'),
      maxAttempts: 1,
    });
    await assert.rejects(
      hubspotCrm(http, { ticketProperty: 'jira_issue_key' }).dealsForTicket(
        aTicket('ENG-42', ['1001']),
      ),
      (e: unknown) =>
        isProviderError(e, 'auth') &&
        e.details.status === 401 &&
        /Authentication credentials not found.*INVALID_AUTHENTICATION/.test(
          e.details.vendorMessage ?? '',
        ),
    );
  });

  it('fails with auth before any request when no token is stored', async () => {
    await start();
    const http = createHttpClient(axiosTransport(), {
      ...hubspotHttpOptions(fake.url, async () => undefined),
      maxAttempts: 1,
    });
    await assert.rejects(
      hubspotCrm(http, {}).dealsForTicket(aTicket('ENG-42', ['1'])),
      (e: unknown) => isProviderError(e, 'auth'),
    );
    assert.equal(fake.requests.length, 0);
  });

  it('fails with forbidden when the token lacks the deals scope', async () => {
    await start();
    seed();
    fake.inject({ type: 'reply', reply: hubspotMissingScopeReply() }, 1, (r) =>
      r.path.includes('/deals/'),
    );
    await assert.rejects(
      crmFor().dealsForTicket(aTicket('ENG-42', ['1001'])),
      (e: unknown) =>
        isProviderError(e, 'forbidden') &&
        /required scopes.*MISSING_SCOPES/.test(e.details.vendorMessage ?? ''),
    );
  });

  it('shows deal names for customers, with a warning, without the companies scope', async () => {
    await start();
    seed();
    fake.inject({ type: 'reply', reply: hubspotMissingScopeReply() }, 1, (r) =>
      r.path.includes('/associations/'),
    );
    const { deals, warnings } = await crmFor('').dealsForTicket(aTicket('ENG-42', ['1001']));
    assert.equal(deals[0].customer, 'Acme – Renewal 2026');
    assert.equal(deals[0].owner?.name, 'Sam Sales');
    assert.deepEqual(warnings, [
      'HubSpot: the token may not read companies (scope crm.objects.companies.read), ' +
        'so deal names stand in for customers.',
    ]);
  });

  it('reports a 404 that is not OBJECT_NOT_FOUND as an error, not as deleted deals', async () => {
    await start();
    seed();
    fake.inject({ type: 'reply', reply: { status: 404, raw: 'Not Found' } }, 1, (r) =>
      r.path.endsWith('/deals/batch/read'),
    );
    await assert.rejects(crmFor('').dealsForTicket(aTicket('ENG-42', ['1001'])), (e: unknown) =>
      isProviderError(e, 'notFound'),
    );
  });

  it('reads the 429 body and X-HubSpot-RateLimit headers into rateLimited, retryAt', async () => {
    await start();
    seed();
    fake.inject({ type: 'reply', reply: hubspotRateLimitReply() }, 1, (r) =>
      r.path.endsWith('/batch/read'),
    );
    const before = Date.now();
    await assert.rejects(crmFor('').dealsForTicket(aTicket('ENG-42', ['1001'])), (e: unknown) => {
      assert.ok(isProviderError(e, 'rateLimited'), String(e));
      assert.match(
        e.details.vendorMessage ?? '',
        /ten_secondly_rolling limit.*TEN_SECONDLY_ROLLING/,
      );
      const retryAt = e.details.retryAt ?? 0;
      assert.ok(
        retryAt >= before + 9_000 && retryAt <= Date.now() + 10_000,
        `retryAt ${retryAt - before}`,
      );
      return true;
    });
  });

  it('waits out a 429 and then succeeds when the wait is short enough', async () => {
    await start();
    seed();
    fake.inject({ type: 'reply', reply: hubspotRateLimitReply('SECONDLY') }, 1, (r) =>
      r.path.endsWith('/search'),
    );
    const waits: number[] = [];
    const crm = crmFor('jira_issue_key', {
      maxAttempts: 3,
      sleep: async (ms) => void waits.push(ms),
    });
    const { deals } = await crm.dealsForTicket(aTicket('ENG-42'));
    assert.deepEqual(
      deals.map((d) => d.id),
      ['1002', '1003'],
    );
    assert.equal(waits.length, 1);
    assert.equal(fake.count('/search'), 2);
  });

  it('names the setting when the ticket property does not exist in the portal', async () => {
    await start();
    seed();
    await assert.rejects(
      crmFor('jira_key_typo').dealsForTicket(aTicket('ENG-42')),
      (e: unknown) =>
        isProviderError(e, 'notConfigured') &&
        /customerContext\.hubspot\.ticketProperty/.test(e.message) &&
        /jira_key_typo/.test(e.message),
    );
  });

  it('follows search paging', async () => {
    await start();
    const company = fake.addCompany('Big Co');
    const owner = fake.addOwner('Sam', 'Sales', 'sam@x.com');
    for (let i = 0; i < 250; i++)
      fake.addDeal({ dealname: `D${i}`, hubspot_owner_id: owner, jira_issue_key: 'ENG-1' }, [
        company,
      ]);
    const { deals } = await crmFor().dealsForTicket(aTicket('ENG-1'));
    assert.equal(deals.length, 250);
    assert.equal(new Set(deals.map((d) => d.id)).size, 250);
    assert.equal(fake.count('/search'), 2);
    assert.ok(deals.every((d) => d.customer === 'Big Co' && d.owner?.name === 'Sam Sales'));
  });

  it('reads a ticket with 500 linked deals in batches of 100', async function () {
    this.timeout(20_000);
    await start();
    const companies = Array.from({ length: 150 }, (_v, i) => fake.addCompany(`Company ${i}`));
    const owners = Array.from({ length: 5 }, (_v, i) =>
      fake.addOwner('Rep', String(i), `rep${i}@x.com`),
    );
    const refs: string[] = [];
    for (let i = 0; i < 500; i++) {
      refs.push(
        fake.addDeal(
          {
            dealname: `Deal ${i}`,
            amount: String(i * 10),
            dealstage: 'closedwon',
            pipeline: 'default',
            hubspot_owner_id: owners[i % 5],
          },
          [companies[i % 150]],
        ),
      );
    }
    const crm = crmFor('');
    const started = process.hrtime.bigint();
    const { deals, warnings } = await crm.dealsForTicket(aTicket('ENG-500', refs));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.deepEqual(warnings, []);
    assert.equal(deals.length, 500);
    assert.equal(deals[499].customer, `Company ${499 % 150}`);
    assert.equal(deals[499].stage, 'Closed Won');
    assert.equal(deals[499].amount, 4990);
    // 1 account, 1 pipelines, 5 deal batches, 5 association batches, 1 company search (150 ids
    // in two IN groups), 5 owners.
    assert.equal(fake.count('/account-info/'), 1);
    assert.equal(fake.count('/pipelines/'), 1);
    assert.equal(fake.count('/deals/batch/read'), 5);
    assert.equal(fake.count('/associations/'), 5);
    assert.equal(fake.count('/objects/companies/search'), 1);
    assert.equal(fake.count('/objects/companies/batch/read'), 0);
    assert.equal(fake.count('/owners/'), 5);
    assert.equal(fake.requests.length, 18);
    const batchSizes = fake.requests
      .filter((r) => r.path.endsWith('/deals/batch/read'))
      .map((r) => (r.body as { inputs: unknown[] }).inputs.length);
    assert.deepEqual(batchSizes, [100, 100, 100, 100, 100]);
    // Logged so the report can quote it; the bound only catches a request storm or serial waits.
    console.log(`      500 linked deals: ${fake.requests.length} requests, ${ms.toFixed(0)} ms`);
    assert.ok(ms < 5_000, `${ms} ms`);
  });

  it('lists owners once instead of one request per owner when a lookup has many', async () => {
    await start();
    const company = fake.addCompany('Co');
    const refs: string[] = [];
    for (let i = 0; i < 30; i++) {
      const owner = fake.addOwner('Rep', String(i), `rep${i}@x.com`);
      refs.push(fake.addDeal({ dealname: `D${i}`, hubspot_owner_id: owner }, [company]));
    }
    const { deals } = await crmFor('').dealsForTicket(aTicket('ENG-1', refs));
    assert.equal(deals.filter((d) => d.owner).length, 30);
    assert.equal(fake.count('/owners'), 1);
  });

  it('shows a deal whose owner was deactivated without the owner', async () => {
    await start();
    const id = fake.addDeal({ dealname: 'Orphan', hubspot_owner_id: '123' }, []);
    const { deals, warnings } = await crmFor('').dealsForTicket(aTicket('ENG-1', [id]));
    assert.deepEqual(warnings, []);
    assert.equal(deals[0].owner, undefined);
    assert.equal(deals[0].customer, 'Orphan');
  });

  it('rejects a response of the wrong shape as invalidResponse', async () => {
    await start();
    seed();
    fake.inject({ type: 'reply', reply: { json: { results: [{ properties: {} }] } } }, 1, (r) =>
      r.path.endsWith('/deals/batch/read'),
    );
    await assert.rejects(crmFor('').dealsForTicket(aTicket('ENG-42', ['1001'])), (e: unknown) =>
      isProviderError(e, 'invalidResponse'),
    );
  });

  it('ignores __proto__ and constructor keys in vendor objects', async () => {
    await start();
    seed();
    const raw =
      '{"status":"COMPLETE","results":[{"id":"1001","__proto__":{"polluted":true},' +
      '"properties":{"__proto__":{"amount":"666","hubspot_owner_id":"41629779"},' +
      '"constructor":"x","dealname":"Safe"}}]}';
    fake.inject(
      { type: 'reply', reply: { raw, headers: { 'content-type': 'application/json' } } },
      1,
      (r) => r.path.endsWith('/deals/batch/read'),
    );
    const { deals } = await crmFor('').dealsForTicket(aTicket('ENG-42', ['1001']));
    // Had `__proto__` become the prototype, its amount and owner would show through.
    assert.equal(deals[0].amount, undefined);
    assert.equal(deals[0].owner, undefined);
    assert.equal(deals[0].customer, 'Acme Corp');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).amount, undefined);
  });

  it('says which account the token belongs to', async () => {
    await start({ account: { portalId: 777, uiDomain: 'app-eu1.hubspot.com' } });
    const id = fake.addDeal({ dealname: 'X' }, []);
    const crm = crmFor('');
    assert.equal(await crm.whoAmI?.(), 'HubSpot account 777');
    const { deals } = await crm.dealsForTicket(aTicket('ENG-1', [id]));
    assert.equal(deals[0].url, `https://app-eu1.hubspot.com/contacts/777/record/0-3/${id}`);
    assert.equal(fake.count('/account-info/'), 1);
  });
});

describe('hubspotDealId', () => {
  it('accepts numeric ids and HubSpot deal links only', () => {
    assert.equal(hubspotDealId('18734567890'), '18734567890');
    assert.equal(
      hubspotDealId('https://app.hubspot.com/contacts/62515/record/0-3/18734567890'),
      '18734567890',
    );
    assert.equal(hubspotDealId('https://app-eu1.hubspot.com/contacts/62515/deal/42/?tab=x'), '42');
    assert.equal(hubspotDealId('https://app.hubspot.com/contacts/62515/record/0-2/42'), undefined);
    assert.equal(hubspotDealId('https://evil.example.com/contacts/1/record/0-3/42'), undefined);
    assert.equal(hubspotDealId('http://app.hubspot.com/contacts/1/record/0-3/42'), undefined);
    assert.equal(hubspotDealId('ENG-42'), undefined);
  });
});

describe('fake HubSpot write endpoints', () => {
  let fake: FakeHubspot;
  afterEach(async () => fake?.stop());

  it('creates a task associated to a deal (type 216) and reports its completion', async () => {
    fake = await startFakeHubspot();
    const owner = fake.addOwner('Sam', 'Sales', 'sam@x.com');
    const deal = fake.addDeal({ dealname: 'D' }, []);
    const http = createHttpClient(axiosTransport(), {
      ...hubspotHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    const created = await http.request({
      method: 'POST',
      path: '/crm/v3/objects/tasks',
      body: {
        properties: {
          hs_timestamp: '2026-10-03T09:00:00.000Z',
          hs_task_subject: 'Q',
          hubspot_owner_id: owner,
        },
        associations: [
          {
            to: { id: deal },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 216 }],
          },
        ],
      },
    });
    assert.equal(created.status, 201);
    const id = (created.data as { id: string }).id;
    assert.equal(fake.tasks.get(id)?.associations[0].to.id, deal);
    fake.completeTask(id);
    const read = await http.request({
      path: `/crm/v3/objects/tasks/${id}`,
      query: { properties: 'hs_task_status' },
    });
    assert.equal(
      (read.data as { properties: Record<string, string> }).properties.hs_task_status,
      'COMPLETED',
    );
  });

  it('finds a task by CONTAINS_TOKEN with wildcards and refuses unknown properties', async () => {
    fake = await startFakeHubspot();
    const deal = fake.addDeal({ dealname: 'D' }, []);
    const http = createHttpClient(axiosTransport(), {
      ...hubspotHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    await http.request({
      method: 'POST',
      path: '/crm/v3/objects/tasks',
      body: {
        properties: {
          hs_timestamp: '2026-10-03T09:00:00.000Z',
          hs_task_subject: 'Q [cc-question:abc123]',
        },
        associations: [
          {
            to: { id: deal },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 216 }],
          },
        ],
      },
    });
    const search = (value: string, propertyName = 'hs_task_subject') =>
      http.request({
        method: 'POST',
        path: '/crm/v3/objects/tasks/search',
        body: {
          filterGroups: [{ filters: [{ propertyName, operator: 'CONTAINS_TOKEN', value }] }],
          properties: ['hs_task_subject'],
        },
      });
    const hit = (await search('*abc123*')).data as {
      total: number;
      results: Array<{ properties: Record<string, string> }>;
    };
    assert.equal(hit.total, 1);
    assert.equal(hit.results[0].properties.hs_task_subject, 'Q [cc-question:abc123]');
    assert.equal(((await search('*zzz*')).data as { total: number }).total, 0);
    await assert.rejects(search('x', 'no_such_property'), (e: unknown) =>
      isProviderError(e, 'badRequest'),
    );
  });

  it('rejects a note with the task association type, as HubSpot does', async () => {
    fake = await startFakeHubspot();
    const deal = fake.addDeal({ dealname: 'D' }, []);
    const http = createHttpClient(axiosTransport(), {
      ...hubspotHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    await assert.rejects(
      http.request({
        method: 'POST',
        path: '/crm/v3/objects/notes',
        body: {
          properties: { hs_timestamp: '2026-10-03T09:00:00.000Z', hs_note_body: 'x' },
          associations: [
            {
              to: { id: deal },
              types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 216 }],
            },
          ],
        },
      }),
      (e: unknown) => isProviderError(e, 'badRequest') && e.details.status === 400,
    );
    assert.equal(fake.notes.size, 0);
  });
});
