// What the worklist asks GitHub for: one issue search (`GET /search/issues`), scoped to the
// configured repository, "open and assigned to me" unless the user wrote their own qualifiers.
// Search rather than `GET /repos/…/issues?assignee=LOGIN`: it takes `@me` (no `/user` lookup) and
// leaves pull requests out on the server, so 50 issues are one request. It has its own, smaller
// rate limit (30 requests a minute), which a worklist refresh is far from.
import { ProviderError, isProviderError } from '../../errors';

/** The worklist query setting, named in messages. */
export const WorklistQuerySetting = 'customerContext.github.worklistQuery';

/** Qualifiers of the default worklist: open issues assigned to the token's user. */
export const DefaultWorklistQualifiers = 'is:open assignee:@me';

/** Tickets one worklist reads at most (search serves the first 1000 results anyway). */
export const MaxWorklistTickets = 500;
/** Search results per page at most. */
export const WorklistPageSize = 100;

/** Where the worklist's query came from: the caller, the setting, or the built-in default. */
export type QuerySource = 'option' | 'setting' | 'default';

/** Qualifiers that choose repositories themselves: no `repo:` of ours is added then. */
const SCOPED_RE = /(?:^|\s)(?:repo|org|user):\S/i;
/** A `sort:` qualifier: the query orders itself, no `sort` parameter is sent. */
const SORTED_RE = /(?:^|\s)sort:\S/i;

/**
 * The search string: `repo:<repository> is:issue` and the qualifiers (the caller's query, else
 * the setting, else `is:open assignee:@me`). A query naming `repo:`, `org:` or `user:` keeps its
 * own scope. Pull requests never count: `is:issue` is always there.
 */
export function worklistSearch(
  repository: string,
  query: string | undefined,
  setting: string | undefined,
): { q: string; sorted: boolean; source: QuerySource } {
  const own = query?.trim();
  const configured = setting?.trim();
  const source: QuerySource = own ? 'option' : configured ? 'setting' : 'default';
  const qualifiers = (own || configured || DefaultWorklistQualifiers).replace(/\s+/g, ' ');
  const scope = SCOPED_RE.test(qualifiers) ? [] : [`repo:${repository}`];
  return {
    q: [...scope, 'is:issue', qualifiers].join(' '),
    sorted: SORTED_RE.test(qualifiers),
    source,
  };
}

/** `limit` as a whole number of tickets in [0, MaxWorklistTickets] (NaN reads as none). */
export function worklistLimit(limit: number): number {
  if (!Number.isFinite(limit) || limit <= 0) return 0;
  return Math.min(MaxWorklistTickets, Math.floor(limit));
}

/**
 * A search GitHub refuses (422: a repository it cannot search, a query over 256 characters) told
 * in terms of its query; from the setting it is a setting to fix. Anything else is rethrown.
 */
export function refusedQuery(e: unknown, source: QuerySource): unknown {
  if (!isProviderError(e, 'badRequest')) return e;
  const vendor = e.details.vendorMessage;
  const said = vendor ? `: ${vendor}` : '.';
  if (source === 'setting') {
    return new ProviderError(
      'notConfigured',
      `GitHub: the worklist search in ${WorklistQuerySetting} was refused${said} ` +
        'Fix the qualifiers, or clear the setting to list your open issues.',
      { ...e.details, where: WorklistQuerySetting },
    );
  }
  const message = `GitHub: the worklist search was refused${said}`;
  return new ProviderError('badRequest', message, e.details);
}
