// The durable outbox for questions to sales: nothing typed is lost on close, crash or network loss.
//
// Layout of the directory (the extension passes `<globalStorageUri>/outbox`):
//   <id>.json    one entry per question, replaced atomically (temp file, fsync, rename, fsync
//                dir); written BEFORE anything is sent, so the UI may say "Queued" once enqueue
//                resolves
//   <id>.lease   who is sending this question ({owner, pid, host, token, expiresAt}); created
//                exclusively, so two windows (two extension hosts) never send the same question
//   <id>.lock    short lock around each read-modify-write of <id>.json, so a Retry or Discard in
//                one window and a send result in another never overwrite each other
//   *.tmp        temp files; leftovers older than a minute are removed
//   corrupt/     entries that could not be read (truncated, empty, wrong shape), kept for the user
//
// Delivery semantics per route:
// - exactly once where the sender can `reconcile` (find the message by the question id it embeds):
//   after an ambiguous failure (cut or timeout after the request may have left, 5xx on a POST, a
//   crash mid-send) the route is `unknown` and the next attempt first asks the remote;
// - at least once where it cannot (Slack and Teams webhooks): the next attempt resends;
// - `email` is never sent from here: the UI opens a mailto: link, then calls markSent(id, 'email').
//   process() skips routes without a sender, so a route whose provider is not set up stays queued.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { renameWithRetry, writeFileAtomic } from '../atomicFile';
import { ProviderError } from '../errors';
import { Question, RouteNames, type RouteName } from './question';

/** Where one route of a question stands. */
export const RouteStateName = z.enum([
  'queued',
  'sending',
  'sent',
  'failed',
  'unknown',
  'needsAuth',
]);
export type RouteStateName = z.infer<typeof RouteStateName>;

/** One route's delivery record, persisted in the entry. */
export const RouteState = z.looseObject({
  state: RouteStateName,
  /** Attempts since the question was queued or last retried by the user (drives the backoff). */
  attempts: z.number(),
  /** Epoch ms; the route is not tried before this. */
  nextAttemptAt: z.optional(z.number()),
  /** What went wrong last, for the person (vendor message included, no secret). */
  lastError: z.optional(z.string()),
  /** Set while a send may have reached the remote unconfirmed: reconcile before resending. */
  mayHaveBeenSent: z.optional(z.boolean()),
  remoteId: z.optional(z.string()),
  remoteUrl: z.optional(z.string()),
  /** ISO timestamp of delivery. */
  sentAt: z.optional(z.string()),
});
export type RouteState = z.infer<typeof RouteState>;

/** The sales owner's answer, as read back from the route it came through. */
export const Answer = z.object({ text: z.string(), by: z.optional(z.string()), at: z.string() });
export type Answer = z.infer<typeof Answer>;

/** One question in the outbox (file `<id>.json`). */
export const OutboxEntry = z.looseObject({
  version: z.literal(1),
  question: Question,
  routes: z.partialRecord(z.enum(RouteNames), RouteState),
  answer: z.optional(Answer),
  answerNotified: z.optional(z.boolean()),
  discarded: z.optional(z.boolean()),
});
export type OutboxEntry = z.infer<typeof OutboxEntry>;

/** The question's state as the sidebar shows it. */
export type QuestionState = 'Queued' | 'Sent' | 'Failed' | 'Answered';

/** Answered; or Failed if a route failed or needs a token; Sent if all sent; else Queued. */
export function questionState(entry: OutboxEntry): QuestionState {
  if (entry.answer) return 'Answered';
  const states = Object.values(entry.routes).map((r) => r?.state);
  if (states.some((s) => s === 'failed' || s === 'needsAuth')) return 'Failed';
  if (states.length > 0 && states.every((s) => s === 'sent')) return 'Sent';
  return 'Queued';
}

/** Where a delivered message lives on the remote side. */
export interface RemoteRef {
  remoteId?: string;
  remoteUrl?: string;
}

/** Delivers a question over one route. Every method throws ProviderError on failure. */
export interface RouteSender {
  /** Posts the message (it embeds `cc-question:<id>`). Never retried inside: the outbox decides. */
  send(q: Question, signal?: AbortSignal): Promise<RemoteRef>;
  /** Finds an earlier delivery by the embedded question id; undefined when it never arrived. */
  reconcile?(q: Question, signal?: AbortSignal): Promise<RemoteRef | undefined>;
  /** How long after an ambiguous failure the remote's search can be trusted (search index lag). */
  reconcileDelayMs?: number;
  /** Reads the sales owner's answer to a delivered message, if any. */
  answer?(q: Question, remote: RemoteRef, signal?: AbortSignal): Promise<Answer | undefined>;
}

/**
 * The senders a window can use now, by route, or per question (a window sends only the questions of
 * folders it can configure); a missing route is left queued.
 */
export type SendersFor = RouteSenders | ((q: Question) => RouteSenders);

const sendersOf = (senders: SendersFor, q: Question): RouteSenders => (typeof senders === 'function' ? senders(q) : senders);

/** The senders a window can use now, by route; a missing route is left queued. */
export type RouteSenders = Partial<Record<RouteName, RouteSender>>;

/** Thrown by enqueue when the question could not be saved; the UI keeps the typed text. */
export class OutboxWriteError extends Error {
  override readonly name = 'OutboxWriteError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface OutboxOptions {
  /** This window's id; written into leases so a person can tell who holds one. */
  owner: string;
  now?: () => number;
  random?: () => number;
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

const BACKOFF_BASE_MS = 2_000;
const BACKOFF_CAP_MS = 15 * 60_000;
const DEFAULT_LEASE_MS = 5 * 60_000;
const ANSWER_WINDOW_MS = 30 * 86_400_000;
const LOCK_TTL_MS = 15_000;
const TMP_MAX_AGE_MS = 60_000;
/** An empty lease file younger than this is a write in progress, not a crash. */
const EMPTY_LEASE_GRACE_MS = 5_000;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
/** Routes the outbox never sends itself (the UI opens them, then calls markSent). */
const MANUAL_ROUTES: ReadonlySet<RouteName> = new Set<RouteName>(['email']);

const LeaseRecord = z.object({
  owner: z.string(),
  pid: z.number(),
  host: z.string(),
  token: z.string(),
  expiresAt: z.number(),
});
type LeaseRecord = z.infer<typeof LeaseRecord>;

function errCode(e: unknown): string {
  const c = (e as { code?: unknown } | undefined)?.code;
  return typeof c === 'string' ? c : '';
}

function isMissing(e: unknown): boolean {
  return errCode(e) === 'ENOENT';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** True while a process with this pid exists (EPERM means it exists but is not ours). */
function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errCode(e) === 'EPERM';
  }
}

type ReadResult =
  | { kind: 'ok'; entry: OutboxEntry }
  | { kind: 'missing' }
  | { kind: 'corrupt'; why: string }
  | { kind: 'future'; version: unknown }
  | { kind: 'unreadable'; why: string };

/** A lease or lock file held by this process; release() removes it only while it is still ours. */
interface Held {
  renew(): Promise<void>;
  release(): Promise<void>;
}

/**
 * The durable, multi-window outbox. Methods never throw for a damaged file (it is quarantined);
 * enqueue throws OutboxWriteError when the disk refuses the write.
 */
export class Outbox {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly owner: string;
  private readonly leaseMs: number;
  private readonly lockWaitMs: number;
  private readonly log: (message: string) => void;
  private readonly listeners = new Set<(id: string) => void>();
  private active?: Promise<void>;
  private pending?: { promise: Promise<void>; senders: SendersFor; signal?: AbortSignal };

  constructor(
    readonly dir: string,
    opts: OutboxOptions,
  ) {
    this.owner = opts.owner;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.lockWaitMs = opts.lockWaitMs ?? 10_000;
    this.log = opts.log ?? (() => undefined);
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
    if (!ID_PATTERN.test(q.id))
      throw new Error(`Outbox: "${q.id.slice(0, 40)}" is not a usable question id.`);
    const unique = [...new Set(routes)];
    if (unique.length === 0) throw new Error('Outbox: no route to send the question to.');
    const entry: OutboxEntry = { version: 1, question: q, routes: {} };
    for (const r of unique) entry.routes[r] = { state: 'queued', attempts: 0 };
    const file = this.file(q.id);
    try {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      if (await exists(file)) throw new Error(`Outbox: question ${q.id} is already queued.`);
      await writeFileAtomic(file, JSON.stringify(entry, null, 2));
    } catch (e) {
      throw this.writeError(e);
    }
    this.emit(q.id);
    return entry;
  }

  /** Every readable entry (discarded included, oldest first) and the files kept in `corrupt/`. */
  async list(): Promise<{ entries: OutboxEntry[]; corrupt: string[] }> {
    const entries: OutboxEntry[] = [];
    for (const name of await this.names()) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      const r = await this.read(id);
      if (r.kind === 'ok') entries.push(r.entry);
    }
    entries.sort((a, b) => a.question.createdAt.localeCompare(b.question.createdAt));
    let corrupt: string[] = [];
    try {
      corrupt = (await fs.readdir(this.corruptDir))
        .sort()
        .map((n) => path.join(this.corruptDir, n));
    } catch {
      /* no corrupt directory: nothing was ever quarantined */
    }
    return { entries, corrupt };
  }

  /** The entry for a question id, or undefined when there is none (or it was quarantined). */
  async get(id: string): Promise<OutboxEntry | undefined> {
    if (!ID_PATTERN.test(id)) return undefined;
    const r = await this.read(id);
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
    return this.update(id, (e) => {
      e.discarded = undefined;
      for (const r of RouteNames) {
        const s = e.routes[r];
        if (!s || s.state === 'sent' || s.state === 'sending') continue;
        e.routes[r] = {
          ...s,
          state: s.mayHaveBeenSent ? 'unknown' : 'queued',
          attempts: 0,
          nextAttemptAt: this.now(),
        };
      }
    });
  }

  /** After a new token was stored: every question parked on `route` for auth becomes due now. */
  async resumeAuth(route: RouteName): Promise<number> {
    let resumed = 0;
    const { entries } = await this.list();
    for (const entry of entries) {
      if (entry.routes[route]?.state !== 'needsAuth') continue;
      await this.update(entry.question.id, (e) => {
        const s = e.routes[route];
        if (s?.state !== 'needsAuth') return;
        e.routes[route] = {
          ...s,
          state: s.mayHaveBeenSent ? 'unknown' : 'queued',
          attempts: 0,
          nextAttemptAt: this.now(),
        };
        resumed++;
      });
    }
    return resumed;
  }

  /** Stops sending the question; the entry stays (flagged) so every window hides it. */
  async discard(id: string): Promise<OutboxEntry | undefined> {
    return this.update(id, (e) => {
      e.discarded = true;
    });
  }

  /** Records a delivery made outside the outbox (`email`, after the mailto: link opened). */
  async markSent(
    id: string,
    route: RouteName,
    remote: RemoteRef = {},
  ): Promise<OutboxEntry | undefined> {
    return this.update(id, (e) => {
      const s = e.routes[route] ?? { state: 'queued', attempts: 0 };
      e.routes[route] = this.sentState(s, remote);
    });
  }

  /** Stores the sales owner's answer (the first one wins; later ones do not overwrite it). */
  async setAnswer(id: string, answer: Answer): Promise<OutboxEntry | undefined> {
    return this.update(id, (e) => {
      if (!e.answer) e.answer = answer;
    });
  }

  /** Remembers that the developer was told of the answer, so no other window tells again. */
  async markAnswerNotified(id: string): Promise<OutboxEntry | undefined> {
    return this.update(id, (e) => {
      e.answerNotified = true;
    });
  }

  /** Asks each sent route with an `answer` reader for a reply (questions < 30 days old). */
  async checkAnswers(sendersFor: SendersFor, signal?: AbortSignal): Promise<void> {
    const { entries } = await this.list();
    // Old unanswered questions would cost requests on every check for ever.
    const oldest = this.now() - ANSWER_WINDOW_MS;
    for (const entry of entries) {
      if (entry.answer || entry.discarded) continue;
      if ((Date.parse(entry.question.createdAt) || 0) < oldest) continue;
      const senders = sendersOf(sendersFor, entry.question);
      for (const r of RouteNames) {
        const s = entry.routes[r];
        const reader = senders[r]?.answer;
        if (signal?.aborted) return;
        if (!s || s.state !== 'sent' || !reader) continue;
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
            `Outbox: could not read the answer to ${entry.question.id} over ${r}: ${message(e)}`,
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
      for (const r of RouteNames) {
        const s = e.routes[r];
        if (!s || MANUAL_ROUTES.has(r) || (senders && !sendersOf(senders, e.question)[r])) continue;
        let at: number | undefined;
        if (s.state === 'queued' || s.state === 'unknown') at = s.nextAttemptAt ?? this.now();
        else if (s.state === 'sending')
          at = (await this.readLease(this.leaseFile(e.question.id)))?.expiresAt ?? this.now();
        if (at !== undefined && (next === undefined || at < next)) next = at;
      }
    }
    return next;
  }

  // ---- sending ----------------------------------------------------------------------------------

  private async pass(sendersFor: SendersFor, signal?: AbortSignal): Promise<void> {
    await this.cleanLeftovers();
    const { entries } = await this.list();
    for (const entry of entries) {
      if (signal?.aborted) return;
      const senders = sendersOf(sendersFor, entry.question);
      if (!this.hasDueRoute(entry, senders)) continue;
      try {
        await this.processEntry(entry.question.id, senders, signal);
      } catch (e) {
        // One question's trouble (a disk error) must not stop the others.
        this.log(`Outbox: could not process ${entry.question.id}: ${message(e)}`);
      }
    }
  }

  private hasDueRoute(entry: OutboxEntry, senders: RouteSenders): boolean {
    if (entry.discarded) return false;
    const now = this.now();
    return RouteNames.some((r) => {
      const s = entry.routes[r];
      if (!s || !senders[r] || MANUAL_ROUTES.has(r)) return false;
      // 'sending' on disk means a sender is (or was) at work; the lease tells which.
      if (s.state === 'sending') return true;
      return (s.state === 'queued' || s.state === 'unknown') && (s.nextAttemptAt ?? 0) <= now;
    });
  }

  private async processEntry(
    id: string,
    senders: RouteSenders,
    signal?: AbortSignal,
  ): Promise<void> {
    const lease = await this.tryAcquire(this.leaseFile(id), this.leaseMs);
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
        if (!s) continue;
        // Holding the lease, a 'sending' route is an orphan: its sender died mid-send.
        const orphan = s.state === 'sending';
        const due =
          (s.state === 'queued' || s.state === 'unknown') && (s.nextAttemptAt ?? 0) <= this.now();
        if (!orphan && !due) continue;
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
      if (!s) return;
      uncertain = orphan || s.state === 'unknown' || s.mayHaveBeenSent === true;
      // Written before the request leaves: a crash from here on leaves 'sending', read as
      // ambiguous.
      e.routes[route] = {
        ...s,
        state: 'sending',
        attempts: s.attempts + 1,
        nextAttemptAt: undefined,
        mayHaveBeenSent: true,
      };
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

    await this.update(id, (e) => {
      const s = e.routes[route];
      if (!s) return;
      e.routes[route] =
        'ok' in result
          ? this.sentState(s, result.ok)
          : this.failedState(s, result.error, uncertain, sender);
    });
    if ('error' in result) this.log(`Outbox: ${route} for ${id}: ${e2s(result.error)}`);
  }

  private sentState(s: RouteState, remote: RemoteRef): RouteState {
    return {
      ...s,
      state: 'sent',
      nextAttemptAt: undefined,
      lastError: undefined,
      mayHaveBeenSent: undefined,
      remoteId: remote.remoteId ?? s.remoteId,
      remoteUrl: remote.remoteUrl ?? s.remoteUrl,
      sentAt: new Date(this.now()).toISOString(),
    };
  }

  /** The state after a failed attempt, by what the failure says about whether the message left. */
  private failedState(
    s: RouteState,
    error: unknown,
    uncertain: boolean,
    sender: RouteSender,
  ): RouteState {
    const now = this.now();
    const text = e2s(error);
    const base = { ...s, lastError: text, nextAttemptAt: undefined };
    if (!(error instanceof ProviderError)) {
      // A bug or an unexpected throw: stop, but remember we cannot tell whether it went out.
      return { ...base, state: 'failed', mayHaveBeenSent: true };
    }
    switch (error.kind) {
      case 'auth':
        return { ...base, state: 'needsAuth', mayHaveBeenSent: uncertain || undefined };
      case 'badRequest':
      case 'forbidden':
      case 'notFound':
      case 'notConfigured':
      case 'invalidData':
        return { ...base, state: 'failed', mayHaveBeenSent: uncertain || undefined };
      case 'rateLimited': {
        // The remote refused it, so nothing new went out; earlier uncertainty stays.
        const at =
          error.details.retryAt !== undefined
            ? Math.max(error.details.retryAt, now)
            : now + this.backoff(s.attempts);
        return {
          ...base,
          state: uncertain ? 'unknown' : 'queued',
          nextAttemptAt: at,
          mayHaveBeenSent: uncertain || undefined,
        };
      }
      case 'cancelled':
        // The window is closing or the user cancelled: the request may be out; try again soon.
        return { ...base, state: 'unknown', nextAttemptAt: now, mayHaveBeenSent: true };
      case 'offline':
      case 'server':
      case 'invalidResponse':
      default: {
        // The request may have left: reconcile (when possible) before the next send.
        const at =
          now +
          Math.max(this.backoff(s.attempts), sender.reconcile ? (sender.reconcileDelayMs ?? 0) : 0);
        return { ...base, state: 'unknown', nextAttemptAt: at, mayHaveBeenSent: true };
      }
    }
  }

  /** Equal-jitter exponential backoff: 2 s, 4 s, 8 s … capped at 15 min, at least half a step. */
  private backoff(attempts: number): number {
    const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
    return Math.round(step / 2 + (this.random() * step) / 2);
  }

  // ---- files ------------------------------------------------------------------------------------

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private leaseFile(id: string): string {
    return path.join(this.dir, `${id}.lease`);
  }

  private lockFile(id: string): string {
    return path.join(this.dir, `${id}.lock`);
  }

  private get corruptDir(): string {
    return path.join(this.dir, 'corrupt');
  }

  private emit(id: string): void {
    for (const l of [...this.listeners]) {
      try {
        l(id);
      } catch (e) {
        this.log(`Outbox: a change listener failed: ${message(e)}`);
      }
    }
  }

  private async names(): Promise<string[]> {
    try {
      return await fs.readdir(this.dir);
    } catch (e) {
      if (!isMissing(e)) this.log(`Outbox: cannot read ${this.dir}: ${message(e)}`);
      return [];
    }
  }

  /** Reads one entry; a damaged file is moved to corrupt/ and reported as such. */
  private async read(id: string): Promise<ReadResult> {
    const file = this.file(id);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if (isMissing(e)) return { kind: 'missing' };
      this.log(`Outbox: cannot read ${file}: ${message(e)}`);
      return { kind: 'unreadable', why: message(e) };
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      return this.quarantine(id, text.length === 0 ? 'empty file' : `not JSON (${message(e)})`);
    }
    const version = (data as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > 1) {
      // Written by a newer Customer Context in another window: leave it for that version.
      return { kind: 'future', version };
    }
    const parsed = OutboxEntry.safeParse(data);
    if (!parsed.success)
      return this.quarantine(
        id,
        `unexpected shape (${parsed.error.issues[0]?.path.join('.') || 'root'})`,
      );
    if (parsed.data.question.id !== id)
      return this.quarantine(id, 'file name and question id differ');
    return { kind: 'ok', entry: parsed.data };
  }

  private async quarantine(id: string, why: string): Promise<ReadResult> {
    const from = this.file(id);
    const to = path.join(
      this.corruptDir,
      `${id}.json.${this.now()}.${randomBytes(3).toString('hex')}`,
    );
    try {
      await fs.mkdir(this.corruptDir, { recursive: true, mode: 0o700 });
      await renameWithRetry(from, to);
      this.log(`Outbox: ${from} is damaged (${why}); moved to ${to}.`);
      this.emit(id);
    } catch (e) {
      // ENOENT: another window quarantined it first.
      if (!isMissing(e)) this.log(`Outbox: could not move damaged ${from} aside: ${message(e)}`);
    }
    return { kind: 'corrupt', why };
  }

  /** Read-modify-write under the short lock; undefined when the entry is gone or damaged. */
  private async update(
    id: string,
    mutate: (e: OutboxEntry) => void,
  ): Promise<OutboxEntry | undefined> {
    if (!ID_PATTERN.test(id) || !(await exists(this.file(id)))) return undefined;
    const lock = await this.acquire(this.lockFile(id), LOCK_TTL_MS, this.lockWaitMs);
    try {
      const r = await this.read(id);
      if (r.kind !== 'ok') return undefined;
      const entry = structuredClone(r.entry);
      mutate(entry);
      const checked = OutboxEntry.parse(entry);
      await writeFileAtomic(this.file(id), JSON.stringify(checked, null, 2));
      this.emit(id);
      return checked;
    } finally {
      await lock.release();
    }
  }

  private writeError(e: unknown): Error {
    const code = errCode(e);
    const where = this.dir;
    switch (code) {
      case 'ENOSPC':
      case 'EDQUOT':
        return new OutboxWriteError(
          code,
          `The question could not be saved: the disk is full (${where}). ` +
            'Free some space and send it again; your text is kept.',
        );
      case 'EACCES':
      case 'EPERM':
      case 'EROFS':
        return new OutboxWriteError(
          code,
          `The question could not be saved: no permission to write to ${where} (${code}). ` +
            'Your text is kept.',
        );
      default:
        return e instanceof Error && !code
          ? e
          : new OutboxWriteError(
              code || 'EIO',
              `The question could not be saved to ${where}: ${message(e)}. Your text is kept.`,
            );
    }
  }

  /** Removes temp files of crashed writes and leases whose question is gone. */
  private async cleanLeftovers(): Promise<void> {
    const names = await this.names();
    const present = new Set(names);
    for (const name of names) {
      const full = path.join(this.dir, name);
      try {
        if (name.endsWith('.tmp') || name.endsWith('.takeover')) {
          // Young temp files may be another window's write in progress.
          const st = await fs.stat(full);
          if (Date.now() - st.mtimeMs > TMP_MAX_AGE_MS) {
            await fs.rm(full, { force: true });
            this.log(`Outbox: removed leftover ${name}.`);
          }
        } else if (name.endsWith('.lease') || name.endsWith('.lock')) {
          const id = name.slice(0, name.lastIndexOf('.'));
          if (!present.has(`${id}.json`) && (await this.isStale(full)))
            await fs.rm(full, { force: true });
        }
      } catch {
        /* raced with another window's cleanup */
      }
    }
  }

  // ---- leases and locks -------------------------------------------------------------------------

  private async readLease(file: string): Promise<LeaseRecord | undefined> {
    try {
      const parsed = LeaseRecord.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether the lease in `file` may be taken over: expired, its process gone, or never written. */
  private async isStale(file: string, seen?: { token?: string }): Promise<boolean> {
    const lease = await this.readLease(file);
    if (!lease) {
      try {
        const st = await fs.stat(file);
        return Date.now() - st.mtimeMs > EMPTY_LEASE_GRACE_MS;
      } catch {
        return false;
      }
    }
    if (seen) seen.token = lease.token;
    if (lease.expiresAt <= this.now()) return true;
    // Same machine and the process is gone: a crashed window; no need to wait for expiry. (A pid is
    // meaningless on another host sharing the directory, so there only expiry counts.)
    return lease.host === os.hostname() && !pidAlive(lease.pid);
  }

  private async create(file: string, ttlMs: number): Promise<Held | undefined> {
    const token = randomBytes(8).toString('hex');
    const record = (): LeaseRecord => ({
      owner: this.owner,
      pid: process.pid,
      host: os.hostname(),
      token,
      expiresAt: this.now() + ttlMs,
    });
    // Written to a temp file and hard-linked into place: link() fails with EEXIST exactly like
    // O_EXCL, and the lease is never visible half-written. File systems without hard links fall
    // back to O_EXCL.
    const tmp = `${file}.${token}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(record()), {
      encoding: 'utf8',
      mode: 0o600,
      flag: 'wx',
    });
    try {
      await fs.link(tmp, file);
    } catch (e) {
      const code = errCode(e);
      if (code === 'EEXIST') return undefined;
      if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP', 'EXDEV'].includes(code)) throw e;
      let fh: fs.FileHandle;
      try {
        fh = await fs.open(file, 'wx', 0o600);
      } catch (e2) {
        if (errCode(e2) === 'EEXIST') return undefined;
        throw e2;
      }
      try {
        await fh.writeFile(JSON.stringify(record()), 'utf8');
      } finally {
        await fh.close();
      }
    } finally {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
    }
    const ours = async () => (await this.readLease(file))?.token === token;
    return {
      renew: async () => {
        if (await ours()) await writeFileAtomic(file, JSON.stringify(record()));
      },
      release: async () => {
        try {
          if (await ours()) await fs.rm(file, { force: true });
        } catch {
          /* already gone */
        }
      },
    };
  }

  /** One attempt at the lease/lock `file`, taking over a stale one; undefined when held. */
  private async tryAcquire(file: string, ttlMs: number): Promise<Held | undefined> {
    const held = await this.create(file, ttlMs);
    if (held) return held;
    const seen: { token?: string } = {};
    if (!(await this.isStale(file, seen))) return undefined;
    // Only one window may replace a stale lease; otherwise two could each delete the other's fresh
    // one.
    const guardFile = `${file}.takeover`;
    let guard = await this.create(guardFile, 10_000);
    if (!guard && (await this.isStale(guardFile))) {
      // The guard's own holder died within those few milliseconds; clearing it is the rare last
      // resort.
      await fs.rm(guardFile, { force: true });
      guard = await this.create(guardFile, 10_000);
    }
    if (!guard) return undefined;
    try {
      const again: { token?: string } = {};
      if (!(await this.isStale(file, again)) || again.token !== seen.token) return undefined;
      this.log(`Outbox: taking over ${path.basename(file)} from a window that stopped.`);
      await fs.rm(file, { force: true });
      return await this.create(file, ttlMs);
    } finally {
      await guard.release();
    }
  }

  /** Waits up to `waitMs` for the lock `file`. */
  private async acquire(file: string, ttlMs: number, waitMs: number): Promise<Held> {
    const until = Date.now() + waitMs;
    for (;;) {
      const held = await this.tryAcquire(file, ttlMs);
      if (held) return held;
      if (Date.now() > until)
        throw new Error(`Outbox: ${path.basename(file)} is busy in another window; try again.`);
      await sleep(10 + Math.floor(this.random() * 30));
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function e2s(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
