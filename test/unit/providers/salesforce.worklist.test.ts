// The worklist's batch lookup against the Salesforce fake: 50 tickets with 3 opportunities each in
// one SOQL query (accounts and owners through relationship fields), split only when the URL would
// be too long, and exactly what `dealsForTicket` gives ticket by ticket.
import * as assert from 'node:assert/strict';
import { isProviderError } from '../../../src/core/errors';
import { createHttpClient } from '../../../src/core/http';
import type { Ticket } from '../../../src/core/model';
import { salesforceDealsForTickets } from '../../../src/core/providers/salesforce/batch';
import {
  salesforceCrm,
  salesforceHttpOptions,
  type SalesforceOptions,
} from '../../../src/core/providers/salesforce/crm';
import type { Crm } from '../../../src/core/providers/types';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import {
  startFakeSalesforce,
  type FakeSalesforce,
  type FakeSalesforceOptions,
} from '../../fakes/salesforce';
import { aTicket, oneByOne } from './worklistCrm';

const INSTANCE = 'https://acme.my.salesforce.com';
const ACCOUNTS = ['ООО «Ромашка»', 'АО «Северсталь-Инжиниринг»', 'ИП Ёлкина'];
const STAGES: Record<string, string> = {
  'Negotiation/Review': 'Переговоры',
  'Proposal/Price Quote': 'Коммерческое предложение',
  'Closed Won': 'Успешно закрыта',
};

describe('salesforceDealsForTickets (worklist)', () => {
  let fake: FakeSalesforce;

  async function start(options: FakeSalesforceOptions = {}): Promise<void> {
    fake = await startFakeSalesforce({
      opportunityFields: ['Jira_Key__c'],
      stageLabels: STAGES,
      orgCurrency: 'RUB',
      ...options,
    });
  }

  /** The CRM as crm.ts will wire it: the single lookup plus the batch over the same client. */
  function crmFor(ticketField = 'Jira_Key__c'): Crm {
    const http = createHttpClient(axiosTransport(), {
      ...salesforceHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    const options: SalesforceOptions = { ticketField, instanceUrl: INSTANCE };
    const dealsForTickets = salesforceDealsForTickets(http, options);
    return { ...salesforceCrm(http, options), dealsForTickets };
  }

  /** `count` tickets: one opportunity referenced by id, two holding the key (one in lower case). */
  function seed(
    count: number,
    multiCurrency = true,
    keyOf = (i: number) => `ACME-${i + 1}`,
  ): Ticket[] {
    const users = [
      fake.addUser('Анна Петрова', 'anna.petrova@example.ru'),
      fake.addUser('Дмитрий Соколов', null),
    ];
    const accounts = ACCOUNTS.map((a) => fake.addAccount(a));
    const stages = Object.keys(STAGES);
    const tickets: Ticket[] = [];
    for (let i = 0; i < count; i++) {
      const key = keyOf(i);
      const opp = (n: number, jiraKey: string | null) =>
        fake.addOpportunity({
          Name: `Сделка ${key}/${n}`,
          Amount: 1250000 + i * 1000 + n,
          ...(multiCurrency ? { CurrencyIsoCode: 'RUB' } : {}),
          StageName: stages[n],
          CloseDate: `2026-12-${String((i % 28) + 1).padStart(2, '0')}`,
          AccountId: n === 1 ? null : accounts[(i + n) % accounts.length],
          OwnerId: users[(i + n) % users.length],
          Jira_Key__c: jiraKey,
        });
      const byRef = opp(0, null);
      opp(1, key);
      opp(2, key.toLowerCase());
      tickets.push(aTicket(key, [byRef]));
    }
    fake.addOpportunity({ Name: 'Чужая сделка', Jira_Key__c: 'OTHER-1' });
    return tickets;
  }

  afterEach(async () => {
    await fake?.stop();
  });

  it('reads 50 tickets × 3 opportunities in one query cold and warm, as one by one', async () => {
    await start();
    const tickets = seed(50);
    tickets[0].dealRefs.push('006Ho0000099999', 'https://example.com/opp/1');
    const crm = crmFor();

    const cold = await crm.dealsForTickets!(tickets);
    assert.equal(fake.requests.length, 1);
    assert.match(fake.soql[0], /WHERE Id IN \('006.*'\) OR Jira_Key__c IN \('ACME-1', 'ACME-2', /);
    fake.requests.length = 0;
    const warm = await crm.dealsForTickets!(tickets);
    assert.equal(fake.requests.length, 1);
    assert.deepEqual(warm, cold);

    assert.equal(cold.size, 50);
    assert.ok([...cold.values()].every((r) => r.deals.length === 3));
    const first = cold.get('ACME-1');
    assert.deepEqual(first?.warnings, [
      'Salesforce: "https://example.com/opp/1" is not an opportunity id or link; ignored.',
      'Salesforce: opportunity 006Ho0000099999 referenced by ACME-1 was not found ' +
        '(deleted, or not visible to this user).',
    ]);
    assert.deepEqual(first?.deals[0], {
      id: tickets[0].dealRefs[0],
      customer: 'ООО «Ромашка»',
      amount: 1250000,
      currency: 'RUB',
      stage: 'Переговоры',
      closeDate: '2026-12-01',
      owner: {
        name: 'Анна Петрова',
        email: 'anna.petrova@example.ru',
        crmId: first?.deals[0].owner?.crmId,
      },
      url: `${INSTANCE}/lightning/r/Opportunity/${tickets[0].dealRefs[0]}/view`,
    });
    assert.equal(first?.deals[1].customer, 'Сделка ACME-1/1');
    assert.equal(first?.deals[1].owner?.name, 'Дмитрий Соколов');
    assert.equal(first?.deals[2].stage, 'Успешно закрыта');

    assert.deepEqual(cold, await oneByOne(crmFor(), tickets));
  });

  it('splits the query where the URL would pass 16 KB, and finds every ticket', async () => {
    await start();
    const long = (i: number) => `ПРОЕКТ-${'Ж'.repeat(60)}-${i + 1}`;
    const tickets = seed(120, true, long);
    const result = await crmFor().dealsForTickets!(tickets);
    const queries = fake.requests.filter((r) => r.path.endsWith('/query'));
    // About 430 encoded characters a key and 12,000 a query: five queries for 120 keys.
    assert.equal(queries.length, 5);
    for (const q of queries) assert.ok(q.query.toString().length < 12_500);
    assert.ok([...result.values()].every((r) => r.deals.length === 3 && r.warnings.length === 0));
    assert.equal(result.get(long(119))?.deals[1].customer, `Сделка ${long(119)}/1`);
    assert.deepEqual(result, await oneByOne(crmFor(), tickets));
  });

  it('learns an org without multi-currency once, takes its currency, as one by one', async () => {
    await start({ multiCurrency: false });
    const tickets = seed(10, false);
    const crm = crmFor();
    const cold = await crm.dealsForTickets!(tickets);
    // The refused query (its message names the column: the echoed query is left out), the query
    // again without CurrencyIsoCode, the org's currency.
    assert.equal(fake.requests.length, 3);
    assert.equal(cold.get('ACME-3')?.deals[0].currency, 'RUB');
    fake.requests.length = 0;
    await crm.dealsForTickets!(tickets);
    assert.equal(fake.requests.length, 1);
    assert.deepEqual(cold, await oneByOne(crmFor(), tickets));
  });

  it('names the setting when Opportunity lacks the field; refuses a bad field name', async () => {
    await start({ opportunityFields: [] });
    const tickets = [aTicket('ACME-1')];
    await assert.rejects(crmFor().dealsForTickets!(tickets), (e: unknown) => {
      assert.ok(isProviderError(e, 'notConfigured'));
      assert.match(e.message, /Opportunity has no field "Jira_Key__c"/);
      return true;
    });
    await assert.rejects(crmFor("Key__c = 'x' OR Name").dealsForTickets!(tickets), (e: unknown) => {
      assert.ok(isProviderError(e, 'notConfigured'));
      assert.equal(e.details.where, 'customerContext.salesforce.ticketField');
      return true;
    });
  });

  it('asks nothing without field or references; escapes quotes and backslashes', async () => {
    await start();
    const none = await crmFor('').dealsForTickets!([aTicket('ACME-1')]);
    assert.deepEqual(none.get('ACME-1'), { deals: [], warnings: [] });
    assert.equal(fake.requests.length, 0);
    const quoted = "O'BRIEN-1";
    fake.addOpportunity({ Name: 'Кавычки', Jira_Key__c: quoted });
    const result = await crmFor().dealsForTickets!([aTicket(quoted), aTicket('ACME-\\2')]);
    assert.equal(result.get(quoted)?.deals[0].customer, 'Кавычки');
    assert.deepEqual(result.get('ACME-\\2'), { deals: [], warnings: [] });
  });
});
