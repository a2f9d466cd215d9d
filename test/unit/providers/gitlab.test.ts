// GitLab tracker and note sender through real axios and the real HTTP client against the fake on
// 127.0.0.1; the sender's delivery semantics through the real Outbox.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import {
  createHttpClient,
  type HttpClient,
  type HttpTransport,
  type TokenSource,
} from '../../../src/core/http';
import { gitlabHttpOptions, gitlabVendorMessage } from '../../../src/core/providers/gitlab/api';
import { gitlabFactories, gitlabProject } from '../../../src/core/providers/gitlab/factories';
import { gitlab } from '../../../src/core/providers/gitlab/index';
import {
  ProjectSettingRe,
  parseIssueKey,
  projectFromRemotePath,
  unscopedDealLabel,
} from '../../../src/core/providers/gitlab/keys';
import { gitlabNoteSender } from '../../../src/core/providers/gitlab/notes';
import { gitlabTracker } from '../../../src/core/providers/gitlab/tracker';
import { dealRefsFromLabels } from '../../../src/core/providers/dealRefs';
import type { TicketTracker } from '../../../src/core/providers/types';
import type { VendorContext } from '../../../src/core/providers/vendor';
import { questionMarker } from '../../../src/core/questions/messages';
import { Outbox, type RouteSender } from '../../../src/core/questions/outbox';
import type { Question } from '../../../src/core/questions/question';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { startFakeGitLab, type FakeGitLab } from '../../fakes/gitlab';
import { aQuestion, manualClock } from '../questions/fixtures';
import { rejects } from './assertions';

const PROJECT = 'sales/tools/crm-bridge';
const ENCODED = 'sales%2Ftools%2Fcrm-bridge';
const ANNA = { username: 'a.petrova', name: 'Анна Петрова' };
const DAY = 24 * 3600_000;

// Real time: the fake computes reset headers and note times from the clock.
let NOW = Date.now();

describe('GitLab', () => {
  let fake: FakeGitLab;
  let delays: number[];
  /** Every URL the transport was asked for, as sent (encoding included). */
  let urls: string[];

  function transport(): HttpTransport {
    const real = axiosTransport();
    return (req) => {
      urls.push(req.url);
      return real(req);
    };
  }

  type ClientOptions = { token?: TokenSource; apiUrl?: string; deadlineMs?: number };

  function client(opts: ClientOptions = {}): HttpClient {
    const apiUrl = opts.apiUrl ?? `${fake.url}/api/v4`;
    return createHttpClient(transport(), {
      ...gitlabHttpOptions({ apiUrl }, opts.token ?? fake.token),
      ...(opts.deadlineMs ? { timeoutMs: opts.deadlineMs, deadlineMs: opts.deadlineMs } : {}),
      now: () => NOW,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0,
    });
  }

  function tracker(project = PROJECT, opts: ClientOptions = {}): TicketTracker {
    return gitlabTracker(client(opts), { project });
  }

  /** Issue #7: `count` notes by Anna a minute apart; each `systemEvery`th a system one. */
  function issueWithNotes(count: number, from: number, systemEvery = 0): void {
    fake.addIssue(PROJECT, {
      id: 190007,
      iid: 7,
      title: 'Счёт-фактура: НДС 20 % в итоговой строке',
      description: null,
      state: 'opened',
      labels: [],
      web_url: `https://git.acme.ru/${PROJECT}/-/issues/7`,
    });
    for (let i = 0; i < count; i++) {
      const system = systemEvery > 0 && i % systemEvery === 0;
      fake.addNote(PROJECT, 7, {
        body: system ? 'changed the description' : `Комментарий № ${i + 1}`,
        ...ANNA,
        system,
        at: from + i * 60_000,
      });
    }
  }

  const gets = () => fake.requests.filter((r) => r.method === 'GET');
  const posts = () => fake.requests.filter((r) => r.method === 'POST');

  beforeEach(async () => {
    NOW = Date.now();
    delays = [];
    urls = [];
    fake = await startFakeGitLab();
  });
  afterEach(() => fake.stop());

  describe('tracker', () => {
    it('maps #123 of a subgroup project under a self-managed /gitlab/api/v4 root', async () => {
      await fake.stop();
      fake = await startFakeGitLab({ prefix: '/gitlab/api/v4' });
      const t = await tracker(PROJECT, { apiUrl: `${fake.url}/gitlab/api/v4` }).getTicket('#123');
      assert.deepEqual(t, {
        key: '#123',
        title: 'Выгрузка счетов в 1С зависает на 10 000 строк',
        status: 'open',
        url: 'https://git.acme.ru/sales/tools/crm-bridge/-/issues/123',
        assignee: 'Анна Петрова',
        labels: ['bug', 'deal::4217', 'клиент::Ромашка', 'priority::high'],
        // The scoped label and the Bitrix24 deal link (its full stop dropped), not the docs link.
        dealRefs: ['4217', 'https://acme.bitrix24.ru/crm/deal/details/4218/'],
        // The system note ("added ~deal::4217 label") is not a comment.
        comments: [
          {
            id: '905002',
            author: 'Анна Петрова',
            created: '2026-09-01T12:40:10.004+03:00',
            text:
              '@d.kozlov «Ромашка» продлевает договор только после исправления — до 15 октября.',
          },
          {
            id: '905003',
            author: 'Дмитрий Козлов',
            created: '2026-09-02T11:30:00.000+03:00',
            text: 'План: потоковая выгрузка строк, затем индекс по дате.',
          },
        ],
      });
      // One path segment for the project: `%2F`, never `/`.
      assert.deepEqual(urls, [
        `${fake.url}/gitlab/api/v4/projects/${ENCODED}/issues/123`,
        `${fake.url}/gitlab/api/v4/projects/${ENCODED}/issues/123/notes` +
          '?sort=asc&order_by=created_at&per_page=100&page=1',
      ]);
      assert.equal(fake.requests[0].headers['private-token'], fake.token);
      assert.equal(fake.requests[0].headers.authorization, undefined);
    });

    it('a numeric project id, `group/project#n` keys, a closed issue without notes', async () => {
      fake.addProject(4242, 'sales/crm');
      fake.addIssue('sales/crm', {
        id: 200001,
        iid: 8,
        title: 'Печать накладной ТОРГ-12',
        description: 'deal: 5120\nhttps://crm.acme.ru/deals/5121',
        state: 'closed',
        moved_to_id: 200777,
        labels: ['Deal:5122', 'deal :: 5123', 'сделка::1'],
        assignees: [
          { username: 'i.ivanov', name: 'Иван Иванов' },
          { username: 'robot', name: '' },
        ],
        web_url: 'https://git.acme.ru/sales/crm/-/issues/8',
      });
      const t = await tracker('4242').getTicket('8');
      assert.equal(t.key, '#8');
      assert.equal(t.status, 'closed (moved)');
      assert.equal(t.assignee, 'Иван Иванов, @robot');
      assert.deepEqual(t.dealRefs, ['5122', '5123', 'https://crm.acme.ru/deals/5121', '5120']);
      assert.deepEqual(t.comments, []);
      assert.deepEqual(urls, [`${fake.url}/api/v4/projects/4242/issues/8`]);
      const other = await tracker('').getTicket('sales/crm#8');
      assert.equal(other.title, 'Печать накладной ТОРГ-12');
      assert.equal(urls[1], `${fake.url}/api/v4/projects/sales%2Fcrm/issues/8`);
    });

    it('follows x-next-page through 250 notes, skipping system notes: 1 + 3 requests', async () => {
      issueWithNotes(250, Date.now() - DAY, 10);
      const t = await tracker().getTicket('#7');
      assert.equal(t.comments.length, 225);
      assert.equal(t.comments[0].text, 'Комментарий № 2');
      assert.equal(t.comments.at(-1)?.text, 'Комментарий № 250');
      assert.deepEqual(
        gets().map((r) => r.query.get('page')),
        [null, '1', '2', '3'],
      );
      assert.ok(gets().slice(1).every((r) => r.query.get('per_page') === '100'));
    });

    it('reads at most 5 pages of notes on a very long issue', async () => {
      issueWithNotes(650, Date.now() - DAY);
      const t = await tracker().getTicket('#7');
      assert.equal(t.comments.length, 500);
      assert.equal(gets().length, 6);
    });

    it('whoAmI reads /user', async () => {
      assert.equal(await tracker().whoAmI!(), 'Дмитрий Козлов (@d.kozlov)');
      assert.deepEqual(urls, [`${fake.url}/api/v4/user`]);
    });

    it('no project, an apiUrl without /api/v4, a key that is no number: nothing sent', async () => {
      const e1 = await rejects(tracker('').getTicket('#123'), 'notConfigured');
      assert.match(e1.message, /customerContext\.gitlab\.project/);
      assert.equal(e1.details.where, 'customerContext.gitlab.project');
      const noApi = tracker(PROJECT, { apiUrl: fake.url });
      const e2 = await rejects(noApi.getTicket('#123'), 'notConfigured');
      assert.equal(
        e2.message,
        `GitLab: ${fake.url} is not the REST API address. Set customerContext.gitlab.apiUrl ` +
          `to the URL ending in /api/v4, e.g. ${fake.url}/api/v4.`,
      );
      assert.equal(e2.details.where, 'customerContext.gitlab.apiUrl');
      await rejects(tracker().getTicket('ACME-42'), 'notFound');
      await rejects(tracker().getTicket('#0'), 'notFound');
      assert.equal(fake.requests.length, 0);
    });

    it('401: a wrong token and an expired one, never echoing the token', async () => {
      const bad = 'glpat-WrongWrongWrong0000';
      const e1 = await rejects(tracker(PROJECT, { token: bad }).getTicket('#123'), 'auth', bad);
      assert.equal(
        e1.message,
        'GitLab: HTTP 401 — Unauthorized. The token is missing, wrong, expired or revoked: ' +
          'set a new personal or project access token with the "api" scope.',
      );
      assert.equal(e1.details.vendorMessage, '401 Unauthorized');
      fake.expired = true;
      const e2 = await rejects(tracker().getTicket('#123'), 'auth', fake.token);
      assert.match(e2.message, /^GitLab: HTTP 401 — invalid_token: Token is expired\. You can/);
      assert.equal(fake.requests.length, 2, 'a 401 is not retried');
    });

    it('no token at all → auth before any request', async () => {
      const none = tracker(PROJECT, { token: async () => undefined });
      const e = await rejects(none.getTicket('#1'), 'auth');
      assert.match(e.message, /no API token is set/);
      assert.equal(fake.requests.length, 0);
    });

    it('404: the project (naming the setting) or the issue, with GitLab’s words', async () => {
      const e1 = await rejects(tracker('sales/unknown').getTicket('#123'), 'notFound');
      assert.equal(
        e1.message,
        'GitLab: project sales/unknown was not found (404 Project Not Found). Check ' +
          'customerContext.gitlab.project or the git remote; a private project also answers 404 ' +
          'when the token may not see it.',
      );
      assert.equal(e1.details.where, 'customerContext.gitlab.project');
      const e2 = await rejects(tracker().getTicket('#999'), 'notFound');
      assert.match(e2.message, /^GitLab: issue #999 was not found in sales\/tools\/crm-bridge/);
      assert.equal(e2.details.vendorMessage, '404 Not found');
      assert.equal(fake.requests.length, 2);
    });

    it('429 with Retry-After: a short wait is honoured inline', async () => {
      fake.rateLimit({ retryAfter: 1 });
      assert.equal((await tracker().getTicket('#123')).key, '#123');
      assert.deepEqual(delays, [1000]);
    });

    it('429 with a long Retry-After → rateLimited, retryAt, GitLab’s "Retry later"', async () => {
      fake.rateLimit({ retryAfter: 120 });
      const e = await rejects(tracker().getTicket('#123'), 'rateLimited');
      assert.equal(e.details.retryAt, NOW + 120_000);
      assert.equal(e.message, 'GitLab: HTTP 429 — Retry later. Rate limited; try again in 2 min.');
      assert.deepEqual(delays, []);
      assert.equal(fake.requests.length, 1);
    });

    it('429 without Retry-After: the RateLimit-Reset header says when', async () => {
      fake.rateLimit({ retryAfter: null, resetInSeconds: 300 });
      const e = await rejects(tracker().getTicket('#123'), 'rateLimited');
      const retryAt = e.details.retryAt ?? 0;
      assert.ok(retryAt >= NOW + 290_000 && retryAt <= NOW + 310_000, String(retryAt - NOW));
    });

    it('an HTML error page and 5xx → server after retries, with the page title', async () => {
      const raw = '<html><head><title>GitLab is not responding (502)</title></head></html>';
      const headers = { 'content-type': 'text/html' };
      fake.inject({ type: 'reply', reply: { status: 502, raw, headers } }, 3);
      const e = await rejects(tracker().getTicket('#123'), 'server');
      assert.match(e.message, /HTTP 502 — an HTML page \("GitLab is not responding \(502\)"\)/);
      assert.equal(fake.requests.length, 3);
    });

    it('wrong shapes → invalidResponse naming the JSON path (and the notes page)', async () => {
      const stringIid = { iid: '123', title: 'x', state: 'opened', web_url: 'x' };
      fake.inject({ type: 'reply', reply: { json: stringIid } });
      const e1 = await rejects(tracker().getTicket('#123'), 'invalidResponse');
      assert.match(e1.message, /issues\/123: iid: expected number, got string/);
      const stringIds = { json: [{ id: '1', created_at: 'x' }] };
      fake.inject({ type: 'reply', reply: stringIds }, 1, (r) => r.path.endsWith('/notes'));
      const e2 = await rejects(tracker().getTicket('#123'), 'invalidResponse');
      assert.match(e2.message, /\/notes \(page 1\): \[0\]\.id: expected number, got string/);
      assert.equal(e2.details.where, '[0].id');
    });

    it('cold lookup: 2 requests with notes, 1 without; warm (same client) the same', async () => {
      const t = tracker();
      await t.getTicket('#123');
      assert.equal(fake.requests.length, 2);
      await t.getTicket('#123');
      assert.equal(fake.requests.length, 4);
      issueWithNotes(0, Date.now());
      await t.getTicket('#7');
      assert.equal(fake.requests.length, 5);
    });
  });

  describe('names and labels', () => {
    it('issue keys, project settings and scoped deal labels', () => {
      assert.deepEqual(parseIssueKey('#123'), { project: undefined, iid: 123 });
      assert.deepEqual(parseIssueKey(' 45 '), { project: undefined, iid: 45 });
      assert.deepEqual(parseIssueKey('sales/tools/crm-bridge#9'), { project: PROJECT, iid: 9 });
      for (const bad of ['ACME-42', '#', 'sales#1', '#1234567890', '#0', 'a/b#c']) {
        assert.equal(parseIssueKey(bad), undefined, bad);
      }
      for (const ok of ['', '77', 'group/project', 'a.b/c_d/e-f']) {
        assert.ok(ProjectSettingRe.test(ok), ok);
      }
      for (const bad of ['project', 'group/', '/group/p', 'https://gitlab.com/a/b', 'отдел/crm']) {
        assert.ok(!ProjectSettingRe.test(bad), bad);
      }
      assert.deepEqual(
        dealRefsFromLabels(['deal::4217', 'Deal :: D-9', 'deal:42', 'bug'].map(unscopedDealLabel)),
        ['4217', 'D-9', '42'],
      );
      assert.equal(unscopedDealLabel('dealer::1'), 'dealer::1');
    });

    it('the project from a remote, a relative URL root dropped only when a project remains', () => {
      const root = 'https://git.acme.ru/gitlab/api/v4';
      assert.equal(projectFromRemotePath('gitlab/sales/crm', root), 'sales/crm');
      assert.equal(projectFromRemotePath('sales/crm', root), 'sales/crm');
      assert.equal(projectFromRemotePath('gitlab/crm', root), 'gitlab/crm');
      const com = 'https://gitlab.com/api/v4';
      assert.equal(projectFromRemotePath('gitlab/sales/crm', com), 'gitlab/sales/crm');
      assert.equal(projectFromRemotePath(undefined, root), undefined);
    });

    it('gitlabProject: the setting wins, else the remote; neither → notConfigured', () => {
      const ctx = (project: string, remote?: string) => ({
        settings: { apiUrl: 'https://git.acme.ru/api/v4', project },
        repositoryFromRemote: (apiUrl: string) => {
          assert.equal(apiUrl, 'https://git.acme.ru/api/v4');
          return remote;
        },
      });
      assert.equal(gitlabProject(ctx('77', 'sales/crm')), '77');
      assert.equal(gitlabProject(ctx('', 'sales/tools/crm-bridge')), PROJECT);
      assert.throws(
        () => gitlabProject(ctx('')),
        (e: Error) => /customerContext\.gitlab\.project/.test(e.message),
      );
    });

    it('the descriptor matches the contract', () => {
      assert.equal(gitlab.id, 'gitlab');
      assert.equal(gitlab.numericKeys, true);
      assert.deepEqual(
        Object.fromEntries(
          Object.entries(gitlab.settings).map(([k, s]) => [k, [s.default, s.scope]]),
        ),
        {
          apiUrl: ['https://gitlab.com/api/v4', 'machine'],
          project: ['', 'resource'],
          // Issue 13: the worklist's own query (gitlab.worklist.test.ts).
          worklistQuery: ['', 'resource'],
        },
      );
      assert.deepEqual(gitlab.credential, {
        kind: 'token',
        env: 'CUSTOMER_CONTEXT_GITLAB_TOKEN',
        envUrl: 'CUSTOMER_CONTEXT_GITLAB_URL',
        urlSetting: 'apiUrl',
      });
      assert.match(gitlab.tokenHelp ?? '', /Access tokens.*"api"/);
      const bad = gitlab.settings.project.schema.safeParse('https://gitlab.com/sales/crm');
      assert.ok(!bad.success);
      assert.match(JSON.stringify(bad.error), /expected group\/project/);
    });

    it('the vendor messages GitLab sends, each read', () => {
      const m = (d: unknown) => gitlabVendorMessage(400, d);
      assert.equal(m({ message: '404 Project Not Found' }), '404 Project Not Found');
      assert.equal(m({ message: { note: ["can't be blank"] } }), "note can't be blank");
      const tooMany = 'This endpoint has been requested too many times. Try again later.';
      assert.equal(m({ message: { error: tooMany } }), tooMany);
      assert.equal(m({ error: 'body is missing' }), 'body is missing');
      const revoked = { error: 'invalid_token', error_description: 'Token was revoked.' };
      assert.equal(m(revoked), 'invalid_token: Token was revoked.');
      assert.equal(m('Retry later\n'), 'Retry later');
      assert.equal(m({ unrelated: true }), undefined);
    });

    it('property: hostile keys, labels and remotes are read in bounded time', () => {
      const slow: number[] = [];
      // Characters the patterns care about, so runs of them (the hostile case) are frequent.
      const unit = fc.constantFrom('d', 'e', 'a', 'l', ':', ' ', '/', '#', '1', '.', '-', 'я');
      const text = fc.string({ unit, maxLength: 4000 });
      fc.assert(
        fc.property(text, fc.nat(9999), (s, n) => {
          const t0 = performance.now();
          parseIssueKey(s);
          projectFromRemotePath(s, 'https://git.acme.ru/x/api/v4');
          ProjectSettingRe.test(s);
          const refs = dealRefsFromLabels([unscopedDealLabel(`deal::${n}`), unscopedDealLabel(s)]);
          const ms = performance.now() - t0;
          slow.push(ms);
          assert.equal(refs[0], String(n));
          assert.ok(ms < 50, `${ms.toFixed(1)} ms for ${s.length} chars`);
        }),
        { numRuns: 150 },
      );
      assert.ok(Math.max(...slow) < 50);
    });
  });

  describe('note sender', () => {
    const root = { dir: '' };
    const glQuestion = (overrides: Partial<Question> = {}) =>
      aQuestion({
        ticket: { key: '#123', title: 'Выгрузка счетов в 1С', url: issueUrl(123) },
        text: 'Нужна ли «Ромашке» выгрузка в 1С до продления, или можно в первом квартале?',
        ...overrides,
      });

    function sender(opts: ClientOptions = {}, project = PROJECT): RouteSender {
      return gitlabNoteSender(client({ deadlineMs: 800, ...opts }), { project });
    }

    async function harness(s: RouteSender) {
      root.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-gitlab-'));
      const clock = manualClock(Date.now());
      const outbox = new Outbox(path.join(root.dir, 'outbox'), {
        owner: 'test',
        now: clock.now,
        random: () => 0.5,
      });
      const h = {
        outbox,
        clock,
        async ask(q: Question) {
          q.createdAt = new Date(clock.now()).toISOString();
          await outbox.enqueue(q, ['ticketComment']);
          return q;
        },
        pass: () => outbox.process({ ticketComment: s }),
        async state(q: Question) {
          return (await outbox.get(q.id))!.routes.ticketComment!;
        },
        async later(q: Question) {
          const st = await h.state(q);
          if (st.nextAttemptAt !== undefined) clock.set(st.nextAttemptAt);
          await h.pass();
        },
      };
      return h;
    }

    afterEach(async () => {
      if (root.dir) await fs.rm(root.dir, { recursive: true, force: true });
      root.dir = '';
    });

    it('posts a Markdown note with the marker to the encoded project path', async () => {
      const q = glQuestion();
      const ref = await sender().send(q);
      assert.equal(fake.posted.length, 1);
      const body = String(fake.posted[0].body);
      assert.ok(body.startsWith('**Question for sales** from Dana Dev'), body);
      assert.ok(body.includes('> Нужна ли «Ромашке» выгрузка в 1С'));
      assert.ok(body.includes(questionMarker(q.id)));
      assert.equal(urls[0], `${fake.url}/api/v4/projects/${ENCODED}/issues/123/notes`);
      assert.match(ref.remoteId ?? '', /^\d+$/);
      assert.equal(ref.remoteUrl, `${issueUrl(123)}#note_${ref.remoteId}`);
    });

    it('connection cut mid-send → unknown → reconcile finds nothing → sent once', async () => {
      fake.inject({ type: 'cut' }, 1, (r) => r.method === 'POST');
      const h = await harness(sender());
      const q = await h.ask(glQuestion());
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      await h.later(q);
      const s = await h.state(q);
      assert.equal(s.state, 'sent');
      assert.equal(fake.posted.length, 1);
      assert.equal(posts().length, 2, 'the cut POST and the one that went through');
      assert.equal(s.remoteId, String(fake.notesOf(PROJECT, 123).at(-1)?.id));
    });

    it('delivered but the answer lost (timeout) → reconcile finds it: no duplicate', async () => {
      fake.inject({ type: 'delay', ms: 1500 }, 1, (r) => r.method === 'POST');
      const h = await harness(sender());
      const q = await h.ask(glQuestion());
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      const end = Date.now() + 4000;
      while (fake.posted.length === 0 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await h.later(q);
      const s = await h.state(q);
      assert.equal(s.state, 'sent');
      assert.equal(fake.posted.length, 1, 'not posted again');
      assert.equal(s.remoteUrl, `${issueUrl(123)}#note_${s.remoteId}`);
    });

    it('reconcile walks newest first, stopping at the page that reaches the question', async () => {
      issueWithNotes(300, Date.now() - DAY);
      const q = glQuestion({ ticket: { key: '#7', title: 'НДС', url: issueUrl(7) } });
      q.createdAt = new Date().toISOString();
      const s = sender();
      const ref = await s.send(q);
      for (let i = 0; i < 150; i++) {
        const at = Date.now() + (i + 1) * 1000;
        fake.addNote(PROJECT, 7, { body: `Ответ № ${i}`, ...ANNA, at });
      }
      fake.requests.length = 0;
      const found = await s.reconcile!(q);
      assert.equal(found?.remoteId, ref.remoteId);
      assert.deepEqual(
        gets().map((r) => [r.query.get('sort'), r.query.get('page')]),
        [
          ['desc', '1'],
          ['desc', '2'],
        ],
        'the 300 older notes on pages 3 and 4 are not read',
      );
      assert.equal(await s.reconcile!(glQuestion({ ticket: q.ticket })), undefined);
    });

    it('the answer: the first later note by someone else, never a system note', async () => {
      const s = sender();
      const h = await harness(s);
      const q = await h.ask(glQuestion());
      await h.pass();
      assert.equal((await h.state(q)).state, 'sent');
      const due = 'changed due date to October 15, 2026';
      fake.addNote(PROJECT, 123, { body: due, ...ANNA, system: true, at: Date.now() + 30_000 });
      const reply = 'Да, до продления: 1 250 000 ₽ зависят от этого.';
      fake.addNote(PROJECT, 123, { body: reply, ...ANNA, at: Date.now() + 60_000 });
      await h.outbox.checkAnswers({ ticketComment: s });
      const answer = (await h.outbox.get(q.id))?.answer;
      assert.equal(answer?.text, reply);
      assert.equal(answer?.by, 'Анна Петрова');
      assert.match(answer?.at ?? '', /\+03:00$/);
    });

    it('a note by the same user after ours is not an answer', async () => {
      const s = sender();
      const q = glQuestion();
      q.createdAt = new Date().toISOString();
      await s.send(q);
      const me = { username: 'd.kozlov', name: 'Дмитрий Козлов' };
      fake.addNote(PROJECT, 123, { body: 'PS: срочно', ...me, at: Date.now() + 5000 });
      assert.equal(await s.answer!(q, {}), undefined);
    });

    it('401 → needsAuth; after a new token and resumeAuth it is sent once', async () => {
      let token = 'glpat-Revoked000000000000';
      const h = await harness(sender({ token: async () => token }));
      const q = await h.ask(glQuestion());
      await h.pass();
      const s1 = await h.state(q);
      assert.equal(s1.state, 'needsAuth');
      assert.ok(!(s1.lastError ?? '').includes(token));
      token = fake.token;
      await h.outbox.resumeAuth('ticketComment');
      await h.pass();
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(fake.posted.length, 1);
    });

    it('a read_api token → failed with insufficient_scope and what to change', async () => {
      fake.scopes = ['read_api'];
      const h = await harness(sender());
      const q = await h.ask(glQuestion());
      await h.pass();
      const s = await h.state(q);
      assert.equal(s.state, 'failed');
      assert.match(s.lastError ?? '', /HTTP 403 — insufficient_scope: The request requires higher/);
      assert.match(s.lastError ?? '', /"api" scope \("read_api" cannot post notes\)/);
      assert.equal(fake.posted.length, 0);
    });

    it('429 on the POST → queued until Retry-After, then sent once', async () => {
      fake.rateLimit({ retryAfter: 30 });
      const h = await harness(sender());
      const q = await h.ask(glQuestion());
      await h.pass();
      const s1 = await h.state(q);
      assert.equal(s1.state, 'queued');
      assert.ok((s1.nextAttemptAt ?? 0) >= NOW + 29_000, String((s1.nextAttemptAt ?? 0) - NOW));
      await h.later(q);
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(fake.posted.length, 1);
    });

    it('a key that is no issue number → badRequest; no project → notConfigured', async () => {
      const jiraKey = glQuestion({ ticket: { key: 'ACME-42', title: 'x' } });
      const e1 = await rejects(sender().send(jiraKey), 'badRequest');
      assert.match(e1.message, /"ACME-42" is not an issue number/);
      const e2 = await rejects(sender({}, '').send(glQuestion()), 'notConfigured');
      assert.equal(e2.details.where, 'customerContext.gitlab.project');
      assert.equal(fake.requests.length, 0);
    });

    it('the fake refuses a note without a body as GitLab does (400)', async () => {
      const http = client();
      const post = (body: unknown) =>
        http.request({ method: 'POST', path: `/projects/${ENCODED}/issues/123/notes`, body });
      const e1 = await rejects(post({}), 'badRequest');
      assert.equal(
        e1.message,
        'GitLab: HTTP 400 — body is missing. The service refused the request.',
      );
      const e2 = await rejects(post({ body: '  ' }), 'badRequest');
      assert.match(e2.message, /HTTP 400 — note can't be blank\./);
    });
  });

  describe('factories', () => {
    it('build a tracker and a sender on the remote’s project through ctx.client', async () => {
      const built: string[] = [];
      const ctx = {
        settings: { apiUrl: `${fake.url}/api/v4`, project: '', worklistQuery: '' },
        token: () => fake.token,
        client: (o: Parameters<typeof createHttpClient>[1]) => {
          built.push(o.baseUrl);
          return createHttpClient(transport(), o);
        },
        repositoryFromRemote: () => PROJECT,
      } as unknown as VendorContext<{ apiUrl: string; project: string; worklistQuery: string }>;
      const t = gitlabFactories.tracker!(ctx);
      assert.equal((await t.getTicket('#123')).key, '#123');
      const q = glQuestionFor();
      q.createdAt = new Date().toISOString();
      await gitlabFactories.sender!(ctx).send(q);
      assert.equal(fake.posted.length, 1);
      assert.deepEqual(built, [`${fake.url}/api/v4`, `${fake.url}/api/v4`]);
    });
  });
});

function issueUrl(iid: number): string {
  return `https://git.acme.ru/${PROJECT}/-/issues/${iid}`;
}

function glQuestionFor(): Question {
  return aQuestion({ ticket: { key: '#123', title: 'Выгрузка', url: issueUrl(123) } });
}
