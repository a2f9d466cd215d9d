// Current repository and branch from the built-in Git extension (never by running git with a branch
// name), sped up by reading the repository's HEAD file directly.
import * as vscode from 'vscode';
import type { GitState } from '../core/session';
import { type HeadState, gitDirOf, readHead, watchHead } from './gitHead';

// The subset of the Git extension API (extensions/git/src/api/git.d.ts) we use.
interface GitBranch {
  readonly name?: string;
  readonly commit?: string;
  /** The branch it tracks, once pushed with an upstream. */
  readonly upstream?: { readonly remote: string; readonly name: string; readonly commit?: string };
  /** Commits not on the upstream yet / upstream commits not here yet. */
  readonly ahead?: number;
  readonly behind?: number;
}
/** A ref as the API lists it; `type`: 0 local branch, 1 remote-tracking branch, 2 tag (RefType). */
export interface GitRef {
  readonly type: number;
  readonly name?: string;
  readonly commit?: string;
  readonly remote?: string;
}
/** What getRefs lists: `pattern` `refs/heads`, `refs/remotes` or `refs/tags`; `contains` a commit id. */
export interface GitRefQuery {
  readonly contains?: string;
  readonly count?: number;
  readonly pattern?: string | string[];
  readonly sort?: 'alphabetically' | 'committerdate';
}
interface GitRepositoryState {
  readonly HEAD: GitBranch | undefined;
  /** Deprecated (empty in recent VS Code): getRefs replaces it. Older hosts fill it. */
  readonly refs?: ReadonlyArray<GitRef>;
  readonly remotes: ReadonlyArray<{ readonly name: string; readonly fetchUrl?: string; readonly pushUrl?: string }>;
  readonly onDidChange: vscode.Event<void>;
}
export interface GitRepository {
  readonly rootUri: vscode.Uri;
  readonly state: GitRepositoryState;
  getConfig(key: string): Promise<string>;
  /** Creates a branch at `ref` (default HEAD), checking it out when asked; `name` is ours, never data. */
  createBranch(name: string, checkout: boolean, ref?: string): Promise<void>;
  checkout(treeish: string): Promise<void>;
  getBranches?(query: { remote?: boolean }): Promise<Array<{ readonly type: number; readonly name?: string; readonly remote?: string }>>;
  /** `git merge-base` of two refs; called with commit ids only, never a branch name. */
  getMergeBase?(ref1: string, ref2: string): Promise<string | undefined>;
  /** `git for-each-ref` with fixed patterns (and `--contains <commit id>`). */
  getRefs?(query: GitRefQuery, cancellationToken?: vscode.CancellationToken): Promise<GitRef[]>;
}
interface GitApi {
  readonly state: 'uninitialized' | 'initialized';
  readonly onDidChangeState: vscode.Event<'uninitialized' | 'initialized'>;
  readonly repositories: GitRepository[];
  readonly onDidOpenRepository: vscode.Event<GitRepository>;
  readonly onDidCloseRepository: vscode.Event<GitRepository>;
  getRepository(uri: vscode.Uri): GitRepository | null;
}
interface GitExtension {
  readonly enabled: boolean;
  readonly onDidChangeEnablement: vscode.Event<boolean>;
  getAPI(version: 1): GitApi;
}

interface Watched {
  repo?: GitRepository;
  gitDir?: string;
  head?: HeadState;
  disposables: vscode.Disposable[];
}

export class GitWatcher implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<GitState>();
  readonly onDidChange = this.changed.event;
  private readonly remotesChanged = new vscode.EventEmitter<void>();
  /** The remotes of a repository changed (or became known): forges find their project there. */
  readonly onDidChangeRemotes = this.remotesChanged.event;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.remotesChanged];
  private readonly watched = new Map<string, Watched>();
  private api: GitApi | undefined;
  private current: GitState = { kind: 'noFolder' };
  private unavailable: string | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.emit()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.primeFromFolders()),
    );
  }

  get state(): GitState {
    return this.current;
  }

  /** The repository whose branch is shown (for git user and remote lookups). */
  get activeRepository(): GitRepository | undefined {
    const root = this.activeRoot();
    return root ? this.watched.get(root)?.repo : undefined;
  }

  async start(): Promise<void> {
    // Reading HEAD files first shows the ticket before the Git extension has even scanned the workspace.
    await this.primeFromFolders();
    const ext = vscode.extensions.getExtension<GitExtension>('vscode.git');
    if (!ext) {
      // Restricted Mode disables the Git extension; trusting the folder enables it without a reload.
      const later = vscode.extensions.onDidChange(() => {
        if (!vscode.extensions.getExtension('vscode.git')) return;
        later.dispose();
        void this.start();
      });
      this.disposables.push(later);
      return this.setUnavailable('The built-in Git extension is not installed or is disabled.');
    }
    let exports: GitExtension;
    try {
      exports = ext.isActive ? ext.exports : await ext.activate();
    } catch (e) {
      return this.setUnavailable(`The Git extension failed to start: ${String(e)}`);
    }
    this.disposables.push(exports.onDidChangeEnablement((enabled) => (enabled ? this.attach(exports) : this.setUnavailable('Git is disabled (setting git.enabled).'))));
    if (!exports.enabled) return this.setUnavailable('Git is disabled (setting git.enabled).');
    this.attach(exports);
  }

  private setUnavailable(reason: string): void {
    this.log.warn(reason);
    this.unavailable = reason;
    this.emit();
  }

  private attach(exports: GitExtension): void {
    try {
      this.api = exports.getAPI(1);
    } catch (e) {
      return this.setUnavailable(`Git API unavailable: ${String(e)}`);
    }
    this.unavailable = undefined;
    const api = this.api;
    this.disposables.push(
      api.onDidOpenRepository((r) => void this.track(r)),
      api.onDidCloseRepository((r) => this.untrack(r.rootUri.fsPath)),
      api.onDidChangeState(() => this.emit()),
    );
    for (const r of api.repositories) void this.track(r);
    this.emit();
  }

  private async primeFromFolders(): Promise<void> {
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme !== 'file' || this.watched.has(f.uri.fsPath)) continue;
      const gitDir = await gitDirOf(f.uri.fsPath);
      if (gitDir) await this.watchRoot(f.uri.fsPath, gitDir);
    }
    this.emit();
  }

  private async watchRoot(root: string, gitDir: string, repo?: GitRepository): Promise<Watched> {
    let w = this.watched.get(root);
    if (!w) {
      w = { gitDir, disposables: [] };
      this.watched.set(root, w);
      const entry = w;
      const headWatch = watchHead(gitDir, () => void this.rereadHead(root, entry));
      w.disposables.push({ dispose: () => headWatch.dispose() });
      w.head = await readHead(gitDir);
    }
    if (repo && !w.repo) {
      w.repo = repo;
      const entry = w;
      w.disposables.push(this.followRemotes(repo));
      w.disposables.push(repo.state.onDidChange(() => void this.rereadHead(root, entry)));
    }
    return w;
  }

  /** Fires onDidChangeRemotes when the repository's remotes differ from the last seen (none at first). */
  private followRemotes(repo: GitRepository): vscode.Disposable {
    let seen = '[]';
    const check = () => {
      const now = JSON.stringify(repo.state.remotes ?? []);
      if (now === seen) return;
      seen = now;
      this.remotesChanged.fire();
    };
    check();
    return repo.state.onDidChange(check);
  }

  private async track(repo: GitRepository): Promise<void> {
    const root = repo.rootUri.fsPath;
    const gitDir = repo.rootUri.scheme === 'file' ? await gitDirOf(root) : undefined;
    if (gitDir) await this.watchRoot(root, gitDir, repo);
    else {
      const w: Watched = this.watched.get(root) ?? { disposables: [] };
      w.repo = repo;
      w.disposables.push(this.followRemotes(repo));
      w.disposables.push(repo.state.onDidChange(() => this.emit()));
      this.watched.set(root, w);
    }
    this.emit();
  }

  private untrack(root: string): void {
    const w = this.watched.get(root);
    if (!w) return;
    w.disposables.forEach((d) => d.dispose());
    this.watched.delete(root);
    this.emit();
  }

  private async rereadHead(root: string, w: Watched): Promise<void> {
    if (w.gitDir) w.head = await readHead(w.gitDir);
    if (this.watched.get(root) === w) this.emit();
  }

  /** The repository of the active editor, else the first one (in workspace-folder order). */
  private activeRoot(): string | undefined {
    const roots = [...this.watched.keys()];
    if (roots.length === 0) return undefined;
    const doc = vscode.window.activeTextEditor?.document.uri;
    if (doc?.scheme === 'file') {
      const p = doc.fsPath;
      const containing = roots.filter((r) => p === r || p.startsWith(r.endsWith('/') || r.endsWith('\\') ? r : r + (p.includes('\\') ? '\\' : '/')));
      if (containing.length) return containing.sort((a, b) => b.length - a.length)[0];
    }
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    return roots.sort((a, b) => rank(folders, a) - rank(folders, b))[0];
  }

  private compute(): GitState {
    if (!vscode.workspace.workspaceFolders?.length) return { kind: 'noFolder' };
    const root = this.activeRoot();
    if (!root) {
      if (this.unavailable) return { kind: 'gitUnavailable', reason: this.unavailable };
      return { kind: 'noGit' };
    }
    const w = this.watched.get(root)!;
    const head = w.head ?? fromApi(w.repo);
    if (!head) return { kind: 'noGit' };
    return head.kind === 'branch' ? { kind: 'branch', repository: root, branch: head.branch } : { kind: 'detached', repository: root };
  }

  private emit(): void {
    const next = this.compute();
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    this.changed.fire(next);
  }

  dispose(): void {
    for (const w of this.watched.values()) w.disposables.forEach((d) => d.dispose());
    this.watched.clear();
    this.disposables.forEach((d) => d.dispose());
  }
}

function rank(folders: string[], root: string): number {
  const i = folders.findIndex((f) => root === f || root.startsWith(f));
  return i < 0 ? folders.length : i;
}

function fromApi(repo: GitRepository | undefined): HeadState | undefined {
  const head = repo?.state.HEAD;
  if (!head) return undefined;
  return head.name ? { kind: 'branch', branch: head.name } : { kind: 'detached' };
}
