// Builds the tracker, CRM and question senders of a repository from its folder's settings through the
// vendor registry. HTTP vendors come from dist/remote.js, loaded the first time one is configured.
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { type ComposeEnv, buildCrm, buildProgressSender, buildSenders, buildTracker, type GitRemote } from '../core/providers/compose';
import type { RouteSender, RouteSenders } from '../core/questions/outbox';
import type { Providers } from '../core/session';
import type { Settings } from '../core/settings';
import type { KeyValueStore } from '../core/store';
import type { DataFiles } from './dataFiles';
import type * as Remote from './remote';
import type { TokenStore } from './secrets';

export interface ProviderContext {
  folder: vscode.Uri;
  settings: Settings;
  dataFiles: DataFiles;
  tokens: TokenStore;
  /** The repository's git remotes (forges find their project there). */
  remotes: () => readonly GitRemote[];
  /** Where vendors keep per-account lookups across restarts (context.globalState). */
  memory?: KeyValueStore;
}

let remoteModule: typeof Remote | undefined;
/** Loads the HTTP half of the extension on first use (about 10 ms once; never for data-file users). */
export function loadRemote(): typeof Remote {
  // A computed path keeps esbuild from inlining the module into extension.js.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load of a sibling bundle
  remoteModule ??= require(path.join(__dirname, 'remote.js')) as typeof Remote;
  return remoteModule;
}

/** Forgets the shared HTTP clients (after a token or settings change), if the HTTP half is loaded. */
export function resetClients(): void {
  remoteModule?.remote.clear();
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

/** What the registry's factories need from VS Code for one folder. */
function composeEnv(ctx: ProviderContext): ComposeEnv {
  const { folder, settings, dataFiles, tokens } = ctx;
  const dataFile = dataFilePath(folder, settings);
  return {
    files: {
      dataFile: dataFiles.source(dataFile),
      dataFileLabel: path.relative(folder.fsPath, dataFile) || dataFile,
      resolve: (file) => resolveInFolder(folder, file),
      readText: (file, opts) => dataFiles.readText(file, opts),
    },
    tokens: (vendor, url) => tokens.get(vendor, url, settings),
    webhook: (vendor) => tokens.getWebhook(vendor),
    remotes: ctx.remotes,
    remote: () => loadRemote().remote,
    env: (name) => process.env[name],
    memory: ctx.memory,
  };
}

const built = new Map<string, Providers>();

/** Providers for a folder; the same settings give the same instances, so caches and coalescing hold. */
export function buildProviders(ctx: ProviderContext): Providers {
  const { settings, folder } = ctx;
  const signature = JSON.stringify([folder.toString(), settings, ctx.remotes()]);
  const existing = built.get(signature);
  if (existing) return existing;
  const env = composeEnv(ctx);
  const providers = { tracker: buildTracker(settings, env), crm: buildCrm(settings, env), signature };
  built.set(signature, providers);
  return providers;
}

/** Forgets built providers (a token changed: clients and their caches start afresh). */
export function forgetProviders(): void {
  built.clear();
  resetClients();
}

/** The progress-note sender of a folder's CRM (fails "Not configured" when the CRM has none). */
export function remoteProgressSender(ctx: ProviderContext): RouteSender {
  return buildProgressSender(ctx.settings, composeEnv(ctx));
}

/** The question senders of a folder's HTTP routes. */
export function remoteSenders(ctx: ProviderContext): RouteSenders {
  return buildSenders(ctx.settings, composeEnv(ctx));
}
