// Reads customerContext.* for a folder. Settings that decide where a credential goes are read from
// user settings only (inspect().globalValue), so a repository's .vscode/settings.json can never redirect
// a token, even if a future VS Code scope or trust bug let its value through. In Restricted Mode the
// settings that choose services, routes or timing are read from user settings only too, and remote
// services are off whatever they say.
import * as vscode from 'vscode';
import { MachineSettings, RestrictedSettings, type SettingKey, SettingKeys, type Settings, parseSettings, restrictSettings } from '../core/settings';
import { SettingsSection } from '../shared/ids';
import { t } from './l10n';

export function readSettings(scope?: vscode.Uri): { settings: Settings; problems: string[] } {
  const cfg = vscode.workspace.getConfiguration(SettingsSection, scope ?? null);
  const trusted = vscode.workspace.isTrusted;
  const raw: Partial<Record<SettingKey, unknown>> = {};
  for (const key of SettingKeys) {
    if (MachineSettings.includes(key) || (!trusted && RestrictedSettings.includes(key))) {
      const i = cfg.inspect(key);
      raw[key] = i?.globalValue ?? i?.defaultValue;
    } else {
      raw[key] = cfg.get(key);
    }
  }
  const parsed = parseSettings(raw);
  if (trusted) return parsed;
  // VS Code hides the folder's values of restricted settings from us too, so we cannot tell whether the
  // repository asked for a remote service: the notice is always shown. Its English is core's
  // RestrictedNotice word for word (the e2e tests look for that), written out so the bundles have it.
  const notice = t('Restricted Mode: Customer Context reaches no tracker or CRM and sends no question from a folder you have not trusted; it shows the data file only. Trust the folder to turn remote data on.');
  return { settings: restrictSettings(parsed.settings), problems: [notice, ...parsed.problems] };
}

/** The workspace folder a repository belongs to (settings and the data file are resolved against it). */
export function folderFor(repository: string): vscode.Uri {
  const uri = vscode.Uri.file(repository);
  return vscode.workspace.getWorkspaceFolder(uri)?.uri ?? uri;
}
