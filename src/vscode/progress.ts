// Progress back to sales in this window: watches the active repository through the Git extension,
// asks the core detector (core/progress.ts) which milestones were reached, asks once per repository
// whether notes may go out (a modal preview of the exact note), and queues one note per linked deal
// through the QuestionService's durable outbox. Opt-in per user (`customerContext.progress.notify`,
// read from user settings only), never in Restricted Mode, never for a ticket whose deals are unknown.
// Git is read through its extension's API with commit ids only: no `git` process gets a branch name.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TicketContext } from '../core/model';
import {
  type Milestone,
  ProgressDetector,
  gitExtensionRepo,
  progressItem,
  progressNote,
  repositoryIdentity,
} from '../core/progress';
import { vendorById } from '../core/providers/registry';
import type { QuestionDeal } from '../core/questions/question';
import { questionState } from '../core/questions/outbox';
import { FileCaps, readFileSafe } from '../core/safeFile';
import type { Session } from '../core/session';
import { SettingsSection } from '../shared/ids';
import { folderFor, readSettings } from './config';
import type { GitRepository, GitWatcher } from './git';
import { gitDirOf } from './gitHead';
import { plural, t } from './l10n';
import { inert, notify, plainKey } from './notify';
import { inboxPath } from './providers';
import type { QuestionService } from './questionService';

/** The setting (application scope, user settings only) that turns progress notes on. */
export const NotifySetting = 'progress.notify';
/** The preview's confirming button (contract), in English; shown in the reader's language. */
export const AllowButton = 'Allow for This Repository';
/** globalState key: per repository root, 'allow' or 'never'. */
export const ConsentKey = 'customerContext.progress.consent';

/** What a repository's user said about progress notes. */
export type Consent = 'allow' | 'never';

/** A burst of git events (a pull fires several) costs one look. */
const DebounceMs = 1_500;
/** After a failed ticket or deal lookup, the same ticket is not looked up again for this long. */
const LookupRetryMs = 60_000;
const LookupTimeoutMs = 30_000;

/** What the service needs, wired by the composition root. */
export interface ProgressDeps {
  git: GitWatcher;
  session: Session;
  questions: QuestionService;
  /** context.globalState: shared by windows and kept across restarts. */
  state: vscode.Memento;
  log: vscode.LogOutputChannel;
}

/**
 * Whether the user switched progress notes on: `customerContext.progress.notify` from user settings
 * only (a workspace or folder value is ignored, whatever VS Code's scope handling does). A value that
 * is not a boolean counts as off; `problem` hears why.
 */
export function progressEnabled(problem?: (message: string) => void): boolean {
  const value = vscode.workspace.getConfiguration(SettingsSection).inspect<unknown>(NotifySetting)?.globalValue;
  if (value === undefined || typeof value === 'boolean') return value === true;
  problem?.(`${SettingsSection}.${NotifySetting} in your user settings must be true or false, not ${JSON.stringify(value).slice(0, 40)}; progress notes stay off.`);
  return false;
}

export class ProgressService implements vscode.Disposable {
  private readonly detector: ProgressDetector;
  private readonly disposables: vscode.Disposable[] = [];
  private repoSub: { root: string; sub: vscode.Disposable } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private queue: Promise<void> = Promise.resolve();
  private pendingForce = false;
  private lastSignature = '';
  private lastPassAt = 0;
  /** Roots whose preview was closed without an answer: asked again in the next session. */
  private readonly dismissed = new Set<string>();
  private readonly lookupFailedAt = new Map<string, number>();
  /**
   * Start Work calls not posted yet (the session was still loading the ticket, the deals were
   * unknown, the preview was not answered): retried on every look until posted, in this session.
   */
  private readonly pendingStarts = new Map<string, { root: string; key: string }>();
  private settingProblem: string | undefined;
  private disposed = false;

  constructor(private readonly d: ProgressDeps) {
    this.detector = new ProgressDetector(d.state, Date.now, (m) => d.log.warn(m));
    this.disposables.push(
      d.git.onDidChange(() => {
        this.follow();
        this.schedule();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SettingsSection}.${NotifySetting}`)) this.schedule(true);
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.schedule(true)),
      vscode.window.onDidChangeWindowState((s) => s.focused && this.schedule()),
    );
    const sub = d.session.onDidChange((snap) => {
      if (snap.context && snap.status !== 'loading') this.schedule();
    });
    this.disposables.push({ dispose: () => sub.dispose() });
  }

  /** After the first git state: follow the active repository and look once. */
  start(): void {
    this.follow();
    this.schedule(true);
  }

  /**
   * Start Work on `key` in repository `repository` (its root): the `started` note for each deal, if
   * progress notes are on, the folder trusted and the deals known. Safe to call more than once.
   */
  started(repository: string, key: string): Promise<void> {
    return this.serial(async () => {
      if (!this.active()) return;
      this.pendingStarts.set(`${repository}\n${key.toUpperCase()}`, { root: repository, key });
      await this.postPendingStarts();
    });
  }

  private async postPendingStarts(): Promise<void> {
    for (const [id, { root, key }] of [...this.pendingStarts]) {
      const level = this.detector.level(root, key);
      if (level !== undefined || (await this.post(root, key, 'started', {}))) {
        this.pendingStarts.delete(id);
        if (level === undefined) await this.detector.handled(root, key, 'started');
      }
    }
  }

  /** Customer Context: Manage Progress Notes — allow, stop or reset per repository; retry failed notes. */
  async manage(): Promise<void> {
    type Item = vscode.QuickPickItem & { run: () => Promise<void> };
    const items: Item[] = [];
    const on = progressEnabled();
    if (!on) {
      items.push({
        label: `$(gear) ${t('Progress notes are off')}`,
        description: `${SettingsSection}.${NotifySetting}`,
        detail: t('Turn them on in your user settings; a repository cannot switch them on.'),
        run: async () => void vscode.commands.executeCommand('workbench.action.openSettings', `${SettingsSection}.${NotifySetting}`),
      });
    }
    const failed = (await this.d.questions.progressEntries()).filter((e) => questionState(e) === 'Failed');
    if (failed.length) {
      items.push({
        label: `$(sync) ${plural(failed.length, 'Retry {0} note that failed', 'Retry {0} notes that failed')}`,
        detail: t('The reasons are shown in the sidebar, under the ticket.'),
        run: async () => {
          for (const e of failed) await this.d.questions.retry(e.question.id);
        },
      });
    }
    const consents = this.consents();
    const roots = new Set<string>([...Object.keys(consents), ...this.detector.tracked().map((t) => t.root)]);
    const active = this.d.git.activeRepository?.rootUri;
    if (active?.scheme === 'file') roots.add(active.fsPath);
    for (const root of [...roots].sort()) {
      const c = consents[root];
      items.push({
        label: quickPickText(path.basename(root) || root),
        description: c === 'allow' ? t('notes allowed') : c === 'never' ? t('notes stopped') : t('asks before the first note'),
        detail: quickPickText(root),
        run: () => this.manageRepository(root, c),
      });
    }
    if (!items.length) return void notify('info', t('Customer Context: no repository has progress notes yet.'));
    const picked = await vscode.window.showQuickPick(items, { title: t('Manage Progress Notes'), placeHolder: t('Choose a repository') });
    await picked?.run();
  }

  private async manageRepository(root: string, current: Consent | undefined): Promise<void> {
    const allow = { label: t('Allow for This Repository'), run: () => this.setConsent(root, 'allow') };
    const stop = { label: t('Stop for This Repository'), run: () => this.setConsent(root, 'never') };
    const reset = {
      label: t('Reset: Ask Again Before the Next Note'),
      run: async () => {
        this.dismissed.delete(root);
        await this.setConsent(root, undefined);
      },
    };
    const options = [...(current !== 'allow' ? [allow] : []), ...(current !== 'never' ? [stop] : []), ...(current ? [reset] : [])];
    const picked = await vscode.window.showQuickPick(options, { title: t('Progress Notes for This Repository') });
    if (!picked) return;
    await picked.run();
    void notify('info', picked === allow
      ? t('Customer Context: progress notes are allowed for this repository.')
      : picked === stop
        ? t('Customer Context: no progress notes go out for this repository.')
        : t('Customer Context: you will be asked before the next progress note.'));
    if (picked === allow) this.schedule(true);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.repoSub?.sub.dispose();
    this.disposables.forEach((x) => x.dispose());
  }

  // ---- detection -------------------------------------------------------------------------------------

  private active(): boolean {
    if (this.disposed || !vscode.workspace.isTrusted) return false;
    return progressEnabled((m) => {
      if (m !== this.settingProblem) this.d.log.warn((this.settingProblem = m));
    });
  }

  /** Listens to the state of the repository the session shows (commits, pushes, pulls, merges). */
  private follow(): void {
    const repo = this.d.git.activeRepository;
    const root = repo?.rootUri.fsPath;
    if (this.repoSub?.root === root) return;
    this.repoSub?.sub.dispose();
    this.repoSub = repo && root ? { root, sub: repo.state.onDidChange(() => this.schedule()) } : undefined;
  }

  private schedule(force = false): void {
    if (!this.active()) return;
    this.pendingForce ||= force;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const f = this.pendingForce;
      this.pendingForce = false;
      void this.serial(() => this.pass(f));
    }, DebounceMs);
  }

  /** Runs passes and Start Work one at a time, so one preview is shown at a time. */
  private serial(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work).catch((e) => this.d.log.error(`Progress: ${(e as Error)?.stack ?? String(e)}`));
    this.queue = run;
    return run;
  }

  private async pass(force: boolean): Promise<void> {
    if (!this.active()) return;
    // Before the unchanged-repository shortcut: a start waits for the session or the network, not git.
    await this.postPendingStarts();
    const repo = this.d.git.activeRepository;
    if (!repo || repo.rootUri.scheme !== 'file') return;
    const root = repo.rootUri.fsPath;
    const snap = this.d.session.snapshot;
    const head = repo.state.HEAD;
    const current = snap.repository === root && snap.branch && snap.ticketKey && head?.name === snap.branch
      ? { branch: snap.branch, key: snap.ticketKey }
      : undefined;
    const signature = JSON.stringify([root, head?.name, head?.commit, !!head?.upstream, head?.ahead, head?.behind, current?.key, !!snap.context]);
    const now = Date.now();
    // State events come in bursts and repeats; an unchanged repository is looked at every 5 minutes at most.
    if (!force && signature === this.lastSignature && now - this.lastPassAt < 5 * 60_000) return;
    this.lastSignature = signature;
    this.lastPassAt = now;
    const git = gitExtensionRepo(repo, () => readOriginHead(root));
    const reached = await this.detector.pass(root, git, current, { force });
    for (const r of reached) {
      if (!this.active()) return;
      if (await this.post(r.root, r.key, r.milestone, { branch: r.branch, release: r.release })) {
        await this.detector.handled(r.root, r.key, r.milestone);
      }
    }
  }

  // ---- posting ---------------------------------------------------------------------------------------

  /**
   * Queues the milestone's note for each deal of the ticket. True when the milestone is dealt with
   * (queued, or known to have no deal); false to try again later (no consent yet, deals unknown).
   */
  private async post(root: string, key: string, milestone: Milestone, at: { branch?: string; release?: string }): Promise<boolean> {
    const consent = this.consents()[root];
    if (consent === 'never' || (consent === undefined && this.dismissed.has(root))) return false;
    const ctx = await this.ticketContext(root, key);
    if (!ctx) return false;
    if (ctx.deals.length === 0) {
      this.d.log.info(`Progress: ${key} has no linked deal; nobody to tell that it is ${milestone}.`);
      return true;
    }
    const note = progressNote({ key: ctx.ticket.key, title: ctx.ticket.title, milestone, release: at.release });
    if (consent === undefined) {
      const answer = await this.preview(key, note, ctx.deals.length);
      if (answer === undefined) {
        this.dismissed.add(root);
        return false;
      }
      await this.setConsent(root, answer);
      if (answer === 'never') return false;
      if (!this.active()) return false;
    }
    const folder = folderFor(root);
    const { settings } = readSettings(folder);
    const repo = this.repositoryAt(root);
    const [name, email] = repo
      ? await Promise.all([repo.getConfig('user.name').catch(() => ''), repo.getConfig('user.email').catch(() => '')])
      : ['', ''];
    const createdAt = new Date().toISOString();
    const items = ctx.deals.map((deal) => progressItem({
      repository: repositoryIdentity(root, repo?.state.remotes),
      repositoryName: path.basename(root),
      folder: folder.fsPath,
      ticket: { key: ctx.ticket.key, title: ctx.ticket.title, url: ctx.ticket.url },
      deal: questionDeal(deal),
      milestone,
      note,
      createdAt,
      branch: at.branch,
      author: { name: name.trim() || undefined, email: email.trim() || undefined },
      localInbox: vendorById(settings.crm)?.dataFile ? inboxPath(folder, settings) : undefined,
    }));
    const created = await this.d.questions.enqueueProgress(items);
    this.d.log.info(`Progress: ${key} ${milestone}: ${created} of ${items.length} note(s) new.`);
    return true;
  }

  /** The modal preview: the exact note as plain-text detail; the message carries only the key. */
  private async preview(key: string, note: string, deals: number): Promise<Consent | undefined> {
    const shown = plainKey(key);
    // One deal is "the deal"; more are counted, so each count's form is a whole sentence.
    const message = deals === 1
      ? t("Customer Context will add the note below to the deal linked to {0} in the CRM, and later notes like it (started, in review, merged, released) for this repository's tickets. Allow progress notes for this repository?", shown)
      : plural(
        deals,
        "Customer Context will add the note below to each of the {0} deals linked to {1} in the CRM, and later notes like it (started, in review, merged, released) for this repository's tickets. Allow progress notes for this repository?",
        "Customer Context will add the note below to each of the {0} deals linked to {1} in the CRM, and later notes like it (started, in review, merged, released) for this repository's tickets. Allow progress notes for this repository?",
        shown,
      );
    const allow = t('Allow for This Repository');
    const never = t("Don't Allow");
    // Modal detail is plain text in VS Code (the dialog sets innerText), so the note needs no escaping.
    const answer = await vscode.window.showWarningMessage(inert(message), { modal: true, detail: note }, allow, never);
    return answer === allow ? 'allow' : answer === never ? 'never' : undefined;
  }

  /** The ticket and its deals: the session's when it shows them, else read from the tracker and CRM. */
  private async ticketContext(root: string, key: string): Promise<TicketContext | undefined> {
    const snap = this.d.session.snapshot;
    const same = snap.repository === root && snap.ticketKey?.toUpperCase() === key.toUpperCase();
    if (same && snap.context && snap.context.ticket.key.toUpperCase() === key.toUpperCase()) return snap.context;
    // The session is fetching this very ticket: its result triggers another look.
    if (same && snap.status === 'loading') return undefined;
    const id = `${root}\n${key.toUpperCase()}`;
    if (Date.now() - (this.lookupFailedAt.get(id) ?? 0) < LookupRetryMs) return undefined;
    try {
      const providers = this.d.session.providersFor(root);
      const signal = AbortSignal.timeout(LookupTimeoutMs);
      const ticket = await providers.tracker.getTicket(key, signal);
      const { deals, warnings } = await providers.crm.dealsForTicket(ticket, signal);
      this.lookupFailedAt.delete(id);
      return { ticket, deals, warnings };
    } catch (e) {
      this.lookupFailedAt.set(id, Date.now());
      this.d.log.warn(`Progress: the deals of ${key} are unknown, so no note goes out yet: ${(e as Error)?.message ?? String(e)}`);
      return undefined;
    }
  }

  private repositoryAt(root: string): GitRepository | undefined {
    const repo = this.d.git.activeRepository;
    return repo?.rootUri.fsPath === root ? repo : undefined;
  }

  // ---- consent ---------------------------------------------------------------------------------------

  private consents(): Record<string, Consent> {
    const raw = this.d.state.get<unknown>(ConsentKey);
    if (!raw || typeof raw !== 'object') return {};
    return Object.fromEntries(Object.entries(raw).filter((e): e is [string, Consent] => e[1] === 'allow' || e[1] === 'never'));
  }

  private async setConsent(root: string, consent: Consent | undefined): Promise<void> {
    const next = { ...this.consents() };
    if (consent) next[root] = consent;
    else delete next[root];
    await this.d.state.update(ConsentKey, next);
    this.d.log.info(`Progress: notes for ${root}: ${consent ?? 'ask first'}.`);
  }
}

/** The deal as a question captures it. */
function questionDeal(d: TicketContext['deals'][number]): QuestionDeal {
  return {
    id: d.id,
    customer: d.customer,
    amount: d.amount,
    currency: d.currency,
    stage: d.stage,
    url: d.url,
    owner: d.owner ? { name: d.owner.name, email: d.owner.email, slackId: d.owner.slackId, crmId: d.owner.crmId } : undefined,
  };
}

/** A folder name in a quick pick: `$(…)` would render as an icon. */
function quickPickText(text: string): string {
  return text.replace(/\$\(/g, '$\u200b(');
}

/** The branch `refs/remotes/origin/HEAD` points at (a symbolic ref, never packed), read as an untrusted file. */
async function readOriginHead(root: string): Promise<string | undefined> {
  const gitDir = await gitDirOf(root);
  if (!gitDir) return undefined;
  try {
    const text = await readFileSafe(path.join(gitDir, 'refs', 'remotes', 'origin', 'HEAD'), {
      root: path.dirname(gitDir),
      maxBytes: FileCaps.head,
      what: 'origin/HEAD',
      allowOutside: true,
    });
    return /^ref:\s*refs\/remotes\/origin\/(\S{1,255})\s*$/.exec(text.trim())?.[1];
  } catch {
    return undefined;
  }
}
