// Loads the worklist through a folder's tracker and CRM: the user's open tickets in one `listMine`
// call, then their deals in one `dealsForTickets` call (or `dealsForTicket` per ticket, a few at a
// time, for a CRM without batch reads). Tickets whose context the session fetched within the TTL cost
// no request; the last list is kept (also on disk) and shown at once while a refresh runs behind it.
import type { CachedContext } from './contextCache';
import { Emitter } from './emitter';
import { ProviderError, toProviderError } from './errors';
import type { Ticket, TicketContext } from './model';
import type { Crm, TicketDeals, TicketTracker } from './providers/types';
import type { Providers } from './session';
import type { KeyValueStore } from './store';
import type { WorklistSnapshot } from './worklist';
import * as z from 'zod/mini';

/** Tickets the worklist asks the tracker for. */
export const WorklistLimit = 50;
/** `dealsForTicket` calls in flight at once when the CRM has no batch read. */
export const FallbackConcurrency = 4;

/** How fetchWorklist reads, and whom it tells about progress. */
export interface FetchWorklistOptions {
  /** The tracker's own query (JQL, a search string…) instead of "assigned to me". */
  query?: string;
  limit: number;
  /** A context known to be fresh for a ticket key: its deals cost no request. */
  cached?: (key: string) => TicketContext | undefined;
  /** At most this many `dealsForTicket` calls at once (capped at FallbackConcurrency). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Deals known for `loaded` of `total` tickets; called once before any deal request and after each. */
  onProgress?: (loaded: number, total: number) => void;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ProviderError('cancelled', 'A newer worklist load replaced this one.');
}

/** The ticket's entry in a batch answer: by its key, or by the key in another case. */
function lookup(result: Map<string, TicketDeals>, upper: Map<string, TicketDeals>, key: string): TicketDeals {
  return result.get(key) ?? upper.get(key.toUpperCase()) ?? { deals: [], warnings: [] };
}

/**
 * The worklist's tickets with their deals, in the tracker's order. A tracker without `listMine`, a
 * failed list, a failed batch read, or every per-ticket read failing is a whole-list failure (thrown);
 * some per-ticket reads failing become warnings on those tickets.
 */
export async function fetchWorklist(tracker: TicketTracker, crm: Crm, opts: FetchWorklistOptions): Promise<TicketContext[]> {
  const { signal } = opts;
  if (!tracker.listMine) {
    throw new ProviderError(
      'notConfigured',
      `The ${tracker.label} tracker cannot list your open tickets, so the worklist needs another tracker (setting customerContext.tracker).`,
      { provider: tracker.label },
    );
  }
  const listed = await tracker.listMine({ query: opts.query, limit: opts.limit }, signal);
  throwIfAborted(signal);
  // A tracker that ignores the limit or repeats a ticket must not cost more lookups or duplicate rows.
  const seen = new Set<string>();
  const tickets: Ticket[] = [];
  for (const t of listed) {
    const k = t.key.toUpperCase();
    if (seen.has(k)) continue;
    seen.add(k);
    tickets.push(t);
    if (tickets.length >= opts.limit) break;
  }
  const found = new Map<Ticket, TicketDeals>();
  const missing: Ticket[] = [];
  for (const t of tickets) {
    const hit = opts.cached?.(t.key);
    if (hit) found.set(t, { deals: hit.deals, warnings: hit.warnings });
    else missing.push(t);
  }
  const total = tickets.length;
  opts.onProgress?.(found.size, total);
  if (missing.length > 0 && crm.dealsForTickets) {
    const result = await crm.dealsForTickets(missing, signal);
    throwIfAborted(signal);
    const upper = new Map([...result].map(([k, v]) => [k.toUpperCase(), v]));
    for (const t of missing) found.set(t, lookup(result, upper, t.key));
    opts.onProgress?.(found.size, total);
  } else if (missing.length > 0) {
    const failures = await perTicket(crm, missing, found, Math.min(opts.concurrency ?? FallbackConcurrency, FallbackConcurrency), opts, total);
    throwIfAborted(signal);
    if (failures.length === missing.length && found.size === missing.length) throw failures[0];
  }
  return tickets.map((ticket) => {
    const d = found.get(ticket)!;
    return { ticket, deals: d.deals, warnings: d.warnings };
  });
}

/** `dealsForTicket` for each ticket, `limit` at a time; returns the errors of the tickets that failed. */
async function perTicket(
  crm: Crm,
  tickets: readonly Ticket[],
  found: Map<Ticket, TicketDeals>,
  limit: number,
  opts: FetchWorklistOptions,
  total: number,
): Promise<ProviderError[]> {
  const failures: ProviderError[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tickets.length && !opts.signal?.aborted) {
      const ticket = tickets[next++];
      try {
        found.set(ticket, await crm.dealsForTicket(ticket, opts.signal));
      } catch (e) {
        if (opts.signal?.aborted) return;
        const err = toProviderError(e, crm.label);
        failures.push(err);
        found.set(ticket, { deals: [], warnings: [`Deals not loaded from the ${crm.label}: ${err.message}`] });
      }
      opts.onProgress?.(found.size, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tickets.length)) }, worker));
  return failures;
}

/** What the loader needs: the folder's providers, the query, the session's cache, a clock and a store. */
export interface WorklistLoaderOptions {
  /** The providers of the folder the list is for; undefined without a folder. Throws like the session's. */
  providers: () => Providers | undefined;
  /** A tracker query overriding "assigned to me" (a setting), or undefined. */
  query?: () => string | undefined;
  /** The session's cached context for a ticket (Session.cachedContext), fresh or not. */
  cached?: (signature: string, key: string) => CachedContext | undefined;
  ttlMs: () => number;
  store?: KeyValueStore;
  now?: () => number;
  limit?: number;
  concurrency?: number;
  log?: { info(msg: string): void; warn(msg: string): void };
}

const StoreKey = 'worklist.v1';

/** The last list, as kept in memory and on disk: which settings and query it is for, and when. */
interface CachedList {
  key: string;
  fetchedAt: number;
  entries: TicketContext[];
}

const PersistedList = z.object({
  key: z.string(),
  fetchedAt: z.number(),
  entries: z.array(z.object({
    ticket: z.looseObject({ key: z.string(), title: z.string(), labels: z.array(z.string()), dealRefs: z.array(z.string()), comments: z.array(z.unknown()) }),
    deals: z.array(z.looseObject({ id: z.string(), customer: z.string() })),
    warnings: z.array(z.string()),
  })),
});

/**
 * The worklist's state over time: load() shows the last list at once (fresh: no request at all),
 * otherwise fetches behind it with progress; a newer load aborts an older one.
 */
export class WorklistLoader {
  private readonly changed = new Emitter<WorklistSnapshot>();
  /** Fires on every state change, progress included. */
  readonly onDidChange = this.changed.event;
  private readonly now: () => number;
  private state: WorklistSnapshot = { status: 'loading', entries: [], refreshing: false, trackerLabel: '' };
  private last: CachedList | undefined;
  private generation = 0;
  private inflight: AbortController | undefined;
  private disposed = false;

  constructor(private readonly opts: WorklistLoaderOptions) {
    this.now = opts.now ?? Date.now;
    const parsed = PersistedList.safeParse(opts.store?.get(StoreKey));
    if (parsed.success) this.last = parsed.data as unknown as CachedList;
  }

  /** The current state. */
  get snapshot(): WorklistSnapshot {
    return this.state;
  }

  /**
   * Shows the list: from the cache when fresh (no request), else the cached list at once and a fetch
   * behind it. `force` (Refresh, a changed data file or token) skips every cache.
   */
  async load(force = false): Promise<void> {
    const gen = ++this.generation;
    this.inflight?.abort();
    this.inflight = undefined;
    let providers: Providers | undefined;
    try {
      providers = this.opts.providers();
    } catch (e) {
      const err = toProviderError(e, 'Settings');
      return this.set({ status: 'error', entries: [], refreshing: false, trackerLabel: '', error: { kind: err.kind, message: err.message } });
    }
    if (!providers) return this.set({ status: 'noFolder', entries: [], refreshing: false, trackerLabel: '' });
    const { tracker, crm, signature } = providers;
    const query = this.opts.query?.()?.trim() || undefined;
    const listKey = JSON.stringify([signature, query ?? '']);
    const ttl = this.opts.ttlMs();
    const cached = this.last?.key === listKey ? this.last : undefined;
    const fresh = !force && !!cached && this.now() - cached.fetchedAt < ttl;
    const base = { trackerLabel: tracker.label, query, error: undefined, progress: undefined };
    this.set(cached
      ? { ...base, status: 'ready', entries: cached.entries, fetchedAt: cached.fetchedAt, refreshing: !fresh }
      : { ...base, status: 'loading', entries: [], refreshing: false });
    if (fresh) return;

    const controller = new AbortController();
    this.inflight = controller;
    const started = this.now();
    const sessionHit = (key: string): TicketContext | undefined => {
      const hit = force ? undefined : this.opts.cached?.(signature, key);
      return hit && this.now() - hit.fetchedAt < ttl ? hit.context : undefined;
    };
    try {
      const entries = await fetchWorklist(tracker, crm, {
        query,
        limit: this.opts.limit ?? WorklistLimit,
        cached: sessionHit,
        concurrency: this.opts.concurrency,
        signal: controller.signal,
        onProgress: (loaded, total) => {
          if (gen === this.generation) this.set({ ...this.state, progress: { loaded, total } });
        },
      });
      if (gen !== this.generation) return;
      const fetchedAt = this.now();
      this.opts.log?.info(`Worklist: ${entries.length} ticket(s) from ${tracker.label} + ${crm.label} in ${fetchedAt - started} ms.`);
      this.set({ ...base, status: 'ready', entries, fetchedAt, refreshing: false });
      await this.remember({ key: listKey, fetchedAt, entries });
    } catch (e) {
      if (gen !== this.generation || controller.signal.aborted) return;
      const err = e instanceof ProviderError ? e : toProviderError(e, tracker.label);
      this.opts.log?.warn(`Worklist: ${err.kind}: ${err.message}`);
      // Last good rows stay for an outage; not for a file or setting that is now wrong.
      const keep = err.kind !== 'notConfigured' && err.kind !== 'invalidData' && this.state.entries.length > 0;
      this.set({
        ...base,
        status: 'error',
        entries: keep ? this.state.entries : [],
        fetchedAt: keep ? this.state.fetchedAt : undefined,
        refreshing: false,
        error: { kind: err.kind, message: err.message },
      });
    } finally {
      if (this.inflight === controller) this.inflight = undefined;
    }
  }

  /** Stops a running load and drops listeners. */
  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.inflight?.abort();
    this.changed.dispose();
  }

  private set(state: WorklistSnapshot): void {
    if (this.disposed) return;
    this.state = state;
    this.changed.fire(state);
  }

  private async remember(list: CachedList): Promise<void> {
    this.last = list;
    // Comments are not the worklist's business and would only grow the stored state.
    const slim = { ...list, entries: list.entries.map((e) => ({ ...e, ticket: { ...e.ticket, comments: [] } })) };
    try {
      await this.opts.store?.update(StoreKey, slim);
    } catch (e) {
      this.opts.log?.warn(`Worklist: the list could not be kept for the next start: ${String(e)}`);
    }
  }
}
