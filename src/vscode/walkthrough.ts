// The Get Started walkthrough: its commands (sample data, the tracker and CRM halves of Configure, the
// routes setting) and the context keys its steps complete on. Files are written only after a modal
// names them; branches are made through VS Code's Git extension, never by running git in a shell.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { vendorById } from '../core/providers/registry';
import { questionState } from '../core/questions/outbox';
import type { Session } from '../core/session';
import { parseSettings } from '../core/settings';
import type { SessionSnapshot } from '../core/viewModel';
import {
  SampleBranch,
  SampleDataFile,
  SampleTicket,
  WalkthroughCommandId,
  WalkthroughContextKey,
  WalkthroughId,
  type WalkthroughStepId,
  connectedFrom,
  emptyRepository,
  existingDataFile,
  questionAsked,
  readsDataFile,
  sampleDataText,
  scratchFolderName,
  scratchSettings,
  settingsText,
  testVerdict,
} from '../core/walkthrough';
import { CommandId, SettingsSection, ViewId } from '../shared/ids';
import { folderFor, readSettings } from './config';
import type { GitRepository } from './git';
import { t } from './l10n';
import { inert, notify } from './notify';
import type { TicketOverrides } from './overrides';
import { dataFilePath } from './providers';
import type { QuestionService } from './questionService';

/** What the walkthrough needs from the composition root. */
export interface WalkthroughDeps {
  session: Pick<Session, 'onDidChange' | 'snapshot' | 'current' | 'branchTicketKey' | 'showTicket' | 'refresh'>;
  /** The Git extension's repository the session shows (GitWatcher). */
  git: { readonly activeRepository: GitRepository | undefined };
  questions: Pick<QuestionService, 'all'>;
  /** Used only when the user's ticket patterns or project keys would not read the sample branch. */
  overrides: Pick<TicketOverrides, 'set'>;
  log: Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error'>;
}

/** globalState: the scratch folder just created, so the window that opens it shows the walkthrough again. */
const PendingKey = 'walkthrough.sampleFolder.v1';
/** A pending scratch folder older than this is forgotten (the user went elsewhere). */
const PendingMs = 10 * 60_000;
/** The setting the routes step opens. */
const RoutesSetting = `${SettingsSection}.questions.routes`;
/** How long to wait for the session to follow the sample branch before saying what it shows. */
const FollowMs = 8_000;
/** How long to wait for the walkthrough's tab to come to the front before going around another page. */
const OpenMs = 1_500;

/** Registers the walkthrough's commands and keeps its steps' context keys; dispose the result on deactivate. */
export function registerWalkthrough(
  context: vscode.ExtensionContext,
  deps: WalkthroughDeps,
): vscode.Disposable[] {
  const walkthrough = `${context.extension.id}#${WalkthroughId}`;
  const progress = new Progress(walkthrough, deps.log);
  const follow = (s: SessionSnapshot) => {
    const served = connectedFrom(s);
    // The same fact as api.ts's customerContext.hasTicket, the sample step's completion event.
    if (s.context) progress.done('sample');
    if (served.tracker) progress.done('tracker', WalkthroughContextKey.trackerConnected);
    if (served.crm) progress.done('crm', WalkthroughContextKey.crmConnected);
    if (questionAsked(s.questions.map((q) => q.state))) progress.done('ask', WalkthroughContextKey.questionAsked);
  };
  follow(deps.session.snapshot);
  // Questions about other tickets count too: the session lists only the shown ticket's.
  void deps.questions.all().then(
    (entries) => questionAsked(entries.map(questionState)) && progress.done('ask', WalkthroughContextKey.questionAsked),
    (e) => deps.log.warn(`Walkthrough: could not read the questions: ${String(e)}`),
  );
  const connect = (part: 'tracker' | 'crm') => async () => {
    const result = await vscode.commands.executeCommand<unknown>(CommandId.configure, part);
    // Without a test call (the data file, a CSV export) the step follows the session instead.
    if (testVerdict(result) !== 'ok') return;
    if (part === 'tracker') progress.done('tracker', WalkthroughContextKey.trackerConnected);
    else progress.done('crm', WalkthroughContextKey.crmConnected);
  };
  void reopenAfterSample(context, walkthrough, deps.log);
  return [
    deps.session.onDidChange(follow),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(RoutesSetting)) progress.done('routes');
    }),
    vscode.commands.registerCommand(WalkthroughCommandId.open, () => openWalkthrough(context, walkthrough, deps.log)),
    vscode.commands.registerCommand(WalkthroughCommandId.trySample, () => trySample(context, deps)),
    vscode.commands.registerCommand(WalkthroughCommandId.connectTracker, connect('tracker')),
    vscode.commands.registerCommand(WalkthroughCommandId.connectCrm, connect('crm')),
    vscode.commands.registerCommand(WalkthroughCommandId.chooseRoutes, async () => {
      await vscode.commands.executeCommand('workbench.action.openSettings', RoutesSetting);
      progress.done('routes');
    }),
  ];
}

/** Whether a tab is the walkthrough page showing ours ("Walkthrough: <display name>" in any language). */
function isOurPage(tab: vscode.Tab | undefined, title: string): boolean {
  return !!tab && tab.input === undefined && tab.label.includes(title);
}

/**
 * Opens the walkthrough in front. VS Code (seen in 1.100) ignores `openWalkthrough` while the active
 * editor is a walkthrough page with a step selected: VS Code's own walkthrough, which the Welcome page
 * opens on a first day and a reload restores in place of ours (extensions' walkthroughs are not
 * registered yet then). When ours has not come to the front, *Welcome: Go Back* takes that page to
 * the walkthrough list, from which ours opens; it does nothing when no walkthrough page is in front.
 */
async function openWalkthrough(context: vscode.ExtensionContext, walkthrough: string, log: WalkthroughDeps['log']): Promise<void> {
  const pkg = context.extension.packageJSON as { displayName?: unknown; name?: unknown };
  const title = String(pkg.displayName ?? pkg.name ?? '');
  const shown = () => vscode.window.tabGroups.all.some((g) => isOurPage(g.activeTab, title));
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthrough, false);
  if (shown() || await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => (sub.dispose(), resolve(shown())), OpenMs);
    const sub = vscode.window.tabGroups.onDidChangeTabs(() => {
      if (!shown()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(true);
    });
  })) return;
  // A tab the API describes (a text file, a webview…) is no walkthrough page: nothing to go around.
  const front = vscode.window.tabGroups.activeTabGroup.activeTab;
  if (front && front.input !== undefined) return;
  log.info(`Walkthrough: "${front?.label ?? 'no tab'}" kept the front; going back to the walkthrough list first.`);
  try {
    await vscode.commands.executeCommand('welcome.goBack');
  } catch (e) {
    log.warn(`Walkthrough: could not leave the walkthrough page in front: ${String(e)}`);
    return;
  }
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthrough, false);
}

/**
 * Steps done in this window, each once: its context key (the step's `onContext:` completion event)
 * and the step itself through `welcome.markStepComplete`. VS Code's walkthrough service starts
 * lazily, and a key that is already true when it starts never completes its step (seen in VS Code
 * 1.100: a ticket shown before the walkthrough was first opened left the step unticked).
 */
class Progress {
  private readonly marked = new Set<WalkthroughStepId>();

  constructor(
    private readonly walkthrough: string,
    private readonly log: WalkthroughDeps['log'],
  ) {}

  done(step: WalkthroughStepId, key?: string): void {
    if (this.marked.has(step)) return;
    this.marked.add(step);
    if (key) void vscode.commands.executeCommand('setContext', key, true);
    vscode.commands.executeCommand('welcome.markStepComplete', `${this.walkthrough}#${step}`).then(undefined, (e) =>
      this.log.warn(`Walkthrough: could not mark the step ${step} done: ${String(e)}`));
  }
}

/** *Try it on sample data*: the current repository when it can show the sample, else a scratch folder. */
async function trySample(context: vscode.ExtensionContext, d: WalkthroughDeps): Promise<void> {
  const repo = d.git.activeRepository;
  if (repo && repo.rootUri.scheme === 'file') {
    if ((await sampleInRepository(d, repo)) !== 'elsewhere') return;
  } else if (d.session.current().repository) {
    // HEAD was read from disk, but without the Git extension no branch can be made in this repository.
    const other = t('Use a New Folder…');
    const why = t('The Git extension is off or still starting, so Customer Context cannot create the sample branch in this repository. Use a new folder instead, or enable Git (setting git.enabled) and try again.');
    if ((await notify('warning', why, other)) !== other) return;
  }
  await sampleInScratchFolder(context, d);
}

/** A modal that names what will happen; resolves with the chosen button. */
function ask(message: string, detail: string[], ...buttons: string[]): Thenable<string | undefined> {
  return vscode.window.showInformationMessage(inert(message), { modal: true, detail: inert(detail.join('\n')) }, ...buttons);
}

const bullet = (line: string) => `• ${line}`;

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (e) {
    if (e instanceof vscode.FileSystemError && e.code === 'FileNotFound') return undefined;
    throw e;
  }
}

async function writeText(uri: vscode.Uri, text: string): Promise<void> {
  await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}

/** Whether the repository has a local branch named `name` (false when it cannot tell). */
async function hasLocalBranch(repo: GitRepository, name: string, log: WalkthroughDeps['log']): Promise<boolean> {
  try {
    const refs = typeof repo.getBranches === 'function' ? await repo.getBranches({ remote: false }) : repo.state.refs ?? [];
    return refs.some((r) => r.type === 0 && r.name === name);
  } catch (e) {
    log.warn(`Walkthrough: could not list branches: ${String(e)}`);
    return false;
  }
}

/** The sample in the open repository; `elsewhere` when the user chose a new folder instead. */
async function sampleInRepository(d: WalkthroughDeps, repo: GitRepository): Promise<'done' | 'elsewhere'> {
  const root = repo.rootUri.fsPath;
  const folder = folderFor(root);
  const { settings } = readSettings(folder);
  const elsewhere = t('Use a New Folder…');
  if (!readsDataFile(settings)) {
    const label = (id: string) => vendorById(id)?.label ?? id;
    const why = t('This repository reads tickets from {0} and deals from {1}, so the sample data would not show here. Create the sample in a new folder instead?', label(settings.tracker), label(settings.crm));
    return (await ask(why, [], elsewhere)) === elsewhere ? 'elsewhere' : 'done';
  }
  const dataUri = vscode.Uri.file(dataFilePath(folder, settings));
  const shown = path.relative(folder.fsPath, dataUri.fsPath) || dataUri.fsPath;
  let existing: string | undefined;
  try {
    existing = await readText(dataUri);
  } catch (e) {
    d.log.error(`Walkthrough: could not read ${dataUri.fsPath}: ${String(e)}`);
    void notify('error', t('Customer Context could not read {0}, so it created no sample data. Details are in the Customer Context output.', shown));
    return 'done';
  }
  const verdict = existing === undefined ? undefined : existingDataFile(existing);
  if (verdict && verdict !== 'hasSample') {
    const why = t('{0} exists already and has no sample ticket. Customer Context never overwrites it. Create the sample in a new folder instead?', shown);
    return (await ask(why, [], elsewhere)) === elsewhere ? 'elsewhere' : 'done';
  }
  const exists = await hasLocalBranch(repo, SampleBranch, d.log);
  const create = t('Create Sample Data');
  const detail = [
    t('Customer Context will:'),
    bullet(verdict === 'hasSample'
      ? t('keep {0}, which has the sample ticket already', shown)
      : t('create the file {0} with three sample tickets, their deals and sales contacts', shown)),
    bullet(exists
      ? t('switch to the branch {0}, which exists already', SampleBranch)
      : t('create the branch {0} from your current commit and switch to it; uncommitted changes stay as they are', SampleBranch)),
    t('Nothing is committed, pushed or sent anywhere. Delete the file and the branch when you are done.'),
  ];
  const choice = await ask(t('Try Customer Context on sample data in {0}?', folder.fsPath), detail, create, elsewhere);
  if (choice === elsewhere) return 'elsewhere';
  if (choice !== create) return 'done';
  try {
    if (verdict !== 'hasSample') await writeText(dataUri, sampleDataText(Date.now()));
  } catch (e) {
    d.log.error(`Walkthrough: could not write ${dataUri.fsPath}: ${String(e)}`);
    void notify('error', t('Customer Context could not create {0}. Details are in the Customer Context output.', shown));
    return 'done';
  }
  d.log.info(`Walkthrough: sample data ${verdict === 'hasSample' ? 'kept' : 'written'} at ${dataUri.fsPath}.`);
  try {
    if (exists) await repo.checkout(SampleBranch);
    else await repo.createBranch(SampleBranch, true);
  } catch (e) {
    d.log.error(`Walkthrough: ${exists ? 'checkout' : 'create branch'} ${SampleBranch} failed: ${String(e)}`);
    void notify('error', t('The sample data is ready, but Git could not switch to the branch {0}. Details are in the Customer Context output.', SampleBranch));
    return 'done';
  }
  await showSampleTicket(d, root);
  return 'done';
}

/** Resolves with the first snapshot `ok` accepts, or undefined after `ms`. */
function waitFor(
  session: WalkthroughDeps['session'],
  ok: (s: SessionSnapshot) => boolean,
  ms: number,
): Promise<SessionSnapshot | undefined> {
  if (ok(session.snapshot)) return Promise.resolve(session.snapshot);
  return new Promise((resolve) => {
    const timer = setTimeout(() => (sub.dispose(), resolve(undefined)), ms);
    const sub = session.onDidChange((s) => {
      if (!ok(s)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(s);
    });
  });
}

/**
 * After the switch: the session follows the branch; when the user's ticket patterns or project keys
 * do not read it as the sample ticket, a per-branch ticket (like *Set Ticket for Current Branch…*)
 * makes them. Then the sidebar shows, and the message says what the session actually shows.
 */
async function showSampleTicket(d: WalkthroughDeps, root: string): Promise<void> {
  const onBranch = await waitFor(d.session, (s) => s.repository === root && s.branch === SampleBranch, FollowMs);
  if (onBranch && d.session.branchTicketKey() !== SampleTicket) {
    d.log.info(`Walkthrough: the ticket patterns do not read ${SampleBranch}; setting its ticket to ${SampleTicket}.`);
    await d.overrides.set(root, SampleBranch, SampleTicket);
    d.session.showTicket(undefined);
    d.session.refresh(false);
  }
  void vscode.commands.executeCommand(`${ViewId.sidebar}.focus`);
  const shown = await waitFor(d.session, (s) => s.ticketKey === SampleTicket && !!s.context, FollowMs);
  if (shown) void notify('info', t('Sample data is ready: the status bar and the Customer Context sidebar show ticket {0}.', SampleTicket));
  else void notify('warning', t('The sample data and branch are ready, but Customer Context does not show ticket {0} yet. The sidebar says why.', SampleTicket));
}

/** The user-level values of the settings that decide whether the sample shows in a new folder. */
function userSampleSettings(): ReturnType<typeof parseSettings>['settings'] {
  const cfg = vscode.workspace.getConfiguration(SettingsSection);
  const raw: Record<string, unknown> = {};
  for (const key of ['tracker', 'crm', 'localDataFile', 'projectKeys', 'ticketPatterns']) {
    raw[key] = cfg.inspect(key)?.globalValue;
  }
  return parseSettings(raw).settings;
}

/** The Git extension's API when it is installed and on (only `init` is used here). */
interface GitInitApi {
  init?(root: vscode.Uri): Promise<{ createBranch(name: string, checkout: boolean): Promise<void> } | null>;
}

async function gitInitApi(log: WalkthroughDeps['log']): Promise<GitInitApi | undefined> {
  const ext = vscode.extensions.getExtension<{ enabled: boolean; getAPI(version: 1): GitInitApi }>('vscode.git');
  if (!ext) return undefined;
  try {
    const exports = ext.isActive ? ext.exports : await ext.activate();
    return exports.enabled ? exports.getAPI(1) : undefined;
  } catch (e) {
    log.warn(`Walkthrough: the Git extension did not start: ${String(e)}`);
    return undefined;
  }
}

/**
 * A git repository in the new, empty folder with the sample branch checked out (unborn: nothing is
 * committed). Through the Git extension when it is on; else the files `git init` writes, written
 * with vscode.workspace.fs, so the sample works without Git too.
 */
async function initRepository(folder: vscode.Uri, log: WalkthroughDeps['log']): Promise<void> {
  const api = await gitInitApi(log);
  if (typeof api?.init === 'function') {
    try {
      const repo = await api.init(folder);
      if (repo) {
        await repo.createBranch(SampleBranch, true);
        return;
      }
      log.warn('Walkthrough: the Git extension initialised the folder but did not open it; writing HEAD directly.');
    } catch (e) {
      log.warn(`Walkthrough: git init through the Git extension failed: ${String(e)}; writing the repository files directly.`);
    }
  }
  const layout = emptyRepository(SampleBranch);
  for (const dir of layout.dirs) await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(folder, dir));
  for (const file of layout.files) {
    // The Git extension's own config, when it got that far, is better than ours: keep it.
    const uri = vscode.Uri.joinPath(folder, file.path);
    if (file.path.endsWith('/config') && (await readText(uri)) !== undefined) continue;
    await writeText(uri, file.text);
  }
}

/** The sample in a new folder the user picks, then opened (here when the window is empty). */
async function sampleInScratchFolder(context: vscode.ExtensionContext, d: WalkthroughDeps): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    defaultUri: vscode.Uri.file(os.homedir()),
    title: t('Choose a folder for the Customer Context sample'),
    openLabel: t('Choose Folder'),
  });
  const parent = picked?.[0];
  if (!parent) return;
  let entries: Array<[string, vscode.FileType]>;
  try {
    entries = await vscode.workspace.fs.readDirectory(parent);
  } catch (e) {
    d.log.error(`Walkthrough: could not list ${parent.fsPath}: ${String(e)}`);
    void notify('error', t('Customer Context could not read the folder {0}. Details are in the Customer Context output.', parent.fsPath));
    return;
  }
  const name = entries.length === 0 ? undefined : scratchFolderName(entries.map(([n]) => n));
  const target = name ? vscode.Uri.joinPath(parent, name) : parent;
  const pins = scratchSettings(userSampleSettings());
  const newWindow = (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
  const create = t('Create and Open');
  const detail = [
    t('Customer Context will:'),
    ...(name ? [bullet(t('create the folder {0}', name))] : []),
    bullet(t('create the file {0} with three sample tickets, their deals and sales contacts', SampleDataFile)),
    ...(pins ? [bullet(t('create {0}, so that this folder reads the sample data whatever your user settings say', '.vscode/settings.json'))] : []),
    bullet(t('start a git repository there on the branch {0}; nothing is committed', SampleBranch)),
    newWindow ? t('Then it opens the folder in a new window.') : t('Then it opens the folder in this window.'),
  ];
  if ((await ask(t('Create a sample project in {0}?', target.fsPath), detail, create)) !== create) return;
  try {
    await vscode.workspace.fs.createDirectory(target);
    await writeText(vscode.Uri.joinPath(target, SampleDataFile), sampleDataText(Date.now()));
    if (pins) await writeText(vscode.Uri.joinPath(target, '.vscode', 'settings.json'), settingsText(pins));
    await initRepository(target, d.log);
  } catch (e) {
    d.log.error(`Walkthrough: could not create the sample in ${target.fsPath}: ${String(e)}`);
    void notify('error', t('Customer Context could not create the sample in {0}. Details are in the Customer Context output.', target.fsPath));
    return;
  }
  d.log.info(`Walkthrough: sample project created in ${target.fsPath}.`);
  await context.globalState.update(PendingKey, { folder: target.toString(), at: Date.now() });
  await vscode.commands.executeCommand('vscode.openFolder', target, { forceNewWindow: newWindow });
}

/** In the window that opened a just-created sample folder: the walkthrough and the sidebar again. */
async function reopenAfterSample(
  context: vscode.ExtensionContext,
  walkthrough: string,
  log: WalkthroughDeps['log'],
): Promise<void> {
  const pending = context.globalState.get<unknown>(PendingKey);
  if (!pending) return;
  const { folder, at } = pending as { folder?: unknown; at?: unknown };
  const fresh = typeof folder === 'string' && typeof at === 'number' && Date.now() - at < PendingMs && Date.now() >= at;
  const here = fresh && (vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.toString() === folder);
  if (fresh && !here) return; // another window is about to open it
  await context.globalState.update(PendingKey, undefined);
  if (!here) return;
  log.info('Walkthrough: showing the sample folder just created.');
  await vscode.commands.executeCommand(`${ViewId.sidebar}.focus`);
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthrough, false);
}
