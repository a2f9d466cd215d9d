// Every id the extension contributes, in one place (the contract in ../../README.md lists them for users).

/** Command ids, keyed by the handler name used in src/vscode/commands.ts. */
export const CommandId = {
  refresh: 'customerContext.refresh',
  askSales: 'customerContext.askSales',
  openTicket: 'customerContext.openTicket',
  openDeal: 'customerContext.openDeal',
  setTicketForBranch: 'customerContext.setTicketForBranch',
  clearTicketForBranch: 'customerContext.clearTicketForBranch',
  setToken: 'customerContext.setToken',
  signOut: 'customerContext.signOut',
  configure: 'customerContext.configure',
  showQuestions: 'customerContext.showQuestions',
  copySummary: 'customerContext.copySummary',
  togglePrivacy: 'customerContext.togglePrivacy',
  startWork: 'customerContext.startWork',
  manageProgress: 'customerContext.manageProgress',
} as const;
export type CommandName = keyof typeof CommandId;

export const ViewContainerId = 'customerContext';
export const ViewId = { sidebar: 'customerContext.sidebar', worklist: 'customerContext.worklist' } as const;

/** The worklist view's own commands (registered by src/vscode/worklistView.ts, not the command table). */
export const WorklistCommandId = {
  refresh: 'customerContext.worklist.refresh',
  sortBy: 'customerContext.worklist.sortBy',
  filter: 'customerContext.worklist.filter',
  showTicket: 'customerContext.worklist.showTicket',
} as const;
export const ContextKey = { hasTicket: 'customerContext.hasTicket' } as const;
export const SettingsSection = 'customerContext';
export const StatusItemId = 'customerContext.ticket';
export const StatusItemName = 'Customer Context';
export const OutputChannelName = 'Customer Context';
