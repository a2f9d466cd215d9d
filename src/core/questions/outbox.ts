// The durable outbox for questions to sales: nothing typed is lost on close, crash or network loss.
// This class composes the parts, each in its own module:
//   sender.ts          what a vendor's sender implements (RouteSender, Answer, RemoteRef)
//   outboxEntry.ts     the persisted entry and its state changes, as pure transitions
//   outboxStore.ts     one atomically replaced `<id>.json` per question; damaged files quarantined
//   outboxLease.ts     leases (two windows never send the same question) and short write locks
//   outboxSchedule.ts  backoff, which routes are due, how long answers are polled, real timers
//
// An entry is written BEFORE anything is sent, so the UI may say "Queued" once enqueue resolves.
// Every change is a read-modify-write of the entry under its lock; every send happens under the
// question's lease. A manual route (mail) is never sent from here: the UI opens its link, then calls
// markSent(id, route). process() skips routes without a sender; compose.ts gives every configured
// route one, failing with "Not configured: …" where it cannot send, so nothing waits silently.
import { Leases, DEFAULT_LEASE_MS, LOCK_TTL_MS } from './outboxLease';
import {
  errorText,
  isUncertain,
  newEntry,
  transition,
  type OutboxEntry,
  type OutboxEvent,
  type RouteState,
} from './outboxEntry';
import {
  awaitsAnswer,
  hasDueRoute,
  isDue,
  MANUAL_ROUTES,
  realTimers,
  routeDueAt,
  type Timers,
} from './outboxSchedule';
import { isQuestionId, OutboxStore } from './outboxStore';
import { Question, RouteNames, type RouteName } from './question';
import {
  sendersOf,
  type Answer,
  type RemoteRef,
  type RouteSender,
  type RouteSenders,
  type SendersFor,
} from './sender';

export {
  Answer,
  type RemoteRef,
  type RouteSender,
  type RouteSenders,
  type SendersFor,
} from './sender';
export {
  OutboxEntry,
  questionState,
  RouteState,
  RouteStateName,
  type QuestionState,
} from './outboxEntry';
export { OutboxWriteError } from './outboxStore';
export type { Timers } from './outboxSchedule';

/** How an Outbox is set up; everything but `owner` has a default. */
export interface OutboxOptions {
  /** This window's id; written into leases so a person can tell who holds one. */
  owner: string;
  /** The outbox's clock (epoch ms): schedules, lease expiry, delivery times (default Date.now). */
  now?: () => number;
  /** [0, 1) draws for backoff and lock-wait jitter (default Math.random). */
  random?: () => number;
  /**
   * Real time, for what the operating system measures: the age of temp and lease files (their
   * mtime is stamped with real time, whatever `now` says) and waiting for another window's lock.
   * Default: Date.now and setTimeout.
   */
  timers?: Timers;
  /** How long a send lease lasts before another window may take over (default 5 min). */
  leaseMs?: number;
  /** How long a Retry/Discard waits for another window's short write lock (default 10 s). */
  lockWaitMs?: number;
  log?: (message: string) => void;
}

/** A disposable listener registration (structurally a vscode.Disposable). */
export interface Subscription {
  dispose(): void;
}

/** Whether `s` went out through another vendor than `sender` (the CRM setting changed since). */
function foreign(s: RouteState, sender: RouteSender | undefined): boolean {
  return !!(s.vendor && sender?.vendor && s.vendor !== sender.vendor);
}

/**
 * The durable, multi-window outbox. Methods never throw for a damaged file (it is quarantined);
 * enqueue throws OutboxWriteError when the disk refuses the write.
 */
export class Outbox {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly leaseMs: number;
  private readonly lockWaitMs: number;
  private readonly log: (message: string) => void;
  private readonly store: OutboxStore;
  private readonly leases: Leases;
  private readonly listeners = new Set<(id: string) => void>();
  private active?: Promise<void>;
  private pending?: { promise: Promise<void>; senders: SendersFor; signal?: AbortSignal };

  constructor(
    readonly dir: string,
    opts: OutboxOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.lockWaitMs = opts.lockWaitMs ?? 10_000;
    this.log = opts.log ?? (() => undefined);
    const timers = opts.timers ?? realTimers;
    this.store = new OutboxStore(dir, {
      now: this.now,
      timers,
      log: this.log,
      onQuarantined: (id) => this.emit(id),
    });
    this.leases = new Leases({
      owner: opts.owner,
      now: this.now,
      random: this.random,
      timers,
      log: this.log,
    });
  }

  /** Calls `listener` with the question id after this instance changed an entry. */
  onDidChange(listener: (id: string) => void): Subscription {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /** Saves the question durably with every route queued; resolves only once it is on disk. */
  async enqueue(question: Question, routes: readonly RouteName[]): Promise<OutboxEntry> {
    const parsed = Question.safeParse(question);
    if (!parsed.success) throw new Error('Outbox: the question is incomplete and was not queued.');
    const q = parsed.data;
    if (!isQuestionId(q.id))
      throw new Error(`Outbox: "${q.id.slice(0, 40)}" is not a usable question id.`);
    if (routes.length === 0) throw new Error('Outbox: no route to send the question to.');
    const entry = newEntry(q, routes);
    await this.store.create(entry);
    this.emit(q.id);
    return entry;
  }

  /**
   * Like enqueue, but a no-op for an id any window has queued before (sent, discarded or pending),
   * decided by the file system, not by a check that two windows could both pass: resolves with the
   * new entry, or undefined when the id was taken. For items whose id is derived from what they say
   * (progress notes), so saying it twice is impossible. With `reconcileFirst`, the first attempt
   * asks the remote for the id's marker before posting (as after an ambiguous failure): another
   * machine that derived the same id may have posted it already.
   */
  async enqueueOnce(
    question: Question,
    routes: readonly RouteName[],
    opts: { reconcileFirst?: boolean } = {},
  ): Promise<OutboxEntry | undefined> {
    const parsed = Question.safeParse(question);
    if (!parsed.success) throw new Error('Outbox: the item is incomplete and was not queued.');
    const q = parsed.data;
    if (!isQuestionId(q.id))
      throw new Error(`Outbox: "${q.id.slice(0, 40)}" is not a usable question id.`);
    if (routes.length === 0) throw new Error('Outbox: no route to send the item to.');
    const entry = newEntry(q, routes);
    if (opts.reconcileFirst) {
      for (const r of RouteNames) {
        const state = entry.routes[r];
        if (state) entry.routes[r] = { ...state, mayHaveBeenSent: true };
      }
    }
    if (!(await this.store.createExclusive(entry))) return undefined;
    this.emit(q.id);
    return entry;
  }

  /** Every readable entry (discarded included, oldest first) and the files kept in `corrupt/`. */
  async list(): Promise<{ entries: OutboxEntry[]; corrupt: string[] }> {
    const entries: OutboxEntry[] = [];
    for (const id of await this.store.ids()) {
      const r = await this.store.read(id);
      if (r.kind === 'ok') entries.push(r.entry);
    }
    entries.sort((a, b) => a.question.createdAt.localeCompare(b.question.createdAt));
    return { entries, corrupt: await this.store.corruptFiles() };
  }

  /** The entry for a question id, or undefined when there is none (or it was quarantined). */
  async get(id: string): Promise<OutboxEntry | undefined> {
    if (!isQuestionId(id)) return undefined;
    const r = await this.store.read(id);
    return r.kind === 'ok' ? r.entry : undefined;
  }

  /**
   * Sends every due route that has a sender. Concurrent calls coalesce: one pass runs, and at most
   * one more follows with the latest senders. Questions leased by another live window are skipped.
   */
  process(senders: SendersFor, signal?: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending.senders = senders;
      this.pending.signal = signal;
      return this.pending.promise;
    }
    if (this.active) {
      const pending = { senders, signal } as {
        promise: Promise<void>;
        senders: SendersFor;
        signal?: AbortSignal;
      };
      pending.promise = this.active
        .catch(() => undefined)
        .then(() => {
          this.pending = undefined;
          return this.process(pending.senders, pending.signal);
        });
      this.pending = pending;
      return pending.promise;
    }
    const run = this.pass(senders, signal).finally(() => {
      this.active = undefined;
    });
    this.active = run;
    return run;
  }

  /** Makes every unsent route due now (failed and needsAuth included) and resets the backoff. */
  async retry(id: string): Promise<OutboxEntry | undefined> {
    return this.apply(id, { type: 'retry' });
  }

  /** After a new token was stored: every question parked on `route` for auth becomes due now. */
  async resumeAuth(route: RouteName): Promise<number> {
    let resumed = 0;
    const { entries } = await this.list();
    for (const entry of entries) {
      if (entry.routes[route]?.state !== 'needsAuth') continue;
      await this.update(entry.question.id, (e) => {
        // Re-checked under the lock: another window may have resumed or sent it meanwhile.
        if (e.routes[route]?.state !== 'needsAuth') return e;
        resumed++;
        return transition(e, { type: 'resumeAuth', route }, this.now());
      });
    }
    return resumed;
  }

  /** Stops sending the question; the entry stays (flagged) so every window hides it. */
  async discard(id: string): Promise<OutboxEntry | undefined> {
    return this.apply(id, { type: 'discard' });
  }

  /** Records a delivery made outside the outbox (a manual route, after its link opened). */
  async markSent(
    id: string,
    route: RouteName,
    remote: RemoteRef = {},
  ): Promise<OutboxEntry | undefined> {
    return this.apply(id, { type: 'sent', route, remote });
  }

  /** Stores the sales owner's answer (the first one wins; later ones do not overwrite it). */
  async setAnswer(id: string, answer: Answer): Promise<OutboxEntry | undefined> {
    return this.apply(id, { type: 'answered', answer });
  }

  /** Remembers that the developer was told of the answer, so no other window tells again. */
  async markAnswerNotified(id: string): Promise<OutboxEntry | undefined> {
    return this.apply(id, { type: 'answerNotified' });
  }

  /** Asks each sent route with an `answer` reader for a reply (questions < 30 days old). */
  async checkAnswers(sendersFor: SendersFor, signal?: AbortSignal): Promise<void> {
    const { entries } = await this.list();
    const now = this.now();
    for (const entry of entries) {
      if (!awaitsAnswer(entry, now)) continue;
      const senders = sendersOf(sendersFor, entry.question);
      for (const r of RouteNames) {
        const s = entry.routes[r];
        const reader = senders[r]?.answer;
        if (signal?.aborted) return;
        if (!s || s.state !== 'sent' || !reader || foreign(s, senders[r])) continue;
        try {
          const answer = await reader.call(
            senders[r],
            entry.question,
            { remoteId: s.remoteId, remoteUrl: s.remoteUrl },
            signal,
          );
          if (answer) {
            await this.setAnswer(entry.question.id, answer);
            break;
          }
        } catch (e) {
          this.log(
            `Outbox: could not read the answer to ${entry.question.id} over ${r}: ${errorText(e)}`,
          );
        }
      }
    }
  }

  /**
   * When the next route becomes due (epoch ms), for a timer; undefined when nothing is waiting.
   * With `senders`, only routes this window can send count. A route another window is sending
   * counts at its lease expiry, so this window takes over if that window died.
   */
  async nextDueAt(senders?: SendersFor): Promise<number | undefined> {
    let next: number | undefined;
    const { entries } = await this.list();
    for (const e of entries) {
      if (e.discarded) continue;
      const usable = senders && sendersOf(senders, e.question);
      for (const r of RouteNames) {
        const s = e.routes[r];
        if (!s || MANUAL_ROUTES.has(r) || (usable && (!usable[r] || foreign(s, usable[r])))) continue;
        const leaseExpiresAt =
          s.state === 'sending'
            ? (await this.leases.read(this.store.leaseFile(e.question.id)))?.expiresAt
            : undefined;
        const at = routeDueAt(s, this.now(), leaseExpiresAt);
        if (at !== undefined && (next === undefined || at < next)) next = at;
      }
    }
    return next;
  }

  // ---- sending ----------------------------------------------------------------------------------

  private async pass(sendersFor: SendersFor, signal?: AbortSignal): Promise<void> {
    await this.store.cleanLeftovers((file) => this.leases.isStale(file));
    const { entries } = await this.list();
    for (const entry of entries) {
      if (signal?.aborted) return;
      const senders = sendersOf(sendersFor, entry.question);
      if (!hasDueRoute(entry, senders, this.now())) continue;
      try {
        await this.processEntry(entry.question.id, senders, signal);
      } catch (e) {
        // One question's trouble (a disk error) must not stop the others.
        this.log(`Outbox: could not process ${entry.question.id}: ${errorText(e)}`);
      }
    }
  }

  private async processEntry(
    id: string,
    senders: RouteSenders,
    signal?: AbortSignal,
  ): Promise<void> {
    const lease = await this.leases.tryAcquire(this.store.leaseFile(id), this.leaseMs);
    if (!lease) return;
    try {
      for (const route of RouteNames) {
        if (signal?.aborted) return;
        const sender = senders[route];
        if (!sender || MANUAL_ROUTES.has(route)) continue;
        // Re-read under the lease: another window may have sent or the user discarded meanwhile.
        const fresh = await this.get(id);
        if (!fresh || fresh.discarded) return;
        const s = fresh.routes[route];
        if (!s || foreign(s, sender)) continue;
        // Holding the lease, a 'sending' route is an orphan: its sender died mid-send.
        const orphan = s.state === 'sending';
        if (!orphan && !isDue(s, this.now())) continue;
        await lease.renew();
        await this.sendRoute(id, route, sender, fresh.question, orphan, signal);
      }
    } finally {
      await lease.release();
    }
  }

  private async sendRoute(
    id: string,
    route: RouteName,
    sender: RouteSender,
    q: Question,
    orphan: boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    let uncertain = false;
    const marked = await this.update(id, (e) => {
      const s = e.routes[route];
      if (!s) return e;
      uncertain = isUncertain(s, orphan);
      return transition(e, { type: 'sending', route, vendor: sender.vendor }, this.now());
    });
    if (!marked) return;

    let result: { ok: RemoteRef } | { error: unknown };
    try {
      let found: RemoteRef | undefined;
      if (uncertain && sender.reconcile) {
        found = await sender.reconcile(q, signal);
        if (found) this.log(`Outbox: ${route} for ${id} had arrived already; not sent again.`);
      }
      result = { ok: found ?? (await sender.send(q, signal)) };
    } catch (e) {
      result = { error: e };
    }

    const event: OutboxEvent =
      'ok' in result
        ? { type: 'sent', route, remote: result.ok }
        : {
            type: 'failed',
            route,
            error: result.error,
            uncertain,
            jitter: this.random(),
            reconcileDelayMs: sender.reconcile ? (sender.reconcileDelayMs ?? 0) : 0,
          };
    // A route that vanished meanwhile is not recreated by a late result.
    await this.update(id, (e) => (e.routes[route] ? transition(e, event, this.now()) : e));
    if ('error' in result) this.log(`Outbox: ${route} for ${id}: ${errorText(result.error)}`);
  }

  // ---- entries ----------------------------------------------------------------------------------

  private emit(id: string): void {
    for (const l of [...this.listeners]) {
      try {
        l(id);
      } catch (e) {
        this.log(`Outbox: a change listener failed: ${errorText(e)}`);
      }
    }
  }

  /** Applies one event to the entry under its lock. */
  private apply(id: string, event: OutboxEvent): Promise<OutboxEntry | undefined> {
    return this.update(id, (e) => transition(e, event, this.now()));
  }

  /** Read-modify-write under the short lock; undefined when the entry is gone or damaged. */
  private async update(
    id: string,
    next: (e: OutboxEntry) => OutboxEntry,
  ): Promise<OutboxEntry | undefined> {
    if (!isQuestionId(id) || !(await this.store.exists(id))) return undefined;
    const lock = await this.leases.acquire(this.store.lockFile(id), LOCK_TTL_MS, this.lockWaitMs);
    try {
      const r = await this.store.read(id);
      if (r.kind !== 'ok') return undefined;
      const written = await this.store.write(next(r.entry));
      this.emit(id);
      return written;
    } finally {
      await lock.release();
    }
  }
}
