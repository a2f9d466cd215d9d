// Each sender against its vendor fake through real axios (src/vscode/axiosTransport) and the real
// HttpClient, and through the real Outbox where delivery semantics are the point.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProviderError } from '../../../src/core/errors';
import {
  createHttpClient,
  type HttpClient,
  type HttpTransport,
  type ProviderHttpOptions,
} from '../../../src/core/http';
import { githubHttpOptions } from '../../../src/core/providers/github/tracker';
import { hubspotHttpOptions } from '../../../src/core/providers/hubspot/crm';
import { jiraHttpOptions } from '../../../src/core/providers/jira/tracker';
import { linearHttpOptions } from '../../../src/core/providers/linear/tracker';
import { pipedriveHttpOptions } from '../../../src/core/providers/pipedrive/crm';
import { salesforceHttpOptions } from '../../../src/core/providers/salesforce/crm';
import { questionMarker } from '../../../src/core/questions/messages';
import { Outbox, type RouteSender } from '../../../src/core/questions/outbox';
import type { Question, RouteName } from '../../../src/core/questions/question';
import { githubCommentSender } from '../../../src/core/providers/github/comments';
import { hubspotTaskSender, taskAnswer } from '../../../src/core/providers/hubspot/tasks';
import { jiraCommentSender } from '../../../src/core/providers/jira/comments';
import { linearCommentSender } from '../../../src/core/providers/linear/comments';
import { pipedriveActivitySender } from '../../../src/core/providers/pipedrive/activities';
import { salesforceTaskSender } from '../../../src/core/providers/salesforce/tasks';
import { slack } from '../../../src/core/providers/slack/index';
import { slackSender } from '../../../src/core/providers/slack/sender';
import { teams } from '../../../src/core/providers/teams/index';
import { teamsSender } from '../../../src/core/providers/teams/sender';
import { answersFromComments } from '../../../src/core/questions/routes';
import { checkWebhookUrl } from '../../../src/core/questions/webhook';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import type { FakeServer } from '../../fakes/fakeServer';
import { FakeGitHub } from '../../fakes/github';
import { FakeHubspot } from '../../fakes/hubspot';
import { FakeJira } from '../../fakes/jira';
import { FakeLinear } from '../../fakes/linear';
import { FakePipedrive } from '../../fakes/pipedrive';
import { FakeSalesforce } from '../../fakes/salesforce';
import { SlackFake } from '../../fakes/slack';
import { TeamsFake } from '../../fakes/teams';
import { aDeal, aQuestion, manualClock } from './fixtures';

const transport = axiosTransport();

/** The real client with short limits: a POST that outlives `deadlineMs` fails as offline. */
function client(opts: ProviderHttpOptions, deadlineMs = 800): HttpClient {
  return createHttpClient(transport, {
    ...opts,
    timeoutMs: deadlineMs,
    deadlineMs,
    sleep: async () => undefined,
  });
}

async function until(cond: () => boolean, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An Outbox on a fresh directory with a hand-moved clock, for one route. */
async function harness(route: RouteName, sender: RouteSender) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-routes-'));
  const clock = manualClock(Date.now());
  const outbox = new Outbox(path.join(root, 'outbox'), {
    owner: 'test',
    now: clock.now,
    random: () => 0.5,
  });
  const h = {
    outbox,
    clock,
    /** Queues `q` as asked now (answers are only looked for on recent questions). */
    async ask(q: Question) {
      q.createdAt = new Date(clock.now()).toISOString();
      await outbox.enqueue(q, [route]);
      return q;
    },
    async pass() {
      await outbox.process({ [route]: sender });
    },
    async state(q: Question) {
      return (await outbox.get(q.id))!.routes[route]!;
    },
    /** Moves the clock to the route's next attempt and runs a pass. */
    async later(q: Question) {
      const s = await h.state(q);
      if (s.nextAttemptAt !== undefined) clock.set(s.nextAttemptAt);
      await h.pass();
    },
    cleanup: () => fs.rm(root, { recursive: true, force: true }),
  };
  return h;
}

const fakes: FakeServer[] = [];
const cleanups: Array<() => Promise<void>> = [];
async function started<T extends FakeServer>(fake: T): Promise<T> {
  await fake.start();
  fakes.push(fake);
  return fake;
}

afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop();
  for (const c of cleanups.splice(0)) await c();
});

async function outboxFor(route: RouteName, sender: RouteSender) {
  const h = await harness(route, sender);
  cleanups.push(h.cleanup);
  return h;
}

const posts = (fake: FakeServer) => fake.requests.filter((r) => r.method === 'POST');

describe('question routes', () => {
  describe('webhook URL pinning', () => {
    it('accepts the vendor hosts and loopback, refuses others without echoing the secret', () => {
      assert.equal(
        checkWebhookUrl(slack.webhook!, 'https://hooks.slack.com/services/T1/B1/xyz').hostname,
        'hooks.slack.com',
      );
      assert.ok(
        checkWebhookUrl(teams.webhook!,
          'https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=s',
        ),
      );
      assert.ok(
        checkWebhookUrl(teams.webhook!,
          'https://default1.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/x/triggers/manual/paths/invoke?sig=s',
        ),
      );
      assert.ok(checkWebhookUrl(teams.webhook!, 'https://acme.webhook.office.com/webhookb2/x'));
      assert.ok(checkWebhookUrl(slack.webhook!, 'http://127.0.0.1:9/services/T/B/x'));
      const refused = [
        ['slack', 'https://hooks.slack.com.evil.example/services/T/B/SECRETPART'],
        ['slack', 'http://hooks.slack.com/services/T/B/SECRETPART'],
        ['slack', 'https://evil.example/services/T/B/SECRETPART'],
        ['teams', 'https://logic.azure.com.evil.example/workflows/SECRETPART'],
        ['teams', 'https://hooks.slack.com/SECRETPART'],
        ['slack', 'https://user:SECRETPART@hooks.slack.com/x'],
        ['slack', 'not a url SECRETPART'],
      ] as const;
      for (const [kind, url] of refused) {
        assert.throws(
          () => checkWebhookUrl({ slack, teams }[kind].webhook!, url),
          (e: unknown) =>
            e instanceof ProviderError &&
            e.kind === 'notConfigured' &&
            !e.message.includes('SECRETPART'),
          url,
        );
      }
      // No URL at all is like no token: the question waits for one (needsAuth).
      assert.throws(
        () => checkWebhookUrl(teams.webhook!, ' '),
        (e: unknown) => e instanceof ProviderError && e.kind === 'auth',
      );
    });

    it('never calls the transport for a refused host', async () => {
      let called = 0;
      const spy: HttpTransport = async () => {
        called++;
        return { status: 200, headers: {}, data: 'ok' };
      };
      const s = slackSender({
        webhookUrl: 'https://attacker.example/services/T/B/x',
        transport: spy,
      });
      await assert.rejects(
        s.send(aQuestion()),
        (e: unknown) => e instanceof ProviderError && e.kind === 'notConfigured',
      );
      assert.equal(called, 0);
    });
  });

  describe('Slack', () => {
    it('posts the Block Kit payload the webhook accepts (ok, text/plain)', async () => {
      const slack = await started(new SlackFake());
      const q = aQuestion();
      assert.deepEqual(await slackSender({ webhookUrl: slack.webhookUrl, transport }).send(q), {});
      assert.equal(slack.posted.length, 1);
      const body = JSON.stringify(slack.posted[0]);
      assert.ok(body.includes('<@U024BE7LH>') && body.includes(questionMarker(q.id)));
      assert.equal(posts(slack)[0].headers['content-type'], 'application/json');
    });

    it('a 429 storm is rescheduled by Retry-After each time and delivered once', async () => {
      const slack = await started(new SlackFake());
      slack.rateLimit(3, 7);
      const h = await outboxFor(
        'slack',
        slackSender({ webhookUrl: slack.webhookUrl, transport, now: () => h.clock.now() }),
      );
      const q = await h.ask(aQuestion());
      for (let i = 0; i < 3; i++) {
        const before = h.clock.now();
        await h.pass();
        const s = await h.state(q);
        assert.equal(s.state, 'queued');
        assert.equal(s.nextAttemptAt, before + 7000, 'Retry-After: 7');
        assert.match(s.lastError ?? '', /too many messages \(rate_limited\)/);
        await h.pass();
        assert.equal(posts(slack).length, i + 1, 'nothing before Retry-After');
        h.clock.advance(7000);
      }
      await h.pass();
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(slack.posted.length, 1);
      assert.equal(posts(slack).length, 4);
    });

    it('a revoked webhook (404 no_service) parks the question until a new URL is set', async () => {
      const slack = await started(new SlackFake());
      slack.revoke();
      let url = slack.webhookUrl;
      const h = await outboxFor('slack', {
        send: (q, signal) => slackSender({ webhookUrl: url, transport }).send(q, signal),
      });
      const q = await h.ask(aQuestion());
      await h.pass();
      const s = await h.state(q);
      assert.equal(s.state, 'needsAuth');
      assert.match(s.lastError ?? '', /no_service.*Set a new Slack webhook URL/);
      assert.ok(
        !s.lastError?.includes(slack.hookPath.split('/').pop()!),
        'the secret never reaches the outbox',
      );
      const fresh = await started(new SlackFake());
      url = fresh.webhookUrl;
      await h.outbox.resumeAuth('slack');
      await h.pass();
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(fresh.posted.length, 1);
    });

    it('invalid_payload (400) fails the route with Slack’s word for it', async () => {
      const slack = await started(new SlackFake());
      slack.inject({
        type: 'reply',
        reply: { status: 400, raw: 'invalid_payload', headers: { 'content-type': 'text/plain' } },
      });
      const h = await outboxFor('slack', slackSender({ webhookUrl: slack.webhookUrl, transport }));
      const q = await h.ask(aQuestion());
      await h.pass();
      const s = await h.state(q);
      assert.equal(s.state, 'failed');
      assert.match(s.lastError ?? '', /HTTP 400 \(invalid_payload\)/);
    });

    it('connection cut mid-send: resent after backoff (at-least-once), delivered once here', async () => {
      const slack = await started(new SlackFake());
      slack.inject({ type: 'cut' });
      const h = await outboxFor('slack', slackSender({ webhookUrl: slack.webhookUrl, transport }));
      const q = await h.ask(aQuestion());
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      await h.later(q);
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(slack.posted.length, 1);
    });

    it('documents the limit: delivered but the answer lost → a webhook may show it twice', async () => {
      const slack = await started(new SlackFake());
      slack.inject({ type: 'delay', ms: 1200 });
      const h = await outboxFor(
        'slack',
        slackSender({ webhookUrl: slack.webhookUrl, transport, timeoutMs: 500 }),
      );
      const q = await h.ask(aQuestion());
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      await until(() => slack.posted.length === 1);
      await h.later(q);
      assert.equal(slack.posted.length, 2);
    });
  });

  describe('Teams', () => {
    it('posts an Adaptive Card the Workflows trigger accepts (202)', async () => {
      const teams = await started(new TeamsFake());
      await teamsSender({ webhookUrl: teams.webhookUrl, transport }).send(aQuestion());
      assert.equal(teams.posted.length, 1);
      const card = (teams.posted[0] as { attachments: Array<{ content: { version: string } }> })
        .attachments[0].content;
      assert.equal(card.version, '1.4');
    });

    it('a wrong signature (401) → needsAuth; a refused card (400) → failed with the code', async () => {
      const teams = await started(new TeamsFake());
      const bad = await outboxFor(
        'teams',
        teamsSender({ webhookUrl: teams.webhookUrl.replace(teams.sig, 'wrong'), transport }),
      );
      const q1 = await bad.ask(aQuestion());
      await bad.pass();
      assert.equal((await bad.state(q1)).state, 'needsAuth');
      assert.ok(!(await bad.state(q1)).lastError?.includes('wrong'));

      teams.inject({
        type: 'reply',
        reply: {
          status: 400,
          json: { error: { code: 'MessageTooLarge', message: 'The message is too large.' } },
        },
      });
      const h = await outboxFor('teams', teamsSender({ webhookUrl: teams.webhookUrl, transport }));
      const q2 = await h.ask(aQuestion());
      await h.pass();
      assert.equal((await h.state(q2)).state, 'failed');
      assert.match((await h.state(q2)).lastError ?? '', /MessageTooLarge/);
    });

    it('the largest question we allow fits what Teams accepts', async () => {
      const teams = await started(new TeamsFake());
      const q = aQuestion({
        text: 'q'.repeat(4000),
        excerpt: { file: 'a.ts', startLine: 1, endLine: 60, text: 'x = 1;\n'.repeat(6000) },
      });
      await teamsSender({ webhookUrl: teams.webhookUrl, transport }).send(q);
      assert.equal(teams.posted.length, 1);
    });
  });

  describe('Jira', () => {
    const jiraQuestion = () =>
      aQuestion({
        ticket: {
          key: 'ENG-42',
          title: 'CSV export times out',
          url: 'https://acme.atlassian.net/browse/ENG-42',
        },
      });

    async function cloud() {
      const jira = await started(new FakeJira());
      const http = client(
        jiraHttpOptions({ baseUrl: jira.url, deployment: 'cloud', email: jira.email }, jira.token),
      );
      return { jira, sender: jiraCommentSender(http, { deployment: 'cloud', mention: true }) };
    }

    it('Cloud: posts an ADF comment (with the owner mentioned when Jira knows them)', async () => {
      const { jira, sender } = await cloud();
      jira.on('GET', '/rest/api/3/user/search', (req) =>
        req.query.get('query') === 'anna.petrova@example.com'
          ? { json: [{ accountId: '712020:anna', displayName: 'Anna Petrova' }] }
          : { json: [] },
      );
      const q = jiraQuestion();
      const ref = await sender.send(q);
      assert.equal(jira.posted.length, 1);
      const body = jira.posted[0].body as {
        type: string;
        content: Array<{ content?: Array<{ type: string; attrs?: { id?: string } }> }>;
      };
      assert.equal(body.type, 'doc');
      assert.deepEqual(body.content[0].content?.[0], {
        type: 'mention',
        attrs: { id: '712020:anna', text: '@Anna Petrova' },
      });
      assert.match(ref.remoteId ?? '', /^\d+$/);
      assert.equal(
        ref.remoteUrl,
        `https://acme.atlassian.net/browse/ENG-42?focusedCommentId=${ref.remoteId}`,
      );
    });

    it('a failed user lookup only drops the mention', async () => {
      const { jira, sender } = await cloud();
      await sender.send(jiraQuestion());
      assert.ok(!JSON.stringify(jira.posted[0].body).includes('"mention"'));
    });

    it('connection cut mid-send, then reconcile: exactly one comment', async () => {
      const { jira, sender } = await cloud();
      jira.inject({ type: 'cut' }, 1, (r) => r.method === 'POST');
      const h = await outboxFor('ticketComment', sender);
      const q = await h.ask(jiraQuestion());
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      await h.later(q);
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(jira.posted.length, 1);
    });

    it('delivered but the answer lost (timeout), then reconcile finds it: no duplicate', async () => {
      const { jira, sender } = await cloud();
      jira.inject({ type: 'delay', ms: 1500 }, 1, (r) => r.method === 'POST');
      const h = await outboxFor('ticketComment', sender);
      const q = await h.ask(jiraQuestion());
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      await until(() => jira.posted.length === 1);
      await h.later(q);
      const s = await h.state(q);
      assert.equal(s.state, 'sent');
      assert.match(s.remoteId ?? '', /^\d+$/);
      assert.equal(jira.posted.length, 1, 'not posted again');
    });

    it('401 → needsAuth; after a new token and resumeAuth it is sent', async () => {
      const jira = await started(new FakeJira());
      let token = 'wrong-token-value';
      const http = client(
        jiraHttpOptions(
          { baseUrl: jira.url, deployment: 'cloud', email: jira.email },
          async () => token,
        ),
      );
      const h = await outboxFor('ticketComment', jiraCommentSender(http, { deployment: 'cloud' }));
      const q = await h.ask(jiraQuestion());
      await h.pass();
      assert.equal((await h.state(q)).state, 'needsAuth');
      token = jira.token;
      await h.outbox.resumeAuth('ticketComment');
      await h.pass();
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(jira.posted.length, 1);
    });

    it('Data Center: a wiki-markup comment through REST v2', async () => {
      const jira = await started(new FakeJira({ deployment: 'datacenter' }));
      const http = client(
        jiraHttpOptions({ baseUrl: jira.url, deployment: 'datacenter' }, jira.token),
      );
      const sender = jiraCommentSender(http, { deployment: 'datacenter' });
      const q = jiraQuestion();
      await sender.send(q);
      assert.equal(jira.posted[0].api, '2');
      assert.equal(typeof jira.posted[0].body, 'string');
      assert.ok((jira.posted[0].body as string).includes(questionMarker(q.id)));
      assert.ok(await sender.reconcile!(q));
    });

    it('reads the sales answer: a later comment by someone else', async () => {
      const { jira, sender } = await cloud();
      const h = await outboxFor('ticketComment', sender);
      const q = await h.ask(jiraQuestion());
      await h.pass();
      const page = jira.issues.get('ENG-42')!.fields.comment as { comments: unknown[] };
      page.comments.push({
        id: '99999',
        author: { accountId: '712020:anna', displayName: 'Anna Petrova' },
        body: {
          type: 'doc',
          version: 1,
          content: [
            { type: 'paragraph', content: [{ type: 'text', text: 'Yes, SSO at launch.' }] },
          ],
        },
        created: new Date(Date.now() + 60_000).toISOString(),
      });
      await h.outbox.checkAnswers({ ticketComment: sender });
      const answer = (await h.outbox.get(q.id))?.answer;
      assert.equal(answer?.text, 'Yes, SSO at launch.');
      assert.equal(answer?.by, 'Anna Petrova');
    });
  });

  describe('answersFromComments', () => {
    it('returns later comments by others, not ours, not earlier ones, not other questions', () => {
      const q = aQuestion();
      const other = aQuestion();
      const comments = [
        { id: '1', author: 'anna', created: '2026-10-01T08:00:00Z', text: 'before' },
        { id: '2', author: 'dana', created: '2026-10-01T09:13:00Z', text: `question ${questionMarker(q.id)}` },
        { id: '3', author: 'dana', created: '2026-10-01T09:20:00Z', text: 'me again' },
        { id: '6', author: 'bob', created: '2026-10-01T11:00:00Z', text: 'Only for the second one.' },
        { id: '4', author: 'anna', created: '2026-10-01T10:00:00Z', text: 'Yes.' },
        { id: '5', author: 'dana', created: '2026-10-01T10:30:00Z', text: `second ${questionMarker(other.id)}` },
      ];
      assert.deepEqual(answersFromComments(q, comments).map((c) => c.id), ['4']);
      // A reply belongs to the latest question above it: two open questions never share an answer.
      assert.deepEqual(answersFromComments(other, comments).map((c) => c.id), ['6']);
      assert.deepEqual(answersFromComments(aQuestion(), comments), []);
    });
  });

  describe('GitHub', () => {
    const ghQuestion = () =>
      aQuestion({
        ticket: { key: '#42', title: 'CSV export', url: 'https://github.com/acme/app/issues/42' },
      });

    it('posts Markdown; delivered-but-timed-out is reconciled; the answer is read back', async () => {
      const gh = await started(new FakeGitHub());
      const http = client(githubHttpOptions({ apiUrl: gh.url }, gh.token));
      const sender = githubCommentSender(http, { repository: 'acme/app' });
      gh.inject({ type: 'delay', ms: 1500 }, 1, (r) => r.method === 'POST');
      const h = await outboxFor('ticketComment', sender);
      const q = await h.ask(ghQuestion());
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      await until(() => gh.posted.length === 1);
      await h.later(q);
      const s = await h.state(q);
      assert.equal(s.state, 'sent');
      assert.match(s.remoteUrl ?? '', /#issuecomment-\d+$/);
      assert.equal(gh.posted.length, 1);
      assert.ok(String(gh.posted[0].body).includes('**Question for sales**'));

      gh.comments.get(42)!.push({
        id: 1,
        user: { login: 'sam-sales' },
        body: 'Globex needs SSO at launch.',
        created_at: new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
      await h.outbox.checkAnswers({ ticketComment: sender });
      assert.deepEqual((await h.outbox.get(q.id))?.answer?.by, 'sam-sales');
    });

    it('a missing repository setting → failed, naming the setting', async () => {
      const gh = await started(new FakeGitHub());
      const h = await outboxFor(
        'ticketComment',
        githubCommentSender(client(githubHttpOptions({ apiUrl: gh.url }, gh.token)), {
          repository: '',
        }),
      );
      const q = await h.ask(ghQuestion());
      await h.pass();
      assert.equal((await h.state(q)).state, 'failed');
      assert.match((await h.state(q)).lastError ?? '', /customerContext\.github\.repository/);
    });
  });

  describe('Linear', () => {
    it('commentCreate with Markdown; a cut is reconciled to exactly one comment; answers read back', async () => {
      const linear = await started(new FakeLinear());
      const http = client(linearHttpOptions({ apiUrl: `${linear.url}/graphql` }, linear.apiKey));
      const sender = linearCommentSender(http);
      linear.inject({ type: 'cut' }, 1, (r) => JSON.stringify(r.body).includes('commentCreate'));
      const h = await outboxFor('ticketComment', sender);
      const q = await h.ask(
        aQuestion({ ticket: { key: 'ENG-42', title: 'CSV export times out' } }),
      );
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      await h.later(q);
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(linear.posted.length, 1);
      assert.ok(String(linear.posted[0].body).includes(questionMarker(q.id)));

      const issue = linear.issues.get('ENG-42') as { comments: { nodes: unknown[] } };
      issue.comments.nodes.push({
        id: 'c2',
        body: 'Q1 is fine.',
        createdAt: new Date(Date.now() + 60_000).toISOString(),
        user: { id: 'u-sam', name: 'Sam Sales' },
      });
      await h.outbox.checkAnswers({ ticketComment: sender });
      assert.deepEqual((await h.outbox.get(q.id))?.answer?.by, 'Sam Sales');
    });
  });

  describe('HubSpot', () => {
    async function setup() {
      const hub = await started(new FakeHubspot());
      const owner = hub.addOwner('Anna', 'Petrova', 'anna.petrova@example.com', '41629779');
      const dealId = hub.addDeal({ dealname: 'Globex renewal', hubspot_owner_id: owner });
      const http = client(hubspotHttpOptions(hub.url, hub.token));
      const q = aQuestion({
        deals: [aDeal({ id: dealId, owner: { name: 'Anna Petrova', crmId: owner } })],
      });
      return { hub, sender: hubspotTaskSender(http), q, dealId };
    }

    it('creates a task for the owner associated to the deal (216)', async () => {
      const { hub, sender, q, dealId } = await setup();
      const ref = await sender.send(q);
      const task = hub.tasks.get(ref.remoteId!)!;
      assert.equal(task.properties.hubspot_owner_id, '41629779');
      assert.equal(task.properties.hs_task_status, 'NOT_STARTED');
      assert.deepEqual(task.associations, [
        {
          to: { id: dealId },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 216 }],
        },
      ]);
    });

    it('delivered but timed out → waits for the search index → reconciled, one task; completion is the answer', async () => {
      const { hub, sender, q } = await setup();
      hub.inject({ type: 'delay', ms: 1500 }, 1, (r) => r.path === '/crm/v3/objects/tasks');
      const h = await outboxFor('crm', sender);
      await h.ask(q);
      const t0 = h.clock.now();
      await h.pass();
      const s = await h.state(q);
      assert.equal(s.state, 'unknown');
      assert.ok(s.nextAttemptAt! - t0 >= 15_000, 'reconcile waits for HubSpot search to catch up');
      await until(() => hub.tasks.size === 1);
      await h.later(q);
      const sent = await h.state(q);
      assert.equal(sent.state, 'sent');
      assert.equal(hub.tasks.size, 1);
      assert.equal(sent.remoteId, [...hub.tasks.keys()][0]);

      await h.outbox.checkAnswers({ crm: sender });
      assert.equal((await h.outbox.get(q.id))?.answer, undefined);
      hub.completeTask(sent.remoteId!);
      await h.outbox.checkAnswers({ crm: sender });
      assert.match((await h.outbox.get(q.id))?.answer?.text ?? '', /completed in HubSpot/);
    });

    it('a deal HubSpot does not know → failed with HubSpot’s message', async () => {
      const { sender } = await setup();
      const h = await outboxFor('crm', sender);
      const q = await h.ask(
        aQuestion({ deals: [aDeal({ id: '424242', owner: { name: 'A', crmId: '41629779' } })] }),
      );
      await h.pass();
      assert.equal((await h.state(q)).state, 'failed');
      assert.match((await h.state(q)).lastError ?? '', /deal 424242 does not exist/);
    });

    it('taskAnswer: text added below our message wins over the bare completion', () => {
      const q = aQuestion();
      const body = `<p>Question…</p><p><em>Sent with Customer Context · ${questionMarker(q.id)}</em></p><p>Yes, SSO at launch.</p>`;
      assert.equal(
        taskAnswer(q, { properties: { hs_task_body: body, hs_task_status: 'NOT_STARTED' } })?.text,
        'Yes, SSO at launch.',
      );
      assert.equal(
        taskAnswer(q, {
          properties: {
            hs_task_body: `<p>${questionMarker(q.id)}</p>`,
            hs_task_status: 'IN_PROGRESS',
          },
        }),
        undefined,
      );
    });
  });

  describe('Salesforce', () => {
    async function setup() {
      const sf = await started(new FakeSalesforce());
      const user = sf.addUser('Sam Sales', 'sam@example.com');
      const opp = sf.addOpportunity({
        Name: 'Globex renewal',
        OwnerId: user,
        StageName: 'Negotiation',
        CloseDate: '2026-12-15',
      });
      const http = client(salesforceHttpOptions(sf.url, sf.token));
      const q = aQuestion({
        deals: [aDeal({ id: opp, owner: { name: 'Sam Sales', crmId: user } })],
      });
      return { sf, sender: salesforceTaskSender(http), q, opp, user };
    }

    it('creates a Task (WhatId, OwnerId); a timeout is reconciled by SOQL on the Subject; completion answers', async () => {
      const { sf, sender, q, opp, user } = await setup();
      sf.inject({ type: 'delay', ms: 1500 }, 1, (r) => r.method === 'POST');
      const h = await outboxFor('crm', sender);
      await h.ask(q);
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      await until(() => sf.records.Task.size === 1);
      await h.later(q);
      const s = await h.state(q);
      assert.equal(s.state, 'sent');
      assert.equal(sf.records.Task.size, 1);
      const task = [...sf.records.Task.values()][0];
      assert.equal(task.WhatId, opp);
      assert.equal(task.OwnerId, user);
      assert.ok(
        sf.soql.some((x) =>
          /FROM Task WHERE WhatId = '\w+' AND Subject LIKE '%cc-question:/.test(x),
        ),
      );
      sf.completeTask(String(task.Id));
      await h.outbox.checkAnswers({ crm: sender });
      assert.match((await h.outbox.get(q.id))?.answer?.text ?? '', /completed in Salesforce/);
    });
  });

  describe('Pipedrive', () => {
    it('creates a task activity; a cut is reconciled by the deal’s activities; done answers', async () => {
      const pd = await started(new FakePipedrive());
      const user = pd.addUser('Pat Sales', 'pat@example.com');
      const deal = pd.addDeal({ title: 'Globex renewal', owner_id: user });
      const http = client(pipedriveHttpOptions(pd.url, pd.token));
      const sender = pipedriveActivitySender(http);
      pd.inject({ type: 'delay', ms: 1500 }, 1, (r) => r.method === 'POST');
      const h = await outboxFor('crm', sender);
      const q = await h.ask(
        aQuestion({
          deals: [aDeal({ id: String(deal), owner: { name: 'Pat Sales', crmId: String(user) } })],
        }),
      );
      await h.pass();
      assert.equal((await h.state(q)).state, 'unknown');
      await until(() => pd.activities.size === 1);
      await h.later(q);
      assert.equal((await h.state(q)).state, 'sent');
      assert.equal(pd.activities.size, 1);
      const a = [...pd.activities.values()][0];
      assert.equal(a.type, 'task');
      assert.equal(a.deal_id, deal);
      assert.equal(a.user_id, user);
      pd.completeActivity(a.id);
      await h.outbox.checkAnswers({ crm: sender });
      assert.match((await h.outbox.get(q.id))?.answer?.text ?? '', /done in Pipedrive/);
    });
  });
});
