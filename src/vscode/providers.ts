// Builds the tracker and CRM for a repository from its folder's settings. Local kinds are built here;
// remote kinds come from dist/remote.js, loaded the first time one is configured.
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { localCrm, localTracker } from '../core/dataFile';
import { ProviderError } from '../core/errors';
import { csvCrm } from '../core/providers/csv';
import type { Crm, TicketTracker } from '../core/providers/types';
import type { Providers } from '../core/session';
import { type Settings, credentialUrlProblem } from '../core/settings';
import type { DataFiles } from './dataFiles';
import type * as Remote from './remote';
import type { TokenStore } from './secrets';

export interface ProviderContext {
  folder: vscode.Uri;
  settings: Settings;
  dataFiles: DataFiles;
  tokens: TokenStore;
  /** `owner/repo` from the repository's GitHub remote, if any. */
  githubRemote?: string;
}

let remoteModule: typeof Remote | undefined;
/** Loads the HTTP half of the extension on first use (about 10 ms once; never for data-file users). */
export function loadRemote(): typeof Remote {
  // A computed path keeps esbuild from inlining the module into extension.js.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load of a sibling bundle
  remoteModule ??= require(path.join(__dirname, 'remote.js')) as typeof Remote;
  return remoteModule;
}

/** Absolute path of a folder-relative setting value. */
export function resolveInFolder(folder: vscode.Uri, file: string): string {
  return path.resolve(folder.fsPath, file);
}

export function dataFilePath(folder: vscode.Uri, settings: Settings): string {
  return resolveInFolder(folder, settings.localDataFile || '.vscode/customer-context.json');
}

/** The local inbox sits next to the data file (contract). */
export function inboxPath(folder: vscode.Uri, settings: Settings): string {
  const data = dataFilePath(folder, settings);
  return path.join(path.dirname(data), 'customer-context.questions.jsonl');
}

const UrlSetting = {
  jira: 'jira.baseUrl',
  github: 'github.apiUrl',
  linear: 'linear.apiUrl',
  hubspot: 'hubspot.apiUrl',
  salesforce: 'salesforce.instanceUrl',
  pipedrive: 'pipedrive.apiUrl',
} as const;

function checkUrl(kind: keyof typeof UrlSetting, settings: Settings): void {
  const key = UrlSetting[kind];
  const problem = credentialUrlProblem(`customerContext.${key}`, settings[key]);
  if (problem) throw new ProviderError('notConfigured', `${problem} Set it in your user settings or run "Configure Tracker and CRM…".`, { where: `customerContext.${key}` });
}

/** A token lookup bound to the user-level URL setting of each provider (for the env-variable rule). */
export function tokenLookup(tokens: TokenStore, settings: Settings): Remote.TokenLookup {
  return (provider, url) => tokens.get(provider, url, settings[UrlSetting[provider]]);
}

const built = new Map<string, Providers>();

/** Providers for a folder; the same settings give the same instances, so caches and coalescing hold. */
export function buildProviders(ctx: ProviderContext): Providers {
  const { settings, folder, dataFiles } = ctx;
  const dataFile = dataFilePath(folder, settings);
  const csvFile = settings['csv.file'] ? resolveInFolder(folder, settings['csv.file']) : '';
  const signature = JSON.stringify([
    settings.tracker, settings.crm, dataFile, csvFile, settings['csv.columns'], ctx.githubRemote,
    settings.tracker === 'local' ? null : Object.entries(settings).filter(([k]) => k.startsWith(`${settings.tracker}.`)),
    settings.crm === 'local' || settings.crm === 'csv' ? null : Object.entries(settings).filter(([k]) => k.startsWith(`${settings.crm}.`)),
  ]);
  const existing = built.get(signature);
  if (existing) return existing;
  const display = (file: string) => path.relative(folder.fsPath, file) || file;

  let tracker: TicketTracker;
  if (settings.tracker === 'local') tracker = localTracker(dataFiles.source(dataFile), display(dataFile));
  else {
    checkUrl(settings.tracker, settings);
    tracker = loadRemote().remoteTracker(settings, tokenLookup(ctx.tokens, settings), ctx.githubRemote);
  }

  let crm: Crm;
  if (settings.crm === 'local') crm = localCrm(dataFiles.source(dataFile), display(dataFile));
  else if (settings.crm === 'csv') {
    if (!csvFile) throw new ProviderError('notConfigured', 'customerContext.csv.file is not set: point it at the deals export (CSV).', { where: 'customerContext.csv.file' });
    crm = csvCrm(() => dataFiles.readText(csvFile), settings['csv.columns'], path.basename(csvFile));
  } else {
    checkUrl(settings.crm, settings);
    crm = loadRemote().remoteCrm(settings, tokenLookup(ctx.tokens, settings));
  }
  const providers = { tracker, crm, signature };
  built.set(signature, providers);
  return providers;
}

/** `owner/repo` when a remote URL points at GitHub (or the GitHub Enterprise host of `apiUrl`). */
export function githubRepositoryFromRemotes(remotes: ReadonlyArray<{ name: string; fetchUrl?: string; pushUrl?: string }>, apiUrl: string): string | undefined {
  let apiHost = 'github.com';
  try {
    const h = new URL(apiUrl).hostname;
    apiHost = h === 'api.github.com' ? 'github.com' : h;
  } catch {
    /* default host */
  }
  const ordered = [...remotes].sort((a, b) => (a.name === 'origin' ? -1 : b.name === 'origin' ? 1 : 0));
  for (const r of ordered) {
    const url = r.fetchUrl ?? r.pushUrl ?? '';
    const m = /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|[^@/]+@)([^/:]+)(?::\d+)?[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url);
    if (m && m[1].toLowerCase() === apiHost.toLowerCase()) return `${m[2]}/${m[3]}`;
  }
  return undefined;
}
