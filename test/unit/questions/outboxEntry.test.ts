import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { ProviderError, type ProviderErrorKind } from '../../../src/core/errors';
import { Outbox } from '../../../src/core/questions/outbox';
import {
  isUncertain,
  newEntry,
  OutboxEntry,
  questionState,
  transition,
  type OutboxEvent,
  type RouteState,
} from '../../../src/core/questions/outboxEntry';
import {
  ANSWER_WINDOW_MS,
  awaitsAnswer,
  BACKOFF_CAP_MS,
  backoffMs,
  hasDueRoute,
  isDue,
  routeDueAt,
  type Timers,
} from '../../../src/core/questions/outboxSchedule';
import { RouteNames, type RouteName } from '../../../src/core/questions/question';
import type { RouteSender } from '../../../src/core/questions/sender';
import { aQuestion, manualClock } from './fixtures';

const NOW = Date.parse('2026-10-01T09:12:00.000Z');

/** Freezes `value` and everything in it, so a transition that mutates its input throws. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** An entry (frozen) with the given routes. */
function anEntry(routes: OutboxEntry['routes'], extra: Partial<OutboxEntry> = {}): OutboxEntry {
  return deepFreeze({ version: 1, question: aQuestion(), routes, ...extra });
}

function failed(
  route: RouteName,
  error: unknown,
  extra: Partial<Extract<OutboxEvent, { type: 'failed' }>> = {},
): OutboxEvent {
  return {
    type: 'failed',
    route,
    error,
    uncertain: false,
    jitter: 0,
    reconcileDelayMs: 0,
    ...extra,
  };
}

const err = (kind: ProviderErrorKind, details: ProviderError['details'] = {}) =>
  new ProviderError(kind, `Vendor says ${kind}.`, details);

const sender: RouteSender = { send: async () => ({}) };

describe('outbox entry transitions (pure)', () => {
  it('newEntry queues each route once, attempts 0', () => {
    const e = newEntry(aQuestion(), ['crm', 'slack', 'crm']);
    assert.deepEqual(e.routes, {
      crm: { state: 'queued', attempts: 0 },
      slack: { state: 'queued', attempts: 0 },
    });
    assert.equal(questionState(e), 'Queued');
    assert.ok(OutboxEntry.safeParse(e).success);
  });

  describe('sending', () => {
    it('counts the attempt, clears the schedule and marks it as possibly sent', () => {
      const e = anEntry({ crm: { state: 'queued', attempts: 2, nextAttemptAt: NOW - 1 } });
      const next = transition(e, { type: 'sending', route: 'crm' }, NOW);
      assert.deepEqual(next.routes.crm, {
        state: 'sending',
        attempts: 3,
        nextAttemptAt: undefined,
        mayHaveBeenSent: true,
      });
      assert.equal(e.routes.crm?.state, 'queued', 'the input entry is unchanged');
    });

    it('leaves an entry without that route as it is', () => {
      const e = anEntry({ crm: { state: 'queued', attempts: 0 } });
      assert.equal(transition(e, { type: 'sending', route: 'slack' }, NOW), e);
    });

    it('isUncertain: after an unknown outcome, a possible send, or an orphaned send', () => {
      assert.equal(isUncertain({ state: 'queued', attempts: 0 }, false), false);
      assert.equal(isUncertain({ state: 'queued', attempts: 0 }, true), true);
      assert.equal(isUncertain({ state: 'unknown', attempts: 1 }, false), true);
      assert.equal(
        isUncertain({ state: 'needsAuth', attempts: 1, mayHaveBeenSent: true }, false),
        true,
      );
    });
  });

  describe('sent', () => {
    it('records the remote ids and the time, and forgets the error and the doubt', () => {
      const e = anEntry({
        crm: {
          state: 'sending',
          attempts: 2,
          lastError: 'HubSpot: HTTP 502',
          mayHaveBeenSent: true,
          remoteUrl: 'https://old.example.com/1',
        },
      });
      const next = transition(e, { type: 'sent', route: 'crm', remote: { remoteId: 'T-9' } }, NOW);
      assert.deepEqual(next.routes.crm, {
        state: 'sent',
        attempts: 2,
        nextAttemptAt: undefined,
        lastError: undefined,
        mayHaveBeenSent: undefined,
        remoteId: 'T-9',
        remoteUrl: 'https://old.example.com/1',
        sentAt: '2026-10-01T09:12:00.000Z',
      });
      assert.equal(questionState(next), 'Sent');
    });

    it('creates a route that was not queued (email marked sent after the mailto: link)', () => {
      const e = anEntry({ crm: { state: 'sent', attempts: 1 } });
      const next = transition(e, { type: 'sent', route: 'email' }, NOW + 5);
      assert.equal(next.routes.email?.state, 'sent');
      assert.equal(next.routes.email?.attempts, 0);
      assert.equal(next.routes.email?.sentAt, new Date(NOW + 5).toISOString());
      assert.equal(questionState(next), 'Sent');
    });
  });

  describe('failed', () => {
    for (const kind of [
      'badRequest',
      'forbidden',
      'notFound',
      'notConfigured',
      'invalidData',
    ] as const) {
      it(`${kind} → failed with the vendor message, not scheduled`, () => {
        const e = anEntry({ crm: { state: 'sending', attempts: 1, mayHaveBeenSent: true } });
        const next = transition(e, failed('crm', err(kind)), NOW);
        assert.deepEqual(next.routes.crm, {
          state: 'failed',
          attempts: 1,
          lastError: `Vendor says ${kind}.`,
          nextAttemptAt: undefined,
          mayHaveBeenSent: undefined,
        });
        assert.equal(questionState(next), 'Failed');
        const doubted = transition(e, failed('crm', err(kind), { uncertain: true }), NOW);
        assert.equal(doubted.routes.crm?.mayHaveBeenSent, true, 'earlier doubt is kept');
      });
    }

    it('something other than a ProviderError → failed, and it may have left', () => {
      const next = transition(
        anEntry({ slack: { state: 'sending', attempts: 1 } }),
        failed('slack', new TypeError('x is undefined')),
        NOW,
      );
      assert.equal(next.routes.slack?.state, 'failed');
      assert.equal(next.routes.slack?.lastError, 'x is undefined');
      assert.equal(next.routes.slack?.mayHaveBeenSent, true);
      const thrown = anEntry({ slack: { state: 'sending', attempts: 1 } });
      const afterString = transition(thrown, failed('slack', 'boom'), NOW);
      assert.equal(afterString.routes.slack?.lastError, 'boom');
    });

    it('auth → needsAuth (Failed for the sidebar), keeping any doubt', () => {
      const e = anEntry({ crm: { state: 'sending', attempts: 1, mayHaveBeenSent: true } });
      const sure = transition(e, failed('crm', err('auth')), NOW);
      assert.equal(sure.routes.crm?.state, 'needsAuth');
      assert.equal(sure.routes.crm?.mayHaveBeenSent, undefined);
      assert.equal(sure.routes.crm?.nextAttemptAt, undefined);
      assert.equal(questionState(sure), 'Failed');
      const unsure = transition(e, failed('crm', err('auth'), { uncertain: true }), NOW);
      assert.equal(unsure.routes.crm?.mayHaveBeenSent, true);
    });

    it('rateLimited with retryAt → queued until then (never before now)', () => {
      const e = anEntry({ slack: { state: 'sending', attempts: 1, mayHaveBeenSent: true } });
      const limited = err('rateLimited', { retryAt: NOW + 30_000 });
      const later = transition(e, failed('slack', limited), NOW);
      assert.equal(later.routes.slack?.state, 'queued');
      assert.equal(later.routes.slack?.nextAttemptAt, NOW + 30_000);
      assert.equal(later.routes.slack?.mayHaveBeenSent, undefined);
      const past = transition(e, failed('slack', err('rateLimited', { retryAt: NOW - 9 })), NOW);
      assert.equal(past.routes.slack?.nextAttemptAt, NOW);
      const unsure = transition(
        e,
        failed('slack', err('rateLimited', { retryAt: NOW + 1 }), { uncertain: true }),
        NOW,
      );
      assert.equal(unsure.routes.slack?.state, 'unknown');
      assert.equal(unsure.routes.slack?.mayHaveBeenSent, true);
    });

    it('rateLimited without retryAt → queued after the backoff', () => {
      const e = anEntry({ slack: { state: 'sending', attempts: 3, mayHaveBeenSent: true } });
      const next = transition(e, failed('slack', err('rateLimited'), { jitter: 0 }), NOW);
      // attempts 3 → step 8 s; jitter 0 → half a step.
      assert.equal(next.routes.slack?.nextAttemptAt, NOW + 4_000);
    });

    it('cancelled → unknown, due at once, to be reconciled', () => {
      const next = transition(
        anEntry({ crm: { state: 'sending', attempts: 1 } }),
        failed('crm', err('cancelled')),
        NOW,
      );
      assert.deepEqual(
        [next.routes.crm?.state, next.routes.crm?.nextAttemptAt, next.routes.crm?.mayHaveBeenSent],
        ['unknown', NOW, true],
      );
      assert.equal(questionState(next), 'Queued');
    });

    for (const kind of ['offline', 'server', 'invalidResponse'] as const) {
      it(`${kind} → unknown after the backoff, to be reconciled`, () => {
        const e = anEntry({ crm: { state: 'sending', attempts: 1, mayHaveBeenSent: true } });
        const next = transition(e, failed('crm', err(kind), { jitter: 0.5 }), NOW);
        // attempts 1 → step 2 s; jitter 0.5 → 1 s + 0.5 s.
        const s = next.routes.crm;
        assert.deepEqual(
          [s?.state, s?.nextAttemptAt, s?.mayHaveBeenSent],
          ['unknown', NOW + 1_500, true],
        );
      });
    }

    it('an ambiguous failure waits at least for the sender’s search-index lag', () => {
      const e = anEntry({ crm: { state: 'sending', attempts: 1, mayHaveBeenSent: true } });
      const lagging = transition(e, failed('crm', err('server'), { reconcileDelayMs: 7_000 }), NOW);
      assert.equal(lagging.routes.crm?.nextAttemptAt, NOW + 7_000);
      const deep = anEntry({ crm: { state: 'sending', attempts: 6, mayHaveBeenSent: true } });
      const backedOff = transition(
        deep,
        failed('crm', err('server'), { reconcileDelayMs: 7_000 }),
        NOW,
      );
      // attempts 6 → step 64 s: the backoff is longer than the lag, so it wins.
      assert.equal(backedOff.routes.crm?.nextAttemptAt, NOW + 32_000);
    });

    it('the backoff doubles with each attempt and stops growing at 15 min', () => {
      const waits: number[] = [];
      let e = anEntry({ crm: { state: 'queued', attempts: 0 } });
      for (let i = 0; i < 14; i++) {
        e = transition(e, { type: 'sending', route: 'crm' }, NOW);
        e = transition(e, failed('crm', err('offline'), { jitter: 0 }), NOW);
        waits.push(e.routes.crm!.nextAttemptAt! - NOW);
      }
      assert.deepEqual(
        waits,
        [
          1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 450_000, 450_000,
          450_000, 450_000, 450_000,
        ],
      );
      assert.equal(e.routes.crm?.attempts, 14);
      e = transition(e, { type: 'sending', route: 'crm' }, NOW);
      e = transition(e, failed('crm', err('offline'), { jitter: 0.999_999 }), NOW);
      assert.equal(e.routes.crm!.nextAttemptAt! - NOW, BACKOFF_CAP_MS);
    });
  });

  describe('needsAuth resumption', () => {
    it('a 401 parks the route until resumeAuth makes it due now with a fresh backoff', () => {
      let e = anEntry({
        crm: { state: 'queued', attempts: 0 },
        slack: { state: 'sent', attempts: 1, sentAt: 'x' },
      });
      e = transition(e, { type: 'sending', route: 'crm' }, NOW);
      e = transition(e, failed('crm', err('auth')), NOW);
      assert.equal(e.routes.crm?.state, 'needsAuth');
      assert.equal(isDue(e.routes.crm!, NOW + 86_400_000), false, 'parked, not scheduled');
      assert.equal(hasDueRoute(e, { crm: sender }, NOW + 86_400_000), false);

      const resumed = transition(e, { type: 'resumeAuth', route: 'crm' }, NOW + 60_000);
      assert.deepEqual(resumed.routes.crm, {
        state: 'queued',
        attempts: 0,
        lastError: 'Vendor says auth.',
        nextAttemptAt: NOW + 60_000,
        mayHaveBeenSent: undefined,
      });
      assert.equal(resumed.routes.slack, e.routes.slack, 'other routes untouched');
      assert.equal(hasDueRoute(resumed, { crm: sender }, NOW + 60_000), true);

      const sent = transition(
        transition(resumed, { type: 'sending', route: 'crm' }, NOW + 60_000),
        { type: 'sent', route: 'crm', remote: { remoteId: 'T-1' } },
        NOW + 61_000,
      );
      assert.equal(questionState(sent), 'Sent');
    });

    it('a route that may have left before the 401 resumes as unknown (reconcile first)', () => {
      let e = anEntry({ crm: { state: 'queued', attempts: 0 } });
      e = transition(e, { type: 'sending', route: 'crm' }, NOW);
      e = transition(e, failed('crm', err('offline')), NOW);
      const uncertain = isUncertain(e.routes.crm!, false);
      e = transition(e, { type: 'sending', route: 'crm' }, NOW + 5_000);
      e = transition(e, failed('crm', err('auth'), { uncertain }), NOW + 5_000);
      assert.equal(e.routes.crm?.state, 'needsAuth');
      const resumed = transition(e, { type: 'resumeAuth', route: 'crm' }, NOW + 9_000);
      assert.equal(resumed.routes.crm?.state, 'unknown');
      assert.equal(resumed.routes.crm?.nextAttemptAt, NOW + 9_000);
      assert.equal(isUncertain(resumed.routes.crm!, false), true);
    });

    it('resumeAuth leaves routes that do not wait for a token alone', () => {
      const e = anEntry({
        crm: { state: 'failed', attempts: 1 },
        slack: { state: 'needsAuth', attempts: 1 },
      });
      assert.equal(transition(e, { type: 'resumeAuth', route: 'crm' }, NOW), e);
      assert.equal(transition(e, { type: 'resumeAuth', route: 'teams' }, NOW), e);
    });
  });

  describe('retry, discard, answers', () => {
    it('retry makes every unsent route due now, keeps sent and sending ones, undiscards', () => {
      const e = anEntry(
        {
          crm: { state: 'failed', attempts: 3, lastError: 'HubSpot: 404' },
          slack: { state: 'needsAuth', attempts: 1, mayHaveBeenSent: true },
          teams: {
            state: 'unknown',
            attempts: 5,
            nextAttemptAt: NOW + 900_000,
            mayHaveBeenSent: true,
          },
          ticketComment: { state: 'sent', attempts: 1, sentAt: 'x' },
          email: { state: 'sending', attempts: 1 },
        },
        { discarded: true },
      );
      const next = transition(e, { type: 'retry' }, NOW);
      assert.equal(next.discarded, undefined);
      assert.deepEqual(next.routes.crm, {
        state: 'queued',
        attempts: 0,
        lastError: 'HubSpot: 404',
        nextAttemptAt: NOW,
      });
      assert.equal(next.routes.slack?.state, 'unknown');
      assert.equal(next.routes.teams?.state, 'unknown');
      assert.equal(next.routes.teams?.nextAttemptAt, NOW);
      assert.equal(next.routes.teams?.attempts, 0);
      assert.equal(next.routes.ticketComment, e.routes.ticketComment);
      assert.equal(next.routes.email, e.routes.email);
    });

    it('discard flags the entry; nothing is due any more', () => {
      const e = anEntry({ crm: { state: 'queued', attempts: 0 } });
      const next = transition(e, { type: 'discard' }, NOW);
      assert.equal(next.discarded, true);
      assert.equal(hasDueRoute(e, { crm: sender }, NOW), true);
      assert.equal(hasDueRoute(next, { crm: sender }, NOW), false);
    });

    it('the first answer wins; answerNotified is remembered', () => {
      const e = anEntry({ crm: { state: 'sent', attempts: 1 } });
      const first = { text: 'Yes, SSO at launch.', by: 'Anna', at: '2026-10-02T10:00:00.000Z' };
      const answered = transition(e, { type: 'answered', answer: first }, NOW);
      assert.equal(questionState(answered), 'Answered');
      const later = { text: 'No', at: '2026-10-03T10:00:00.000Z' };
      const again = transition(answered, { type: 'answered', answer: later }, NOW);
      assert.equal(again, answered);
      assert.equal(transition(again, { type: 'answerNotified' }, NOW).answerNotified, true);
    });
  });

  it('any sequence of events leaves a valid entry and never changes its input', () => {
    const route = fc.constantFrom(...RouteNames);
    const kind = fc.constantFrom<ProviderErrorKind>(
      'notConfigured',
      'auth',
      'forbidden',
      'notFound',
      'rateLimited',
      'offline',
      'server',
      'badRequest',
      'invalidResponse',
      'invalidData',
      'cancelled',
    );
    const event: fc.Arbitrary<OutboxEvent> = fc.oneof(
      fc.constant<OutboxEvent>({ type: 'retry' }),
      fc.constant<OutboxEvent>({ type: 'discard' }),
      fc.constant<OutboxEvent>({ type: 'answerNotified' }),
      route.map((r): OutboxEvent => ({ type: 'resumeAuth', route: r })),
      route.map((r): OutboxEvent => ({ type: 'sending', route: r })),
      route.map((r): OutboxEvent => ({ type: 'sent', route: r, remote: { remoteId: 'R' } })),
      fc
        .record({
          route,
          kind,
          retryAt: fc.option(fc.integer({ min: 0, max: 2 * NOW })),
          uncertain: fc.boolean(),
          jitter: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
          reconcileDelayMs: fc.integer({ min: 0, max: 60_000 }),
        })
        .map(
          ({ route: r, kind: k, retryAt, ...rest }): OutboxEvent => ({
            type: 'failed',
            route: r,
            error: err(k, retryAt === null ? {} : { retryAt }),
            ...rest,
          }),
        ),
      fc.constant<OutboxEvent>({ type: 'answered', answer: { text: 'ok', at: 'z' } }),
    );
    fc.assert(
      fc.property(
        fc.subarray([...RouteNames], { minLength: 1 }),
        fc.array(fc.tuple(event, fc.integer({ min: 0, max: 86_400_000 })), { maxLength: 30 }),
        (routes, events) => {
          let e = deepFreeze(newEntry(aQuestion(), routes));
          let t = NOW;
          for (const [ev, dt] of events) {
            t += dt;
            const next = transition(e, ev, t);
            // Assertions here carry a message: without one, Node re-reads this source file to
            // word it, which under mocha and tsx can take minutes inside a shrinking property.
            assert.ok(OutboxEntry.safeParse(next).success, `${ev.type} left an invalid entry`);
            for (const r of Object.keys(next.routes) as RouteName[]) {
              const s = next.routes[r] as RouteState;
              assert.ok(s.attempts >= 0, `${r}: attempts ${s.attempts}`);
              // A route that may be retried by the outbox always says when.
              if (s.state === 'unknown')
                assert.equal(typeof s.nextAttemptAt, 'number', `${r}: unknown, never retried`);
              if (s.state === 'queued' && s.nextAttemptAt !== undefined)
                assert.ok(s.nextAttemptAt >= NOW, `${r}: due at ${s.nextAttemptAt}, before ${NOW}`);
            }
            e = deepFreeze(next);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('outbox scheduling (pure)', () => {
  it('backoffMs stays between half and the whole step, which doubles up to the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempts, jitter) => {
          const step = Math.min(BACKOFF_CAP_MS, 2_000 * 2 ** Math.max(0, attempts - 1));
          const b = backoffMs(attempts, jitter);
          assert.ok(b >= step / 2 && b <= step, `${b} outside [${step / 2}, ${step}]`);
          assert.ok(backoffMs(attempts + 1, jitter) >= b, 'never shrinks with more attempts');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('isDue: queued or unknown, once nextAttemptAt has come (none means now)', () => {
    assert.equal(isDue({ state: 'queued', attempts: 0 }, NOW), true);
    assert.equal(isDue({ state: 'unknown', attempts: 1, nextAttemptAt: NOW }, NOW), true);
    assert.equal(isDue({ state: 'unknown', attempts: 1, nextAttemptAt: NOW + 1 }, NOW), false);
    for (const state of ['sending', 'sent', 'failed', 'needsAuth'] as const)
      assert.equal(isDue({ state, attempts: 1 }, NOW), false, state);
  });

  it('hasDueRoute: routes this window sends itself (never email); a left sending counts', () => {
    const e = anEntry({
      crm: { state: 'queued', attempts: 0, nextAttemptAt: NOW + 10 },
      email: { state: 'queued', attempts: 0 },
      slack: { state: 'sending', attempts: 1 },
    });
    assert.equal(hasDueRoute(e, { email: sender }, NOW), false);
    assert.equal(hasDueRoute(e, { crm: sender }, NOW), false);
    assert.equal(hasDueRoute(e, { crm: sender }, NOW + 10), true);
    assert.equal(hasDueRoute(e, { slack: sender }, NOW), true);
  });

  it('routeDueAt: the schedule, or the lease expiry of a route being sent, or nothing', () => {
    assert.equal(routeDueAt({ state: 'queued', attempts: 0 }, NOW, undefined), NOW);
    assert.equal(
      routeDueAt({ state: 'unknown', attempts: 2, nextAttemptAt: NOW + 4 }, NOW, undefined),
      NOW + 4,
    );
    assert.equal(routeDueAt({ state: 'sending', attempts: 1 }, NOW, NOW + 300_000), NOW + 300_000);
    assert.equal(routeDueAt({ state: 'sending', attempts: 1 }, NOW, undefined), NOW);
    assert.equal(routeDueAt({ state: 'failed', attempts: 1 }, NOW, NOW + 1), undefined);
    assert.equal(routeDueAt({ state: 'needsAuth', attempts: 1 }, NOW, undefined), undefined);
  });

  it('awaitsAnswer: unanswered, kept, and younger than 30 days', () => {
    const created = Date.parse(aQuestion().createdAt);
    const e = anEntry({ crm: { state: 'sent', attempts: 1 } });
    assert.equal(awaitsAnswer(e, created + ANSWER_WINDOW_MS), true);
    assert.equal(awaitsAnswer(e, created + ANSWER_WINDOW_MS + 1), false);
    assert.equal(awaitsAnswer({ ...e, discarded: true }, created), false);
    assert.equal(awaitsAnswer({ ...e, answer: { text: 'y', at: 'z' } }, created), false);
  });
});

// Not pure: these check that the Outbox takes real time only from the injected `timers`.
describe('Outbox with injected timers (file system)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'cc-outbox-timers-')), 'outbox');
  });
  afterEach(async () => {
    await fs.rm(path.dirname(dir), { recursive: true, force: true });
  });

  /** Timers whose sleep only moves their own clock. */
  function fakeTimers(start: number): Timers & { slept: number[] } {
    let t = start;
    const slept: number[] = [];
    return { slept, now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)) };
  }

  it('waits for a busy lock on the injected timers, then names the lock', async () => {
    const clock = manualClock();
    const timers = fakeTimers(0);
    const outbox = new Outbox(dir, { owner: 'A', now: clock.now, timers, lockWaitMs: 10_000 });
    const q = aQuestion();
    await outbox.enqueue(q, ['crm']);
    // Another live window (this very process, so its pid is alive) holds the write lock.
    const lease = { owner: 'B', pid: process.pid, host: os.hostname(), token: 't' };
    await fs.writeFile(
      path.join(dir, `${q.id}.lock`),
      JSON.stringify({ ...lease, expiresAt: clock.now() + 60_000 }),
    );
    const started = performance.now();
    const busy = new RegExp(`${q.id}\\.lock is busy in another window`);
    await assert.rejects(outbox.retry(q.id), busy);
    const realMs = performance.now() - started;
    const waited = timers.slept.reduce((a, b) => a + b, 0);
    assert.ok(waited > 10_000 && waited < 10_040, `waited ${waited} ms of fake time`);
    assert.ok(timers.slept.every((ms) => ms >= 10 && ms < 40), 'jittered 10–39 ms steps');
    assert.ok(realMs < 5_000, `took ${realMs.toFixed(0)} ms of real time`);
  });

  it('judges the age of temp files by the injected timers, not by the outbox clock', async () => {
    const clock = manualClock(Date.parse('2020-01-01T00:00:00.000Z'));
    await fs.mkdir(dir, { recursive: true });
    const tmp = path.join(dir, 'x.json.abc123.tmp');
    await fs.writeFile(tmp, '{');
    const at = (offsetMs: number): Timers => ({
      now: () => Date.now() + offsetMs,
      sleep: async () => undefined,
    });
    await new Outbox(dir, { owner: 'A', now: clock.now, timers: at(30_000) }).process({});
    assert.ok(await fs.stat(tmp).then(() => true), 'kept at 30 s: may be a write in progress');
    await new Outbox(dir, { owner: 'A', now: clock.now, timers: at(120_000) }).process({});
    await assert.rejects(fs.stat(tmp), { code: 'ENOENT' });
  });
});
