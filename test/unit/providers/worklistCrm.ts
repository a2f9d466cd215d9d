// What the CRMs' worklist tests share: a ticket as the tracker lists it, and the per-ticket answers
// a batch read must equal.
import type { Ticket } from '../../../src/core/model';
import type { Crm, TicketDeals } from '../../../src/core/providers/types';

/** A listed ticket with a Russian title and the deal references given. */
export function aTicket(key: string, dealRefs: string[] = []): Ticket {
  return { key, title: `Задача ${key}`, labels: [], dealRefs, comments: [] };
}

/** `crm.dealsForTicket` for each ticket in turn: what `dealsForTickets` must give in one go. */
export async function oneByOne(crm: Crm, tickets: Ticket[]): Promise<Map<string, TicketDeals>> {
  const out = new Map<string, TicketDeals>();
  for (const t of tickets) out.set(t.key, await crm.dealsForTicket(t));
  return out;
}
