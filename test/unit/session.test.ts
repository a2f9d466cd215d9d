import * as assert from 'node:assert/strict';
import { DefaultTicketPatterns, compilePatterns } from '../../src/core/branch';
import { ProviderError } from '../../src/core/errors';
import type { Ticket } from '../../src/core/model';
import type { Crm, TicketTracker } from '../../src/core/providers/types';
import { type GitState, Session, type SessionOptions } from '../../src/core/session';
import { aDeal, aTicket } from './builders';
import { memoryStore } from './fakes';

const compiled = compilePatterns(DefaultTicketPatterns);

/** A tracker whose answers the test releases one by one, counting calls. */
function controllableTracker() {
  const calls: string[] = [];
  const waiting: Array<{ key: string; resolve: (t: Ticket) => void; reject: (e: unknown) => void; signal?: AbortSignal }> = [];
  const tracker: TicketTracker = {
    kind: 'local',
    label: 'fake',
    getTicket: (key, signal) => {
      calls.push(key);
      return new Promise((resolve, reject) => waiting.push({ key, resolve, reject, signal }));
    },
  };
  return { tracker, calls, waiting };
}

const crm: Crm = { kind: 'local', label: 'fake crm', dealsForTicket: async (t) => ({ deals: t.key === 'ACME-42' ? [aDeal()] : [], warnings: [] }) };

function makeSession(tracker: TicketTracker, extra: Partial<SessionOptions> = {}) {
  return new Session({
    providers: () => ({ tracker, crm, signature: 'test' }),
    patterns: () => ({ compiled, projectKeys: [] }),
    override: () => undefined,
    questionsFor: async () => [],
    dataProblems: () => [],
    settingsProblems: () => [],
    routes: () => ['crm'],
    ttlMs: () => 60_000,
    debounceMs: 5,
    ...extra,
  });
}

const branch = (b: string): GitState => ({ kind: 'branch', repository: '/repo', branch: b });
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** Checks out ACME-42 and lets the (first) fetch answer. */
async function loadAcme42(s: Session, t: ReturnType<typeof controllableTracker>): Promise<void> {
  s.setGitState(branch('ACME-42'));
  await tick();
  t.waiting[t.waiting.length - 1].resolve(aTicket());
  await tick();
}

describe('session', () => {
  it('shows the key at once, then the context', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    s.setGitState(branch('feature/ACME-42-x'));
    assert.equal(s.snapshot.status, 'loading');
    assert.equal(s.snapshot.ticketKey, 'ACME-42');
    await tick();
    t.waiting[0].resolve(aTicket());
    await tick();
    assert.equal(s.snapshot.status, 'ready');
    assert.equal(s.snapshot.context?.deals[0].customer, 'Globex LLC');
    s.dispose();
  });

  it('costs one fetch for a burst of branch switches and aborts superseded fetches', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    for (const b of ['ACME-1-a', 'ACME-2-b', 'ACME-3-c', 'ACME-4-d']) s.setGitState(branch(b));
    await tick();
    assert.deepEqual(t.calls, ['ACME-4']);
    s.setGitState(branch('ACME-5-e'));
    await tick();
    assert.equal(t.waiting[0].signal?.aborted, true, 'the ACME-4 fetch is aborted');
    t.waiting[0].resolve(aTicket({ key: 'ACME-4' })); // a late answer must not win
    t.waiting[1].resolve(aTicket({ key: 'ACME-5', title: 'five' }));
    await tick();
    assert.equal(s.snapshot.context?.ticket.key, 'ACME-5');
    s.dispose();
  });

  it('clears the view on a branch without a ticket (never keeps the previous ticket)', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    await loadAcme42(s, t);
    s.setGitState(branch('main'));
    assert.equal(s.snapshot.status, 'noTicket');
    assert.equal(s.snapshot.ticketKey, undefined);
    assert.equal(s.snapshot.context, undefined);
    s.setGitState({ kind: 'detached', repository: '/repo' });
    assert.equal(s.snapshot.status, 'detached');
    s.setGitState({ kind: 'noGit' });
    assert.equal(s.snapshot.status, 'noGit');
    s.dispose();
  });

  it('serves a fresh cached context without fetching, and Refresh forces a fetch', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    await loadAcme42(s, t);
    s.setGitState(branch('main'));
    s.setGitState(branch('ACME-42'));
    assert.equal(s.snapshot.status, 'ready');
    await tick();
    assert.equal(t.calls.length, 1);
    s.refresh(true);
    await tick();
    assert.equal(t.calls.length, 2);
    s.dispose();
  });

  it('keeps the last good context when offline and restores it after a restart', async () => {
    const store = memoryStore();
    let now = 1_000_000;
    const t = controllableTracker();
    const s = makeSession(t.tracker, { store, now: () => now });
    await loadAcme42(s, t);
    s.dispose();

    now += 10 * 60_000; // cache expired
    const t2 = controllableTracker();
    const s2 = makeSession(t2.tracker, { store, now: () => now });
    s2.setGitState(branch('ACME-42'));
    assert.equal(s2.snapshot.context?.deals[0].customer, 'Globex LLC', 'shown from disk before the fetch');
    await tick();
    t2.waiting[0].reject(new ProviderError('offline', 'Jira: cannot connect (ECONNREFUSED).'));
    await tick();
    assert.equal(s2.snapshot.status, 'error');
    assert.equal(s2.snapshot.error?.kind, 'offline');
    assert.equal(s2.snapshot.staleBecause, 'Offline.');
    assert.equal(s2.snapshot.fetchedAt, 1_000_000);
    assert.equal(s2.snapshot.context?.deals.length, 1);
    s2.dispose();
  });

  it('refreshes in the background when the context goes stale, showing the old data meanwhile', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker, { ttlMs: () => 40 });
    s.setGitState(branch('ACME-42'));
    await tick();
    t.waiting[0].resolve(aTicket());
    // The TTL is 40 ms; a loaded machine may run the timer late, so wait for it (up to 2 s).
    for (let waited = 0; t.calls.length < 2 && waited < 2_000; waited += 20) await tick(20);
    assert.equal(t.calls.length, 2, 'a second fetch after the TTL, without any event');
    assert.equal(s.snapshot.status, 'ready', 'no Loading flash: the cached context stays on screen');
    assert.equal(s.snapshot.context?.deals.length, 1);
    assert.equal(s.snapshot.refreshing, true, 'but it says a fetch is running');
    t.waiting[1].resolve(aTicket());
    await tick();
    assert.equal(s.snapshot.refreshing, false);
    s.dispose();
  });

  it('keeps the last good context when a login page answers instead of the API', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    await loadAcme42(s, t);
    s.refresh(true);
    await tick();
    t.waiting[1].reject(new ProviderError('invalidResponse', 'Jira: HTTP 200 with an HTML page instead of JSON.'));
    await tick();
    assert.equal(s.snapshot.status, 'error');
    assert.equal(s.snapshot.context?.deals.length, 1);
    assert.match(s.snapshot.staleBecause ?? '', /HTML page/);
    s.dispose();
  });

  it('maps not found and configuration errors to their states', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    s.setGitState(branch('ACME-9'));
    await tick();
    t.waiting[0].reject(new ProviderError('notFound', 'Ticket ACME-9 is not in the data file.'));
    await tick();
    assert.equal(s.snapshot.status, 'ticketNotFound');
    const bad = makeSession(t.tracker, { providers: () => { throw new ProviderError('notConfigured', 'customerContext.jira.baseUrl is not set.'); } });
    bad.setGitState(branch('ACME-9'));
    assert.equal(bad.snapshot.status, 'notConfigured');
    assert.equal(bad.snapshot.error?.message, 'customerContext.jira.baseUrl is not set.');
    s.dispose();
    bad.dispose();
  });

  it('uses a manual override for the branch', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker, { override: (repo, b) => (repo === '/repo' && b === 'main' ? 'ACME-42' : undefined) });
    s.setGitState(branch('main'));
    assert.equal(s.snapshot.ticketKey, 'ACME-42');
    assert.equal(s.snapshot.overridden, true);
    s.dispose();
  });
});

describe('session: contextFor (hovers and the language model tool)', () => {
  it('answers a cached key from the cache without a request, fresh or stale', async () => {
    let now = 1_000_000;
    const t = controllableTracker();
    const s = makeSession(t.tracker, { now: () => now });
    await loadAcme42(s, t);
    const calls = t.calls.length;
    const fresh = await s.contextFor('acme-42', { fetch: true });
    assert.equal(fresh.context?.deals[0].customer, 'Globex LLC');
    assert.equal(fresh.fetchedAt, 1_000_000);
    now += 10 * 60_000; // past the TTL: still no request from a hover
    const stale = await s.contextFor('ACME-42', { fetch: true, repository: '/repo' });
    assert.equal(stale.context?.ticket.key, 'ACME-42');
    assert.equal(t.calls.length, calls, 'no request for a cached key');
    s.dispose();
  });

  it('fetches an uncached key once for concurrent callers and caches it, and only when asked to', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    s.setGitState(branch('main'));
    assert.deepEqual(await s.contextFor('ACME-42', { fetch: false }), {}, 'no fetch without { fetch: true }');
    assert.equal(t.calls.length, 0);
    const first = s.contextFor('ACME-42', { fetch: true });
    const second = s.contextFor('acme-42', { fetch: true });
    await tick();
    assert.deepEqual(t.calls, ['ACME-42'], 'one request for both');
    t.waiting[0].resolve(aTicket());
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.context?.deals.length, 1);
    assert.equal(b.context?.deals[0].customer, 'Globex LLC');
    assert.equal((await s.contextFor('ACME-42', { fetch: false })).context?.ticket.title, 'Export invoices to PDF');
    assert.equal(t.calls.length, 1, 'later calls read the cache');
    s.dispose();
  });

  it('remembers a key the tracker does not know, and retries a transient failure after the TTL', async () => {
    let now = 1_000_000;
    const t = controllableTracker();
    const s = makeSession(t.tracker, { now: () => now, ttlMs: () => 30_000 });
    s.setGitState(branch('main'));
    const missing = s.contextFor('UTF-8', { fetch: true });
    await tick();
    t.waiting[0].reject(new ProviderError('notFound', 'Ticket UTF-8 is not in the data file.'));
    assert.equal((await missing).error?.kind, 'notFound');
    now += 60_000;
    assert.equal((await s.contextFor('UTF-8', { fetch: true })).error?.kind, 'notFound');
    assert.equal(t.calls.length, 1, 'a missing ticket is not asked for again within ten minutes');

    const offline = s.contextFor('ACME-7', { fetch: true });
    await tick();
    t.waiting[1].reject(new ProviderError('offline', 'cannot connect (ECONNREFUSED).'));
    assert.equal((await offline).error?.kind, 'offline');
    assert.equal((await s.contextFor('ACME-7', { fetch: true })).error?.kind, 'offline');
    assert.equal(t.calls.length, 2, 'not retried within the TTL');
    now += 31_000;
    const retried = s.contextFor('ACME-7', { fetch: true });
    await tick();
    assert.equal(t.calls.length, 3, 'retried after the TTL');
    t.waiting[2].resolve(aTicket({ key: 'ACME-7' }));
    assert.equal((await retried).context?.ticket.key, 'ACME-7');
    s.dispose();
  });

  it('refuses what is not a key, and reports settings and missing repositories without a request', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    assert.equal((await s.contextFor('ACME-42', { fetch: true })).error?.kind, 'notConfigured', 'no repository yet');
    s.setGitState(branch('main'));
    for (const bad of ['', 'ACME 42', 'x|ACME-42', 'ACME-42\nx', '../ACME-1', 'A'.repeat(40) + '-1']) {
      assert.equal((await s.contextFor(bad, { fetch: true })).error?.kind, 'badRequest', JSON.stringify(bad));
    }
    const unconfigured = makeSession(t.tracker, { providers: () => { throw new ProviderError('notConfigured', 'customerContext.tracker is not set.'); } });
    const r = await unconfigured.contextFor('ACME-42', { fetch: true, repository: '/repo' });
    assert.deepEqual(r.error, { kind: 'notConfigured', message: 'customerContext.tracker is not set.' });
    assert.equal(t.calls.length, 0);
    s.dispose();
    unconfigured.dispose();
  });

  it('shares the cache with the branch: a key looked up by a hover shows at once on checkout', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    s.setGitState(branch('main'));
    const looked = s.contextFor('ACME-42', { fetch: true });
    await tick();
    t.waiting[0].resolve(aTicket());
    await looked;
    s.setGitState(branch('feature/ACME-42-pdf'));
    assert.equal(s.snapshot.status, 'ready');
    assert.equal(s.snapshot.context?.deals[0].customer, 'Globex LLC');
    await tick();
    assert.equal(t.calls.length, 1, 'the fresh lookup spares the branch its fetch');
    s.dispose();
  });

});

describe('session: showing another ticket (the worklist)', () => {
  it('shows a pinned ticket until the branch changes', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    await loadAcme42(s, t);
    assert.equal(s.showTicket('ACME-7'), true);
    assert.equal(s.snapshot.ticketKey, 'ACME-7');
    assert.equal(s.snapshot.status, 'loading');
    assert.equal(s.pinnedTicket, 'ACME-7');
    assert.equal(s.branchTicketKey(), 'ACME-42', 'the branch still names its own ticket');
    await tick();
    assert.deepEqual(t.calls, ['ACME-42', 'ACME-7']);
    t.waiting[1].resolve(aTicket({ key: 'ACME-7', title: 'SSO' }));
    await tick();
    assert.equal(s.snapshot.context?.ticket.title, 'SSO');
    assert.equal(s.current().key, 'ACME-7', 'commands act on the ticket shown');
    s.setGitState(branch('feature/ACME-8-y'));
    assert.equal(s.pinnedTicket, undefined);
    assert.equal(s.snapshot.ticketKey, 'ACME-8');
    s.dispose();
  });

  it("goes back to the branch's ticket from the cache, and treats the branch's own key as going back", async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    await loadAcme42(s, t);
    s.showTicket('ACME-7');
    s.showTicket(undefined);
    assert.equal(s.pinnedTicket, undefined);
    assert.equal(s.snapshot.ticketKey, 'ACME-42');
    assert.equal(s.snapshot.status, 'ready', 'shown from the cache at once');
    s.showTicket('acme-42');
    assert.equal(s.pinnedTicket, undefined);
    await tick();
    assert.deepEqual(t.calls, ['ACME-42'], 'the superseded ACME-7 fetch never started, ACME-42 was fresh');
    s.dispose();
  });

  it('pins a ticket on a branch without a key, but not without a repository', () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    s.setGitState(branch('main'));
    assert.equal(s.snapshot.status, 'noTicket');
    assert.equal(s.showTicket('ACME-7'), true);
    assert.equal(s.snapshot.ticketKey, 'ACME-7');
    s.setGitState({ kind: 'noGit' });
    assert.equal(s.showTicket('ACME-7'), false);
    assert.equal(s.snapshot.status, 'noGit');
    s.dispose();
  });

  it('lends its cached contexts by providers signature and key, in any case', async () => {
    const t = controllableTracker();
    const s = makeSession(t.tracker);
    assert.equal(s.cachedContext('test', 'ACME-42'), undefined);
    await loadAcme42(s, t);
    assert.equal(s.cachedContext('test', 'acme-42')?.context.deals[0].customer, 'Globex LLC');
    assert.equal(s.cachedContext('other', 'ACME-42'), undefined);
    s.dispose();
  });
});
