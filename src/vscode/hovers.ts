// Customer context where a ticket key appears: a hover (code comments, Markdown, the commit message
// box, git-commit files) and a link on the key. Hovers read the session's cache and fetch at most once
// per key; links never fetch. Trusted Markdown may run this extension's two commands, nothing else.
import * as vscode from 'vscode';
import {
  type KeyCandidate,
  type KeyRules,
  HoverCommands,
  MaxTextLine,
  contextMarkdown,
  keyCandidateAt,
  keyCandidates,
  ticketCommandLinks,
  ticketCommandUri,
} from '../core/ticketText';
import { vendorById } from '../core/providers/registry';
import type { Session } from '../core/session';
import { markdownText } from '../core/viewModel';
import type { FolderContext } from './folderContext';
import { safeExternalUri } from './links';
import { t } from './l10n';
import type { Presenter } from './presenter';

/** What the hover and link providers read. */
export interface TicketHoverDeps {
  session: Session;
  presenter: Presenter;
  folders: FolderContext;
}

/** Files, unsaved files, the commit message box and git-commit files. */
export const TicketTextSelector: vscode.DocumentSelector = [
  { scheme: 'file' },
  { scheme: 'untitled' },
  { scheme: 'vscode-scm' },
  { language: 'scminput' },
  { language: 'git-commit' },
];

/** Links per document at most, and characters looked at: a huge log costs a bounded scan. */
const MaxLinks = 500;
const MaxLinkScan = 500_000;

type Lookup = Awaited<ReturnType<Session['contextFor']>>;

/** Registers the hover and the link provider for ticket keys. */
export function registerTicketHovers(deps: TicketHoverDeps): vscode.Disposable[] {
  return [
    vscode.languages.registerHoverProvider(TicketTextSelector, {
      provideHover: (doc, pos, token) => provideHover(deps, doc, pos, token),
    }),
    vscode.languages.registerDocumentLinkProvider(TicketTextSelector, {
      provideDocumentLinks: (doc, token) => provideLinks(deps, doc, token),
    }),
  ];
}

/**
 * The folder whose settings apply and the repository to look keys up in: the document's workspace
 * folder, the commit box's repository (its URI's `rootUri` query), else the session's repository.
 */
function scopeOf(
  deps: TicketHoverDeps,
  doc: vscode.TextDocument,
): { folder?: vscode.Uri; repository?: string } {
  let uri: vscode.Uri | undefined = doc.uri;
  if (doc.uri.scheme === 'vscode-scm') {
    const root = /(?:^|&)rootUri=([^&]+)/.exec(doc.uri.query)?.[1];
    try {
      uri = root ? vscode.Uri.parse(root, true) : undefined;
    } catch {
      uri = undefined;
    }
  }
  const folder = uri ? vscode.workspace.getWorkspaceFolder(uri)?.uri : undefined;
  if (folder) return { folder, repository: folder.fsPath };
  const repository = deps.session.current().repository;
  if (!repository) return {};
  return { folder: vscode.workspace.getWorkspaceFolder(vscode.Uri.file(repository))?.uri, repository };
}

function rulesFor(
  deps: TicketHoverDeps,
  folder: vscode.Uri | undefined,
): Pick<KeyRules, 'projectKeys' | 'numericKeys'> {
  const s = deps.folders.folderSettings(folder).settings;
  return { projectKeys: s.projectKeys, numericKeys: !!vendorById(s.tracker)?.numericKeys };
}

/** Why a listed key has no context, in our words (the key at most); undefined shows no hover. */
function problemText(kind: NonNullable<Lookup['error']>['kind']): string | undefined {
  switch (kind) {
    case 'notFound': return t('Ticket not found.');
    case 'auth': return t('The tracker or CRM refused the token. Run *Set API Token…*.');
    case 'forbidden': return t('The token may not see this ticket or its deals.');
    case 'offline': return t('Offline: the tracker or CRM cannot be reached.');
    case 'rateLimited': return t('The tracker or CRM asked to slow down. Try again in a minute.');
    case 'server':
    case 'invalidResponse':
    case 'badRequest': return t('The tracker or CRM could not answer. The sidebar says more.');
    case 'invalidData': return t('The data file is invalid. The sidebar says where.');
    default: return undefined;
  }
}

async function provideHover(
  deps: TicketHoverDeps,
  doc: vscode.TextDocument,
  pos: vscode.Position,
  token: vscode.CancellationToken,
): Promise<vscode.Hover | undefined> {
  const scope = scopeOf(deps, doc);
  const candidate = keyCandidateAt(doc.lineAt(pos.line).text, pos.character, rulesFor(deps, scope.folder));
  if (!candidate) return undefined;
  // A cached key answers at once; an unknown one is fetched once and remembered, found or not.
  const found = await deps.session.contextFor(candidate.key, { fetch: true, repository: scope.repository });
  if (token.isCancellationRequested) return undefined;
  if (!found.context) {
    // An unlisted key the tracker did not confirm is no key at all: nothing to say.
    const problem = candidate.listed && found.error ? problemText(found.error.kind) : undefined;
    if (!problem) return undefined;
    const md = `**${markdownText(candidate.key)}**: ${problem}\n`;
    return new vscode.Hover(trusted(md), rangeOf(pos.line, candidate));
  }
  const p = deps.presenter.current();
  const ttl = deps.folders.sessionOptions().ttlMs();
  const stale = found.fetchedAt !== undefined && p.now - found.fetchedAt >= ttl;
  const md = contextMarkdown(found.context, p, { dataFrom: stale ? found.fetchedAt : undefined });
  const links = ticketCommandLinks(candidate.key);
  return new vscode.Hover(trusted(`${md}\n${links}`), rangeOf(pos.line, candidate));
}

/** Markdown whose only runnable links are HoverCommands; data in it is escaped by the caller. */
function trusted(md: string): vscode.MarkdownString {
  const ms = new vscode.MarkdownString(md);
  ms.isTrusted = { enabledCommands: [...HoverCommands] };
  ms.supportHtml = false;
  ms.supportThemeIcons = false;
  return ms;
}

function rangeOf(line: number, c: KeyCandidate): vscode.Range {
  return new vscode.Range(line, c.start, line, c.end);
}

async function provideLinks(
  deps: TicketHoverDeps,
  doc: vscode.TextDocument,
  token: vscode.CancellationToken,
): Promise<vscode.DocumentLink[]> {
  const scope = scopeOf(deps, doc);
  const rules = rulesFor(deps, scope.folder);
  const found: Array<{ line: number; candidate: KeyCandidate }> = [];
  let scanned = 0;
  for (let line = 0; line < doc.lineCount && found.length < MaxLinks && scanned < MaxLinkScan; line++) {
    if (token.isCancellationRequested) return [];
    const text = doc.lineAt(line).text;
    scanned += Math.min(text.length, MaxTextLine) + 1;
    for (const candidate of keyCandidates(text, rules)) found.push({ line, candidate });
  }
  // Links never fetch: an unlisted key counts once a hover or the branch has put its context in the cache.
  const lookups = new Map<string, Lookup>();
  for (const { candidate } of found) {
    if (!lookups.has(candidate.key)) {
      const { repository } = scope;
      const cached = await deps.session.contextFor(candidate.key, { fetch: false, repository });
      lookups.set(candidate.key, cached);
    }
  }
  if (token.isCancellationRequested) return [];
  const links: vscode.DocumentLink[] = [];
  for (const { line, candidate } of found.slice(0, MaxLinks)) {
    const context = lookups.get(candidate.key)?.context;
    if (!candidate.listed && !context) continue;
    const target = linkTarget(candidate.key, context?.ticket.url);
    if (!target) continue;
    const link = new vscode.DocumentLink(rangeOf(line, candidate), target);
    link.tooltip = t('Open ticket {0}', candidate.key);
    links.push(link);
  }
  return links;
}

/** The ticket's https URL when it has one, else our *Open ticket* command with the key. */
function linkTarget(key: string, url: string | undefined): vscode.Uri | undefined {
  const external = safeExternalUri(url);
  if (external?.scheme === 'https') return external;
  const command = ticketCommandUri('openTicket', key);
  return command ? vscode.Uri.parse(command, true) : undefined;
}
