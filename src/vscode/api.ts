// What activate() returns (read by the integration tests, and by anyone scripting VS Code), and the
// `customerContext.hasTicket` context key the menus use.
import * as vscode from 'vscode';
import type { Session } from '../core/session';
import { ContextKey } from '../shared/ids';
import type { SidebarState } from '../shared/sidebarState';
import type { SidebarView } from './sidebarView';
import type { TicketStatusItem } from './statusItem';

/** The extension's public API. */
export interface CustomerContextApi {
  readonly state: { statusText: string | undefined; sidebar: SidebarState | undefined };
  onDidChangeState: vscode.Event<void>;
}

/** Follows the session: sets the context key when "has a ticket" flips, and fires onDidChangeState. */
export class ExtensionApi implements CustomerContextApi, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeState = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private hasTicket: boolean | undefined;

  constructor(
    session: Session,
    private readonly status: TicketStatusItem,
    private readonly sidebar: SidebarView,
  ) {
    this.subscription = session.onDidChange((s) => {
      if (this.hasTicket !== !!s.context) {
        this.hasTicket = !!s.context;
        void vscode.commands.executeCommand('setContext', ContextKey.hasTicket, this.hasTicket);
      }
      this.changed.fire();
    });
  }

  get state(): CustomerContextApi['state'] {
    return { statusText: this.status.text, sidebar: this.sidebar.lastPosted };
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
