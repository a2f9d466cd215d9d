// Amounts and dates as people read them. Never sums different currencies.
import { English, type Translator } from './l10n';
import type { Deal } from './model';

export const Hidden = '•••';

// Building an Intl formatter costs far more than using one (500 deals: 130 ms → 6 ms with the cache).
const numberFormats = new Map<string, Intl.NumberFormat | undefined>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat | undefined {
  const key = JSON.stringify([locale, options]);
  if (!numberFormats.has(key)) {
    let f: Intl.NumberFormat | undefined;
    try {
      f = new Intl.NumberFormat(locale, options);
    } catch {
      f = undefined; // unknown currency code: callers fall back
    }
    numberFormats.set(key, f);
  }
  return numberFormats.get(key);
}

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = JSON.stringify([locale, options]);
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}

function formatter(locale: string, currency: string, compact: boolean, cents: boolean): Intl.NumberFormat | undefined {
  return numberFormat(locale, {
    style: 'currency',
    currency,
    notation: compact ? 'compact' : 'standard',
    maximumFractionDigits: compact ? 1 : 2,
    // A whole amount shows no cents; any other shows both digits ("1 250 000,50 ₽", not ",5").
    minimumFractionDigits: cents && !compact ? 2 : 0,
  });
}

/** `$120,000`, or `$120K` when compact; `•••` when hidden; `12,000 XYZ` for an unknown currency. */
export function formatAmount(
  amount: number | undefined,
  currency: string | undefined,
  opts: { locale: string; hidden?: boolean; compact?: boolean },
): string | undefined {
  if (amount === undefined || !Number.isFinite(amount)) return undefined;
  if (opts.hidden) return Hidden;
  const code = (currency ?? '').toUpperCase();
  const f = code ? formatter(opts.locale, code, opts.compact ?? false, !Number.isInteger(amount)) : undefined;
  if (f) return rtlLocale(opts.locale) ? isolatedCurrency(f, amount) : f.format(amount);
  const plain = numberFormat(opts.locale, { notation: opts.compact ? 'compact' : 'standard', maximumFractionDigits: 2 });
  const n = plain ? plain.format(amount) : String(amount);
  return code ? `${n} ${code}` : n;
}

/** Locales written right to left. */
function rtlLocale(locale: string): boolean {
  return /^(ar|fa|he|ur)(-|$)/i.test(locale);
}

/**
 * In right-to-left text a Latin currency sign ("US$") is split by the bidi algorithm ("$US"): it is
 * isolated left to right (LRI…PDI), the number and the rest keep the locale's order.
 */
function isolatedCurrency(f: Intl.NumberFormat, amount: number): string {
  return f
    .formatToParts(amount)
    .map((p) => (p.type === 'currency' && /[A-Za-z]/.test(p.value) ? `\u2066${p.value}\u2069` : p.value))
    .join('');
}

/** Sum per currency, largest first; deals without an amount are left out, without currency grouped as ''. */
export function totalsByCurrency(deals: readonly Deal[]): Array<{ currency: string; amount: number }> {
  const sums = new Map<string, number>();
  for (const d of deals) {
    if (d.amount === undefined || !Number.isFinite(d.amount)) continue;
    const c = (d.currency ?? '').toUpperCase();
    sums.set(c, (sums.get(c) ?? 0) + d.amount);
  }
  return [...sums.entries()]
    .map(([currency, amount]) => ({ currency, amount }))
    .sort((a, b) => b.amount - a.amount || a.currency.localeCompare(b.currency));
}

/** Local calendar date of an instant, as YYYY-MM-DD. */
export function localIsoDate(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function dayNumber(iso: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(t) ? undefined : Math.round(t / 86_400_000);
}

/** Days from today to a date (negative = past), by calendar day in the local time zone. */
export function daysUntil(isoDate: string, now: number): number | undefined {
  const target = dayNumber(isoDate);
  const today = dayNumber(localIsoDate(now));
  return target === undefined || today === undefined ? undefined : target - today;
}

const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

function relativeFormat(locale: string): Intl.RelativeTimeFormat {
  let f = relativeFormats.get(locale);
  if (!f) {
    try {
      f = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
    } catch {
      f = new Intl.RelativeTimeFormat('en', { numeric: 'auto' }); // a malformed tag must not blank the date
    }
    relativeFormats.set(locale, f);
  }
  return f;
}

/**
 * "in 5 days", "tomorrow", "today", "overdue by 3 days" in the translator's language: the future as
 * Intl says it in `w.locale` ("через 5 дней"); "overdue" is our word, Intl has none for it.
 */
export function relativeDay(
  isoDate: string,
  now: number,
  w: Translator = English,
): { text: string; overdue: boolean } | undefined {
  const days = daysUntil(isoDate, now);
  if (days === undefined) return undefined;
  if (days >= 0) return { text: relativeFormat(w.locale).format(days, 'day'), overdue: false };
  return { text: w.plural(-days, 'overdue by {0} day', 'overdue by {0} days'), overdue: true };
}

/** "15 Dec 2026" in the given locale (dates are calendar dates: formatted in UTC so they never shift). */
export function formatDate(isoDate: string, locale: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  if (!m) return isoDate;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (Number.isNaN(d.getTime())) return isoDate;
  return dateFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
}

/** "10:42" or "27 Nov, 10:42" when not today: the time of the last good data. */
export function formatTimestamp(epochMs: number, now: number, locale: string): string {
  const sameDay = localIsoDate(epochMs) === localIsoDate(now);
  return dateFormat(locale, sameDay
    ? { hour: '2-digit', minute: '2-digit' }
    : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(epochMs));
}
