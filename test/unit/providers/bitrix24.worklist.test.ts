// The worklist's batch lookup against the fake portal: 50 tickets with 3 deals each in two `batch`
// requests (the deals by `@UF_…` and `@ID`, then companies, users and stages), exactly what
// `dealsForTicket` gives one by one, warnings included.
import * as assert from 'node:assert/strict';
import { createHttpClient } from '../../../src/core/http';
import type { Ticket } from '../../../src/core/model';
import { bitrix24Api, bitrix24HttpOptions } from '../../../src/core/providers/bitrix24/api';
import { bitrix24Crm } from '../../../src/core/providers/bitrix24/crm';
import type { Crm } from '../../../src/core/providers/types';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import {
  startFakeBitrix24,
  type FakeBitrix24,
  type FakeBitrix24Options,
} from '../../fakes/bitrix24';
import { aTicket, oneByOne } from './worklistCrm';

const FIELD = 'UF_CRM_TICKET';
const COMPANIES = ['ООО «Ромашка»', 'АО «Василёк»', 'ИП Ёлкина'];

function tally(list: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of list) out[x] = (out[x] ?? 0) + 1;
  return out;
}

describe('bitrix24Crm.dealsForTickets (worklist)', () => {
  let fake: FakeBitrix24;

  async function start(options: FakeBitrix24Options = {}): Promise<void> {
    fake = await startFakeBitrix24(options);
  }

  function crmFor(ticketField = FIELD): Crm {
    const http = createHttpClient(axiosTransport(), {
      ...bitrix24HttpOptions(fake.url),
      maxAttempts: 1,
    });
    return bitrix24Crm(bitrix24Api(http, fake.url, fake.token), { ticketField });
  }

  /** `count` tickets: a deal named by id, `perKey` holding the key (one in lower case). */
  function seed(count: number, perKey = 2): Ticket[] {
    const mail = (name: string) => `${name}@romashka-soft.ru`;
    fake.addUser({ ID: '9', NAME: 'Анна', LAST_NAME: 'Петрова', EMAIL: mail('a.petrova') });
    fake.addUser({ ID: '12', NAME: 'Олег', LAST_NAME: 'Сидоров', EMAIL: mail('o.sidorov') });
    const companies = COMPANIES.map((c) => fake.addCompany(c));
    const tickets: Ticket[] = [];
    for (let i = 0; i < count; i++) {
      const key = `ACME-${i + 1}`;
      const deal = (n: number, ticket: string | null) =>
        fake.addDeal({
          TITLE: `Сделка ${key}/${n}`,
          OPPORTUNITY: `${1250000 + i * 1000 + n}.00`,
          CURRENCY_ID: 'RUB',
          CATEGORY_ID: n % 2 ? '3' : '0',
          STAGE_ID: n % 2 ? 'C3:PREPARATION' : 'PREPARATION',
          CLOSEDATE: `2026-12-${String((i % 28) + 1).padStart(2, '0')}T03:00:00+03:00`,
          ASSIGNED_BY_ID: (i + n) % 2 ? '12' : '9',
          COMPANY_ID: n === 1 ? '0' : companies[(i + n) % companies.length],
          UF_CRM_TICKET: ticket,
        });
      const byRef = deal(0, null);
      for (let n = 1; n <= perKey; n++) deal(n, n === 2 ? key.toLowerCase() : key);
      tickets.push(aTicket(key, [byRef]));
    }
    fake.addDeal({ TITLE: 'Чужая сделка', UF_CRM_TICKET: 'OTHER-1' });
    return tickets;
  }

  afterEach(async () => {
    await fake?.stop();
  });

  it('reads 50 tickets × 3 deals in 2 batch requests cold and warm, as one by one', async () => {
    await start();
    const tickets = seed(50);
    tickets[0].dealRefs.push('999999', 'https://other.bitrix24.ru/crm/deal/details/5/');
    const crm = crmFor();

    const cold = await crm.dealsForTickets!(tickets);
    assert.deepEqual(tally(fake.requests.map((r) => r.path.split('/').pop() ?? '')), {
      'batch.json': 2,
    });
    // Five lists of ten keys, two of 50 named ids (51 with the gone one).
    assert.deepEqual(tally(fake.methods()), {
      'crm.deal.list': 7,
      'crm.company.list': 1,
      'user.get': 1,
      'crm.status.list': 2,
    });
    const keyFilters = fake.calls
      .filter((c) => c.method === 'crm.deal.list')
      .map((c) => Object.keys(c.params.filter as object)[0]);
    assert.deepEqual(keyFilters, [...Array(5).fill('@UF_CRM_TICKET'), '@ID', '@ID']);

    fake.requests.length = 0;
    fake.calls.length = 0;
    const warm = await crm.dealsForTickets!(tickets);
    assert.equal(fake.requests.length, 2);
    assert.deepEqual(tally(fake.methods()), { 'crm.deal.list': 7, 'crm.company.list': 1 });
    assert.deepEqual(warm, cold);

    assert.ok([...cold.values()].every((r) => r.deals.length === 3));
    const first = cold.get('ACME-1');
    assert.deepEqual(first?.warnings, [
      'Bitrix24: "https://other.bitrix24.ru/crm/deal/details/5/" is a deal on another portal ' +
        '(other.bitrix24.ru); ignored.',
      'Bitrix24: deal 999999 referenced by ACME-1 was not found ' +
        "(deleted, or not visible to the webhook's user).",
    ]);
    assert.deepEqual(first?.deals[0], {
      id: tickets[0].dealRefs[0],
      customer: 'ООО «Ромашка»',
      amount: 1250000,
      currency: 'RUB',
      stage: 'Переговоры',
      closeDate: '2026-12-01',
      owner: { name: 'Анна Петрова', email: 'a.petrova@romashka-soft.ru', crmId: '9' },
      url: `${fake.url}/crm/deal/details/${tickets[0].dealRefs[0]}/`,
    });
    assert.equal(first?.deals[1].customer, 'Сделка ACME-1/1');
    assert.equal(first?.deals[1].owner?.name, 'Олег Сидоров');

    assert.deepEqual(cold, await oneByOne(crmFor(), tickets));
  });

  it('reads the next pages of a list holding over 50 deals in one more round', async () => {
    await start();
    const tickets = seed(12, 6);
    const result = await crmFor().dealsForTickets!(tickets);
    // Ten keys × six deals is 60 rows: its second page is read alone (no batch for one command).
    assert.deepEqual(
      fake.requests.map((r) => r.path.split('/').pop()),
      ['batch.json', 'crm.deal.list.json', 'batch.json'],
    );
    assert.ok([...result.values()].every((r) => r.deals.length === 7));
    assert.deepEqual(result, await oneByOne(crmFor(), tickets));
  });

  it('warns every ticket of a field the portal does not know, reading no more pages', async () => {
    await start();
    // 61 deals: every list has a next page, which is not read.
    const tickets = seed(30, 1);
    const result = await crmFor('UF_CRM_NO_SUCH').dealsForTickets!(tickets);
    assert.equal(fake.requests.length, 2);
    assert.match(result.get('ACME-7')?.warnings[0] ?? '', /deals have no field UF_CRM_NO_SUCH/);
    assert.equal(result.get('ACME-7')?.deals.length, 1);
    assert.deepEqual(result, await oneByOne(crmFor('UF_CRM_NO_SUCH'), tickets));
  });

  it('shows owners by id with a warning per ticket when users may not be read', async () => {
    await start({ scopes: ['crm'] });
    const tickets = seed(4);
    tickets.push(aTicket('EMPTY-1'));
    const result = await crmFor().dealsForTickets!(tickets);
    assert.match(result.get('ACME-2')?.warnings[0] ?? '', /may not read users/);
    assert.deepEqual(result.get('ACME-2')?.deals[0].owner, { name: 'User 12', crmId: '12' });
    assert.deepEqual(result.get('EMPTY-1'), { deals: [], warnings: [] });
    assert.deepEqual(result, await oneByOne(crmFor(), tickets));
  });
});
