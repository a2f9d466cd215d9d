// Every URL the extension opens passes here: https (or mailto) only, so CRM or ticket data can never
// make VS Code open a command:, file:, vscode: or javascript: link.
import * as vscode from 'vscode';
import { t } from './l10n';
import { notify } from './notify';

export function safeExternalUri(url: string | undefined): vscode.Uri | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'mailto:') return undefined;
  if (parsed.protocol === 'https:' && (parsed.username || parsed.password)) return undefined;
  return vscode.Uri.parse(parsed.toString(), true);
}

/** What a link leads to, in our own words (never data). */
export type LinkTarget = 'the ticket' | 'the deal' | 'the e-mail to the sales owner';

/** Whole sentences per target, so each language words them its own way. */
function refused(what: LinkTarget, hasUrl: boolean): string {
  if (what === 'the ticket') {
    return hasUrl ? t('Customer Context did not open the ticket: only https links are opened.') : t('There is no link to the ticket.');
  }
  if (what === 'the deal') {
    return hasUrl ? t('Customer Context did not open the deal: only https links are opened.') : t('There is no link to the deal.');
  }
  return hasUrl
    ? t('Customer Context did not open the e-mail to the sales owner: only https links are opened.')
    : t('There is no link to the e-mail to the sales owner.');
}

/** Opens an https or mailto link. */
export async function openSafely(url: string | undefined, what: LinkTarget): Promise<void> {
  const uri = safeExternalUri(url);
  if (!uri) {
    // The refused link itself is data: it is not repeated here (notifications render links).
    void notify('warning', refused(what, !!url));
    return;
  }
  await vscode.env.openExternal(uri);
}

export function mailtoFor(email: string | undefined, subject: string): string | undefined {
  if (!email || !/^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/.test(email)) return undefined;
  return `mailto:${encodeURIComponent(email).replace(/%40/g, '@')}?subject=${encodeURIComponent(subject)}`;
}
