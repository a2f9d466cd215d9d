// What the sidebar, the status bar and the summary show, derived from the session's state by pure
// functions. The webview receives SidebarState (already formatted strings) and only renders it.
import { Hidden, formatAmount, formatDate, formatTimestamp, relativeDay, totalsByCurrency } from './format';
import type { ProviderErrorKind } from './errors';
import { English, type Translator } from './l10n';
import type { Deal, TicketContext } from './model';
import type {
  DealView, ProgressMark, QuestionItem, SidebarState, SidebarStrings, ValidationProblem, ViewStatus,
} from '../shared/sidebarState';
import { salesSeesView } from './progress';

// Re-exported so the host keeps one import for the view model; the definitions live in shared.
export type {
  DealView,
  QuestionItem,
  QuestionState,
  SidebarState,
  SidebarStrings,
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
  /** The words in the reader's language (`customerContext.language`); English when absent. */
  t?: Translator;
}

/** The words of a presentation: its translator, English when the host gave none. */
export function wordsOf(p: Presentation): Translator {
  return p.t ?? English;
}

/** The locale amounts, numbers and dates use: the translator's, else the presentation's. */
export function localeOf(p: Presentation): string {
  return p.t?.locale ?? p.locale;
}

/** Items of a list in the language's way (`, ` or Arabic `، `): a list of data, not a sentence. */
export function listOf(items: readonly string[], w: Translator): string {
  return items.join(w.t(', '));
}

// One literal message per case: the bundle check finds every message by reading the calls.
function headlineOf(status: ViewStatus, w: Translator): string {
  switch (status) {
    case 'noFolder':
      return w.t('Open a folder to see the customers behind your branch.');
    case 'noGit':
      return w.t('No git repository in this workspace.');
    case 'gitUnavailable':
      return w.t('The built-in Git extension is disabled or unavailable.');
    case 'detached':
      return w.t('Detached HEAD: no branch, so no ticket.');
    case 'noTicket':
      return w.t('No ticket in the branch name.');
    case 'loading':
      return w.t('Loading…');
    case 'notConfigured':
      return w.t('Not configured.');
    case 'invalidData':
      return w.t('The data file is invalid.');
    case 'ticketNotFound':
      return w.t('Ticket not found.');
    case 'error':
      return w.t('Could not load the customer context.');
    case 'ready':
      return '';
  }
}

function actionFor(s: SessionSnapshot, w: Translator): SidebarState['action'] {
  switch (s.status) {
    case 'noTicket':
    case 'detached':
    case 'ticketNotFound':
      return { id: 'setTicketForBranch', label: w.t('Set ticket for this branch…') };
    case 'notConfigured':
      return { id: 'configure', label: w.t('Configure tracker and CRM…') };
    case 'invalidData':
      return { id: 'openDataFile', label: w.t('Open the data file') };
    case 'gitUnavailable':
      return { id: 'openSettings', label: w.t('Open Git settings') };
    case 'error':
      if (s.error?.kind === 'auth') return { id: 'setToken', label: w.t('Set API Token…') };
      return { id: 'refresh', label: w.t('Retry') };
    default:
      return undefined;
  }
}

/** The sidebar page's own labels in the translator's language; `dealCount` words "Show all N deals". */
export function sidebarStrings(w: Translator, dealCount: number): SidebarStrings {
  return {
    customers: w.t('Customers'),
    askSales: w.t('Ask sales'),
    askTitle: w.t('Ask the deal owners a clarifying question'),
    questionForm: w.t('Question to sales'),
    question: w.t('Question'),
    questionPlaceholder: w.t('What do you need to know from sales?'),
    includeSelection: w.t('Include selected code ({0})'),
    goesTo: w.t('Goes to: {0}'),
    sendToSales: w.t('Send to sales'),
    cancel: w.t('Cancel'),
    typeQuestionFirst: w.t('Type a question first.'),
    sending: w.t('Sending…'),
    branchLine: w.t('Branch: {0}'),
    branchMeta: w.t('branch {0}'),
    setByHand: w.t('ticket set by hand'),
    openTicket: w.t('Open ticket {0} in the browser'),
    progressNotes: w.t('Progress notes to sales'),
    refreshing: w.t('Refreshing…'),
    dataFileProblems: w.t('Data file problems'),
    warnings: w.t('Warnings'),
    totalAtStake: w.t('Total at stake'),
    totalAtStakeLine: w.t('Total at stake: {0}'),
    earliestClose: w.t('Earliest close: {0}'),
    earliestCloseRelative: w.t('Earliest close: {0} ({1})'),
    deals: w.t('Deals'),
    amount: w.t('Amount'),
    stage: w.t('Stage'),
    closeDate: w.t('Close date'),
    salesOwner: w.t('Sales owner'),
    mailOwner: w.t('E-mail {0}'),
    openInCrm: w.t('Open in CRM'),
    openDeal: w.t('Open the {0} deal in the CRM'),
    showAll: w.plural(dealCount, 'Show all {0} deal', 'Show all {0} deals'),
    questions: w.t('Questions'),
    noQuestions: w.t('No questions asked about this ticket yet.'),
    answer: w.t('Answer'),
    retry: w.t('Retry'),
    retryLabel: w.t('Retry sending this question'),
    discard: w.t('Discard'),
    discardLabel: w.t('Discard this question'),
    stateQueued: w.t('Queued'),
    stateSent: w.t('Sent'),
    stateFailed: w.t('Failed'),
    stateAnswered: w.t('Answered'),
  };
}

/** Deals by amount, largest first (amounts in different currencies compared as numbers only for order). */
export function sortDeals(deals: readonly Deal[]): Deal[] {
  // Collation of two 64 KB names costs up to ~14 ms (lone surrogates); no reader orders by the 257th character.
  const name = (d: Deal) => (d.customer.length > 256 ? d.customer.slice(0, 256) : d.customer);
  return [...deals].sort((a, b) => (b.amount ?? -1) - (a.amount ?? -1) || name(a).localeCompare(name(b)));
}

function dealView(d: Deal, p: Presentation): DealView {
  const rel = d.closeDate ? relativeDay(d.closeDate, p.now, wordsOf(p)) : undefined;
  return {
    id: d.id,
    customer: d.customer,
    amount: formatAmount(d.amount, d.currency, { locale: localeOf(p), hidden: p.privacy }),
    stage: d.stage,
    closeDate: d.closeDate ? formatDate(d.closeDate, localeOf(p)) : undefined,
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
    (t) => formatAmount(t.amount, t.currency || undefined, { locale: localeOf(p), hidden: p.privacy, compact }) ?? '',
  );
}

function describeError(s: SessionSnapshot, p: Presentation): string | undefined {
  if (!s.error) return undefined;
  if (s.error.kind === 'rateLimited' && s.error.retryAt) {
    return wordsOf(p).t('{0} Retrying at {1}.', s.error.message, formatTimestamp(s.error.retryAt, p.now, localeOf(p)));
  }
  return s.error.message;
}

/** The sidebar's state, in words. */
export function buildSidebarState(s: SessionSnapshot, p: Presentation): SidebarState {
  const w = wordsOf(p);
  const locale = localeOf(p);
  const ctx = s.context;
  const deals = ctx ? sortDeals(ctx.deals) : [];
  const early = earliest(deals);
  const earlyRel = early ? relativeDay(early, p.now, w) : undefined;
  const showContext = !!ctx && (s.status === 'ready' || s.status === 'error' || s.status === 'loading');
  let headline = headlineOf(s.status, w);
  if (s.status === 'ticketNotFound' && s.ticketKey) headline = w.t('Ticket {0} not found.', s.ticketKey);
  if (s.status === 'ready' && ctx && deals.length === 0) headline = w.t('No linked deal.');
  const detail =
    s.status === 'error' || s.status === 'notConfigured' || s.status === 'ticketNotFound' || s.status === 'invalidData'
      ? describeError(s, p)
      : s.status === 'noTicket' && s.branch
        ? w.t('Branch "{0}" has no ticket key. Name it like feature/ABC-123-…, or set the ticket by hand.', s.branch)
        : undefined;
  const canAsk = !!ctx && showContext;
  // Progress notes ride along with the questions (one carrier per milestone): a line, not a list item.
  const marks: ProgressMark[] = s.questions.flatMap((q) => (q.progress ? [q.progress] : []));
  const dealViews = showContext ? deals.map((d) => dealView(d, p)) : [];
  const customers = new Set(deals.map((d) => d.customer)).size;
  return {
    lang: w.language,
    dir: w.dir,
    strings: sidebarStrings(w, dealViews.length),
    status: s.status,
    headline,
    detail,
    action: actionFor(s, w),
    branch: s.branch,
    ticket: ctx
      ? { key: ctx.ticket.key, title: ctx.ticket.title, status: ctx.ticket.status, hasUrl: !!ctx.ticket.url, overridden: !!s.overridden }
      : s.ticketKey
        ? { key: s.ticketKey, hasUrl: false, overridden: !!s.overridden }
        : undefined,
    deals: dealViews,
    summary:
      showContext && deals.length > 1
        ? {
            customers,
            // Two counts, each with its own plural form, in one translatable sentence.
            text: w.t('{0}, {1}', w.plural(customers, '{0} customer', '{0} customers'),
              w.plural(deals.length, '{0} deal', '{0} deals')),
            totals: totalTexts(deals, p),
            earliestClose: early ? { date: formatDate(early, locale), relative: earlyRel?.text, overdue: earlyRel?.overdue ?? false } : undefined,
          }
        : undefined,
    privacy: p.privacy,
    refreshing: !!s.refreshing && showContext,
    stale:
      showContext && s.staleBecause && s.fetchedAt
        ? s.error?.kind === 'offline'
          ? w.t('Offline. Showing data from {0}.', formatTimestamp(s.fetchedAt, p.now, locale))
          : w.t('Not refreshed. Showing data from {0}.', formatTimestamp(s.fetchedAt, p.now, locale))
        : undefined,
    problems: s.dataProblems,
    warnings: [...(ctx?.warnings ?? []), ...s.settingsProblems],
    questions: marks.length ? s.questions.filter((q) => !q.progress) : s.questions,
    salesSees: s.ticketKey ? salesSeesView(marks, locale, p.now, w) : undefined,
    ask: {
      enabled: canAsk,
      reason: canAsk ? undefined : w.t('Questions need a ticket with its customer context.'),
      routes: listOf(s.routes, w),
      // Line numbers are places in a file, not quantities: no digit grouping ("lines 1200–1250").
      selection: s.selection
        ? w.t('{0}, lines {1}–{2}', s.selection.file, String(s.selection.startLine), String(s.selection.endLine))
        : undefined,
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
  const w = wordsOf(p);
  const locale = localeOf(p);
  if (!s.ticketKey) {
    if (!opts.showWhenNoTicket) return undefined;
    return { text: w.t('No ticket'), tooltip: w.t('Customer Context: {0}', headlineOf(s.status, w)), warning: false };
  }
  const ctx = s.context;
  const parts = [s.ticketKey];
  if (ctx && ctx.ticket.key.toUpperCase() === s.ticketKey.toUpperCase()) {
    const deals = sortDeals(ctx.deals);
    if (deals.length > 0) {
      const customers = [...new Set(deals.map((d) => d.customer))];
      parts.push(customers.length > 1 ? w.t('{0} +{1}', customers[0], customers.length - 1) : customers[0]);
      const totals = totalTexts(deals, p, true).filter(Boolean);
      if (totals.length) parts.push(totals.join(' + '));
    }
  } else if (s.status === 'loading') {
    parts.push('…');
  }
  const problem = s.status !== 'ready' && s.status !== 'loading';
  const tooltipLines = [w.t('Customer Context: {0}', ctx?.ticket.title ?? s.ticketKey)];
  if (problem) tooltipLines.push(describeError(s, p) ?? headlineOf(s.status, w));
  if (s.staleBecause && s.fetchedAt) {
    tooltipLines.push(w.t('{0} Data from {1}.', s.staleBecause, formatTimestamp(s.fetchedAt, p.now, locale)));
  }
  if (ctx && ctx.deals.length > 0) {
    const early = earliest(ctx.deals);
    const n = ctx.deals.length;
    const totals = totalTexts(ctx.deals, p).join(' + ');
    tooltipLines.push(early
      ? w.plural(n, '{0} deal · {1} · closes {2}', '{0} deals · {1} · closes {2}', totals, formatDate(early, locale))
      : w.plural(n, '{0} deal · {1}', '{0} deals · {1}', totals));
  }
  tooltipLines.push(w.t('Click to show the customers behind this ticket.'));
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

/** Bidirectional overrides and isolates, which can make data text read differently from what it holds. */
export function isBidiControl(code: number): boolean {
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
  const w = wordsOf(p);
  if (deals.length === 0) {
    lines.push(w.t('No linked deal.'));
  } else {
    lines.push(w.t('| Customer | Amount | Stage | Close date | Sales owner |'), '|---|---|---|---|---|');
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
      const amounts = amountText(totalTexts(deals, p));
      const close = early ? markdownText(formatDate(early, localeOf(p))) : '';
      lines.push('', early
        ? w.plural(customers, '**At stake:** {1} across {0} customer; earliest close {2}.',
          '**At stake:** {1} across {0} customers; earliest close {2}.', amounts, close)
        : w.plural(customers, '**At stake:** {1} across {0} customer.',
          '**At stake:** {1} across {0} customers.', amounts));
    }
  }
  return lines.join('\n') + '\n';
}
