// The worklist's batch lookup against the Pipedrive fake. Pipedrive searches one term at a time,
// so 50 tickets cost 50 searches (at most 4 in flight); deals, organisations, users and stages are
// read once for the whole list. The result is exactly what `dealsForTicket` gives one by one.
import * as assert from 'node:assert/strict';
import { createHttpClient, type HttpTransport } from '../../../src/core/http';
import type { Ticket } from '../../../src/core/model';
import { pipedriveCrm, pipedriveHttpOptions } from '../../../src/core/providers/pipedrive/crm';
import type { Crm } from '../../../src/core/providers/types';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { startFakePipedrive, type FakePipedrive } from '../../fakes/pipedrive';
import { aTicket, oneByOne } from './worklistCrm';

const FIELD = '8d2f0c7a1b3e4f5061728394a5b6c7d8e9f00112';
const OTHER_FIELD = 'aa11bb22cc33dd44ee55ff66aa77bb88cc99dd00';
const ORGS = ['ООО «Ромашка»', 'АО «Северсталь-Инжиниринг»', 'ИП Ёлкина'];
const STAGES = ['Квалификация', 'Переговоры', 'Договор подписан'];

function countBy(fake: FakePipedrive): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of fake.requests) out[r.path] = (out[r.path] ?? 0) + 1;
  return out;
}

describe('pipedriveCrm.dealsForTickets (worklist)', () => {
  let fake: FakePipedrive;
  let inFlight = 0;
  let maxSearches = 0;

  /** Real axios, counting the searches in flight at once. */
  const counting: HttpTransport = async (req) => {
    const search = req.url.includes('/deals/search');
    if (search) maxSearches = Math.max(maxSearches, ++inFlight);
    try {
      return await axiosTransport()(req);
    } finally {
      if (search) inFlight--;
    }
  };

  function crmFor(companyDomain?: string): Crm {
    const http = createHttpClient(counting, {
      ...pipedriveHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    return pipedriveCrm(http, { ticketField: FIELD, companyDomain });
  }

  /** 50 tickets: one deal referenced by id, two holding the key (one in lower case). */
  function seed(count = 50): Ticket[] {
    fake.stages.slice(0, 3).forEach((s, i) => (s.name = STAGES[i]));
    const orgs = ORGS.map((name) => fake.addOrganization(name));
    const users = [
      fake.addUser('Анна Петрова', 'anna.petrova@example.ru'),
      fake.addUser('Дмитрий Соколов', 'd.sokolov@example.ru'),
    ];
    const tickets: Ticket[] = [];
    for (let i = 0; i < count; i++) {
      const key = `ACME-${i + 1}`;
      const deal = (n: number, fields: Record<string, unknown>) =>
        fake.addDeal({
          title: `Сделка ${key}/${n}`,
          org_id: (n === 1 ? null : orgs[(i + n) % orgs.length]) as number,
          owner_id: users[(i + n) % users.length],
          stage_id: fake.stages[n].id,
          value: 1250000 + i * 1000 + n,
          currency: 'RUB',
          expected_close_date: `2026-12-${String((i % 28) + 1).padStart(2, '0')}`,
          custom_fields: fields,
        });
      const byRef = deal(0, {});
      deal(1, { [FIELD]: key });
      deal(2, { [FIELD]: key.toLowerCase() });
      // Mentions the key in another field: the search finds it, the ticket field does not hold it.
      deal(3, { [FIELD]: 'OTHER-1', [OTHER_FIELD]: key });
      tickets.push(aTicket(key, [String(byRef)]));
    }
    return tickets;
  }

  beforeEach(async () => {
    fake = await startFakePipedrive();
    inFlight = 0;
    maxSearches = 0;
  });
  afterEach(async () => fake.stop());

  it('reads 50 tickets × 3 deals: 50 searches, 4 at most in flight, as one by one', async () => {
    const tickets = seed();
    tickets[0].dealRefs.push('999999', 'https://example.com/deal/1');
    const crm = crmFor();

    const cold = await crm.dealsForTickets!(tickets);
    assert.deepEqual(countBy(fake), {
      '/api/v1/users/me': 1,
      '/api/v2/stages': 1,
      '/api/v2/deals/search': 50,
      // 50 referenced + 150 found (100 hold the key, 50 only mention it) + 1 gone: 201 ids.
      '/api/v2/deals': 3,
      '/api/v2/organizations': 1,
      '/api/v1/users': 1,
    });
    assert.ok(maxSearches <= 4 && maxSearches > 1, `${maxSearches} searches in flight`);

    fake.requests.length = 0;
    const warm = await crm.dealsForTickets!(tickets);
    assert.deepEqual(countBy(fake), {
      '/api/v2/deals/search': 50,
      '/api/v2/deals': 3,
      '/api/v2/organizations': 1,
    });
    assert.deepEqual(warm, cold);

    assert.ok([...cold.values()].every((r) => r.deals.length === 3));
    const first = cold.get('ACME-1');
    assert.deepEqual(first?.warnings, [
      'Pipedrive: "https://example.com/deal/1" is not a Pipedrive deal id or link; ignored.',
      'Pipedrive: deal 999999 referenced by ACME-1 was not found ' +
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
        email: 'anna.petrova@example.ru',
        crmId: first?.deals[0].owner?.crmId,
      },
      url: `https://acmevendor.pipedrive.com/deal/${tickets[0].dealRefs[0]}`,
    });
    assert.equal(first?.deals[1].customer, 'Сделка ACME-1/1');
    assert.equal(first?.deals[2].stage, 'Договор подписан');

    assert.deepEqual(cold, await oneByOne(crmFor(), tickets));
  });

  it('takes the subdomain of a ticket’s own deal link, as one by one, asking no user', async () => {
    const tickets = seed(3).map((t) => ({
      ...t,
      dealRefs: [`https://romashka.pipedrive.com/deal/${t.dealRefs[0]}`],
    }));
    const result = await crmFor().dealsForTickets!(tickets);
    assert.equal(fake.count('/users/me'), 0);
    assert.match(result.get('ACME-2')?.deals[0].url ?? '', /^https:\/\/romashka\.pipedrive\.com\//);
    assert.deepEqual(result, await oneByOne(crmFor(), tickets));
  });

  it('gives every ticket an entry, empty when nothing holds its key', async () => {
    const crm = crmFor('acmevendor');
    const result = await crm.dealsForTickets!([aTicket('ACME-1'), aTicket('ACME-1')]);
    assert.deepEqual([...result.entries()], [['ACME-1', { deals: [], warnings: [] }]]);
    assert.deepEqual(countBy(fake), { '/api/v2/stages': 1, '/api/v2/deals/search': 1 });
  });
});
