// Typed wrapper around acquireVsCodeApi; kept in module scope, never on window.
import type { FromWebview } from '../shared/protocol';

/** What the webview persists across hide/show and reloads: the draft is never lost. */
export interface PersistedState {
  draft: string;
  formOpen: boolean;
  includeSelection: boolean;
  showAllDeals: boolean;
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
  return {
    draft: typeof s.draft === 'string' ? s.draft : '',
    formOpen: s.formOpen === true,
    includeSelection: s.includeSelection !== false,
    showAllDeals: s.showAllDeals === true,
  };
}

export function saveState(state: PersistedState): void {
  vscode.setState(state);
}
