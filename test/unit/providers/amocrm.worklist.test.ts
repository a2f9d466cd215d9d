// The worklist's batch lookup against the amoCRM fake. `query` matches one term, so 50 tickets
// cost 50 searches, paced under the account's per-second limit; referenced leads, companies,
// users, pipelines and the account are read once. The result is what `dealsForTicket` gives.
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createHttpClient } from '../../../src/core/http';
import type { Ticket } from '../../../src/core/model';
import { amocrmCrm, amocrmHttpOptions } from '../../../src/core/providers/amocrm/crm';
import type { Crm } from '../../../src/core/providers/types';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import {
  TicketFieldId,
  startFakeAmocrm,
  type FakeAmocrm,
  type FakeAmocrmOptions,
} from '../../fakes/amocrm';
import { aTicket, oneByOne } from './worklistCrm';

const FIELD = String(TicketFieldId);
const COMPANIES = ['ООО «Ромашка»', 'АО «Василёк»', 'ИП Ёлкина'];

describe('amocrmCrm.dealsForTickets (worklist)', () => {
  let fake: FakeAmocrm;

  async function start(options: FakeAmocrmOptions = {}): Promise<void> {
    fake = await startFakeAmocrm(options);
  }

  function crmFor(requestsPerSecond?: number): Crm {
    const http = createHttpClient(axiosTransport(), {
      ...amocrmHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    return amocrmCrm(http, { ticketField: FIELD, requestsPerSecond });
  }

  /** Requests by kind: searches, id lists, and the other paths. */
  function kinds(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of fake.requests) {
      const kind = r.query.has('query')
        ? 'search'
        : [...r.query.keys()].some((k) => k.startsWith('filter[id]'))
          ? `${r.path} by ids`
          : r.path;
      out[kind] = (out[kind] ?? 0) + 1;
    }
    return out;
  }

  /** `count` tickets: a lead referenced by id, two holding the key, one only mentioning it. */
  function seed(count: number): Ticket[] {
    const users = [
      fake.addUser('Иван Смирнов', 'ivan.smirnov@romashka-soft.ru'),
      fake.addUser('Ольга Кузнецова', 'olga.kuznetsova@romashka-soft.ru'),
    ];
    const companies = COMPANIES.map((c) => fake.addCompany(c));
    const tickets: Ticket[] = [];
    for (let i = 0; i < count; i++) {
      const key = `ACME-${i + 1}`;
      const lead = (n: number, extra: { ticket?: string; other?: string }) =>
        fake.addLead({
          name: `Сделка ${key}/${n}`,
          price: 1250000 + i * 1000 + n,
          status_id: n === 2 ? 142 : 55503,
          pipeline_id: n === 2 ? 7002 : 7001,
          responsible_user_id: users[(i + n) % users.length],
          ...(n === 1 ? {} : { companyId: companies[(i + n) % companies.length] }),
          ...(n === 2 ? { closed_at: Date.parse('2026-11-30T22:30:00Z') / 1000 } : {}),
          ...extra,
        });
      const byRef = lead(0, {});
      lead(1, { ticket: key });
      lead(2, { ticket: `${key.toLowerCase()} ` });
      // `query` finds it (and ACME-1 finds ACME-10…19): the ticket field does not hold the key.
      lead(3, { ticket: 'OTHER-1', other: `см. ${key}` });
      tickets.push(aTicket(key, [String(byRef)]));
    }
    return tickets;
  }

  afterEach(async () => {
    await fake?.stop();
  });

  it('reads 50 tickets × 3 leads: 50 searches and 5 more requests, as one by one', async () => {
    await start();
    const tickets = seed(50);
    tickets[0].dealRefs.push('999999', 'https://example.com/leads/detail/1');
    const crm = crmFor(1000);

    const cold = await crm.dealsForTickets!(tickets);
    assert.deepEqual(kinds(), {
      '/api/v4/leads/pipelines': 1,
      '/api/v4/users': 1,
      '/api/v4/account': 1,
      search: 50,
      // Each referenced lead's name holds its key, so the searches found them; not the gone one.
      '/api/v4/leads by ids': 1,
      '/api/v4/companies by ids': 1,
    });

    fake.requests.length = 0;
    const warm = await crm.dealsForTickets!(tickets);
    // Company names stay cached: the searches and the referenced leads alone.
    assert.deepEqual(kinds(), { search: 50, '/api/v4/leads by ids': 1 });
    assert.deepEqual(warm, cold);

    assert.ok([...cold.values()].every((r) => r.deals.length === 3));
    const first = cold.get('ACME-1');
    assert.deepEqual(first?.warnings, [
      'amoCRM: "https://example.com/leads/detail/1" is not a lead id or lead link; ignored.',
      'amoCRM: lead 999999 referenced by ACME-1 was not found ' +
        '(deleted, or not visible to this token).',
    ]);
    assert.deepEqual(first?.deals[0], {
      id: tickets[0].dealRefs[0],
      customer: 'ООО «Ромашка»',
      amount: 1250000,
      currency: 'RUB',
      stage: 'Переговоры',
      owner: {
        name: 'Иван Смирнов',
        email: 'ivan.smirnov@romashka-soft.ru',
        crmId: first?.deals[0].owner?.crmId,
      },
      url: `${fake.url}/leads/detail/${tickets[0].dealRefs[0]}`,
    });
    assert.equal(first?.deals[1].customer, 'Сделка ACME-1/1');
    assert.equal(first?.deals[2].stage, 'Договор подписан');
    assert.equal(first?.deals[2].closeDate, '2026-12-01');

    assert.deepEqual(cold, await oneByOne(crmFor(), tickets));
  });

  it('keeps under an account limit of 7 requests a second, taking the time it costs', async () => {
    await start({ perSecond: 7 });
    const tickets = seed(8);
    const started = performance.now();
    // With maxAttempts 1, one 429 from the fake would fail the lookup.
    const result = await crmFor().dealsForTickets!(tickets);
    const ms = performance.now() - started;
    assert.ok([...result.values()].every((r) => r.deals.length === 3));
    // 3 lists, 8 searches, 1 companies list at 6 a second: the 12th starts after 1.8 s.
    assert.equal(fake.requests.length, 12);
    assert.ok(ms >= 1800, `${ms.toFixed(0)} ms`);
  });

  it('asks nothing without keys or references, and gives every ticket an entry', async () => {
    await start();
    const http = createHttpClient(axiosTransport(), {
      ...amocrmHttpOptions(fake.url, fake.token),
      maxAttempts: 1,
    });
    const crm = amocrmCrm(http, { ticketField: '' });
    const result = await crm.dealsForTickets!([aTicket('ACME-1'), aTicket('ACME-1', ['x'])]);
    assert.deepEqual(result.get('ACME-1'), { deals: [], warnings: [] });
    assert.equal(fake.requests.length, 0);
  });
});
