// The worklist tree view ("Tickets by Customer Value"): renders core/worklist.ts's WorklistView, owns
// the sort (remembered per workspace) and the filter, and follows the events the sidebar follows. Data
// reaches the screen as plain labels and an untrusted, escaped tooltip only.
import * as vscode from 'vscode';
import { ProviderError } from '../core/errors';
import type { Providers, Session } from '../core/session';
import { vendorById } from '../core/providers/registry';
import { markdownText } from '../core/viewModel';
import {
  type WorklistRow,
  type WorklistSort,
  WorklistSorts,
  type WorklistView as WorklistWords,
  buildWorklistView,
  isWorklistSort,
  worklistSortLabels,
  worklistTooltip,
} from '../core/worklist';
import { WorklistLoader } from '../core/worklistLoader';
import type { KeyValueStore } from '../core/store';
import { CommandId, ViewId, WorklistCommandId } from '../shared/ids';
import type { FolderContext } from './folderContext';
import { current, t } from './l10n';
import { isolateLines } from '../core/l10n';
import { notify, plainKey } from './notify';
import type { Presenter } from './presenter';

/** The worklist's view and command ids. */
export const WorklistIds = { view: ViewId.worklist, ...WorklistCommandId } as const;

/** Context key set while a filter is active (for a "clear filter" menu entry). */
export const WorklistFilteredKey = 'customerContext.worklist.filtered';

const SortStateKey = 'customerContext.worklist.sort';

/** What the worklist view needs from the rest of the extension. */
export interface WorklistViewDeps {
  session: Session;
  presenter: Presenter;
  folders: FolderContext;
  /** Where the sort mode is remembered (context.workspaceState). */
  workspaceState: vscode.Memento;
  /** Where the last list is kept across restarts (context.globalState). */
  store: KeyValueStore;
  /** A tracker query that overrides "assigned to me" (default: the tracker's own `worklistQuery` setting). */
  query?: () => string | undefined;
  log: vscode.LogOutputChannel;
}

type Node = { kind: 'row'; row: WorklistRow } | { kind: 'message'; text: string; icon: string; command?: vscode.Command };

/** A tree item's label must not be able to draw codicons from data. */
function noIcons(text: string): string {
  return text.replace(/\$\(/g, '$\u200b(');
}

export class WorklistView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly loader: WorklistLoader;
  private readonly tree: vscode.TreeView<Node>;
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private sort: WorklistSort;
  private filter = '';
  private words: WorklistWords | undefined;
  private drawn = '';
  /** A load asked for while the view was hidden (undefined: none), done when it shows; true = forced. */
  private pending: boolean | undefined = false;
  private repository: string | undefined;

  constructor(private readonly deps: WorklistViewDeps) {
    const stored = deps.workspaceState.get<unknown>(SortStateKey);
    this.sort = isWorklistSort(stored) ? stored : WorklistSorts[0];
    this.repository = this.folderPath();
    this.loader = new WorklistLoader({
      providers: () => this.providers(),
      // Each tracker reads its own `worklistQuery` setting (and names it in errors).
      query: () => deps.query?.(),
      cached: (signature, key) => deps.session.cachedContext(signature, key),
      ttlMs: () => deps.folders.sessionOptions().ttlMs(),
      store: deps.store,
      log: deps.log,
    });
    this.tree = vscode.window.createTreeView(WorklistIds.view, { treeDataProvider: this, showCollapseAll: false });
    this.disposables.push(
      this.tree,
      this.changed,
      this.loader.onDidChange(() => this.render()),
      deps.presenter.onDidChange(() => this.render()),
      deps.session.onDidChange(() => this.followSession()),
      deps.folders.onDidReload(({ force }) => this.requestLoad(force)),
      this.tree.onDidChangeVisibility((e) => e.visible && this.flush()),
      vscode.commands.registerCommand(WorklistIds.refresh, () => void this.loader.load(true)),
      vscode.commands.registerCommand(WorklistIds.sortBy, () => this.pickSort()),
      vscode.commands.registerCommand(WorklistIds.filter, () => this.askFilter()),
      vscode.commands.registerCommand(WorklistIds.showTicket, (key: unknown) => this.showTicket(key)),
    );
    this.render();
    if (this.tree.visible) this.flush();
  }

  /** The rows as last rendered, for tests through the extension API. */
  get current(): WorklistWords | undefined {
    return this.words;
  }

  /**
   * The ranked rows for Start Work: the list as shown, or, when it never loaded (the view was never
   * opened), one load first; the last list kept on disk answers at once when it is still fresh.
   */
  async rankedRows(): Promise<readonly WorklistRow[]> {
    if (this.loader.snapshot.status !== 'ready' || !this.loader.snapshot.entries.length) {
      await this.loader.load(false);
      this.render();
    }
    return this.words?.rows ?? [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(noIcons(node.text), vscode.TreeItemCollapsibleState.None);
      item.id = 'message';
      item.iconPath = new vscode.ThemeIcon(node.icon);
      item.tooltip = node.text;
      item.command = node.command;
      return item;
    }
    const { row } = node;
    const item = new vscode.TreeItem(noIcons(row.label), vscode.TreeItemCollapsibleState.None);
    item.id = `ticket:${row.key}`;
    item.description = noIcons(row.description);
    const pinned = this.deps.session.pinnedTicket?.toUpperCase() === row.key.toUpperCase();
    item.iconPath = new vscode.ThemeIcon(
      row.current ? 'git-branch' : pinned ? 'pinned' : row.warnings.length ? 'warning' : 'issues',
    );
    item.contextValue = row.current ? 'worklistTicket.current' : 'worklistTicket';
    item.accessibilityInformation = {
      label: row.current
        ? t("{0}, the current branch's ticket. {1}", row.label, row.description)
        : `${row.label}. ${row.description}`,
    };
    item.command = { command: WorklistIds.showTicket, title: t('Show in Customer Context'), arguments: [row.key] };
    return item;
  }

  /** The tooltip, built on hover only (full amounts cost as much as the rest of the row). */
  resolveTreeItem(item: vscode.TreeItem, node: Node): vscode.TreeItem {
    if (node.kind === 'row') item.tooltip = this.tooltip(node.row);
    return item;
  }

  getChildren(node?: Node): Node[] {
    if (node || !this.words) return [];
    const p = this.words.placeholder;
    if (p) {
      const command =
        p.errorKind === 'notConfigured' ? { command: CommandId.configure, title: t('Configure Tracker and CRM…') }
          : p.errorKind === 'auth' ? { command: CommandId.setToken, title: t('Set API Token…') }
            : p.kind === 'error' ? { command: WorklistIds.refresh, title: t('Retry') }
              : undefined;
      const icon = p.kind === 'loading' ? 'loading~spin' : p.kind === 'error' ? 'error' : 'info';
      return [{ kind: 'message', text: p.text, icon, command }];
    }
    return this.words.rows.map((row) => ({ kind: 'row', row }));
  }

  dispose(): void {
    this.loader.dispose();
    this.disposables.forEach((d) => d.dispose());
  }

  /** An untrusted tooltip: every data-derived line escaped, no HTML, no command links, no codicons. */
  private tooltip(row: WorklistRow): vscode.MarkdownString {
    const md = new vscode.MarkdownString('', false);
    md.isTrusted = false;
    md.supportHtml = false;
    md.value = worklistTooltip(row, this.deps.presenter.current()).map((line) => markdownText(line, 400)).join('\n\n');
    return md;
  }

  /** The folder the list is for: the session's repository, else the first workspace folder. */
  private folderPath(): string | undefined {
    return this.deps.session.current().repository ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  private providers(): Providers | undefined {
    const folder = this.folderPath();
    if (!folder) return undefined;
    const providers = this.deps.folders.providers(folder);
    // Settings already force the data file in Restricted Mode; this makes sure the list never goes remote.
    if (!vscode.workspace.isTrusted && [providers.tracker.kind, providers.crm.kind].some((k) => vendorById(k)?.remote !== false)) {
      throw new ProviderError('notConfigured', t('Restricted Mode: the worklist reads the data file only. Trust this folder to list tickets from a tracker.'));
    }
    return providers;
  }

  /** Loads now when visible, else when the view next shows (a hidden view costs no request). */
  private requestLoad(force: boolean): void {
    this.pending = (this.pending ?? false) || force;
    if (this.tree.visible) this.flush();
  }

  /** Runs the pending load; with none, a fresh list costs nothing and a stale one refreshes behind its rows. */
  private flush(): void {
    const force = this.pending ?? false;
    this.pending = undefined;
    void this.loader.load(force);
  }

  /** A branch switch moves the current-ticket mark; another repository means another folder's list. */
  private followSession(): void {
    const folder = this.folderPath();
    if (folder !== this.repository) {
      this.repository = folder;
      return this.requestLoad(false);
    }
    this.render();
  }

  private render(): void {
    this.words = buildWorklistView(
      this.loader.snapshot,
      { sort: this.sort, filter: this.filter, currentKey: this.deps.session.branchTicketKey() },
      this.deps.presenter.current(),
    );
    this.tree.message = this.words.message ? isolateLines(this.words.message, current().dir) : undefined;
    // Progress alone changes only the message: the rows are redrawn when what they show changes
    // (the language included: their commands' titles and screen reader labels are in it).
    const { rows, placeholder } = this.words;
    const drawn = JSON.stringify([rows, placeholder, this.deps.session.pinnedTicket, current().language]);
    if (drawn !== this.drawn) {
      this.drawn = drawn;
      this.changed.fire(undefined);
    }
  }

  private async pickSort(): Promise<void> {
    const labels = worklistSortLabels(current());
    const picked = await vscode.window.showQuickPick(
      WorklistSorts.map((sort) => ({
        label: labels[sort].label,
        detail: labels[sort].detail,
        description: sort === this.sort ? t('current') : undefined,
        sort,
      })),
      { title: t('Sort Tickets by Customer Value'), placeHolder: t('Sort the worklist by…') },
    );
    if (!picked) return;
    this.sort = picked.sort;
    await this.deps.workspaceState.update(SortStateKey, picked.sort);
    this.render();
  }

  private async askFilter(): Promise<void> {
    const value = await vscode.window.showInputBox({
      title: t('Filter Tickets by Customer Value'),
      value: this.filter,
      prompt: t('Part of a key, title, customer or sales owner. Leave empty to show every ticket.'),
      placeHolder: t('e.g. Globex'),
    });
    if (value === undefined) return; // Escape keeps the filter as it is
    this.filter = value.trim();
    await vscode.commands.executeCommand('setContext', WorklistFilteredKey, this.filter !== '');
    this.render();
  }

  /** Shows a worklist ticket in the sidebar (pinned until the branch changes); from the palette, asks which. */
  private async showTicket(arg: unknown): Promise<void> {
    const rows = this.words?.rows ?? [];
    let key = typeof arg === 'string' ? arg : undefined;
    if (key === undefined) {
      const picked = await vscode.window.showQuickPick(
        rows.map((row) => ({ label: noIcons(row.label), description: noIcons(row.description), key: row.key })),
        { title: t('Show Ticket in Customer Context'), placeHolder: rows.length ? t('Which ticket?') : t('The worklist is empty.') },
      );
      key = picked?.key;
    }
    if (key === undefined) return;
    // Only a ticket of the list: another extension cannot make the sidebar fetch an arbitrary key.
    const known = this.loader.snapshot.entries.find((e) => e.ticket.key.toUpperCase() === key!.toUpperCase());
    if (!known) return void notify('info', t('Ticket {0} is not in the worklist.', plainKey(key)));
    if (!this.deps.session.showTicket(known.ticket.key)) {
      return void notify('info', t('Open a folder with a git repository to show a ticket in Customer Context.'));
    }
    this.render();
    await vscode.commands.executeCommand(`${ViewId.sidebar}.focus`);
  }
}
