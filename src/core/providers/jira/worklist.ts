// What the worklist asks Jira for: the JQL (the user's own, or "my open issues") and how many pages
// of the search it may read. Pure: the search itself is in tracker.ts.
import { ProviderError, isProviderError } from '../../errors';

/** The worklist query setting, named in messages. */
export const WorklistQuerySetting = 'customerContext.jira.worklistQuery';

/**
 * "Assigned to me", not done, recently updated first. `statusCategory` rather than `resolution`:
 * a workflow may close issues without setting a resolution, and every status has a category.
 */
export const DefaultWorklistJql =
  'assignee = currentUser() AND statusCategory != Done ORDER BY updated DESC';

/** Tickets one worklist reads at most, whatever the caller asks. */
export const MaxWorklistTickets = 500;
/** Cloud may answer fewer issues than asked per page (many fields); pages read at most. */
export const MaxWorklistPages = 10;
/** Issues per page asked for: Cloud caps pages of issues with fields at 100. */
export const WorklistPageSize = 100;

/** Where the worklist's query came from: the caller, the setting, or the built-in default. */
export type QuerySource = 'option' | 'setting' | 'default';

/** The JQL to run and where it came from (`query` wins over the setting, then the default). */
export function worklistJql(
  query: string | undefined,
  setting: string | undefined,
): { jql: string; source: QuerySource } {
  const own = query?.trim();
  if (own) return { jql: own, source: 'option' };
  const configured = setting?.trim();
  if (configured) return { jql: configured, source: 'setting' };
  return { jql: DefaultWorklistJql, source: 'default' };
}

/** `limit` as a whole number of tickets in [0, MaxWorklistTickets] (NaN reads as none). */
export function worklistLimit(limit: number): number {
  if (!Number.isFinite(limit) || limit <= 0) return 0;
  return Math.min(MaxWorklistTickets, Math.floor(limit));
}

/**
 * A refused search (bad JQL, an unbounded query, an unknown field) told in terms of its query: a
 * JQL from the setting is a setting to fix (notConfigured naming it). Anything else is rethrown.
 */
export function refusedQuery(e: unknown, label: string, source: QuerySource): unknown {
  if (!isProviderError(e, 'badRequest') || source === 'default') return e;
  const vendor = e.details.vendorMessage;
  const said = vendor ? `: ${vendor}` : '.';
  if (source === 'setting') {
    return new ProviderError(
      'notConfigured',
      `${label}: the worklist JQL in ${WorklistQuerySetting} was refused${said} ` +
        'Fix the query, or clear the setting to list your open issues.',
      { ...e.details, where: WorklistQuerySetting },
    );
  }
  const message = `${label}: the worklist JQL was refused${said}`;
  return new ProviderError('badRequest', message, e.details);
}
