// What CRMs that build many tickets' deals in one pass share: the deals built once, and each ticket's
// copy of its own with the warnings that concern it.
import type { Deal } from '../model';
import type { TicketDeals } from './types';

/** Deals built once for many tickets, and the warnings a ticket with some of them gets. */
export interface BuiltDeals {
  deals: Map<string, Deal>;
  warningsFor(ids: readonly string[]): string[];
}

/** A ticket's deals `ids` from `built`, each a copy of its own (owner included), after `warnings`. */
export function assembleDeals(ids: readonly string[], built: BuiltDeals, warnings: readonly string[]): TicketDeals {
  const deals = ids.map((id) => {
    const d = built.deals.get(id) as Deal;
    return d.owner ? { ...d, owner: { ...d.owner } } : { ...d };
  });
  return { deals, warnings: [...warnings, ...built.warningsFor(ids)] };
}
