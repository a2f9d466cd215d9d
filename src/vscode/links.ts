// Every URL the extension opens passes here: https (or mailto) only, so CRM or ticket data can never
// make VS Code open a command:, file:, vscode: or javascript: link.
import * as vscode from 'vscode';

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

export async function openSafely(url: string | undefined, what: string): Promise<void> {
  const uri = safeExternalUri(url);
  if (!uri) {
    void vscode.window.showWarningMessage(url ? `Customer Context did not open the ${what}: only https links are opened (${truncate(url)}).` : `There is no link to the ${what}.`);
    return;
  }
  await vscode.env.openExternal(uri);
}

export function mailtoFor(email: string | undefined, subject: string): string | undefined {
  if (!email || !/^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/.test(email)) return undefined;
  return `mailto:${encodeURIComponent(email).replace(/%40/g, '@')}?subject=${encodeURIComponent(subject)}`;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}
