// What the sidebar, the status bar and the summary show, derived from the session's state by pure
// functions. The webview receives SidebarState (already formatted strings) and only renders it.
import { Hidden, formatAmount, formatDate, formatTimestamp, relativeDay, totalsByCurrency } from './format';
import type { ProviderErrorKind } from './errors';
import type { Deal, TicketContext } from './model';
import type { ValidationProblem } from './validation';

/** Where the session is, from "no folder" to "ready". */
export type ViewStatus =
  | 'noFolder'
  | 'noGit'
  | 'gitUnavailable'
  | 'detached'
  | 'noTicket'
  | 'loading'
  | 'notConfigured'
  | 'invalidData'
  | 'ticketNotFound'
  | 'error'
  | 'ready';

/** A follow-up the person can take from an error state; the host maps it to a command. */
export type ViewAction = 'setToken' | 'configure' | 'openDataFile' | 'refresh' | 'setTicketForBranch' | 'openSettings';

/** Question states as the contract names them. */
export type QuestionStateText = 'Queued' | 'Sent' | 'Failed' | 'Answered';

/** A question as listed under the ticket. */
export interface QuestionItem {
  id: string;
  text: string;
  createdAt: string;
  state: QuestionStateText;
  /** Failure reason, or where it was sent. */
  detail?: string;
  answer?: { text: string; by?: string; at?: string };
  /** Asked by someone else (read from the shared inbox), so this window cannot retry it. */
  foreign?: boolean;
}

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

export interface DealView {
  id: string;
  customer: string;
  amount?: string;
  stage?: string;
  closeDate?: string;
  closeRelative?: string;
  overdue: boolean;
  owner?: { name: string; email?: string };
  hasUrl: boolean;
}

/** Everything the sidebar renders; plain JSON. */
export interface SidebarState {
  status: ViewStatus;
  /** One sentence for the state (empty for ready). */
  headline: string;
  detail?: string;
  action?: { id: ViewAction; label: string };
  branch?: string;
  ticket?: { key: string; title?: string; status?: string; hasUrl: boolean; overridden: boolean };
  deals: DealView[];
  summary?: { customers: number; totals: string[]; earliestClose?: { date: string; relative?: string; overdue: boolean } };
  privacy: boolean;
  /** "Offline — showing data from 10:42". */
  stale?: string;
  /** A fetch is running behind the data shown. */
  refreshing: boolean;
  problems: ValidationProblem[];
  warnings: string[];
  questions: QuestionItem[];
  ask: { enabled: boolean; reason?: string; routes: string; selection?: string };
}

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
  return [...deals].sort((a, b) => (b.amount ?? -1) - (a.amount ?? -1) || a.customer.localeCompare(b.customer));
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
    questions: s.questions,
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

/** Markdown for a pull request description. */
export function summaryMarkdown(s: SessionSnapshot, p: Presentation): string | undefined {
  const ctx = s.context;
  if (!ctx) return undefined;
  const esc = (t: string) => t.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
  const deals = sortDeals(ctx.deals);
  const title = ctx.ticket.url && /^https:\/\//.test(ctx.ticket.url)
    ? `[${esc(ctx.ticket.key)}](${ctx.ticket.url})` : esc(ctx.ticket.key);
  const lines = [`### ${title}: ${esc(ctx.ticket.title)}`, ''];
  if (deals.length === 0) {
    lines.push('No linked deal.');
  } else {
    lines.push('| Customer | Amount | Stage | Close date | Sales owner |', '|---|---|---|---|---|');
    for (const d of deals) {
      const v = dealView(d, p);
      lines.push(`| ${esc(d.customer)} | ${v.amount ?? ''} | ${esc(d.stage ?? '')} | ${v.closeDate ?? ''} | ${esc(d.owner?.name ?? '')} |`);
    }
    if (deals.length > 1) {
      const early = earliest(deals);
      lines.push('', `**At stake:** ${totalTexts(deals, p).join(' + ')} across ${new Set(deals.map((d) => d.customer)).size} customers` +
        (early ? `; earliest close ${formatDate(early, p.locale)}.` : '.'));
    }
  }
  return lines.join('\n') + '\n';
}
