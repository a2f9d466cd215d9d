import * as assert from 'node:assert/strict';
import * as z from 'zod/mini';
import { ProviderError } from '../../src/core/errors';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '../../src/core/http';
import { axiosTransport } from '../../src/vscode/axiosTransport';
import { FakeServer } from '../fakes/fakeServer';

const TOKEN = 'tok_live_5ecret_value_123';
const NOW = Date.parse('2026-03-02T10:00:00Z');

/** Runs `fn`, expecting a ProviderError; returns it for further checks. */
async function rejects(p: Promise<unknown>, kind: ProviderError['kind']): Promise<ProviderError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ProviderError, `expected ProviderError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    assert.ok(!e.message.includes(TOKEN), `token leaked: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${kind}, but it resolved`);
}

describe('createHttpClient over axios', () => {
  let server: FakeServer;
  let delays: number[];
  let authCalls: number;

  function client(opts: Partial<HttpClientOptions> = {}): HttpClient {
    return createHttpClient(axiosTransport(), {
      provider: 'Jira',
      baseUrl: server.url,
      auth: async () => {
        authCalls++;
        return { Authorization: `Bearer ${TOKEN}` };
      },
      vendorMessage: (_s, data) => {
        const d = data as { errorMessages?: string[] } | undefined;
        return d?.errorMessages?.join(' ');
      },
      now: () => NOW,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.5,
      ...opts,
    });
  }

  beforeEach(async () => {
    delays = [];
    authCalls = 0;
    server = new FakeServer('test');
    server.on('GET', '/api/thing', (req) => ({ json: { ok: true, q: req.query.get('q') } }));
    server.on('POST', '/api/thing', (req) => ({ status: 201, json: { got: req.body } }));
    await server.start();
  });
  afterEach(() => server.stop());

  it('returns parsed JSON and sends auth, Accept and query parameters', async () => {
    const query = { q: 'a b', skip: undefined };
    const res = await client().request({ path: '/api/thing', query });
    assert.equal(res.status, 200);
    assert.deepEqual(res.data, { ok: true, q: 'a b' });
    assert.equal(server.requests.length, 1);
    const h = server.requests[0].headers;
    assert.equal(h.authorization, `Bearer ${TOKEN}`);
    assert.equal(h.accept, 'application/json');
    assert.equal(server.requests[0].query.has('skip'), false);
  });

  it('keeps the base path (GitHub Enterprise /api/v3, Jira context path)', async () => {
    server.on('GET', '/ctx/api/thing', () => ({ json: { ctx: true } }));
    const res = await client({ baseUrl: `${server.url}/ctx/` }).request({ path: '/api/thing' });
    assert.deepEqual(res.data, { ctx: true });
  });

  it('sends a JSON body with Content-Type on POST', async () => {
    const res = await client().request({ method: 'POST', path: '/api/thing', body: { a: 1 } });
    assert.deepEqual(res.data, { got: { a: 1 } });
    assert.match(String(server.requests[0].headers['content-type']), /application\/json/);
  });

  describe('status mapping (no retries for 4xx)', () => {
    const cases: Array<[number, ProviderError['kind']]> = [
      [400, 'badRequest'],
      [401, 'auth'],
      [403, 'forbidden'],
      [404, 'notFound'],
      [409, 'badRequest'],
      [410, 'badRequest'],
      [413, 'badRequest'],
      [422, 'badRequest'],
    ];
    for (const [status, kind] of cases) {
      it(`${status} → ${kind}, sent once, vendor message in the text`, async () => {
        const json = { errorMessages: [`vendor says ${status}`] };
        server.inject({ type: 'reply', reply: { status, json } }, 5);
        const e = await rejects(client().request({ path: '/api/thing' }), kind);
        assert.equal(server.requests.length, 1);
        assert.equal(e.details.status, status);
        assert.equal(e.details.vendorMessage, `vendor says ${status}`);
        const head = `Jira: HTTP ${status} — vendor says ${status}.`;
        assert.ok(e.message.startsWith(head), e.message);
      });
    }

    it('401 says what to do', async () => {
      const vendor = 'Client must be authenticated to access this resource.';
      server.inject({ type: 'reply', reply: { status: 401, json: { errorMessages: [vendor] } } });
      const e = await rejects(client().request({ path: '/api/thing' }), 'auth');
      assert.equal(e.message, `Jira: HTTP 401 — ${vendor} Set a new API token.`);
    });

    it('uses a plain-text error body as vendor message, else the reason phrase', async () => {
      const raw = 'Client must be authenticated.';
      server.inject({ type: 'reply', reply: { status: 401, raw } });
      const e1 = await rejects(client().request({ path: '/api/thing' }), 'auth');
      assert.match(e1.message, /HTTP 401 — Client must be authenticated\. Set a new API token\./);
      server.inject({ type: 'reply', reply: { status: 404 } });
      const e2 = await rejects(client().request({ path: '/api/thing' }), 'notFound');
      assert.match(e2.message, /HTTP 404 — Not Found\./);
    });

    it('never puts the credential in a message, even when the vendor echoes it', async () => {
      const json = { errorMessages: [`bad key Bearer ${TOKEN}`] };
      server.inject({ type: 'reply', reply: { status: 400, json } });
      const e = await rejects(client().request({ path: '/api/thing' }), 'badRequest');
      assert.match(e.message, /bad key •••\./);
    });

    it('a 403 the vendor marks as a rate limit is rateLimited and retried', async () => {
      const headers = { 'x-ratelimit-remaining': '0' };
      server.inject({ type: 'reply', reply: { status: 403, headers } });
      const c = client({
        isRateLimited: (r) => r.status === 403 && r.headers['x-ratelimit-remaining'] === '0',
      });
      const res = await c.request({ path: '/api/thing' });
      assert.equal(res.status, 200);
      assert.equal(server.requests.length, 2);
    });
  });

  describe('rate limits and retries', () => {
    it('429 with Retry-After seconds waits that long, then succeeds', async () => {
      server.inject({ type: 'reply', reply: { status: 429, headers: { 'Retry-After': '2' } } });
      const res = await client().request({ path: '/api/thing' });
      assert.equal(res.status, 200);
      assert.deepEqual(delays, [2000]);
      assert.equal(server.requests.length, 2);
    });

    it('429 with Retry-After as an HTTP-date', async () => {
      const at = new Date(NOW + 5000).toUTCString();
      server.inject({ type: 'reply', reply: { status: 429, headers: { 'Retry-After': at } } });
      await client().request({ path: '/api/thing' });
      assert.deepEqual(delays, [5000]);
    });

    it('429 without Retry-After uses the vendor reset header', async () => {
      const headers = { 'X-RateLimit-Reset': '2026-03-02T10:00Z' };
      server.inject({ type: 'reply', reply: { status: 429, headers } });
      const c = client({
        now: () => NOW - 7000,
        rateLimitReset: (h) => Date.parse(h['x-ratelimit-reset'] ?? ''),
      });
      await c.request({ path: '/api/thing' });
      assert.deepEqual(delays, [7000]);
    });

    it('429 with no hint backs off exponentially with full jitter', async () => {
      server.inject({ type: 'reply', reply: { status: 429 } }, 2);
      await client({ random: () => 0.9 }).request({ path: '/api/thing' });
      assert.deepEqual(delays, [450, 900]);
      assert.equal(server.requests.length, 3);
    });

    it('429 asking for more than maxRetryDelayMs → rateLimited with retryAt, no wait', async () => {
      server.inject({ type: 'reply', reply: { status: 429, headers: { 'Retry-After': '120' } } });
      const e = await rejects(client().request({ path: '/api/thing' }), 'rateLimited');
      assert.equal(e.details.retryAt, NOW + 120_000);
      assert.deepEqual(delays, []);
      assert.equal(server.requests.length, 1);
      assert.match(e.message, /try again in 2 min\./);
    });

    it('429 on every attempt ends as rateLimited after maxAttempts', async () => {
      server.inject({ type: 'reply', reply: { status: 429, headers: { 'Retry-After': '1' } } }, 5);
      const e = await rejects(client().request({ path: '/api/thing' }), 'rateLimited');
      assert.equal(server.requests.length, 3);
      assert.equal(e.details.retryAt, NOW + 1000);
    });

    it('500 then success: retried once', async () => {
      server.inject({ type: 'reply', reply: { status: 500 } });
      const res = await client().request({ path: '/api/thing' });
      assert.equal(res.status, 200);
      assert.equal(server.requests.length, 2);
      assert.deepEqual(delays, [250]);
    });

    it('500 three times → server after 3 attempts', async () => {
      const json = { errorMessages: ['boom'] };
      server.inject({ type: 'reply', reply: { status: 500, json } }, 5);
      const e = await rejects(client().request({ path: '/api/thing' }), 'server');
      assert.equal(server.requests.length, 3);
      assert.deepEqual(delays, [250, 500]);
      assert.match(e.message, /HTTP 500 — boom\./);
    });

    it('503 with a far Retry-After → server with retryAt, no wait', async () => {
      server.inject({ type: 'reply', reply: { status: 503, headers: { 'Retry-After': '600' } } });
      const e = await rejects(client().request({ path: '/api/thing' }), 'server');
      assert.equal(e.details.retryAt, NOW + 600_000);
      assert.deepEqual(delays, []);
      assert.equal(server.requests.length, 1);
    });

    it('a real sleep between retries still works (default sleep)', async () => {
      server.inject({ type: 'reply', reply: { status: 503, headers: { 'Retry-After': '0' } } });
      const c = createHttpClient(axiosTransport(), { provider: 'X', baseUrl: server.url });
      assert.equal((await c.request({ path: '/api/thing' })).status, 200);
    });

    it('POST is never retried (500 and 429)', async () => {
      server.inject({ type: 'reply', reply: { status: 500 } });
      await rejects(client().request({ method: 'POST', path: '/api/thing', body: {} }), 'server');
      server.inject({ type: 'reply', reply: { status: 429, headers: { 'Retry-After': '1' } } });
      const post = client().request({ method: 'POST', path: '/api/thing', body: {} });
      const e = await rejects(post, 'rateLimited');
      assert.equal(e.details.retryAt, NOW + 1000);
      assert.equal(server.requests.length, 2);
      assert.deepEqual(delays, []);
    });

    it('an idempotent POST (GraphQL query) is retried', async () => {
      server.inject({ type: 'reply', reply: { status: 502 } });
      const req = { method: 'POST', path: '/api/thing', body: {}, idempotent: true } as const;
      const res = await client().request(req);
      assert.equal(res.status, 201);
      assert.equal(server.requests.length, 2);
    });
  });

  describe('bodies that are not what was asked for', () => {
    it('malformed JSON → invalidResponse saying so', async () => {
      const headers = { 'content-type': 'application/json' };
      server.inject({ type: 'reply', reply: { raw: '{"ok": tru', headers } });
      const e = await rejects(client().request({ path: '/api/thing' }), 'invalidResponse');
      assert.match(e.message, /malformed JSON/);
      assert.equal(server.requests.length, 1);
    });

    it('an HTML page with 200 → invalidResponse naming HTML', async () => {
      const raw = '<!DOCTYPE html><html><head><title>Log in - Jira</title></head></html>';
      server.inject({ type: 'reply', reply: { raw, headers: { 'content-type': 'text/html' } } });
      const e = await rejects(client().request({ path: '/api/thing' }), 'invalidResponse');
      assert.match(e.message, /HTML page \("Log in - Jira"\) instead of JSON/);
    });

    it('an HTML error page with 502 → retried, then server mentioning the page', async () => {
      const raw = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>';
      const headers = { 'content-type': 'text/html' };
      server.inject({ type: 'reply', reply: { status: 502, raw, headers } }, 3);
      const e = await rejects(client().request({ path: '/api/thing' }), 'server');
      assert.equal(server.requests.length, 3);
      assert.match(e.message, /HTTP 502 — an HTML page \("502 Bad Gateway"\) instead of JSON/);
    });

    it('a UTF-8 BOM before JSON is accepted', async () => {
      server.inject({ type: 'reply', reply: { raw: '\uFEFF{"ok":1}' } });
      assert.deepEqual((await client().request({ path: '/api/thing' })).data, { ok: 1 });
    });

    it('a body over maxBytes → invalidResponse, not retried', async () => {
      server.inject({ type: 'reply', reply: { json: { big: 'x'.repeat(50_000) } } }, 3);
      const big = client({ maxBytes: 10_000 }).request({ path: '/api/thing' });
      const e = await rejects(big, 'invalidResponse');
      assert.match(e.message, /larger than/);
      assert.equal(server.requests.length, 1);
    });

    it('json() validates and names the JSON path of a mismatch', async () => {
      const item = z.looseObject({ id: z.string() });
      const schema = z.looseObject({ ok: z.boolean(), items: z.array(item) });
      const json = { ok: true, items: [{ id: 'a' }, { id: 7 }] };
      server.inject({ type: 'reply', reply: { json } });
      const e = await rejects(client().json({ path: '/api/thing' }, schema), 'invalidResponse');
      assert.match(e.message, /items\[1\]\.id: expected string, got number/);
      assert.equal(e.details.where, 'items[1].id');
      server.inject({ type: 'reply', reply: { json: { ok: true, items: [], extra: 1 } } });
      const ok = await client().json({ path: '/api/thing' }, schema);
      assert.equal(ok.ok, true);
    });
  });

  describe('network faults, deadlines and cancellation', () => {
    it('a slow server → offline after the idle timeout', async () => {
      server.inject({ type: 'delay', ms: 1500 });
      const started = Date.now();
      const c = client({ timeoutMs: 300, maxAttempts: 1 });
      const e = await rejects(c.request({ path: '/api/thing' }), 'offline');
      const took = Date.now() - started;
      // The server answers at 1500 ms: failing before that proves the idle timeout fired.
      assert.ok(took >= 250 && took < 1450, `took ${took} ms`);
      assert.match(e.message, /no answer within 0.3 s/);
    });

    it('a trickling body is stopped by the total deadline', async () => {
      const reply = { json: { data: 'y'.repeat(500) } };
      server.inject({ type: 'trickle', bytesPerSecond: 20, reply });
      const started = Date.now();
      const e = await rejects(
        client({ timeoutMs: 300, deadlineMs: 700 }).request({ path: '/api/thing' }),
        'offline',
      );
      const took = Date.now() - started;
      // The whole body would take 25 s at this rate; generous upper bound for loaded CI machines.
      assert.ok(took >= 650 && took < 3000, `took ${took} ms`);
      assert.match(e.message, /no complete answer within 0.7 s/);
    });

    it('connection refused → offline after retries', async () => {
      const dead = new FakeServer('dead');
      const url = await dead.start();
      await dead.stop();
      const e = await rejects(client({ baseUrl: url }).request({ path: '/api/thing' }), 'offline');
      assert.match(e.message, /connection was refused/);
      assert.equal(delays.length, 2);
    });

    it('a cut connection → offline, retried for reads', async () => {
      server.inject({ type: 'cut' }, 3);
      const e = await rejects(client().request({ path: '/api/thing' }), 'offline');
      assert.match(e.message, /connection was cut/);
      assert.equal(server.requests.length, 3);
    });

    it('a cut connection on POST is not retried', async () => {
      server.inject({ type: 'cut' });
      await rejects(client().request({ method: 'POST', path: '/api/thing', body: {} }), 'offline');
      assert.equal(server.requests.length, 1);
    });

    it('caller abort → cancelled, promptly', async () => {
      server.inject({ type: 'hang' });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      const started = Date.now();
      await rejects(client().request({ path: '/api/thing', signal: ac.signal }), 'cancelled');
      // The server never answers: only the abort can end this, long before the 30 s deadline.
      assert.ok(Date.now() - started < 2000);
    });

    it('an already aborted signal sends nothing', async () => {
      const signal = AbortSignal.abort();
      await rejects(client().request({ path: '/api/thing', signal }), 'cancelled');
      assert.equal(server.requests.length, 0);
    });

    it('abort during a retry wait → cancelled', async () => {
      server.inject({ type: 'reply', reply: { status: 503, headers: { 'Retry-After': '10' } } });
      const ac = new AbortController();
      const c = createHttpClient(axiosTransport(), { provider: 'X', baseUrl: server.url });
      setTimeout(() => ac.abort(), 100);
      await rejects(c.request({ path: '/api/thing', signal: ac.signal }), 'cancelled');
      assert.equal(server.requests.length, 1);
    });
  });

  describe('coalescing', () => {
    it('concurrent identical GETs make one request', async () => {
      server.inject({ type: 'delay', ms: 50 });
      const c = client();
      const get = () => c.request({ path: '/api/thing', query: { q: 'x' } });
      const all = await Promise.all([get(), get(), get()]);
      assert.equal(server.requests.length, 1);
      for (const r of all) assert.deepEqual(r.data, { ok: true, q: 'x' });
      // Once settled, the next call goes to the server again.
      await c.request({ path: '/api/thing', query: { q: 'x' } });
      assert.equal(server.requests.length, 2);
    });

    it('different auth or URL is not coalesced', async () => {
      let n = 0;
      const c = client({ auth: async () => ({ Authorization: `Bearer user-token-${n++}` }) });
      await Promise.all([c.request({ path: '/api/thing' }), c.request({ path: '/api/thing' })]);
      const d = client();
      await Promise.all([d.request({ path: '/api/thing' }), d.request({ path: '/api/thing?q=1' })]);
      assert.equal(server.requests.length, 4);
    });

    it("one caller's abort cancels only its own wait", async () => {
      server.inject({ type: 'delay', ms: 150 });
      const c = client();
      const ac = new AbortController();
      const first = c.request({ path: '/api/thing', signal: ac.signal });
      const second = c.request({ path: '/api/thing' });
      setTimeout(() => ac.abort(), 20);
      await rejects(first, 'cancelled');
      assert.equal((await second).status, 200);
      assert.equal(server.requests.length, 1);
    });

    it('when every caller left, the shared request stops; the next starts afresh', async () => {
      server.inject({ type: 'hang' });
      const c = client();
      const a = new AbortController();
      const b = new AbortController();
      const first = c.request({ path: '/api/thing', signal: a.signal });
      const second = c.request({ path: '/api/thing', signal: b.signal });
      setTimeout(() => a.abort(), 10);
      setTimeout(() => b.abort(), 20);
      await rejects(first, 'cancelled');
      await rejects(second, 'cancelled');
      assert.equal((await c.request({ path: '/api/thing' })).status, 200);
      assert.equal(server.requests.length, 2);
    });
  });

  describe('origin safety', () => {
    it('a redirect to another origin is not followed; that server sees nothing', async () => {
      const other = new FakeServer('other');
      other.on('GET', '/steal', () => ({ json: {} }));
      const otherUrl = await other.start();
      try {
        const headers = { Location: `${otherUrl}/steal` };
        server.inject({ type: 'reply', reply: { status: 302, headers } });
        const e = await rejects(client().request({ path: '/api/thing' }), 'badRequest');
        assert.match(e.message, /HTTP 302 — Found\. Redirect to http:\/\/127\.0\.0\.1:\d+ refused/);
        assert.equal(other.requests.length, 0);
        assert.equal(server.requests.length, 1);
      } finally {
        await other.stop();
      }
    });

    it('an absolute URL of another origin is refused before the token is read', async () => {
      const e = await rejects(client().request({ path: 'https://evil.example/x' }), 'badRequest');
      assert.match(e.message, /refused to send a request to https:\/\/evil\.example/);
      await rejects(client().request({ path: '//evil.example/x' }), 'badRequest');
      assert.equal(server.requests.length, 0);
      assert.equal(authCalls, 0);
    });

    it('a same-origin absolute URL (a next-page link) is accepted', async () => {
      const res = await client().request({ path: `${server.url}/api/thing?q=2` });
      assert.deepEqual(res.data, { ok: true, q: '2' });
    });

    it('plain http:// is refused for a non-loopback base URL, naming the setting', async () => {
      const baseUrlSetting = 'customerContext.jira.baseUrl';
      const c = client({ baseUrl: 'http://jira.example.com', baseUrlSetting });
      const e = await rejects(c.request({ path: '/api/thing' }), 'notConfigured');
      assert.match(e.message, /http:\/\/jira\.example\.com uses plain http:\/\//);
      assert.match(e.message, /customerContext\.jira\.baseUrl/);
      assert.equal(authCalls, 0);
    });

    it('other bad base URLs: empty, not a URL, ftp:, user:password@', async () => {
      for (const [url, re] of [
        ['', /no URL is configured/],
        ['acme.atlassian.net', /not a valid URL/],
        ['ftp://acme.example', /not an https:\/\/ URL/],
        [`https://me:${TOKEN}@acme.example`, /must not contain a user name or password/],
      ] as const) {
        const e = await rejects(client({ baseUrl: url }).request({ path: '/x' }), 'notConfigured');
        assert.match(e.message, re);
      }
    });

    it('http://localhost and http://[::1] count as loopback', () => {
      assert.equal(client({ baseUrl: 'http://localhost:9' }).origin, 'http://localhost:9');
      assert.equal(client({ baseUrl: 'http://[::1]:9' }).origin, 'http://[::1]:9');
      const cloud = client({ baseUrl: 'https://acme.atlassian.net/' });
      assert.equal(cloud.origin, 'https://acme.atlassian.net');
    });
  });
});
