// The session: current repository and branch → ticket key → ticket + deals, with caching, cancellation
// of superseded fetches and the state every view renders. No vscode here; effects are injected.
import { type CompiledPatterns, type KeyPreference, isTicketKey, normalizeKey, parseTicketKey } from './branch';
import { type CachedContext, ContextCache } from './contextCache';
import { Emitter } from './emitter';
import { ProviderError, toProviderError } from './errors';
import type { TicketContext } from './model';
import type { Crm, TicketTracker } from './providers/types';
import type { KeyValueStore } from './store';
import type { ValidationProblem } from './validation';
import type { QuestionItem, SessionSnapshot, ViewStatus } from './viewModel';

/** What the Git layer reports. */
export type GitState =
  | { kind: 'noFolder' }
  | { kind: 'noGit' }
  | { kind: 'gitUnavailable'; reason?: string }
  | { kind: 'detached'; repository: string }
  | { kind: 'branch'; repository: string; branch: string };

export interface Providers {
  tracker: TicketTracker;
  crm: Crm;
  /** Changes when the tracker/CRM or their settings change: part of the cache key. */
  signature: string;
}

export interface SessionOptions {
  /** Builds the providers for a repository; throws ProviderError('notConfigured') with the setting name. */
  providers: (repository: string) => Providers;
  patterns: () => { compiled: CompiledPatterns; projectKeys: string[]; prefer?: KeyPreference };
  /** The manual ticket for a branch of a repository, if set. */
  override: (repository: string, branch: string) => string | undefined;
  questionsFor: (ticketKey: string) => Promise<QuestionItem[]>;
  /** Data file problems to show (errors make the status invalidData when the local provider is used). */
  dataProblems: () => ValidationProblem[];
  settingsProblems: () => string[];
  routes: () => string[];
  ttlMs: () => number;
  store?: KeyValueStore;
  now?: () => number;
  /** Delay before fetching after a branch change, so a burst of changes costs one fetch. */
  debounceMs?: number;
  log?: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

/** The context cache's key of a ticket under a providers signature (shared with Session.cachedContext). */
function contextKey(signature: string, key: string): string {
  return `${signature}|${key.toUpperCase()}`;
}

export class Session {
  private readonly changed = new Emitter<SessionSnapshot>();
  readonly onDidChange = this.changed.event;
  private readonly cache: ContextCache;
  private readonly now: () => number;
  private git: GitState = { kind: 'noFolder' };
  private snap: SessionSnapshot;
  private generation = 0;
  private inflight: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  /** A ticket shown instead of the branch's (the worklist), until the git state changes or it is unpinned. */
  private pinned: string | undefined;

  constructor(private readonly opts: SessionOptions) {
    this.now = opts.now ?? Date.now;
    this.cache = new ContextCache(opts.store, this.now);
    // No callbacks here: the composition root may still be wiring what they read.
    this.snap = { status: 'noFolder', dataProblems: [], settingsProblems: [], questions: [], trackerLabel: '', routes: [] };
  }

  get snapshot(): SessionSnapshot {
    return this.snap;
  }

  get gitState(): GitState {
    return this.git;
  }

  /** Called by the Git layer on every change; cheap when nothing relevant changed. */
  setGitState(git: GitState): void {
    const same = JSON.stringify(git) === JSON.stringify(this.git);
    this.git = git;
    if (!same) {
      this.pinned = undefined;
      this.reload(false);
    }
  }

  /**
   * Shows `key` instead of the branch's ticket until the branch (or repository) changes; undefined, or
   * the branch's own key, goes back to the branch's ticket. False without a repository to look it up in.
   */
  showTicket(key: string | undefined): boolean {
    const g = this.git;
    if (key !== undefined && g.kind !== 'branch' && g.kind !== 'detached') return false;
    const branchKey = this.keyFor(g, false).key;
    const pin = key === undefined || key.toUpperCase() === branchKey?.toUpperCase() ? undefined : key;
    if (pin === this.pinned) return true;
    this.pinned = pin;
    this.reload(false);
    return true;
  }

  /** The ticket shown instead of the branch's, if any. */
  get pinnedTicket(): string | undefined {
    return this.pinned;
  }

  /** The current branch's ticket key (manual override included), whatever ticket is shown. */
  branchTicketKey(): string | undefined {
    return this.keyFor(this.git, false).key;
  }

  /** The cached context of a ticket under the providers' signature, fresh or not; never fetches. */
  cachedContext(signature: string, key: string): CachedContext | undefined {
    return this.cache.get(contextKey(signature, key));
  }

  /** Re-reads everything; `force` skips the cache (the Refresh command). */
  refresh(force = true): void {
    this.reload(force);
  }

  /** Updates only the questions list (outbox or inbox changed). */
  async refreshQuestions(): Promise<void> {
    const key = this.snap.ticketKey;
    if (!key) return;
    const gen = this.generation;
    const questions = await this.opts.questionsFor(key).catch(() => this.snap.questions);
    if (gen === this.generation) this.update({ questions });
  }

  setSelection(selection: SessionSnapshot['selection']): void {
    if (JSON.stringify(selection) !== JSON.stringify(this.snap.selection)) this.update({ selection });
  }

  /** The providers for a repository (throws ProviderError('notConfigured') like a lookup would). */
  providersFor(repository: string): Providers {
    return this.opts.providers(repository);
  }

  /** The current ticket key and providers, for commands (ask sales, open ticket). */
  current(): { key?: string; context?: TicketContext; repository?: string; branch?: string } {
    const g = this.git;
    return {
      key: this.snap.ticketKey,
      context: this.snap.context,
      repository: g.kind === 'branch' || g.kind === 'detached' ? g.repository : undefined,
      branch: g.kind === 'branch' ? g.branch : undefined,
    };
  }

  dispose(): void {
    this.disposed = true;
    this.inflight?.abort();
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    this.changed.dispose();
  }

  private baseSnapshot(status: ViewStatus): SessionSnapshot {
    return {
      status,
      dataProblems: [],
      settingsProblems: this.opts.settingsProblems(),
      questions: [],
      trackerLabel: '',
      routes: this.opts.routes(),
      selection: this.snap?.selection,
    };
  }

  private update(patch: Partial<SessionSnapshot>): void {
    if (this.disposed) return;
    this.snap = { ...this.snap, ...patch };
    this.changed.fire(this.snap);
  }

  private keyFor(git: GitState, withPin = true): { key?: string; overridden: boolean } {
    if (git.kind !== 'branch' && git.kind !== 'detached') return { overridden: false };
    if (withPin && this.pinned) return { key: this.pinned, overridden: false };
    const branchName = git.kind === 'branch' ? git.branch : undefined;
    if (branchName) {
      const manual = this.opts.override(git.repository, branchName);
      if (manual) return { key: manual, overridden: true };
    }
    const { compiled, projectKeys, prefer } = this.opts.patterns();
    return { key: parseTicketKey(branchName, compiled, projectKeys, prefer), overridden: false };
  }

  private reload(force: boolean): void {
    this.generation++;
    this.inflight?.abort();
    this.inflight = undefined;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    const git = this.git;
    const settingsProblems = this.opts.settingsProblems();
    const common = {
      branch: git.kind === 'branch' ? git.branch : undefined,
      repository: git.kind === 'branch' || git.kind === 'detached' ? git.repository : undefined,
      settingsProblems,
      routes: this.opts.routes(),
      dataProblems: this.opts.dataProblems(),
    };
    if (git.kind !== 'branch' && git.kind !== 'detached') {
      this.snap = { ...this.baseSnapshot(git.kind), ...common, error: git.kind === 'gitUnavailable' && git.reason ? { kind: 'notConfigured', message: git.reason } : undefined };
      return this.changed.fire(this.snap);
    }
    const { key, overridden } = this.keyFor(git);
    if (!key) {
      this.snap = { ...this.baseSnapshot(git.kind === 'detached' ? 'detached' : 'noTicket'), ...common };
      return this.changed.fire(this.snap);
    }
    let providers: Providers;
    try {
      providers = this.opts.providers(git.repository);
    } catch (e) {
      const err = toProviderError(e, 'Settings');
      this.snap = { ...this.baseSnapshot(err.kind === 'invalidData' ? 'invalidData' : 'notConfigured'), ...common, ticketKey: key, overridden, error: { kind: err.kind, message: err.message } };
      return this.changed.fire(this.snap);
    }
    const cacheKey = contextKey(providers.signature, key);
    const cached = this.cache.get(cacheKey);
    const fresh = !force && cached && this.cache.isFresh(cached, this.opts.ttlMs());
    const keepQuestions = this.snap.ticketKey === key ? this.snap.questions : [];
    // Stale-while-revalidate: cached data shows as it is while the fetch runs; only a first load says Loading.
    this.snap = {
      ...this.baseSnapshot(cached ? 'ready' : 'loading'),
      ...common,
      ticketKey: key,
      overridden,
      trackerLabel: providers.tracker.label,
      context: cached?.context,
      fetchedAt: cached?.fetchedAt,
      refreshing: !!cached && !fresh,
      questions: keepQuestions,
    };
    this.changed.fire(this.snap);
    const gen = this.generation;
    void this.opts.questionsFor(key).then(
      (questions) => gen === this.generation && this.update({ questions }),
      (e) => this.opts.log?.warn(`Questions for ${key}: ${String(e)}`),
    );
    if (fresh) return;
    // Cached but stale data shows at once; the fetch runs after a short pause so a burst of branch
    // switches costs one request set, and a newer switch aborts an older fetch.
    this.timer = setTimeout(() => void this.fetch(gen, key, providers, cacheKey), this.opts.debounceMs ?? 120);
  }

  private async fetch(gen: number, key: string, providers: Providers, cacheKey: string): Promise<void> {
    const controller = new AbortController();
    this.inflight = controller;
    const started = this.now();
    try {
      const ticket = await providers.tracker.getTicket(key, controller.signal);
      const { deals, warnings } = await providers.crm.dealsForTicket(ticket, controller.signal);
      if (gen !== this.generation) return;
      const entry = await this.cache.set(cacheKey, { ticket, deals, warnings });
      if (gen !== this.generation) return;
      this.opts.log?.info(`${key}: ${deals.length} deal(s) from ${providers.tracker.label} + ${providers.crm.label} in ${this.now() - started} ms`);
      this.update({ status: 'ready', context: entry.context, fetchedAt: entry.fetchedAt, staleBecause: undefined, error: undefined, refreshing: false, dataProblems: this.opts.dataProblems() });
      // Refreshed in the background when it goes stale, while the branch stays the same.
      const ttl = this.opts.ttlMs();
      if (ttl > 0) this.retryTimer = setTimeout(() => gen === this.generation && this.reload(false), ttl);
    } catch (e) {
      if (gen !== this.generation || controller.signal.aborted) return;
      const err = e instanceof ProviderError ? e : toProviderError(e, providers.tracker.label);
      this.opts.log?.warn(`${key}: ${err.kind}: ${err.message}`);
      const status: ViewStatus =
        err.kind === 'notFound' ? 'ticketNotFound'
          : err.kind === 'notConfigured' ? 'notConfigured'
            : err.kind === 'invalidData' ? 'invalidData'
              : 'error';
      // Anything but "it does not exist" or a local file error keeps the last good data on screen.
      const keepCached = this.snap.context && err.kind !== 'notFound' && err.kind !== 'notConfigured' && err.kind !== 'invalidData';
      this.update({
        status,
        refreshing: false,
        error: { kind: err.kind, message: err.message, retryAt: err.details.retryAt },
        staleBecause: keepCached ? (err.kind === 'offline' ? 'Offline.' : `${err.message}`) : undefined,
        context: keepCached ? this.snap.context : undefined,
        fetchedAt: keepCached ? this.snap.fetchedAt : undefined,
        dataProblems: this.opts.dataProblems(),
      });
      if (err.kind === 'rateLimited' || err.kind === 'offline' || err.kind === 'server') this.scheduleRetry(gen, err);
    } finally {
      if (this.inflight === controller) this.inflight = undefined;
    }
  }

  /** Recovers by itself after a rate limit or an outage: no reload needed. */
  private scheduleRetry(gen: number, err: ProviderError): void {
    const wait = err.details.retryAt ? Math.max(1000, err.details.retryAt - this.now()) : 30_000;
    this.retryTimer = setTimeout(() => {
      if (gen === this.generation) this.reload(true);
    }, Math.min(wait, 5 * 60_000));
  }

  // ---- Any ticket's context, for hovers and the language model tool ----

  /** Running lookups by cache key: concurrent hovers of one key share one fetch. */
  private readonly lookups = new Map<string, Promise<Awaited<ReturnType<Session['contextFor']>>>>();
  /** Failed lookups by cache key, with the time before which they are not tried again. */
  private readonly misses = new Map<string, { until: number; error: { kind: ProviderError['kind']; message: string } }>();

  /**
   * The context of any ticket, not only the branch's. A cached context (fresh or stale) is returned
   * without a request; otherwise, with `fetch`, one fetch per key at a time, whose result is cached
   * like the branch's. A failure is remembered for the TTL (a ticket that does not exist for ten
   * minutes), so hovering a look-alike again costs nothing. `repository` defaults to the current one.
   */
  async contextFor(
    ticketKey: string,
    opts: { fetch: boolean; repository?: string },
  ): Promise<{ context?: TicketContext; fetchedAt?: number; error?: { kind: ProviderError['kind']; message: string } }> {
    if (typeof ticketKey !== 'string' || !isTicketKey(ticketKey)) {
      return { error: { kind: 'badRequest', message: 'Not a ticket key: expected a key like ACME-42 or #123.' } };
    }
    const key = normalizeKey(ticketKey);
    const repository = opts.repository ?? this.current().repository;
    if (!repository) return { error: { kind: 'notConfigured', message: 'No repository is open, so there is no tracker to ask.' } };
    let providers: Providers;
    try {
      providers = this.opts.providers(repository);
    } catch (e) {
      const err = toProviderError(e, 'Settings');
      return { error: { kind: err.kind, message: err.message } };
    }
    const cacheKey = contextKey(providers.signature, key);
    const cached = this.cache.get(cacheKey);
    if (cached) return { context: cached.context, fetchedAt: cached.fetchedAt };
    const missed = this.misses.get(cacheKey);
    if (missed && missed.until > this.now()) return { error: missed.error };
    if (!opts.fetch) return {};
    let lookup = this.lookups.get(cacheKey);
    if (lookup) return lookup;
    // Started from a resolved promise so the `finally` below always runs after the map holds it.
    lookup = Promise.resolve().then(async () => {
      try {
        const ticket = await providers.tracker.getTicket(key);
        const { deals, warnings } = await providers.crm.dealsForTicket(ticket);
        const context = { ticket, deals, warnings };
        if (this.disposed) return { context, fetchedAt: this.now() };
        const entry = await this.cache.set(cacheKey, context);
        this.misses.delete(cacheKey);
        this.opts.log?.info(`${key}: ${deals.length} deal(s) looked up for a hover or a tool`);
        return { context: entry.context, fetchedAt: entry.fetchedAt };
      } catch (e) {
        const err = e instanceof ProviderError ? e : toProviderError(e, providers.tracker.label);
        const hold = err.kind === 'notFound' ? Math.max(10 * 60_000, this.opts.ttlMs()) : this.opts.ttlMs();
        this.misses.delete(cacheKey);
        this.misses.set(cacheKey, { until: this.now() + hold, error: { kind: err.kind, message: err.message } });
        // Bounded: the oldest failures go first.
        while (this.misses.size > 500) this.misses.delete(this.misses.keys().next().value as string);
        if (err.kind !== 'notFound') this.opts.log?.warn(`${key}: lookup failed: ${err.kind}: ${err.message}`);
        return { error: { kind: err.kind, message: err.message } };
      } finally {
        this.lookups.delete(cacheKey);
      }
    });
    this.lookups.set(cacheKey, lookup);
    return lookup;
  }
}
