// The one status bar item: ticket, top customer and amount at stake; click reveals the sidebar.
import * as vscode from 'vscode';
import type { Session } from '../core/session';
import { statusBarView } from '../core/viewModel';
import { StatusItemId, StatusItemName, ViewId } from '../shared/ids';
import { current, t } from './l10n';
import { isolateLines } from '../core/l10n';
import type { Presenter } from './presenter';

export class TicketStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(StatusItemId, vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The text as shown, without codicons (read by the integration tests through the extension API). */
  text: string | undefined;

  constructor(
    private readonly session: Session,
    private readonly presenter: Presenter,
    private readonly showWhenNoTicket: () => boolean,
  ) {
    this.item.name = StatusItemName;
    this.subscriptions.push(session.onDidChange(() => this.render()), presenter.onDidChange(() => this.render()));
    this.render();
  }

  render(): void {
    const view = statusBarView(this.session.snapshot, this.presenter.current(), { showWhenNoTicket: this.showWhenNoTicket() });
    this.text = view?.text;
    if (!view) return this.item.hide();
    // Set on each render: the title follows `customerContext.language`.
    this.item.command = { command: `${ViewId.sidebar}.focus`, title: t('Show Customer Context') };
    const icon = view.warning ? '$(warning)' : this.session.snapshot.status === 'loading' || this.session.snapshot.refreshing ? '$(sync~spin)' : '$(briefcase)';
    this.item.text = `${icon} ${view.text.replace(/\$\(/g, '$\u200b(')}`; // CRM text must not inject codicons
    // A plain string: never a trusted MarkdownString with remote data.
    this.item.tooltip = isolateLines(view.tooltip, current().dir);
    this.item.accessibilityInformation = { label: t('Customer Context: {0}', view.text), role: 'button' };
    this.item.show();
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    this.item.dispose();
  }
}
