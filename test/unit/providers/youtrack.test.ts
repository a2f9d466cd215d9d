// The YouTrack tracker and comment sender through real axios and the real HttpClient against the
// YouTrack fake (Cloud and a self-hosted `/youtrack` prefix); the sender also through the Outbox.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  createHttpClient,
  type HttpClient,
  type ProviderHttpOptions,
  type TokenSource,
} from '../../../src/core/http';
import {
  CommentPageSize,
  MaxCommentPages,
  youtrackCommentSender,
} from '../../../src/core/providers/youtrack/comments';
import { youtrackFactories } from '../../../src/core/providers/youtrack/factories';
import { youtrack } from '../../../src/core/providers/youtrack/index';
import {
  IssueFields,
  youtrackHttpOptions,
  youtrackTicket,
  youtrackTracker,
  type YouTrackIssue,
} from '../../../src/core/providers/youtrack/tracker';
import { questionMarker } from '../../../src/core/questions/messages';
import { Outbox, type RouteSender } from '../../../src/core/questions/outbox';
import type { Question } from '../../../src/core/questions/question';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { startFakeYouTrack, type FakeYouTrack, type YouTrackIssueJson } from '../../fakes/youtrack';
import { aQuestion } from '../builders';
import { Worst, hostileText } from '../property/timing';
import { manualClock } from '../questions/fixtures';
import { rejects } from './assertions';
import { NoMemory } from '../../../src/core/vendorMemory';

const transport = axiosTransport();
const DEAL_FIELD = 'Сделка CRM';
const anna = { login: 'a.smirnova', fullName: 'Анна Смирнова' };

/** A small issue with only what a test sets (no tags, no description refs, no comments). */
function anIssue(idReadable: string, extra: Record<string, unknown> = {}): YouTrackIssueJson {
  return {
    id: `2-${idReadable.length}${Math.floor(Math.random() * 1e6)}`,
    idReadable,
    summary: 'Проверка поля сделки',
    description: null,
    resolved: null,
    reporter: { login: 'a.smirnova', fullName: 'Анна Смирнова', $type: 'User' },
    customFields: [],
    tags: [],
    comments: [],
    $type: 'Issue',
    ...extra,
  };
}

describe('YouTrack', () => {
  let fake: FakeYouTrack;
  let delays: number[];
  let now: number;

  function client(token: TokenSource = fake.token, baseUrl = fake.url + fake.prefix): HttpClient {
    return createHttpClient(transport, {
      ...youtrackHttpOptions({ baseUrl }, token),
      now: () => now,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0,
    });
  }
  function tracker(dealField = DEAL_FIELD, baseUrl = fake.url + fake.prefix) {
    return youtrackTracker(client(fake.token, baseUrl), { baseUrl, dealField });
  }

  beforeEach(async () => {
    now = Date.now();
    delays = [];
    fake = await startFakeYouTrack();
  });
  afterEach(() => fake.stop());

  describe('descriptor', () => {
    it('has the contract’s settings, variables and a token hint', () => {
      assert.equal(youtrack.id, 'youtrack');
      assert.deepEqual(youtrack.kinds, ['tracker']);
      assert.deepEqual(
        Object.fromEntries(
          Object.entries(youtrack.settings).map(([k, s]) => [k, [s.default, s.scope]]),
        ),
        // worklistQuery: issue 13 (youtrack.worklist.test.ts).
        { baseUrl: ['', 'machine'], dealField: ['', 'resource'], worklistQuery: ['', 'resource'] },
      );
      assert.deepEqual(youtrack.credential, {
        kind: 'token',
        env: 'CUSTOMER_CONTEXT_YOUTRACK_TOKEN',
        envUrl: 'CUSTOMER_CONTEXT_YOUTRACK_URL',
        urlSetting: 'baseUrl',
      });
      assert.match(youtrack.tokenHelp ?? '', /Profile → Account Security → Tokens/);
    });

    it('factories share one client; the token is asked for the setting’s URL', async () => {
      const baseUrl = `${fake.url}/`;
      const options: ProviderHttpOptions[] = [];
      const asked: string[] = [];
      const ctx = {
        files: {
          dataFile: async () => undefined,
          dataFileLabel: '',
          resolve: (f: string) => f,
          readText: async () => '',
        },
        settings: { baseUrl, dealField: DEAL_FIELD, worklistQuery: '' },
        token: (url: string) => async () => (asked.push(url), fake.token),
        client: (o: ProviderHttpOptions) => (options.push(o), createHttpClient(transport, o)),
        transport,
        webhook: async () => undefined,
        env: () => undefined,
        repositoryFromRemote: () => undefined,
        memory: () => NoMemory,
      };
      const t = await youtrackFactories.tracker!(ctx).getTicket('ACME-42');
      assert.equal(t.dealRefs.length, 4);
      const ref = await youtrackFactories.sender!(ctx).send(aQuestion());
      assert.equal(ref.remoteUrl, `${fake.url}/issue/ACME-42#focus=Comments-${ref.remoteId}.0-0`);
      assert.deepEqual(options.map((o) => o.baseUrl), [fake.url, fake.url]);
      assert.deepEqual([...new Set(asked)], [baseUrl]);
    });
  });

  describe('tracker', () => {
    it('maps ACME-42 (Russian data) in one request asking only for the fields it shows', async () => {
      const t = await tracker().getTicket('ACME-42');
      assert.deepEqual(t, {
        key: 'ACME-42',
        title: 'Выгрузка счетов в PDF падает на «длинных» названиях позиций',
        status: 'В работе',
        url: `${fake.url}/issue/ACME-42`,
        assignee: 'Иван Петров',
        labels: ['deal:4523', 'клиент-vip'],
        // The field (URL first, then ids), the deal: tag, the description's marker; the duplicate
        // Bitrix24 link and the documentation link are not added.
        dealRefs: ['https://acme.bitrix24.ru/crm/deal/details/4522/', '4521', '4523', '4524'],
        comments: [
          {
            id: '4-101',
            author: 'Анна Смирнова',
            created: '2026-09-28T07:30:00.000Z',
            text: 'Воспроизводится на счёте №2026-118, прикладываю пример.',
          },
          {
            id: '4-102',
            author: 'Ольга Волкова',
            created: '2026-09-29T12:45:10.000Z',
            text: '@i.petrov посмотри, пожалуйста, до релиза.',
          },
        ],
      });
      assert.equal(fake.requests.length, 1, 'requests per cold lookup');
      const r = fake.requests[0];
      assert.equal(r.path, '/api/issues/ACME-42');
      assert.equal(r.query.get('fields'), IssueFields);
      assert.equal(r.headers.authorization, `Bearer ${fake.token}`);
      // A second lookup of the same ticket costs the same single request (no lookups to cache).
      await tracker().getTicket('acme-42');
      assert.equal(fake.requests.length, 2);
    });

    it('reads every custom-field value shape as the deal field', async () => {
      const cases: Array<[string, unknown, string[]]> = [
        ['SimpleIssueCustomField', '4521, 4522', ['4521', '4522']],
        ['SimpleIssueCustomField', 4521, ['4521']],
        ['SimpleIssueCustomField', 12.5, []],
        ['SingleEnumIssueCustomField', { name: '4521', $type: 'EnumBundleElement' }, ['4521']],
        [
          'TextIssueCustomField',
          { text: 'https://acme.bitrix24.ru/crm/deal/details/4521/\n4522', $type: 'TextFieldValue' },
          ['https://acme.bitrix24.ru/crm/deal/details/4521/', '4522'],
        ],
        [
          'MultiEnumIssueCustomField',
          [
            { name: '4521', $type: 'EnumBundleElement' },
            { name: 'deal:4522', $type: 'EnumBundleElement' },
          ],
          ['4521', '4522'],
        ],
        ['SimpleIssueCustomField', ['4521', 4522, null], ['4521', '4522']],
        [
          'SingleVersionIssueCustomField',
          { name: 'Релиз 2026.4', $type: 'VersionBundleElement' },
          ['2026.4'],
        ],
        ['PeriodIssueCustomField', { presentation: '2д', minutes: 960, $type: 'PeriodValue' }, []],
        ['SingleUserIssueCustomField', { ...anna, $type: 'User' }, []],
        ['SimpleIssueCustomField', null, []],
        ['MultiEnumIssueCustomField', [], []],
        ['SimpleIssueCustomField', '', []],
      ];
      for (const [i, [$type, value, refs]] of cases.entries()) {
        const key = `SHAPE-${i + 1}`;
        fake.addIssue(anIssue(key, { customFields: [{ name: DEAL_FIELD, value, $type }] }));
        const t = await tracker().getTicket(key);
        assert.deepEqual(t.dealRefs, refs, `${$type} ${JSON.stringify(value)}`);
      }
    });

    it('matches the deal field by name ignoring case; a field the project lacks adds nothing', async () => {
      fake.addIssue(
        anIssue('ACME-7', {
          customFields: [{ name: 'Deal ID', value: 'D-1001', $type: 'SimpleIssueCustomField' }],
        }),
      );
      assert.deepEqual((await tracker(' deal id ').getTicket('ACME-7')).dealRefs, ['D-1001']);
      assert.deepEqual((await tracker('Сделка').getTicket('ACME-7')).dealRefs, []);
      assert.deepEqual((await tracker('').getTicket('ACME-7')).dealRefs, []);
    });

    it('status and assignee from renamed fields by type; a resolved issue without State', async () => {
      fake.addIssue(
        anIssue('ACME-8', {
          customFields: [
            {
              name: 'Статус',
              value: { name: 'Готово', $type: 'StateBundleElement' },
              $type: 'StateIssueCustomField',
            },
            {
              name: 'Исполнитель',
              value: { login: 'o.volkova', fullName: 'Ольга Волкова', $type: 'User' },
              $type: 'SingleUserIssueCustomField',
            },
          ],
        }),
      );
      fake.addIssue(anIssue('ACME-9', { resolved: 1790758800000 }));
      const renamed = await tracker().getTicket('ACME-8');
      assert.equal(renamed.status, 'Готово');
      assert.equal(renamed.assignee, 'Ольга Волкова');
      const resolved = await tracker().getTicket('ACME-9');
      assert.equal(resolved.status, 'Resolved');
      assert.equal(resolved.assignee, undefined);
    });

    it('works under a self-hosted /youtrack prefix (trailing slash or a pasted /api too)', async () => {
      await fake.stop();
      fake = await startFakeYouTrack({ prefix: '/youtrack' });
      const prefixed = `${fake.url}/youtrack`;
      for (const base of [prefixed, `${prefixed}/`, `${prefixed}/api`]) {
        const t = await tracker(DEAL_FIELD, base).getTicket('ACME-42');
        assert.equal(t.url, `${fake.url}/youtrack/issue/ACME-42`);
        assert.equal(fake.requests.at(-1)?.path, '/youtrack/api/issues/ACME-42');
      }
      const me = await youtrackTracker(client(), { baseUrl: prefixed }).whoAmI!();
      assert.equal(me, 'Дмитрий Кузнецов (d.kuznetsov)');
    });

    it('a base without the self-hosted prefix → notConfigured naming the setting', async () => {
      await fake.stop();
      fake = await startFakeYouTrack({ prefix: '/youtrack' });
      const e = await rejects(tracker(DEAL_FIELD, fake.url).getTicket('ACME-42'), 'notConfigured');
      assert.equal(
        e.message,
        'YouTrack: HTTP 404 — no YouTrack REST API answers at this address (an HTML page ' +
          '("404 Not Found") instead of JSON). Set customerContext.youtrack.baseUrl to the address ' +
          'YouTrack opens at, e.g. https://acme.youtrack.cloud or https://yt.example.com/youtrack.',
      );
      // The REST API's own 404 for a path it does not serve (a pasted API URL) says the same.
      const e2 = await rejects(
        tracker(DEAL_FIELD, `${fake.url}/youtrack/api/issues`).getTicket('ACME-42'),
        'notConfigured',
      );
      assert.equal(fake.requests.at(-1)?.path, '/youtrack/api/issues/api/issues/ACME-42');
      assert.match(e2.message, /\(HTTP 404 Not Found\)\. Set customerContext\.youtrack\.baseUrl/);
    });

    it('no base URL → notConfigured naming the setting, nothing sent', async () => {
      const e = await rejects(
        youtrackTracker(client(fake.token, ''), { baseUrl: '' }).getTicket('ACME-42'),
        'notConfigured',
      );
      assert.match(e.message, /customerContext\.youtrack\.baseUrl/);
      assert.equal(fake.requests.length, 0);
    });

    it('whoAmI: /api/users/me with login and full name', async () => {
      assert.equal(await tracker().whoAmI!(), 'Дмитрий Кузнецов (d.kuznetsov)');
      assert.equal(fake.requests[0].path, '/api/users/me');
      assert.equal(fake.requests[0].query.get('fields'), 'login,fullName');
    });

    it('a missing issue → notFound with YouTrack’s words', async () => {
      const e = await rejects(tracker().getTicket('ACME-404'), 'notFound');
      assert.equal(
        e.message,
        "YouTrack: ACME-404 was not found (it does not exist, or the token's user may not see " +
          'it). Entity with id ACME-404 not found.',
      );
      assert.equal(e.details.status, 404);
      assert.equal(fake.requests.length, 1, 'a 404 is not retried');
    });

    it('keys: lower case is upper-cased, Cyrillic project ids work, a non-id sends nothing', async () => {
      fake.addIssue(anIssue('ПРОЕКТ-7'));
      assert.equal((await tracker().getTicket('проект-7')).key, 'ПРОЕКТ-7');
      assert.equal(fake.requests[0].path, '/api/issues/ПРОЕКТ-7');
      const e = await rejects(tracker().getTicket('#42'), 'notFound');
      assert.equal(e.message, 'YouTrack: "#42" is not a YouTrack issue id (like ACME-42).');
      await rejects(tracker().getTicket('ACME-'), 'notFound');
      assert.equal(fake.requests.length, 1);
    });

    it('401 → auth saying Unauthorized, never the token; a Hub-only token says why', async () => {
      const bad = 'perm:d3Jvbmc=.d3Jvbmc=.wrongTokenValue12345';
      const http = client(bad);
      const t = youtrackTracker(http, { baseUrl: fake.url });
      const e = await rejects(t.getTicket('ACME-42'), 'auth', bad);
      assert.equal(e.message, 'YouTrack: HTTP 401 — Unauthorized. Set a new API token.');
      const scoped = youtrackTracker(client(fake.hubOnlyToken), { baseUrl: fake.url });
      const e2 = await rejects(scoped.getTicket('ACME-42'), 'auth', fake.hubOnlyToken);
      assert.match(e2.message, /Token is granted for \[Hub\] and can't be used/);
      assert.equal(fake.requests.length, 2, '401 is not retried');
    });

    it('a pasted "Bearer " prefix is dropped; no token → auth before any request', async () => {
      const pasted = youtrackTracker(client(`Bearer ${fake.token}`), { baseUrl: fake.url });
      assert.equal((await pasted.getTicket('ACME-42')).key, 'ACME-42');
      const none = youtrackTracker(client(async () => undefined), { baseUrl: fake.url });
      const e = await rejects(none.getTicket('ACME-42'), 'auth');
      assert.equal(e.message, 'YouTrack: no API token is set. Run "Set API Token…".');
      assert.equal(fake.requests.length, 1);
    });

    it('429: Retry-After is waited out; a long one → rateLimited with retryAt and the wait', async () => {
      fake.rateLimit(2);
      assert.equal((await tracker().getTicket('ACME-42')).key, 'ACME-42');
      assert.deepEqual(delays, [2000]);
      fake.rateLimit(120);
      const e = await rejects(tracker().getTicket('ACME-42'), 'rateLimited');
      assert.equal(e.details.retryAt, now + 120_000);
      assert.equal(
        e.message,
        'YouTrack: HTTP 429 — Too many requests. Please try again later. ' +
          'Rate limited; try again in 2 min.',
      );
      // Without Retry-After: backoff, three attempts, then rateLimited.
      fake.rateLimit(undefined, 3);
      await rejects(tracker().getTicket('ACME-42'), 'rateLimited');
      assert.equal(fake.requests.length, 2 + 1 + 3);
    });

    it('wrong shapes → invalidResponse naming the JSON path', async () => {
      const numericSummary = { idReadable: 'ACME-42', summary: 42, $type: 'Issue' };
      fake.inject({ type: 'reply', reply: { json: numericSummary } });
      const e = await rejects(tracker().getTicket('ACME-42'), 'invalidResponse');
      assert.match(e.message, /summary: expected string, got number/);
      const comments = [{ id: 101, $type: 'IssueComment' }];
      const badComment = { idReadable: 'ACME-42', summary: 'x', comments };
      fake.inject({ type: 'reply', reply: { json: badComment } });
      const e2 = await rejects(tracker().getTicket('ACME-42'), 'invalidResponse');
      assert.match(e2.message, /comments\[0\]\.id: expected string, got number/);
      const login = '<html><title>Вход</title></html>';
      fake.inject({ type: 'reply', reply: { raw: login, headers: { 'content-type': 'text/html' } } });
      const e3 = await rejects(tracker().getTicket('ACME-42'), 'invalidResponse');
      assert.match(e3.message, /an HTML page \("Вход"\) instead of JSON/);
    });

    it('timestamps: epoch ms (or a numeric string) → ISO; missing or absurd → empty', async () => {
      const c = (id: string, created: unknown) => ({ id, text: 'т', created, author: anna });
      fake.addIssue(
        anIssue('ACME-10', {
          comments: [
            c('4-1', 1790758800000),
            c('4-2', '1790758800000'),
            c('4-3', null),
            c('4-4', 1e20),
          ],
        }),
      );
      const t = await tracker().getTicket('ACME-10');
      assert.deepEqual(
        t.comments.map((x) => x.created),
        ['2026-09-30T09:00:00.000Z', '2026-09-30T09:00:00.000Z', '', ''],
      );
    });

    it('property: any custom field values and tags give a ticket with ≤ 50 refs, fast', () => {
      const worst = new Worst('YouTrack ticket mapping');
      const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
        v: fc.oneof(
          { depthSize: 'small' },
          hostileText,
          fc.string(),
          fc.double(),
          fc.integer(),
          fc.constantFrom(null, true, 2 ** 60, '4521, 4522', 'https://acme.bitrix24.ru/crm/deal/1/'),
          fc.array(tie('v'), { maxLength: 8 }),
          fc.record(
            {
              name: tie('v'),
              text: tie('v'),
              presentation: fc.string(),
              login: fc.string(),
              $type: fc.string(),
            },
            { requiredKeys: [] },
          ),
        ),
      })).v;
      const name = fc.constantFrom(DEAL_FIELD, 'State', 'Assignee', 'X');
      const field = fc.record({ name, $type: fc.string(), value });
      const fields = fc.array(field, { maxLength: 8 });
      const tags = fc.array(hostileText, { maxLength: 60 });
      // 60 deal tags on top: more references than a ticket may carry.
      const dealTags = Array.from({ length: 60 }, (_, i) => `deal:${i + 1}`);
      const settings = { baseUrl: 'https://acme.youtrack.cloud', dealField: DEAL_FIELD };
      fc.assert(
        fc.property(fields, tags, hostileText, (customFields, names, description) => {
          const issue = {
            idReadable: 'ACME-1',
            summary: 's',
            description,
            customFields,
            tags: [...names, ...dealTags].map((n) => ({ name: n })),
          } as YouTrackIssue;
          const what = `${customFields.length} fields, ${names.length} tags`;
          const t = worst.time(what, () => youtrackTicket(issue, settings));
          assert.ok(t.dealRefs.length <= 50, String(t.dealRefs.length));
          assert.equal(new Set(t.dealRefs).size, t.dealRefs.length);
          assert.ok(t.status === undefined || typeof t.status === 'string');
          assert.ok(t.assignee === undefined || typeof t.assignee === 'string');
        }),
        { numRuns: 150 },
      );
      console.log(`      ${worst.report()}`);
    });
  });

  describe('comment sender', () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c();
    });

    /** The real client with short limits: a POST outliving `deadlineMs` fails as offline. */
    function senderClient(token: TokenSource = fake.token, deadlineMs = 800): HttpClient {
      return createHttpClient(transport, {
        ...youtrackHttpOptions({ baseUrl: fake.url + fake.prefix }, token),
        timeoutMs: deadlineMs,
        deadlineMs,
        sleep: async () => undefined,
      });
    }
    const sender = (http = senderClient()) =>
      youtrackCommentSender(http, { baseUrl: fake.url + fake.prefix });
    const question = (key = 'ACME-42'): Question =>
      aQuestion({
        ticket: { key, title: 'Выгрузка счетов в PDF', url: `${fake.url}/issue/${key}` },
        author: { name: 'Дмитрий Кузнецов', email: 'd.kuznetsov@acme.ru' },
        text: 'Клиенту «Ромашка» нужен экспорт до 15 декабря или можно в январе?',
      });

    /** An Outbox on a fresh directory with a hand-moved clock, for the ticket-comment route. */
    async function outbox(s: RouteSender) {
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-youtrack-'));
      cleanups.push(() => fs.rm(root, { recursive: true, force: true }));
      const clock = manualClock(Date.now());
      const box = new Outbox(path.join(root, 'outbox'), {
        owner: 'test',
        now: clock.now,
        random: () => 0.5,
      });
      const h = {
        box,
        async ask(q: Question) {
          q.createdAt = new Date(clock.now()).toISOString();
          await box.enqueue(q, ['ticketComment']);
          return q;
        },
        pass: () => box.process({ ticketComment: s }),
        state: async (q: Question) => (await box.get(q.id))!.routes.ticketComment!,
        async later(q: Question) {
          const st = await h.state(q);
          if (st.nextAttemptAt !== undefined) clock.set(st.nextAttemptAt);
          await h.pass();
        },
      };
      return h;
    }

    it('posts YouTrack Markdown with the marker; id and link keep the self-hosted prefix', async () => {
      await fake.stop();
      fake = await startFakeYouTrack({ prefix: '/youtrack' });
      const q = question();
      const ref = await sender().send(q);
      assert.equal(fake.posted.length, 1);
      const post = fake.requests.find((r) => r.method === 'POST')!;
      assert.equal(post.path, '/youtrack/api/issues/ACME-42/comments');
      assert.equal(post.query.get('fields'), 'id,created');
      const text = (fake.posted[0].body as { text: string }).text;
      assert.deepEqual(Object.keys(fake.posted[0].body as object), ['text']);
      assert.ok(text.startsWith('**Question for sales** from Дмитрий Кузнецов:'), text);
      assert.ok(text.includes('> Клиенту «Ромашка» нужен экспорт до 15 декабря или можно в январе?'));
      assert.ok(text.includes(questionMarker(q.id)));
      assert.match(ref.remoteId ?? '', /^4-\d+$/);
      const link = `${fake.url}/youtrack/issue/ACME-42#focus=Comments-${ref.remoteId}.0-0`;
      assert.equal(ref.remoteUrl, link);
      assert.deepEqual(await sender().reconcile!(q), ref);
    });

    it('connection cut mid-send, then reconcile: exactly one comment', async () => {
      fake.inject({ type: 'cut' }, 1, (r) => r.method === 'POST');
      const h = await outbox(sender());
      const q = await h.ask(question());
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      await h.later(q);
      const s = await h.state(q);
      assert.equal(s.state, 'sent');
      assert.match(s.remoteId ?? '', /^4-\d+$/);
      assert.equal(fake.posted.length, 1);
      const listed = fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/comments'));
      assert.equal(listed.length, 1, 'reconciled by one listing');
      assert.equal(listed[0].query.get('$top'), String(CommentPageSize));
      assert.equal(listed[0].query.get('$skip'), '0');
    });

    it('delivered but the answer lost (timeout), then reconcile finds it: no duplicate', async () => {
      fake.inject({ type: 'delay', ms: 1500 }, 1, (r) => r.method === 'POST');
      const h = await outbox(sender());
      const q = await h.ask(question());
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      const end = Date.now() + 4000;
      while (fake.posted.length === 0 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await h.later(q);
      const s = await h.state(q);
      assert.equal(s.state, 'sent');
      assert.equal(s.remoteUrl, `${fake.url}/issue/ACME-42#focus=Comments-${s.remoteId}.0-0`);
      assert.equal(fake.posted.length, 1, 'not posted again');
    });

    it('reconcile pages with $top/$skip and stops at the page holding the marker', async () => {
      for (let i = 0; i < 250; i++) fake.addComment('ACME-42', `Комментарий ${i}`, anna);
      const q = question();
      await sender().send(q);
      for (let i = 0; i < 30; i++) fake.addComment('ACME-42', `Ещё ${i}`, anna);
      fake.requests.length = 0;
      const ref = await sender().reconcile!(q);
      assert.ok(ref?.remoteId);
      assert.deepEqual(
        fake.requests.map((r) => r.query.get('$skip')),
        ['0', '100', '200'],
      );
      fake.requests.length = 0;
      assert.equal(await sender().reconcile!(question()), undefined, 'another question never arrived');
      assert.equal(fake.requests.length, 3, '282 comments: three pages');
    });

    it('more comments than it reads: reconcile refuses rather than risk a second copy', async () => {
      for (let i = 0; i < MaxCommentPages * CommentPageSize; i++) {
        fake.addComment('ACME-42', `№${i}`, anna);
      }
      const e = await rejects(sender().reconcile!(question()), 'badRequest');
      assert.match(e.message, /ACME-42 has more than 5000 comments/);
      assert.equal(fake.requests.length, MaxCommentPages);
    });

    it('reads the answer: the first later comment by someone else, by full name', async () => {
      const s = sender();
      const h = await outbox(s);
      const q = await h.ask(question());
      await h.pass();
      assert.equal((await h.state(q)).state, 'sent');
      const later = Date.now() + 60_000;
      const me = { login: fake.me.login, fullName: fake.me.fullName };
      fake.addComment('ACME-42', 'Уточню у клиента.', me, later);
      assert.equal(await s.answer!(q, {}), undefined, 'our own follow-up is no answer');
      fake.addComment('ACME-42', 'Можно в январе, «Ромашка» согласна.', anna, later + 1000);
      await h.box.checkAnswers({ ticketComment: s });
      const answer = (await h.box.get(q.id))?.answer;
      assert.equal(answer?.text, 'Можно в январе, «Ромашка» согласна.');
      assert.equal(answer?.by, 'Анна Смирнова');
      assert.equal(answer?.at, new Date(later + 1000).toISOString());
    });

    it('401 → needsAuth; after a new token it is sent once', async () => {
      let token = 'perm:d3Jvbmc=.d3Jvbmc=.wrongTokenValue12345';
      const h = await outbox(sender(senderClient(async () => token)));
      const q = await h.ask(question());
      await h.pass();
      const st = await h.state(q);
      assert.equal(st.state, 'needsAuth');
      assert.equal(st.lastError, 'YouTrack: HTTP 401 — Unauthorized. Set a new API token.');
      token = fake.token;
      await h.box.resumeAuth('ticketComment');
      await h.pass();
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(fake.posted.length, 1);
    });

    it('403, a missing issue and a key that is no YouTrack id → failed with the reason', async () => {
      fake.commentsForbidden = true;
      const h = await outbox(sender());
      const forbidden = await h.ask(question());
      const missing = await h.ask(question('ACME-404'));
      const foreign = await h.ask(question('#42'));
      await h.pass();
      const f = await h.state(forbidden);
      assert.equal(f.state, 'failed');
      const words = 'You have no permissions to add comments to this issue.';
      assert.equal(f.lastError?.startsWith(`YouTrack: HTTP 403 — ${words}`), true, f.lastError);
      const m = await h.state(missing);
      assert.equal(m.state, 'failed');
      assert.match(m.lastError ?? '', /HTTP 404 — Entity with id ACME-404 not found\./);
      const x = await h.state(foreign);
      assert.equal(x.state, 'failed');
      assert.equal(x.lastError, 'YouTrack: "#42" is not a YouTrack issue id (like ACME-42).');
      assert.equal(fake.posted.length, 0);
      const posts = fake.requests.filter((r) => r.method === 'POST');
      assert.equal(posts.length, 2, 'the foreign key sent nothing');
    });

    it('the fake refuses an empty comment with YouTrack’s 400', async () => {
      const http = senderClient();
      const e = await rejects(
        http.request({ method: 'POST', path: '/api/issues/ACME-42/comments', body: { text: ' ' } }),
        'badRequest',
      );
      assert.equal(
        e.message,
        'YouTrack: HTTP 400 — Comment text should not be empty. The service refused the request.',
      );
    });
  });
});
