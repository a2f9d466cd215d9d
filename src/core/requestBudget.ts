// A per-origin request budget: the last line of defence against a setting or a bug that would turn the
// extension into a load generator (a tiny cache TTL plus branch switching once sent 400 authenticated
// requests in 20 s, and some vendors bill every call). It wraps the one-attempt transport, so every
// attempt of every client counts, retries included, and one budget is shared by all of them.
import { ProviderError } from './errors';
import type { HttpTransport } from './http';

/** Requests allowed per origin within the window, by default. */
export const DefaultRequestLimit = 60;
/** Length of the sliding window, by default (ms). */
export const DefaultRequestWindowMs = 60_000;

/** How a budget is sized, plus its clock. */
export interface RequestBudgetOptions {
  /** Requests allowed per origin within `windowMs` (default 60). */
  limit?: number;
  /** Length of the sliding window in ms (default 60 000). */
  windowMs?: number;
  /** Epoch ms; injected in tests. */
  now?: () => number;
  /** Shows the time requests resume (default HH:MM:SS in local time). */
  formatTime?: (epochMs: number) => string;
}

/** How much of one origin's budget is used, for display. */
export interface BudgetStats {
  origin: string;
  /** Requests counted in the current window. */
  used: number;
  limit: number;
  windowMs: number;
  /** When the oldest counted request leaves the window and frees a slot; undefined when none is used. */
  resetsAt?: number;
}

const INVALID_ORIGIN = '(invalid URL)';

/** `https://acme.atlassian.net` for any URL on it; unparsable URLs share one bucket. */
function originOf(url: string): string {
  try {
    const origin = new URL(url).origin;
    return origin && origin !== 'null' ? origin : INVALID_ORIGIN;
  } catch {
    return INVALID_ORIGIN;
  }
}

function localTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function windowText(ms: number): string {
  if (ms === 60_000) return 'minute';
  if (ms % 60_000 === 0) return `${ms / 60_000} minutes`;
  const s = Math.round(ms / 100) / 10;
  return s === 1 ? 'second' : `${s} seconds`;
}

/** A sliding-window count of requests per origin, shared by every client of the extension. */
export class RequestBudget {
  readonly limit: number;
  readonly windowMs: number;
  private readonly now: () => number;
  private readonly formatTime: (epochMs: number) => string;
  /** Start times of the counted requests per origin, oldest first. */
  private readonly sent = new Map<string, number[]>();

  constructor(options: RequestBudgetOptions = {}) {
    const limit = options.limit ?? DefaultRequestLimit;
    const windowMs = options.windowMs ?? DefaultRequestWindowMs;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`RequestBudget: limit must be a whole number of at least 1, not ${limit}.`);
    }
    if (!Number.isFinite(windowMs) || windowMs <= 0) {
      throw new RangeError(`RequestBudget: windowMs must be a positive number of ms, not ${windowMs}.`);
    }
    this.limit = limit;
    this.windowMs = windowMs;
    this.now = options.now ?? Date.now;
    this.formatTime = options.formatTime ?? localTime;
  }

  /**
   * Counts one request to `origin` now and returns undefined, or, when the budget is spent, counts
   * nothing and returns the epoch ms at which a slot frees.
   */
  take(origin: string): number | undefined {
    const now = this.now();
    // Origins no longer used would otherwise stay in memory for the life of the window.
    if (this.sent.size > 32) for (const o of [...this.sent.keys()]) this.current(o, now);
    const times = this.current(origin, now);
    if (times.length >= this.limit) return times[0] + this.windowMs;
    times.push(now);
    this.sent.set(origin, times);
    return undefined;
  }

  /** Usage of the origin of `originOrUrl` (an origin or any URL on it). */
  stats(originOrUrl: string): BudgetStats {
    const parsed = originOf(originOrUrl);
    const origin = parsed === INVALID_ORIGIN ? originOrUrl : parsed;
    const times = this.current(origin, this.now());
    return {
      origin,
      used: times.length,
      limit: this.limit,
      windowMs: this.windowMs,
      resetsAt: times.length > 0 ? times[0] + this.windowMs : undefined,
    };
  }

  /** The error for a refused request: what happened, where, and when it resumes; no vendor text. */
  refusal(origin: string, retryAt: number): ProviderError {
    const message =
      `Customer Context paused requests to ${origin}: ${this.limit} in the last ` +
      `${windowText(this.windowMs)} is its limit; it resumes at ${this.formatTime(retryAt)}.`;
    return new ProviderError('rateLimited', message, { retryAt });
  }

  /** The origin's requests still inside the window (pruned in place); empty origins are forgotten. */
  private current(origin: string, now: number): number[] {
    const times = this.sent.get(origin);
    if (!times) return [];
    // A clock set back must not block an origin for longer than one window: count those as now.
    for (let i = 0; i < times.length; i++) if (times[i] > now) times[i] = now;
    let expired = 0;
    while (expired < times.length && times[expired] + this.windowMs <= now) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length === 0) this.sent.delete(origin);
    return times;
  }
}

/**
 * Wraps a transport so each attempt takes a slot of `budget` for its URL's origin first. A spent
 * budget rejects with ProviderError('rateLimited', retryAt = when a slot frees) and never calls the
 * transport. Origins for which `exempt` says so are not counted.
 */
export function budgetedTransport(
  transport: HttpTransport,
  budget: RequestBudget,
  exempt: (origin: string) => boolean = () => false,
): HttpTransport {
  return async (req) => {
    const origin = originOf(req.url);
    if (exempt(origin)) return transport(req);
    const retryAt = budget.take(origin);
    if (retryAt !== undefined) throw budget.refusal(origin, retryAt);
    return transport(req);
  };
}
