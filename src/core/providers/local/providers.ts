// The data file's tickets and deals as a tracker and a CRM.
import { type DataFile, type DataFileSource } from '../../dataFile';
import { ProviderError } from '../../errors';
import type { Deal, SalesOwner, Ticket } from '../../model';
import { summarizeProblems } from '../../validation';
import type { Crm, TicketDeals, TicketTracker } from '../types';
function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Finds a ticket entry by key, case-insensitively (branch `acme-42` and file `ACME-42`). */
function findTicket(data: DataFile, key: string): [string, DataFile['tickets'][string]] | undefined {
  const exact = own(data.tickets, key);
  if (exact) return [key, exact];
  const upper = key.toUpperCase();
  return Object.entries(data.tickets).find(([k]) => k.toUpperCase() === upper);
}

function owner(data: DataFile, ref: string | undefined): SalesOwner | undefined {
  if (!ref) return undefined;
  const c = own(data.contacts, ref);
  if (!c) return { name: ref };
  return { name: c.name, email: c.email, slackId: c.slack, crmId: ref };
}

/** The deal with id `id` from the file, mapped to the domain type. */
function toDeal(data: DataFile, id: string): Deal | undefined {
  const d = own(data.deals, id);
  if (!d) return undefined;
  return {
    id,
    customer: d.customer,
    amount: d.amount,
    currency: d.currency?.toUpperCase(),
    stage: d.stage,
    closeDate: d.closeDate,
    owner: owner(data, d.owner),
    url: d.url,
  };
}


async function load(source: DataFileSource, file: string): Promise<DataFile> {
  const result = await source();
  if (!result) {
    throw new ProviderError('notConfigured', `The data file ${file} does not exist. Create it or run "Configure Tracker and CRM…".`, { provider: 'data file' });
  }
  if (!result.ok) {
    throw new ProviderError('invalidData', `The data file ${file} is invalid: ${summarizeProblems(result.problems)}`, {
      provider: 'data file',
      where: result.problems[0]?.path,
    });
  }
  return result.data;
}

/** A data file ticket entry as the domain type (the file holds no comments). */
function toTicket(key: string, t: DataFile['tickets'][string]): Ticket {
  return {
    key,
    title: t.title,
    status: t.status,
    url: t.url,
    assignee: t.assignee,
    labels: t.labels ?? [],
    dealRefs: t.deals ?? [],
    comments: [],
  };
}

/** Tickets from the data file. */
export function localTracker(source: DataFileSource, file: string): TicketTracker {
  return {
    kind: 'local',
    label: 'data file',
    async getTicket(key) {
      const data = await load(source, file);
      const found = findTicket(data, key);
      if (!found) {
        throw new ProviderError('notFound', `Ticket ${key} is not in the data file ${file}.`, { provider: 'data file' });
      }
      return toTicket(found[0], found[1]);
    },
    // The file has no notion of "me": every ticket it holds is the worklist, in file order.
    async listMine({ limit }) {
      const data = await load(source, file);
      return Object.entries(data.tickets).slice(0, Math.max(0, limit)).map(([key, t]) => toTicket(key, t));
    },
  };
}

/** Deal ids by upper-case ticket key, from the deals' own `tickets` lists. */
function dealsByTicket(data: DataFile): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const [id, d] of Object.entries(data.deals)) {
    for (const k of d.tickets ?? []) {
      const upper = k.toUpperCase();
      const ids = index.get(upper);
      if (ids) ids.push(id);
      else index.set(upper, [id]);
    }
  }
  return index;
}

/** A ticket's deals: those it lists, then those naming it, without duplicates. */
function dealsOf(data: DataFile, ticket: Ticket, index: Map<string, string[]>): TicketDeals {
  const ids = new Set([...ticket.dealRefs, ...(index.get(ticket.key.toUpperCase()) ?? [])]);
  const deals: Deal[] = [];
  const warnings: string[] = [];
  for (const id of ids) {
    const deal = toDeal(data, id);
    if (deal) deals.push(deal);
    else warnings.push(`Deal ${id} (linked from ${ticket.key}) is not in the data file.`);
  }
  return { deals, warnings };
}

/** Deals from the data file: those the ticket lists, plus those whose `tickets` names it. */
export function localCrm(source: DataFileSource, file: string): Crm {
  return {
    kind: 'local',
    label: 'data file',
    async dealsForTicket(ticket) {
      const data = await load(source, file);
      return dealsOf(data, ticket, dealsByTicket(data));
    },
    // One read and one index of the file for the whole list.
    async dealsForTickets(tickets) {
      const data = await load(source, file);
      const index = dealsByTicket(data);
      return new Map(tickets.map((t) => [t.key, dealsOf(data, t, index)]));
    },
  };
}
