// Per-folder configuration the session reads: settings, compiled ticket patterns, providers, data file
// problems. Settings are read on demand (VS Code caches them); compiled patterns are cached here.
import * as vscode from 'vscode';
import { type CompiledPatterns, compilePatterns } from '../core/branch';
import type { Providers, SessionOptions } from '../core/session';
import type { Settings } from '../core/settings';
import type { ValidationProblem } from '../core/validation';
import { folderFor, readSettings } from './config';
import type { DataFiles } from './dataFiles';
import type { GitWatcher } from './git';
import { buildProviders, dataFilePath, githubRepositoryFromRemotes } from './providers';
import type { TokenStore } from './secrets';

export class FolderContext {
  private patternCache: { key: string; value: CompiledPatterns } | undefined;
  /** Parsed settings per folder: a branch switch reads them several times; a configuration change clears. */
  private readonly settingsCache = new Map<string, { settings: Settings; problems: string[] }>();

  constructor(
    private readonly dataFiles: DataFiles,
    private readonly tokens: TokenStore,
    private readonly git: GitWatcher,
    /** The repository the session shows now. */
    private readonly repository: () => string | undefined,
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

  patterns(): { compiled: CompiledPatterns; projectKeys: string[] } {
    const s = this.settings().settings;
    const key = JSON.stringify(s.ticketPatterns ?? null);
    if (this.patternCache?.key !== key) this.patternCache = { key, value: compilePatterns(s.ticketPatterns) };
    return { compiled: this.patternCache.value, projectKeys: s.projectKeys };
  }

  /** `owner/repo` of the active repository's GitHub remote, when the tracker is GitHub. */
  githubRemote(settings: Settings): string | undefined {
    if (settings.tracker !== 'github') return undefined;
    return githubRepositoryFromRemotes(this.git.activeRepository?.state.remotes ?? [], settings['github.apiUrl']);
  }

  providers(repository: string): Providers {
    const folder = folderFor(repository);
    const settings = this.folderSettings(folder).settings;
    return buildProviders({ folder, settings, dataFiles: this.dataFiles, tokens: this.tokens, githubRemote: this.githubRemote(settings) });
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
    return s.tracker === 'local' || s.crm === 'local' ? this.dataFiles.problems(dataFilePath(folder, s)) : [];
  }

  /** The session's view of the configuration. */
  sessionOptions(): Pick<SessionOptions, 'providers' | 'patterns' | 'dataProblems' | 'settingsProblems' | 'routes' | 'ttlMs'> {
    return {
      providers: (repository) => this.providers(repository),
      patterns: () => this.patterns(),
      dataProblems: () => this.dataProblems(),
      settingsProblems: () => [...this.settings().problems, ...this.patterns().compiled.problems],
      routes: () => this.settings().settings['questions.routes'],
      ttlMs: () => this.settings().settings['cache.ttlSeconds'] * 1000,
    };
  }
}
