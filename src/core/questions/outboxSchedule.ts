// When the outbox acts: the retry backoff, which routes are due, how long answers are polled, and
// the real-time waits it needs. Pure functions of the entry and an injected time, except
// `realTimers`, the default source of real time.
import type { OutboxEntry, RouteState } from './outboxEntry';
import { RouteNames, type RouteName } from './question';
import type { RouteSenders } from './sender';
import { Vendors } from '../providers/registry';

/** First backoff step after an ambiguous or rate-limited failure. */
export const BACKOFF_BASE_MS = 2_000;
/** The backoff never grows past this, so a long outage still retries four times an hour. */
export const BACKOFF_CAP_MS = 15 * 60_000;
/** Answers are polled only for questions younger than this. */
export const ANSWER_WINDOW_MS = 30 * 86_400_000;
/** Routes the outbox never sends itself (the UI opens them, then calls markSent). */
export const MANUAL_ROUTES: ReadonlySet<RouteName> = new Set(Vendors.filter((v) => v.manualRoute).map((v) => v.id as RouteName));

/**
 * The machine's own time, for what the operating system measures rather than the outbox's clock:
 * file ages (mtime is stamped with real time) and waiting for another window's lock.
 */
export interface Timers {
  /** Epoch ms on the clock the file system stamps modification times with. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** Real time and real timers: the default `Timers`. */
export const realTimers: Timers = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Equal-jitter exponential backoff after `attempts` attempts: 2 s, 4 s, 8 s … capped at 15 min,
 * at least half a step. `jitter` is a draw in [0, 1).
 */
export function backoffMs(attempts: number, jitter: number): number {
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(step / 2 + (jitter * step) / 2);
}

/** Whether a route waits for an attempt (queued, or unknown and to be reconciled) that is due. */
export function isDue(s: RouteState, now: number): boolean {
  return (s.state === 'queued' || s.state === 'unknown') && (s.nextAttemptAt ?? 0) <= now;
}

/** Whether the outbox itself sends `route` with these senders (not manual, a sender exists). */
export function sendsItself(route: RouteName, senders: RouteSenders): boolean {
  return senders[route] !== undefined && !MANUAL_ROUTES.has(route);
}

/** Whether a pass should take the lease of `entry`: a sendable route is due or left 'sending'. */
export function hasDueRoute(entry: OutboxEntry, senders: RouteSenders, now: number): boolean {
  if (entry.discarded) return false;
  return RouteNames.some((r) => {
    const s = entry.routes[r];
    if (!s || !sendsItself(r, senders)) return false;
    // 'sending' on disk means a sender is (or was) at work; the lease tells which.
    return s.state === 'sending' || isDue(s, now);
  });
}

/**
 * When a route next needs this window (epoch ms), undefined when it waits for nobody. A route
 * another window is sending counts at that window's lease expiry, so this one takes over if it
 * died.
 */
export function routeDueAt(
  s: RouteState,
  now: number,
  leaseExpiresAt: number | undefined,
): number | undefined {
  if (s.state === 'queued' || s.state === 'unknown') return s.nextAttemptAt ?? now;
  if (s.state === 'sending') return leaseExpiresAt ?? now;
  return undefined;
}

/** Whether answers to `entry` are still polled: unanswered, kept, and inside the answer window. */
export function awaitsAnswer(entry: OutboxEntry, now: number): boolean {
  if (entry.answer || entry.discarded) return false;
  // Old unanswered questions would cost requests on every check for ever.
  return (Date.parse(entry.question.createdAt) || 0) >= now - ANSWER_WINDOW_MS;
}
