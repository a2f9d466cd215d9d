// One question in the outbox and how it changes: the persisted shape, the state the sidebar shows,
// and every state change as a pure function `transition(entry, event, now)`. No file system, no
// clock and no randomness here: the outbox reads the entry, applies an event and writes the result.
//
// Delivery semantics per route:
// - exactly once where the sender can `reconcile` (find the message by the question id it embeds):
//   after an ambiguous failure (cut or timeout after the request may have left, 5xx on a POST, a
//   crash mid-send) the route is `unknown` and the next attempt first asks the remote;
// - at least once where it cannot (chat webhooks): the next attempt resends.
import * as z from 'zod/mini';
import { ProviderError } from '../errors';
import { backoffMs } from './outboxSchedule';
import { Question, RouteNames, type RouteName } from './question';
import { Answer, type RemoteRef } from './sender';
import type { QuestionState } from '../../shared/sidebarState';

/** Where one route of a question stands. */
export const RouteStateName = z.enum([
  'queued',
  'sending',
  'sent',
  'failed',
  'unknown',
  'needsAuth',
]);
/** Where one route of a question stands. */
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
  /** The vendor (registry id) the route went out through; set when its first request leaves. */
  vendor: z.optional(z.string()),
  remoteId: z.optional(z.string()),
  remoteUrl: z.optional(z.string()),
  /** ISO timestamp of delivery. */
  sentAt: z.optional(z.string()),
});
/** One route's delivery record, persisted in the entry. */
export type RouteState = z.infer<typeof RouteState>;

/** One question in the outbox (file `<id>.json`). */
export const OutboxEntry = z.looseObject({
  version: z.literal(1),
  question: Question,
  routes: z.partialRecord(z.enum(RouteNames), RouteState),
  answer: z.optional(Answer),
  answerNotified: z.optional(z.boolean()),
  discarded: z.optional(z.boolean()),
});
/** One question in the outbox (file `<id>.json`). */
export type OutboxEntry = z.infer<typeof OutboxEntry>;

/** The question's state as the sidebar shows it. */
export type { QuestionState };

/** Answered; or Failed if a route failed or needs a token; Sent if all sent; else Queued. */
export function questionState(entry: OutboxEntry): QuestionState {
  if (entry.answer) return 'Answered';
  const states = Object.values(entry.routes).map((r) => r?.state);
  if (states.some((s) => s === 'failed' || s === 'needsAuth')) return 'Failed';
  if (states.length > 0 && states.every((s) => s === 'sent')) return 'Sent';
  return 'Queued';
}

/** Something that happens to a question in the outbox; `transition` says what it becomes. */
export type OutboxEvent =
  /** The person asked to retry: every unsent route (failed and needsAuth too) due now. */
  | { type: 'retry' }
  /** A token for `route` was stored: a route parked for auth is due now. */
  | { type: 'resumeAuth'; route: RouteName }
  /** The person stopped the question; the entry stays, flagged, for every window to hide. */
  | { type: 'discard' }
  /** The request for `route` is about to leave (written before it does). */
  | { type: 'sending'; route: RouteName; vendor?: string }
  /** `route` was delivered (or found delivered); creates the route when it was not queued. */
  | { type: 'sent'; route: RouteName; remote?: RemoteRef }
  /** An attempt on `route` failed with `error`; see `failedState`. */
  | {
      type: 'failed';
      route: RouteName;
      error: unknown;
      /** Whether the message may have left before this attempt (reconcile before resending). */
      uncertain: boolean;
      /** A draw in [0, 1) for the backoff's jitter. */
      jitter: number;
      /** The sender's search-index lag; 0 when it cannot reconcile. */
      reconcileDelayMs: number;
    }
  /** The sales owner answered; the first answer wins. */
  | { type: 'answered'; answer: Answer }
  /** The developer was told of the answer, so no other window tells again. */
  | { type: 'answerNotified' };

/** A new entry for `question` with each of `routes` queued once. */
export function newEntry(question: Question, routes: readonly RouteName[]): OutboxEntry {
  const entry: OutboxEntry = { version: 1, question, routes: {} };
  for (const r of new Set(routes)) entry.routes[r] = { state: 'queued', attempts: 0 };
  return entry;
}

/**
 * Whether the next attempt on `s` must first ask the remote: the last one may have left
 * unconfirmed, or (`orphan`) its sender died mid-send.
 */
export function isUncertain(s: RouteState, orphan: boolean): boolean {
  return orphan || s.state === 'unknown' || s.mayHaveBeenSent === true;
}

/** The entry after `event` at epoch ms `now`; `entry` itself is never changed. */
export function transition(entry: OutboxEntry, event: OutboxEvent, now: number): OutboxEntry {
  switch (event.type) {
    case 'retry': {
      const routes = { ...entry.routes };
      for (const r of RouteNames) {
        const s = routes[r];
        if (!s || s.state === 'sent' || s.state === 'sending') continue;
        routes[r] = dueAgain(s, now);
      }
      return { ...entry, discarded: undefined, routes };
    }
    case 'resumeAuth': {
      const s = entry.routes[event.route];
      if (s?.state !== 'needsAuth') return entry;
      return withRoute(entry, event.route, dueAgain(s, now));
    }
    case 'discard':
      return { ...entry, discarded: true };
    case 'sending': {
      const s = entry.routes[event.route];
      if (!s) return entry;
      // Written before the request leaves: a crash from here on leaves 'sending', read as
      // ambiguous.
      return withRoute(entry, event.route, {
        ...s,
        state: 'sending',
        ...((s.vendor ?? event.vendor) ? { vendor: s.vendor ?? event.vendor } : {}),
        attempts: s.attempts + 1,
        nextAttemptAt: undefined,
        mayHaveBeenSent: true,
      });
    }
    case 'sent': {
      const s = entry.routes[event.route] ?? { state: 'queued', attempts: 0 };
      return withRoute(entry, event.route, sentState(s, event.remote ?? {}, now));
    }
    case 'failed': {
      const s = entry.routes[event.route];
      if (!s) return entry;
      return withRoute(entry, event.route, failedState(s, event, now));
    }
    case 'answered':
      return entry.answer ? entry : { ...entry, answer: event.answer };
    case 'answerNotified':
      return { ...entry, answerNotified: true };
  }
}

function withRoute(entry: OutboxEntry, route: RouteName, s: RouteState): OutboxEntry {
  return { ...entry, routes: { ...entry.routes, [route]: s } };
}

/** Due now with a fresh backoff; still to be reconciled first if it may have left. */
function dueAgain(s: RouteState, now: number): RouteState {
  return {
    ...s,
    state: s.mayHaveBeenSent ? 'unknown' : 'queued',
    attempts: 0,
    nextAttemptAt: now,
  };
}

function sentState(s: RouteState, remote: RemoteRef, now: number): RouteState {
  return {
    ...s,
    state: 'sent',
    nextAttemptAt: undefined,
    lastError: undefined,
    mayHaveBeenSent: undefined,
    remoteId: remote.remoteId ?? s.remoteId,
    remoteUrl: remote.remoteUrl ?? s.remoteUrl,
    sentAt: new Date(now).toISOString(),
  };
}

/** The state after a failed attempt, by what the failure says about whether the message left. */
function failedState(
  s: RouteState,
  event: Extract<OutboxEvent, { type: 'failed' }>,
  now: number,
): RouteState {
  const { error, uncertain } = event;
  const base = { ...s, lastError: errorText(error), nextAttemptAt: undefined };
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
          : now + backoffMs(s.attempts, event.jitter);
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
      const at = now + Math.max(backoffMs(s.attempts, event.jitter), event.reconcileDelayMs);
      return { ...base, state: 'unknown', nextAttemptAt: at, mayHaveBeenSent: true };
    }
  }
}

/** The failure as the person reads it (vendor message included, no secret). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
