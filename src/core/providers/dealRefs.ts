// Deal references a ticket carries: CRM ids or CRM URLs found in a custom field value, a label or
// the ticket text. URLs are kept whole; the CRM side decides which ones it can resolve.

import { DealUrlHosts } from './registry';

/** More references than this is not a list of deals: stop there to bound the CRM calls. */
const MAX_REFS = 50;

const URL_RE = /https?:\/\/[^\s<>()[\]{}"'`|\\^]+/gi;
// Characters that end a sentence or close Markdown around a URL but are never part of it.
const TRAILING_RE = /[.,;:!?'"*_~)\]}>]+$/;
// A deal link on a CRM not known by host name (self-hosted, the data file's, a CSV export's).
const DEAL_PATH_RE = /(^|[/#=_-])(deals?|opportunit(y|ies))([/?#=_-]|$)|\/record\/0-3\//i;
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:/#-]*$/;
const MARKER_RE = /\bdeal(?:[ _-]?id)?\s*[:#=]\s*([A-Za-z0-9][A-Za-z0-9_-]*)/gi;
const LABEL_RE = /^deal\s*[:=/]\s*(.+)$/i;

function cleanUrl(raw: string): string | undefined {
  const url = raw.replace(TRAILING_RE, '');
  try {
    return new URL(url).protocol.startsWith('http') ? url : undefined;
  } catch {
    return undefined;
  }
}

function urlsIn(text: string): string[] {
  return [...text.matchAll(URL_RE)].map((m) => cleanUrl(m[0])).filter((u): u is string => !!u);
}

function unique(refs: string[]): string[] {
  const out: string[] = [];
  for (const r of refs) {
    const t = r.trim();
    if (t && !out.includes(t)) out.push(t);
    if (out.length >= MAX_REFS) break;
  }
  return out;
}

/** True for a link into a CRM: a known CRM host, or a path that names a deal or opportunity. */
export function isCrmUrl(url: string): boolean {
  try {
    const u = new URL(url);
    const host = u.hostname.toLowerCase();
    const known = DealUrlHosts.some((h) => host === h || host.endsWith(`.${h}`));
    return known || DEAL_PATH_RE.test(u.pathname + u.hash + u.search);
  } catch {
    return false;
  }
}

function fromString(text: string): string[] {
  const urls = urlsIn(text);
  const rest = text.replace(URL_RE, ' ');
  const ids = rest
    .split(/[\s,;]+/)
    .map((t) => t.replace(/^["'([{<]+|["')\]}>.]+$/g, '').replace(/^deal\s*[:=]/i, ''))
    // An id has a digit: CRM ids are numeric or mixed (`006Hn00000Abc`, `D-1001`).
    .filter((t) => ID_RE.test(t) && /\d/.test(t));
  return [...urls, ...ids];
}

function collect(value: unknown, depth: number): string[] {
  if (value === null || value === undefined || depth > 4) return [];
  if (typeof value === 'string') return fromString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? [String(value)] : [];
  if (Array.isArray(value)) return value.flatMap((v) => collect(v, depth + 1));
  if (typeof value === 'object') {
    // A select option `{ value, id }`: `id` is the option's own id, never a deal id.
    const o = value as Record<string, unknown>;
    if ('value' in o) return collect(o.value, depth + 1);
    if (typeof o.url === 'string') return collect(o.url, depth + 1);
  }
  return [];
}

/**
 * Deal references in a field value meant to hold them: a string with one id or several separated by
 * commas, semicolons or whitespace; CRM URLs; numbers; arrays; select options `{value}`. Trimmed,
 * de-duplicated, in order of appearance.
 */
export function extractDealRefs(value: unknown): string[] {
  return unique(collect(value, 0));
}

/**
 * Deal references in free text (a Markdown issue body): CRM links and `deal: <id>` or
 * `Deal ID: <id>` markers only, so words and numbers in prose are never taken for deal ids.
 */
export function extractDealRefsFromText(text: string | null | undefined): string[] {
  if (!text) return [];
  const urls = urlsIn(text).filter(isCrmUrl);
  const marked = [...text.replace(URL_RE, ' ').matchAll(MARKER_RE)]
    .map((m) => m[1])
    .filter((id) => /\d/.test(id));
  return unique([...urls, ...marked]);
}

/** Deal ids from issue labels like `deal:18734567890`. */
export function dealRefsFromLabels(labels: readonly string[]): string[] {
  return unique(
    labels.flatMap((l) => {
      const m = LABEL_RE.exec(l.trim());
      return m ? extractDealRefs(m[1]) : [];
    }),
  );
}
