// The contract between the outbox and a vendor's question sender. A vendor imports only this
// module: it says how to deliver, find again and read the answer to one question, and nothing
// about how the outbox stores, leases or schedules it.
import * as z from 'zod/mini';
import type { Question, RouteName } from './question';

/** The sales owner's answer, as read back from the route it came through. */
export const Answer = z.object({ text: z.string(), by: z.optional(z.string()), at: z.string() });
/** The sales owner's answer (text, who, ISO time). */
export type Answer = z.infer<typeof Answer>;

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
  /**
   * The vendor (registry id) this sender delivers to. A route that went out through another vendor
   * (the CRM setting changed since) is neither reconciled, resent nor read through this one.
   */
  vendor?: string;
}

/** The senders a window can use now, by route; a missing route is left queued. */
export type RouteSenders = Partial<Record<RouteName, RouteSender>>;

/**
 * The senders a window can use now, by route, or per question (a window sends only the questions of
 * folders it can configure); a missing route is left queued.
 */
export type SendersFor = RouteSenders | ((q: Question) => RouteSenders);

/** The senders that apply to `q`, whichever form `senders` takes. */
export function sendersOf(senders: SendersFor, q: Question): RouteSenders {
  return typeof senders === 'function' ? senders(q) : senders;
}
