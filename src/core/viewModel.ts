// What the sidebar, the status bar and the summary show, derived from the session's state by pure
// functions. The webview receives SidebarState (already formatted strings) and only renders it.
import { Hidden, formatAmount, formatDate, formatTimestamp, relativeDay, totalsByCurrency } from './format';
import type { ProviderErrorKind } from './errors';
import type { Deal, TicketContext } from './model';
import type { DealView, ProgressMark, QuestionItem, SidebarState, ValidationProblem, ViewStatus } from '../shared/sidebarState';
import { salesSeesView } from './progress';

// Re-exported so the host keeps one import for the view model; the definitions live in shared.
export type {
  DealView,
  QuestionItem,
  QuestionState,
  SidebarState,
  ViewAction,
  ViewStatus,
} from '../shared/sidebarState';

/** The session's raw state: facts, not words. */
export interface SessionSnapshot {
  status: ViewStatus;
  branch?: string;
  repository?: string;
  ticketKey?: string;
  /** The key came from `setTicketForBranch`, not from the branch name. */
  overridden?: boolean;
  context?: TicketContext;
  /** Epoch ms the context was fetched. */
  fetchedAt?: number;
  /** Showing cached data because the last fetch failed. */
  staleBecause?: string;
  /** A fetch is running while cached data is shown (stale-while-revalidate). */
  refreshing?: boolean;
  error?: { kind: ProviderErrorKind; message: string; retryAt?: number };
  /** Data file problems with JSON paths (errors when status is invalidData, warnings otherwise). */
  dataProblems: ValidationProblem[];
  settingsProblems: string[];
  questions: QuestionItem[];
  trackerLabel: string;
  /** The active editor has a selection that a question would carry. */
  selection?: { file: string; startLine: number; endLine: number };
  routes: string[];
}

/** How to put the state into words: locale, clock and whether amounts are hidden. */
export interface Presentation {
  locale: string;
  now: number;
  privacy: boolean;
}

const headlines: Record<ViewStatus, string> = {
  noFolder: 'Open a folder to see the customers behind your branch.',
  noGit: 'No git repository in this workspace.',
  gitUnavailable: 'The built-in Git extension is disabled or unavailable.',
  detached: 'Detached HEAD: no branch, so no ticket.',
  noTicket: 'No ticket in the branch name.',
  loading: 'Loading…',
  notConfigured: 'Not configured.',
  invalidData: 'The data file is invalid.',
  ticketNotFound: 'Ticket not found.',
  error: 'Could not load the customer context.',
  ready: '',
};

function actionFor(s: SessionSnapshot): SidebarState['action'] {
  switch (s.status) {
    case 'noTicket':
    case 'detached':
      return { id: 'setTicketForBranch', label: 'Set ticket for this branch…' };
    case 'notConfigured':
      return { id: 'configure', label: 'Configure tracker and CRM…' };
    case 'invalidData':
      return { id: 'openDataFile', label: 'Open the data file' };
    case 'ticketNotFound':
      return { id: 'setTicketForBranch', label: 'Set ticket for this branch…' };
    case 'gitUnavailable':
      return { id: 'openSettings', label: 'Open Git settings' };
    case 'error':
      if (s.error?.kind === 'auth') return { id: 'setToken', label: 'Set API Token…' };
      return { id: 'refresh', label: 'Retry' };
    default:
      return undefined;
  }
}

/** Deals by amount, largest first (amounts in different currencies compared as numbers only for order). */
export function sortDeals(deals: readonly Deal[]): Deal[] {
  // Collation of two 64 KB names costs up to ~14 ms (lone surrogates); no reader orders by the 257th character.
  const name = (d: Deal) => (d.customer.length > 256 ? d.customer.slice(0, 256) : d.customer);
  return [...deals].sort((a, b) => (b.amount ?? -1) - (a.amount ?? -1) || name(a).localeCompare(name(b)));
}

function dealView(d: Deal, p: Presentation): DealView {
  const rel = d.closeDate ? relativeDay(d.closeDate, p.now) : undefined;
  return {
    id: d.id,
    customer: d.customer,
    amount: formatAmount(d.amount, d.currency, { locale: p.locale, hidden: p.privacy }),
    stage: d.stage,
    closeDate: d.closeDate ? formatDate(d.closeDate, p.locale) : undefined,
    closeRelative: rel?.text,
    overdue: rel?.overdue ?? false,
    owner: d.owner ? { name: d.owner.name, email: d.owner.email } : undefined,
    hasUrl: !!d.url,
  };
}

function earliest(deals: readonly Deal[]): string | undefined {
  return deals.map((d) => d.closeDate).filter((x): x is string => !!x).sort()[0];
}

/** Formatted totals per currency (never summed across currencies). */
export function totalTexts(deals: readonly Deal[], p: Presentation, compact = false): string[] {
  const totals = totalsByCurrency(deals);
  // Several hidden totals would still tell how many currencies are at stake: one mask says nothing.
  if (p.privacy) return totals.length ? [Hidden] : [];
  return totals.map(
    (t) => formatAmount(t.amount, t.currency || undefined, { locale: p.locale, hidden: p.privacy, compact }) ?? '',
  );
}

function describeError(s: SessionSnapshot, p: Presentation): string | undefined {
  if (!s.error) return undefined;
  if (s.error.kind === 'rateLimited' && s.error.retryAt) {
    return `${s.error.message} Retrying at ${formatTimestamp(s.error.retryAt, p.now, p.locale)}.`;
  }
  return s.error.message;
}

/** The sidebar's state, in words. */
export function buildSidebarState(s: SessionSnapshot, p: Presentation): SidebarState {
  const ctx = s.context;
  const deals = ctx ? sortDeals(ctx.deals) : [];
  const early = earliest(deals);
  const earlyRel = early ? relativeDay(early, p.now) : undefined;
  const showContext = !!ctx && (s.status === 'ready' || s.status === 'error' || s.status === 'loading');
  let headline = headlines[s.status];
  if (s.status === 'ticketNotFound' && s.ticketKey) headline = `Ticket ${s.ticketKey} not found.`;
  if (s.status === 'ready' && ctx && deals.length === 0) headline = 'No linked deal.';
  const detail =
    s.status === 'error' || s.status === 'notConfigured' || s.status === 'ticketNotFound' || s.status === 'invalidData'
      ? describeError(s, p)
      : s.status === 'noTicket' && s.branch
        ? `Branch "${s.branch}" has no ticket key. Name it like feature/ABC-123-…, or set the ticket by hand.`
        : undefined;
  const canAsk = !!ctx && showContext;
  // Progress notes ride along with the questions (one carrier per milestone): a line, not a list item.
  const marks: ProgressMark[] = s.questions.flatMap((q) => (q.progress ? [q.progress] : []));
  return {
    status: s.status,
    headline,
    detail,
    action: actionFor(s),
    branch: s.branch,
    ticket: ctx
      ? { key: ctx.ticket.key, title: ctx.ticket.title, status: ctx.ticket.status, hasUrl: !!ctx.ticket.url, overridden: !!s.overridden }
      : s.ticketKey
        ? { key: s.ticketKey, hasUrl: false, overridden: !!s.overridden }
        : undefined,
    deals: showContext ? deals.map((d) => dealView(d, p)) : [],
    summary:
      showContext && deals.length > 1
        ? {
            customers: new Set(deals.map((d) => d.customer)).size,
            totals: totalTexts(deals, p),
            earliestClose: early ? { date: formatDate(early, p.locale), relative: earlyRel?.text, overdue: earlyRel?.overdue ?? false } : undefined,
          }
        : undefined,
    privacy: p.privacy,
    refreshing: !!s.refreshing && showContext,
    stale:
      showContext && s.staleBecause && s.fetchedAt
        ? `${s.error?.kind === 'offline' ? 'Offline.' : 'Not refreshed.'} Showing data from ${formatTimestamp(s.fetchedAt, p.now, p.locale)}.`
        : undefined,
    problems: s.dataProblems,
    warnings: [...(ctx?.warnings ?? []), ...s.settingsProblems],
    questions: marks.length ? s.questions.filter((q) => !q.progress) : s.questions,
    salesSees: s.ticketKey ? salesSeesView(marks, p.locale, p.now) : undefined,
    ask: {
      enabled: canAsk,
      reason: canAsk ? undefined : 'Questions need a ticket with its customer context.',
      routes: s.routes.join(', '),
      selection: s.selection ? `${s.selection.file}, lines ${s.selection.startLine}–${s.selection.endLine}` : undefined,
    },
  };
}

/** Status bar text (without codicons) and tooltip. Undefined = hide the item. */
export function statusBarView(
  s: SessionSnapshot,
  p: Presentation,
  opts: { showWhenNoTicket: boolean },
): { text: string; tooltip: string; warning: boolean } | undefined {
  if (s.status === 'noFolder') return undefined;
  if (!s.ticketKey) {
    if (!opts.showWhenNoTicket) return undefined;
    return { text: 'No ticket', tooltip: `Customer Context: ${headlines[s.status]}`, warning: false };
  }
  const ctx = s.context;
  const parts = [s.ticketKey];
  if (ctx && ctx.ticket.key.toUpperCase() === s.ticketKey.toUpperCase()) {
    const deals = sortDeals(ctx.deals);
    if (deals.length > 0) {
      const customers = [...new Set(deals.map((d) => d.customer))];
      parts.push(customers.length > 1 ? `${customers[0]} +${customers.length - 1}` : customers[0]);
      const totals = totalTexts(deals, p, true).filter(Boolean);
      if (totals.length) parts.push(totals.join(' + '));
    }
  } else if (s.status === 'loading') {
    parts.push('…');
  }
  const problem = s.status !== 'ready' && s.status !== 'loading';
  const tooltipLines = [`Customer Context: ${ctx?.ticket.title ?? s.ticketKey}`];
  if (problem) tooltipLines.push(describeError(s, p) ?? headlines[s.status]);
  if (s.staleBecause && s.fetchedAt) tooltipLines.push(`${s.staleBecause} Data from ${formatTimestamp(s.fetchedAt, p.now, p.locale)}.`);
  if (ctx && ctx.deals.length > 0) {
    const early = earliest(ctx.deals);
    tooltipLines.push(`${ctx.deals.length} deal${ctx.deals.length === 1 ? '' : 's'} · ${totalTexts(ctx.deals, p).join(' + ')}` +
      (early ? ` · closes ${formatDate(early, p.locale)}` : ''));
  }
  tooltipLines.push('Click to show the customers behind this ticket.');
  return { text: parts.join(' · '), tooltip: tooltipLines.join('\n'), warning: problem };
}

// --- Copy Customer Summary: Markdown pasted into pull requests, built from text anyone with CRM or
// tracker access can write, so no data-derived character may become Markdown structure. ---

/** Longest data-derived text in a summary cell; a name longer than this is data abuse, not a name. */
export const MaxSummaryText = 200;
const MaxSummaryTitle = 300;

// ASCII punctuation that can start structure in a table cell or a heading: emphasis, code spans, links
// and images, HTML and entities, cell breaks, strikethrough, inline math (`$`), and the `:` of `https:`
// and `:emoji:` and the `.` of `www.` (autolinkers do not fire on escaped punctuation).
const MarkdownPunctuation = new Set('\\`*_{}[]()#+-.!|<>~:&$');

/** Line breaks, C0 and C1 controls: each would end or corrupt a table row. */
function isBreakOrControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

/** Bidirectional overrides and isolates, which can make a cell read differently from what it holds. */
function isBidiControl(code: number): boolean {
  return (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/**
 * Data text as inert Markdown on one line: whitespace and controls collapse to one space, punctuation is
 * backslash-escaped, `@` and `#` get a zero-width space after them (code hosts link mentions and issue
 * references after rendering, so escaping alone would not stop a ping), and the text is cut at `max`
 * characters with `…`. One pass, and it stops reading at the cut.
 */
export function markdownText(
  raw: string,
  max = MaxSummaryText,
  opts: { keepDollar?: boolean } = {},
): string {
  let out = '';
  let taken = 0;
  let space = false;
  // for…of walks code points, so the cut never splits a surrogate pair.
  for (const ch of raw) {
    const code = ch.codePointAt(0)!;
    if (isBidiControl(code)) continue;
    if (ch === ' ' || isBreakOrControl(code)) {
      space = taken > 0;
      continue;
    }
    if (taken + (space ? 1 : 0) >= max) return `${out}…`;
    if (space) {
      out += ' ';
      taken++;
      space = false;
    }
    taken++;
    if (ch === '@') out += '@\u200b';
    else if (ch === '#') out += '\\#\u200b';
    else if (ch === '$' && opts.keepDollar) out += ch;
    else if (MarkdownPunctuation.has(ch)) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/** Amount text: `$` is the currency sign, but two of them in one cell or line would open inline math. */
function amountText(amounts: readonly string[]): string {
  const text = amounts.map((a) => markdownText(a, MaxSummaryText, { keepDollar: true })).join(' + ');
  return text.split('$').length > 2 ? text.replaceAll('$', '\\$') : text;
}

/**
 * The link destination for an https URL, or undefined: anything else is shown as text only. Characters
 * that could end or bend a Markdown destination (parentheses, brackets, pipes, quotes…) are
 * percent-encoded; `URL` has already encoded spaces, controls and non-ASCII.
 */
function markdownLinkTarget(url: string | undefined): string | undefined {
  if (!url || url.length > 2048) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' || u.username || u.password) return undefined;
  return u.href.replace(/[^A-Za-z0-9\-._~:/?#@!$&+,;=%]/g, (c) =>
    `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Markdown for a pull request description; every data-derived text is escaped (see markdownText). */
export function summaryMarkdown(s: SessionSnapshot, p: Presentation): string | undefined {
  const ctx = s.context;
  if (!ctx) return undefined;
  const deals = sortDeals(ctx.deals);
  const key = markdownText(ctx.ticket.key);
  const target = markdownLinkTarget(ctx.ticket.url);
  const title = target ? `[${key}](${target})` : key;
  const lines = [`### ${title}: ${markdownText(ctx.ticket.title ?? '', MaxSummaryTitle)}`, ''];
  if (deals.length === 0) {
    lines.push('No linked deal.');
  } else {
    lines.push('| Customer | Amount | Stage | Close date | Sales owner |', '|---|---|---|---|---|');
    for (const d of deals) {
      const v = dealView(d, p);
      const cells = [
        markdownText(d.customer),
        v.amount ? amountText([v.amount]) : '',
        markdownText(d.stage ?? ''),
        markdownText(v.closeDate ?? ''),
        markdownText(d.owner?.name ?? ''),
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
    if (deals.length > 1) {
      const early = earliest(deals);
      const customers = new Set(deals.map((d) => d.customer)).size;
      const across = `across ${customers} customer${customers === 1 ? '' : 's'}`;
      lines.push('', `**At stake:** ${amountText(totalTexts(deals, p))} ${across}` +
        (early ? `; earliest close ${markdownText(formatDate(early, p.locale))}.` : '.'));
    }
  }
  return lines.join('\n') + '\n';
}
