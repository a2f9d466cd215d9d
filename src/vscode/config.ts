// Reads customerContext.* for a folder. Settings that decide where a credential goes are read from
// user settings only (inspect().globalValue), so a repository's .vscode/settings.json can never redirect
// a token, even if a future VS Code scope or trust bug let its value through.
import * as vscode from 'vscode';
import { MachineSettings, type SettingKey, SettingKeys, type Settings, parseSettings } from '../core/settings';
import { SettingsSection } from '../shared/ids';

export function readSettings(scope?: vscode.Uri): { settings: Settings; problems: string[] } {
  const cfg = vscode.workspace.getConfiguration(SettingsSection, scope ?? null);
  const raw: Partial<Record<SettingKey, unknown>> = {};
  for (const key of SettingKeys) {
    if (MachineSettings.includes(key)) {
      const i = cfg.inspect(key);
      raw[key] = i?.globalValue ?? i?.defaultValue;
    } else {
      raw[key] = cfg.get(key);
    }
  }
  return parseSettings(raw);
}

/** The workspace folder a repository belongs to (settings and the data file are resolved against it). */
export function folderFor(repository: string): vscode.Uri {
  const uri = vscode.Uri.file(repository);
  return vscode.workspace.getWorkspaceFolder(uri)?.uri ?? uri;
}
