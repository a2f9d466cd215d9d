// The embedded data file (.vscode/customer-context.json): schema, parsing with JSON-path errors, and
// the local tracker and CRM that read it.
import * as z from 'zod/mini';
import { ProviderError } from './errors';
import type { Deal, SalesOwner, Ticket } from './model';
import type { Crm, TicketTracker } from './providers/types';
import { type ValidationProblem, summarizeProblems, validationProblems } from './validation';

const nonEmpty = () => z.string().check(z.minLength(1));
const isoDate = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD'));
const currency = z.string().check(z.regex(/^[A-Za-z]{3}$/, 'expected a 3-letter currency code such as USD'));

const TicketEntry = z.looseObject({
  title: nonEmpty(),
  url: z.optional(z.string()),
  status: z.optional(z.string()),
  assignee: z.optional(z.string()),
  labels: z.optional(z.array(z.string())),
  deals: z.optional(z.array(z.string())),
});

const DealEntry = z.looseObject({
  customer: nonEmpty(),
  amount: z.optional(z.number().check(z.nonnegative())),
  currency: z.optional(currency),
  stage: z.optional(z.string()),
  closeDate: z.optional(isoDate),
  owner: z.optional(z.string()),
  url: z.optional(z.string()),
  /** Answer-side: the ticket keys this deal wants, when linked from the deal instead of the ticket. */
  tickets: z.optional(z.array(z.string())),
});

const ContactEntry = z.looseObject({
  name: nonEmpty(),
  email: z.optional(z.string()),
  slack: z.optional(z.string()),
});

export const DataFileSchema = z.looseObject({
  version: z.optional(z.literal(1)),
  tickets: z.record(z.string(), TicketEntry),
  deals: z.record(z.string(), DealEntry),
  contacts: z.optional(z.record(z.string(), ContactEntry)),
});
export type DataFile = z.infer<typeof DataFileSchema>;

export type DataFileResult =
  | { ok: true; data: DataFile; warnings: ValidationProblem[] }
  | { ok: false; problems: ValidationProblem[] };

/** Line and column of a character offset, for JSON syntax errors. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/** Parses and validates the data file text. Never throws. */
export function parseDataFile(text: string): DataFileResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const message = (e as Error).message;
    const pos = /position (\d+)/.exec(message);
    const where = pos ? ` at ${lineColumn(text, Number(pos[1]))}` : '';
    return { ok: false, problems: [{ path: '(root)', message: `not valid JSON${where}: ${message}` }] };
  }
  const parsed = DataFileSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: validationProblems(parsed.error, raw) };
  const data = parsed.data;
  const warnings: ValidationProblem[] = [];
  for (const [key, ticket] of Object.entries(data.tickets)) {
    (ticket.deals ?? []).forEach((id, i) => {
      if (!Object.prototype.hasOwnProperty.call(data.deals, id)) {
        warnings.push({ path: `tickets.${key}.deals[${i}]`, message: `unknown deal "${id}"` });
      }
    });
  }
  for (const [id, deal] of Object.entries(data.deals)) {
    if (deal.owner && !Object.prototype.hasOwnProperty.call(data.contacts ?? {}, deal.owner)) {
      warnings.push({ path: `deals.${id}.owner`, message: `unknown contact "${deal.owner}"` });
    }
  }
  return { ok: true, data, warnings };
}

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

/** Reads the current data file; the VS Code layer caches it and reloads on change. */
export type DataFileSource = () => Promise<DataFileResult | undefined>;

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
      const [realKey, t] = found;
      return {
        key: realKey,
        title: t.title,
        status: t.status,
        url: t.url,
        assignee: t.assignee,
        labels: t.labels ?? [],
        dealRefs: t.deals ?? [],
        comments: [],
      } satisfies Ticket;
    },
  };
}

/** Deals from the data file: those the ticket lists, plus those whose `tickets` names it. */
export function localCrm(source: DataFileSource, file: string): Crm {
  return {
    kind: 'local',
    label: 'data file',
    async dealsForTicket(ticket) {
      const data = await load(source, file);
      const ids = new Set(ticket.dealRefs);
      const upper = ticket.key.toUpperCase();
      for (const [id, d] of Object.entries(data.deals)) {
        if (d.tickets?.some((k) => k.toUpperCase() === upper)) ids.add(id);
      }
      const deals: Deal[] = [];
      const warnings: string[] = [];
      for (const id of ids) {
        const deal = toDeal(data, id);
        if (deal) deals.push(deal);
        else warnings.push(`Deal ${id} (linked from ${ticket.key}) is not in the data file.`);
      }
      return { deals, warnings };
    },
  };
}
