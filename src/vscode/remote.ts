// Remote trackers, CRMs and question routes: HTTP clients bound to their origin and token.
import type * as vscode from 'vscode';
import type { RouteSenders } from '../core/questions/outbox';
import type { Settings } from '../core/settings';
import { folderFor, readSettings } from './config';
import type { DataFiles } from './dataFiles';
import { buildProviders } from './providers';
import type { TokenStore } from './secrets';

export interface RemoteDeps {
  settings: Settings;
  folder: vscode.Uri;
  tokens: TokenStore;
  log: vscode.LogOutputChannel;
}

/** Senders for the routes that leave this machine (the local inbox is handled by QuestionService). */
export async function remoteSenders(_deps: RemoteDeps): Promise<RouteSenders> {
  return {};
}

/** `configure`'s test call: who the credentials belong to, per provider. */
export async function testConnection(deps: { repository?: string; tokens: TokenStore; dataFiles: DataFiles; log: vscode.LogOutputChannel }): Promise<string[]> {
  if (!deps.repository) return ['Open a git repository to test the connection.'];
  const folder = folderFor(deps.repository);
  const { tracker, crm } = buildProviders({ folder, settings: readSettings(folder).settings, dataFiles: deps.dataFiles, tokens: deps.tokens });
  const lines: string[] = [];
  for (const p of [tracker, crm]) {
    if (!p.whoAmI) continue;
    try {
      lines.push(`${p.label}: signed in as ${await p.whoAmI()}`);
    } catch (e) {
      lines.push(`${p.label}: ${(e as Error).message}`);
    }
  }
  return lines;
}
