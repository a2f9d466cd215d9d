// Locale, clock and the privacy switch: how things are shown, shared by every view.
import * as vscode from 'vscode';
import type { Presentation } from '../core/viewModel';

export class Presenter implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private privacy: boolean;
  private readonly subscription: vscode.Disposable;
  private readonly midnight: ReturnType<typeof setInterval>;

  constructor(readPrivacy: () => boolean) {
    this.privacy = readPrivacy();
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('customerContext.privacy.hideAmounts')) return;
      this.privacy = readPrivacy();
      this.changed.fire();
    });
    // "in 5 days" must not go stale in a window left open overnight.
    this.midnight = setInterval(() => this.changed.fire(), 60 * 60_000);
  }

  current(): Presentation {
    return { locale: vscode.env.language || 'en', now: Date.now(), privacy: this.privacy };
  }

  dispose(): void {
    clearInterval(this.midnight);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
