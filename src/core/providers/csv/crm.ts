// Deals from a CSV export of a CRM that has no API (RegionSoft CRM, 1C, a spreadsheet). Parsing is
// pure and forgiving: a broken row is reported with its physical line number and skipped, the rest
// is kept, because one typo in a 2,000-row export must not hide every customer.
//
// The file is outside text: parsing is one pass, header names and amounts are read by loops, the
// remaining regular expressions are anchored and cannot backtrack, and the cells that are matched
// (amount, date) or kept (names, ids, links) have length caps, so no file can stall the editor.
import { ProviderError, toProviderError } from '../../errors';
import type { Deal } from '../../model';
import type { Crm } from '../types';

/** The columns `customerContext.csv.columns` can map (plus `id`, found by header name only). */
export type CsvColumnKey =
  | 'ticket'
  | 'customer'
  | 'amount'
  | 'currency'
  | 'stage'
  | 'closeDate'
  | 'owner'
  | 'ownerEmail'
  | 'url'
  | 'id';

/** Setting `csv.columns`: our key → the file's header text (case-insensitive). */
export type CsvColumns = Partial<Record<CsvColumnKey, string>>;

/** A row that could not be used, with its 1-based physical line number. */
export interface CsvProblem {
  line: number;
  message: string;
}

/** One (ticket key, deal) pair; a row listing several keys yields one pair per key. */
export interface CsvDealRow {
  ticket: string;
  deal: Deal;
}

/** What `parseDealsCsv` found. */
export interface CsvParseResult {
  rows: CsvDealRow[];
  problems: CsvProblem[];
}

// Header names tried, in order of preference, when `csv.columns` does not name a column. Compared
// after normalising (lower case, single spaces, no `*`, `:` or surrounding quotes).
const ALIASES: Record<CsvColumnKey, string[]> = {
  ticket: [
    'ticket',
    'tickets',
    'ticket key',
    'ticket id',
    'issue',
    'issue key',
    'jira',
    'jira key',
    'jira issue',
    'key',
    'задача',
    'задачи',
    'тикет',
    'номер задачи',
    'ключ задачи',
    'заявка',
  ],
  customer: [
    'customer',
    'company',
    'client',
    'account',
    'account name',
    'organization',
    'organisation',
    'organization name',
    'company name',
    'клиент',
    'контрагент',
    'компания',
    'заказчик',
    'покупатель',
    'организация',
  ],
  amount: [
    'amount',
    'deal amount',
    'value',
    'deal value',
    'sum',
    'total',
    'сумма',
    'сумма сделки',
    'бюджет',
    'стоимость',
  ],
  currency: ['currency', 'currency code', 'валюта'],
  stage: [
    'stage',
    'deal stage',
    'pipeline stage',
    'status',
    'стадия',
    'этап',
    'этап сделки',
    'стадия сделки',
    'статус',
  ],
  closeDate: [
    'closedate',
    'close date',
    'expected close date',
    'close',
    'дата закрытия',
    'планируемая дата закрытия',
    'дата завершения',
    'срок',
    'дата',
  ],
  owner: [
    'owner',
    'deal owner',
    'sales owner',
    'owner name',
    'manager',
    'sales manager',
    'responsible',
    'ответственный',
    'менеджер',
    'ответственный менеджер',
  ],
  ownerEmail: [
    'owneremail',
    'owner email',
    'owner e-mail',
    'manager email',
    'email',
    'e-mail',
    'почта',
    'email менеджера',
    'e-mail менеджера',
    'почта менеджера',
  ],
  url: ['url', 'link', 'deal url', 'deal link', 'ссылка', 'ссылка на сделку'],
  id: ['id', 'deal id', 'dealid', 'номер сделки', '№ сделки', 'код сделки', 'код'],
};

const KEYS = Object.keys(ALIASES) as CsvColumnKey[];

/** Longest cell kept as a name (customer, stage, owner, e-mail): longer ones are cut. */
const MAX_TEXT_CELL = 500;
/** Longest deal id kept; a longer one is no id, and its row is reported. */
const MAX_ID_CELL = 200;
/** Longest link kept; a longer one is left out rather than cut (a cut link leads elsewhere). */
const MAX_URL_CELL = 2048;
/** Longest amount or date cell read: `-1 200 000 000,00 руб.` is 22 characters. */
const MAX_NUMBER_CELL = 100;

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || /\s/.test(c);
}

/**
 * Header text compared: lower case, single spaces, without surrounding quotes, `:` or `*`. The
 * ends are trimmed by loops: a `+` class anchored at the end (`/["'\s:*]+$/`) is tried from every
 * position and took seconds on a long header cell.
 */
function normalizeHeader(h: string): string {
  let start = 0;
  let end = h.length;
  while (start < end && (h[start] === '"' || h[start] === "'" || isBlank(h[start]))) start++;
  while (end > start && ('"\':*'.includes(h[end - 1]) || isBlank(h[end - 1]))) end--;
  return h.slice(start, end).replace(/\s+/g, ' ').toLowerCase();
}

interface CsvRecord {
  /** Physical line the record starts on (1-based). */
  line: number;
  fields: string[];
}

/** Finds the delimiter from the header line: semicolon when it has more semicolons than commas. */
function detectDelimiter(text: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) {
      if (commas + semicolons > 0) break;
    } else if (!quoted && c === ',') commas++;
    else if (!quoted && c === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

function hasText(fields: string[]): boolean {
  for (const f of fields) if (f.trim() !== '') return true;
  return false;
}

/** The index of the next `"`, CR, LF or `stop` at or after `from`, or the text's length. */
function nextSpecial(text: string, from: number, stop: string): number {
  const s = stop.charCodeAt(0);
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x0d || c === 0x0a || c === s) return i;
  }
  return text.length;
}

/** RFC 4180 records with the physical line each starts on; also LF-only and lone-CR line ends. */
function splitRecords(text: string, delimiter: string, problems: CsvProblem[]): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteLine = 0;
  // Whether the unquoted field so far is blank: kept as we go rather than found by trimming the
  // field at every quote, which made a long cell full of quotes quadratic.
  let fieldBlank = true;
  let i = 0;
  const endRecord = (): void => {
    fields.push(field);
    // A blank line (or one with only delimiters, as spreadsheets pad) is no record.
    if (hasText(fields)) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    fieldBlank = true;
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        // Once per quoted field, so in proportion to the file overall: `""  "x"` reopens as before.
        fieldBlank = field.trim() === '';
        i++;
        continue;
      }
      if (c === '\r' && text[i + 1] === '\n') {
        field += '\n';
        line++;
        i += 2;
        continue;
      }
      if (c === '\n' || c === '\r') {
        line++;
        field += '\n';
        i++;
        continue;
      }
      // Copied in runs up to the next quote or line end, not character by character.
      const end = nextSpecial(text, i, '"');
      field += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === '"' && fieldBlank) {
      // Opening quote; spaces before it (`a, "b"`) are dropped as most exporters intend.
      quoted = true;
      quoteLine = line;
      field = '';
      fieldBlank = false;
      i++;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      fieldBlank = true;
      i++;
    } else if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      // Copied in runs up to the next delimiter, quote or line end (a quote within a field is
      // text: it opens nothing, so it is copied alone).
      const end = c === '"' ? i + 1 : nextSpecial(text, i, delimiter);
      const run = text.slice(i, end);
      field += run;
      if (fieldBlank && run.trim() !== '') fieldBlank = false;
      i = end;
    }
  }
  if (quoted) {
    problems.push({
      line: quoteLine,
      message: `a quoted field opened here is not closed; lines ${quoteLine}–${line} were skipped`,
    });
    return records;
  }
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

const CURRENCY_WORDS: Array<[RegExp, string]> = [
  [/^(?:₽|руб\.?|рублей|рубли|рубль|р\.?|rur)$/i, 'RUB'],
  [/^(?:\$|us\$|долл\.?)$/i, 'USD'],
  [/^(?:€|евро)$/i, 'EUR'],
  [/^£$/, 'GBP'],
  [/^(?:₸|тенге)$/i, 'KZT'],
  [/^(?:₴|грн\.?)$/i, 'UAH'],
  [/^(?:¥|юань)$/i, 'CNY'],
];

/** ISO 4217 code for a currency cell or symbol (`руб.`, `$`, `usd`), or undefined. */
function currencyCode(raw: string): string | undefined {
  const s = raw.trim();
  if (/^[A-Za-z]{3}$/.test(s)) return s.toUpperCase() === 'RUR' ? 'RUB' : s.toUpperCase();
  for (const [re, code] of CURRENCY_WORDS) if (re.test(s)) return code;
  return undefined;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Removed from amounts before reading them: spaces (no-break and thin too) and `'`. */
function isGroupSpace(c: string): boolean {
  return c === "'" || c === '\u00a0' || c === '\u202f' || c === '\u2009' || /\s/.test(c);
}

/**
 * An amount cell split into currency prefix, number and currency suffix (`$`, `-1,5`, `руб.`)
 * by one scan: the prefix runs to the first digit, sign, comma or bracket (a leading `.` is the
 * number's), the number is an optional sign or `(`, digits with `.` and `,`, an optional `)`, and
 * the suffix has no digit, comma or bracket. Undefined when the cell is not shaped so.
 */
function splitAmount(s: string): { prefix: string; number: string; suffix: string } | undefined {
  let i = 0;
  if (s[0] !== '.') {
    while (i < s.length && !isDigit(s[i]) && !'-+,('.includes(s[i])) i++;
  }
  const prefix = s.slice(0, i);
  const start = i;
  if (i < s.length && '-+('.includes(s[i])) i++;
  const digits = i;
  while (i < s.length && (isDigit(s[i]) || s[i] === '.' || s[i] === ',')) i++;
  if (i === digits) return undefined;
  if (s[i] === ')') i++;
  const number = s.slice(start, i);
  const suffix = s.slice(i);
  if (suffix && '.,)'.includes(suffix[0])) return undefined;
  for (const c of suffix) if (isDigit(c) || c === ',' || c === ')') return undefined;
  return { prefix, number, suffix };
}

/**
 * Parses `1 200 000,50`, `1,200,000.50`, `120000`, `$120,000`, `1.200.000,50 руб.`. A lone comma
 * is a decimal comma in semicolon files (that is why they use semicolons) and a thousands separator
 * in comma files when followed by groups of three digits. A cell longer than MAX_NUMBER_CELL is no
 * amount: the patterns below then only ever see short text.
 */
function parseAmount(
  raw: string,
  delimiter: string,
): { value: number; currency?: string } | undefined {
  if (raw.length > MAX_NUMBER_CELL) return undefined;
  let s = '';
  for (const c of raw) if (!isGroupSpace(c)) s += c;
  let currency: string | undefined;
  const affix = splitAmount(s);
  if (!affix) return undefined;
  for (const part of [affix.prefix, affix.suffix]) {
    if (!part) continue;
    const code = currencyCode(part);
    if (!code) return undefined;
    currency = code;
  }
  s = affix.number;
  let negative = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    negative = true;
    s = s.slice(1, -1);
  } else if (s.startsWith('(') || s.endsWith(')')) return undefined;
  if (s.startsWith('-')) {
    negative = true;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  let normalized: string;
  if (lastComma >= 0 && lastDot >= 0) {
    const decimal = lastComma > lastDot ? ',' : '.';
    const thousands = decimal === ',' ? '.' : ',';
    if (s.indexOf(decimal) !== s.lastIndexOf(decimal)) return undefined;
    normalized = s.split(thousands).join('').replace(decimal, '.');
  } else if (lastComma >= 0) {
    const groups = /^\d{1,3}(?:,\d{3})+$/.test(s);
    if (delimiter === ',' && groups) normalized = s.replace(/,/g, '');
    else if (s.indexOf(',') === lastComma) normalized = s.replace(',', '.');
    else if (groups) normalized = s.replace(/,/g, '');
    else return undefined;
  } else if (lastDot >= 0 && s.indexOf('.') !== lastDot) {
    if (!/^\d{1,3}(?:\.\d{3})+$/.test(s)) return undefined;
    normalized = s.replace(/\./g, '');
  } else normalized = s;
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(normalized)) return undefined;
  const value = Number(normalized) * (negative ? -1 : 1);
  return Number.isFinite(value) ? { value, currency } : undefined;
}

function isRealDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const ISO_DATE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD` from ISO dates or `DD.MM.YYYY` (1C, Excel in ru-RU), a trailing time ignored. */
function parseDate(raw: string): string | undefined {
  const s = raw.trim();
  if (s.length > MAX_NUMBER_CELL) return undefined;
  let y: number;
  let m: number;
  let d: number;
  let match = ISO_DATE.exec(s);
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    match = /^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(s);
    if (!match) return undefined;
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (match[3].length === 2) y += 2000;
  }
  return isRealDate(y, m, d) ? `${y}-${pad(m)}-${pad(d)}` : undefined;
}

/** Several keys in one cell: `ACME-42, ACME-43` or `ACME-42; ACME-43` or space separated. */
function splitTickets(cell: string): string[] {
  // Most cells hold one key: no split, no set (a file has thousands of rows).
  if (!/[\s,;]/.test(cell)) return cell ? [cell] : [];
  const seen = new Set<string>();
  const keys: string[] = [];
  for (const k of cell.split(/[\s,;]+/)) {
    if (!k || seen.has(k.toUpperCase())) continue;
    seen.add(k.toUpperCase());
    keys.push(k);
  }
  return keys;
}

function quoteValue(v: string): string {
  const shown = v.length > 40 ? `${v.slice(0, 40)}…` : v;
  return JSON.stringify(shown);
}

/** A header cell as messages name it: trimmed, cut to 40 characters, in quotes. */
function headerName(h: string): string {
  const t = h.trim();
  return `"${t.length > 40 ? `${t.slice(0, 40)}…` : t}"`;
}

/** The header's cells for a message: the first 20, then how many more. */
function headerList(header: string[]): string {
  const shown = header.slice(0, 20).map(headerName);
  if (header.length > 20) shown.push(`and ${header.length - 20} more`);
  return shown.join(', ');
}

/** A cell kept as text, cut to MAX_TEXT_CELL characters. */
function textCell(v: string): string {
  return v.length > MAX_TEXT_CELL ? `${v.slice(0, MAX_TEXT_CELL - 1)}…` : v;
}

/** Finds each column: the `columns` setting first, then the built-in aliases. */
function mapColumns(
  header: string[],
  columns: CsvColumns,
  problems: CsvProblem[],
): Partial<Record<CsvColumnKey, number>> {
  // Each normalised name → its columns in order: one lookup per alias, however wide the file.
  const byName = new Map<string, number[]>();
  header.forEach((h, i) => {
    const name = normalizeHeader(h);
    const list = byName.get(name);
    if (list) list.push(i);
    else byName.set(name, [i]);
  });
  const used = new Set<number>();
  const found: Partial<Record<CsvColumnKey, number>> = {};
  for (const key of KEYS) {
    const wanted = columns[key]?.trim();
    if (!wanted) continue;
    const index = byName.get(normalizeHeader(wanted))?.[0];
    if (index === undefined) {
      problems.push({
        line: 1,
        message:
          `column "${wanted}" set in csv.columns.${key} is not in the header ` +
          `(${headerList(header)})`,
      });
      continue;
    }
    found[key] = index;
    used.add(index);
  }
  for (const key of KEYS) {
    if (found[key] !== undefined || columns[key]?.trim()) continue;
    for (const alias of ALIASES[key]) {
      const index = byName.get(alias)?.find((i) => !used.has(i));
      if (index !== undefined) {
        found[key] = index;
        used.add(index);
        break;
      }
    }
  }
  return found;
}

/** Parses a deals export: RFC 4180, `,` or `;`, BOM, columns by `csv.columns` or by name. */
export function parseDealsCsv(text: string, columns: CsvColumns = {}): CsvParseResult {
  const { rows, problems } = parse(text, columns);
  return { rows, problems };
}

/** The parse, plus the problem that made the whole file unusable (no ticket column, not UTF-8). */
function parse(text: string, columns: CsvColumns): CsvParseResult & { fatal?: CsvProblem } {
  const problems: CsvProblem[] = [];
  const rows: CsvDealRow[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const delimiter = detectDelimiter(body);
  const records = splitRecords(body, delimiter, problems);
  const header = records.shift();
  const fail = (line: number, message: string): CsvParseResult & { fatal: CsvProblem } => {
    const fatal = { line, message };
    return { rows, problems: [fatal, ...problems], fatal };
  };
  if (!header) return fail(1, 'the file is empty (no header line)');
  // What a Windows-1251 export looks like after decoding as UTF-8.
  if (header.fields.some((f) => f.includes('\ufffd'))) {
    return fail(header.line, 'the header is not valid UTF-8; save the export as "CSV UTF-8"');
  }
  const col = mapColumns(header.fields, columns, problems);
  for (const key of ['ticket', 'customer'] as const) {
    if (col[key] !== undefined) continue;
    const configured = problems.find((p) => p.message.includes(`csv.columns.${key} `));
    if (configured) return { rows, problems, fatal: configured };
    return fail(
      header.line,
      `no ${key} column in the header (${headerList(header.fields)}); ` +
        `name it in customerContext.csv.columns.${key}`,
    );
  }
  if (col.ticket === undefined || col.customer === undefined) return { rows, problems };

  // Built once: a file has thousands of rows, and a broken export gives each the same problem.
  const ticketEmpty = `ticket is empty (column ${headerName(header.fields[col.ticket])})`;
  const customerEmpty = `customer is empty (column ${headerName(header.fields[col.customer])})`;
  let record: CsvRecord = header;
  const cell = (key: CsvColumnKey): string => {
    const index = col[key];
    return index === undefined ? '' : (record.fields[index] ?? '').trim();
  };
  let broken = false;
  const report = (message: string): void => {
    problems.push({ line: record.line, message });
    broken = true;
  };
  for (record of records) {
    broken = false;
    const tickets = splitTickets(cell('ticket'));
    if (tickets.length === 0) report(ticketEmpty);
    const customer = textCell(cell('customer'));
    if (!customer) report(customerEmpty);
    const id = cell('id');
    if (id.length > MAX_ID_CELL) {
      report(`id ${quoteValue(id)} is longer than ${MAX_ID_CELL} characters`);
    }

    let amount: number | undefined;
    const rawCurrency = cell('currency');
    let currency = rawCurrency ? currencyCode(rawCurrency) : undefined;
    const rawAmount = cell('amount');
    if (rawAmount) {
      const parsed = parseAmount(rawAmount, delimiter);
      if (parsed) {
        amount = parsed.value;
        currency ??= parsed.currency;
      } else if (rawAmount.length > MAX_NUMBER_CELL) {
        report(`amount ${quoteValue(rawAmount)} is not a number (too long)`);
      } else report(`amount ${quoteValue(rawAmount)} is not a number`);
    }
    let closeDate: string | undefined;
    const rawDate = cell('closeDate');
    if (rawDate) {
      closeDate = parseDate(rawDate);
      if (!closeDate) {
        report(`closeDate ${quoteValue(rawDate)} is not a date (use YYYY-MM-DD or DD.MM.YYYY)`);
      }
    }
    if (broken) continue;

    const deal: Deal = { id: id || `csv:${record.line}`, customer };
    if (amount !== undefined) deal.amount = amount;
    if (currency) deal.currency = currency;
    const stage = textCell(cell('stage'));
    if (stage) deal.stage = stage;
    if (closeDate) deal.closeDate = closeDate;
    const ownerName = textCell(cell('owner'));
    const ownerEmail = textCell(cell('ownerEmail'));
    if (ownerName || ownerEmail) {
      deal.owner = { name: ownerName || ownerEmail };
      if (ownerEmail) deal.owner.email = ownerEmail;
    }
    const url = cell('url');
    if (url.length <= MAX_URL_CELL && /^https?:\/\//i.test(url)) deal.url = url;
    for (const ticket of tickets) rows.push({ ticket, deal });
  }
  return { rows, problems };
}

/** How many row problems a lookup lists before summarising the rest. */
const MAX_WARNINGS = 10;

/** A Crm over a CSV export; `readText` returns the file's text, `label` names it in warnings. */
export function csvCrm(readText: () => Promise<string>, columns: CsvColumns, label: string): Crm {
  // The file is re-read every lookup (it changes when sales exports again); parsing is skipped when
  // the text is unchanged.
  let last: { text: string; result: ReturnType<typeof parse> } | undefined;
  return {
    kind: 'csv',
    label,
    async dealsForTicket(ticket) {
      let text: string;
      try {
        text = await readText();
      } catch (e) {
        if (e instanceof ProviderError) throw e;
        const err = toProviderError(e, label);
        throw new ProviderError('invalidData', `${label}: cannot read the file (${err.message})`, {
          provider: label,
        });
      }
      if (last?.text !== text) last = { text, result: parse(text, columns) };
      const { rows, problems, fatal } = last.result;
      if (fatal) {
        throw new ProviderError('invalidData', `${label} line ${fatal.line}: ${fatal.message}`, {
          provider: label,
          where: `line ${fatal.line}`,
        });
      }
      const key = ticket.key.toUpperCase();
      const refs = new Set(ticket.dealRefs.map((r) => r.toUpperCase()));
      const seen = new Set<string>();
      const deals: Deal[] = [];
      for (const row of rows) {
        if (row.ticket.toUpperCase() !== key && !refs.has(row.deal.id.toUpperCase())) continue;
        if (seen.has(row.deal.id)) continue;
        seen.add(row.deal.id);
        deals.push(row.deal);
      }
      const warnings = problems
        .slice(0, MAX_WARNINGS)
        .map((p) => `${label} line ${p.line}: ${p.message}`);
      if (problems.length > MAX_WARNINGS) {
        warnings.push(`${label}: ${problems.length - MAX_WARNINGS} more problems not shown`);
      }
      return { deals, warnings };
    },
  };
}
