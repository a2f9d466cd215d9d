// Start Work on Ticket…: pick a ticket, then create and check out its branch through the Git
// extension's API (never a shell or a git process), or switch to the branch that exists for it.
// Notifications name only the ticket key, filtered: titles and branch names are data, and VS Code
// renders links in notification text.
import * as vscode from 'vscode';
import {
  type CompiledPatterns,
  type KeyPreference,
  isTicketKey,
  normalizeKey,
} from '../core/branch';
import {
  type BranchNameResult,
  type ExistingBranch,
  type GitRefLike,
  branchNameFor,
  branchesForKey,
} from '../core/branchName';
import { type ProviderErrorKind, toProviderError } from '../core/errors';
import type { Session } from '../core/session';
import { t } from './l10n';
import { notify, plainKey } from './notify';
import { folderFor } from './config';
import type { FolderContext } from './folderContext';

/** A ticket Start Work offers: its key, title and an optional line about its customers. */
export interface StartWorkTicket {
  key: string;
  title: string;
  detail?: string;
}

/** The part of the Git extension's `Repository` (its git.d.ts, API version 1) Start Work uses. */
export interface StartWorkRepository {
  readonly rootUri: vscode.Uri;
  readonly state: {
    readonly HEAD?: { readonly name?: string };
    readonly refs?: readonly GitRefLike[];
  };
  createBranch(name: string, checkout: boolean, ref?: string): Promise<void>;
  checkout(treeish: string): Promise<void>;
  getBranches?(query: { remote?: boolean }): Promise<GitRefLike[]>;
}

/** What Start Work needs, wired by the composition root. */
export interface StartWorkDeps {
  session: Pick<Session, 'providersFor' | 'current'>;
  /** The user's open tickets, most customer value first (the worklist's ranking). */
  tickets: () => Promise<StartWorkTicket[]>;
  /** The Git extension's repository the session shows; undefined while Git is off or not ready. */
  repository: () => StartWorkRepository | undefined;
  /** The active ticket patterns, as the session reads branch names with them. */
  patterns: () => {
    compiled: CompiledPatterns;
    projectKeys: readonly string[];
    prefer?: KeyPreference;
  };
  /** `customerContext.branchTemplate` for a repository root. */
  branchTemplate: (repository: string) => string;
  log: Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error'>;
  /** The ticket's branch is checked out (or already was): the `started` progress note. */
  onStarted?: (repository: string, key: string) => void;
}

const TemplateSetting = 'customerContext.branchTemplate';

/**
 * The command handler. `arg` is a ticket key (`'ACME-42'`) or `{ key, title? }` when invoked from
 * the worklist or a hover; anything else shows the quick pick. Resolves to the branch checked out,
 * or undefined when nothing changed.
 */
export async function startWork(d: StartWorkDeps, arg?: unknown): Promise<string | undefined> {
  const repo = d.repository();
  const root = repo?.rootUri.fsPath ?? d.session.current().repository;
  if (!root) {
    const open = t('Customer Context: open a folder with a git repository to start work on a ticket.');
    void notify('warning', open);
    return undefined;
  }
  const given = ticketFromArgument(arg);
  if (given === 'invalid') {
    const why =
      t('Customer Context: Start Work was given something that is not a ticket key like ACME-42.');
    void notify('warning', why);
    return undefined;
  }
  const ticket =
    given?.title !== undefined
      ? { key: given.key, title: given.title }
      : await chooseTicket(d, root, given?.key);
  if (!ticket) return undefined;

  const { compiled, projectKeys, prefer } = d.patterns();
  const plan = branchNameFor(d.branchTemplate(root), ticket, compiled, projectKeys, prefer);
  const key = plainKey(normalizeKey(ticket.key));
  if (!plan.ok) {
    d.log.warn(`Start Work: no branch name for ${ticket.key}: ${plan.problem}`);
    void notify('warning', t('Customer Context cannot name a branch for {0}: {1}.', key, plan.problem));
    return undefined;
  }
  if (plan.fallback) d.log.warn(`Start Work: ${plan.fallback}.`);
  if (!repo || typeof repo.createBranch !== 'function' || typeof repo.checkout !== 'function') {
    return gitUnavailable(d, plan.name, key);
  }

  const existing = branchesForKey(await branches(d, repo), plan.key, compiled, projectKeys, prefer);
  const choice = await chooseBranch(repo, plan, existing, key);
  if (!choice) return undefined;
  if (choice.kind === 'stay') {
    void notify('info', t('Customer Context: you are on the branch for {0} already.', key));
    d.onStarted?.(repo.rootUri.fsPath, plan.key);
    return choice.name;
  }
  try {
    if (choice.kind === 'create') await repo.createBranch(choice.name, true);
    else if (choice.kind === 'switch') await repo.checkout(choice.name);
    else await repo.createBranch(choice.name, true, choice.ref);
  } catch (e) {
    d.log.error(`Start Work: ${choice.kind} ${choice.name} failed: ${describeError(e)}`);
    void notify('error', gitFailure(e, choice.kind, key));
    return undefined;
  }
  const done = choice.kind === 'create' ? 'created' : 'checked out';
  d.log.info(`Start Work: ${done} ${choice.name} for ${plan.key}.`);
  d.onStarted?.(repo.rootUri.fsPath, plan.key);
  if (choice.kind === 'switch') {
    void notify('info', t('Customer Context switched to the existing branch for {0}.', key));
  } else if (choice.kind === 'track') {
    void notify('info', t('Customer Context checked out the branch for {0} from its remote.', key));
  } else if (plan.fallback) {
    const open = t('Open Setting');
    const said = t(
      'Customer Context created and checked out the branch for {0}, but not as {1} says: {2}.',
      key,
      TemplateSetting,
      plan.fallback,
    );
    void notify('warning', said, open).then((b) => {
      if (b !== open) return;
      void vscode.commands.executeCommand('workbench.action.openSettings', TemplateSetting);
    });
  } else {
    void notify('info', t('Customer Context created and checked out the branch for {0}.', key));
  }
  return choice.name;
}

/** A key (and title) from the worklist or a hover link; 'invalid' for a string that is no key. */
function ticketFromArgument(
  arg: unknown,
): { key: string; title?: string } | 'invalid' | undefined {
  const raw = typeof arg === 'string' ? { key: arg } : (arg as { key?: unknown; title?: unknown });
  if (typeof raw?.key === 'string') {
    if (!isTicketKey(raw.key)) return 'invalid';
    const title = typeof raw.title === 'string' ? raw.title : undefined;
    return { key: normalizeKey(raw.key), title };
  }
  // VS Code passes a resource or nothing when the command runs from a menu or the palette.
  return undefined;
}

type TicketItem = vscode.QuickPickItem & { ticket?: StartWorkTicket; enter?: true };

/** The ticket to start: `key` when given (its title from the tracker), else from the quick pick. */
async function chooseTicket(
  d: StartWorkDeps,
  root: string,
  key?: string,
): Promise<{ key: string; title: string } | undefined> {
  if (key) return withTitle(d, root, key);
  const enter: TicketItem = { label: `$(edit) ${t('Enter a ticket key…')}`, alwaysShow: true, enter: true };
  const pick = vscode.window.createQuickPick<TicketItem>();
  pick.title = t('Start Work on Ticket');
  pick.placeholder = t('Loading your open tickets…');
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.busy = true;
  pick.items = [enter];
  let open = true;
  d.tickets().then(
    (tickets) => {
      if (!open) return;
      const usable = tickets.filter((x) => typeof x?.key === 'string' && isTicketKey(x.key));
      const left = tickets.length - usable.length;
      if (left > 0) d.log.warn(`Start Work: ${left} ticket(s) without a usable key left out.`);
      // The list keeps the worklist's order: most customer value first.
      const items = usable.map(
        (x): TicketItem => ({
          label: normalizeKey(x.key),
          description: x.title,
          detail: x.detail,
          ticket: x,
        }),
      );
      pick.items = [...items, enter];
      pick.placeholder =
        usable.length > 0
          ? t('Pick a ticket (most customer value first) or enter a key')
          : t('No open tickets found: enter a ticket key');
      pick.busy = false;
    },
    (e: unknown) => {
      d.log.warn(`Start Work: could not load the open tickets: ${describeError(e)}`);
      if (!open) return;
      pick.placeholder =
        t('Your open tickets could not be loaded (see the Customer Context output): enter a key');
      pick.busy = false;
    },
  );
  const picked = await new Promise<TicketItem | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0]));
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  const typed = pick.value.trim();
  open = false;
  pick.dispose();
  if (!picked) return undefined;
  if (picked.ticket) return { key: normalizeKey(picked.ticket.key), title: picked.ticket.title };
  const value = await vscode.window.showInputBox({
    title: t('Start Work on Ticket'),
    prompt: t('Ticket key, e.g. ACME-42 or #123'),
    value: isTicketKey(typed) ? typed : '',
    ignoreFocusOut: true,
    validateInput: (v) => (isTicketKey(v) ? undefined : t('Enter a key like ACME-42 or #123.')),
  });
  return value === undefined ? undefined : withTitle(d, root, normalizeKey(value));
}

/** The ticket's title from the session's tracker; when it cannot be read, maybe the key alone. */
async function withTitle(
  d: StartWorkDeps,
  root: string,
  key: string,
): Promise<{ key: string; title: string } | undefined> {
  const shown = plainKey(key);
  try {
    const ticket = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: t('Customer Context: reading {0}…', shown),
        cancellable: true,
      },
      // Async, so a settings problem thrown by providersFor arrives as a rejection like the rest.
      async (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return d.session.providersFor(root).tracker.getTicket(key, abort.signal);
      },
    );
    return { key, title: typeof ticket?.title === 'string' ? ticket.title : '' };
  } catch (e) {
    const err = toProviderError(e, 'Tracker');
    d.log.warn(`Start Work: could not read ${key}: ${err.message}`);
    if (err.kind === 'cancelled') return undefined;
    const useKey = t('Use the Key Alone');
    const said = t(
      'Customer Context could not read {0} from the tracker ({1}). Name its branch after the key alone?',
      shown,
      errorWords(err.kind),
    );
    const answer = await notify('warning', said, useKey);
    return answer === useKey ? { key, title: '' } : undefined;
  }
}

/** Why a tracker read failed, in our words (vendor messages go to the log, not notifications). */
function errorWords(kind: ProviderErrorKind): string {
  const words: Record<ProviderErrorKind, string> = {
    notConfigured: t('it is not configured'),
    auth: t('its token is missing or expired'),
    forbidden: t('the token may not see this ticket'),
    notFound: t('there is no such ticket'),
    rateLimited: t('it asks to wait'),
    offline: t('it cannot be reached'),
    server: t('it had an error'),
    badRequest: t('it refused the request'),
    invalidResponse: t('its answer was not understood'),
    invalidData: t('the data file has errors'),
    cancelled: t('cancelled'),
  };
  return words[kind] ?? t('an error');
}

/** Local and remote branches: `getBranches` when the Git extension has it, else the known refs. */
async function branches(
  d: StartWorkDeps,
  repo: StartWorkRepository,
): Promise<readonly GitRefLike[]> {
  if (typeof repo.getBranches === 'function') {
    try {
      return await repo.getBranches({ remote: true });
    } catch (e) {
      d.log.warn(`Start Work: could not list branches: ${describeError(e)}; using the known refs.`);
    }
  }
  return Array.isArray(repo.state.refs) ? repo.state.refs : [];
}

type BranchChoice =
  | { kind: 'create'; name: string }
  | { kind: 'switch'; name: string }
  | { kind: 'stay'; name: string }
  | { kind: 'track'; name: string; ref: string };

/** Offers the ticket's existing branches before a new one; with none, the new one. */
async function chooseBranch(
  repo: StartWorkRepository,
  plan: Extract<BranchNameResult, { ok: true }>,
  existing: ExistingBranch[],
  key: string,
): Promise<BranchChoice | undefined> {
  const create: BranchChoice = { kind: 'create', name: plan.name };
  if (existing.length === 0) return create;
  const head = repo.state.HEAD?.name;
  type Item = vscode.QuickPickItem & { choice: BranchChoice };
  const items: Item[] = existing.map((b): Item => {
    if (b.remote) {
      const choice: BranchChoice = { kind: 'track', name: b.name, ref: b.ref };
      return { label: t('Check out {0} (exists on {1})', b.name, b.remote), choice };
    }
    if (b.name === head) {
      return { label: t('Stay on {0} (current)', b.name), choice: { kind: 'stay', name: b.name } };
    }
    return { label: t('Switch to {0} (exists)', b.name), choice: { kind: 'switch', name: b.name } };
  });
  // A branch of that very name exists already: switching to it is the only way to it.
  if (!existing.some((b) => b.name === plan.name)) {
    items.push({ label: t('Create a new branch'), description: plan.name, choice: create });
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: t('Start Work on Ticket {0}', key),
    placeHolder: t('A branch for this ticket exists already'),
    ignoreFocusOut: true,
  });
  return picked?.choice;
}

/** Without the Git extension (Restricted Mode, `git.enabled` off, not ready): the name to copy. */
async function gitUnavailable(d: StartWorkDeps, name: string, key: string): Promise<undefined> {
  d.log.warn('Start Work: the Git extension offers no repository to create the branch in.');
  const copy = t('Copy Branch Name');
  const said = vscode.workspace.isTrusted
    ? t('Customer Context cannot create the branch for {0}: the Git extension is off or has not opened this repository yet. Copy its name to create it yourself?', key)
    : t('Customer Context cannot create the branch for {0}: Git is off in Restricted Mode. Copy its name to create it yourself?', key);
  const answer = await notify('warning', said, copy);
  if (answer === copy) await vscode.env.clipboard.writeText(name);
  return undefined;
}

/** The failure in words: ours where a person can act, then git's own (notify makes it inert). */
function gitFailure(e: unknown, kind: BranchChoice['kind'], key: string): string {
  const err = (e ?? {}) as { gitErrorCode?: unknown };
  const create = kind === 'create';
  // Git refuses these before touching a file or a ref, so the work in progress is as it was.
  const dirty = t('your uncommitted changes would be overwritten. Commit or stash them, then start work again');
  const refused: Record<string, string> = {
    DirtyWorkTree: dirty,
    LocalChangesOverwritten: dirty,
    BranchAlreadyExists: t('a branch of that name exists now. Start work again to switch to it'),
    RepositoryIsLocked: t("another git process holds the repository's lock. Try again in a moment"),
    CantLockRef: t("another git process holds the branch's lock. Try again in a moment"),
  };
  const code = typeof err.gitErrorCode === 'string' ? err.gitErrorCode : '';
  // The reason is a clause of its own after the colon, so it fits each sentence as an argument.
  const text = Object.hasOwn(refused, code)
    ? create
      ? t('Git did not create the branch for {0}: {1}. Your changes are as they were.', key, refused[code])
      : t('Git did not check out the branch for {0}: {1}. Your changes are as they were.', key, refused[code])
    : create
      ? t('Git could not create the branch for {0}. Details are in the Customer Context output.', key)
      : t('Git could not check out the branch for {0}. Details are in the Customer Context output.', key);
  const said = gitWords(e);
  return said ? t('{0} Git says: {1}', text, said) : text;
}

/** Git's own message: its error output's first lines, else the error message, shortened. */
function gitWords(e: unknown): string {
  const err = (e ?? {}) as { stderr?: unknown; message?: unknown };
  const stderr = typeof err.stderr === 'string' ? err.stderr.trim() : '';
  const source = stderr || (typeof err.message === 'string' ? err.message : '');
  const lines = source
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 3)
    .join(' ');
  return lines.length > 300 ? `${lines.slice(0, 299)}…` : lines;
}

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const extra = (e as { stderr?: unknown }).stderr;
  return typeof extra === 'string' && extra.trim() ? `${e.message}: ${extra.trim()}` : e.message;
}

/** What the extension wires Start Work to. */
export interface StartWorkWiring {
  session: StartWorkDeps['session'];
  git: { readonly activeRepository: StartWorkRepository | undefined };
  folders: Pick<FolderContext, 'patterns' | 'folderSettings'>;
  /** The worklist's rows, most customer value first (loading the list when it never loaded). */
  ranked: () => Promise<readonly StartWorkTicket[]>;
  /** The `started` milestone (never awaited: it may wait on the one-time preview). */
  started: (repository: string, key: string) => unknown;
  log: StartWorkDeps['log'];
}

/** The command handler as the extension registers it. */
export function startWorkCommand(w: StartWorkWiring): (arg?: unknown) => Promise<string | undefined> {
  return (arg) => startWork({
    session: w.session,
    log: w.log,
    tickets: async () => [...(await w.ranked())],
    repository: () => w.git.activeRepository,
    patterns: () => w.folders.patterns(),
    branchTemplate: (repo) => w.folders.folderSettings(folderFor(repo)).settings.branchTemplate,
    onStarted: (root, key) => void w.started(root, key),
  }, arg);
}

