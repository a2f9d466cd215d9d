import * as assert from 'node:assert/strict';
import { createHttpClient, type HttpClient, type TokenSource } from '../../../src/core/http';
import { githubHttpOptions, githubTracker } from '../../../src/core/providers/github/tracker';
import type { TicketTracker } from '../../../src/core/providers/types';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { startFakeGitHub, type FakeGitHub } from '../../fakes/github';
import { rejects } from './assertions';

// Real time: the fakes compute reset headers from the clock.
let NOW = Date.now();

describe('GitHub tracker', () => {
  let fake: FakeGitHub;
  let delays: number[];

  function client(token: TokenSource = fake.token, apiUrl = fake.url): HttpClient {
    return createHttpClient(axiosTransport(), {
      ...githubHttpOptions({ apiUrl }, token),
      now: () => NOW,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0,
    });
  }
  function tracker(repository = 'acme/app', token: TokenSource = fake.token): TicketTracker {
    return githubTracker(client(token), { repository });
  }

  beforeEach(async () => {
    NOW = Date.now();
    delays = [];
    fake = await startFakeGitHub();
  });
  afterEach(() => fake.stop());

  it('maps issue #42 with comments and deal refs from labels and CRM links', async () => {
    const t = await tracker().getTicket('#42');
    assert.deepEqual(t, {
      key: '#42',
      title: 'CSV export times out',
      status: 'open',
      url: 'https://github.com/acme/app/issues/42',
      assignee: 'dana',
      labels: ['customer-escalation', 'deal:18734567890'],
      // Not the docs link, not "2.3": only CRM links and explicit deal markers.
      dealRefs: [
        '18734567890',
        'https://app.hubspot.com/contacts/123/record/0-3/18734567891',
        '18734567892',
      ],
      comments: [
        {
          id: '3222000001',
          author: 'sam-sales',
          created: '2026-09-01T10:15:00Z',
          text: '@dana Globex needs this before renewal.',
        },
        {
          id: '3222000002',
          author: 'dana',
          created: '2026-09-02T08:30:00Z',
          text: 'Plan: stream rows, then add an index.',
        },
      ],
    });
    assert.deepEqual(
      fake.requests.map((r) => `${r.path}?${r.query.toString()}`),
      ['/repos/acme/app/issues/42?', '/repos/acme/app/issues/42/comments?per_page=100'],
    );
    const h = fake.requests[0].headers;
    assert.equal(h.authorization, `Bearer ${fake.token}`);
    assert.equal(h.accept, 'application/vnd.github+json');
    assert.equal(h['x-github-api-version'], '2022-11-28');
    assert.equal(h['user-agent'], 'customer-context-vscode');
  });

  it('skips the comments request when the issue has none', async () => {
    const html_url = 'https://github.com/acme/app/issues/7';
    const labels = ['deal:D-1'];
    fake.addIssue({ number: 7, title: 'Fresh', body: null, state: 'open', html_url, labels });
    const t = await tracker().getTicket('7');
    assert.deepEqual(t.comments, []);
    assert.deepEqual(t.dealRefs, ['D-1']);
    assert.equal(fake.requests.length, 1);
  });

  it('accepts pull requests, closed reasons, string labels and owner/repo#n keys', async () => {
    fake.addIssue({
      number: 77,
      title: 'Stream CSV rows',
      body: 'Fixes #42',
      state: 'closed',
      html_url: 'https://github.com/acme/app/pull/77',
      labels: [],
      pull_request: { url: 'https://api.github.com/repos/acme/app/pulls/77', merged_at: '2026-09' },
    });
    fake.addIssue({
      number: 8,
      title: 'Done',
      body: '',
      state: 'closed',
      state_reason: 'not_planned',
      html_url: 'https://github.com/acme/app/issues/8',
      labels: ['deal:D-9'],
    });
    assert.equal((await tracker().getTicket('#77')).status, 'merged pull request');
    const done = await tracker('').getTicket('acme/app#8');
    assert.equal(done.status, 'closed (not planned)');
    assert.deepEqual(done.labels, ['deal:D-9']);
  });

  it('works under a GitHub Enterprise /api/v3 prefix', async () => {
    await fake.stop();
    fake = await startFakeGitHub({ prefix: '/api/v3' });
    const http = client(fake.token, `${fake.url}/api/v3`);
    const t = await githubTracker(http, { repository: 'acme/app' }).getTicket('#42');
    assert.equal(t.key, '#42');
    assert.equal(fake.requests[0].path, '/api/v3/repos/acme/app/issues/42');
  });

  it('whoAmI uses /user', async () => {
    assert.equal(await tracker().whoAmI!(), 'Dana Dev (@dana)');
  });

  it('no repository → notConfigured naming it; bad key → notFound; nothing sent', async () => {
    const e = await rejects(tracker('').getTicket('#42'), 'notConfigured');
    assert.match(e.message, /customerContext\.github\.repository/);
    await rejects(tracker().getTicket('ENG-42'), 'notFound');
    assert.equal(fake.requests.length, 0);
  });

  it('bad token → auth with "Bad credentials", never the token', async () => {
    const bad = 'ghp_wrongWrongWrong';
    const e = await rejects(tracker('acme/app', bad).getTicket('#42'), 'auth', bad);
    assert.equal(e.message, 'GitHub: HTTP 401 — Bad credentials. Set a new API token.');
    assert.equal(fake.requests.length, 1);
  });

  it('unknown issue or repository → notFound with the vendor message', async () => {
    const e = await rejects(tracker().getTicket('#999'), 'notFound');
    assert.match(e.message, /acme\/app#999 was not found/);
    assert.equal(e.details.vendorMessage, 'Not Found');
    await rejects(tracker('acme/other').getTicket('#42'), 'notFound');
  });

  it('issues disabled → 410 badRequest with the vendor message', async () => {
    fake.issuesDisabled = true;
    const e = await rejects(tracker().getTicket('#42'), 'badRequest');
    assert.match(e.message, /HTTP 410 — Issues are disabled for this repo\./);
    assert.equal(fake.requests.length, 1);
  });

  it('403 without a rate limit → forbidden, not retried', async () => {
    fake.inject({
      type: 'reply',
      reply: {
        status: 403,
        json: { message: 'Resource not accessible by personal access token', status: '403' },
        headers: fake.rateHeaders(4000),
      },
    });
    const e = await rejects(tracker().getTicket('#42'), 'forbidden');
    assert.match(e.message, /Resource not accessible by personal access token/);
    assert.equal(fake.requests.length, 1);
  });

  it('primary rate limit (403, remaining 0) → rateLimited, retryAt from the reset', async () => {
    fake.rateLimit('primary', { resetInSeconds: 600 });
    const e = await rejects(tracker().getTicket('#42'), 'rateLimited');
    const retryAt = e.details.retryAt ?? 0;
    assert.ok(retryAt >= NOW + 590_000 && retryAt <= NOW + 610_000, String(retryAt));
    assert.match(e.message, /HTTP 403 — API rate limit exceeded for user ID 583231\./);
    assert.deepEqual(delays, []);
    assert.equal(fake.requests.length, 1);
  });

  it('primary rate limit as 429 resetting soon is waited out', async () => {
    fake.rateLimit('primary', { status: 429, resetInSeconds: 2 });
    const t = await tracker().getTicket('#42');
    assert.equal(t.key, '#42');
    assert.equal(delays.length, 1);
    assert.ok(delays[0] > 0 && delays[0] <= 3000, String(delays[0]));
  });

  it('secondary rate limit honours Retry-After, or asks for a minute without it', async () => {
    fake.rateLimit('secondary', { retryAfter: 1 });
    assert.equal((await tracker().getTicket('#42')).key, '#42');
    assert.deepEqual(delays, [1000]);
    fake.rateLimit('secondary');
    const e = await rejects(tracker().getTicket('#42'), 'rateLimited');
    assert.equal(e.details.retryAt, NOW + 60_000);
    assert.match(e.message, /secondary rate limit/);
  });

  it('502 three times → server', async () => {
    fake.inject({ type: 'reply', reply: { status: 502, json: { message: 'Server Error' } } }, 3);
    const e = await rejects(tracker().getTicket('#42'), 'server');
    assert.match(e.message, /HTTP 502 — Server Error\./);
    assert.equal(fake.requests.length, 3);
  });

  it('wrong shapes → invalidResponse naming the JSON path', async () => {
    const numericTitle = { number: 42, title: 42, state: 'open', html_url: 'x' };
    fake.inject({ type: 'reply', reply: { json: numericTitle } });
    const e1 = await rejects(tracker().getTicket('#42'), 'invalidResponse');
    assert.match(e1.message, /title: expected string, got number/);
    const stringIds = { json: [{ id: '1', created_at: 'x' }] };
    fake.inject({ type: 'reply', reply: stringIds }, 1, (r) => r.path.endsWith('/comments'));
    const e2 = await rejects(tracker().getTicket('#42'), 'invalidResponse');
    assert.match(e2.message, /\[0\]\.id: expected number, got string/);
  });

  describe('the fake’s comment endpoint (for question routes)', () => {
    it('creates a comment (201 + Location) and rejects an empty body with 422', async () => {
      const http = client();
      const post = (body: unknown) =>
        http.request({ method: 'POST', path: '/repos/acme/app/issues/42/comments', body });
      const res = await post({ body: '@sam-sales when?' });
      assert.equal(res.status, 201);
      assert.match(res.headers.location, /\/repos\/acme\/app\/issues\/comments\/\d+$/);
      assert.equal(fake.posted[0].body, '@sam-sales when?');
      const t = await tracker().getTicket('#42');
      assert.equal(t.comments.length, 3);
      const e = await rejects(post({}), 'badRequest');
      assert.match(e.message, /HTTP 422 — Validation Failed — body: missing_field\./);
    });
  });
});
