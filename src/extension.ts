// Composition root: creates the services, connects them, registers disposables. Nothing else.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Outbox } from './core/questions/outbox';
import { Session } from './core/session';
import type { SidebarState } from './core/viewModel';
import { ContextKey, OutputChannelName, ViewId } from './shared/ids';
import { registerCommands, mailOwner, openDeal, openTicket } from './vscode/commands';
import { readSettings } from './vscode/config';
import { FolderContext } from './vscode/folderContext';
import { followSelection } from './vscode/selection';
import { Credentials } from './vscode/credentials';
import { DataFiles } from './vscode/dataFiles';
import { GitWatcher } from './vscode/git';
import { TicketOverrides } from './vscode/overrides';
import { Presenter } from './vscode/presenter';
import { loadRemote, tokenLookup } from './vscode/providers';
import type { Settings } from './core/settings';
import { QuestionService } from './vscode/questionService';
import { TokenStore } from './vscode/secrets';
import { SidebarView } from './vscode/sidebarView';
import { TicketStatusItem } from './vscode/statusItem';

/** What activate() returns: read by the integration tests, and by anyone scripting VS Code. */
export interface CustomerContextApi {
  readonly state: { statusText: string | undefined; sidebar: SidebarState | undefined };
  onDidChangeState: vscode.Event<void>;
}

export async function activate(context: vscode.ExtensionContext): Promise<CustomerContextApi> {
  try {
    return await start(context);
  } catch (e) {
    // VS Code does not tell the user when an extension fails to activate, so we do.
    void vscode.window.showErrorMessage(`Customer Context failed to start: ${(e as Error).message}`);
    throw e;
  }
}

async function start(context: vscode.ExtensionContext): Promise<CustomerContextApi> {
  const log = vscode.window.createOutputChannel(OutputChannelName, { log: true });
  const dataFiles = new DataFiles(log);
  const tokens = new TokenStore(context.secrets);
  const overrides = new TicketOverrides(context.globalState);
  const git = new GitWatcher(log);
  const repo = () => session.current().repository;
  const folders = new FolderContext(dataFiles, tokens, git, repo);
  // Read afresh: the presenter's own configuration listener may run before the folder cache is cleared.
  const presenter = new Presenter(() => readSettings().settings['privacy.hideAmounts']);
  const session: Session = new Session({
    ...folders.sessionOptions(),
    override: (repository, branch) => overrides.get(repository, branch),
    // `q` is created below; the session asks for questions only after the first git state arrives.
    questionsFor: (key) => q.questionsFor(key),
    store: context.globalState,
    log,
  });
  const outboxDir = path.join(context.globalStorageUri.fsPath, 'outbox');
  // Exists before the watcher starts, so other windows' questions are followed from the first one on.
  await fs.promises.mkdir(outboxDir, { recursive: true }).catch((e) => log.warn(`Outbox folder: ${String(e)}`));
  const outbox = new Outbox(outboxDir, {
    owner: `${vscode.env.sessionId}:${process.pid}`,
    log: (m) => log.info(m),
  });
  const needsRemote = (s: Settings) => s['questions.routes'].some((r) => r === 'slack' || r === 'teams' || r === 'ticketComment' || (r === 'crm' && s.crm !== 'local' && s.crm !== 'csv'));
  const q = new QuestionService(outbox, session, git, log, async (settings) =>
    needsRemote(settings)
      ? loadRemote().remoteSenders(settings, tokenLookup(tokens, settings), (k) => tokens.getWebhook(k), folders.githubRemote(settings))
      : {});
  const sidebar = new SidebarView(context.extensionUri, session, presenter, {
    openTicket: () => void openTicket(session),
    openDeal: (id) => void openDeal(session, id),
    mailOwner: (id) => void mailOwner(session, id),
    runAction: (action) => {
      const commands: Record<typeof action, () => Thenable<unknown>> = {
        setToken: () => vscode.commands.executeCommand('customerContext.setToken'),
        configure: () => vscode.commands.executeCommand('customerContext.configure'),
        refresh: () => vscode.commands.executeCommand('customerContext.refresh'),
        setTicketForBranch: () => vscode.commands.executeCommand('customerContext.setTicketForBranch'),
        openSettings: () => vscode.commands.executeCommand('workbench.action.openSettings', 'git.enabled'),
        openDataFile: () => openDataFile(),
      };
      void commands[action]();
    },
    sendQuestion: (text, includeSelection) =>
      vscode.workspace.isTrusted
        ? q.ask(text, includeSelection)
        : Promise.resolve({ ok: false, message: 'Questions are not sent from a folder in Restricted Mode. Trust the workspace to send.' }),
    retryQuestion: (id) => q.retry(id),
    discardQuestion: (id) => q.discard(id),
    refresh: () => void vscode.commands.executeCommand('customerContext.refresh'),
  }, log);
  const status = new TicketStatusItem(session, presenter, () => folders.settings().settings['statusBar.showWhenNoTicket']);
  const credentials = new Credentials(
    tokens,
    async (routes) => {
      for (const r of routes) await outbox.resumeAuth(r);
      q.kick();
      session.refresh(true);
    },
    async () => {
      const r = repo();
      if (!r) return ['Open a git repository to test the connection.'];
      const { tracker, crm } = session.providersFor(r);
      const lines: string[] = [];
      for (const p of [tracker, crm]) {
        if (p.whoAmI) lines.push(await p.whoAmI().then((who) => `${p.label}: signed in as ${who}`, (e: Error) => `${p.label}: ${e.message}`));
      }
      return lines;
    },
  );

  async function openDataFile(): Promise<void> {
    const file = folders.dataFile();
    if (file) await vscode.window.showTextDocument(file);
  }

  const stateChanged = new vscode.EventEmitter<void>();
  let hasTicket: boolean | undefined;
  let lastSettings = JSON.stringify(folders.settings().settings);
  context.subscriptions.push(
    log, dataFiles, tokens, git, presenter, session, q, sidebar, status, stateChanged,
    vscode.window.registerWebviewViewProvider(ViewId.sidebar, sidebar),
    git.onDidChange((s) => session.setGitState(s)),
    dataFiles.onDidChange((file) => {
      log.info(`Reloading: ${file} changed.`);
      session.refresh(true);
    }),
    tokens.onDidChange((provider) => {
      log.info(`Reloading: the ${provider} token changed.`);
      session.refresh(true);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('customerContext')) return;
      folders.invalidate();
      // VS Code also reports re-reads of a settings file; only a change of the effective values reloads.
      const now = JSON.stringify(folders.settings().settings);
      if (now === lastSettings) return;
      lastSettings = now;
      log.info('Reloading: customerContext settings changed.');
      session.refresh(false);
    }),
    followSelection(session),
    session.onDidChange((s) => {
      if (hasTicket !== !!s.context) {
        hasTicket = !!s.context;
        void vscode.commands.executeCommand('setContext', ContextKey.hasTicket, hasTicket);
      }
      stateChanged.fire();
    }),
    ...registerCommands({ session, presenter, sidebar: () => sidebar, questions: q, overrides, credentials, openDataFile }),
  );
  // Not awaited: HEAD files are read at once; the Git extension joins in when it is ready.
  // Questions wait for the repository too: their routes come from its folder's settings.
  void git.start().then(async () => {
    session.setGitState(git.state);
    await q.resumeParked();
    q.kick();
    void q.checkAnswers();
  });

  return {
    get state() {
      return { statusText: status.text, sidebar: sidebar.lastPosted };
    },
    onDidChangeState: stateChanged.event,
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions; the outbox is on disk already.
}
