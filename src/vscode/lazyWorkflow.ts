// Loads dist/workflow.js on first use, and stands in for the progress service until then: a user who
// never turns progress notes on and never runs Start Work never loads either.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SettingsSection } from '../shared/ids';
import type { ProgressDeps, ProgressService } from './progress';
import type { StartWorkWiring } from './startWork';
import type { ConfigurePart, Credentials } from './credentials';
import type { Session } from '../core/session';
import type { RouteName } from '../core/questions/question';
import type { TokenStore } from './secrets';
import type * as Workflow from './workflow';

let workflowModule: typeof Workflow | undefined;
/** The workflow bundle, loaded once. */
function loadWorkflow(): typeof Workflow {
  // A computed path keeps esbuild from inlining the module into extension.js.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load of a sibling bundle
  workflowModule ??= require(path.join(__dirname, 'workflow.js')) as typeof Workflow;
  return workflowModule;
}

/** `customerContext.progress.notify` from user settings (the service itself reports a bad value). */
function progressOn(): boolean {
  return vscode.workspace.getConfiguration(SettingsSection).inspect<unknown>('progress.notify')?.globalValue === true;
}

/** The progress service, created when progress notes are on (now or later) or managed. */
export class LazyProgress implements vscode.Disposable {
  private service: ProgressService | undefined;
  private running = false;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly deps: ProgressDeps) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SettingsSection}.progress.notify`) && progressOn() && this.running) this.ensure();
    });
  }

  private ensure(): ProgressService {
    if (!this.service) {
      this.service = new (loadWorkflow().ProgressService)(this.deps);
      if (this.running) this.service.start();
    }
    return this.service;
  }

  /** After the first git state. */
  start(): void {
    this.running = true;
    if (progressOn()) this.ensure();
  }

  /** Start Work reached the ticket's branch. */
  started(repository: string, key: string): Promise<void> {
    return progressOn() ? this.ensure().started(repository, key) : Promise.resolve();
  }

  /** *Manage Progress Notes*. */
  manage(): Promise<void> {
    return this.ensure().manage();
  }

  dispose(): void {
    this.subscription.dispose();
    this.service?.dispose();
  }
}

/** *Start Work on Ticket…*, loading its half on first use. */
export function lazyStartWork(w: StartWorkWiring): (arg?: unknown) => Promise<string | undefined> {
  let command: ((arg?: unknown) => Promise<string | undefined>) | undefined;
  return (arg) => (command ??= loadWorkflow().startWorkCommand(w))(arg);
}

/** The commands' side of the token and Configure flows. */
export type CredentialCommands = Pick<Credentials, 'setToken' | 'signOut' | 'configure'>;

/** *Set API Token…*, *Remove Stored Tokens* and *Configure*, loading their half on first use. */
export function lazyCredentials(deps: {
  tokens: TokenStore;
  onTokenSet: (routes: RouteName[]) => Promise<void>;
  session: Session;
  log: vscode.LogOutputChannel;
}): CredentialCommands {
  let real: Credentials | undefined;
  const get = (): Credentials => {
    if (!real) {
      const w = loadWorkflow();
      real = new w.Credentials(deps.tokens, deps.onTokenSet, (part?: ConfigurePart) => w.testConnection(deps.session, deps.log, part));
    }
    return real;
  };
  return {
    setToken: (preset) => get().setToken(preset),
    signOut: () => get().signOut(),
    configure: (part) => get().configure(part),
  };
}
