import * as assert from 'node:assert/strict';
import { ProviderError } from '../../src/core/errors';
import { createHttpClient, type HttpResponse, type TransportRequest } from '../../src/core/http';
import {
  DefaultRequestLimit,
  DefaultRequestWindowMs,
  RequestBudget,
  budgetedTransport,
} from '../../src/core/requestBudget';

const T0 = Date.parse('2026-03-02T10:41:05Z');
const JIRA = 'https://acme.atlassian.net';
const utcTime = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** A clock the test moves by hand. */
function fakeClock(start = T0) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}

/** A transport that records each request and answers 200, or waits until `release()` when held. */
function fakeTransport(opts: { held?: boolean; fail?: boolean } = {}) {
  const calls: TransportRequest[] = [];
  const waiting: Array<() => void> = [];
  const transport = (req: TransportRequest): Promise<HttpResponse> => {
    calls.push(req);
    if (opts.fail) return Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    const res: HttpResponse = { status: 200, headers: {}, data: '{}' };
    if (!opts.held) return Promise.resolve(res);
    return new Promise((resolve) => waiting.push(() => resolve(res)));
  };
  return { transport, calls, release: () => waiting.splice(0).forEach((r) => r()) };
}

function request(url: string): TransportRequest {
  const signal = new AbortController().signal;
  return { method: 'GET', url, headers: {}, signal, timeoutMs: 1000, maxBytes: 1024 };
}

async function refusal(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ProviderError, `expected ProviderError, got ${String(e)}`);
    assert.equal(e.kind, 'rateLimited');
    return e;
  }
  assert.fail('expected the request to be refused');
}

describe('request budget', () => {
  it('defaults to 60 requests per 60 s per origin', () => {
    assert.equal(DefaultRequestLimit, 60);
    assert.equal(DefaultRequestWindowMs, 60_000);
    const budget = new RequestBudget();
    assert.equal(budget.limit, 60);
    assert.equal(budget.windowMs, 60_000);
  });

  it('refuses the 61st request in a minute without reaching the transport', async () => {
    const clock = fakeClock();
    const budget = new RequestBudget({ now: clock.now, formatTime: utcTime });
    const fake = fakeTransport();
    const send = budgetedTransport(fake.transport, budget);
    for (let i = 0; i < 60; i++) {
      await send(request(`${JIRA}/rest/api/3/issue/ACME-${i}`));
      clock.advance(500);
    }
    assert.equal(fake.calls.length, 60);
    const err = await refusal(send(request(`${JIRA}/rest/api/3/issue/ACME-61?expand=x`)));
    assert.equal(fake.calls.length, 60, 'the refused request never reached the transport');
    assert.equal(err.details.retryAt, T0 + 60_000, 'a slot frees when the first request leaves');
    assert.equal(
      err.message,
      'Customer Context paused requests to https://acme.atlassian.net: 60 in the last minute is its ' +
        'limit; it resumes at 10:42:05.',
    );
    assert.equal(err.details.vendorMessage, undefined);
    assert.equal(err.details.status, undefined, 'no HTTP status: the service was never asked');
  });

  it('names only the origin, never the path or query (webhook URLs are secrets)', async () => {
    const budget = new RequestBudget({ limit: 1, now: fakeClock().now, formatTime: utcTime });
    const send = budgetedTransport(fakeTransport().transport, budget);
    const hook = 'https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX?token=abc';
    await send(request(hook));
    const err = await refusal(send(request(hook)));
    assert.match(err.message, /^Customer Context paused requests to https:\/\/hooks\.slack\.com: /);
    assert.ok(!err.message.includes('secret') && !err.message.includes('token'), err.message);
    assert.match(err.message, /1 in the last minute is its limit; it resumes at 10:42:05\.$/);
  });

  it('keeps a separate budget per origin (scheme, host and port)', async () => {
    const clock = fakeClock();
    const budget = new RequestBudget({ limit: 3, now: clock.now });
    const fake = fakeTransport();
    const send = budgetedTransport(fake.transport, budget);
    for (let i = 0; i < 3; i++) await send(request(`${JIRA}/a/${i}`));
    await refusal(send(request(`${JIRA}/other/path`)));
    await send(request('https://api.hubapi.com/crm/v3/objects/deals'));
    await send(request('https://acme.atlassian.net:8443/a'));
    await send(request('http://127.0.0.1:4010/a'));
    await send(request('http://127.0.0.1:4011/a'));
    assert.equal(fake.calls.length, 7);
    assert.equal(budget.stats(JIRA).used, 3);
    assert.equal(budget.stats('https://api.hubapi.com').used, 1);
    assert.equal(budget.stats('http://127.0.0.1:4010').used, 1);
  });

  it('does not count origins the caller exempts (this machine), and still counts the others', async () => {
    const budget = new RequestBudget({ limit: 1, now: fakeClock().now });
    const fake = fakeTransport();
    const send = budgetedTransport(fake.transport, budget, (origin) => origin.startsWith('http://127.0.0.1'));
    for (let i = 0; i < 5; i++) await send(request('http://127.0.0.1:4010/a'));
    await send(request(`${JIRA}/a`));
    await refusal(send(request(`${JIRA}/b`)));
    assert.equal(fake.calls.length, 6);
    assert.equal(budget.stats('http://127.0.0.1:4010').used, 0);
  });

  it('frees a slot once the oldest request leaves the sliding window', async () => {
    const clock = fakeClock();
    const budget = new RequestBudget({ limit: 60, windowMs: 60_000, now: clock.now });
    const fake = fakeTransport();
    const send = budgetedTransport(fake.transport, budget);
    // One request a second for a minute: the budget is spent at T0 + 59 s.
    for (let i = 0; i < 60; i++) {
      await send(request(`${JIRA}/r/${i}`));
      clock.advance(1000);
    }
    clock.set(T0 + 59_999);
    const err = await refusal(send(request(`${JIRA}/r/late`)));
    assert.equal(err.details.retryAt, T0 + 60_000);
    clock.set(T0 + 60_000);
    await send(request(`${JIRA}/r/freed`));
    assert.equal(fake.calls.length, 61);
    // Only one slot freed: the next is refused until the second-oldest leaves.
    const again = await refusal(send(request(`${JIRA}/r/next`)));
    assert.equal(again.details.retryAt, T0 + 61_000);
    clock.set(T0 + 200_000);
    assert.deepEqual(budget.stats(JIRA), {
      origin: JIRA,
      used: 0,
      limit: 60,
      windowMs: 60_000,
      resetsAt: undefined,
    });
    for (let i = 0; i < 60; i++) await send(request(`${JIRA}/after/${i}`));
    assert.equal(fake.calls.length, 121, 'a full window later the whole budget is back');
  });

  it('counts concurrent calls exactly: 100 at once, 60 go out, 40 are refused', async () => {
    const clock = fakeClock();
    const budget = new RequestBudget({ now: clock.now });
    const fake = fakeTransport({ held: true });
    const send = budgetedTransport(fake.transport, budget);
    const pending = Array.from({ length: 100 }, (_, i) => send(request(`${JIRA}/c/${i}`)));
    assert.equal(fake.calls.length, 60, 'slots are taken when a request starts, not when it ends');
    fake.release();
    const results = await Promise.allSettled(pending);
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter(
      (r) =>
        r.status === 'rejected' && r.reason instanceof ProviderError && r.reason.kind === 'rateLimited',
    ).length;
    assert.deepEqual({ ok, refused }, { ok: 60, refused: 40 });
    assert.equal(budget.stats(JIRA).used, 60, 'refused requests use no slot');
  });

  it('counts attempts that fail on the network too: they were sent', async () => {
    const budget = new RequestBudget({ limit: 2, now: fakeClock().now });
    const fake = fakeTransport({ fail: true });
    const send = budgetedTransport(fake.transport, budget);
    await assert.rejects(send(request(`${JIRA}/x`)), /refused/);
    await assert.rejects(send(request(`${JIRA}/x`)), /refused/);
    await refusal(send(request(`${JIRA}/x`)));
    assert.equal(fake.calls.length, 2);
  });

  it('reports stats for display: used, limit, resetsAt, for an origin or any URL on it', async () => {
    const clock = fakeClock();
    const budget = new RequestBudget({ limit: 5, windowMs: 10_000, now: clock.now });
    const send = budgetedTransport(fakeTransport().transport, budget);
    const empty = { origin: JIRA, used: 0, limit: 5, windowMs: 10_000, resetsAt: undefined };
    assert.deepEqual(budget.stats(JIRA), empty);
    await send(request(`${JIRA}/a`));
    clock.advance(4000);
    await send(request(`${JIRA}/b`));
    const stats = budget.stats(`${JIRA}/rest/api/3/search?jql=x`);
    assert.deepEqual(stats, { ...empty, used: 2, resetsAt: T0 + 10_000 });
    clock.advance(6000);
    assert.deepEqual(
      { used: budget.stats(JIRA).used, resetsAt: budget.stats(JIRA).resetsAt },
      { used: 1, resetsAt: T0 + 14_000 },
    );
  });

  it('says the window in words when it is not a minute', async () => {
    const clock = fakeClock();
    const options = { limit: 1, windowMs: 30_000, now: clock.now, formatTime: utcTime };
    const budget = new RequestBudget(options);
    const send = budgetedTransport(fakeTransport().transport, budget);
    await send(request(JIRA));
    const err = await refusal(send(request(JIRA)));
    assert.match(err.message, /: 1 in the last 30 seconds is its limit; it resumes at 10:41:35\.$/);
  });

  it('shows the resume time as HH:MM:SS by default', async () => {
    const budget = new RequestBudget({ limit: 1, now: fakeClock().now });
    const send = budgetedTransport(fakeTransport().transport, budget);
    await send(request(JIRA));
    const err = await refusal(send(request(JIRA)));
    assert.match(err.message, /it resumes at \d{2}:\d{2}:\d{2}\.$/);
  });

  it('blocks for at most one window when the clock is set back', async () => {
    const clock = fakeClock();
    const budget = new RequestBudget({ limit: 1, now: clock.now });
    const send = budgetedTransport(fakeTransport().transport, budget);
    await send(request(JIRA));
    clock.set(T0 - 3_600_000);
    const err = await refusal(send(request(JIRA)));
    assert.equal(err.details.retryAt, T0 - 3_600_000 + 60_000);
    clock.advance(60_000);
    await send(request(JIRA));
  });

  it('puts unparsable URLs into one shared bucket instead of skipping the count', async () => {
    const budget = new RequestBudget({ limit: 2, now: fakeClock().now });
    const fake = fakeTransport();
    const send = budgetedTransport(fake.transport, budget);
    await send(request('not a url 1'));
    await send(request('not a url 2'));
    const err = await refusal(send(request('::::')));
    assert.match(err.message, /paused requests to \(invalid URL\)/);
    assert.equal(fake.calls.length, 2);
  });

  it('refuses a nonsensical size with a clear error', () => {
    assert.throws(
      () => new RequestBudget({ limit: 0 }),
      /^RangeError: RequestBudget: limit must be a whole number of at least 1, not 0\.$/,
    );
    assert.throws(() => new RequestBudget({ limit: 1.5 }), /limit must be a whole number/);
    assert.throws(
      () => new RequestBudget({ windowMs: -1 }),
      /^RangeError: RequestBudget: windowMs must be a positive number of ms, not -1\.$/,
    );
    assert.throws(() => new RequestBudget({ windowMs: Number.NaN }), /windowMs must be a positive/);
  });
});

describe('request budget under createHttpClient', () => {
  it('reaches the caller as rateLimited with retryAt, without inline retries', async () => {
    const clock = fakeClock();
    const budget = new RequestBudget({ limit: 2, now: clock.now, formatTime: utcTime });
    const fake = fakeTransport();
    const sleeps: number[] = [];
    const client = createHttpClient(budgetedTransport(fake.transport, budget), {
      provider: 'Jira',
      baseUrl: JIRA,
      now: clock.now,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    });
    await client.request({ path: '/rest/api/3/issue/ACME-1' });
    await client.request({ path: '/rest/api/3/issue/ACME-2' });
    let caught: unknown;
    try {
      await client.request({ path: '/rest/api/3/issue/ACME-3' });
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof ProviderError, `expected ProviderError, got ${String(caught)}`);
    assert.deepEqual(
      { kind: caught.kind, retryAt: caught.details.retryAt, sleeps, transportCalls: fake.calls.length },
      { kind: 'rateLimited', retryAt: T0 + 60_000, sleeps: [], transportCalls: 2 },
    );
    assert.match(caught.message, /^Customer Context paused requests to https:\/\/acme\.atlassian\.net/);
  });

  it('stops a read retry that runs out of budget instead of looping', async () => {
    const clock = fakeClock();
    const budget = new RequestBudget({ limit: 1, now: clock.now, formatTime: utcTime });
    let calls = 0;
    const unavailable = async (): Promise<HttpResponse> => {
      calls++;
      return { status: 503, headers: {}, data: '' };
    };
    const sleeps: number[] = [];
    const client = createHttpClient(budgetedTransport(unavailable, budget), {
      provider: 'Jira',
      baseUrl: JIRA,
      now: clock.now,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    });
    const err = await refusal(client.request({ path: '/rest/api/3/myself' }));
    assert.equal(calls, 1, 'the retry was refused before the transport');
    assert.equal(sleeps.length, 1, 'one backoff before the retry, none after the refusal');
    assert.equal(err.details.retryAt, T0 + 60_000);
  });
});
