// Every contributed command, in one table: a missing handler is a compile error.
import * as vscode from 'vscode';
import { isTicketKey, normalizeKey } from '../core/branch';
import { type Session } from '../core/session';
import { summaryMarkdown } from '../core/viewModel';
import { CommandId, type CommandName } from '../shared/ids';
import type { QuestionState } from '../shared/sidebarState';
import type { Presenter } from './presenter';
import type { QuestionService } from './questionService';
import { type HostAction, commandForAction, isHostAction } from '../shared/sidebarActions';
import type { SidebarActions, SidebarView } from './sidebarView';
import type { TicketOverrides } from './overrides';
import { mailtoFor, openSafely } from './links';
import { confirm, notify } from './notify';
import { t } from './l10n';
import type { CredentialCommands } from './lazyWorkflow';
import type { FolderContext } from './folderContext';
import type { LazyProgress } from './lazyWorkflow';

export interface CommandDeps {
  session: Session;
  presenter: Presenter;
  sidebar: () => SidebarView;
  questions: QuestionService;
  overrides: TicketOverrides;
  credentials: CredentialCommands;
  openDataFile: () => Promise<void>;
  /** *Start Work on Ticket…* with an optional key or `{ key, title }`. */
  startWork: (arg?: unknown) => Promise<unknown>;
  /** Progress notes to sales: *Manage Progress Notes*. */
  progress: Pick<LazyProgress, 'manage'>;
}

/** Opens the folder's data file in an editor. */
export async function openDataFile(folders: FolderContext): Promise<void> {
  const file = folders.dataFile();
  if (file) await vscode.window.showTextDocument(file);
}

/** A ticket key passed as a command argument (from a hover or a link), or undefined. */
const keyArg = (a: unknown): string | undefined => (typeof a === 'string' && a.length <= 32 && isTicketKey(a) ? normalizeKey(a) : undefined);

/** Opens the shown ticket, or another one by key (a hover's link), fetching its link once if needed. */
export async function openTicket(session: Session, key?: string): Promise<void> {
  if (key && key !== session.current().key) {
    return openSafely((await session.contextFor(key, { fetch: true })).context?.ticket.url, 'the ticket');
  }
  return openSafely(session.current().context?.ticket.url, 'the ticket');
}

export async function openDeal(session: Session, dealId?: string): Promise<void> {
  const deals = session.current().context?.deals ?? [];
  let deal = dealId ? deals.find((d) => d.id === dealId) : undefined;
  if (!deal && !dealId) {
    const withUrl = deals.filter((d) => d.url);
    if (withUrl.length === 0) return void notify('info', t('No deal with a CRM link for this ticket.'));
    deal = withUrl.length === 1 ? withUrl[0] : (await vscode.window.showQuickPick(
      withUrl.map((d) => ({ label: d.customer, description: d.stage, deal: d })),
      { title: t('Open Deal in CRM'), placeHolder: t('Which deal?') },
    ))?.deal;
  }
  if (deal) await openSafely(deal.url, 'the deal');
}

export async function mailOwner(session: Session, dealId: string): Promise<void> {
  const cur = session.current();
  const deal = cur.context?.deals.find((d) => d.id === dealId);
  const url = mailtoFor(deal?.owner?.email, `${cur.context?.ticket.key ?? ''}: ${deal?.customer ?? ''}`);
  await openSafely(url, 'the e-mail to the sales owner');
}

/** What the sidebar's buttons do: the same handlers as the palette, and the view's actions by their command. */
export function sidebarActions(d: Pick<CommandDeps, 'session' | 'questions' | 'openDataFile'>): SidebarActions {
  return {
    openTicket: () => void openTicket(d.session),
    openDeal: (id) => void openDeal(d.session, id),
    mailOwner: (id) => void mailOwner(d.session, id),
    runAction: (action) => {
      const command = commandForAction(action);
      if (command) return void vscode.commands.executeCommand(command);
      // The actions no command covers, by type: a new one is a compile error here until handled.
      const host: Record<HostAction, () => Thenable<unknown>> = {
        openSettings: () => vscode.commands.executeCommand('workbench.action.openSettings', 'git.enabled'),
        openDataFile: () => d.openDataFile(),
      };
      if (isHostAction(action)) void host[action]();
    },
    sendQuestion: (text, includeSelection) => d.questions.ask(text, includeSelection),
    retryQuestion: (id) => d.questions.retry(id),
    discardQuestion: (id) => d.questions.discard(id),
    refresh: () => void vscode.commands.executeCommand(CommandId.refresh),
  };
}

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const handlers: Record<CommandName, (...args: unknown[]) => unknown> = {
    refresh: () => {
      d.session.refresh(true);
      // Refresh also asks the question routes for answers now, not at the next minute's poll.
      void d.questions.checkAnswers().then(() => d.session.refreshQuestions());
    },
    askSales: async (k?: unknown) => {
      // From a hover: the form asks about the ticket the sidebar shows, so that one is shown first.
      const key = keyArg(k);
      if (key && key !== d.session.current().key && !d.session.showTicket(key)) {
        return notify('info', t('Customer Context: open a git repository to ask about a ticket.'));
      }
      if (!d.session.current().context) {
        return notify('info', t('Customer Context: check out a branch whose ticket has customer context first.'));
      }
      if (await d.sidebar().openAskForm()) return;
      // The sidebar cannot be shown (e.g. views hidden by policy): ask in an input box instead.
      // Until saved, the text stays in the box with the reason as its prompt (plain text, not a notification).
      let prompt = t('Question');
      for (let text: string | undefined = ''; ; ) {
        text = await vscode.window.showInputBox({ title: t('Ask Sales a Clarifying Question'), prompt, value: text, ignoreFocusOut: true });
        if (text === undefined) return;
        const result = await d.questions.ask(text, true);
        if (result.ok) return void notify('info', t('Question saved. Its state and the answer are shown under Questions in the sidebar.'));
        if (result.saved) return void notify('warning', t('Question saved but not sent yet. The reason is shown under Questions in the sidebar.'));
        prompt = result.message;
      }
    },
    openTicket: (k?: unknown) => openTicket(d.session, keyArg(k)),
    openDeal: (dealId?: unknown) => openDeal(d.session, typeof dealId === 'string' ? dealId : undefined),
    setTicketForBranch: async () => {
      const cur = d.session.current();
      if (!cur.repository || !cur.branch) {
        return notify('warning', t('Customer Context: there is no current branch to set a ticket for.'));
      }
      const value = await vscode.window.showInputBox({
        title: t('Ticket for branch {0}', cur.branch),
        prompt: t('Ticket key, e.g. ACME-42 or #123'),
        value: cur.key ?? '',
        ignoreFocusOut: true,
        validateInput: (v) => (isTicketKey(v) ? undefined : t('Enter a key like ACME-42 or #123.')),
      });
      if (value === undefined) return;
      await d.overrides.set(cur.repository, cur.branch, normalizeKey(value));
      d.session.showTicket(undefined); // a ticket pinned from the worklist would hide the override
      d.session.refresh(false);
    },
    clearTicketForBranch: async () => {
      const cur = d.session.current();
      if (!cur.repository || !cur.branch) return;
      await d.overrides.set(cur.repository, cur.branch, undefined);
      d.session.showTicket(undefined);
      d.session.refresh(false);
    },
    setToken: (provider?: unknown) => d.credentials.setToken(typeof provider === 'string' ? provider : undefined),
    signOut: () => d.credentials.signOut(),
    // The walkthrough's steps run one half: 'tracker' or 'crm'.
    configure: (part?: unknown) => d.credentials.configure(part === 'tracker' || part === 'crm' ? part : undefined),
    showQuestions: () => showQuestions(d),
    copySummary: async () => {
      const md = summaryMarkdown(d.session.snapshot, d.presenter.current());
      if (!md) return notify('info', t('Customer Context: no customer context to copy for this branch.'));
      await vscode.env.clipboard.writeText(md);
      void notify('info', t('Customer summary copied as Markdown.'));
    },
    startWork: (arg?: unknown) => d.startWork(arg),
    manageProgress: () => d.progress.manage(),
    togglePrivacy: async () => {
      const cfg = vscode.workspace.getConfiguration('customerContext');
      const hidden = cfg.get<boolean>('privacy.hideAmounts', false);
      await cfg.update('privacy.hideAmounts', !hidden, vscode.ConfigurationTarget.Global);
    },
  };
  return (Object.keys(handlers) as CommandName[]).map((name) => vscode.commands.registerCommand(CommandId[name], handlers[name]));
}

/** A question's state in words (the state itself stays the contract's English name). */
function stateWords(state: QuestionState): string {
  const words: Record<QuestionState, string> = {
    Queued: t('Queued'),
    Sent: t('Sent'),
    Failed: t('Failed'),
    Answered: t('Answered'),
  };
  return words[state] ?? state;
}

async function showQuestions(d: CommandDeps): Promise<void> {
  const entries = await d.questions.all();
  if (entries.length === 0) return void notify('info', t('No questions to sales yet.'));
  const picked = await vscode.window.showQuickPick(
    entries.reverse().map((e) => {
      const item = d.questions.describe(e);
      return {
        label: `${e.question.ticket.key}: ${e.question.text.replace(/\s+/g, ' ').slice(0, 80)}`,
        description: `${stateWords(item.state)} · ${item.createdAt}`,
        detail: item.answer ? t('Answer: {0}', item.answer.text) : item.detail,
        entry: e,
        item,
      };
    }),
    { title: t('Questions to Sales'), matchOnDescription: true, matchOnDetail: true },
  );
  if (!picked) return;
  const copy = t('Copy question');
  const open = t('Open ticket');
  const retry = t('Retry now');
  const discard = t('Discard');
  const canRetry = picked.item.state !== 'Answered' && picked.item.state !== 'Sent';
  const hasUrl = !!picked.entry.question.ticket.url;
  const actions = [copy, ...(hasUrl ? [open] : []), ...(canRetry ? [retry] : []), discard];
  const action = await vscode.window.showQuickPick(actions, { title: picked.label });
  if (action === copy) await vscode.env.clipboard.writeText(picked.entry.question.text);
  if (action === open) await openSafely(picked.entry.question.ticket.url, 'the ticket');
  if (action === retry) await d.questions.retry(picked.entry.question.id);
  if (action === discard) {
    const sure = await confirm(t('Discard this question? It will not be sent.'), discard);
    if (sure === discard) await d.questions.discard(picked.entry.question.id);
  }
}
