// What the worklist asks Linear for: one GraphQL query for 50 issues, each with what its row and
// its deal references need. By default the viewer's assigned issues not completed or canceled;
// with `customerContext.linear.worklistQuery` set, the workspace's issues matching that filter (a
// JSON `IssueFilter`, as Linear's API and its filter docs write them, e.g.
// `{"labels":{"name":{"eq":"клиент"}},"state":{"type":{"nin":["completed","canceled"]}}}`;
// add `"assignee":{"isMe":{"eq":true}}` to keep it to your own). Pure: the request is in tracker.ts.
import { ProviderError, isProviderError } from '../../errors';

/** The worklist query setting, named in messages. */
export const WorklistQuerySetting = 'customerContext.linear.worklistQuery';

/** "Open" in Linear's terms: any state type but completed and canceled. */
export const DefaultWorklistFilter = { state: { type: { nin: ['completed', 'canceled'] } } };

/** Tickets one worklist reads at most. */
export const MaxWorklistTickets = 500;
/** Issues per page: Linear's default page size, and what one list costs in complexity. */
export const WorklistPageSize = 50;
/**
 * Labels and attachments read per issue. Connections multiply complexity (points per node times
 * `first`), so 50 issues × (25 + 25) stays near 3,000 points, well under a query's 10,000;
 * getTicket reads 50 of each for one issue.
 */
export const WorklistNested = 25;

const NODE = `identifier
      title
      url
      state { name }
      assignee { name }
      labels(first: ${WorklistNested}) { nodes { name } }
      attachments(first: ${WorklistNested}) { nodes { url title } }`;

const VARS = '$first: Int!, $after: String, $filter: IssueFilter';

/** The viewer's assigned issues matching `$filter`, most recently updated first. */
export const ASSIGNED_QUERY = `query CustomerContextWorklist(${VARS}) {
  viewer {
    assignedIssues(first: $first, after: $after, filter: $filter, orderBy: updatedAt) {
      nodes {
      ${NODE}
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

/** The workspace's issues matching `$filter` (the user's own), most recently updated first. */
export const FILTERED_QUERY = `query CustomerContextWorklistFilter(${VARS}) {
  issues(first: $first, after: $after, filter: $filter, orderBy: updatedAt) {
    nodes {
      ${NODE}
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Where the worklist's query came from: the caller, the setting, or the built-in default. */
export type QuerySource = 'option' | 'setting' | 'default';

/** The worklist's request: which query, its filter, and where the filter came from. */
export interface WorklistRequest {
  /** `viewer.assignedIssues` (default) or `issues` (a filter of the user's). */
  root: 'assigned' | 'issues';
  filter: Record<string, unknown>;
  source: QuerySource;
}

const MAX_QUERY = 10_000;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function badFilter(source: QuerySource, problem: string): ProviderError {
  const where = source === 'setting' ? ` in ${WorklistQuerySetting}` : '';
  return new ProviderError(
    source === 'setting' ? 'notConfigured' : 'badRequest',
    `Linear: the worklist filter${where} ${problem} Write a JSON issue filter, e.g. ` +
      '{"labels":{"name":{"eq":"клиент"}},"assignee":{"isMe":{"eq":true}}}.',
    { provider: 'Linear', ...(source === 'setting' ? { where: WorklistQuerySetting } : {}) },
  );
}

/** The request for a query (the caller's, else the setting's, else my open assigned issues). */
export function worklistRequest(
  query: string | undefined,
  setting: string | undefined,
): WorklistRequest {
  const own = query?.trim();
  const configured = setting?.trim();
  if (!own && !configured) {
    return { root: 'assigned', filter: DefaultWorklistFilter, source: 'default' };
  }
  const source: QuerySource = own ? 'option' : 'setting';
  const text = (own || configured) as string;
  if (text.length > MAX_QUERY) throw badFilter(source, `is longer than ${MAX_QUERY} characters.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw badFilter(source, `is not JSON (${(e as Error).message}).`);
  }
  if (!isPlainObject(parsed)) throw badFilter(source, 'is not a JSON object.');
  return { root: 'issues', filter: parsed, source };
}

/** `limit` as a whole number of tickets in [0, MaxWorklistTickets] (NaN reads as none). */
export function worklistLimit(limit: number): number {
  if (!Number.isFinite(limit) || limit <= 0) return 0;
  return Math.min(MaxWorklistTickets, Math.floor(limit));
}

/**
 * A filter Linear refuses (a field IssueFilter does not have, a wrong comparator) told in terms of
 * the query; from the setting it is a setting to fix. Anything else is rethrown.
 */
export function refusedQuery(e: unknown, source: QuerySource): unknown {
  if (!isProviderError(e, 'badRequest') || source === 'default') return e;
  const vendor = e.details.vendorMessage;
  const said = vendor ? `: ${vendor}` : '.';
  if (source === 'setting') {
    return new ProviderError(
      'notConfigured',
      `Linear: the worklist filter in ${WorklistQuerySetting} was refused${said}`,
      { ...e.details, where: WorklistQuerySetting },
    );
  }
  const message = `Linear: the worklist filter was refused${said}`;
  return new ProviderError('badRequest', message, e.details);
}
