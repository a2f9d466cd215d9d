import * as assert from 'node:assert/strict';
import { isProviderError } from '../../../src/core/errors';
import { createHttpClient, type HttpClientOptions } from '../../../src/core/http';
import type { Ticket } from '../../../src/core/model';
import {
  salesforceCrm,
  salesforceHttpOptions,
  salesforceOpportunityId,
  soqlString,
} from '../../../src/core/providers/salesforce/crm';
import { MAX_ENCODED_QUERY } from '../../../src/core/providers/salesforce/batch';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import queryFixture from '../../fixtures/salesforce/query-opportunities.json';
import {
  startFakeSalesforce,
  to18,
  type FakeSalesforce,
  type FakeSalesforceOptions,
} from '../../fakes/salesforce';

function aTicket(key: string, dealRefs: string[] = []): Ticket {
  return { key, title: 't', labels: [], dealRefs, comments: [] };
}

const INSTANCE = 'https://acme.my.salesforce.com';

describe('salesforceCrm', () => {
  let fake: FakeSalesforce;

  async function start(options: FakeSalesforceOptions = {}): Promise<FakeSalesforce> {
    fake = await startFakeSalesforce({ opportunityFields: ['Jira_Key__c'], ...options });
    return fake;
  }

  function crmFor(ticketField = 'Jira_Key__c', extra: Partial<HttpClientOptions> = {}) {
    const http = createHttpClient(axiosTransport(), {
      ...salesforceHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
      ...extra,
    });
    return salesforceCrm(http, { ticketField, instanceUrl: INSTANCE });
  }

  function seed() {
    const sam = fake.addUser('Sam Sales', 'sam.sales@acme-vendor.com');
    const ann = fake.addUser('Ann Lee', 'ann@acme-vendor.com');
    const acme = fake.addAccount('Acme Corp');
    const globex = fake.addAccount('Globex LLC');
    const byRef = fake.addOpportunity({
      Name: 'Acme – Renewal 2026',
      Amount: 48000.0,
      CurrencyIsoCode: 'EUR',
      StageName: 'Negotiation/Review',
      CloseDate: '2026-11-30',
      AccountId: acme,
      OwnerId: sam,
      Jira_Key__c: null,
    });
    const byKey = fake.addOpportunity({
      Name: 'Globex – Expansion',
      Amount: 120000.5,
      CurrencyIsoCode: 'USD',
      StageName: 'Id. Decision Makers',
      CloseDate: '2027-01-15',
      AccountId: globex,
      OwnerId: ann,
      Jira_Key__c: 'ENG-42',
    });
    const both = fake.addOpportunity({
      Name: 'No account',
      Amount: null,
      CurrencyIsoCode: 'USD',
      StageName: 'Prospecting',
      CloseDate: '2026-12-01',
      AccountId: null,
      OwnerId: sam,
      Jira_Key__c: 'eng-42',
    });
    fake.addOpportunity({
      Name: 'Other',
      StageName: 'Prospecting',
      Jira_Key__c: 'ENG-7',
      AccountId: acme,
    });
    return { sam, ann, byRef, byKey, both };
  }

  afterEach(async () => fake?.stop());

  it('maps account, amount+currency, stage label, close date, owner, link; merges', async () => {
    await start({ stageLabels: { 'Id. Decision Makers': 'Entscheider identifiziert' } });
    const { sam, ann, byRef, byKey, both } = seed();
    const { deals, warnings } = await crmFor().dealsForTicket(
      aTicket('ENG-42', [
        byRef,
        `https://acme.lightning.force.com/lightning/r/Opportunity/${both}/view`,
      ]),
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(deals, [
      {
        id: byRef,
        customer: 'Acme Corp',
        amount: 48000,
        currency: 'EUR',
        stage: 'Negotiation/Review',
        closeDate: '2026-11-30',
        owner: { name: 'Sam Sales', email: 'sam.sales@acme-vendor.com', crmId: sam },
        url: `${INSTANCE}/lightning/r/Opportunity/${byRef}/view`,
      },
      {
        id: both,
        customer: 'No account',
        currency: 'USD',
        stage: 'Prospecting',
        closeDate: '2026-12-01',
        owner: { name: 'Sam Sales', email: 'sam.sales@acme-vendor.com', crmId: sam },
        url: `${INSTANCE}/lightning/r/Opportunity/${both}/view`,
      },
      {
        id: byKey,
        customer: 'Globex LLC',
        amount: 120000.5,
        currency: 'USD',
        stage: 'Entscheider identifiziert',
        closeDate: '2027-01-15',
        owner: { name: 'Ann Lee', email: 'ann@acme-vendor.com', crmId: ann },
        url: `${INSTANCE}/lightning/r/Opportunity/${byKey}/view`,
      },
    ]);
  });

  it('costs one request per cold lookup: refs and the ticket field in one SOQL query', async () => {
    await start();
    const { byRef } = seed();
    await crmFor().dealsForTicket(aTicket('ENG-42', [byRef]));
    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.path}`),
      ['GET /services/data/v62.0/query'],
    );
    assert.equal(
      fake.soql[0],
      // The ticket field is selected too: it tells which ticket a row belongs to (one query serves many).
      'SELECT Id, Name, Amount, CurrencyIsoCode, toLabel(StageName), CloseDate, OwnerId, ' +
        'Account.Name, Owner.Name, Owner.Email, Jira_Key__c FROM Opportunity ' +
        `WHERE Id IN ('${byRef}') OR Jira_Key__c IN ('ENG-42')`,
    );
  });

  it('matches a 15-character reference to the 18-character id without duplicating it', async () => {
    await start();
    const { byKey, both } = seed();
    const { deals, warnings } = await crmFor().dealsForTicket(
      aTicket('ENG-42', [byKey.slice(0, 15), byKey]),
    );
    assert.deepEqual(warnings, []);
    // byKey is referenced twice (15 and 18 characters) and also found by the key: it shows once.
    assert.deepEqual(
      deals.map((d) => d.id),
      [byKey, both],
    );
    assert.match(fake.soql[0], new RegExp(`Id IN \\('${byKey.slice(0, 15)}'\\)`));
  });

  it('escapes quotes and backslashes in the ticket key so it cannot change the query', async () => {
    await start();
    seed();
    const attack = "X' OR Name != '";
    const { deals } = await crmFor().dealsForTicket(aTicket(attack));
    assert.deepEqual(deals, []);
    assert.match(fake.soql[0], /Jira_Key__c IN \('X\\' OR Name != \\''\)$/);

    const odd = 'O\'Brien\\"x\n';
    const id = fake.addOpportunity({ Name: 'Odd', StageName: 'Prospecting', Jira_Key__c: odd });
    const found = await crmFor().dealsForTicket(aTicket(odd));
    assert.deepEqual(
      found.deals.map((d) => d.id),
      [id],
    );
  });

  it('refuses a ticket field that is not a plain API name before sending anything', async () => {
    await start();
    await assert.rejects(
      crmFor("Jira_Key__c = 'x' OR Id").dealsForTicket(aTicket('ENG-1')),
      (e: unknown) =>
        isProviderError(e, 'notConfigured') &&
        /customerContext\.salesforce\.ticketField/.test(e.message),
    );
    assert.equal(fake.requests.length, 0);
  });

  it('names the setting when the ticket field does not exist on Opportunity', async () => {
    await start();
    seed();
    await assert.rejects(
      crmFor('Jira_Typo__c').dealsForTicket(aTicket('ENG-1')),
      (e: unknown) =>
        isProviderError(e, 'notConfigured') &&
        /Opportunity has no field "Jira_Typo__c" \(customerContext\.salesforce\.ticketField\)/.test(
          e.message,
        ),
    );
  });

  it('falls back to the org currency when multi-currency is off, and remembers it', async () => {
    await start({ multiCurrency: false, orgCurrency: 'GBP' });
    const acme = fake.addAccount('Acme');
    const id = fake.addOpportunity({
      Name: 'Deal',
      Amount: 10,
      StageName: 'Prospecting',
      AccountId: acme,
    });
    const crm = crmFor('');
    const first = await crm.dealsForTicket(aTicket('ENG-1', [id]));
    assert.equal(first.deals[0].currency, 'GBP');
    assert.equal(first.deals[0].amount, 10);
    // Failed query, retried query without CurrencyIsoCode, organization currency.
    assert.equal(fake.requests.length, 3);
    fake.requests.length = 0;
    await crm.dealsForTicket(aTicket('ENG-1', [id]));
    assert.equal(fake.requests.length, 1);
    assert.doesNotMatch(fake.soql[fake.soql.length - 1], /CurrencyIsoCode/);
  });

  it('follows nextRecordsUrl pages on the same host', async () => {
    await start({ pageSize: 2 });
    const acme = fake.addAccount('Acme');
    for (let i = 0; i < 5; i++) {
      fake.addOpportunity({
        Name: `D${i}`,
        StageName: 'Prospecting',
        AccountId: acme,
        Jira_Key__c: 'ENG-5',
      });
    }
    const { deals } = await crmFor().dealsForTicket(aTicket('ENG-5'));
    assert.equal(deals.length, 5);
    assert.deepEqual(
      fake.requests.map((r) => r.path.replace(/query\/.*/, 'query/…')),
      [
        '/services/data/v62.0/query',
        '/services/data/v62.0/query/…',
        '/services/data/v62.0/query/…',
      ],
    );
  });

  it('refuses a nextRecordsUrl that points to another host', async () => {
    await start();
    seed();
    fake.inject(
      {
        type: 'reply',
        reply: {
          json: {
            ...queryFixture,
            done: false,
            nextRecordsUrl: 'https://evil.example.com/services/data/v62.0/query/01g-2000',
          },
        },
      },
      1,
    );
    await assert.rejects(
      crmFor().dealsForTicket(aTicket('ENG-42')),
      (e: unknown) => isProviderError(e, 'invalidResponse') && /nextRecordsUrl/.test(e.message),
    );
    assert.equal(fake.requests.length, 1);
  });

  it('stops after a bounded number of pages', async () => {
    await start();
    seed();
    fake.inject(
      {
        type: 'reply',
        reply: {
          json: {
            ...queryFixture,
            done: false,
            nextRecordsUrl: '/services/data/v62.0/query/01gLOOP-2000',
          },
        },
      },
      100,
    );
    await assert.rejects(
      crmFor().dealsForTicket(aTicket('ENG-42')),
      (e: unknown) => isProviderError(e, 'invalidResponse') && /pages/.test(e.message),
    );
    assert.equal(fake.requests.length, 10);
  });

  it('reports a referenced opportunity that does not exist and shows the rest', async () => {
    await start();
    const { byRef } = seed();
    const gone = to18('006Ho00000Gone1');
    const { deals, warnings } = await crmFor('').dealsForTicket(
      aTicket('ENG-42', [gone, byRef, 'ENG-9']),
    );
    assert.deepEqual(
      deals.map((d) => d.id),
      [byRef],
    );
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /"ENG-9" is not an opportunity id or link/);
    assert.match(warnings[1], new RegExp(`opportunity ${gone} referenced by ENG-42 was not found`));
  });

  it('maps INVALID_SESSION_ID to auth with the vendor message', async () => {
    await start();
    const http = createHttpClient(axiosTransport(), {
      ...salesforceHttpOptions(fake.url, '00DHo000000Acme1!WRONG-TOKEN'),
      maxAttempts: 1,
    });
    await assert.rejects(
      salesforceCrm(http, { ticketField: 'Jira_Key__c' }).dealsForTicket(aTicket('ENG-1')),
      (e: unknown) =>
        isProviderError(e, 'auth') &&
        e.details.vendorMessage === 'INVALID_SESSION_ID: Session expired or invalid',
    );
  });

  it('maps 403 REQUEST_LIMIT_EXCEEDED to rateLimited', async () => {
    await start();
    fake.exhaustApiLimit(5);
    await assert.rejects(
      crmFor().dealsForTicket(aTicket('ENG-1')),
      (e: unknown) =>
        isProviderError(e, 'rateLimited') &&
        /REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded/.test(e.message),
    );
  });

  it('keeps a 403 that is not REQUEST_LIMIT_EXCEEDED as forbidden', async () => {
    await start();
    const body = [
      {
        message: 'The REST API is not enabled for this Organization.',
        errorCode: 'API_DISABLED_FOR_ORG',
      },
    ];
    fake.inject({ type: 'reply', reply: { status: 403, json: body } }, 1);
    await assert.rejects(
      crmFor().dealsForTicket(aTicket('ENG-1')),
      (e: unknown) =>
        isProviderError(e, 'forbidden') &&
        /^API_DISABLED_FOR_ORG: /.test(e.details.vendorMessage ?? ''),
    );
  });

  it('maps MALFORMED_QUERY to badRequest carrying Salesforce’s message', async () => {
    await start();
    const http = createHttpClient(axiosTransport(), {
      ...salesforceHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    await assert.rejects(
      http.request({
        path: '/services/data/v62.0/query',
        query: { q: "SELECT Id FROM Opportunity WHERE Name = 'a\\q'" },
      }),
      (e: unknown) =>
        isProviderError(e, 'badRequest') &&
        /^MALFORMED_QUERY: .*Illegal character sequence/.test(e.details.vendorMessage ?? ''),
    );
  });

  it('queries in chunks that keep the URL under Salesforce\'s limit for a ticket with 500 linked opportunities', async () => {
    await start();
    const acme = fake.addAccount('Acme');
    const owner = fake.addUser('Sam', 'sam@x.com');
    const refs = Array.from({ length: 500 }, (_v, i) =>
      fake.addOpportunity({
        Name: `D${i}`,
        Amount: i,
        StageName: 'Prospecting',
        AccountId: acme,
        OwnerId: owner,
      }),
    );
    const started = process.hrtime.bigint();
    const { deals } = await crmFor().dealsForTicket(aTicket('ENG-500', refs));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(deals.length, 500);
    assert.equal(deals[499].amount, 499);
    // 500 ids of 18 characters: two queries, each within MAX_ENCODED_QUERY encoded characters.
    assert.equal(fake.requests.length, 2);
    assert.ok(fake.soql.every((q) => encodeURIComponent(q).length <= MAX_ENCODED_QUERY), 'a query over the cap');
    console.log(
      `      500 linked opportunities: ${fake.requests.length} requests, ${ms.toFixed(0)} ms`,
    );
  });

  it('says who the token belongs to', async () => {
    await start();
    assert.equal(await crmFor().whoAmI?.(), 'Dana Dev <dana.dev@acme-vendor.com>');
  });
});

describe('soqlString and salesforceOpportunityId', () => {
  it('escapes every SOQL special character', () => {
    assert.equal(soqlString(`a'b"c\\d\ne\tf`), `'a\\'b\\"c\\\\d\\ne\\tf'`);
  });

  it('accepts opportunity ids and Salesforce record links only', () => {
    const id = '006Ho00000AbCdEIAZ';
    assert.equal(salesforceOpportunityId(id), id);
    assert.equal(salesforceOpportunityId(id.slice(0, 15)), id.slice(0, 15));
    assert.equal(
      salesforceOpportunityId(
        `https://acme.lightning.force.com/lightning/r/Opportunity/${id}/view`,
      ),
      id,
    );
    assert.equal(salesforceOpportunityId(`https://acme.my.salesforce.com/${id}`), id);
    assert.equal(salesforceOpportunityId('001Ho00000AbCdEIAZ'), undefined);
    assert.equal(
      salesforceOpportunityId(`https://evil.example.com/lightning/r/Opportunity/${id}/view`),
      undefined,
    );
    assert.equal(salesforceOpportunityId('ENG-42'), undefined);
  });
});

describe('fake Salesforce Task endpoints', () => {
  let fake: FakeSalesforce;
  afterEach(async () => fake?.stop());

  it('creates a Task on an opportunity and reports its completion through SOQL', async () => {
    fake = await startFakeSalesforce();
    const owner = fake.addUser('Sam', 'sam@x.com');
    const opp = fake.addOpportunity({ Name: 'D', StageName: 'Prospecting', OwnerId: owner });
    const http = createHttpClient(axiosTransport(), {
      ...salesforceHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    const res = await http.request({
      method: 'POST',
      path: '/services/data/v62.0/sobjects/Task/',
      body: {
        Subject: 'Dev question on ENG-42',
        WhatId: opp,
        OwnerId: owner,
        Status: 'Not Started',
        ActivityDate: '2026-10-03',
      },
    });
    assert.equal(res.status, 201);
    const { id, success, errors } = res.data as { id: string; success: boolean; errors: unknown[] };
    assert.deepEqual([success, errors, id.startsWith('00T'), id.length], [true, [], true, 18]);
    fake.completeTask(id);
    const q = await http.request({
      path: '/services/data/v62.0/query',
      query: { q: `SELECT Id, Status, IsClosed FROM Task WHERE Id IN ('${id}')` },
    });
    const rec = (q.data as { records: Array<{ Status: string; IsClosed: boolean }> }).records[0];
    assert.deepEqual([rec.Status, rec.IsClosed], ['Completed', true]);
  });

  it('rejects a bad picklist value with Salesforce’s error array', async () => {
    fake = await startFakeSalesforce();
    const http = createHttpClient(axiosTransport(), {
      ...salesforceHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    await assert.rejects(
      http.request({
        method: 'POST',
        path: '/services/data/v62.0/sobjects/Task/',
        body: { Subject: 'x', Status: 'Open' },
      }),
      (e: unknown) =>
        isProviderError(e, 'badRequest') &&
        /INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST/.test(e.message),
    );
  });
});
