import * as assert from 'node:assert/strict';
import { createHttpClient, type HttpClient, type TokenSource } from '../../../src/core/http';
import { linearHttpOptions, linearTracker } from '../../../src/core/providers/linear/tracker';
import type { TicketTracker } from '../../../src/core/providers/types';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { rootField, startFakeLinear, type FakeLinear } from '../../fakes/linear';
import { rejects } from './assertions';

// Real time: the fakes compute reset headers from the clock.
let NOW = Date.now();

describe('Linear tracker', () => {
  let fake: FakeLinear;
  let delays: number[];

  function client(token: TokenSource = fake.apiKey): HttpClient {
    return createHttpClient(axiosTransport(), {
      ...linearHttpOptions({ apiUrl: `${fake.url}/graphql` }, token),
      now: () => NOW,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0,
    });
  }
  function tracker(token: TokenSource = fake.apiKey): TicketTracker {
    return linearTracker(client(token));
  }
  type Gql = { query: string; variables?: Record<string, unknown> };
  const gql = (i: number) => fake.requests[i].body as Gql;

  beforeEach(async () => {
    NOW = Date.now();
    delays = [];
    fake = await startFakeLinear();
  });
  afterEach(() => fake.stop());

  it('maps ENG-42 in one GraphQL POST, with the raw API key', async () => {
    const t = await tracker().getTicket('eng-42');
    assert.deepEqual(t, {
      key: 'ENG-42',
      title: 'CSV export times out',
      status: 'In Progress',
      url: 'https://linear.app/acme/issue/ENG-42/csv-export-times-out',
      assignee: 'Dana Dev',
      labels: ['customer-escalation', 'deal:D-1001'],
      // The GitHub PR attachment is not a deal.
      dealRefs: ['D-1001', 'https://app.hubspot.com/contacts/123/record/0-3/18734567890'],
      comments: [
        {
          id: 'c1a2b3c4-3333-4eee-8fff-000000000001',
          author: 'Sam Sales',
          created: '2026-09-01T10:15:00.000Z',
          text: '@dana Globex needs this **before renewal**.',
        },
        {
          id: 'c1a2b3c4-3333-4eee-8fff-000000000002',
          author: 'Linear',
          created: '2026-09-02T08:30:00.000Z',
          text: 'Synced from Slack',
        },
      ],
    });
    assert.equal(fake.requests.length, 1);
    const r = fake.requests[0];
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/graphql');
    assert.equal(r.headers.authorization, fake.apiKey);
    assert.match(String(r.headers['content-type']), /application\/json/);
    assert.equal(rootField(gql(0).query), 'issue');
    assert.deepEqual(gql(0).variables, { id: 'ENG-42' });
    const selected = ['title', 'state { name }', 'assignee { name }', 'labels(', 'attachments('];
    for (const f of [...selected, 'comments(', 'user { name }']) {
      assert.ok(gql(0).query.includes(f), f);
    }
  });

  it('whoAmI uses viewer', async () => {
    assert.equal(await tracker().whoAmI!(), 'Dana Dev <dana@acme.com>');
    assert.equal(rootField(gql(0).query), 'viewer');
  });

  it('sends OAuth tokens with Bearer, API keys raw', async () => {
    const apiUrl = 'https://api.linear.app/graphql';
    const opts = linearHttpOptions({ apiUrl }, 'lin_oauth_abc123');
    const auth = opts.auth!;
    assert.deepEqual(await auth(), { Authorization: 'Bearer lin_oauth_abc123' });
  });

  it('unknown issue (HTTP 200 + errors) → notFound with the vendor message', async () => {
    const e = await rejects(tracker().getTicket('ENG-999'), 'notFound');
    assert.equal(e.message, 'Linear: ENG-999 was not found. Could not find referenced Issue.');
    assert.equal(fake.requests.length, 1);
  });

  it('wrong key → auth, never the key; Bearer with an API key is refused too', async () => {
    const bad = 'lin_api_wrongwrongwrong';
    const e = await rejects(tracker(bad).getTicket('ENG-42'), 'auth', bad);
    const vendor = 'You need to authenticate to access this operation.';
    assert.equal(e.message, `Linear: HTTP 401 — ${vendor} Set a new API token.`);
    fake.requests.length = 0;
    const bearer = linearTracker(
      createHttpClient(axiosTransport(), {
        ...linearHttpOptions({ apiUrl: `${fake.url}/graphql` }, fake.apiKey),
        auth: async () => ({ Authorization: `Bearer ${fake.apiKey}` }),
      }),
    );
    await rejects(bearer.getTicket('ENG-42'), 'auth', fake.apiKey);
    assert.equal(fake.requests[0].headers.authorization, `Bearer ${fake.apiKey}`);
  });

  it('no key → auth before any request', async () => {
    await rejects(tracker(async () => '').getTicket('ENG-42'), 'auth');
    assert.equal(fake.requests.length, 0);
  });

  it('RATELIMITED as HTTP 400 is retried after the reset header, then answered', async () => {
    fake.rateLimit({ resetInMs: 1500 });
    assert.equal((await tracker().getTicket('ENG-42')).key, 'ENG-42');
    assert.equal(fake.requests.length, 2);
    assert.equal(delays.length, 1);
    assert.ok(delays[0] > 0 && delays[0] <= 2500, String(delays[0]));
  });

  it('RATELIMITED with a far reset → rateLimited with retryAt; Retry-After wins', async () => {
    fake.rateLimit({ resetInMs: 600_000 });
    const e = await rejects(tracker().getTicket('ENG-42'), 'rateLimited');
    assert.ok(e.details.retryAt! > NOW + 590_000, String(e.details.retryAt));
    assert.match(e.message, /Too many requests\. Please try again later\./);
    fake.rateLimit({ status: 429, resetInMs: 600_000, retryAfter: 3 });
    await tracker().getTicket('ENG-42');
    assert.deepEqual(delays, [3000]);
  });

  it('FORBIDDEN → forbidden; internal error → server after retries', async () => {
    const userPresentableMessage = 'You do not have access to this team.';
    const forbidden = { code: 'FORBIDDEN', type: 'forbidden', userPresentableMessage };
    const json = { errors: [{ message: 'Forbidden', extensions: forbidden }], data: null };
    fake.inject({ type: 'reply', reply: { json } });
    const e1 = await rejects(tracker().getTicket('ENG-42'), 'forbidden');
    assert.match(e1.message, /^Linear: You do not have access to this team\./);
    assert.equal(fake.requests.length, 1);
    const internal = { type: 'internal error', code: 'INTERNAL_SERVER_ERROR' };
    const json2 = { errors: [{ message: 'Internal error', extensions: internal }], data: null };
    fake.inject({ type: 'reply', reply: { json: json2 } }, 3);
    await rejects(tracker().getTicket('ENG-42'), 'server');
    assert.equal(fake.requests.length, 4);
  });

  it('a GraphQL validation error (HTTP 400) → badRequest with the message', async () => {
    const http = client();
    const body = { query: '{ nope { id } }' };
    const e = await rejects(http.request({ method: 'POST', path: '', body }), 'badRequest');
    assert.match(e.message, /HTTP 400 — Cannot query field "nope" on type "Query"\./);
    assert.equal(fake.requests.length, 1);
  });

  it('wrong shapes → invalidResponse naming the JSON path', async () => {
    const nullTitle = { data: { issue: { identifier: 'ENG-42', title: null, url: 'u' } } };
    fake.inject({ type: 'reply', reply: { json: nullTitle } });
    const e = await rejects(tracker().getTicket('ENG-42'), 'invalidResponse');
    assert.match(e.message, /data\.issue\.title: expected string, got null/);
    assert.equal(e.details.where, 'data.issue.title');
  });

  it('concurrent lookups of the same issue share one POST', async () => {
    fake.inject({ type: 'delay', ms: 50 });
    const t = tracker();
    const [a, b] = await Promise.all([t.getTicket('ENG-42'), t.getTicket('ENG-42')]);
    assert.deepEqual(a, b);
    assert.equal(fake.requests.length, 1);
  });

  describe('the fake’s commentCreate mutation (for question routes)', () => {
    it('stores the comment and rejects an empty body', async () => {
      const http = client();
      const query =
        'mutation Ask($input: CommentCreateInput!) { commentCreate(input: $input) ' +
        '{ success comment { id url body createdAt user { id name } } } }';
      const ask = (body: string) => {
        const variables = { input: { issueId: 'ENG-42', body } };
        return http.request({ method: 'POST', path: '', body: { query, variables } });
      };
      const res = await ask('When is the renewal?');
      type Payload = { commentCreate: { success: boolean; comment: { body: string } } };
      const data = res.data as { data: Payload };
      assert.equal(data.data.commentCreate.success, true);
      assert.equal(data.data.commentCreate.comment.body, 'When is the renewal?');
      const posted = fake.posted.map((p) => [p.issueId, p.body]);
      assert.deepEqual(posted, [['ENG-42', 'When is the renewal?']]);
      assert.equal((await tracker().getTicket('ENG-42')).comments.length, 3);
      const e = await rejects(ask(''), 'badRequest');
      assert.match(e.message, /body must not be empty/);
    });
  });
});
