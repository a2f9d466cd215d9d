// Questions to sales in this window: builds the question with its full context, writes it to the
// durable outbox before anything is sent, sends it over the configured routes, lists it with its state,
// and tells the author once when an answer arrives.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatTimestamp } from '../core/format';
import { type InboxEntry, type InboxProgress, localInboxSender, progressInboxSender, readInbox } from '../core/providers/local/inbox';
import { isProgress, ProgressRoutes, salesSeesMarks } from '../core/progress';
import { routeLabel, routeProblem, routeVendor } from '../core/providers/compose';
import { vendorById } from '../core/providers/registry';
import { Outbox, type OutboxEntry, type RouteSender, type RouteSenders, questionState } from '../core/questions/outbox';
import { type CodeExcerpt, type Question, type QuestionDeal, type RouteName, RouteNames, clipExcerpt, questionProblem } from '../core/questions/question';
import type { Session } from '../core/session';
import type { Settings } from '../core/settings';
import type { QuestionItem } from '../core/viewModel';
import { folderFor, readSettings } from './config';
import { watchFile } from './dataFiles';
import { current, t } from './l10n';
import { notify, plainKey } from './notify';
import type { GitWatcher } from './git';
import { inboxPath } from './providers';

/** The senders of a folder's configured routes (the data file's inbox is added here). */
export type FolderSenders = (folder: vscode.Uri) => RouteSenders;

/** The sender of progress notes for a folder's CRM (compose.ts buildProgressSender). */
export type FolderProgressSender = (folder: vscode.Uri) => RouteSender;

/** What the form says in Restricted Mode (in English; shown in the reader's language). */
export const RestrictedAsk = 'Questions are not sent from a folder in Restricted Mode. Trust the workspace to send.';

/**
 * The outbox under the extension's global storage. Its folder exists before the watcher starts, so other
 * windows' questions are followed from the first one on.
 */
export async function openOutbox(storage: vscode.Uri, log: vscode.LogOutputChannel): Promise<Outbox> {
  const dir = path.join(storage.fsPath, 'outbox');
  await fs.mkdir(dir, { recursive: true }).catch((e) => log.warn(`Outbox folder: ${String(e)}`));
  return new Outbox(dir, { owner: `${vscode.env.sessionId}:${process.pid}`, log: (m) => log.info(m) });
}

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
    private readonly folderSenders: FolderSenders,
    /** Without it (not wired yet), progress notes to a remote CRM stay queued. */
    private readonly folderProgressSender?: FolderProgressSender,
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
    // Restricted Mode sends and polls nothing; trusting the folder starts both.
    this.disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(() => {
      this.kick();
      void this.checkAnswers();
    }));
  }

  /**
   * Once per start: questions parked for a rejected token get one more try, since a new session may
   * carry a new token (an environment variable, or one set in another window).
   */
  async resumeParked(): Promise<void> {
    for (const route of RouteNames) await this.outbox.resumeAuth(route).catch((e) => this.log.warn(`Outbox: ${String(e)}`));
  }

  /** After the first git state (routes come from the repository's folder): retry parked, send, read answers. */
  async start(): Promise<void> {
    await this.resumeParked();
    this.kick();
    void this.checkAnswers();
  }

  /** A credential was set: questions parked on its routes go out now. */
  async resumeAuth(routes: readonly RouteName[]): Promise<void> {
    for (const r of routes) await this.outbox.resumeAuth(r).catch((e) => this.log.warn(`Outbox: ${String(e)}`));
    this.kick();
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
    let remote: RouteSenders = {};
    try {
      if (cur) remote = this.folderSenders(cur.folder);
    } catch (e) {
      this.log.warn(`Question routes: ${String(e)}`);
    }
    const local = localInboxSender();
    const here = cur?.folder.fsPath;
    let progress: RouteSender | undefined;
    let localProgress: RouteSender | undefined;
    return (q) => {
      const mine = !q.folder || q.folder === here;
      // A progress note goes only to the CRM, through its progress sender (or the inbox's progress lines).
      if (isProgress(q)) {
        if (q.localInbox) return { crm: (localProgress ??= progressInboxSender()) };
        if (!mine || !cur || !this.folderProgressSender) return {};
        try {
          progress ??= this.folderProgressSender(cur.folder);
        } catch (e) {
          this.log.warn(`Progress notes: ${String(e)}`);
          return {};
        }
        return { crm: progress };
      }
      const senders: RouteSenders = mine ? { ...remote } : {};
      if (q.localInbox) senders.crm = local;
      return senders;
    };
  }

  private async processNow(): Promise<void> {
    if (this.disposed || !vscode.workspace.isTrusted) return;
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
    if (!vscode.workspace.isTrusted) return;
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
        // Progress notes take no answer: nothing to read back.
        if (isProgress(q) || !due(q)) return {};
        this.answerCheckedAt.set(q.id, now);
        return senders(q);
      });
      const { entries } = await this.outbox.list();
      for (const e of entries) {
        if (!e.answer || e.answerNotified || e.discarded || isProgress(e.question)) continue;
        await this.outbox.markAnswerNotified(e.question.id);
        // The answer itself is shown only in the sidebar: notifications render links, command: links included.
        const open = t('Show');
        const said = t('Sales answered your question on {0}. Open the sidebar to read it.', plainKey(e.question.ticket.key));
        void notify('info', said, open)
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

  /**
   * Every question about `ticketKey`: this machine's outbox plus lines others left in the local inbox.
   * Progress notes are not questions: they come last, as one carrier item per milestone (`progress`
   * set) that the view model turns into the "Sales sees" line.
   */
  async questionsFor(ticketKey: string): Promise<QuestionItem[]> {
    const locale = current().locale;
    const now = Date.now();
    const { entries } = await this.outbox.list();
    const mine = entries.filter((e) => !e.discarded && !isProgress(e.question) && e.question.ticket.key.toUpperCase() === ticketKey.toUpperCase());
    const items = mine.map((e) => this.item(e, locale, now));
    let inboxProgress: InboxProgress[] = [];
    const cur = this.currentFolder();
    if (cur && vendorById(cur.settings.crm)?.dataFile) {
      const file = inboxPath(cur.folder, cur.settings);
      this.watchInbox(file);
      const known = new Set(entries.map((e) => e.question.id));
      const { entries: lines, progress } = await readInbox(file, cur.folder.fsPath)
        .catch(() => ({ entries: [] as InboxEntry[], progress: [] as InboxProgress[] }));
      inboxProgress = progress;
      for (const l of lines) {
        if (known.has(l.id) || l.ticket.toUpperCase() !== ticketKey.toUpperCase()) continue;
        items.push({
          id: l.id,
          text: l.question,
          createdAt: l.createdAt ? formatTimestamp(Date.parse(l.createdAt), now, locale) : '',
          state: l.answer ? 'Answered' : 'Sent',
          detail: l.author ? t('Asked by {0}', l.author) : undefined,
          answer: l.answer,
          foreign: true,
        });
      }
    }
    items.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const marks = salesSeesMarks(entries, ticketKey, inboxProgress);
    return [...items, ...marks.map((m): QuestionItem => ({ id: `progress:${m.milestone}`, text: '', createdAt: '', state: 'Sent', progress: m }))];
  }

  /**
   * Queues progress items (core/progress.ts progressItem) on the `crm` route, each at most once ever:
   * an id any window queued before is skipped. Resolves with how many were new; sends them now.
   */
  async enqueueProgress(items: readonly Question[]): Promise<number> {
    let created = 0;
    for (const q of items) {
      if (!isProgress(q)) throw new Error(`enqueueProgress: ${q.id} is not a progress item.`);
      // Ids come from the project's remote, so a teammate's window may have posted this very note.
      if (await this.outbox.enqueueOnce(q, ProgressRoutes, { reconcileFirst: true })) created++;
    }
    if (created) {
      this.log.info(`Progress: ${created} note(s) queued (${items.map((q) => `${q.ticket.key} ${q.milestone}`).join(', ')}).`);
      await this.processNow();
    }
    return created;
  }

  /** The progress notes in the outbox (discarded ones excluded), oldest first. */
  async progressEntries(): Promise<OutboxEntry[]> {
    return (await this.outbox.list()).entries.filter((e) => !e.discarded && isProgress(e.question));
  }

  private item(e: OutboxEntry, locale: string, now: number): QuestionItem {
    const state = questionState(e);
    const routes = Object.entries(e.routes) as Array<[RouteName, NonNullable<OutboxEntry['routes'][RouteName]>]>;
    let detail: string | undefined;
    if (state === 'Failed') {
      const bad = routes.find(([, r]) => r.state === 'failed' || r.state === 'needsAuth');
      if (bad) {
        detail = bad[1].state === 'needsAuth'
          ? t('{0}: needs a new token (Set API Token…), then Retry.', routeLabel(bad[0]))
          : labelled(bad[0], bad[1].lastError ?? t('failed'));
      }
    } else if (state === 'Queued') {
      const waiting = routes.filter(([, r]) => r.state !== 'sent').map(([name, r]) => {
        const what = r.lastError ? labelled(name, r.lastError) : routeLabel(name);
        return r.nextAttemptAt && r.nextAttemptAt > now
          ? t('{0} (next try {1})', what, formatTimestamp(r.nextAttemptAt, now, locale))
          : what;
      });
      detail = t('Waiting to send: {0}', waiting.join(t('; ')));
    } else if (state === 'Sent') {
      const via = listText(routes.map(([n]) => routeLabel(n)));
      const to = recipientsText(e.question.deals);
      detail = to ? t('Sent via {0} to {1}', via, to) : t('Sent via {0} to the deal owners', via);
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
  async ask(text: string, includeSelection: boolean): Promise<{ ok: boolean; saved?: boolean; message: string }> {
    const cur = this.session.current();
    const ctx = cur.context;
    if (!vscode.workspace.isTrusted) {
      return { ok: false, message: t('Questions are not sent from a folder in Restricted Mode. Trust the workspace to send.') };
    }
    if (!ctx || !cur.repository) return { ok: false, message: t('There is no ticket with customer context to ask about.') };
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
    const problem = questionProblem(text, deals, routes) ?? routeProblem(routes, settings);
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
      localInbox: vendorById(settings.crm)?.dataFile && routes.includes('crm') ? inboxPath(folder, settings) : undefined,
      folder: folder.fsPath,
    };
    try {
      await this.outbox.enqueue(question, routes);
    } catch (e) {
      this.log.error(`Could not save the question: ${String(e)}`);
      return { ok: false, message: t('The question could not be saved, so it was not sent: {0}', (e as Error).message) };
    }
    this.log.info(`Question ${question.id} on ${question.ticket.key} queued for ${routes.join(', ')}`);
    for (const route of routes) {
      const manual = routeVendor(route, settings)?.manualRoute;
      if (!manual) continue;
      const opened = await vscode.env.openExternal(vscode.Uri.parse(manual.url(question), true));
      if (opened) await this.outbox.markSent(question.id, route);
    }
    await this.processNow();
    const entry = await this.outbox.get(question.id);
    const state = entry ? questionState(entry) : 'Queued';
    const failure = entry && state === 'Failed' ? this.item(entry, current().locale, Date.now()).detail : undefined;
    if (failure) {
      return { ok: false, saved: true, message: t('Saved, but not sent: {0} Your question is kept under Questions.', failure) };
    }
    if (state !== 'Sent') return { ok: true, saved: true, message: t('Saved; it will be sent as soon as possible.') };
    const to = recipientsText(deals);
    return { ok: true, saved: true, message: to ? t('Sent to {0}.', to) : t('Sent to the deal owners.') };
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

  /** Every question in the outbox (not discarded; progress notes are not questions). */
  async all(): Promise<OutboxEntry[]> {
    return (await this.outbox.list()).entries.filter((e) => !e.discarded && !isProgress(e.question));
  }

  describe(e: OutboxEntry): QuestionItem {
    return this.item(e, current().locale, Date.now());
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    clearInterval(this.answerTimer);
    this.inboxWatchers.forEach((d) => d.dispose());
    this.disposables.forEach((d) => d.dispose());
  }
}

/** "Vendor: HTTP 503 …" once, not "Vendor: Vendor: HTTP 503 …": vendor errors already name the vendor. */
function labelled(route: RouteName, error: string): string {
  return /^[A-Z][\w .-]{1,30}: /.test(error) ? error : `${routeLabel(route)}: ${error}`;
}

/** The sales owners by name, or undefined when no deal names one ("the deal owners"). */
function recipientsText(deals: readonly QuestionDeal[]): string | undefined {
  const names = [...new Set(deals.map((d) => d.owner?.name).filter((n): n is string => !!n))];
  return names.length ? listText(names) : undefined;
}

/** Names in a row, with the language's comma (Arabic has its own). */
function listText(names: readonly string[]): string {
  return names.join(t(', '));
}
