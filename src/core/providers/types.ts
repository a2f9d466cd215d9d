// The two provider interfaces, implemented by the vendors in registry.ts. Each is a plain object built
// from its settings (and, over HTTP, an HttpClient).
import type { Deal, Ticket } from '../model';
import type { CrmId, TrackerId } from './registry';

export type TrackerKind = TrackerId;
export type CrmKind = CrmId;

export interface TicketTracker {
  readonly kind: TrackerKind;
  /** Human name for messages: "data file", a vendor's name and edition. */
  readonly label: string;
  /**
   * The ticket for a key (`ACME-42`, `#123`). Throws ProviderError('notFound') when it does not exist,
   * other ProviderErrors as classified by the HTTP layer.
   */
  getTicket(key: string, signal?: AbortSignal): Promise<Ticket>;
  /** Who the credentials belong to, for `configure`'s test call. */
  whoAmI?(signal?: AbortSignal): Promise<string>;
  /**
   * The user's open tickets for the worklist: "assigned to me" (the data file: all of its tickets), or
   * the tracker's own query when `query` is set (JQL, a search string…). At most `limit`, in the
   * tracker's order, each with its deal references; comments may be left empty. A handful of requests
   * for the whole list, never one per ticket.
   */
  listMine?(options: { query?: string; limit: number }, signal?: AbortSignal): Promise<Ticket[]>;
}

/** The deals of one ticket, as `Crm.dealsForTicket` returns them. */
export interface TicketDeals {
  deals: Deal[];
  warnings: string[];
}

export interface Crm {
  readonly kind: CrmKind;
  readonly label: string;
  /**
   * The deals behind a ticket: those the ticket references (ids or CRM URLs in `ticket.dealRefs`) and
   * those whose ticket property/field holds the key, merged without duplicates. A reference that no
   * longer exists is reported in `warnings`, not thrown.
   */
  dealsForTicket(ticket: Ticket, signal?: AbortSignal): Promise<TicketDeals>;
  whoAmI?(signal?: AbortSignal): Promise<string>;
  /**
   * `dealsForTicket` for many tickets at once, by ticket key, in a handful of requests for the whole
   * list (batch reads, `IN` filters, one query), not one per ticket. Optional: without it, callers fall
   * back to `dealsForTicket` per ticket with bounded concurrency.
   */
  dealsForTickets?(tickets: readonly Ticket[], signal?: AbortSignal): Promise<Map<string, TicketDeals>>;
}
