// Typed wrapper around acquireVsCodeApi; kept in module scope, never on window.
import type { FromWebview } from '../shared/protocol';

/** What the webview persists across hide/show and reloads: the draft is never lost. */
export interface PersistedState {
  /** The ticket the form is showing; its draft is `drafts[ticket]`. */
  ticket: string;
  /** Unsent text per ticket, so a question typed for one ticket is never sent about another. */
  drafts: Record<string, string>;
  formOpen: boolean;
  includeSelection: boolean;
  /** The ticket whose deal list is expanded ("Show all"). */
  showAllFor?: string;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

export function post(message: FromWebview): void {
  vscode.postMessage(message);
}

export function loadState(): PersistedState {
  const s = (vscode.getState() ?? {}) as Partial<PersistedState>;
  const drafts: Record<string, string> = {};
  if (s.drafts && typeof s.drafts === 'object') {
    for (const [k, v] of Object.entries(s.drafts)) if (typeof v === 'string' && v) drafts[k] = v;
  }
  return {
    ticket: typeof s.ticket === 'string' ? s.ticket : '',
    drafts,
    formOpen: s.formOpen === true,
    includeSelection: s.includeSelection !== false,
    showAllFor: typeof s.showAllFor === 'string' ? s.showAllFor : undefined,
  };
}

export function saveState(state: PersistedState): void {
  vscode.setState(state);
}
