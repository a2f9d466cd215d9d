// Deal references a ticket carries: CRM ids or CRM URLs found in a custom field value, a label or
// the ticket text. URLs are kept whole; the CRM side decides which ones it can resolve.
//
// Field values, labels and ticket text are written by anyone who can edit a ticket, so every
// pattern here runs in time proportional to its input: trims are plain loops, and the regular
// expressions left scan once with nothing to backtrack into.

import { DealUrlHosts } from './registry';

/** More references than this is not a list of deals: stop there to bound the CRM calls. */
const MAX_REFS = 50;

/**
 * Longest text read for references: a field value, a label or a ticket body beyond 64 KB is cut
 * at the last separator before that point (a reference is never cut in half), and references
 * after the cut are not seen. No deal field or ticket description in practice comes near it.
 */
export const MaxRefsTextLength = 64 * 1024;

const URL_RE = /https?:\/\/[^\s<>()[\]{}"'`|\\^]+/gi;
// Characters that end a sentence or close Markdown around a URL or an id but are never its end.
const TRAILING = new Set('.,;:!?\'"*_~)]}>');
// Characters that open quotes, brackets or Markdown emphasis before an id.
const LEADING = new Set('"\'([{<*_~');
// A deal link on a CRM not known by host name (self-hosted, the data file's, a CSV export's).
const DEAL_PATH_RE = /(^|[/#=_-])(deals?|opportunit(y|ies))([/?#=_-]|$)|\/record\/0-3\//i;
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:/#-]*$/;
const MARKER_RE = /\bdeal(?:[ _-]?id)?\s*[:#=]\s*([A-Za-z0-9][A-Za-z0-9_-]*)/gi;
const SEPARATORS = /[\s,;]+/;

function isSeparator(c: string): boolean {
  return c === ',' || c === ';' || /\s/.test(c);
}

/** `text` cut to MaxRefsTextLength at the last separator before the limit (see there). */
function bounded(text: string): string {
  if (text.length <= MaxRefsTextLength) return text;
  let cut = MaxRefsTextLength;
  while (cut > 0 && !isSeparator(text[cut])) cut--;
  return text.slice(0, cut);
}

/** `text` without the LEADING characters at its start and the TRAILING ones at its end. */
function trimPunctuation(text: string, leading: ReadonlySet<string>): string {
  let start = 0;
  let end = text.length;
  while (start < end && leading.has(text[start])) start++;
  while (end > start && TRAILING.has(text[end - 1])) end--;
  return text.slice(start, end);
}

/**
 * The URL, or undefined when it does not parse. Asked first without an exception: thousands of
 * thrown errors (64 KB of `https://0{`) cost more than all the matching.
 */
function parseUrl(url: string): URL | undefined {
  if (typeof URL.canParse === 'function' && !URL.canParse(url)) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

const NO_LEADING = new Set<string>();

function cleanUrl(raw: string): string | undefined {
  const url = trimPunctuation(raw, NO_LEADING);
  return parseUrl(url)?.protocol.startsWith('http') ? url : undefined;
}

/** The http(s) URLs in `text` that `keep` accepts, each once, in order, at most MAX_REFS. */
function urlsIn(text: string, keep: (url: string) => boolean = () => true): string[] {
  const seen = new Set<string>();
  const urls: string[] = [];
  for (const m of text.matchAll(URL_RE)) {
    if (seen.has(m[0])) continue;
    seen.add(m[0]);
    const url = cleanUrl(m[0]);
    if (url && keep(url)) urls.push(url);
    if (urls.length >= MAX_REFS) break;
  }
  return urls;
}

/** Trimmed, de-duplicated references in order, at most MAX_REFS. */
class RefList {
  readonly refs: string[] = [];
  private readonly seen = new Set<string>();

  get full(): boolean {
    return this.refs.length >= MAX_REFS;
  }

  add(refs: readonly string[]): void {
    for (const r of refs) {
      const t = r.trim();
      if (this.full) return;
      if (t && !this.seen.has(t)) {
        this.seen.add(t);
        this.refs.push(t);
      }
    }
  }
}

/** True for an http(s) CRM link: a known CRM host, or a path naming a deal or opportunity. */
export function isCrmUrl(url: string): boolean {
  if (url.length > MaxRefsTextLength) return false;
  const u = parseUrl(url);
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return false;
  const host = u.hostname.toLowerCase();
  const known = DealUrlHosts.some((h) => host === h || host.endsWith(`.${h}`));
  return known || DEAL_PATH_RE.test(u.pathname + u.hash + u.search);
}

/** `deal:55` or `Deal = 55` gives `55`; anything else is returned as it is. */
function withoutDealPrefix(token: string): string {
  if (token.slice(0, 4).toLowerCase() !== 'deal') return token;
  let i = 4;
  while (i < token.length && /\s/.test(token[i])) i++;
  return token[i] === ':' || token[i] === '=' ? token.slice(i + 1) : token;
}

function fromString(value: string): string[] {
  const text = bounded(value);
  const urls = urlsIn(text);
  const rest = text.replace(URL_RE, ' ');
  const ids = rest
    .split(SEPARATORS)
    .map((t) => trimPunctuation(withoutDealPrefix(trimPunctuation(t, LEADING)), LEADING))
    // An id has a digit: CRM ids are numeric or mixed (`006Hn00000Abc`, `D-1001`).
    .filter((t) => ID_RE.test(t) && /\d/.test(t));
  return [...urls, ...ids];
}

function collect(value: unknown, depth: number, into: RefList): void {
  if (value === null || value === undefined || depth > 4 || into.full) return;
  if (typeof value === 'string') into.add(fromString(value));
  // A number is an id only when it is a whole one (1.5 or -3 is a quantity, not a deal).
  else if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) into.add([String(value)]);
  } else if (Array.isArray(value)) {
    for (const v of value) {
      if (into.full) return;
      collect(v, depth + 1, into);
    }
  } else if (typeof value === 'object') {
    // A select option `{ value, id }`: `id` is the option's own id, never a deal id.
    const o = value as Record<string, unknown>;
    if ('value' in o) collect(o.value, depth + 1, into);
    else if (typeof o.url === 'string') collect(o.url, depth + 1, into);
  }
}

/**
 * Deal references in a field value meant to hold them: a string with one id or several separated by
 * commas, semicolons or whitespace; CRM URLs; numbers; arrays; select options `{value}`. Trimmed,
 * de-duplicated, in order of appearance, at most 50.
 */
export function extractDealRefs(value: unknown): string[] {
  const list = new RefList();
  collect(value, 0, list);
  return list.refs;
}

/**
 * Deal references in free text (a Markdown issue body): CRM links and `deal: <id>` or
 * `Deal ID: <id>` markers only, so words and numbers in prose are never taken for deal ids.
 */
export function extractDealRefsFromText(value: string | null | undefined): string[] {
  if (!value) return [];
  const text = bounded(value);
  const urls = urlsIn(text, isCrmUrl);
  const marked = [...text.replace(URL_RE, ' ').matchAll(MARKER_RE)]
    .map((m) => trimPunctuation(m[1], LEADING))
    .filter((id) => /\d/.test(id));
  const list = new RefList();
  list.add([...urls, ...marked]);
  return list.refs;
}

/** What a `deal:<refs>` (or `deal=`, `deal/`, spaces allowed) label holds, or undefined. */
function labelRefs(label: string): string | undefined {
  const l = label.trim();
  if (l.slice(0, 4).toLowerCase() !== 'deal') return undefined;
  let i = 4;
  while (i < l.length && /\s/.test(l[i])) i++;
  if (l[i] !== ':' && l[i] !== '=' && l[i] !== '/') return undefined;
  const rest = l.slice(l.startsWith('::', i) ? i + 2 : i + 1).trim(); // scoped labels: `deal::ID`
  // A label is one line; one with a line break is not a deal label.
  return rest && !/[\n\r\u2028\u2029]/.test(rest) ? rest : undefined;
}

/** Deal ids from issue labels like `deal:18734567890`. */
export function dealRefsFromLabels(labels: readonly string[]): string[] {
  const list = new RefList();
  for (const label of labels) {
    if (list.full) break;
    const refs = labelRefs(bounded(label));
    if (refs !== undefined) list.add(extractDealRefs(refs));
  }
  return list.refs;
}
