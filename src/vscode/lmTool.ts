// The language model tool: a ticket's customer context as plain text for chat agents
// (`#customerContext`). Same data and rules as the hover: the session's cache first, at most one fetch
// per key, *Hide amounts* honoured, and in Restricted Mode the data file only (the folder's settings
// already say so).
import * as vscode from 'vscode';
import type { Session } from '../core/session';
import { contextPlainText, noContextText, toolTicketKey } from '../core/ticketText';
import { t } from './l10n';
import type { Presenter } from './presenter';

/** The tool's name, as in package.json's `languageModelTools`. */
export const LmToolName = 'customerContext_ticketContext';

/** What a model passes: an optional ticket key. */
export interface TicketContextInput {
  ticket?: string;
}

/** What the tool reads. */
export interface LmToolDeps {
  session: Session;
  presenter: Presenter;
  /** The current folder's cache TTL: older data is labelled as not refreshed. */
  ttlMs: () => number;
}

/** Registers the tool with `vscode.lm.registerTool`. */
export function registerLmTool(deps: LmToolDeps): vscode.Disposable {
  // Editors built on VS Code may report 1.95 without the language model API: no tool, nothing broken.
  if (typeof vscode.lm?.registerTool !== 'function') return new vscode.Disposable(() => undefined);
  return vscode.lm.registerTool<TicketContextInput>(LmToolName, {
    prepareInvocation: (options) => {
      let key: string | undefined;
      try {
        key = toolTicketKey(options.input, deps.session.branchTicketKey());
      } catch {
        key = undefined; // invoke() reports the bad input
      }
      return {
        invocationMessage: key
          ? t('Reading the customer context of {0}', key)
          : t('Reading the customer context of the current ticket'),
      };
    },
    invoke: async (options, token) => {
      const current = deps.session.current();
      const key = toolTicketKey(options.input, current.key);
      const text = key
        ? await contextText(deps, key, token)
        : noContextText(undefined, undefined, !!current.branch);
      return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
    },
  });
}

async function contextText(deps: LmToolDeps, key: string, token: vscode.CancellationToken): Promise<string> {
  if (token.isCancellationRequested) throw new vscode.CancellationError();
  // The lookup is shared and cached: cancelling stops the waiting, not the one request it makes.
  let subscription: vscode.Disposable | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    subscription = token.onCancellationRequested(() => reject(new vscode.CancellationError()));
  });
  let found: Awaited<ReturnType<Session['contextFor']>>;
  try {
    found = await Promise.race([deps.session.contextFor(key, { fetch: true }), cancelled]);
  } finally {
    subscription?.dispose();
  }
  if (!found.context) return noContextText(key, found.error?.kind);
  const p = deps.presenter.current();
  const stale = found.fetchedAt !== undefined && p.now - found.fetchedAt >= deps.ttlMs();
  return contextPlainText(found.context, p, { dataFrom: stale ? found.fetchedAt : undefined });
}
