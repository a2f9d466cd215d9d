// The worklist's batch lookup against the HubSpot fake: 50 tickets with 3 deals each cost one
// search, one associations read, one companies read and the per-portal lookups, and give exactly
// what `dealsForTicket` gives ticket by ticket.
import * as assert from 'node:assert/strict';
import { createHttpClient } from '../../../src/core/http';
import type { Ticket } from '../../../src/core/model';
import { hubspotCrm, hubspotHttpOptions } from '../../../src/core/providers/hubspot/crm';
import type { Crm } from '../../../src/core/providers/types';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { hubspotMissingScopeReply, startFakeHubspot, type FakeHubspot } from '../../fakes/hubspot';
import { vendorMemory, type VendorMemory } from '../../../src/core/vendorMemory';
import { aTicket, oneByOne } from './worklistCrm';

const COMPANIES = ['ООО «Ромашка»', 'АО «Северсталь-Инжиниринг»', 'ИП Ёлкина', 'ПАО «Уралхим»'];
const STAGES = ['Переговоры', 'Договор отправлен', 'Выиграна'];

function sorted(fake: FakeHubspot): string[] {
  return fake.requests.map((r) => `${r.method} ${r.path}`).sort();
}

describe('hubspotCrm.dealsForTickets (worklist)', () => {
  let fake: FakeHubspot;

  function crmFor(ticketProperty = 'jira_issue_key', memory?: VendorMemory): Crm {
    const http = createHttpClient(axiosTransport(), {
      ...hubspotHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    return hubspotCrm(http, { ticketProperty, memory });
  }

  /** What a window keeps in globalState, shared by the clients a test builds. */
  function storeAndMemory(): { store: Map<string, unknown>; memory: VendorMemory } {
    const store = new Map<string, unknown>();
    const kv = { get: <T>(k: string) => store.get(k) as T | undefined, update: async (k: string, v: unknown) => void store.set(k, v) };
    return { store, memory: vendorMemory(kv, 'hubspot', fake.url, async () => fake.token) };
  }

  /** 50 tickets: one deal referenced by id, two holding the key (one in lower case). */
  function seed(count = 50): Ticket[] {
    fake.pipelines.results[0].label = 'Продажи';
    fake.pipelines.results[0].stages.slice(0, 3).forEach((s, i) => (s.label = STAGES[i]));
    const stageIds = fake.pipelines.results[0].stages.slice(0, 3).map((s) => s.id);
    const companies = COMPANIES.map((name) => fake.addCompany(name));
    const owners = [
      fake.addOwner('Анна', 'Петрова', 'anna.petrova@example.ru'),
      fake.addOwner('Дмитрий', 'Соколов', 'd.sokolov@example.ru'),
      fake.addOwner('Ёжиков', null, null),
    ];
    const tickets: Ticket[] = [];
    for (let i = 0; i < count; i++) {
      const key = `ACME-${i + 1}`;
      const deal = (n: number, extra: Record<string, string>) =>
        fake.addDeal(
          {
            dealname: `Сделка ${key}/${n}`,
            amount: `${1250000 + i * 1000 + n}.00`,
            deal_currency_code: n === 2 ? null : 'RUB',
            dealstage: stageIds[n],
            pipeline: 'default',
            closedate: `2026-12-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z`,
            hubspot_owner_id: owners[(i + n) % owners.length],
            ...extra,
          },
          n === 1 ? [] : [companies[(i + n) % companies.length]],
        );
      const byRef = deal(0, {});
      deal(1, { jira_issue_key: key });
      deal(2, { jira_issue_key: key.toLowerCase() });
      tickets.push(aTicket(key, [byRef]));
    }
    fake.addDeal({ dealname: 'Чужая сделка', jira_issue_key: 'OTHER-1' });
    return tickets;
  }

  beforeEach(async () => {
    fake = await startFakeHubspot({
      dealProperties: ['jira_issue_key'],
      account: { companyCurrency: 'RUB', uiDomain: 'app-eu1.hubspot.com' },
    });
  });

  afterEach(async () => {
    await fake?.stop();
  });

  it('reads 50 tickets × 3 deals in 6 requests cold, 3 warm, equal to one by one', async () => {
    const tickets = seed();
    const crm = crmFor();

    const cold = await crm.dealsForTickets!(tickets);
    assert.deepEqual(sorted(fake), [
      'GET /account-info/v3/details',
      'GET /crm/v3/owners',
      'GET /crm/v3/pipelines/deals',
      'POST /crm/v3/objects/companies/batch/read',
      'POST /crm/v3/objects/deals/search',
      'POST /crm/v4/associations/deals/companies/batch/read',
    ]);

    fake.requests.length = 0;
    const warm = await crm.dealsForTickets!(tickets);
    assert.deepEqual(sorted(fake), [
      'POST /crm/v3/objects/companies/batch/read',
      'POST /crm/v3/objects/deals/search',
      'POST /crm/v4/associations/deals/companies/batch/read',
    ]);
    assert.deepEqual(warm, cold);

    assert.equal(cold.size, 50);
    assert.ok([...cold.values()].every((r) => r.deals.length === 3 && r.warnings.length === 0));
    const first = cold.get('ACME-1');
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
      url: `https://app-eu1.hubspot.com/contacts/62515/record/0-3/${tickets[0].dealRefs[0]}`,
    });
    assert.equal(first?.deals[1].customer, 'Сделка ACME-1/1');
    assert.equal(first?.deals[2].stage, 'Выиграна');
    assert.equal(cold.get('ACME-3')?.deals[0].owner?.name, 'Ёжиков');

    const single = await oneByOne(crmFor(), tickets);
    assert.deepEqual(cold, single);
  });

  it('after a restart (a new client, the same memory) costs the search, associations and companies only', async () => {
    const tickets = seed();
    const { memory } = storeAndMemory();
    const first = await crmFor('jira_issue_key', memory).dealsForTickets!(tickets);
    assert.equal(fake.requests.length, 6);
    // The writes are not awaited by the lookup: let them land, as they do long before a restart.
    await new Promise((r) => setTimeout(r, 20));

    fake.requests.length = 0;
    const again = await crmFor('jira_issue_key', memory).dealsForTickets!(tickets);
    assert.deepEqual(sorted(fake), [
      'POST /crm/v3/objects/companies/batch/read',
      'POST /crm/v3/objects/deals/search',
      'POST /crm/v4/associations/deals/companies/batch/read',
    ]);
    assert.deepEqual(again, first);
  });

  it('does not give one token\'s remembered portal to another token', async () => {
    const tickets = seed(3);
    const { store, memory } = storeAndMemory();
    await crmFor('jira_issue_key', memory).dealsForTickets!(tickets);
    await new Promise((r) => setTimeout(r, 20));
    const kv = { get: <T>(k: string) => store.get(k) as T | undefined, update: async (k: string, v: unknown) => void store.set(k, v) };
    const other = vendorMemory(kv, 'hubspot', fake.url, async () => `${fake.token}-other-portal`);
    assert.equal(await other.read('pipelines', 60_000), undefined);
    assert.ok(await memory.read('pipelines', 60_000));
    assert.doesNotMatch(JSON.stringify([...store.values()]), new RegExp(fake.token));
  });

  it('reads a stage added since the pipelines were remembered, once', async () => {
    const tickets = seed(2);
    const { memory } = storeAndMemory();
    await crmFor('jira_issue_key', memory).dealsForTickets!(tickets);
    await new Promise((r) => setTimeout(r, 20));
    const stages = fake.pipelines.results[0].stages;
    stages.push({ ...stages[0], id: 'newstage', label: 'Пилот' });
    fake.addDeal({ dealname: 'Новая', jira_issue_key: 'ACME-1', dealstage: 'newstage', pipeline: 'default' });

    fake.requests.length = 0;
    const result = await crmFor('jira_issue_key', memory).dealsForTickets!(tickets);
    assert.ok(result.get('ACME-1')?.deals.some((d) => d.stage === 'Пилот'));
    assert.equal(fake.requests.filter((r) => r.path.endsWith('/pipelines/deals')).length, 1);
  });

  it('finds 150 companies with one search of IN groups, not two batch reads', async () => {
    const tickets: Ticket[] = [];
    for (let i = 0; i < 50; i++) {
      const key = `ACME-${i + 1}`;
      for (let n = 0; n < 3; n++) {
        const company = fake.addCompany(`Компания ${i}-${n}`);
        fake.addDeal({ dealname: `Сделка ${key}/${n}`, jira_issue_key: key }, [company]);
      }
      tickets.push(aTicket(key));
    }
    const result = await crmFor().dealsForTickets!(tickets);
    const paths = fake.requests.map((r) => r.path);
    assert.equal(paths.filter((p) => p.includes('/objects/companies/')).length, 1);
    assert.ok(paths.includes('/crm/v3/objects/companies/search'));
    assert.deepEqual(
      result.get('ACME-50')?.deals.map((d) => d.customer).sort(),
      ['Компания 49-0', 'Компания 49-1', 'Компания 49-2'],
    );
  });

  it('reads by id only a referenced deal the search missed; warns as one by one', async () => {
    const tickets = seed(5);
    tickets[0].dealRefs.push('999999', 'https://example.com/deal/1');
    const result = await crmFor().dealsForTickets!(tickets);
    const reads = fake.requests.filter((r) => r.path.endsWith('/deals/batch/read'));
    assert.deepEqual(
      reads.map((r) => (r.body as { inputs: unknown[] }).inputs),
      [[{ id: '999999' }]],
    );
    assert.deepEqual(result.get('ACME-1')?.warnings, [
      'HubSpot: "https://example.com/deal/1" is not a HubSpot deal id or link; ignored.',
      'HubSpot: deal 999999 referenced by ACME-1 was not found (deleted, or not visible).',
    ]);
    assert.deepEqual(result, await oneByOne(crmFor(), tickets));
  });

  it('puts at most 100 values in an IN filter and 5 groups in a search', async () => {
    const tickets = Array.from({ length: 260 }, (_v, i) =>
      aTicket(`ACME-${i + 1}`, [String(i + 1)]),
    );
    fake.addDeal({ dealname: 'Единственная', jira_issue_key: 'ACME-260' });
    const result = await crmFor().dealsForTickets!(tickets);
    const searches = fake.requests.filter((r) => r.path.endsWith('/deals/search'));
    type Body = { filterGroups: Array<{ filters: Array<{ values: string[] }> }> };
    const groups = searches.map((r) => (r.body as Body).filterGroups);
    // 260 keys (upper and lower case) in 6 groups, 260 ids in 3: two searches.
    assert.deepEqual(
      groups.map((g) => g.length),
      [5, 4],
    );
    assert.ok(groups.flat().every((g) => g.filters[0].values.length <= 100));
    assert.equal(result.get('ACME-260')?.deals[0].customer, 'Единственная');
    assert.equal(result.get('ACME-1')?.warnings.length, 1);
  });

  it('gives a ticket without deals an empty result; nothing to find, no request', async () => {
    const crm = crmFor('');
    const tickets = [aTicket('ACME-1'), aTicket('ACME-1'), aTicket('ACME-2')];
    const result = await crm.dealsForTickets!(tickets);
    assert.deepEqual([...result.keys()], ['ACME-1', 'ACME-2']);
    assert.deepEqual(result.get('ACME-2'), { deals: [], warnings: [] });
    assert.equal(fake.requests.length, 0);
  });

  it('warns once per ticket with deals when the token may not read companies', async () => {
    const tickets = seed(3);
    tickets.push(aTicket('EMPTY-1'));
    fake.inject({ type: 'reply', reply: hubspotMissingScopeReply() }, 1, (r) =>
      r.path.includes('/associations/'),
    );
    const result = await crmFor().dealsForTickets!(tickets);
    assert.match(result.get('ACME-2')?.warnings[0] ?? '', /may not read companies/);
    assert.equal(result.get('ACME-2')?.deals[0].customer, 'Сделка ACME-2/0');
    assert.deepEqual(result.get('EMPTY-1'), { deals: [], warnings: [] });
  });
});
