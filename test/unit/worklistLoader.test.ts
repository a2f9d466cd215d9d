import * as assert from 'node:assert/strict';
import type { CachedContext } from '../../src/core/contextCache';
import { ProviderError } from '../../src/core/errors';
import type { Ticket } from '../../src/core/model';
import type { Crm, TicketDeals, TicketTracker } from '../../src/core/providers/types';
import type { Providers } from '../../src/core/session';
import type { WorklistSnapshot } from '../../src/core/worklist';
import { FallbackConcurrency, WorklistLoader, type WorklistLoaderOptions, fetchWorklist } from '../../src/core/worklistLoader';
import { aDeal, aTicket } from './builders';
import { memoryStore } from './fakes';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
const tickets = (n: number): Ticket[] => Array.from({ length: n }, (_, i) => aTicket({ key: `ACME-${i + 1}`, title: `T${i + 1}` }));
const dealsOf = (t: Ticket): TicketDeals => ({ deals: [aDeal({ id: `D-${t.key}`, customer: `Customer of ${t.key}` })], warnings: [] });

/** A tracker whose listMine answers `list` (or waits for the test), counting calls. */
function fakeTracker(list: Ticket[] | (() => Promise<Ticket[]>)) {
  const calls: Array<{ query?: string; limit: number; signal?: AbortSignal }> = [];
  const tracker: TicketTracker = {
    kind: 'jira',
    label: 'Jira Cloud',
    getTicket: async () => {
      throw new Error('the worklist never asks for one ticket');
    },
    listMine: async (o, signal) => {
      calls.push({ ...o, signal });
      return typeof list === 'function' ? list() : list;
    },
  };
  return { tracker, calls };
}

/** A CRM with a batch read, counting calls and the tickets each carried. */
function batchCrm(answer: (ts: readonly Ticket[]) => Promise<Map<string, TicketDeals>> = async (ts) => new Map(ts.map((t) => [t.key, dealsOf(t)]))) {
  const batches: string[][] = [];
  let single = 0;
  const crm: Crm = {
    kind: 'hubspot',
    label: 'HubSpot',
    dealsForTicket: async (t) => {
      single++;
      return dealsOf(t);
    },
    dealsForTickets: async (ts) => {
      batches.push(ts.map((t) => t.key));
      return answer(ts);
    },
  };
  return { crm, batches, single: () => single };
}

/** A CRM without a batch read that records how many lookups run at once. */
function slowCrm(fail: (key: string) => ProviderError | undefined = () => undefined) {
  let inFlight = 0;
  let maxInFlight = 0;
  const keys: string[] = [];
  const crm: Crm = {
    kind: 'pipedrive',
    label: 'Pipedrive',
    dealsForTicket: async (t) => {
      keys.push(t.key);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await tick(2);
      inFlight--;
      const err = fail(t.key);
      if (err) throw err;
      return dealsOf(t);
    },
  };
  return { crm, keys, max: () => maxInFlight };
}

function loader(providers: Providers | (() => Providers | undefined), extra: Partial<WorklistLoaderOptions> = {}) {
  return new WorklistLoader({
    providers: typeof providers === 'function' ? providers : () => providers,
    ttlMs: () => 60_000,
    ...extra,
  });
}

describe('worklist loading', () => {
  it('costs one list and one batch read for fifty tickets, never a read per ticket', async () => {
    const t = fakeTracker(tickets(50));
    const c = batchCrm();
    const progress: Array<[number, number]> = [];
    const entries = await fetchWorklist(t.tracker, c.crm, { query: 'assignee = currentUser()', limit: 50, onProgress: (a, b) => progress.push([a, b]) });
    assert.equal(t.calls.length, 1);
    assert.equal(t.calls[0].limit, 50);
    assert.equal(t.calls[0].query, 'assignee = currentUser()');
    assert.deepEqual(c.batches.map((b) => b.length), [50]);
    assert.equal(c.single(), 0);
    assert.deepEqual(entries.map((e) => e.ticket.key), tickets(50).map((x) => x.key));
    assert.equal(entries[49].deals[0].customer, 'Customer of ACME-50');
    assert.deepEqual(progress, [[0, 50], [50, 50]]);
  });

  it('falls back to one lookup per ticket, at most four at a time, reporting progress', async () => {
    const t = fakeTracker(tickets(20));
    const c = slowCrm();
    const progress: number[] = [];
    const entries = await fetchWorklist(t.tracker, c.crm, { limit: 50, concurrency: 16, onProgress: (n) => progress.push(n) });
    assert.equal(c.keys.length, 20);
    assert.equal(c.max(), FallbackConcurrency, 'four in flight, never more (16 asked for)');
    assert.deepEqual(progress, Array.from({ length: 21 }, (_, i) => i));
    assert.equal(entries.length, 20);
  });

  it('finds a batch answer keyed in another case, and gives a ticket the batch left out no deals', async () => {
    const t = fakeTracker([aTicket({ key: 'acme-1' }), aTicket({ key: 'ACME-2' })]);
    const c = batchCrm(async () => new Map([['ACME-1', dealsOf(aTicket({ key: 'ACME-1' }))]]));
    const entries = await fetchWorklist(t.tracker, c.crm, { limit: 50 });
    assert.equal(entries[0].deals.length, 1);
    assert.deepEqual(entries[1].deals, []);
  });

  it('trims what a tracker returns beyond the limit and drops repeated tickets', async () => {
    const t = fakeTracker([...tickets(3), aTicket({ key: 'acme-2' }), ...tickets(60).slice(3)]);
    const c = batchCrm();
    const entries = await fetchWorklist(t.tracker, c.crm, { limit: 10 });
    assert.deepEqual(entries.map((e) => e.ticket.key), tickets(10).map((x) => x.key));
    assert.equal(c.batches[0].length, 10);
  });

  it('turns one ticket\'s failed lookup into a warning on that row', async () => {
    const t = fakeTracker(tickets(3));
    const c = slowCrm((k) => (k === 'ACME-2' ? new ProviderError('server', 'Pipedrive: HTTP 502.') : undefined));
    const entries = await fetchWorklist(t.tracker, c.crm, { limit: 50 });
    assert.deepEqual(entries[1].deals, []);
    assert.deepEqual(entries[1].warnings, ['Deals not loaded from the Pipedrive: Pipedrive: HTTP 502.']);
    assert.equal(entries[0].deals.length, 1);
    assert.equal(entries[2].deals.length, 1);
  });

  it('says which tracker cannot list tickets', async () => {
    const { listMine: _none, ...tracker } = fakeTracker([]).tracker;
    await assert.rejects(fetchWorklist(tracker, batchCrm().crm, { limit: 50 }), (e: ProviderError) =>
      e.kind === 'notConfigured' && e.message.startsWith('The Jira Cloud tracker cannot list your open tickets'));
  });

  describe('the loader', () => {
    const providers = (tracker: TicketTracker, crm: Crm, signature = 'sig'): Providers => ({ tracker, crm, signature });

    it('serves a fresh list with no call at all, and Refresh fetches again', async () => {
      const t = fakeTracker(tickets(5));
      const c = batchCrm();
      const l = loader(providers(t.tracker, c.crm));
      await l.load();
      assert.equal(l.snapshot.status, 'ready');
      assert.equal(l.snapshot.entries.length, 5);
      await l.load();
      assert.equal(t.calls.length, 1, 'warm: no list request');
      assert.equal(c.batches.length, 1, 'warm: no CRM request');
      await l.load(true);
      assert.equal(t.calls.length, 2);
      assert.equal(c.batches.length, 2);
      l.dispose();
    });

    it('takes fresh contexts from the session cache: those tickets cost no CRM call', async () => {
      let now = 1_000_000;
      const t = fakeTracker(tickets(4));
      const c = batchCrm();
      const cache = new Map<string, CachedContext>([
        ['sig|ACME-2', { context: { ticket: aTicket({ key: 'ACME-2' }), deals: [aDeal({ customer: 'Cached Corp' })], warnings: [] }, fetchedAt: now - 1000 }],
        ['sig|ACME-3', { context: { ticket: aTicket({ key: 'ACME-3' }), deals: [], warnings: [] }, fetchedAt: now - 120_000 }],
      ]);
      const l = loader(providers(t.tracker, c.crm), { now: () => now, cached: (sig, key) => cache.get(`${sig}|${key.toUpperCase()}`) });
      await l.load();
      assert.deepEqual(c.batches, [['ACME-1', 'ACME-3', 'ACME-4']], 'ACME-2 is fresh in the cache; ACME-3 is stale');
      assert.equal(l.snapshot.entries[1].deals[0].customer, 'Cached Corp');
      assert.equal(l.snapshot.entries[1].ticket.title, 'T2', 'the ticket itself comes from the list');
      now += 120_000;
      await l.load(true);
      assert.equal(c.batches[1].length, 4, 'Refresh skips the cache');
      l.dispose();
    });

    it('shows the last list at once while a stale one refreshes, with progress', async () => {
      let now = 1_000_000;
      const store = memoryStore();
      const first = loader(providers(fakeTracker(tickets(3)).tracker, batchCrm().crm), { store, now: () => now });
      await first.load();
      first.dispose();

      now += 10 * 60_000;
      let release!: (ts: Ticket[]) => void;
      const t = fakeTracker(() => new Promise((r) => (release = r)));
      const seen: WorklistSnapshot[] = [];
      const l = loader(providers(t.tracker, slowCrm().crm), { store, now: () => now });
      l.onDidChange((s) => seen.push(s));
      const done = l.load();
      assert.equal(l.snapshot.status, 'ready', 'the stored list shows at once after a restart');
      assert.equal(l.snapshot.entries.length, 3);
      assert.equal(l.snapshot.refreshing, true);
      await tick();
      release(tickets(2));
      await done;
      assert.equal(l.snapshot.refreshing, false);
      assert.equal(l.snapshot.entries.length, 2);
      assert.deepEqual(seen.filter((s) => s.progress).map((s) => `${s.progress!.loaded}/${s.progress!.total}`), ['0/2', '1/2', '2/2']);
      assert.ok(seen.every((s) => s.entries.length > 0), 'never an empty list in between');
      l.dispose();
    });

    it('aborts an older load when a newer one starts; a late answer does not win', async () => {
      const waiting: Array<(ts: Ticket[]) => void> = [];
      const t = fakeTracker(() => new Promise((r) => waiting.push(r)));
      const c = batchCrm();
      const l = loader(providers(t.tracker, c.crm));
      const first = l.load();
      const second = l.load(true);
      await tick();
      assert.equal(t.calls[0].signal?.aborted, true);
      assert.equal(t.calls[1].signal?.aborted, false);
      waiting[1]([aTicket({ key: 'NEW-1' })]);
      await second;
      waiting[0]([aTicket({ key: 'OLD-1' })]);
      await first;
      assert.deepEqual(l.snapshot.entries.map((e) => e.ticket.key), ['NEW-1']);
      assert.deepEqual(c.batches, [['NEW-1']], 'the aborted load asked the CRM nothing');
      l.dispose();
    });

    it('turns a whole-list failure into the error state, keeping the last rows for an outage only', async () => {
      let fail: ProviderError | undefined;
      const t = fakeTracker(async () => {
        if (fail) throw fail;
        return tickets(2);
      });
      const l = loader(providers(t.tracker, batchCrm().crm));
      await l.load();
      fail = new ProviderError('offline', 'Jira: cannot connect (ECONNREFUSED).');
      await l.load(true);
      assert.equal(l.snapshot.status, 'error');
      assert.equal(l.snapshot.error?.message, 'Jira: cannot connect (ECONNREFUSED).');
      assert.equal(l.snapshot.entries.length, 2, 'offline: the last rows stay');
      fail = new ProviderError('invalidData', 'The data file f.json is invalid: tickets: required');
      await l.load(true);
      assert.equal(l.snapshot.entries.length, 0, 'a broken file shows no old rows');
      l.dispose();
    });

    it('treats a failed batch read, or every lookup failing, as a failure of the whole list', async () => {
      const t = fakeTracker(tickets(3));
      const batch = loader(providers(t.tracker, batchCrm(async () => {
        throw new ProviderError('auth', 'HubSpot: the token was refused (HTTP 401).');
      }).crm));
      await batch.load();
      assert.equal(batch.snapshot.status, 'error');
      assert.equal(batch.snapshot.error?.kind, 'auth');
      const each = loader(providers(t.tracker, slowCrm(() => new ProviderError('auth', 'Pipedrive: HTTP 401.')).crm));
      await each.load();
      assert.equal(each.snapshot.status, 'error');
      assert.equal(each.snapshot.error?.message, 'Pipedrive: HTTP 401.');
      batch.dispose();
      each.dispose();
    });

    it('says what is wrong without a folder, with bad settings or without listMine', async () => {
      const none = loader(() => undefined);
      await none.load();
      assert.equal(none.snapshot.status, 'noFolder');
      const bad = loader(() => {
        throw new ProviderError('notConfigured', 'customerContext.jira.baseUrl is not set.');
      });
      await bad.load();
      assert.deepEqual(bad.snapshot.error, { kind: 'notConfigured', message: 'customerContext.jira.baseUrl is not set.' });
      const { listMine: _none, ...tracker } = fakeTracker([]).tracker;
      const unable = loader(providers(tracker, batchCrm().crm));
      await unable.load();
      assert.equal(unable.snapshot.status, 'error');
      assert.match(unable.snapshot.error!.message, /^The Jira Cloud tracker cannot list your open tickets/);
    });

    it('keeps lists apart by settings and query: another one is fetched, not shown from the cache', async () => {
      const t = fakeTracker(tickets(2));
      const c = batchCrm();
      const setting: { query?: string } = {};
      const l = loader(providers(t.tracker, c.crm), { query: () => setting.query });
      await l.load();
      setting.query = ' project = OPS ';
      await l.load();
      assert.equal(t.calls.length, 2);
      assert.equal(t.calls[1].query, 'project = OPS');
      assert.equal(l.snapshot.query, 'project = OPS');
      l.dispose();
    });

    it('ignores a corrupt stored list', async () => {
      const store = memoryStore();
      await store.update('worklist.v1', { key: 1, entries: 'x' });
      const t = fakeTracker(tickets(1));
      const l = loader(providers(t.tracker, batchCrm().crm), { store });
      await l.load();
      assert.equal(t.calls.length, 1);
      assert.equal(l.snapshot.entries.length, 1);
      l.dispose();
    });
  });
});
