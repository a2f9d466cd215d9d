// Bitrix24 through real axios and the real HttpClient against the fake portal: deals with Russian
// data, pipelines, the request count per lookup, limits, errors (the webhook code never in a
// message), and the `crm` route through a real Outbox.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { ProviderError, isProviderError } from '../../../src/core/errors';
import { createHttpClient, type HttpClientOptions } from '../../../src/core/http';
import type { Ticket } from '../../../src/core/model';
import {
  bitrix24Api,
  bitrix24HttpOptions,
  parseWebhookToken,
  phpQuery,
  scrubSecrets,
} from '../../../src/core/providers/bitrix24/api';
import { bitrix24Crm, bitrix24DealRef } from '../../../src/core/providers/bitrix24/crm';
import { bitrix24 } from '../../../src/core/providers/bitrix24/index';
import {
  bbToText,
  bitrix24TodoSender,
  todoDeadline,
} from '../../../src/core/providers/bitrix24/todos';
import { questionMarker } from '../../../src/core/questions/messages';
import { Outbox } from '../../../src/core/questions/outbox';
import type { Question } from '../../../src/core/questions/question';
import type { RouteSender } from '../../../src/core/questions/sender';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import {
  bitrix24AccessDeniedReply,
  bitrix24ErrorReply,
  bitrix24ExpiredReply,
  bitrix24QueryLimitReply,
  bitrix24TimeLimitReply,
  parsePhpQuery,
  startFakeBitrix24,
  type FakeBitrix24,
} from '../../fakes/bitrix24';
import { aDeal, aQuestion, manualClock } from '../questions/fixtures';
import type { Reply } from '../../fakes/fakeServer';
import { rejects } from './assertions';

const FIELD = 'UF_CRM_TICKET';
const ANNA_MAIL = 'a.petrova@romashka-soft.ru';
const OLEG_MAIL = 'o.sidorov@romashka-soft.ru';
const KEY_FILTER = { '=UF_CRM_TICKET': 'ACME-42' };

function aTicket(key: string, dealRefs: string[] = []): Ticket {
  return { key, title: 't', labels: [], dealRefs, comments: [] };
}

describe('bitrix24Crm', () => {
  let fake: FakeBitrix24;

  function crmFor(ticketField = FIELD, extra: Partial<HttpClientOptions> = {}, token?: string) {
    const http = createHttpClient(axiosTransport(), {
      ...bitrix24HttpOptions(fake.url),
      maxAttempts: 1,
      ...extra,
    });
    return bitrix24Crm(bitrix24Api(http, fake.url, token ?? fake.token), { ticketField });
  }

  /** «Ромашка» (default pipeline), «Василёк» (pipeline 3), a deal without company; Анна Петрова. */
  function seed() {
    const anna = fake.addUser({ ID: '9', NAME: 'Анна', LAST_NAME: 'Петрова', EMAIL: ANNA_MAIL });
    const oleg = fake.addUser({ ID: '12', NAME: 'Олег', LAST_NAME: 'Сидоров', EMAIL: OLEG_MAIL });
    fake.addCompany('ООО «Ромашка»', 7);
    fake.addCompany('АО «Василёк»', 8);
    fake.addDeal({ UF_CRM_TICKET: 'ACME-42', COMPANY_ID: '7' }, 42);
    fake.addDeal(
      {
        TITLE: 'Продление лицензий «Василёк»',
        CATEGORY_ID: '3',
        STAGE_ID: 'C3:PREPARATION',
        COMPANY_ID: '8',
        OPPORTUNITY: '480000.50',
        CURRENCY_ID: 'RUB',
        // Half an hour after midnight in Moscow is still the previous day in UTC.
        CLOSEDATE: '2027-01-15T00:30:00+03:00',
        ASSIGNED_BY_ID: oleg,
      },
      43,
    );
    fake.addDeal(
      {
        TITLE: 'Доработка выгрузки',
        COMPANY_ID: '0',
        STAGE_ID: 'EXECUTING',
        OPPORTUNITY: '95000.00',
        CURRENCY_ID: 'rub',
        // The portal compares strings ignoring case.
        UF_CRM_TICKET: 'acme-42',
        ASSIGNED_BY_ID: anna,
      },
      44,
    );
    fake.addDeal({ TITLE: 'Другая задача', UF_CRM_TICKET: 'ACME-7' }, 45);
    return { anna, oleg };
  }

  beforeEach(async () => {
    fake = await startFakeBitrix24();
  });
  afterEach(async () => fake.stop());

  it('maps company «Ромашка», RUB amount, stage labels (pipelines too), close date and owner', async () => {
    seed();
    const link = `${fake.url}/crm/deal/details/43/`;
    const { deals, warnings } = await crmFor().dealsForTicket(aTicket('ACME-42', [link]));
    assert.deepEqual(warnings, []);
    const anna = { name: 'Анна Петрова', email: ANNA_MAIL, crmId: '9' };
    assert.deepEqual(deals, [
      {
        id: '43',
        customer: 'АО «Василёк»',
        amount: 480000.5,
        currency: 'RUB',
        stage: 'Согласование договора',
        closeDate: '2027-01-15',
        owner: { name: 'Олег Сидоров', email: OLEG_MAIL, crmId: '12' },
        url: `${fake.url}/crm/deal/details/43/`,
      },
      {
        id: '42',
        customer: 'ООО «Ромашка»',
        amount: 1250000,
        currency: 'RUB',
        stage: 'Переговоры',
        closeDate: '2026-12-15',
        owner: anna,
        url: `${fake.url}/crm/deal/details/42/`,
      },
      {
        id: '44',
        customer: 'Доработка выгрузки',
        amount: 95000,
        currency: 'RUB',
        stage: 'В работе',
        closeDate: '2026-12-15',
        owner: anna,
        url: `${fake.url}/crm/deal/details/44/`,
      },
    ]);
  });

  it('costs 2 requests cold (deal lists, then one batch) and 2 warm (no users, no stages)', async () => {
    seed();
    const crm = crmFor();
    const ticket = aTicket('ACME-42', ['43']);
    await crm.dealsForTicket(ticket);
    assert.equal(fake.requests.length, 2, fake.requests.map((r) => r.path).join('\n'));
    assert.deepEqual(
      fake.requests.map((r) => r.path.split('/').pop()),
      ['batch.json', 'batch.json'],
    );
    assert.deepEqual(fake.methods().sort(), [
      'crm.company.list',
      'crm.deal.list',
      'crm.deal.list',
      'crm.status.list',
      'crm.status.list',
      'user.get',
    ]);
    const byKey = fake.calls.find((c) => c.method === 'crm.deal.list' && 'filter' in c.params);
    assert.deepEqual((byKey?.params as { filter: unknown }).filter, KEY_FILTER);
    assert.deepEqual((byKey?.params as { select: string[] }).select, [
      'ID',
      'TITLE',
      'OPPORTUNITY',
      'CURRENCY_ID',
      'STAGE_ID',
      'CATEGORY_ID',
      'CLOSEDATE',
      'ASSIGNED_BY_ID',
      'COMPANY_ID',
      'UF_CRM_TICKET',
    ]);
    const stageLists = fake.calls
      .filter((c) => c.method === 'crm.status.list')
      .map((c) => (c.params as { filter: { ENTITY_ID: string } }).filter.ENTITY_ID)
      .sort();
    assert.deepEqual(stageLists, ['DEAL_STAGE', 'DEAL_STAGE_3']);

    fake.requests.length = 0;
    fake.calls.length = 0;
    const warm = await crm.dealsForTicket(ticket);
    assert.equal(warm.deals.length, 3);
    assert.equal(warm.deals[0].stage, 'Согласование договора');
    assert.equal(fake.requests.length, 2);
    assert.deepEqual(fake.methods().sort(), ['crm.company.list', 'crm.deal.list', 'crm.deal.list']);
    console.log('      requests per lookup: cold 2, warm 2 (1 when no deal has a company)');
  });

  it('with the ticket field alone: one crm.deal.list call, then the batch', async () => {
    seed();
    await crmFor().dealsForTicket(aTicket('ACME-42'));
    assert.deepEqual(
      fake.requests.map((r) => r.path.split('/').pop()),
      ['crm.deal.list.json', 'batch.json'],
    );
    // JSON body, not a query string: the key is data, whatever it holds.
    assert.deepEqual((fake.requests[0].body as { filter: unknown }).filter, KEY_FILTER);
  });

  it('a batch command never lets a value be read as a $result reference', async () => {
    seed();
    fake.addDeal({ UF_CRM_TICKET: '$result[ref0][0][ID]' }, 46);
    const { deals } = await crmFor().dealsForTicket(aTicket('$result[ref0][0][ID]', ['42']));
    assert.deepEqual(deals.map((d) => d.id).sort(), ['42', '46']);
    const byKey = fake.calls.find(
      (c) => c.method === 'crm.deal.list' && JSON.stringify(c.params).includes('=UF_CRM_TICKET'),
    );
    assert.equal(byKey?.inBatch, false);
    assert.deepEqual((byKey?.params as { filter: unknown }).filter, {
      '=UF_CRM_TICKET': '$result[ref0][0][ID]',
    });
  });

  it('reads a pipeline of 120 deals holding the key in pages of 50', async () => {
    fake.addCompany('ООО «Ромашка»', 7);
    for (let i = 0; i < 120; i++) fake.addDeal({ UF_CRM_TICKET: 'ACME-9', COMPANY_ID: '7' });
    const { deals } = await crmFor().dealsForTicket(aTicket('ACME-9'));
    assert.equal(deals.length, 120);
    assert.equal(deals[119].customer, 'ООО «Ромашка»');
    // Pages at 0, 50 and 100, then the batch.
    assert.equal(fake.requests.length, 4);
  });

  it('a field the portal does not know: its filter is ignored, so nothing is kept, and it says so', async () => {
    seed();
    const { deals, warnings } = await crmFor('UF_CRM_NOPE').dealsForTicket(aTicket('ACME-42'));
    assert.deepEqual(deals, []);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /no field UF_CRM_NOPE \(customerContext\.bitrix24\.ticketField\)/);
  });

  it('reports refs it cannot use, and deals that do not exist, and shows the rest', async () => {
    seed();
    const { deals, warnings } = await crmFor('').dealsForTicket(
      aTicket('ACME-42', [
        '404',
        'D_42',
        'https://other.bitrix24.ru/crm/deal/details/5/',
        'https://evil.example.com/deal/1',
      ]),
    );
    assert.deepEqual(deals.map((d) => d.id), ['42']);
    assert.deepEqual(warnings, [
      'Bitrix24: "https://other.bitrix24.ru/crm/deal/details/5/" is a deal on another portal ' +
        '(other.bitrix24.ru); ignored.',
      'Bitrix24: "https://evil.example.com/deal/1" is not a Bitrix24 deal id or link; ignored.',
      'Bitrix24: deal 404 referenced by ACME-42 was not found ' +
        "(deleted, or not visible to the webhook's user).",
    ]);
  });

  it('without the user scope: owners keep their ids (questions still reach them), with a warning', async () => {
    await fake.stop();
    fake = await startFakeBitrix24({ scopes: ['crm'] });
    seed();
    const { deals, warnings } = await crmFor().dealsForTicket(aTicket('ACME-42'));
    assert.deepEqual(deals[0].owner, { name: 'User 9', crmId: '9' });
    assert.equal(deals[0].customer, 'ООО «Ромашка»');
    assert.deepEqual(warnings, [
      'Bitrix24: the webhook may not read users (add the "user_brief" scope), ' +
        'so owners show as user ids.',
    ]);
  });

  it('QUERY_LIMIT_EXCEEDED (503) once, then success: waits a second and answers', async () => {
    seed();
    fake.inject({ type: 'reply', reply: bitrix24QueryLimitReply() }, 1);
    const waits: number[] = [];
    const { deals } = await crmFor(FIELD, {
      maxAttempts: 3,
      sleep: async (ms) => void waits.push(ms),
    }).dealsForTicket(aTicket('ACME-42'));
    assert.equal(deals.length, 2);
    // "In a second" from the answer's arrival: the client subtracts the milliseconds since then.
    assert.equal(waits.length, 1, String(waits));
    assert.ok(waits[0] > 950 && waits[0] <= 1000, String(waits));
  });

  it('a full leaky bucket: the lookup waits for it to drain and answers', async () => {
    seed();
    fake.limit(1, 2);
    const started = performance.now();
    const { deals } = await crmFor(FIELD, { maxAttempts: 3 }).dealsForTicket(aTicket('ACME-42'));
    const ms = performance.now() - started;
    assert.equal(deals.length, 2);
    assert.ok(fake.requests.length >= 3, 'the second request was refused at least once');
    assert.ok(ms >= 900 && ms < 5000, String(ms));
  });

  it('QUERY_LIMIT_EXCEEDED that does not pass → rateLimited, try again in about a second', async () => {
    seed();
    fake.inject({ type: 'reply', reply: bitrix24QueryLimitReply() }, 5);
    const before = Date.now();
    const e = await rejects(crmFor().dealsForTicket(aTicket('ACME-42')), 'rateLimited');
    assert.equal(e.details.status, 503);
    assert.equal(e.details.vendorMessage, 'Too many requests (QUERY_LIMIT_EXCEEDED)');
    const wait = (e.details.retryAt ?? 0) - before;
    assert.ok(wait >= 900 && wait <= 1500, String(wait));
  });

  it('OPERATION_TIME_LIMIT (429) → rateLimited a minute away, not waited for inline', async () => {
    seed();
    fake.inject({ type: 'reply', reply: bitrix24TimeLimitReply() }, 1);
    const waits: number[] = [];
    const before = Date.now();
    const e = await rejects(
      crmFor(FIELD, { maxAttempts: 3, sleep: async (ms) => void waits.push(ms) }).dealsForTicket(
        aTicket('ACME-42'),
      ),
      'rateLimited',
    );
    assert.deepEqual(waits, []);
    const wait = (e.details.retryAt ?? 0) - before;
    assert.ok(wait >= 59_000 && wait <= 61_000, String(wait));
  });

  it('classifies Bitrix24’s codes, not only the status', async () => {
    seed();
    const error = bitrix24ErrorReply;
    const cases: Array<[Reply, ProviderError['kind'], RegExp]> = [
      [bitrix24ExpiredReply, 'auth', /expired_token/],
      [error(401, 'NO_AUTH_FOUND', 'Wrong authorization data'), 'auth', /NO_AUTH_FOUND/],
      [bitrix24AccessDeniedReply, 'forbidden', /commercial plans \(ACCESS_DENIED\)/],
      [error(403, 'insufficient_scope', 'Needs higher privileges'), 'forbidden', /insufficient_scope/],
      // Not found with an empty code: 400 or 404 by method.
      [error(400, '', 'Not found'), 'notFound', /Not found/],
      [error(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!'), 'notFound', /METHOD_NOT_FOUND/],
      // An error body with a success status.
      [error(200, 'INTERNAL_SERVER_ERROR', 'Internal server error'), 'server', /INTERNAL_SERVER/],
    ];
    for (const [reply, kind, words] of cases) {
      fake.clearFaults();
      fake.inject({ type: 'reply', reply }, 1);
      const e = await rejects(crmFor().dealsForTicket(aTicket('ACME-42')), kind);
      assert.match(e.details.vendorMessage ?? '', words);
    }
  });

  it('without the crm scope: forbidden, with Bitrix24’s words', async () => {
    await fake.stop();
    fake = await startFakeBitrix24({ scopes: ['user'] });
    seed();
    const e = await rejects(crmFor().dealsForTicket(aTicket('ACME-42')), 'forbidden');
    assert.match(e.message, /higher privileges .*\(insufficient_scope\)/);
  });

  it('the webhook code never appears in a message: 401, a 404 page, invalid JSON, wrong shape, a cut', async () => {
    seed();
    const code = fake.code;
    const seen: string[] = [];
    const check = async (p: Promise<unknown>, kind: ProviderError['kind'], secret = code) => {
      const e = await rejects(p, kind, secret);
      const all = [e.message, e.details.vendorMessage, JSON.stringify(e.details), String(e)].join(' ');
      assert.ok(!all.includes(secret), `leaked: ${all}`);
      seen.push(e.message);
    };
    // 401: a code the portal does not know (that code is the secret then).
    const wrong = 'zz9y8x7w6v5u4t3s';
    await check(crmFor(FIELD, {}, `1/${wrong}`).dealsForTicket(aTicket('ACME-42')), 'auth', wrong);
    // 404: a proxy page that echoes the whole URL, title included.
    const url = `/rest/${fake.token}/crm.deal.list.json`;
    const page = `<html><head><title>404 Not Found: ${url}</title></head><body>${url}</body></html>`;
    const html = { status: 404, headers: { 'content-type': 'text/html' }, raw: page };
    fake.inject({ type: 'reply', reply: html }, 1);
    await check(crmFor().dealsForTicket(aTicket('ACME-42')), 'notFound');
    // 404 as plain text echoing the path.
    fake.inject({ type: 'reply', reply: { status: 404, raw: `Cannot POST ${url}` } }, 1);
    await check(crmFor().dealsForTicket(aTicket('ACME-42')), 'notFound');
    // Invalid JSON with a success status: the parser quotes the start of the body.
    fake.inject({ type: 'reply', reply: { status: 200, raw: `{"result": ${url}` } }, 1);
    await check(crmFor().dealsForTicket(aTicket('ACME-42')), 'invalidResponse');
    // A well-formed answer of the wrong shape.
    const shape = { status: 200, json: { result: { deals: fake.token } } };
    fake.inject({ type: 'reply', reply: shape }, 1);
    await check(crmFor().dealsForTicket(aTicket('ACME-42')), 'invalidResponse');
    // The connection cut before any answer, and cut halfway through one.
    fake.inject({ type: 'cut' }, 1);
    await check(crmFor().dealsForTicket(aTicket('ACME-42')), 'offline');
    fake.cutAnswer.add('crm.deal.list');
    await check(crmFor().dealsForTicket(aTicket('ACME-42')), 'offline');
    // The messages say which method, never the path.
    assert.ok(seen.some((m) => /unexpected answer from crm\.deal\.list/.test(m)), seen.join('\n'));
    const said = seen.join('\n');
    assert.ok(seen.some((m) => /an HTML page \("404 Not Found: \/rest\/•••/.test(m)), said);
    // V8 quotes the first characters of a malformed body: the path there is scrubbed too.
    assert.ok(seen.some((m) => /malformed JSON .*\/rest\/•••/.test(m)), seen.join('\n'));
  });

  it('refuses a token that is not "<user id>/<code>" without sending or echoing it', async () => {
    seed();
    const ticket = aTicket('ACME-42');
    const code = fake.code;
    const bad = [code, '1/short', `Bearer 1/${code}`, `https://evil.example/rest/1/${code}/`];
    for (const token of bad) {
      const e = await rejects(crmFor(FIELD, {}, token).dealsForTicket(ticket), 'auth', token);
      assert.match(e.message, /not an inbound webhook's "<user id>\/<code>"/);
    }
    assert.equal(fake.requests.length, 0);
    // The whole webhook URL on the portal's own origin is fine.
    const url = `${fake.url}/rest/${fake.token}/`;
    const { deals } = await crmFor(FIELD, {}, url).dealsForTicket(ticket);
    assert.equal(deals.length, 2);
  });

  it('refuses a webhook URL as the portal URL, and a ticket field that is not a user field', async () => {
    const webhookUrl = `${fake.url}/rest/${fake.token}/`;
    const http = createHttpClient(axiosTransport(), bitrix24HttpOptions(webhookUrl));
    const crm = bitrix24Crm(bitrix24Api(http, webhookUrl, fake.token), { ticketField: FIELD });
    const e = await rejects(crm.dealsForTicket(aTicket('ACME-42', ['1'])), 'notConfigured', fake.code);
    assert.match(e.message, /customerContext\.bitrix24\.portalUrl must be the portal's address/);
    const f = await rejects(crmFor('TITLE&x=1').dealsForTicket(aTicket('A-1')), 'notConfigured');
    assert.equal(f.details.where, 'customerContext.bitrix24.ticketField');
    assert.equal(fake.requests.length, 0);
  });

  it('says who the webhook acts as', async () => {
    const host = new URL(fake.url).host;
    assert.equal(await crmFor().whoAmI?.(), `Дмитрий Разработчиков (user 1) on ${host}`);
  });
});

describe('bitrix24 helpers', () => {
  it('deal refs: ids, D_ tokens, links on this portal; other portals told apart', () => {
    const portal = 'https://acme.bitrix24.ru';
    const ref = (r: string, p = portal) => bitrix24DealRef(r, p);
    assert.deepEqual(ref('42'), { id: '42' });
    assert.deepEqual(ref('D_42'), { id: '42' });
    assert.deepEqual(ref('https://acme.bitrix24.ru/crm/deal/details/42/'), { id: '42' });
    assert.deepEqual(ref('https://acme.bitrix24.ru/crm/deal/details/42/?IFRAME=Y'), { id: '42' });
    const other = ref('https://beta.bitrix24.kz/crm/deal/details/42/');
    assert.deepEqual(other, { otherPortal: 'beta.bitrix24.kz' });
    // A self-hosted portal's own links.
    const selfHosted = 'https://crm.acme.local';
    assert.deepEqual(ref(`${selfHosted}/crm/deal/details/7/`, selfHosted), { id: '7' });
    assert.equal(ref('https://acme.bitrix24.ru/crm/company/details/42/'), undefined);
    assert.equal(ref('ACME-42'), undefined);
    assert.ok(bitrix24.dealUrlHosts?.includes('bitrix24.ru'));
  });

  it('webhook tokens: the pair, slashes and rest/ tolerated, a URL only on the portal', () => {
    const t = { userId: '1', code: 'k7b2nq0z8x3v9c1m' };
    assert.deepEqual(parseWebhookToken('1/k7b2nq0z8x3v9c1m'), t);
    assert.deepEqual(parseWebhookToken(' /rest/1/k7b2nq0z8x3v9c1m/ '), t);
    const portal = 'https://acme.bitrix24.ru';
    assert.deepEqual(parseWebhookToken(`${portal}/rest/1/k7b2nq0z8x3v9c1m/`, portal), t);
    assert.equal(parseWebhookToken('https://evil.ru/rest/1/k7b2nq0z8x3v9c1m/', portal), undefined);
    assert.equal(parseWebhookToken('1/k7b2-nq0z8x3v9c1m'), undefined);
    assert.equal(parseWebhookToken('x/k7b2nq0z8x3v9c1m'), undefined);
  });

  it('property: any entered text parses or not without throwing, and scrubbing removes the code', () => {
    // One call first, so compiling the patterns is not counted against the first input.
    scrubSecrets(parseWebhookToken('1/a1b2c3d4e5f6g7h8')?.code ?? '', { userId: '1', code: 'x' });
    let worst = 0;
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.stringMatching(/^[A-Za-z0-9]{8,64}$/),
        fc.string({ maxLength: 200 }),
        (raw, code, around) => {
          const t0 = performance.now();
          const parsed = parseWebhookToken(raw, 'https://acme.bitrix24.ru');
          if (parsed) assert.match(`${parsed.userId}/${parsed.code}`, /^\d+\/[A-Za-z0-9]{8,64}$/);
          const token = { userId: '17', code };
          const encoded = encodeURIComponent(`17/${code}`);
          const text = `${around}/rest/17/${code}/x ${around}${code}${encoded}`;
          const clean = scrubSecrets(text, token);
          assert.ok(!clean.includes(code) || around.includes(code), clean);
          const ms = performance.now() - t0;
          worst = Math.max(worst, ms);
          assert.ok(ms < 100, `${ms} ms`);
        },
      ),
      { numRuns: 200 },
    );
    console.log(`      token parse + scrub: worst ${worst.toFixed(2)} ms per input`);
  });

  it('batch commands: PHP brackets, each part encoded, read back the same', () => {
    const params = {
      filter: { '=UF_CRM_TICKET': 'ACME-42 & «Ромашка»=1', '@ID': ['1', '2'] },
      select: ['ID', 'TITLE'],
    };
    // phpQuery is what batch sends; the fake parses it like PHP's parse_str.
    const q = phpQuery(params);
    assert.match(q, /^filter\[%3DUF_CRM_TICKET\]=ACME-42%20%26%20/);
    assert.deepEqual(parsePhpQuery(q), params);
  });

  it('BB-code: stripped from answers; the deadline has no milliseconds', () => {
    const comment = '[USER=9]Анна Петрова[/USER], [B]да[/B], SSO нужен к запуску.';
    assert.equal(bbToText(comment), 'Анна Петрова, да, SSO нужен к запуску.');
    const q = aQuestion({ createdAt: '2026-10-01T09:12:00.123Z' });
    assert.equal(todoDeadline(q), '2026-10-02T09:12:00+00:00');
  });

  it('BB-code stripping stays fast on hostile comments', () => {
    const hostile = [
      '[USER='.repeat(40_000),
      '['.repeat(240_000),
      `[a=${'x'.repeat(299)}`.repeat(800),
    ];
    let worst = 0;
    for (const text of hostile) {
      const t0 = performance.now();
      bbToText(text);
      worst = Math.max(worst, performance.now() - t0);
    }
    assert.ok(worst < 100, `${worst} ms`);
    console.log(`      BB-code stripping, 240 KB hostile: worst ${worst.toFixed(1)} ms`);
  });
});

// ---- the crm route ------------------------------------------------------------------------------

describe('bitrix24 crm route', () => {
  let fake: FakeBitrix24;
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    fake = await startFakeBitrix24();
    fake.addUser({ ID: '9', NAME: 'Анна', LAST_NAME: 'Петрова', EMAIL: ANNA_MAIL });
    fake.addCompany('ООО «Ромашка»', 7);
    fake.addDeal({ UF_CRM_TICKET: 'ACME-42' }, 42);
  });
  afterEach(async () => {
    await fake.stop();
    for (const c of cleanups.splice(0)) await c();
  });

  /** The real client with short limits: a POST that outlives `deadlineMs` fails as offline. */
  function senderFor(token = fake.token, deadlineMs = 800) {
    const http = createHttpClient(axiosTransport(), {
      ...bitrix24HttpOptions(fake.url),
      timeoutMs: deadlineMs,
      deadlineMs,
      sleep: async () => undefined,
    });
    return bitrix24TodoSender(bitrix24Api(http, fake.url, token));
  }

  function question(overrides: Partial<Question> = {}): Question {
    return aQuestion({
      text: 'Нужен ли «Ромашке» SSO к запуску, или можно в первом квартале?',
      deals: [
        aDeal({
          id: '42',
          customer: 'ООО «Ромашка»',
          stage: 'Переговоры',
          currency: 'RUB',
          amount: 1250000,
          url: `${fake.url}/crm/deal/details/42/`,
          owner: { name: 'Анна Петрова', email: ANNA_MAIL, crmId: '9' },
        }),
      ],
      ...overrides,
    });
  }

  /** An Outbox on a fresh directory with a hand-moved clock, for the crm route. */
  async function outbox(sender: RouteSender) {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-bitrix24-'));
    cleanups.push(() => fs.rm(root, { recursive: true, force: true }));
    const clock = manualClock(Date.now());
    const options = { owner: 'test', now: clock.now, random: () => 0.5 };
    const box = new Outbox(path.join(root, 'outbox'), options);
    const h = {
      box,
      async ask(q: Question) {
        q.createdAt = new Date(clock.now()).toISOString();
        await box.enqueue(q, ['crm']);
        return q;
      },
      pass: () => box.process({ crm: sender }),
      state: async (q: Question) => (await box.get(q.id))!.routes.crm!,
      async later(q: Question) {
        const s = await h.state(q);
        if (s.nextAttemptAt !== undefined) clock.set(s.nextAttemptAt);
        await h.pass();
      },
    };
    return h;
  }

  it('a to-do on the deal for its responsible user, the marker in its description', async () => {
    const q = question({ text: 'Нужен ли SSO? [URL=https://evil.example]жми[/URL]' });
    const ref = await senderFor().send(q);
    assert.equal(fake.activities.size, 1);
    const todo = [...fake.activities.values()][0];
    assert.equal(ref.remoteId, `todo:${todo.ID}`);
    assert.equal(ref.remoteUrl, `${fake.url}/crm/deal/details/42/`);
    assert.equal(todo.OWNER_TYPE_ID, '2');
    assert.equal(todo.OWNER_ID, '42');
    assert.equal(todo.RESPONSIBLE_ID, '9');
    assert.equal(todo.SUBJECT, 'Question on ACME-42 from Dana Dev');
    assert.ok(String(todo.DESCRIPTION).includes(questionMarker(q.id)));
    const customer = 'Customer: ООО «Ромашка» (Переговоры, owner Анна Петрова)';
    assert.ok(String(todo.DESCRIPTION).includes(customer));
    // The question's BB-code is broken, so it is no link in Bitrix24.
    assert.ok(!String(todo.DESCRIPTION).includes('[URL='));
    assert.ok(String(todo.DESCRIPTION).includes('[\u200bURL=https://evil.example]'));
    assert.equal(fake.comments.size, 0, 'no second write');
  });

  it('exactly once after a cut connection: the to-do was made, the answer lost, reconcile finds it', async () => {
    const sender = senderFor();
    fake.cutAnswer.add('crm.activity.todo.add');
    const h = await outbox(sender);
    const q = await h.ask(question());
    await h.pass();
    const s = await h.state(q);
    assert.equal(s.state, 'unknown');
    assert.match(s.lastError ?? '', /connection was cut/);
    assert.equal(fake.activities.size, 1);
    await h.later(q);
    const sent = await h.state(q);
    assert.equal(sent.state, 'sent');
    assert.equal(fake.activities.size, 1, 'not made again');
    assert.equal(sent.remoteId, `todo:${[...fake.activities.keys()][0]}`);
    // Reconcile is one batch: the deal's to-dos and comments together.
    const reconcile = fake.requests.filter((r) => r.path.endsWith('/batch.json'));
    assert.equal(reconcile.length, 1);
    assert.ok(!(s.lastError ?? '').includes(fake.code));
  });

  it('exactly once after a cut before the portal saw it: reconcile finds nothing, sends once', async () => {
    const sender = senderFor();
    fake.inject({ type: 'cut' }, 1, (r) => r.path.endsWith('crm.activity.todo.add.json'));
    const h = await outbox(sender);
    const q = await h.ask(question());
    await h.pass();
    assert.equal((await h.state(q)).state, 'unknown');
    assert.equal(fake.activities.size, 0);
    await h.later(q);
    assert.equal((await h.state(q)).state, 'sent');
    assert.equal(fake.activities.size, 1);
  });

  it('QUERY_LIMIT_EXCEEDED on send: queued for a second later (nothing was made), then sent once', async () => {
    const sender = senderFor();
    fake.inject({ type: 'reply', reply: bitrix24QueryLimitReply() }, 1);
    const h = await outbox(sender);
    const q = await h.ask(question());
    const t0 = Date.now();
    await h.pass();
    const s = await h.state(q);
    assert.equal(s.state, 'queued');
    const wait = s.nextAttemptAt! - t0;
    assert.ok(wait >= 900 && wait <= 1500, String(wait));
    await h.later(q);
    assert.equal((await h.state(q)).state, 'sent');
    assert.equal(fake.activities.size, 1);
  });

  it('a portal without to-dos: a timeline comment mentioning the owner; a cut is reconciled by it', async () => {
    await fake.stop();
    fake = await startFakeBitrix24({ todos: false });
    fake.addUser({ ID: '9', NAME: 'Анна', LAST_NAME: 'Петрова' });
    fake.addDeal({ UF_CRM_TICKET: 'ACME-42' }, 42);
    fake.cutAnswer.add('crm.timeline.comment.add');
    const h = await outbox(senderFor());
    const q = await h.ask(question());
    await h.pass();
    assert.equal((await h.state(q)).state, 'unknown');
    await h.later(q);
    const s = await h.state(q);
    assert.equal(s.state, 'sent');
    assert.equal(fake.comments.size, 1);
    const comment = [...fake.comments.values()][0];
    assert.equal(s.remoteId, `comment:${comment.ID}`);
    assert.match(String(comment.COMMENT), /^\[USER=9\]Анна Петрова\[\/USER\], /);
    assert.ok(String(comment.COMMENT).includes(questionMarker(q.id)));
    assert.equal(fake.activities.size, 0);
  });

  it('a deal without a responsible user: a timeline comment', async () => {
    const q = question();
    q.deals[0].owner = { name: 'Отдел продаж' };
    const ref = await senderFor().send(q);
    assert.match(ref.remoteId ?? '', /^comment:\d+$/);
    assert.equal(fake.activities.size, 0);
  });

  it('answers: a later timeline comment by the responsible user, not the webhook’s own', async () => {
    const sender = senderFor();
    const h = await outbox(sender);
    const q = await h.ask(question());
    await h.pass();
    assert.equal((await h.state(q)).state, 'sent');
    fake.addComment('42', fake.userId, 'Напоминание от интеграции', Date.now() + 1000);
    await h.box.checkAnswers({ crm: sender });
    assert.equal((await h.box.get(q.id))?.answer, undefined);
    fake.addComment('42', '9', '[B]Да[/B], SSO нужен к запуску.', Date.now() + 2000);
    await h.box.checkAnswers({ crm: sender });
    const answer = (await h.box.get(q.id))?.answer;
    assert.equal(answer?.text, 'Да, SSO нужен к запуску.');
    assert.equal(answer?.by, 'Анна Петрова');
  });

  it('answers: a comment by someone else is named through user.get', async () => {
    fake.addUser({ ID: '31', NAME: 'Пётр', LAST_NAME: 'Иванов' });
    const sender = senderFor();
    const q = question();
    const ref = await sender.send(q);
    fake.addComment('42', '31', 'Можно в первом квартале.', Date.now() + 2000);
    const a = await sender.answer!(q, ref);
    assert.equal(a?.by, 'Пётр Иванов');
  });

  it('answers: the to-do marked done, or text added below our message', async () => {
    const sender = senderFor();
    const q = question();
    const ref = await sender.send(q);
    assert.equal(await sender.answer!(q, ref), undefined);
    const todo = fake.activities.get(Number(ref.remoteId!.slice('todo:'.length)))!;
    todo.DESCRIPTION = `${String(todo.DESCRIPTION)}\nДа, к запуску.`;
    assert.equal((await sender.answer!(q, ref))?.text, 'Да, к запуску.');
    todo.DESCRIPTION = String(todo.DESCRIPTION).replace('\nДа, к запуску.', '');
    fake.completeTodo(String(todo.ID));
    const done = await sender.answer!(q, ref);
    assert.equal(done?.text, 'Marked the to-do as done in Bitrix24.');
    assert.equal(done?.by, 'Анна Петрова');
  });

  it('401 → needsAuth, the code in no error; after a new token it is sent', async () => {
    let token = '1/wrongwrongwrong1';
    const http = createHttpClient(axiosTransport(), {
      ...bitrix24HttpOptions(fake.url),
      sleep: async () => undefined,
    });
    const sender = bitrix24TodoSender(bitrix24Api(http, fake.url, async () => token));
    const h = await outbox(sender);
    const q = await h.ask(question());
    await h.pass();
    const s = await h.state(q);
    assert.equal(s.state, 'needsAuth');
    assert.ok(!(s.lastError ?? '').includes('wrongwrongwrong1'), s.lastError);
    assert.match(s.lastError ?? '', /Invalid request credentials \(INVALID_CREDENTIALS\)/);
    token = fake.token;
    await h.box.resumeAuth('crm');
    await h.pass();
    assert.equal((await h.state(q)).state, 'sent');
    assert.equal(fake.activities.size, 1);
  });

  it('a deal the portal does not know → failed with Bitrix24’s words', async () => {
    const h = await outbox(senderFor());
    const q = question();
    q.deals[0].id = '424242';
    await h.ask(q);
    await h.pass();
    const s = await h.state(q);
    assert.equal(s.state, 'failed');
    assert.match(s.lastError ?? '', /Not found\. \(NOT_FOUND\)/);
  });

  it('a question without a Bitrix24 deal is refused', async () => {
    await assert.rejects(
      senderFor().send(question({ deals: [aDeal({ id: 'D-1001' })] })),
      (e: unknown) => isProviderError(e, 'badRequest') && /no Bitrix24 deal/.test(e.message),
    );
  });
});
