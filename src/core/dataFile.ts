// The embedded data file (.vscode/customer-context.json): schema and parsing with JSON-path errors.
// Its tracker and CRM are the data-file vendor's (providers/local/).
import * as z from 'zod/mini';
import { type ValidationProblem, validationProblems } from './validation';

const nonEmpty = () => z.string().check(z.minLength(1));
const isoDate = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD'));
const currency = z.string().check(z.regex(/^[A-Za-z]{3}$/, 'expected a 3-letter currency code such as USD'));

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Strings, checked in one pass: a wrong element is one problem, not one per element. */
const stringArray = () =>
  z.custom<string[]>((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), {
    error: ({ input }) => {
      if (!Array.isArray(input)) return `expected array, got ${kind(input)}`;
      const i = input.findIndex((s) => typeof s !== 'string');
      return `expected an array of strings ([${i}] is ${kind(input[i])})`;
    },
  });

const TicketEntry = z.looseObject({
  title: nonEmpty(),
  url: z.optional(z.string()),
  status: z.optional(z.string()),
  assignee: z.optional(z.string()),
  labels: z.optional(stringArray()),
  deals: z.optional(stringArray()),
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
  tickets: z.optional(stringArray()),
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

/** Problems listed at most: a file broken in every entry is not listed entry by entry. */
const MaxProblems = 20;
const Shape = z.looseObject({
  version: z.optional(z.literal(1)),
  tickets: z.record(z.string(), z.unknown()),
  deals: z.record(z.string(), z.unknown()),
  contacts: z.optional(z.record(z.string(), z.unknown())),
});
const Entries = [['tickets', TicketEntry], ['deals', DealEntry], ['contacts', ContactEntry]] as const;

/** The first MaxProblems problems, entry by entry (a line says how many more there are). */
function firstProblems(raw: unknown): ValidationProblem[] {
  const shape = Shape.safeParse(raw);
  if (!shape.success) return validationProblems(shape.error, raw);
  const problems: ValidationProblem[] = [];
  let more = 0;
  for (const [section, schema] of Entries) {
    for (const [key, entry] of Object.entries(shape.data[section] ?? {})) {
      if (problems.length >= MaxProblems) {
        more++;
        continue;
      }
      const r = schema.safeParse(entry);
      if (r.success) continue;
      const issues = r.error.issues.map((i) => ({ ...i, path: [section, key, ...i.path] }));
      problems.push(...validationProblems({ issues }, raw));
    }
  }
  if (more > 0) {
    problems.push({ path: '(root)', message: `${more} more entries not checked after ${MaxProblems} problems` });
  }
  return problems;
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
  // Entry by entry first, stopping after MaxProblems: zod spends ~5 µs on each problem it finds.
  const first = firstProblems(raw);
  if (first.length > 0) return { ok: false, problems: first };
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
