// The embedded data files: read once, cached, re-read when the file changes on disk. Both the data
// file and a CSV export may come with the repository, so they are read as untrusted files
// (core/safeFile.ts): a regular file inside the workspace folder that contains it, under a size cap.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DataFileResult, type DataFileSource, parseDataFile } from '../core/dataFile';
import { ProviderError } from '../core/errors';
import { FileCaps, SafeFileError, readFileSafe, within } from '../core/safeFile';
import type { ValidationProblem } from '../core/validation';

/** Watches one file (inside or outside the workspace) and calls back on create, change and delete. */
export function watchFile(file: string, onChange: () => void): vscode.Disposable {
  const pattern = new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file));
  const watcher = vscode.workspace.createFileSystemWatcher(pattern);
  return vscode.Disposable.from(watcher, watcher.onDidCreate(onChange), watcher.onDidChange(onChange), watcher.onDidDelete(onChange));
}

interface Entry {
  result?: Promise<DataFileResult | undefined>;
  last?: DataFileResult;
  watcher: vscode.Disposable;
}

/** The workspace folder whose tree holds `file` (by path; links are checked when reading). */
function folderOf(file: string): string | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
  return folder && within(path.resolve(folder.uri.fsPath), path.resolve(file)) ? folder.uri.fsPath : undefined;
}

const WorkspaceLevels = ['workspaceValue', 'workspaceFolderValue', 'workspaceLanguageValue', 'workspaceFolderLanguageValue'] as const;

/**
 * Whether the setting `customerContext.<setting>` points at `file` from the user's own settings for
 * some folder (and no workspace or folder settings override it there). Only then may a file outside
 * the workspace be read: a repository's `.vscode/settings.json` must not pick a file elsewhere on
 * the machine.
 */
export function chosenByUser(setting: string, file: string): boolean {
  const target = path.resolve(file);
  const scopes: Array<vscode.WorkspaceFolder | undefined> = vscode.workspace.workspaceFolders?.length
    ? [...vscode.workspace.workspaceFolders]
    : [undefined];
  return scopes.some((folder) => {
    const inspected = vscode.workspace.getConfiguration('customerContext', folder?.uri).inspect<string>(setting);
    if (!inspected || WorkspaceLevels.some((k) => inspected[k] !== undefined)) return false;
    const user = inspected.globalValue;
    if (!user) return false;
    return (folder ? path.resolve(folder.uri.fsPath, user) : path.resolve(user)) === target;
  });
}

export class DataFiles implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** A source for the local providers: the cached parse of `file`. */
  source(file: string): DataFileSource {
    return () => this.read(file);
  }

  /**
   * Reads another followed file (an export, see LocalFiles.readText); a change to it fires onDidChange
   * like the data file. It must be a regular file of at most FileCaps.export inside its workspace
   * folder, or, outside every folder, chosen in user settings (chosenByUser). Refusals are
   * ProviderErrors naming the file.
   */
  async readText(file: string, opts: { setting: string; what: string }): Promise<string> {
    this.entry(file);
    const label = path.basename(file);
    const root = folderOf(file);
    const where = `customerContext.${opts.setting}`;
    if (!root && !chosenByUser(opts.setting, file)) {
      throw new ProviderError(
        'notConfigured',
        `${file} is outside the workspace folder; Customer Context reads ${opts.what} outside the workspace only when ${where} is set in your user settings, not in workspace or folder settings.`,
        { provider: label, where },
      );
    }
    try {
      return await readFileSafe(file, {
        root: root ?? path.dirname(file),
        maxBytes: FileCaps.export,
        what: opts.what,
        allowOutside: !root,
      });
    } catch (e) {
      if (!(e instanceof SafeFileError)) throw e;
      this.log.warn(`${file}: ${e.message}`);
      throw new ProviderError('invalidData', e.message, { provider: label });
    }
  }

  /** Problems from the last read (errors when invalid, else warnings such as unknown deal ids). */
  problems(file: string): ValidationProblem[] {
    const last = this.entries.get(file)?.last;
    if (!last) return [];
    return last.ok ? last.warnings : last.problems;
  }

  private entry(file: string): Entry {
    let e = this.entries.get(file);
    if (!e) {
      e = {
        watcher: watchFile(file, () => {
          const cur = this.entries.get(file);
          // Forget the old result and its problems: a fixed file must not show the old error meanwhile.
          if (cur) {
            cur.result = undefined;
            cur.last = undefined;
          }
          this.changed.fire(file);
        }),
      };
      this.entries.set(file, e);
    }
    return e;
  }

  private read(file: string): Promise<DataFileResult | undefined> {
    const e = this.entry(file);
    e.result ??= this.readDataFile(file).then(
      (text) => {
        const result = parseDataFile(text);
        e.last = result;
        if (!result.ok) {
          for (const p of result.problems) this.log.error(`${file}: ${p.path}: ${p.message}`);
        } else {
          for (const p of result.warnings) this.log.warn(`${file}: ${p.path}: ${p.message}`);
        }
        return result;
      },
      (err: NodeJS.ErrnoException) => {
        e.last = undefined;
        if (err.code === 'ENOENT') return undefined;
        const refused = err instanceof SafeFileError;
        if (refused) this.log.warn(`${file}: ${err.message}`);
        const message = refused ? err.message : `cannot be read: ${err.message}`;
        const result: DataFileResult = { ok: false, problems: [{ path: '(file)', message }] };
        e.last = result;
        return result;
      },
    );
    return e.result;
  }

  /** The data file's text: a regular file of at most FileCaps.dataFile inside its workspace folder. */
  private async readDataFile(file: string): Promise<string> {
    const root = folderOf(file);
    if (!root) {
      throw new SafeFileError(
        'outside',
        file,
        `${file} is outside every workspace folder; customerContext.localDataFile must name a file inside the workspace folder.`,
      );
    }
    return readFileSafe(file, { root, maxBytes: FileCaps.dataFile, what: 'the data file' });
  }

  dispose(): void {
    for (const e of this.entries.values()) e.watcher.dispose();
    this.entries.clear();
    this.changed.dispose();
  }
}
