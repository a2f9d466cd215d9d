// The worklist's batch lookup against the Zoho CRM fake: 50 tickets with 3 deals each in one
// search per 10 keys (Zoho's criteria limit), one read of the named deals by id, the organisation
// and owners once; exactly what `dealsForTicket` gives one by one.
import * as assert from 'node:assert/strict';
import { createHttpClient } from '../../../src/core/http';
import type { Ticket } from '../../../src/core/model';
import type { Crm } from '../../../src/core/providers/types';
import { zohoCrm, zohoHttpOptions } from '../../../src/core/providers/zoho/crm';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { FakeZoho, criteriaConditions, type FakeZohoOptions } from '../../fakes/zoho';
import { aTicket, oneByOne } from './worklistCrm';

const ACCOUNTS = ['ООО «Ромашка»', 'АО «Вектор»', 'ИП Ёлкина'];
const STAGES = ['Квалификация', 'Переговоры', 'Закрыто (успех)'];

describe('zohoCrm.dealsForTickets (worklist)', () => {
  let fake: FakeZoho;
  let token: string;

  async function start(options: FakeZohoOptions = {}): Promise<void> {
    fake = new FakeZoho(options);
    await fake.start();
    token = fake.issueToken();
  }

  function crmFor(): Crm {
    const auth = async () => ({ authorization: `Zoho-oauthtoken ${token}` });
    const http = createHttpClient(axiosTransport(), {
      ...zohoHttpOptions(fake.url, auth),
      maxAttempts: 1,
    });
    return zohoCrm(http, { ticketField: 'Ticket_Key', apiUrl: 'https://www.zohoapis.eu' });
  }

  const paths = () => {
    const out: Record<string, number> = {};
    for (const r of fake.requests) out[r.path] = (out[r.path] ?? 0) + 1;
    return out;
  };

  /** `count` tickets: a deal named by id, two holding the key (one in lower case). */
  function seed(count: number): Ticket[] {
    const anna = fake.addUser('Анна Петрова', 'anna.petrova@vector-soft.example');
    const oleg = fake.addUser('Олег Сидоров', 'oleg.sidorov@vector-soft.example');
    const tickets: Ticket[] = [];
    for (let i = 0; i < count; i++) {
      const key = `ACME-${i + 1}`;
      const deal = (n: number, ticket: string | null) =>
        fake.addDeal(
          {
            Deal_Name: `Сделка ${key}/${n}`,
            Amount: 1250000 + i * 1000 + n,
            Stage: STAGES[n],
            Closing_Date: `2026-12-${String((i % 28) + 1).padStart(2, '0')}`,
            Account_Name: n === 1 ? null : { name: ACCOUNTS[(i + n) % 3], id: String(700 + n) },
            Ticket_Key: ticket,
          },
          (i + n) % 2 ? oleg : anna,
          // Олег's lookups come without an e-mail: one users lookup, cached.
          (i + n) % 2 === 0,
        );
      const byId = deal(0, null);
      deal(1, key);
      deal(2, key.toLowerCase());
      tickets.push(aTicket(key, [byId.id]));
    }
    fake.addDeal({ Deal_Name: 'Чужая сделка', Ticket_Key: 'OTHER-1' });
    return tickets;
  }

  afterEach(async () => {
    await fake?.stop();
  });

  it('reads 50 tickets × 3 deals: 5 searches of 10 keys and 3 more cold, 6 warm', async () => {
    await start();
    const tickets = seed(50);
    tickets[0].dealRefs.push('5725767999999999999', 'https://example.com/deal/1');
    const crm = crmFor();

    const cold = await crm.dealsForTickets!(tickets);
    const oleg = [...fake.users.values()].find((u) => u.full_name === 'Олег Сидоров');
    assert.deepEqual(paths(), {
      '/crm/v8/Deals/search': 5,
      '/crm/v8/Deals': 1,
      '/crm/v8/org': 1,
      [`/crm/v8/users/${oleg?.id}`]: 1,
    });
    const criteria = fake.requests
      .filter((r) => r.path.endsWith('/search'))
      .map((r) => criteriaConditions(r.query.get('criteria') ?? ''));
    assert.ok(criteria.every((c) => Array.isArray(c) && c.length === 10));
    assert.match(
      fake.requests.find((r) => r.path.endsWith('/search'))?.query.get('criteria') ?? '',
      /^\(\(Ticket_Key:equals:ACME-1\)or\(Ticket_Key:equals:ACME-2\)or/,
    );

    fake.requests.length = 0;
    const warm = await crm.dealsForTickets!(tickets);
    assert.deepEqual(paths(), { '/crm/v8/Deals/search': 5, '/crm/v8/Deals': 1 });
    assert.deepEqual(warm, cold);

    assert.ok([...cold.values()].every((r) => r.deals.length === 3));
    const first = cold.get('ACME-1');
    assert.deepEqual(first?.warnings, [
      'Zoho CRM: "https://example.com/deal/1" is not a Zoho CRM deal id or link; ignored.',
      'Zoho CRM: deal 5725767999999999999 named by ACME-1 was not found ' +
        '(deleted, or not visible to this token).',
    ]);
    assert.deepEqual(first?.deals[0], {
      id: tickets[0].dealRefs[0],
      customer: 'ООО «Ромашка»',
      amount: 1250000,
      currency: 'RUB',
      stage: 'Квалификация',
      closeDate: '2026-12-01',
      owner: {
        name: 'Анна Петрова',
        email: 'anna.petrova@vector-soft.example',
        crmId: first?.deals[0].owner?.crmId,
      },
      url: `https://crm.zoho.eu/crm/org20091842/tab/Potentials/${tickets[0].dealRefs[0]}`,
    });
    assert.equal(first?.deals[1].customer, 'Сделка ACME-1/1');
    assert.equal(first?.deals[1].owner?.email, 'oleg.sidorov@vector-soft.example');
    assert.equal(first?.deals[2].stage, 'Закрыто (успех)');

    assert.deepEqual(cold, await oneByOne(crmFor(), tickets));
  });

  it('escapes keys with parentheses and commas inside the OR’d criteria', async () => {
    await start();
    const odd = ['ACME-(1)', 'ACME,2', 'ACME\\3'];
    for (const k of odd) fake.addDeal({ Deal_Name: `Сделка ${k}`, Ticket_Key: k });
    const result = await crmFor().dealsForTickets!(odd.map((k) => aTicket(k)));
    for (const k of odd) assert.equal(result.get(k)?.deals[0]?.customer, 'ООО «Ромашка»', k);
    assert.equal(fake.requests.filter((r) => r.path.endsWith('/search')).length, 1);
  });

  it('the fake refuses more than 10 criteria in one search, as Zoho does', () => {
    const eleven = Array.from({ length: 11 }, (_v, i) => `(Ticket_Key:equals:K${i})`).join('or');
    assert.equal(criteriaConditions(`(${eleven})`), 'tooMany');
    assert.equal(criteriaConditions('((Ticket_Key:equals:K)and(Stage:equals:S))'), undefined);
  });

  it('warns a ticket with an amount without currency when the org is hidden', async () => {
    await start({ scopes: ['ZohoCRM.modules.deals.READ', 'ZohoCRM.users.READ'] });
    const tickets = seed(3);
    for (const d of fake.deals.values()) d.Currency = null;
    tickets.push(aTicket('EMPTY-1'));
    const result = await crmFor().dealsForTickets!(tickets);
    assert.match(result.get('ACME-2')?.warnings[0] ?? '', /may not read the organisation/);
    assert.deepEqual(result.get('EMPTY-1'), { deals: [], warnings: [] });
    assert.deepEqual(result, await oneByOne(crmFor(), tickets));
  });
});
