// What the worklist asks GitLab for: the project's issues list (`GET /projects/:id/issues`) with
// "assigned to me, open, recently updated first", and the user's own parameters over those. Pure:
// the request is in tracker.ts.
//
// The setting `customerContext.gitlab.worklistQuery` is either
//   - URL query parameters of GitLab's issues list, `labels=клиент&scope=all`, each replacing the
//     default of the same name (so `labels=клиент` still means "mine, open"; add `scope=all` for
//     everyone's), or
//   - plain words without `=`, searched in titles and descriptions (`search=`) among my open issues.
import { ProviderError, isProviderError } from '../../errors';
import { GitLab } from './api';

/** The worklist query setting, named in messages. */
export const WorklistQuerySetting = 'customerContext.gitlab.worklistQuery';

/** The issues list parameters of the default worklist. */
export const DefaultWorklistParams: Readonly<Record<string, string>> = {
  scope: 'assigned_to_me',
  state: 'opened',
  order_by: 'updated_at',
  sort: 'desc',
};

/** Tickets one worklist reads at most. */
export const MaxWorklistTickets = 500;
/** Issues per page at most (GitLab's own limit). */
export const WorklistPageSize = 100;

/** Where the worklist's query came from: the caller, the setting, or the built-in default. */
export type QuerySource = 'option' | 'setting' | 'default';

// The filters of GitLab's issues list (REST v4, "List project issues"); `not[…]` and `or[…]`
// take the names listed with them. Paging stays ours.
const PARAMS = new Set([
  'assignee_id', 'assignee_username', 'author_id', 'author_username', 'confidential',
  'created_after', 'created_before', 'due_date', 'epic_id', 'health_status', 'in', 'issue_type',
  'iteration_id', 'iteration_title', 'labels', 'milestone', 'milestone_id', 'my_reaction_emoji',
  'non_archived', 'order_by', 'scope', 'search', 'sort', 'state', 'updated_after',
  'updated_before', 'weight', 'with_labels_details',
]);
const NOT_PARAMS = new Set([
  'assignee_id', 'assignee_username', 'author_id', 'author_username', 'iteration_id',
  'iteration_title', 'labels', 'milestone', 'milestone_id', 'my_reaction_emoji', 'weight',
]);
const OR_PARAMS = new Set(['assignee_username', 'author_username', 'labels']);
const MAX_QUERY = 2000;

function known(name: string): boolean {
  const m = /^(not|or)\[(\w+)\]$/.exec(name);
  if (!m) return PARAMS.has(name);
  return (m[1] === 'not' ? NOT_PARAMS : OR_PARAMS).has(m[2]);
}

function badQuery(source: QuerySource, problem: string): ProviderError {
  const where = source === 'setting' ? ` in ${WorklistQuerySetting}` : '';
  return new ProviderError(
    source === 'setting' ? 'notConfigured' : 'badRequest',
    `${GitLab}: the worklist query${where} ${problem} Write issue list parameters like ` +
      'labels=клиент&scope=all, or plain words to search.',
    { provider: GitLab, ...(source === 'setting' ? { where: WorklistQuerySetting } : {}) },
  );
}

/**
 * The list parameters (without paging) and where they came from: the caller's query, else the
 * setting, over DefaultWorklistParams. Throws naming the parameter a query gets wrong.
 */
export function worklistParams(
  query: string | undefined,
  setting: string | undefined,
): { params: Record<string, string>; source: QuerySource } {
  const own = query?.trim();
  const configured = setting?.trim();
  const source: QuerySource = own ? 'option' : configured ? 'setting' : 'default';
  const text = own || configured || '';
  const params: Record<string, string> = { ...DefaultWorklistParams };
  if (!text) return { params, source };
  if (text.length > MAX_QUERY) throw badQuery(source, `is longer than ${MAX_QUERY} characters.`);
  if (!text.includes('=')) return { params: { ...params, search: text }, source };
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(text.replace(/^\?/, ''))) {
    const n = name.trim();
    if (n === 'page' || n === 'per_page') {
      throw badQuery(source, `sets "${n}", which the worklist sets itself.`);
    }
    if (!known(n)) {
      const shown = n.slice(0, 60);
      throw badQuery(source, `has "${shown}", which is no filter of GitLab's issues list.`);
    }
    if (seen.has(n)) throw badQuery(source, `sets "${n}" twice; join values with commas.`);
    seen.add(n);
    params[n] = value.trim();
  }
  return { params, source };
}

/** `limit` as a whole number of tickets in [0, MaxWorklistTickets] (NaN reads as none). */
export function worklistLimit(limit: number): number {
  if (!Number.isFinite(limit) || limit <= 0) return 0;
  return Math.min(MaxWorklistTickets, Math.floor(limit));
}

/**
 * A list GitLab refuses (`scope does not have a valid value`) told in terms of its query; from the
 * setting it is a setting to fix. Anything else is rethrown.
 */
export function refusedQuery(e: unknown, source: QuerySource): unknown {
  if (!isProviderError(e, 'badRequest') || source === 'default') return e;
  const vendor = e.details.vendorMessage;
  const said = vendor ? `: ${vendor}` : '.';
  if (source === 'setting') {
    return new ProviderError(
      'notConfigured',
      `${GitLab}: the worklist query in ${WorklistQuerySetting} was refused${said}`,
      { ...e.details, where: WorklistQuerySetting },
    );
  }
  const message = `${GitLab}: the worklist query was refused${said}`;
  return new ProviderError('badRequest', message, e.details);
}
