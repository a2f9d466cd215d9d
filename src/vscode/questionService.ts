// Questions to sales in this window: builds the question with its full context, writes it to the
// durable outbox before anything is sent, sends it over the configured routes, lists it with its state,
// and tells the author once when an answer arrives.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ProviderError } from '../core/errors';
import { formatTimestamp } from '../core/format';
import { type InboxEntry, appendToInbox, readInbox, toInboxLine } from '../core/questions/localInbox';
import { mailtoUrl } from '../core/questions/messages';
import { Outbox, type OutboxEntry, type RouteSender, type RouteSenders, questionState } from '../core/questions/outbox';
import { type CodeExcerpt, type Question, type QuestionDeal, type RouteName, RouteNames, clipExcerpt, questionProblem } from '../core/questions/question';
import type { Session } from '../core/session';
import type { Settings } from '../core/settings';
import type { QuestionItem } from '../core/viewModel';
import { folderFor, readSettings } from './config';
import { watchFile } from './dataFiles';
import type { GitWatcher } from './git';
import { inboxPath } from './providers';

const RouteLabels: Record<RouteName, string> = {
  crm: 'CRM',
  ticketComment: 'ticket comment',
  slack: 'Slack',
  teams: 'Teams',
  email: 'e-mail',
};

/** Builds the senders this window can use for a folder's settings (remote routes are added by the caller). */
export type RemoteSenders = (settings: Settings, folder: vscode.Uri) => Promise<RouteSenders>;

export class QuestionService implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private answerTimer: ReturnType<typeof setInterval> | undefined;
  private readonly inboxWatchers = new Map<string, vscode.Disposable>();
  /** When each question's answer was last asked for (in this window). */
  private readonly answerCheckedAt = new Map<string, number>();
  private disposed = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly session: Session,
    private readonly git: GitWatcher,
    private readonly log: vscode.LogOutputChannel,
    private readonly remoteSenders: RemoteSenders,
  ) {
    this.disposables.push(vscode.window.onDidChangeWindowState((s) => {
      if (!s.focused) return;
      this.kick();
      void this.checkAnswers({ periodic: true }).then(() => this.session.refreshQuestions());
    }));
    const sub = outbox.onDidChange(() => void this.session.refreshQuestions());
    this.disposables.push({ dispose: () => sub.dispose() });
    // Other windows write to the same outbox folder: follow their changes too.
    this.disposables.push(watchFile(path.join(outbox.dir, '*.json'), () => void this.session.refreshQuestions()));
    this.answerTimer = setInterval(() => void this.checkAnswers({ periodic: true }), 60_000);
  }

  /**
   * Once per start: questions parked for a rejected token get one more try, since a new session may
   * carry a new token (an environment variable, or one set in another window).
   */
  async resumeParked(): Promise<void> {
    for (const route of RouteNames) await this.outbox.resumeAuth(route).catch((e) => this.log.warn(`Outbox: ${String(e)}`));
  }

  /** Sends what is due now and schedules the next attempt. */
  kick(): void {
    void this.processNow();
  }

  private currentFolder(): { folder: vscode.Uri; settings: Settings } | undefined {
    const repo = this.session.current().repository;
    if (!repo) return undefined;
    const folder = folderFor(repo);
    return { folder, settings: readSettings(folder).settings };
  }

  /**
   * Senders per question. Remote routes are built from the current folder's settings, so a question
   * asked in another folder waits (stays queued) until a window on that folder sends it; the local
   * inbox works for its questions from any window.
   */
  private async senders(): Promise<(q: Question) => RouteSenders> {
    const cur = this.currentFolder();
    const remote: RouteSenders = cur ? await this.remoteSenders(cur.settings, cur.folder).catch((e) => {
      this.log.warn(`Question routes: ${String(e)}`);
      return {};
    }) : {};
    const local: RouteSender = {
      send: async (q) => {
        const file = q.localInbox!;
        try {
          await appendToInbox(file, toInboxLine(q));
        } catch (e) {
          // A read-only folder or a full disk: say which file, keep the question for a retry.
          throw new ProviderError('invalidData', `Cannot write ${path.basename(file)}: ${(e as Error).message}`, { provider: 'local inbox' });
        }
        return { remoteId: q.id };
      },
      reconcile: async (q) => {
        const { entries } = await readInbox(q.localInbox!);
        return entries.some((e) => e.id === q.id) ? { remoteId: q.id } : undefined;
      },
      answer: async (q) => {
        const { entries } = await readInbox(q.localInbox!);
        const a = entries.find((e) => e.id === q.id)?.answer;
        return a ? { text: a.text, by: a.by, at: a.at ?? new Date().toISOString() } : undefined;
      },
    };
    const here = cur?.folder.fsPath;
    return (q) => {
      const mine = !q.folder || q.folder === here;
      const senders: RouteSenders = mine ? { ...remote } : {};
      if (q.localInbox) senders.crm = local;
      return senders;
    };
  }

  private async processNow(): Promise<void> {
    if (this.disposed) return;
    // No repository yet (activation, before the first git state): no folder, so no remote routes; sending
    // now would fail every remote CRM question ("No CRM is configured"). The first git state kicks again.
    if (!this.session.current().repository) return;
    clearTimeout(this.timer);
    try {
      const senders = await this.senders();
      await this.outbox.process(senders);
      const next = await this.outbox.nextDueAt(senders);
      if (next !== undefined && !this.disposed) {
        this.timer = setTimeout(() => void this.processNow(), Math.max(500, Math.min(next - Date.now(), 15 * 60_000)));
      }
    } catch (e) {
      this.log.error(`Outbox: ${String(e)}`);
    }
  }

  /**
   * Reads answers. On Refresh and at start every open question is asked; the minute timer and window
   * focus ask a question less often as it ages (every minute in its first hour, every 5 in its first day, then every
   * 30), so twenty open questions do not cost twenty requests a minute.
   */
  async checkAnswers(opts: { periodic?: boolean } = {}): Promise<void> {
    try {
      const senders = await this.senders();
      const now = Date.now();
      const due = (q: Question): boolean => {
        if (!opts.periodic) return true;
        const age = now - (Date.parse(q.createdAt) || now);
        const every = age < 3_600_000 ? 60_000 : age < 86_400_000 ? 5 * 60_000 : 30 * 60_000;
        return now - (this.answerCheckedAt.get(q.id) ?? 0) >= every - 1_000;
      };
      await this.outbox.checkAnswers((q) => {
        if (!due(q)) return {};
        this.answerCheckedAt.set(q.id, now);
        return senders(q);
      });
      const { entries } = await this.outbox.list();
      for (const e of entries) {
        if (!e.answer || e.answerNotified || e.discarded) continue;
        await this.outbox.markAnswerNotified(e.question.id);
        const open = 'Show';
        void vscode.window
          .showInformationMessage(`Sales answered your question on ${e.question.ticket.key}: "${truncate(e.answer.text, 120)}"`, open)
          .then((pick) => pick === open && vscode.commands.executeCommand('customerContext.sidebar.focus'));
      }
    } catch (e) {
      this.log.warn(`Answers: ${String(e)}`);
    }
  }

  /** Follows the local inbox of the current folder so answers typed into it show up at once. */
  watchInbox(file: string): void {
    if (this.inboxWatchers.has(file)) return;
    this.inboxWatchers.set(file, watchFile(file, () => void this.checkAnswers().then(() => this.session.refreshQuestions())));
  }

  /** Every question about `ticketKey`: this machine's outbox plus lines others left in the local inbox. */
  async questionsFor(ticketKey: string): Promise<QuestionItem[]> {
    const locale = vscode.env.language || 'en';
    const now = Date.now();
    const { entries } = await this.outbox.list();
    const mine = entries.filter((e) => !e.discarded && e.question.ticket.key.toUpperCase() === ticketKey.toUpperCase());
    const items = mine.map((e) => this.item(e, locale, now));
    const cur = this.currentFolder();
    if (cur && cur.settings.crm === 'local') {
      const file = inboxPath(cur.folder, cur.settings);
      this.watchInbox(file);
      const known = new Set(entries.map((e) => e.question.id));
      const { entries: lines } = await readInbox(file).catch(() => ({ entries: [] as InboxEntry[] }));
      for (const l of lines) {
        if (known.has(l.id) || l.ticket.toUpperCase() !== ticketKey.toUpperCase()) continue;
        items.push({
          id: l.id,
          text: l.question,
          createdAt: l.createdAt ? formatTimestamp(Date.parse(l.createdAt), now, locale) : '',
          state: l.answer ? 'Answered' : 'Sent',
          detail: l.author ? `Asked by ${l.author}` : undefined,
          answer: l.answer,
          foreign: true,
        });
      }
    }
    return items.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  private item(e: OutboxEntry, locale: string, now: number): QuestionItem {
    const state = questionState(e);
    const routes = Object.entries(e.routes) as Array<[RouteName, NonNullable<OutboxEntry['routes'][RouteName]>]>;
    let detail: string | undefined;
    if (state === 'Failed') {
      const bad = routes.find(([, r]) => r.state === 'failed' || r.state === 'needsAuth');
      if (bad) detail = bad[1].state === 'needsAuth' ? `${RouteLabels[bad[0]]}: needs a new token (Set API Token…), then Retry.` : labelled(bad[0], bad[1].lastError ?? 'failed');
    } else if (state === 'Queued') {
      const waiting = routes.filter(([, r]) => r.state !== 'sent').map(([name, r]) => {
        const when = r.nextAttemptAt && r.nextAttemptAt > now ? ` (next try ${formatTimestamp(r.nextAttemptAt, now, locale)})` : '';
        return `${r.lastError ? labelled(name, r.lastError) : RouteLabels[name]}${when}`;
      });
      detail = `Waiting to send: ${waiting.join('; ')}`;
    } else if (state === 'Sent') {
      detail = `Sent via ${routes.map(([n]) => RouteLabels[n]).join(', ')} to ${recipientsText(e.question.deals)}`;
    }
    return {
      id: e.question.id,
      text: e.question.text,
      createdAt: formatTimestamp(Date.parse(e.question.createdAt), now, locale),
      state,
      detail,
      answer: e.answer ? { text: e.answer.text, by: e.answer.by, at: e.answer.at ? formatTimestamp(Date.parse(e.answer.at), now, locale) : undefined } : undefined,
    };
  }

  /** Asks sales. Resolves with a message for the form; on failure the form keeps the text. */
  async ask(text: string, includeSelection: boolean): Promise<{ ok: boolean; message: string }> {
    const cur = this.session.current();
    const ctx = cur.context;
    if (!ctx || !cur.repository) return { ok: false, message: 'There is no ticket with customer context to ask about.' };
    const folder = folderFor(cur.repository);
    const { settings } = readSettings(folder);
    const routes = settings['questions.routes'];
    const deals: QuestionDeal[] = ctx.deals.map((d) => ({
      id: d.id,
      customer: d.customer,
      amount: d.amount,
      currency: d.currency,
      stage: d.stage,
      url: d.url,
      owner: d.owner ? { name: d.owner.name, email: d.owner.email, slackId: d.owner.slackId, crmId: d.owner.crmId } : undefined,
    }));
    const problem = questionProblem(text, deals, routes) ?? this.routeProblem(routes, settings);
    if (problem) return { ok: false, message: problem };
    const repo = this.git.activeRepository;
    const [name, email] = repo
      ? await Promise.all([repo.getConfig('user.name').catch(() => ''), repo.getConfig('user.email').catch(() => '')])
      : ['', ''];
    const question: Question = {
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      text: text.trim(),
      ticket: { key: ctx.ticket.key, title: ctx.ticket.title, url: ctx.ticket.url },
      deals,
      branch: cur.branch,
      repository: path.basename(cur.repository),
      author: { name: name.trim() || undefined, email: email.trim() || undefined },
      excerpt: includeSelection ? this.selection(cur.repository) : undefined,
      localInbox: settings.crm === 'local' && routes.includes('crm') ? inboxPath(folder, settings) : undefined,
      folder: folder.fsPath,
    };
    try {
      await this.outbox.enqueue(question, routes);
    } catch (e) {
      this.log.error(`Could not save the question: ${String(e)}`);
      return { ok: false, message: `The question could not be saved, so it was not sent: ${(e as Error).message}` };
    }
    this.log.info(`Question ${question.id} on ${question.ticket.key} queued for ${routes.join(', ')}`);
    if (routes.includes('email')) {
      const opened = await vscode.env.openExternal(vscode.Uri.parse(mailtoUrl(question), true));
      if (opened) await this.outbox.markSent(question.id, 'email');
    }
    await this.processNow();
    const entry = await this.outbox.get(question.id);
    const state = entry ? questionState(entry) : 'Queued';
    const failure = entry && state === 'Failed' ? this.item(entry, 'en', Date.now()).detail : undefined;
    if (failure) return { ok: false, message: `Saved, but not sent: ${failure} Your question is kept under Questions.` };
    return { ok: true, message: state === 'Sent' ? `Sent to ${recipientsText(deals)}.` : 'Saved; it will be sent as soon as possible.' };
  }

  private routeProblem(routes: readonly RouteName[], settings: Settings): string | undefined {
    if (routes.includes('ticketComment') && settings.tracker === 'local') {
      return 'The ticketComment route needs a tracker (customerContext.tracker): the data file has no comments.';
    }
    if (routes.includes('crm') && settings.crm === 'csv') {
      return 'A CSV export cannot receive questions: set customerContext.questions.routes to email, slack or teams.';
    }
    return undefined;
  }

  private selection(repository: string): CodeExcerpt | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.selection.isEmpty) return undefined;
    const sel = editor.selection;
    const endLine = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line - 1 : sel.end.line;
    const range = new vscode.Range(sel.start.line, 0, endLine, editor.document.lineAt(endLine).text.length);
    return clipExcerpt({
      file: path.relative(repository, editor.document.uri.fsPath) || path.basename(editor.document.uri.fsPath),
      startLine: sel.start.line + 1,
      endLine: endLine + 1,
      text: editor.document.getText(range),
      language: editor.document.languageId,
    });
  }

  async retry(id: string): Promise<void> {
    await this.outbox.retry(id);
    await this.processNow();
  }

  async discard(id: string): Promise<void> {
    await this.outbox.discard(id);
  }

  async all(): Promise<OutboxEntry[]> {
    return (await this.outbox.list()).entries.filter((e) => !e.discarded);
  }

  describe(e: OutboxEntry): QuestionItem {
    return this.item(e, vscode.env.language || 'en', Date.now());
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    clearInterval(this.answerTimer);
    this.inboxWatchers.forEach((d) => d.dispose());
    this.disposables.forEach((d) => d.dispose());
  }
}

/** "Slack: HTTP 503 …" once, not "Slack: Slack: HTTP 503 …": vendor errors already name the vendor. */
function labelled(route: RouteName, error: string): string {
  return /^[A-Z][\w .-]{1,30}: /.test(error) ? error : `${RouteLabels[route]}: ${error}`;
}

function recipientsText(deals: readonly QuestionDeal[]): string {
  const names = [...new Set(deals.map((d) => d.owner?.name).filter((n): n is string => !!n))];
  return names.length ? names.join(', ') : 'the deal owners';
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
