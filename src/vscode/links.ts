// Every URL the extension opens passes here: https (or mailto) only, so CRM or ticket data can never
// make VS Code open a command:, file:, vscode: or javascript: link.
import * as vscode from 'vscode';
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

/** Opens an https or mailto link; `what` is our own words ("the ticket"), never data. */
export async function openSafely(url: string | undefined, what: string): Promise<void> {
  const uri = safeExternalUri(url);
  if (!uri) {
    // The refused link itself is data: it is not repeated here (notifications render links).
    void notify('warning', url ? `Customer Context did not open ${what}: only https links are opened.` : `There is no link to ${what}.`);
    return;
  }
  await vscode.env.openExternal(uri);
}

export function mailtoFor(email: string | undefined, subject: string): string | undefined {
  if (!email || !/^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/.test(email)) return undefined;
  return `mailto:${encodeURIComponent(email).replace(/%40/g, '@')}?subject=${encodeURIComponent(subject)}`;
}
