// Small fakes for core tests: a Map-backed store, a manual clock, builders.
import type { Deal, Ticket, TicketContext } from '../../src/core/model';
import type { KeyValueStore } from '../../src/core/store';

export function memoryStore(): KeyValueStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: <T>(k: string) => data.get(k) as T | undefined,
    update: async (k: string, v: unknown) => void (v === undefined ? data.delete(k) : data.set(k, JSON.parse(JSON.stringify(v)))),
  };
}

/** 2026-11-27 12:00 local time. */
export const Noon = new Date(2026, 10, 27, 12, 0, 0).getTime();

export function aTicket(overrides: Partial<Ticket> = {}): Ticket {
  return { key: 'ACME-42', title: 'Export invoices to PDF', url: 'https://tracker.example.com/ACME-42', labels: [], dealRefs: [], comments: [], ...overrides };
}

export function aDeal(overrides: Partial<Deal> = {}): Deal {
  return {
    id: 'D-1001',
    customer: 'Globex LLC',
    amount: 120000,
    currency: 'USD',
    stage: 'Negotiation',
    closeDate: '2026-12-02',
    owner: { name: 'Anna Petrova', email: 'anna.petrova@example.com', slackId: 'U024BE7LH' },
    url: 'https://crm.example.com/deals/1001',
    ...overrides,
  };
}

export function aContext(deals: Deal[] = [aDeal()], ticket: Partial<Ticket> = {}): TicketContext {
  return { ticket: aTicket(ticket), deals, warnings: [] };
}
