// Zoho CRM through real axios and the real HttpClient against the fake's API and accounts servers:
// deals, the self-client's token refresh (expiry, single flight, refusals), the note sender through
// a real Outbox, and that no secret reaches a message.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { ProviderError, isProviderError } from '../../../src/core/errors';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '../../../src/core/http';
import type { Ticket } from '../../../src/core/model';
import { type ComposeEnv, vendorContext } from '../../../src/core/providers/compose';
import type { VendorContext, VendorSettingsOf } from '../../../src/core/providers/vendor';
import { jiraHttpOptions, jiraTracker } from '../../../src/core/providers/jira/tracker';
import { parseZohoCredential, resolveAccountsUrl } from '../../../src/core/providers/zoho/auth';
import {
  criteriaValue,
  zohoCrm,
  zohoDealId,
  zohoRateLimitReset,
  zohoVendorMessage,
} from '../../../src/core/providers/zoho/crm';
import { crmWebOrigin, dataCentreOfApi } from '../../../src/core/providers/zoho/dataCentres';
import { zohoClient, zohoFactories } from '../../../src/core/providers/zoho/factories';
import { zoho } from '../../../src/core/providers/zoho/index';
import { MaxNoteTitle, zohoNote, zohoNoteSender } from '../../../src/core/providers/zoho/notes';
import { questionMarker } from '../../../src/core/questions/messages';
import { Outbox, type RouteSender } from '../../../src/core/questions/outbox';
import type { Question } from '../../../src/core/questions/question';
import type { Settings } from '../../../src/core/settings';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { FakeJira } from '../../fakes/jira';
import { FakeZoho, type FakeZohoOptions, type ZohoUser, criterionValues } from '../../fakes/zoho';
import { aDeal, aQuestion, manualClock } from '../questions/fixtures';
import { NoMemory } from '../../../src/core/vendorMemory';

type Ctx = VendorContext<VendorSettingsOf<typeof zoho>>;
const transport = axiosTransport();
const ANNA = { name: 'Анна Петрова', email: 'anna.petrova@vector-soft.example' };

function aTicket(key: string, dealRefs: string[] = []): Ticket {
  return { key, title: 'Экспорт счетов в PDF', labels: [], dealRefs, comments: [] };
}

const fakes: Array<{ stop(): Promise<void> }> = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop();
  for (const c of cleanups.splice(0)) await c();
});

interface World {
  fake: FakeZoho;
  anna: ZohoUser;
  /** The stored credential (`undefined`: none). */
  credential: { value: string | undefined };
  ctx: Ctx;
  /** The shared API client's session-wrapped client (what the CRM and the sender get). */
  client: () => HttpClient;
}

/**
 * A fake and a VendorContext built by compose.ts's own `vendorContext`, whose clients are shared
 * per key as in the extension; the stored credential is bound to the API origin only.
 */
async function world(
  opts: FakeZohoOptions = {},
  settings: Record<string, string> = {},
  clientOptions: Partial<HttpClientOptions> = {},
): Promise<World> {
  const fake = new FakeZoho(opts);
  await fake.start();
  fakes.push(fake);
  const anna = fake.addUser(ANNA.name, ANNA.email);
  const credential = { value: fake.selfClient() as string | undefined };
  const clients = new Map<string, HttpClient>();
  const env: ComposeEnv = {
    files: {} as ComposeEnv['files'],
    tokens: async (_vendor, url) =>
      new URL(url).origin === new URL(fake.url).origin ? credential.value : undefined,
    webhook: async () => undefined,
    remotes: () => [],
    remote: () => ({
      memory: () => NoMemory,
      factories: { zoho: zohoFactories },
      transport,
      client(key, options) {
        let c = clients.get(key);
        if (!c) {
          c = createHttpClient(transport, {
            ...options,
            timeoutMs: 800,
            deadlineMs: 800,
            sleep: async () => undefined,
            ...clientOptions,
          });
          clients.set(key, c);
        }
        return c;
      },
    }),
  };
  const all = {
    'zoho.apiUrl': fake.url,
    'zoho.accountsUrl': fake.accounts.url,
    'zoho.ticketField': 'Ticket_Key',
    ...settings,
  } as unknown as Settings;
  const ctx = vendorContext(zoho, all, env) as Ctx;
  return { fake, anna, credential, ctx, client: () => zohoClient(ctx, { env: {} }) };
}

function crmOf(w: World, apiUrl = 'https://www.zohoapis.com') {
  return zohoCrm(w.client(), { ticketField: w.ctx.settings.ticketField, apiUrl });
}

const apiRequests = (fake: FakeZoho) => fake.requests.filter((r) => r.path.startsWith('/crm/'));

async function caught(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ProviderError, String(e));
    return e;
  }
  assert.fail('expected a ProviderError');
}

function assertNoSecret(w: World, e: ProviderError): void {
  const all = JSON.stringify({ message: e.message, details: e.details });
  for (const s of [w.fake.clientSecret, w.fake.refreshToken, ...w.fake.tokens.keys()]) {
    assert.ok(!all.includes(s), `secret in the error: ${all}`);
  }
}

describe('Zoho CRM', () => {
  describe('deals', () => {
    it('maps a Russian deal: account, RUB amount, stage, close date, owner, link', async () => {
      const w = await world();
      const deal = w.fake.addDeal({}, w.anna);
      w.fake.addDeal({ Ticket_Key: 'ACME-7', Deal_Name: 'Другая сделка' });
      const { deals, warnings } = await crmOf(w).dealsForTicket(aTicket('ACME-42'));
      assert.deepEqual(warnings, []);
      assert.deepEqual(deals, [
        {
          id: deal.id,
          customer: 'ООО «Ромашка»',
          amount: 1250000,
          currency: 'RUB',
          stage: 'Переговоры',
          closeDate: '2026-12-15',
          owner: { name: 'Анна Петрова', email: ANNA.email, crmId: w.anna.id },
          url: `https://crm.zoho.com/crm/org20091842/tab/Potentials/${deal.id}`,
        },
      ]);
      const search = apiRequests(w.fake).find((r) => r.path === '/crm/v8/Deals/search')!;
      assert.equal(search.query.get('criteria'), '(Ticket_Key:equals:ACME-42)');
      assert.equal(
        search.query.get('fields'),
        'Deal_Name,Amount,Currency,Stage,Closing_Date,Owner,Account_Name,Ticket_Key',
      );
      assert.equal(search.headers.authorization, `Zoho-oauthtoken ${[...w.fake.tokens.keys()][0]}`);
    });

    it('counts requests: cold = 1 refresh + search + org; warm = the search alone', async () => {
      const w = await world();
      w.fake.addDeal({}, w.anna);
      const crm = crmOf(w);
      await crm.dealsForTicket(aTicket('ACME-42'));
      assert.equal(w.fake.refreshes.length, 1);
      assert.deepEqual(
        apiRequests(w.fake).map((r) => r.path).sort(),
        ['/crm/v8/Deals/search', '/crm/v8/org'],
      );
      const before = apiRequests(w.fake).length;
      await crm.dealsForTicket(aTicket('ACME-42'));
      assert.equal(apiRequests(w.fake).length - before, 1);
      assert.equal(w.fake.refreshes.length, 1, 'the access token is reused');
    });

    it('reads the deals a ticket names (ids, links of any data centre) at once', async () => {
      const w = await world();
      const a = w.fake.addDeal({ Ticket_Key: null }, w.anna);
      const vector = { name: 'АО «Вектор»', id: '1' };
      const b = w.fake.addDeal({ Ticket_Key: null, Account_Name: vector }, w.anna);
      const crm = crmOf(w);
      const { deals, warnings } = await crm.dealsForTicket(
        aTicket('ACME-42', [
          a.id,
          `https://crm.zoho.eu/crm/org123/tab/Potentials/${b.id}`,
          '5725767999999999999',
          'https://app.hubspot.com/contacts/1/record/0-3/5',
        ]),
      );
      assert.deepEqual(deals.map((d) => [d.id, d.customer]), [
        [a.id, 'ООО «Ромашка»'],
        [b.id, 'АО «Вектор»'],
      ]);
      assert.equal(warnings.length, 2);
      assert.match(warnings[0], /"https:\/\/app\.hubspot\.com.*not a Zoho CRM deal id or link/);
      assert.match(warnings[1], /deal 5725767999999999999 named by ACME-42 was not found/);
      const byIds = apiRequests(w.fake).filter((r) => r.path === '/crm/v8/Deals');
      assert.equal(byIds.length, 1);
      assert.equal(byIds[0].query.get('ids'), `${a.id},${b.id},5725767999999999999`);
    });

    it('a search that matches nothing answers 204, no body: no deals, no warnings', async () => {
      const w = await world();
      const { deals, warnings } = await crmOf(w).dealsForTicket(aTicket('ACME-404'));
      assert.deepEqual({ deals, warnings }, { deals: [], warnings: [] });
      const search = apiRequests(w.fake).find((r) => r.path === '/crm/v8/Deals/search');
      assert.ok(search);
    });

    it('pages through more_records (200 a page)', async () => {
      const w = await world();
      for (let i = 0; i < 205; i++) w.fake.addDeal({ Deal_Name: `Сделка ${i}` }, w.anna);
      const { deals } = await crmOf(w).dealsForTicket(aTicket('ACME-42'));
      assert.equal(deals.length, 205);
      const pages = apiRequests(w.fake).filter((r) => r.path === '/crm/v8/Deals/search');
      assert.deepEqual(pages.map((r) => r.query.get('page')), ['1', '2']);
    });

    it('an owner without e-mail is completed from the users API, once per client', async () => {
      const w = await world();
      w.fake.addDeal({}, w.anna, false);
      w.fake.addDeal({ Deal_Name: 'Вторая' }, w.anna, false);
      const crm = crmOf(w);
      const first = await crm.dealsForTicket(aTicket('ACME-42'));
      assert.deepEqual(first.deals.map((d) => d.owner?.email), [ANNA.email, ANNA.email]);
      await crm.dealsForTicket(aTicket('ACME-42'));
      const userCalls = apiRequests(w.fake).filter((r) => r.path.startsWith('/crm/v8/users/'));
      assert.equal(userCalls.length, 1);
    });

    it('a deal without Currency takes the org currency, asked once', async () => {
      const w = await world();
      w.fake.addDeal({ Currency: undefined, Amount: '98000.50' }, w.anna);
      const crm = crmOf(w);
      const { deals } = await crm.dealsForTicket(aTicket('ACME-42'));
      assert.equal(deals[0].currency, 'RUB');
      assert.equal(deals[0].amount, 98000.5);
      await crm.dealsForTicket(aTicket('ACME-42'));
      assert.equal(apiRequests(w.fake).filter((r) => r.path === '/crm/v8/org').length, 1);
    });

    it('without ZohoCRM.org.READ deals still show; a missing currency is a warning', async () => {
      const w = await world({ scopes: ['ZohoCRM.modules.deals.READ', 'ZohoCRM.users.READ'] });
      w.fake.addDeal({ Currency: undefined }, w.anna);
      const { deals, warnings } = await crmOf(w).dealsForTicket(aTicket('ACME-42'));
      assert.equal(deals.length, 1);
      assert.equal(deals[0].currency, undefined);
      assert.match(warnings.join(' '), /ZohoCRM\.org\.READ/);
      assert.equal(w.fake.refreshes.length, 1, 'a scope mismatch (401) is not a token to refresh');
    });

    it('INVALID_QUERY names zoho.ticketField; a bad name is refused before a request', async () => {
      const w = await world({}, { 'zoho.ticketField': 'Jira_Key' });
      const e = await caught(crmOf(w).dealsForTicket(aTicket('ACME-42')));
      assert.equal(e.kind, 'notConfigured');
      assert.equal(e.details.where, 'customerContext.zoho.ticketField');
      assert.match(e.message, /Jira_Key.*the field is not available for search.*INVALID_QUERY/);
      const before = w.fake.requests.length;
      const bad = zohoCrm(w.client(), { ticketField: 'Ticket Key)' });
      const e2 = await caught(bad.dealsForTicket(aTicket('ACME-42')));
      assert.equal(e2.kind, 'notConfigured');
      assert.equal(w.fake.requests.length, before);
    });

    it('escapes (, ), "," and \\ in the searched key', async () => {
      const w = await world();
      const key = 'acme/app#12 (a,b)\\c';
      const deal = w.fake.addDeal({ Ticket_Key: key }, w.anna);
      w.fake.addDeal({ Ticket_Key: 'acme/app#12 (a' }, w.anna);
      const { deals } = await crmOf(w).dealsForTicket(aTicket(key));
      assert.deepEqual(deals.map((d) => d.id), [deal.id]);
      const search = apiRequests(w.fake).find((r) => r.path === '/crm/v8/Deals/search')!;
      const escaped = '(Ticket_Key:equals:acme/app#12 \\(a\\,b\\)\\\\c)';
      assert.equal(search.query.get('criteria'), escaped);
    });

    it('escaped values read back as themselves (property, each under 5 ms)', () => {
      let worst = 0;
      fc.assert(
        fc.property(fc.string({ maxLength: 200 }), (s) => {
          const t0 = performance.now();
          const back = criterionValues(criteriaValue(s));
          const ms = performance.now() - t0;
          worst = Math.max(worst, ms);
          assert.ok(ms < 5, `${ms} ms`);
          assert.deepEqual(back, [s]);
        }),
        { numRuns: 200 },
      );
      assert.ok(worst < 5);
    });

    it('whoAmI names the token user and the organisation', async () => {
      const w = await world();
      assert.equal(
        await crmOf(w).whoAmI!(),
        'Zoho CRM: Дмитрий Интеграция <integration@vector-soft.example> in ООО «Вектор Софт»',
      );
    });

    it('429 TOO_MANY_REQUESTS is rateLimited, with retryAt from x-ratelimit-reset', async () => {
      const w = await world({}, {}, { maxAttempts: 1 });
      w.fake.addDeal({}, w.anna);
      const crm = crmOf(w);
      await crm.dealsForTicket(aTicket('ACME-42'));
      w.fake.rateLimit(1, 'TOO_MANY_REQUESTS', 4000);
      const e = await caught(crm.dealsForTicket(aTicket('ACME-42')));
      assert.equal(e.kind, 'rateLimited');
      assert.match(e.message, /concurrency limit/);
      assert.ok(e.details.retryAt! > Date.now() + 2000);
    });
  });

  describe('access tokens', () => {
    it('a Jira issue shows its Zoho deal after the access token has expired once', async () => {
      const w = await world({}, { 'zoho.ticketField': '' });
      const deal = w.fake.addDeal({ Ticket_Key: null }, w.anna);
      const jira = new FakeJira({ fixtures: false });
      await jira.start();
      fakes.push(jira);
      jira.addIssue({
        id: '10042',
        key: 'ACME-42',
        fields: {
          summary: 'Экспорт счетов в PDF',
          labels: [],
          customfield_10050: `https://crm.zoho.com/crm/org20091842/tab/Potentials/${deal.id}`,
          comment: { comments: [], total: 0, maxResults: 50, startAt: 0 },
        },
      });
      const jiraSettings = {
        baseUrl: jira.url,
        deployment: 'cloud' as const,
        email: jira.email,
        dealField: 'customfield_10050',
      };
      const tracker = jiraTracker(
        createHttpClient(transport, jiraHttpOptions(jiraSettings, jira.token)),
        jiraSettings,
      );
      const crm = crmOf(w);
      const ticket = await tracker.getTicket('ACME-42');
      await crm.dealsForTicket(ticket);
      w.fake.expireTokens();
      const before = apiRequests(w.fake).length;
      const { deals, warnings } = await crm.dealsForTicket(await tracker.getTicket('ACME-42'));
      assert.deepEqual(warnings, []);
      assert.equal(deals[0].customer, 'ООО «Ромашка»');
      assert.equal(deals[0].owner?.name, 'Анна Петрова');
      assert.equal(w.fake.refreshes.length, 2, 'refreshed once after the expiry');
      const after = apiRequests(w.fake).slice(before);
      assert.deepEqual(
        after.map((r) => r.path),
        ['/crm/v8/Deals', '/crm/v8/Deals'],
        'the rejected request was sent again once',
      );
      assert.notEqual(after[0].headers.authorization, after[1].headers.authorization);
    });

    it('refreshes before expiry on its own clock, without a rejected request', async () => {
      const w = await world();
      const clock = manualClock(Date.now());
      const http = zohoClient(w.ctx, { env: {}, now: clock.now });
      const crm = zohoCrm(http, { ticketField: 'Ticket_Key' });
      await crm.dealsForTicket(aTicket('ACME-1'));
      clock.advance(3600_000 - 60_000);
      await crm.dealsForTicket(aTicket('ACME-2'));
      assert.equal(w.fake.refreshes.length, 2);
      const searches = apiRequests(w.fake).filter((r) => r.path === '/crm/v8/Deals/search');
      assert.equal(searches.length, 2, 'no request was rejected and resent');
    });

    it('ten parallel lookups cause one refresh, cold and after an expiry', async () => {
      const w = await world();
      const crm = crmOf(w);
      const ten = () =>
        Promise.all(
          Array.from({ length: 10 }, (_, i) => crm.dealsForTicket(aTicket(`ACME-${i + 1}`))),
        );
      await ten();
      assert.equal(w.fake.refreshes.length, 1, 'cold');
      w.fake.expireTokens();
      await ten();
      assert.equal(w.fake.refreshes.length, 2, 'after the expiry');
      const searches = apiRequests(w.fake).filter((r) => r.path === '/crm/v8/Deals/search');
      assert.equal(searches.length, 30, '10 cold + 10 rejected + 10 resent');
    });

    it('the CRM and the sender built by the factories share one token', async () => {
      const w = await world();
      const deal = w.fake.addDeal({}, w.anna);
      const crm = zohoFactories.crm!(w.ctx);
      const sender = zohoFactories.sender!(w.ctx);
      await crm.dealsForTicket(aTicket('ACME-42'));
      await sender.send(aQuestion({ deals: [aDeal({ id: deal.id })] }));
      assert.equal(w.fake.refreshes.length, 1);
    });

    it('a refused refresh (HTTP 200 or 400) is auth, says what to do, leaks nothing', async () => {
      for (const status of [200, 400] as const) {
        const w = await world({ refreshErrorStatus: status });
        w.fake.refreshRevoked = true;
        const e = await caught(crmOf(w).dealsForTicket(aTicket('ACME-42')));
        assert.equal(e.kind, 'auth');
        assert.match(e.message, /refused the refresh token \(invalid_code\).*Set API Token/);
        assert.ok(e.message.includes(w.fake.accounts.url));
        assertNoSecret(w, e);
        const dealCalls = apiRequests(w.fake).filter((r) => r.path.startsWith('/crm/v8/Deals'));
        assert.equal(dealCalls.length, 0);
      }
      const w = await world();
      w.credential.value = `${w.fake.clientId}:wrong-secret-value:${w.fake.refreshToken}`;
      const e = await caught(crmOf(w).dealsForTicket(aTicket('ACME-42')));
      assert.match(e.message, /client id or secret \(invalid_client\)/);
      assert.ok(!e.message.includes('wrong-secret-value'));
    });

    it('a refused credential is not tried again for a while; a new one is at once', async () => {
      const w = await world();
      w.fake.refreshRevoked = true;
      const crm = crmOf(w);
      await caught(crm.dealsForTicket(aTicket('ACME-1')));
      await caught(crm.dealsForTicket(aTicket('ACME-2')));
      assert.equal(w.fake.refreshes.length, 1);
      w.fake.refreshRevoked = false;
      w.credential.value = JSON.stringify({
        client_id: w.fake.clientId,
        client_secret: w.fake.clientSecret,
        refresh_token: w.fake.refreshToken,
      });
      await crm.dealsForTicket(aTicket('ACME-3'));
      assert.equal(w.fake.refreshes.length, 2);
    });

    it('too many refreshes at the accounts server is rateLimited, not auth', async () => {
      const w = await world({ refreshLimit: 0 });
      const e = await caught(crmOf(w).dealsForTicket(aTicket('ACME-42')));
      assert.equal(e.kind, 'rateLimited');
      assert.match(e.message, /refuses more token refreshes/);
      assert.ok(e.details.retryAt! > Date.now());
    });

    it('the accounts server down is offline (the credential may be fine), no secrets', async () => {
      const w = await world();
      await w.fake.accounts.stop();
      const e = await caught(crmOf(w).dealsForTicket(aTicket('ACME-42')));
      assert.equal(e.kind, 'offline');
      assert.match(e.message, /while refreshing the access token at http:\/\/127\.0\.0\.1/);
      assertNoSecret(w, e);
      // Started again so afterEach can stop it.
      await w.fake.accounts.start();
    });

    it('an accounts server echoing the secrets back: scrubbed from the message', async () => {
      const w = await world();
      w.fake.accounts.inject({
        type: 'reply',
        reply: {
          status: 400,
          json: {
            error: `weird ${w.fake.refreshToken} ${w.fake.clientSecret}`,
            error_description: w.fake.clientSecret,
          },
        },
      });
      const e = await caught(crmOf(w).dealsForTicket(aTicket('ACME-42')));
      assert.equal(e.kind, 'auth');
      assertNoSecret(w, e);
    });

    it('an expired access token alone: auth naming the self-client, no refresh', async () => {
      const w = await world();
      w.fake.addDeal({}, w.anna);
      w.credential.value = w.fake.issueToken();
      const crm = crmOf(w);
      assert.equal((await crm.dealsForTicket(aTicket('ACME-42'))).deals.length, 1);
      w.fake.expireTokens();
      const e = await caught(crm.dealsForTicket(aTicket('ACME-42')));
      assert.equal(e.kind, 'auth');
      assert.match(e.message, /refused the access token \(invalid oauth token \(INVALID_TOKEN\)\)/);
      assert.match(e.message, /store the self-client as clientId:clientSecret:refreshToken/);
      assert.equal(w.fake.refreshes.length, 0);
      assertNoSecret(w, e);
    });

    it('a fresh token rejected again is not refreshed in a loop', async () => {
      const w = await world();
      const crm = crmOf(w);
      await crm.dealsForTicket(aTicket('ACME-1'));
      // Every token the accounts server mints from now on is refused by the API.
      w.fake.expireTokens();
      const issue = w.fake.issueToken.bind(w.fake);
      w.fake.issueToken = () => issue(0);
      const e1 = await caught(crm.dealsForTicket(aTicket('ACME-2')));
      assert.equal(e1.kind, 'auth');
      const e2 = await caught(crm.dealsForTicket(aTicket('ACME-3')));
      assert.equal(e2.kind, 'auth');
      assert.equal(w.fake.refreshes.length, 2, 'one refresh for the first rejection, none after');
      assert.match(e2.message, /same data centre/);
    });
  });

  describe('credentials and the accounts server', () => {
    it('reads a triple, JSON (camelCase or snake_case) and an access token', () => {
      assert.deepEqual(parseZohoCredential(' 1000.ABC:s3cr3t:1000.r.t '), {
        kind: 'selfClient',
        clientId: '1000.ABC',
        clientSecret: 's3cr3t',
        refreshToken: '1000.r.t',
      });
      assert.deepEqual(
        parseZohoCredential('{"client_id":"1000.ABC","client_secret":"s","refresh_token":"r"}'),
        { kind: 'selfClient', clientId: '1000.ABC', clientSecret: 's', refreshToken: 'r' },
      );
      assert.deepEqual(parseZohoCredential('1000.abc.def'), {
        kind: 'access',
        accessToken: '1000.abc.def',
      });
    });

    it('refuses malformed credentials without repeating them', () => {
      const cases: Array<[string, RegExp]> = [
        ['1000.ABC:supersecretvalue', /2 non-empty parts/],
        ['a::supersecretvalue', /2 non-empty parts/],
        ['{"clientId":"1000.A","clientSecret":"supersecretvalue"}', /without refreshToken/],
        ['{"clientId": supersecretvalue', /not a JSON object/],
        ['1000.abc supersecretvalue', /contains spaces/],
      ];
      for (const [raw, why] of cases) {
        try {
          parseZohoCredential(raw);
          assert.fail(raw);
        } catch (e) {
          assert.ok(isProviderError(e, 'auth'));
          assert.match(e.message, why);
          assert.match(e.message, /Set API Token/);
          assert.ok(!e.message.includes('supersecretvalue'));
        }
      }
    });

    it('resolves the accounts server: setting, environment, conflicts, data centres', () => {
      const api = 'https://www.zohoapis.eu';
      const eu = 'https://accounts.zoho.eu';
      assert.equal(resolveAccountsUrl({ setting: eu, apiUrl: api }), eu);
      const us = 'https://accounts.zoho.com';
      assert.equal(resolveAccountsUrl({ setting: us, env: eu, apiUrl: api }), eu);
      assert.equal(resolveAccountsUrl({ setting: eu, env: `${eu}/`, apiUrl: api }), eu);
      const setting = 'customerContext.zoho.accountsUrl';
      const problems: Array<[Parameters<typeof resolveAccountsUrl>[0], RegExp, string]> = [
        [
          { setting: eu, env: 'https://accounts.zoho.in', apiUrl: api },
          /name different accounts servers/,
          setting,
        ],
        [
          { setting: undefined, apiUrl: api },
          /EU one, whose accounts server is https:\/\/accounts\.zoho\.eu/,
          setting,
        ],
        [{ setting: 'http://accounts.zoho.eu', apiUrl: api }, /plain http/, setting],
        [
          { setting: us, env: 'http://evil.example', apiUrl: api },
          /plain http/,
          'CUSTOMER_CONTEXT_ZOHO_ACCOUNTS_URL',
        ],
        [{ setting: 'https://accounts.zoho.eu/oauth', apiUrl: api }, /origin only/, setting],
        [{ setting: 'https://www.zohoapis.eu', apiUrl: api }, /is the API URL itself/, setting],
      ];
      for (const [src, why, where] of problems) {
        try {
          resolveAccountsUrl(src);
          assert.fail(JSON.stringify(src));
        } catch (e) {
          assert.ok(isProviderError(e, 'notConfigured'), String(e));
          assert.match(e.message, why);
          assert.equal(e.details.where, where);
        }
      }
      // Loopback http is allowed (fakes, a local proxy).
      const local = { setting: 'http://127.0.0.1:9', apiUrl: 'http://127.0.0.1:8' };
      assert.equal(resolveAccountsUrl(local), 'http://127.0.0.1:9');
    });

    it('a refresh never goes anywhere but the accounts origin, and never to the API', async () => {
      const w = await world();
      await crmOf(w).dealsForTicket(aTicket('ACME-42'));
      for (const r of apiRequests(w.fake)) {
        const seen = `${r.rawBody} ${r.query.toString()} ${JSON.stringify(r.headers)}`;
        assert.ok(!seen.includes(w.fake.refreshToken) && !seen.includes(w.fake.clientSecret));
      }
      const [refresh] = w.fake.refreshes;
      assert.equal(refresh.method, 'POST');
      assert.equal(refresh.query.get('grant_type'), 'refresh_token');
      assert.equal(refresh.headers.authorization, undefined);
    });

    it('data centres: deal links, ids from links, vendor messages, reset header', () => {
      assert.equal(crmWebOrigin('https://www.zohoapis.eu'), 'https://crm.zoho.eu');
      assert.equal(crmWebOrigin('https://www.zohoapis.ca'), 'https://crm.zohocloud.ca');
      assert.equal(crmWebOrigin('https://sandbox.zohoapis.com'), 'https://crmsandbox.zoho.com');
      assert.equal(crmWebOrigin('http://127.0.0.1:3000'), undefined);
      assert.equal(dataCentreOfApi('https://www.zohoapis.com.au')?.name, 'AU');
      assert.equal(zohoDealId('https://crm.zoho.com/crm/org123/tab/Potentials/456'), '456');
      assert.equal(zohoDealId('https://crm.zoho.sa/crm/org1/tab/Potentials/456/'), '456');
      assert.equal(zohoDealId('https://crm.zoho.com/crm/org123/tab/Contacts/456'), undefined);
      assert.equal(zohoDealId('https://crm.zoho.evil.example/crm/tab/Potentials/456'), undefined);
      assert.equal(zohoDealId('http://crm.zoho.com/crm/tab/Potentials/456'), undefined);
      assert.equal(
        zohoVendorMessage(400, {
          code: 'INVALID_QUERY',
          details: { api_name: 'X', reason: 'r' },
          message: 'invalid query formed',
          status: 'error',
        }),
        'invalid query formed — field X: r (INVALID_QUERY)',
      );
      assert.equal(zohoRateLimitReset({ 'x-ratelimit-reset': '1800000000000' }, 0), 1800000000000);
      assert.equal(zohoRateLimitReset({ 'x-ratelimit-reset': '30' }, 1000), 31000);
    });
  });
});

// -------------------------------------------------------------------------------------------------
// The note sender through a real Outbox

async function harness(sender: RouteSender) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-zoho-'));
  cleanups.push(() => fs.rm(root, { recursive: true, force: true }));
  const clock = manualClock(Date.now());
  const outbox = new Outbox(path.join(root, 'outbox'), {
    owner: 'test',
    now: clock.now,
    random: () => 0.5,
  });
  const h = {
    outbox,
    async ask(q: Question) {
      q.createdAt = new Date(clock.now()).toISOString();
      await outbox.enqueue(q, ['crm']);
      return q;
    },
    pass: () => outbox.process({ crm: sender }),
    state: async (q: Question) => (await outbox.get(q.id))!.routes.crm!,
    async later(q: Question) {
      const s = await h.state(q);
      if (s.nextAttemptAt !== undefined) clock.set(s.nextAttemptAt);
      await h.pass();
    },
  };
  return h;
}

describe('Zoho CRM note sender', () => {
  async function noteWorld(opts: FakeZohoOptions = {}) {
    const w = await world(opts);
    const deal = w.fake.addDeal({}, w.anna);
    const sender = zohoNoteSender(w.client());
    const question = () =>
      aQuestion({
        deals: [
          aDeal({
            id: deal.id,
            customer: 'ООО «Ромашка»',
            owner: { name: 'Анна Петрова', crmId: w.anna.id },
          }),
        ],
      });
    return { ...w, deal, sender, question };
  }

  it('adds a note on the deal: subject as title, plain text with the marker, 201', async () => {
    const { fake, deal, sender, question } = await noteWorld();
    const q = question();
    const ref = await sender.send(q);
    const notes = fake.notes.get(deal.id)!;
    assert.equal(notes.length, 1);
    assert.equal(ref.remoteId, notes[0].id);
    assert.equal(notes[0].Note_Title, 'Question on ACME-42 from Dana Dev');
    assert.ok(notes[0].Note_Content.endsWith(questionMarker(q.id)));
    assert.match(notes[0].Note_Content, /Customer: ООО «Ромашка»/);
    const long = zohoNote(aQuestion({ author: { name: 'Д'.repeat(500) } }));
    assert.ok(long.data[0].Note_Title.length <= MaxNoteTitle);
  });

  it('a 207 with an INVALID_DATA record fails naming code and field, never "sent"', async () => {
    const { fake, deal, sender, question } = await noteWorld();
    fake.rejectNextNote('INVALID_DATA', 'Note_Content');
    const e = await caught(sender.send(question()));
    assert.equal(e.kind, 'badRequest');
    assert.equal(e.details.status, 207);
    assert.match(e.message, /not added to deal \d+: invalid data/);
    assert.match(e.message, /\(INVALID_DATA, field Note_Content\)/);
    assert.equal(fake.notes.get(deal.id)?.length ?? 0, 0);
    fake.rejectNextNote();
    const h = await harness(sender);
    const q = await h.ask(question());
    await h.pass();
    assert.equal((await h.state(q)).state, 'failed');
  });

  it('connection cut before the note was stored: reconciled, sent once', async () => {
    const { fake, deal, sender, question } = await noteWorld();
    fake.inject({ type: 'cut' }, 1, (r) => r.method === 'POST' && r.path.endsWith('/Notes'));
    const h = await harness(sender);
    const q = await h.ask(question());
    await h.pass();
    assert.equal((await h.state(q)).state, 'unknown');
    await h.later(q);
    assert.equal((await h.state(q)).state, 'sent');
    assert.equal(fake.notes.get(deal.id)!.length, 1);
  });

  it('note stored but the answer lost (deadline): reconcile finds it, no duplicate', async () => {
    const { fake, deal, sender, question } = await noteWorld();
    const isNotePost = (r: { method: string; path: string }) =>
      r.method === 'POST' && r.path.endsWith('/Notes');
    fake.inject({ type: 'delay', ms: 1500 }, 1, isNotePost);
    const h = await harness(sender);
    const q = await h.ask(question());
    await h.pass();
    assert.equal((await h.state(q)).state, 'unknown');
    const until = Date.now() + 4000;
    while (!fake.notes.get(deal.id)?.length && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await h.later(q);
    const s = await h.state(q);
    assert.equal(s.state, 'sent');
    assert.equal(s.remoteId, fake.notes.get(deal.id)![0].id);
    assert.equal(fake.notes.get(deal.id)!.length, 1, 'not posted again');
  });

  it('a failed refresh parks the question (needsAuth); a new credential sends it', async () => {
    const w = await noteWorld();
    w.fake.refreshRevoked = true;
    const h = await harness(w.sender);
    const q = await h.ask(w.question());
    await h.pass();
    const parked = await h.state(q);
    assert.equal(parked.state, 'needsAuth');
    assert.match(parked.lastError ?? '', /invalid_code/);
    assert.ok(!(parked.lastError ?? '').includes(w.fake.refreshToken));
    assert.ok(await h.outbox.get(q.id), 'the question is kept');
    // A new refresh token, generated and stored with "Set API Token…".
    w.fake.rotateRefreshToken();
    w.credential.value = w.fake.selfClient();
    await h.outbox.resumeAuth('crm');
    await h.pass();
    assert.equal((await h.state(q)).state, 'sent');
    assert.equal(w.fake.notes.get(w.deal.id)!.length, 1);
  });

  it('an expired token at send time: refreshed, the POST sent again once, one note', async () => {
    const w = await noteWorld();
    await w.sender.send(w.question());
    w.fake.expireTokens();
    const before = w.fake.requests.filter((r) => r.method === 'POST').length;
    await w.sender.send(w.question());
    const posts = w.fake.requests.filter((r) => r.method === 'POST').length - before;
    assert.equal(posts, 2, 'rejected once, then accepted');
    assert.equal(w.fake.notes.get(w.deal.id)!.length, 2, 'one note per question');
  });

  it('answers: the first later note by someone else, not ours nor other questions', async () => {
    const w = await noteWorld();
    const h = await harness(w.sender);
    const q = await h.ask(w.question());
    await h.pass();
    assert.equal((await h.state(q)).state, 'sent');
    await h.outbox.checkAnswers({ crm: w.sender });
    assert.equal((await h.outbox.get(q.id))?.answer, undefined);
    const t = Date.now() + 2000;
    w.fake.addNote(w.deal.id, 'Ещё одна заметка интеграции', w.fake.me, t);
    w.fake.addNote(w.deal.id, `Other question ${questionMarker('x')}`, w.anna, t + 1000);
    const reply = 'SSO нужен к запуску, без него «Ромашка» не подпишет.';
    w.fake.addNote(w.deal.id, reply, w.anna, t + 2000);
    await h.outbox.checkAnswers({ crm: w.sender });
    const answer = (await h.outbox.get(q.id))?.answer;
    assert.equal(answer?.text, reply);
    assert.equal(answer?.by, 'Анна Петрова');
    assert.equal(answer?.at, new Date(Math.floor((t + 2000) / 1000) * 1000).toISOString());
  });
});
