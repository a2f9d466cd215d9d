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
}

export interface Crm {
  readonly kind: CrmKind;
  readonly label: string;
  /**
   * The deals behind a ticket: those the ticket references (ids or CRM URLs in `ticket.dealRefs`) and
   * those whose ticket property/field holds the key, merged without duplicates. A reference that no
   * longer exists is reported in `warnings`, not thrown.
   */
  dealsForTicket(ticket: Ticket, signal?: AbortSignal): Promise<{ deals: Deal[]; warnings: string[] }>;
  whoAmI?(signal?: AbortSignal): Promise<string>;
}
