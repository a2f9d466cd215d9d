// The embedded data files: read once, cached, re-read when the file changes on disk.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DataFileResult, type DataFileSource, parseDataFile } from '../core/dataFile';
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

export class DataFiles implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** A source for the local providers: the cached parse of `file`. */
  source(file: string): DataFileSource {
    return () => this.read(file);
  }

  /** Reads another followed file (a CSV export); a change to it fires onDidChange like the data file. */
  async readText(file: string): Promise<string> {
    this.entry(file);
    return fs.readFile(file, 'utf8');
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
    e.result ??= fs.readFile(file, 'utf8').then(
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
        const result: DataFileResult = { ok: false, problems: [{ path: '(file)', message: `cannot be read: ${err.message}` }] };
        e.last = result;
        return result;
      },
    );
    return e.result;
  }

  dispose(): void {
    for (const e of this.entries.values()) e.watcher.dispose();
    this.entries.clear();
    this.changed.dispose();
  }
}
