// The sidebar webview: pushes full SidebarState snapshots, validates every message it receives, and
// never lets the page open a URL itself (the host looks the URL up and checks its scheme).
import * as vscode from 'vscode';
import type { Session } from '../core/session';
import { buildSidebarState } from '../core/viewModel';
import { renderSidebarHtml } from '../core/webviewHtml';
import { FromWebview, type ToWebview } from '../shared/protocol';
import type { SidebarState } from '../shared/sidebarState';
import { t } from './l10n';
import type { Presenter } from './presenter';

/** What the sidebar asks the rest of the extension to do. */
export interface SidebarActions {
  openTicket(): void;
  openDeal(dealId: string): void;
  mailOwner(dealId: string): void;
  runAction(action: Extract<FromWebview, { type: 'action' }>['action']): void;
  sendQuestion(text: string, includeSelection: boolean): Promise<{ ok: boolean; message: string }>;
  retryQuestion(id: string): Promise<void>;
  discardQuestion(id: string): Promise<void>;
  refresh(): void;
}

export class SidebarView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private posted: SidebarState | undefined;
  private pendingOpenForm = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly resolved = new vscode.EventEmitter<void>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly session: Session,
    private readonly presenter: Presenter,
    private readonly actions: SidebarActions,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(session.onDidChange(() => this.push()), presenter.onDidChange(() => this.push()), this.resolved);
  }

  /** The state last posted to the page; undefined until the view is resolved and its page is ready. */
  get lastPosted(): SidebarState | undefined {
    return this.posted;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const webview = view.webview;
    webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    webview.html = renderSidebarHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'sidebar.css')).toString(),
    });
    const subs = [
      webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw)),
      view.onDidChangeVisibility(() => view.visible && this.push()),
    ];
    view.onDidDispose(() => {
      subs.forEach((d) => d.dispose());
      if (this.view === view) {
        this.view = undefined;
        this.posted = undefined;
      }
    });
    this.resolved.fire();
  }

  /** Reveals the sidebar and opens the question form; false if the view could not be shown. */
  async openAskForm(): Promise<boolean> {
    this.pendingOpenForm = true;
    await vscode.commands.executeCommand('customerContext.sidebar.focus');
    if (!this.view) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 3000);
        const d = this.resolved.event(() => {
          clearTimeout(t);
          d.dispose();
          resolve();
        });
      });
    }
    if (!this.view) {
      this.pendingOpenForm = false;
      return false;
    }
    if (this.ready) this.flushOpenForm();
    return true;
  }

  private flushOpenForm(): void {
    if (!this.pendingOpenForm) return;
    this.pendingOpenForm = false;
    void this.post({ type: 'openAskForm' });
  }

  private post(message: ToWebview): Thenable<boolean> | undefined {
    return this.view?.webview.postMessage(message);
  }

  private push(): void {
    if (!this.view || !this.ready) return;
    this.posted = buildSidebarState(this.session.snapshot, this.presenter.current());
    void this.post({ type: 'state', state: this.posted });
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = FromWebview.safeParse(raw);
    if (!parsed.success) {
      this.log.warn(`Ignored a malformed message from the sidebar (${typeof raw === 'object' && raw && 'type' in raw ? String((raw as { type: unknown }).type).slice(0, 40) : typeof raw}).`);
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        this.push();
        return this.flushOpenForm();
      case 'refresh':
        return this.actions.refresh();
      case 'openTicket':
        return this.actions.openTicket();
      case 'openDeal':
        return this.actions.openDeal(msg.dealId);
      case 'mailOwner':
        return this.actions.mailOwner(msg.dealId);
      case 'action':
        return this.actions.runAction(msg.action);
      case 'sendQuestion': {
        const result = await this.actions.sendQuestion(msg.text, msg.includeSelection).catch((e: Error) => ({
          ok: false,
          message: t('Not sent: {0}', e.message),
        }));
        void this.post({ type: 'sendResult', ok: result.ok, message: result.message } as ToWebview);
        return;
      }
      case 'retryQuestion':
        return this.actions.retryQuestion(msg.id);
      case 'discardQuestion':
        return this.actions.discardQuestion(msg.id);
      default:
        return assertNever(msg);
    }
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}

function assertNever(x: never): never {
  throw new Error(`Unhandled message ${JSON.stringify(x)}`);
}
