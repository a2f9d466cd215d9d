// The sidebar's follow-up actions and what each runs, in one table: the protocol's enum, the state's
// action ids and the host's dispatch all come from it, so a new action cannot be half-wired.
import { CommandId, type CommandName } from './ids';

/** Each sidebar action and the contributed command it runs; `null` = the host handles it itself. */
export const ActionCommands = {
  setToken: 'setToken',
  configure: 'configure',
  refresh: 'refresh',
  setTicketForBranch: 'setTicketForBranch',
  openSettings: null,
  openDataFile: null,
} as const satisfies Record<string, CommandName | null>;

/** A follow-up the person can take from an error state (a key of ActionCommands). */
export type ViewAction = keyof typeof ActionCommands;

/** The actions no contributed command covers: the host must handle each of them itself. */
export type HostAction = {
  [A in ViewAction]: (typeof ActionCommands)[A] extends null ? A : never;
}[ViewAction];

/** Every action name, for the protocol's zod enum. */
export const ViewActions = Object.keys(ActionCommands) as [ViewAction, ...ViewAction[]];

/** The command id an action runs, or undefined when the host handles it itself (see HostAction). */
export function commandForAction(action: ViewAction): (typeof CommandId)[CommandName] | undefined {
  // Own keys only: a name like `toString` that slipped past validation must not find a function.
  const name: CommandName | null = Object.hasOwn(ActionCommands, action) ? ActionCommands[action] : null;
  return name ? CommandId[name] : undefined;
}

/** Whether the host, not a contributed command, carries out `action`. */
export function isHostAction(action: ViewAction): action is HostAction {
  return Object.hasOwn(ActionCommands, action) && ActionCommands[action] === null;
}
