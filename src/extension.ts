// Composition root: creates the services, connects them, registers disposables. Nothing else.
import * as vscode from 'vscode';
import { Session } from './core/session';
import { OutputChannelName, ViewId } from './shared/ids';
import { type CustomerContextApi, ExtensionApi } from './vscode/api';
import { openDataFile, registerCommands, sidebarActions } from './vscode/commands';
import { readSettings } from './vscode/config';
import { DataFiles } from './vscode/dataFiles';
import { FolderContext } from './vscode/folderContext';
import { GitWatcher } from './vscode/git';
import { notify } from './vscode/notify';
import { TicketOverrides } from './vscode/overrides';
import { Presenter } from './vscode/presenter';
import { QuestionService, openOutbox } from './vscode/questionService';
import { TokenStore } from './vscode/secrets';
import { followSelection } from './vscode/selection';
import { SidebarView } from './vscode/sidebarView';
import { registerTicketHovers } from './vscode/hovers';
import { registerLmTool } from './vscode/lmTool';
import { LazyProgress, lazyCredentials, lazyStartWork } from './vscode/lazyWorkflow';
import { TicketStatusItem } from './vscode/statusItem';
import { registerWalkthrough } from './vscode/walkthrough';
import { WorklistView } from './vscode/worklistView';
import { Localizer, t } from './vscode/l10n';

export type { CustomerContextApi };

export async function activate(context: vscode.ExtensionContext): Promise<CustomerContextApi> {
  const log = vscode.window.createOutputChannel(OutputChannelName, { log: true });
  context.subscriptions.push(log);
  try {
    return await start(context, log);
  } catch (e) {
    // VS Code does not tell the user when an extension fails to activate, so we do (details in the log).
    log.error(`Activation failed: ${(e as Error)?.stack ?? String(e)}`);
    void notify('error', t('Customer Context failed to start. Details are in the Customer Context output.'));
    throw e;
  }
}

async function start(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<CustomerContextApi> {
  // First: every word after this is in the reader's language.
  const localizer = new Localizer(context.extensionUri, log);
  context.subscriptions.push(localizer);
  const dataFiles = new DataFiles(log);
  const tokens = new TokenStore(context.secrets);
  const overrides = new TicketOverrides(context.globalState);
  const git = new GitWatcher(log);
  const folders = new FolderContext(dataFiles, tokens, git, () => session.current().repository, context.globalState);
  // Read afresh: the presenter's own configuration listener may run before the folder cache is cleared.
  const presenter = new Presenter(() => readSettings().settings['privacy.hideAmounts']);
  const session: Session = new Session({
    ...folders.sessionOptions(),
    override: (repository, branch) => overrides.get(repository, branch),
    // The session asks for questions only after the first git state, when `questions` exists.
    questionsFor: (key) => questions.questionsFor(key),
    store: context.globalState,
    log,
  });
  const questions = new QuestionService(await openOutbox(context.globalStorageUri, log), session, git, log,
    (folder) => folders.senders(folder), (folder) => folders.progressSender(folder));
  const progress = new LazyProgress({ git, session, questions, state: context.globalState, log });
  const openData = () => openDataFile(folders);
  const sidebar = new SidebarView(context.extensionUri, session, presenter, sidebarActions({ session, questions, openDataFile: openData }), log);
  const status = new TicketStatusItem(session, presenter, () => folders.settings().settings['statusBar.showWhenNoTicket']);
  const credentials = lazyCredentials({ tokens, onTokenSet: (routes) => questions.resumeAuth(routes), session, log });
  const api = new ExtensionApi(session, status, sidebar);
  const worklist = new WorklistView({ session, presenter, folders, workspaceState: context.workspaceState, store: context.globalState, log });
  context.subscriptions.push(
    dataFiles, tokens, git, presenter, session, questions, progress, sidebar, status, api, worklist,
    vscode.window.registerWebviewViewProvider(ViewId.sidebar, sidebar),
    ...folders.watch(session, log),
    followSelection(session),
    ...registerWalkthrough(context, { session, git, questions, overrides, log }),
    ...registerTicketHovers({ session, presenter, folders }),
    registerLmTool({ session, presenter, ttlMs: () => folders.sessionOptions().ttlMs() }),
    ...registerCommands({
      session, presenter, sidebar: () => sidebar, questions, overrides, credentials, openDataFile: openData, progress,
      startWork: lazyStartWork({ session, git, folders, log, ranked: () => worklist.rankedRows(), started: (root, key) => progress.started(root, key) }),
    }),
  );
  // Not awaited: HEAD files are read at once; the Git extension joins in when it is ready.
  void git.start().then(() => {
    session.setGitState(git.state);
    progress.start();
    return questions.start();
  });
  return api;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions; the outbox is on disk already.
}
