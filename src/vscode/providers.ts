// Builds the tracker and CRM for a repository from its folder's settings.
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { localCrm, localTracker } from '../core/dataFile';
import { ProviderError } from '../core/errors';
import type { Providers } from '../core/session';
import type { Settings } from '../core/settings';
import type { DataFiles } from './dataFiles';
import type { TokenStore } from './secrets';

export interface ProviderContext {
  folder: vscode.Uri;
  settings: Settings;
  dataFiles: DataFiles;
  tokens: TokenStore;
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

export function buildProviders(ctx: ProviderContext): Providers {
  const { settings, folder, dataFiles } = ctx;
  const dataFile = dataFilePath(folder, settings);
  const display = path.relative(folder.fsPath, dataFile) || dataFile;
  const tracker = (() => {
    switch (settings.tracker) {
      case 'local':
        return localTracker(dataFiles.source(dataFile), display);
      default:
        throw new ProviderError('notConfigured', `customerContext.tracker: "${settings.tracker}" is not available in this build.`);
    }
  })();
  const crm = (() => {
    switch (settings.crm) {
      case 'local':
        return localCrm(dataFiles.source(dataFile), display);
      default:
        throw new ProviderError('notConfigured', `customerContext.crm: "${settings.crm}" is not available in this build.`);
    }
  })();
  const signature = JSON.stringify([settings.tracker, settings.crm, dataFile]);
  return { tracker, crm, signature };
}
