// The Slack bot route against a fake Web API through real axios (src/vscode/axiosTransport), the
// real HttpClient and, where delivery semantics are the point, the real Outbox.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { ProviderError } from '../../../src/core/errors';
import { createHttpClient, type TokenSource } from '../../../src/core/http';
import {
  parseSlackRemoteId,
  slackApiHttpOptions,
  slackBotSender,
  slackClassify,
  slackText,
  slackTs,
  slackTsToIso,
} from '../../../src/core/providers/slack/bot';
import { slackPayload } from '../../../src/core/providers/slack/payload';
import { hasToken, slackRouteSender } from '../../../src/core/providers/slack/route';
import { slackSender } from '../../../src/core/providers/slack/sender';
import { questionMarker } from '../../../src/core/questions/messages';
import { Outbox } from '../../../src/core/questions/outbox';
import type { Question } from '../../../src/core/questions/question';
import type { RouteSender } from '../../../src/core/questions/sender';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import type { FakeServer } from '../../fakes/fakeServer';
import { SlackFake } from '../../fakes/slack';
import { AllSlackScopes, FakeSlackApi } from '../../fakes/slackApi';
import { aDeal, aQuestion, manualClock } from '../questions/fixtures';

const transport = axiosTransport();
const ANNA = 'U024BE7LH';

/** A question in Russian to Anna, owner of «Глобэкс»'s deal in roubles. */
function ruQuestion(overrides: Partial<Question> = {}, slackId: string | null = ANNA): Question {
  return aQuestion({
    text: 'Нужен ли «Глобэкс» SSO к запуску, или можно в I квартале? <!channel> & прочее',
    deals: [
      aDeal({
        id: '18734567890',
        customer: 'ООО «Глобэкс»',
        amount: 1_250_000,
        currency: 'RUB',
        stage: 'Переговоры',
        owner: {
          name: 'Анна Петрова',
          email: 'anna.petrova@example.com',
          slackId: slackId ?? undefined,
          crmId: '41629779',
        },
      }),
    ],
    author: { name: 'Дана Разработчикова', email: 'dana@example.com' },
    ...overrides,
  });
}

async function until(cond: () => boolean, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fakes: FakeServer[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop();
  for (const c of cleanups.splice(0)) await c();
});

async function started<T extends FakeServer>(fake: T): Promise<T> {
  await fake.start();
  fakes.push(fake);
  return fake;
}

interface SetupOptions {
  channel?: string;
  token?: TokenSource;
  scopes?: string[];
  /** Per-request deadline: a POST answered later fails as offline (outcome unknown). */
  deadlineMs?: number;
}

/** A fake workspace, a client on a hand-moved clock (inline waits move it), a sender, an Outbox. */
async function setup(opts: SetupOptions = {}) {
  const fake = await started(new FakeSlackApi({ scopes: opts.scopes }));
  const clock = manualClock(Date.now());
  const sleeps: number[] = [];
  const deadline = opts.deadlineMs ?? 2000;
  const http = createHttpClient(transport, {
    ...slackApiHttpOptions(fake.url, opts.token ?? fake.token),
    timeoutMs: deadline,
    deadlineMs: deadline,
    now: clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  });
  const sender = slackBotSender(http, { channel: opts.channel, now: clock.now });
  const h = await harness(sender, clock);
  return { fake, sender, h, clock, sleeps };
}

/** An Outbox on a fresh directory for the `slack` route, sharing the test's clock. */
async function harness(sender: RouteSender, clock: ReturnType<typeof manualClock>) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-slackbot-'));
  cleanups.push(() => fs.rm(root, { recursive: true, force: true }));
  const outbox = new Outbox(path.join(root, 'outbox'), {
    owner: 'test',
    now: clock.now,
    random: () => 0.5,
  });
  const h = {
    outbox,
    async ask(q: Question) {
      q.createdAt = new Date(clock.now()).toISOString();
      await outbox.enqueue(q, ['slack']);
      return q;
    },
    pass: () => outbox.process({ slack: sender }),
    async state(q: Question) {
      return (await outbox.get(q.id))!.routes.slack!;
    },
    /** Moves the clock to the route's next attempt and runs a pass. */
    async later(q: Question) {
      const s = await h.state(q);
      if (s.nextAttemptAt !== undefined) clock.set(s.nextAttemptAt);
      await h.pass();
    },
    checkAnswers: () => outbox.checkAnswers({ slack: sender }),
    answer: async (q: Question) => (await outbox.get(q.id))?.answer,
  };
  return h;
}

const apiCalls = (fake: FakeSlackApi) => fake.requests.filter((r) => r.path.startsWith('/api/'));

describe('Slack bot route', () => {
  describe('send', () => {
    it('DMs the deal owner: conversations.open, then the webhook’s Block Kit; keeps channel:ts and the permalink', async () => {
      const { fake, sender } = await setup();
      const q = ruQuestion();
      const ref = await sender.send(q);

      const dm = fake.dmWith(ANNA)!;
      assert.ok(dm, 'a DM with the owner was opened');
      assert.deepEqual(fake.calls('conversations.open')[0].body, { users: ANNA });
      const post = fake.calls('chat.postMessage')[0];
      assert.deepEqual(post.body, { channel: dm.id, ...slackPayload(q) });
      assert.equal(post.headers.authorization, `Bearer ${fake.token}`);
      assert.equal(post.headers['content-type'], 'application/json; charset=utf-8');
      assert.ok(String(post.body && JSON.stringify(post.body)).includes('«Глобэкс»'));

      const stored = fake.topLevel(dm.id);
      assert.equal(stored.length, 1);
      assert.equal(stored[0].bot_id, fake.botId);
      assert.equal(ref.remoteId, `${dm.id}:${stored[0].ts}`);
      assert.match(ref.remoteId ?? '', /^D0\d{8}:\d{10}\.\d{6}$/);
      assert.equal(
        ref.remoteUrl,
        `https://acme-ru.slack.com/archives/${dm.id}/p${stored[0].ts.replace('.', '')}`,
      );
      // Cold: open, post, permalink.
      assert.deepEqual(
        apiCalls(fake).map((r) => r.path),
        ['/api/conversations.open', '/api/chat.postMessage', '/api/chat.getPermalink'],
      );
      // Warm: the DM's id is remembered (Slack keeps one DM per person).
      const before = apiCalls(fake).length;
      await sender.send(ruQuestion());
      assert.equal(apiCalls(fake).length - before, 2);
    });

    it('without an owner id: the configured channel, by id or by #name (Cyrillic too)', async () => {
      const byId = await setup({ channel: 'C0SALES001' });
      const ref = await byId.sender.send(ruQuestion({}, null));
      assert.match(ref.remoteId ?? '', /^C0SALES001:\d+\.\d{6}$/);
      assert.equal(byId.fake.calls('conversations.open').length, 0);
      assert.equal(byId.fake.topLevel('C0SALES001').length, 1);

      const byName = await setup({ channel: '#сделки-ru' });
      const ref2 = await byName.sender.send(ruQuestion({}, null));
      const posted = byName.fake.calls('chat.postMessage')[0].body as { channel: string };
      assert.equal(posted.channel, 'сделки-ru', 'posted by name, without the #');
      assert.match(ref2.remoteId ?? '', /^C0DEALS002:/, 'the id Slack answered with is kept');
    });

    it('an owner id that is no member id falls back to the channel', async () => {
      const { fake, sender } = await setup({ channel: 'C0SALES001' });
      await sender.send(ruQuestion({}, '@anna'));
      assert.equal(fake.calls('conversations.open').length, 0);
      assert.equal(fake.topLevel('C0SALES001').length, 1);
    });

    it('no owner id and no channel: failed, naming customerContext.slack.channel; nothing sent', async () => {
      const { fake, h } = await setup();
      const q = await h.ask(ruQuestion({}, null));
      await h.pass();
      const s = await h.state(q);
      assert.equal(s.state, 'failed');
      assert.match(s.lastError ?? '', /no deal owner's Slack member id is known and no channel/);
      assert.match(s.lastError ?? '', /Set customerContext\.slack\.channel/);
      assert.equal(apiCalls(fake).length, 0);

      const bad = await setup({ channel: 'sales team' });
      await assert.rejects(
        bad.sender.send(ruQuestion({}, null)),
        (e: unknown) =>
          e instanceof ProviderError &&
          e.kind === 'notConfigured' &&
          e.details.where === 'customerContext.slack.channel',
      );
    });

    const refusals: Array<{
      name: string;
      opts: SetupOptions;
      q: () => Question;
      kind: string;
      says: RegExp;
    }> = [
      {
        name: 'not_in_channel',
        opts: { channel: 'C0GENERAL3' },
        q: () => ruQuestion({}, null),
        kind: 'failed',
        says: /not a member of the channel \(not_in_channel\)\. Invite it .*customerContext\.slack\.channel/,
      },
      {
        name: 'channel_not_found',
        opts: { channel: 'C0NOPE0001' },
        q: () => ruQuestion({}, null),
        kind: 'failed',
        says: /\(channel_not_found\)\. Check customerContext\.slack\.channel/,
      },
      {
        name: 'user_not_found',
        opts: {},
        q: () => ruQuestion({}, 'U0GONE0001'),
        kind: 'failed',
        says: /Slack member id is not an active person .*\(user_not_found\)\. Check the owner's Slack id/,
      },
      {
        name: 'missing_scope',
        opts: { scopes: AllSlackScopes.filter((s) => s !== 'chat:write') },
        q: () => ruQuestion(),
        kind: 'failed',
        says: /lacks the scope chat:write \(missing_scope\)\. Add it under OAuth & Permissions/,
      },
    ];
    for (const r of refusals) {
      it(`${r.name}: the question fails with what to do`, async () => {
        const { fake, h } = await setup(r.opts);
        const q = await h.ask(r.q());
        await h.pass();
        const s = await h.state(q);
        assert.equal(s.state, r.kind);
        assert.match(s.lastError ?? '', r.says);
        assert.ok(!s.lastError?.includes(fake.token));
        assert.equal(fake.botMessages().length, 0);
      });
    }
  });

  describe('rate limits', () => {
    it('ratelimited on chat.postMessage: rescheduled by Retry-After, nothing posted before, then once', async () => {
      const { fake, h, clock } = await setup();
      fake.rateLimit('chat.postMessage', 30);
      const q = await h.ask(ruQuestion());
      const t0 = clock.now();
      await h.pass();
      const s = await h.state(q);
      assert.equal(s.state, 'queued');
      assert.equal(s.nextAttemptAt, t0 + 30_000, 'Retry-After: 30');
      assert.match(
        s.lastError ?? '',
        /HTTP 429 — Slack is rate limiting this app \(ratelimited\)\. Rate limited; try again in 30 s/,
      );
      clock.advance(29_000);
      await h.pass();
      assert.equal(fake.calls('chat.postMessage').length, 1, 'nothing before Retry-After');
      clock.advance(1_000);
      await h.pass();
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(fake.calls('chat.postMessage').length, 2);
      assert.equal(fake.botMessages().length, 1);
    });

    it('a 429 on conversations.open (repeatable) is waited out inline before the post', async () => {
      const { fake, sender, sleeps, clock } = await setup();
      fake.rateLimit('conversations.open', 1);
      const t0 = clock.now();
      await sender.send(ruQuestion());
      assert.deepEqual(sleeps, [1000]);
      assert.equal(clock.now() - t0, 1000);
      assert.equal(fake.calls('conversations.open').length, 2);
      assert.equal(fake.botMessages().length, 1);
    });
  });

  describe('credentials', () => {
    it('invalid_auth parks the question until a token is set (resumeAuth); no error names a token', async () => {
      let token: string | undefined = 'xoxb-1111111111-2222222222-WrongWrongWrong';
      const wrong = token;
      const { fake, h } = await setup({ token: async () => token });
      const q = await h.ask(ruQuestion());
      await h.pass();
      let s = await h.state(q);
      assert.equal(s.state, 'needsAuth');
      assert.match(s.lastError ?? '', /bot token was not accepted \(invalid_auth\)/);
      assert.ok(!s.lastError?.includes(wrong) && !s.lastError?.includes('WrongWrong'));

      token = undefined;
      await h.outbox.resumeAuth('slack');
      await h.pass();
      s = await h.state(q);
      assert.equal(s.state, 'needsAuth');
      assert.match(s.lastError ?? '', /no API token is set/);

      token = fake.token;
      await h.outbox.resumeAuth('slack');
      await h.pass();
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(fake.botMessages().length, 1);
    });

    it('a revoked token is auth too; hostile error bodies never echo the token', async () => {
      const { fake, sender } = await setup();
      const messages: string[] = [];
      const collect = async (p: Promise<unknown>, kind: string) => {
        try {
          await p;
          assert.fail('expected a failure');
        } catch (e) {
          assert.ok(e instanceof ProviderError, String(e));
          assert.equal(e.kind, kind, e.message);
          messages.push(e.message);
        }
      };
      // An error word that is no word (here the token itself) is not repeated.
      fake.inject(
        { type: 'reply', reply: { json: { ok: false, error: fake.token } } },
        1,
        (r) => r.path === '/api/conversations.open',
      );
      await collect(sender.send(ruQuestion()), 'badRequest');
      // A proxy's plain-text page repeating the Authorization header.
      fake.inject(
        {
          type: 'reply',
          reply: { status: 400, raw: `Bad request: Authorization: Bearer ${fake.token}` },
        },
        1,
        (r) => r.path === '/api/conversations.open',
      );
      await collect(sender.send(ruQuestion()), 'badRequest');
      fake.revoke();
      await collect(sender.send(ruQuestion()), 'auth');
      assert.match(messages[2], /no longer valid \(token_revoked\)/);
      for (const m of messages) assert.ok(!m.includes(fake.token) && !m.includes('Zk3fAke'), m);
    });
  });

  describe('exactly once', () => {
    it('a post Slack stored but whose answer was lost is reconciled from history, not posted twice', async () => {
      const { fake, h, clock } = await setup({ deadlineMs: 800 });
      fake.inject({ type: 'delay', ms: 1500 }, 1, (r) => r.path === '/api/chat.postMessage');
      const q = await h.ask(ruQuestion());
      const t0 = clock.now();
      await h.pass();
      const s = await h.state(q);
      assert.equal(s.state, 'unknown');
      assert.ok(s.nextAttemptAt! - t0 >= 10_000, 'waits reconcileDelayMs');
      await until(() => fake.botMessages().length === 1);
      await h.later(q);
      const sent = await h.state(q);
      assert.equal(sent.state, 'sent');
      const dm = fake.dmWith(ANNA)!;
      assert.equal(sent.remoteId, `${dm.id}:${fake.topLevel(dm.id)[0].ts}`);
      assert.match(sent.remoteUrl ?? '', /^https:\/\/acme-ru\.slack\.com\/archives\/D0/);
      assert.equal(fake.calls('chat.postMessage').length, 1, 'not posted again');
      const history = fake.calls('conversations.history')[0];
      assert.equal(history.query.get('channel'), dm.id);
      assert.equal(history.query.get('oldest'), slackTs(Date.parse(q.createdAt) - 60_000));
      assert.equal(history.query.get('limit'), '200');
    });

    it('a send cut before Slack stored it: reconcile finds nothing, posted once', async () => {
      const { fake, h } = await setup();
      fake.inject({ type: 'cut' }, 1, (r) => r.path === '/api/chat.postMessage');
      const q = await h.ask(ruQuestion());
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      await h.later(q);
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(fake.calls('conversations.history').length, 1);
      assert.equal(fake.botMessages().length, 1);
    });

    it('reconcile pages through history (newest first) and ignores a person’s copy of the marker', async () => {
      const { fake, sender } = await setup({ channel: 'C0SALES001' });
      const q = ruQuestion({ createdAt: new Date(Date.now() - 5_000).toISOString() }, null);
      const ref = await sender.send(q);
      fake.say('C0SALES001', 'U05SALES02', `Коллеги, смотрите ${questionMarker(q.id)}`);
      for (let i = 0; i < 5; i++) fake.say('C0SALES001', 'U05SALES02', `Сообщение №${i + 1}`);
      fake.maxPage = 2;
      assert.deepEqual(await sender.reconcile!(q), ref);
      const pages = fake.calls('conversations.history');
      assert.equal(pages.length, 4);
      assert.ok(pages.slice(1).every((p) => p.query.get('cursor')));
      assert.equal(await sender.reconcile!(ruQuestion({}, null)), undefined);
    });

    it('a channel given by name is looked up for reconcile; without channels:read it says to use the id', async () => {
      const { fake, h } = await setup({ channel: '#sales', deadlineMs: 800 });
      fake.inject({ type: 'delay', ms: 1500 }, 1, (r) => r.path === '/api/chat.postMessage');
      const q = await h.ask(ruQuestion({}, null));
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      await until(() => fake.botMessages().length === 1);
      await h.later(q);
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(fake.calls('conversations.list').length, 1);
      assert.equal(fake.calls('conversations.history')[0].query.get('channel'), 'C0SALES001');
      assert.equal(fake.botMessages().length, 1);

      const noRead = await setup({
        channel: 'sales',
        scopes: AllSlackScopes.filter((s) => s !== 'channels:read'),
      });
      await assert.rejects(
        noRead.sender.reconcile!(ruQuestion({}, null)),
        (e: unknown) =>
          e instanceof ProviderError &&
          e.kind === 'forbidden' &&
          /needs the channels:read and groups:read scopes.*set customerContext\.slack\.channel to/.test(
            e.message,
          ),
      );
    });
  });

  describe('answers', () => {
    it('the first reply in the thread by someone else is the answer; the bot’s own are not', async () => {
      const { fake, h } = await setup();
      const q = await h.ask(ruQuestion());
      await h.pass();
      const s = await h.state(q);
      assert.equal(s.state, 'sent');
      const { channel, ts } = parseSlackRemoteId(s.remoteId)!;

      await h.checkAnswers();
      assert.equal(await h.answer(q), undefined, 'no reply yet');
      fake.botReply(channel, ts, 'Напоминание: вопрос ждёт ответа.');
      await h.checkAnswers();
      assert.equal(await h.answer(q), undefined, 'the bot’s own reply is no answer');

      const replyTs = fake.reply(
        channel,
        ts,
        ANNA,
        'Да, к запуску — <@U05SALES02|boris> подтвердит. См. <https://wiki.example.ru/sso|вики> &amp; договор &lt;№ 42&gt;.',
      );
      fake.reply(channel, ts, 'U05SALES02', 'Подтверждаю.');
      await h.checkAnswers();
      const a = await h.answer(q);
      assert.deepEqual(a, {
        text: 'Да, к запуску — @boris подтвердит. См. вики (https://wiki.example.ru/sso) & договор <№ 42>.',
        by: 'Аня Петрова',
        at: slackTsToIso(replyTs),
      });
      assert.equal(fake.calls('users.info').length, 1);
      assert.equal(fake.calls('conversations.replies')[0].query.get('ts'), ts);

      // Another question answered by the same person: the name comes from the cache.
      const q2 = await h.ask(ruQuestion());
      await h.pass();
      const r2 = parseSlackRemoteId((await h.state(q2)).remoteId)!;
      fake.reply(r2.channel, r2.ts, ANNA, 'Нет, можно позже.');
      const before = apiCalls(fake).length;
      await h.checkAnswers();
      assert.equal((await h.answer(q2))?.by, 'Аня Петрова');
      assert.equal(fake.calls('users.info').length, 1);
      assert.equal(apiCalls(fake).length - before, 1, 'warm: one conversations.replies');
    });

    it('replies are read page by page; the parent heading each page is skipped', async () => {
      const { fake, sender } = await setup();
      const q = ruQuestion();
      const ref = await sender.send(q);
      const { channel, ts } = parseSlackRemoteId(ref.remoteId)!;
      for (let i = 0; i < 3; i++) fake.botReply(channel, ts, `Напоминание ${i + 1}`);
      fake.reply(channel, ts, 'U05SALES02', 'Отвечу за Анну: нужен.');
      fake.maxPage = 2;
      const a = await sender.answer!(q, ref);
      assert.equal(a?.text, 'Отвечу за Анну: нужен.');
      assert.equal(a?.by, 'Борис Смирнов', 'real name when no display name is set');
      const pages = fake.calls('conversations.replies');
      assert.equal(pages.length, 4);
      assert.equal(pages[0].query.get('cursor'), null);
      assert.ok(pages.slice(1).every((p) => p.query.get('cursor')));
    });

    it('without users:read the owner’s CRM name stands in; a foreign remote id reads nothing', async () => {
      const scopes = AllSlackScopes.filter((s) => s !== 'users:read');
      const { fake, sender } = await setup({ scopes });
      const q = ruQuestion();
      const ref = await sender.send(q);
      const { channel, ts } = parseSlackRemoteId(ref.remoteId)!;
      fake.reply(channel, ts, ANNA, 'Да.');
      assert.equal((await sender.answer!(q, ref))?.by, 'Анна Петрова');
      const before = apiCalls(fake).length;
      assert.equal(await sender.answer!(q, { remoteId: '18734567890' }), undefined);
      assert.equal(await sender.answer!(q, {}), undefined);
      assert.equal(apiCalls(fake).length, before);
    });
  });

  describe('route choice', () => {
    it('the bot when a bot token is set, else the webhook', async () => {
      const api = await started(new FakeSlackApi());
      const hook = await started(new SlackFake());
      let token = '';
      const http = createHttpClient(transport, {
        ...slackApiHttpOptions(api.url, async () => token),
        maxAttempts: 1,
      });
      const route = slackRouteSender({
        bot: slackBotSender(http, {}),
        webhook: async () => slackSender({ webhookUrl: hook.webhookUrl, transport }),
        hasBotToken: () => hasToken(async () => token),
      });
      assert.deepEqual(await route.send(ruQuestion()), {});
      assert.equal(hook.posted.length, 1);
      assert.equal(apiCalls(api).length, 0);
      assert.equal(await route.reconcile!(ruQuestion()), undefined);
      assert.equal(await route.answer!(ruQuestion(), {}), undefined);

      token = api.token;
      const ref = await route.send(ruQuestion());
      assert.match(ref.remoteId ?? '', /^D0\d+:/);
      assert.equal(api.botMessages().length, 1);
      assert.equal(hook.posted.length, 1);
      assert.equal(route.reconcileDelayMs, 10_000);
    });
  });

  describe('text and ids', () => {
    it('Slack’s markup becomes plain text', () => {
      assert.equal(slackText('<!here> срочно'), '@here срочно');
      assert.equal(slackText('<!subteam^S0SALES|@продажи> гляньте'), '@продажи гляньте');
      assert.equal(slackText('<#C0SALES001|sales> и <#C0DEALS002>'), '#sales и #C0DEALS002');
      assert.equal(slackText('<mailto:anna@example.ru|anna@example.ru>'), 'anna@example.ru');
      assert.equal(slackText('<https://example.ru/a>'), 'https://example.ru/a');
      assert.equal(slackText('&amp;lt; stays &lt; once'), '&lt; stays < once');
      assert.equal(slackText('1 < 2, no closing'), '1 < 2, no closing');
    });

    it('Slack’s error words → kinds; the API URL may end in /api', () => {
      const kind = (status: number, data: unknown) => slackClassify({ status, headers: {}, data });
      const words: Array<[string, string]> = [
        ['invalid_auth', 'auth'],
        ['not_authed', 'auth'],
        ['account_inactive', 'auth'],
        ['token_revoked', 'auth'],
        ['missing_scope', 'forbidden'],
        ['not_in_channel', 'badRequest'],
        ['channel_not_found', 'badRequest'],
        ['user_not_found', 'badRequest'],
        ['msg_too_long', 'badRequest'],
        ['invalid_blocks', 'badRequest'],
        ['ratelimited', 'rateLimited'],
        ['fatal_error', 'server'],
        ['thread_not_found', 'notFound'],
        ['something_new', 'badRequest'],
      ];
      for (const [error, k] of words) assert.equal(kind(200, { ok: false, error }), k, error);
      assert.equal(kind(429, { ok: false, error: 'ratelimited' }), 'rateLimited');
      assert.equal(kind(200, { ok: true, channel: 'C1', ts: '1.2' }), undefined);
      assert.equal(kind(502, '<html>Bad gateway</html>'), undefined, 'decided by the status');
      assert.equal(slackApiHttpOptions('https://slack.com/api/', 'x').baseUrl, 'https://slack.com');
      assert.equal(slackApiHttpOptions(' https://slack.com ', 'x').baseUrl, 'https://slack.com');
    });

    it('ts ⇄ time and remote ids', () => {
      assert.equal(slackTsToIso('1732960000.000100'), '2024-11-30T09:46:40.000Z');
      assert.equal(slackTsToIso('1732960000.123456'), '2024-11-30T09:46:40.123Z');
      assert.equal(slackTsToIso('nope'), undefined);
      assert.equal(slackTs(Date.parse('2024-11-30T09:46:40.123Z')), '1732960000.123000');
      assert.deepEqual(parseSlackRemoteId('D0123ABCD:1732960000.000100'), {
        channel: 'D0123ABCD',
        ts: '1732960000.000100',
      });
      const bad = ['1732960000.000100', 'd0123:1.2', 'C0123ABCD:', 'C0123ABCD:1.2:3', undefined];
      for (const id of bad) {
        assert.equal(parseSlackRemoteId(id), undefined, String(id));
      }
    });

    it('slackText is linear on hostile input (≤ 50 ms for up to 20,000 pieces)', () => {
      let worst = 0;
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom('<', '>', '&', '|', '@', '!', 'lt;', 'amp;', 'а', ' ', '\n'), {
            minLength: 1_000,
            maxLength: 20_000,
          }),
          (parts) => {
            const input = parts.join('');
            const t = performance.now();
            const out = slackText(input);
            const ms = performance.now() - t;
            worst = Math.max(worst, ms);
            assert.equal(typeof out, 'string');
            // A quadratic scan of these inputs takes seconds; 50 ms leaves room for a loaded machine.
            assert.ok(ms < 50, `${ms.toFixed(1)} ms for ${input.length} characters`);
          },
        ),
        { numRuns: 100 },
      );
      assert.ok(worst < 50);
    });
  });
});
