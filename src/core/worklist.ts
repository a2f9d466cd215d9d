// The worklist ("Tickets by Customer Value"): the user's open tickets with the deals behind them, ranked
// and put into words by pure functions, like viewModel.ts does for the sidebar. The loader
// (worklistLoader.ts) produces the WorklistSnapshot; the tree view only renders WorklistView.
//
// Amounts in different currencies are never added and never converted (no exchange rate is known).
// Sorting by amount therefore compares currency by currency, in one currency order for the whole list:
// the preferred currency if one is given, then the currencies by how many tickets of the list carry
// them (most first), then by code, amounts without a currency last. A ticket ranks above another when
// its total in the first currency of that order in which the two differ is larger; a ticket with no
// amount in that currency counts as having less than any amount. So with most tickets in USD, USD
// totals decide and EUR totals only order tickets with equal (or no) USD totals. Ties end with the
// key (ACME-9 before ACME-10), so the order is total and does not depend on the tracker's order.
import type { ProviderErrorKind } from './errors';
import { Hidden, formatAmount, formatDate, formatTimestamp, relativeDay, totalsByCurrency } from './format';
import { English, type Translator } from './l10n';
import type { Deal, TicketContext } from './model';
import { type Presentation, isBidiControl, listOf, localeOf, sortDeals, wordsOf } from './viewModel';

/** How the worklist is ordered. */
export type WorklistSort = 'amount' | 'close' | 'customers';

/** The sort modes, in quick-pick order (the first is the default). */
export const WorklistSorts: readonly WorklistSort[] = ['amount', 'close', 'customers'];

/** Sort modes in words for the quick pick, in `w`'s language. */
export function worklistSortLabels(w: Translator = English): Readonly<Record<WorklistSort, { label: string; detail: string }>> {
  return {
    amount: {
      label: w.t('Amount at stake'),
      detail: w.t('Largest total first, compared per currency: different currencies are never added or converted.'),
    },
    close: {
      label: w.t('Earliest close'),
      detail: w.t('The deal closing soonest first; tickets without a close date last.'),
    },
    customers: { label: w.t('Number of customers'), detail: w.t('Most customers first.') },
  };
}

/** Sort modes in English words (worklistSortLabels speaks the reader's language). */
export const WorklistSortLabels = worklistSortLabels(English);

/** Whether a stored value is a sort mode (workspace state can hold anything). */
export function isWorklistSort(value: unknown): value is WorklistSort {
  return typeof value === 'string' && (WorklistSorts as readonly string[]).includes(value);
}

/** A total at stake in one currency ('' = deals without a currency). */
export interface CurrencyTotal {
  currency: string;
  amount: number;
}

/** The loader's state: facts, not words (WorklistView puts them into words). */
export interface WorklistSnapshot {
  /** noFolder: nothing to list for; loading: first load, nothing to show yet. */
  status: 'noFolder' | 'loading' | 'ready' | 'error';
  /** Tickets in the tracker's order, each with its deals and the warnings of its lookup. */
  entries: readonly TicketContext[];
  /** Deals looked up so far during a load: `loaded` of `total` tickets. */
  progress?: { loaded: number; total: number };
  /** A load runs while cached rows are shown. */
  refreshing: boolean;
  /** Why the last load failed (whole list); rows may still show from the cache. */
  error?: { kind: ProviderErrorKind; message: string };
  /** Epoch ms the rows shown were fetched. */
  fetchedAt?: number;
  /** The tracker's label, for messages. */
  trackerLabel: string;
  /** The tracker query in use, when a setting overrides "assigned to me". */
  query?: string;
}

/** One ticket of the worklist, in words (and raw totals when amounts are shown). */
export interface WorklistRow {
  key: string;
  title: string;
  status?: string;
  /** The current branch's ticket. */
  current: boolean;
  /** Distinct customers, the largest deal's first. */
  customers: string[];
  /** Distinct sales owners' names. */
  owners: string[];
  /** Distinct stages, in the order of the deals. */
  stages: string[];
  dealCount: number;
  /** Totals per currency, largest first; empty when amounts are hidden. */
  totals: CurrencyTotal[];
  /** Compact totals (`$120K + €80K`), `•••` when amounts are hidden, '' without any amount. */
  totalText: string;
  /** ISO date of the earliest close. */
  earliestClose?: string;
  /** `15 Dec 2026`. */
  earliestCloseText?: string;
  /** `in 18 days`, `overdue by 2 days`. */
  closeRelative?: string;
  overdue: boolean;
  /** Lookup problems of this ticket (a deal not found, deals not loaded). */
  warnings: string[];
  /** One-line label: key and title. */
  label: string;
  /** One-line description: totals, earliest close, deal count. */
  description: string;
}

/** What the worklist is asked to show. */
export interface WorklistOptions {
  sort: WorklistSort;
  /** Case-insensitive substring of key, title, a customer or an owner; empty or blank = all. */
  filter?: string;
  /** The current branch's ticket key (compared case-insensitively). */
  currentKey?: string;
  /** A currency to rank first when sorting by amount; default: the one most tickets carry. */
  preferredCurrency?: string;
}

/** The worklist in words: rows in order, and what the view says above and instead of them. */
export interface WorklistView {
  rows: WorklistRow[];
  /** Rows before filtering. */
  total: number;
  /** The currency order the amount sort used; empty when amounts are hidden (it would tell them). */
  currencyOrder: string[];
  /** The line above the list: progress, sort, filter, staleness. */
  message: string;
  /** The one row shown instead of tickets (loading, empty, error), or undefined when rows show. */
  placeholder?: { text: string; kind: 'info' | 'loading' | 'error'; errorKind?: ProviderErrorKind };
}

/** Longest text of a label or description piece; longer data is abuse, not a title. */
const MaxLineText = 200;

/**
 * Data text on one line for a tree item's label or description: controls and line breaks become one
 * space, bidi controls go, and the text is cut at `max` characters with `…` (never inside a pair).
 */
export function oneLine(raw: string, max = MaxLineText): string {
  let out = '';
  let taken = 0;
  let space = false;
  for (const ch of raw) {
    const code = ch.codePointAt(0)!;
    if (isBidiControl(code)) continue;
    if (code <= 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) {
      space = taken > 0;
      continue;
    }
    if (taken + (space ? 1 : 0) >= max) return `${out}…`;
    if (space) {
      out += ' ';
      taken++;
      space = false;
    }
    out += ch;
    taken++;
  }
  return out;
}

function distinct(values: Iterable<string | undefined>): string[] {
  const seen = new Set<string>();
  for (const v of values) if (v) seen.add(v);
  return [...seen];
}

function earliestClose(deals: readonly Deal[]): string | undefined {
  let min: string | undefined;
  for (const d of deals) {
    const date = d.closeDate && /^\d{4}-\d{2}-\d{2}/.test(d.closeDate) ? d.closeDate.slice(0, 10) : undefined;
    if (date && (min === undefined || date < min)) min = date;
  }
  return min;
}

/** Formatted totals; one mask for all when hidden (several would tell how many currencies there are). */
function totalsText(totals: readonly CurrencyTotal[], p: Presentation, compact: boolean): string {
  if (totals.length === 0) return '';
  if (p.privacy) return Hidden;
  return totals
    .map((t) => formatAmount(t.amount, t.currency || undefined, { locale: localeOf(p), compact }) ?? '')
    .join(' + ');
}

/** A row and what ranking and filtering need, computed once per row. */
interface Ranked {
  row: WorklistRow;
  totals: CurrencyTotal[];
  index: number;
  haystack: string[];
  /** Totals in the list's currency order; -Infinity where the ticket has none in that currency. */
  vector: number[];
}

// Numeric collation puts ACME-9 before ACME-10; built once (building one costs far more than using it).
const keyCollator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

function compareKeys(a: string, b: string): number {
  // A 64 KB key is abuse; nobody orders by its 257th character.
  const x = a.length > 256 ? a.slice(0, 256) : a;
  const y = b.length > 256 ? b.slice(0, 256) : b;
  return keyCollator.compare(x, y) || (x < y ? -1 : x > y ? 1 : 0);
}

function compareVectors(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] > b[i] ? -1 : 1;
  }
  return 0;
}

/**
 * The currency order of the amount sort: `preferred` first, then by how many rows carry the currency
 * (most first), then by code; '' (no currency) always last.
 */
export function currencyOrder(totalsPerRow: ReadonlyArray<readonly CurrencyTotal[]>, preferred?: string): string[] {
  const count = new Map<string, number>();
  for (const totals of totalsPerRow) for (const t of totals) count.set(t.currency, (count.get(t.currency) ?? 0) + 1);
  const first = preferred?.toUpperCase();
  return [...count.keys()].sort((a, b) => {
    if (a === '' || b === '') return a === '' ? 1 : -1;
    if (a === first || b === first) return a === first ? -1 : 1;
    return count.get(b)! - count.get(a)! || (a < b ? -1 : 1);
  });
}

/** The comparator of a sort mode over ranked rows: a total order (the input index breaks the last tie). */
function comparator(sort: WorklistSort): (a: Ranked, b: Ranked) => number {
  const byAmount = (a: Ranked, b: Ranked) => compareVectors(a.vector, b.vector);
  const byKey = (a: Ranked, b: Ranked) => compareKeys(a.row.key, b.row.key) || a.index - b.index;
  switch (sort) {
    case 'amount':
      return (a, b) => byAmount(a, b) || byKey(a, b);
    case 'close':
      return (a, b) => {
        const x = a.row.earliestClose;
        const y = b.row.earliestClose;
        if (x !== y) {
          if (x === undefined || y === undefined) return x === undefined ? 1 : -1;
          return x < y ? -1 : 1;
        }
        return byAmount(a, b) || byKey(a, b);
      };
    case 'customers':
      return (a, b) => b.row.customers.length - a.row.customers.length || byAmount(a, b) || byKey(a, b);
  }
}

/** Close dates in words, once per distinct date of a build (many tickets share a date). */
type DateWords = (iso: string) => { text: string; relative?: string; overdue: boolean };

function dateWords(p: Presentation): DateWords {
  const memo = new Map<string, ReturnType<DateWords>>();
  const w = wordsOf(p);
  const locale = localeOf(p);
  return (iso) => {
    let words = memo.get(iso);
    if (!words) {
      const rel = relativeDay(iso, p.now, w);
      memo.set(iso, (words = { text: formatDate(iso, locale), relative: rel?.text, overdue: rel?.overdue ?? false }));
    }
    return words;
  };
}

function buildRow(
  entry: TicketContext,
  currentKey: string | undefined,
  p: Presentation,
  dates: DateWords,
): { row: WorklistRow; totals: CurrencyTotal[] } {
  const { ticket } = entry;
  const deals = sortDeals(entry.deals);
  const totals = totalsByCurrency(deals);
  const customers = distinct(deals.map((d) => d.customer));
  const owners = distinct(deals.map((d) => d.owner?.name));
  const stages = distinct(deals.map((d) => d.stage));
  const close = earliestClose(deals);
  const when = close ? dates(close) : undefined;
  const closeText = when?.text;
  const totalText = totalsText(totals, p, true);
  const current = !!currentKey && ticket.key.toUpperCase() === currentKey.toUpperCase();
  const key = oneLine(ticket.key, 64);
  const title = oneLine(ticket.title ?? '');
  const n = deals.length;
  const w = wordsOf(p);
  const description = [
    totalText,
    closeText ? w.t('closes {0}', closeText) : undefined,
    n === 0 ? w.t('no linked deal') : w.plural(n, '{0} deal', '{0} deals'),
  ].filter(Boolean).join(' · ');
  return {
    totals,
    row: {
      key: ticket.key,
      title: ticket.title ?? '',
      status: ticket.status,
      current,
      customers,
      owners,
      stages,
      dealCount: n,
      totals: p.privacy ? [] : totals,
      totalText,
      earliestClose: close,
      earliestCloseText: closeText,
      closeRelative: when?.relative,
      overdue: when?.overdue ?? false,
      warnings: entry.warnings,
      label: title ? `${key} ${title}` : key,
      description,
    },
  };
}

/**
 * The rows of the worklist, ranked by `sort` (see the rule for currencies at the top of this file) and
 * filtered afterwards, so the filtered rows keep their relative order.
 */
export function buildWorklistRows(
  entries: readonly TicketContext[],
  options: WorklistOptions,
  p: Presentation,
): { rows: WorklistRow[]; total: number; currencyOrder: string[] } {
  const dates = dateWords(p);
  const built = entries.map((e) => buildRow(e, options.currentKey, p, dates));
  const order = currencyOrder(built.map((b) => b.totals), options.preferredCurrency);
  const position = new Map(order.map((c, i) => [c, i]));
  const ranked: Ranked[] = built.map(({ row, totals }, index) => {
    const vector = new Array<number>(order.length).fill(-Infinity);
    for (const t of totals) vector[position.get(t.currency)!] = t.amount;
    return {
      row,
      totals,
      index,
      vector,
      haystack: [row.key, row.title, ...row.customers, ...row.owners].map((s) => s.toLowerCase()),
    };
  });
  ranked.sort(comparator(options.sort));
  const needle = (options.filter ?? '').trim().toLowerCase();
  const shown = needle ? ranked.filter((r) => r.haystack.some((h) => h.includes(needle))) : ranked;
  return { rows: shown.map((r) => r.row), total: ranked.length, currencyOrder: p.privacy ? [] : order };
}

/**
 * A row's tooltip as plain-text lines (data included: the view escapes them). Built on hover only:
 * full-precision amounts cost as much as the rest of the row.
 */
export function worklistTooltip(row: WorklistRow, p: Presentation): string[] {
  const w = wordsOf(p);
  const list = (xs: readonly string[], max = 10) => {
    const names = listOf(xs.slice(0, max), w);
    return xs.length > max ? w.plural(xs.length - max, '{1} and {0} more', '{1} and {0} more', names) : names;
  };
  const atStake = row.totalText && (p.privacy ? Hidden : totalsText(row.totals, p, false));
  return [
    row.title ? `${row.key}: ${row.title}` : row.key,
    row.status ? w.t('Status: {0}', row.status) : undefined,
    row.customers.length ? w.t('Customers: {0}', list(row.customers)) : w.t('No linked deal.'),
    row.owners.length ? w.t('Sales owners: {0}', list(row.owners)) : undefined,
    atStake ? w.t('At stake: {0}', atStake) : undefined,
    row.earliestCloseText
      ? row.closeRelative
        ? w.t('Earliest close: {0} ({1})', row.earliestCloseText, row.closeRelative)
        : w.t('Earliest close: {0}', row.earliestCloseText)
      : undefined,
    row.stages.length ? w.t('Stages: {0}', list(row.stages)) : undefined,
    ...row.warnings.slice(0, 5).map((warning) => w.t('Warning: {0}', warning)),
    row.current ? w.t("This is the current branch's ticket.") : undefined,
  ].filter((x): x is string => x !== undefined);
}

/** "Sorted by amount at stake (USD first, then EUR; never converted)". */
function sortMessage(sort: WorklistSort, order: readonly string[], w: Translator): string {
  if (sort === 'close') return w.t('Sorted by earliest close');
  if (sort === 'customers') return w.t('Sorted by number of customers');
  const named = order.map((c) => c || w.t('no currency'));
  switch (named.length) {
    case 0:
    case 1:
      return w.t('Sorted by amount at stake');
    case 2:
      return w.t('Sorted by amount at stake ({0} first, then {1}; never converted)', named[0], named[1]);
    case 3:
      return w.t('Sorted by amount at stake ({0} first, then {1}, then {2}; never converted)', named[0], named[1], named[2]);
    default:
      return w.t('Sorted by amount at stake ({0} first, then {1}, {2}…; never converted)', named[0], named[1], named[2]);
  }
}

/** The worklist view in words: rows, the line above them, and the placeholder row for other states. */
export function buildWorklistView(s: WorklistSnapshot, options: WorklistOptions, p: Presentation): WorklistView {
  const { rows, total, currencyOrder: order } = buildWorklistRows(s.entries, options, p);
  const w = wordsOf(p);
  const filter = (options.filter ?? '').trim();
  const parts: string[] = [];
  if (s.progress && (s.status === 'loading' || s.refreshing)) {
    parts.push(w.t('Loading {0} of {1}…', s.progress.loaded, s.progress.total));
  } else if (s.refreshing) {
    parts.push(w.t('Refreshing…'));
  }
  if (s.status === 'error' && s.error && total > 0) {
    const why = oneLine(s.error.message);
    parts.push(s.fetchedAt
      ? w.t('Not refreshed: {0} Showing data from {1}.', why, formatTimestamp(s.fetchedAt, p.now, localeOf(p)))
      : w.t('Not refreshed: {0}', why));
  }
  if (total > 0) parts.push(sortMessage(options.sort, order, w));
  if (filter && total > 0) parts.push(w.t('Filter "{0}": {1} of {2}', oneLine(filter, 60), rows.length, total));
  const message = parts.join(' · ');

  let placeholder: WorklistView['placeholder'];
  if (rows.length === 0) {
    // The tracker's label is a name (as its vendor gives it); without one, the sentence names no tracker.
    const where = oneLine(s.trackerLabel, 60);
    if (s.status === 'noFolder') {
      placeholder = { text: w.t('Open a folder to list your tickets.'), kind: 'info' };
    } else if (s.status === 'error' && s.error && total === 0) {
      placeholder = { text: w.t('Could not load your tickets: {0}', oneLine(s.error.message, 400)), kind: 'error', errorKind: s.error.kind };
    } else if (s.status === 'loading') {
      const text = where ? w.t('Loading your tickets from the {0}…', where) : w.t('Loading your tickets from the tracker…');
      placeholder = { text, kind: 'loading' };
    } else if (total > 0) {
      placeholder = { text: w.t('No ticket matches "{0}".', oneLine(filter, 60)), kind: 'info' };
    } else if (s.refreshing) {
      placeholder = { text: w.t('Refreshing…'), kind: 'loading' };
    } else {
      let text: string;
      if (s.query) {
        text = where
          ? w.t('No open ticket matches the worklist query of the {0}.', where)
          : w.t('No open ticket matches the worklist query of the tracker.');
      } else if (where === 'data file') {
        text = w.t('The data file has no ticket.');
      } else {
        text = where ? w.t('No open ticket assigned to you in the {0}.', where) : w.t('No open ticket assigned to you in the tracker.');
      }
      placeholder = { text, kind: 'info' };
    }
  }
  return { rows, total, currencyOrder: order, message, placeholder };
}
