// The embedded data file (.vscode/customer-context.json): schema and parsing with JSON-path errors.
// Its tracker and CRM are the data-file vendor's (providers/local/).
import * as z from 'zod/mini';
import { type ValidationProblem, validationProblems } from './validation';

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

/** Reads the current data file; the VS Code layer caches it and reloads on change. */
export type DataFileSource = () => Promise<DataFileResult | undefined>;
