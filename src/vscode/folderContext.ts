// Per-folder configuration the session reads: settings, compiled ticket patterns, providers, data file
// problems. Settings are read on demand (VS Code caches them); compiled patterns are cached here.
import * as vscode from 'vscode';
import { type CompiledPatterns, type KeyPreference, compilePatterns } from '../core/branch';
import type { Providers, SessionOptions } from '../core/session';
import { MinCacheTtlSeconds, type Settings } from '../core/settings';
import type { ValidationProblem } from '../core/validation';
import { vendorById } from '../core/providers/registry';
import { folderFor, readSettings } from './config';
import type { DataFiles } from './dataFiles';
import type { GitWatcher } from './git';
import type { Session } from '../core/session';
import type { RouteSender, RouteSenders } from '../core/questions/outbox';
import { type ProviderContext, buildProviders, dataFilePath, forgetProviders, remoteProgressSender, remoteSenders } from './providers';
import type { TokenStore } from './secrets';
import type { KeyValueStore } from '../core/store';

export class FolderContext {
  private patternCache: { key: string; value: CompiledPatterns } | undefined;
  /** Parsed settings per folder: a branch switch reads them several times; a configuration change clears. */
  private readonly settingsCache = new Map<string, { settings: Settings; problems: string[] }>();
  private readonly reloaded = new vscode.EventEmitter<{ why: string; force: boolean }>();
  /**
   * Fires after watch() reloaded the session for a settings, data file, token or trust change, so other
   * views (the worklist) follow the same events; `force` when caches must be skipped.
   */
  readonly onDidReload = this.reloaded.event;

  constructor(
    private readonly dataFiles: DataFiles,
    private readonly tokens: TokenStore,
    private readonly git: GitWatcher,
    /** The repository the session shows now. */
    private readonly repository: () => string | undefined,
    /** Where vendors keep per-account lookups across restarts (context.globalState). */
    private readonly memory?: KeyValueStore,
  ) {}

  settings(repo = this.repository()): { settings: Settings; problems: string[] } {
    return this.folderSettings(repo ? folderFor(repo) : undefined);
  }

  /** The parsed settings of a folder (or the window, without one), cached until invalidate(). */
  folderSettings(folder: vscode.Uri | undefined): { settings: Settings; problems: string[] } {
    const key = folder?.toString() ?? '';
    let entry = this.settingsCache.get(key);
    if (!entry) this.settingsCache.set(key, (entry = readSettings(folder)));
    return entry;
  }

  /** Forgets the parsed settings (on a configuration change). */
  invalidate(): void {
    this.settingsCache.clear();
  }

  patterns(): { compiled: CompiledPatterns; projectKeys: string[]; prefer: KeyPreference } {
    const s = this.settings().settings;
    const key = JSON.stringify(s.ticketPatterns ?? null);
    if (this.patternCache?.key !== key) this.patternCache = { key, value: compilePatterns(s.ticketPatterns) };
    // With a tracker whose issues are numbers, `123-vygruzka-schetov-1c` is #123.
    const prefer = vendorById(s.tracker)?.numericKeys ? 'number' : 'project';
    return { compiled: this.patternCache.value, projectKeys: s.projectKeys, prefer };
  }

  /** What building a folder's providers and senders needs. */
  providerContext(repository: string): ProviderContext {
    const folder = folderFor(repository);
    return {
      folder,
      settings: this.folderSettings(folder).settings,
      dataFiles: this.dataFiles,
      tokens: this.tokens,
      remotes: () => this.git.activeRepository?.state.remotes ?? [],
      memory: this.memory,
    };
  }

  providers(repository: string): Providers {
    return buildProviders(this.providerContext(repository));
  }

  /** The question senders of a folder's HTTP routes (nothing is loaded for data-file routes). */
  senders(folder: vscode.Uri): RouteSenders {
    return remoteSenders({ ...this.providerContext(folder.fsPath), folder, settings: this.folderSettings(folder).settings });
  }

  /** The sender of progress notes for a folder's CRM. */
  progressSender(folder: vscode.Uri): RouteSender {
    return remoteProgressSender({ ...this.providerContext(folder.fsPath), folder, settings: this.folderSettings(folder).settings });
  }

  /**
   * Reloads the session when what it shows may have changed: the effective settings (VS Code also
   * reports mere re-reads of a settings file, which reload nothing), a followed file, a token, the
   * folder's trust, the git state.
   */
  watch(session: Session, log: vscode.LogOutputChannel): vscode.Disposable[] {
    let last = JSON.stringify(this.settings().settings);
    const reload = (why: string, force: boolean) => {
      log.info(`Reloading: ${why}.`);
      session.refresh(force);
      this.reloaded.fire({ why, force });
    };
    return [
      this.reloaded,
      this.git.onDidChange((s) => session.setGitState(s)),
      // The providers' signature holds the remotes (a forge's project comes from them): reload when
      // the Git extension reports them, which is often after the first lookup from .git/HEAD.
      this.git.onDidChangeRemotes(() => reload('the git remotes changed', false)),
      this.dataFiles.onDidChange((file) => reload(`${file} changed`, true)),
      this.tokens.onDidChange((vendor) => {
        forgetProviders();
        reload(`the ${vendor} token changed`, true);
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.invalidate();
        last = JSON.stringify(this.settings().settings);
        reload('the folder is trusted now', true);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('customerContext')) return;
        this.invalidate();
        const now = JSON.stringify(this.settings().settings);
        if (now === last) return;
        last = now;
        forgetProviders();
        reload('customerContext settings changed', false);
      }),
    ];
  }

  dataFile(): vscode.Uri | undefined {
    const r = this.repository();
    if (!r) return undefined;
    const folder = folderFor(r);
    return vscode.Uri.file(dataFilePath(folder, this.folderSettings(folder).settings));
  }

  dataProblems(): ValidationProblem[] {
    const r = this.repository();
    if (!r) return [];
    const folder = folderFor(r);
    const s = this.folderSettings(folder).settings;
    return vendorById(s.tracker)?.dataFile || vendorById(s.crm)?.dataFile ? this.dataFiles.problems(dataFilePath(folder, s)) : [];
  }

  /** The session's view of the configuration. */
  sessionOptions(): Pick<SessionOptions, 'providers' | 'patterns' | 'dataProblems' | 'settingsProblems' | 'routes' | 'ttlMs'> {
    return {
      providers: (repository) => this.providers(repository),
      patterns: () => this.patterns(),
      dataProblems: () => this.dataProblems(),
      settingsProblems: () => [...this.settings().problems, ...this.patterns().compiled.problems],
      routes: () => this.settings().settings['questions.routes'],
      // A floor, so no setting can turn refreshes into a request storm.
      ttlMs: () => Math.max(MinCacheTtlSeconds, this.settings().settings['cache.ttlSeconds']) * 1000,
    };
  }
}
