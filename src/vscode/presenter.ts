// Language, locale, clock and the privacy switch: how things are shown, shared by every view.
import * as vscode from 'vscode';
import type { Presentation } from '../core/viewModel';
import { current as translator, onDidChangeLanguage } from './l10n';

/** What every view renders with; fires when any of it changes (privacy, language, the day). */
export class Presenter implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private privacy: boolean;
  private readonly subscriptions: vscode.Disposable[];
  private readonly midnight: ReturnType<typeof setInterval>;

  constructor(readPrivacy: () => boolean) {
    this.privacy = readPrivacy();
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('customerContext.privacy.hideAmounts')) return;
        this.privacy = readPrivacy();
        this.changed.fire();
      }),
      // The Localizer reads `customerContext.language`; every view re-renders in the new words.
      onDidChangeLanguage(() => this.changed.fire()),
    ];
    // "in 5 days" must not go stale in a window left open overnight.
    this.midnight = setInterval(() => this.changed.fire(), 60 * 60_000);
  }

  current(): Presentation {
    const t = translator();
    return { locale: t.locale, now: Date.now(), privacy: this.privacy, t };
  }

  dispose(): void {
    clearInterval(this.midnight);
    this.subscriptions.forEach((d) => d.dispose());
    this.changed.dispose();
  }
}
