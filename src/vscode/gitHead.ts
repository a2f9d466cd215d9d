// Reads and watches a repository's HEAD file directly. Reading a file runs nothing, and it lets the
// status bar follow a terminal `git checkout` within milliseconds instead of waiting for the Git
// extension's next refresh (about 4.5 s in VS Code 1.100).
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';

export type HeadState = { kind: 'branch'; branch: string } | { kind: 'detached' };

/** The git directory of a work tree: `.git` itself, or where a `.git` file (worktree, submodule) points. */
export async function gitDirOf(root: string): Promise<string | undefined> {
  const dotGit = path.join(root, '.git');
  const stat = await fs.stat(dotGit).catch(() => undefined);
  if (!stat) return undefined;
  if (stat.isDirectory()) return dotGit;
  const text = await fs.readFile(dotGit, 'utf8').catch(() => '');
  const m = /^gitdir:\s*(.+)$/m.exec(text);
  return m ? path.resolve(root, m[1].trim()) : undefined;
}

/** Parses HEAD's content: `ref: refs/heads/NAME` or a commit id. */
export function parseHead(content: string): HeadState | undefined {
  const text = content.trim();
  const ref = /^ref:\s*refs\/heads\/(.+)$/.exec(text);
  if (ref) return { kind: 'branch', branch: ref[1] };
  if (/^[0-9a-f]{40,64}$/i.test(text)) return { kind: 'detached' };
  return undefined;
}

export async function readHead(gitDir: string): Promise<HeadState | undefined> {
  const content = await fs.readFile(path.join(gitDir, 'HEAD'), 'utf8').catch(() => undefined);
  return content === undefined ? undefined : parseHead(content);
}

/**
 * Calls `onChange` when HEAD may have changed. Git replaces HEAD by renaming HEAD.lock, so the folder
 * is watched, not the file; events for other files are ignored.
 */
export function watchHead(gitDir: string, onChange: () => void): { dispose(): void } {
  let watcher: FSWatcher | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    watcher = watch(gitDir, { persistent: false }, (_event, file) => {
      if (file && file !== 'HEAD' && file !== 'HEAD.lock') return;
      clearTimeout(timer);
      timer = setTimeout(onChange, 15); // coalesce the lock-file create + rename pair
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined; // e.g. a remote or virtual file system: the Git extension's events still work
  }
  return {
    dispose() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
