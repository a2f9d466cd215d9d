// Every notification the extension shows goes through here. VS Code renders Markdown links in
// notifications — `command:` links included, so one click could run any command — and text from ticket,
// CRM, answer or file data could carry one. Messages therefore say what happened in our own words and
// point to the sidebar, where data is shown as text; as a last line of defence, link syntax is broken.
import * as vscode from 'vscode';
import { t } from './l10n';

/** The message with Markdown link syntax (`[text](target)`) and autolinks (`<scheme:…>`) made inert. */
export function inert(message: string): string {
  return message.replace(/\]\s*\(/g, '] (').replace(/<(?=[a-z][a-z0-9+.-]*:)/gi, '‹');
}

/** A ticket key for a message: only the characters a key can have (`ACME-42`, `#123`). */
export function plainKey(key: string): string {
  return key.replace(/[^A-Za-z0-9#_-]/g, '').slice(0, 40) || t('the ticket');
}

type Level = 'info' | 'warning' | 'error';

/** Shows a notification; `items` are button labels. */
export function notify(level: Level, message: string, ...items: string[]): Thenable<string | undefined> {
  const text = inert(message);
  if (level === 'error') return vscode.window.showErrorMessage(text, ...items);
  if (level === 'warning') return vscode.window.showWarningMessage(text, ...items);
  return vscode.window.showInformationMessage(text, ...items);
}

/** A modal confirmation. */
export function confirm(message: string, button: string): Thenable<string | undefined> {
  return vscode.window.showWarningMessage(inert(message), { modal: true }, button);
}
