// What the worklist asks YouTrack for: one `GET /api/issues?query=…` with the YouTrack search query
// (the user's own from `customerContext.youtrack.worklistQuery`, else my unresolved issues, most
// recently updated first) and only the attributes a row needs. Pure: the request is in tracker.ts.
import { ProviderError, isProviderError } from '../../errors';

// tracker.ts's label; not imported from there, which imports this file.
const YouTrackProvider = 'YouTrack';

/** The worklist query setting, named in messages. */
export const WorklistQuerySetting = 'customerContext.youtrack.worklistQuery';

/** Assigned to me, unresolved, most recently updated first (YouTrack's search syntax). */
export const DefaultWorklistQuery = 'for: me #Unresolved sort by: updated desc';

/**
 * What a row needs: IssueFields without comments and reporter. Custom fields are not narrowed by
 * name: the state and assignee fields are found by type when an instance renamed them.
 */
export const WorklistFields =
  'idReadable,summary,description,resolved,' +
  'customFields(name,value(name,text,login,fullName,presentation)),tags(name)';

/** Tickets one worklist reads at most. */
export const MaxWorklistTickets = 500;
/** Issues per page (`$top`). */
export const WorklistPageSize = 100;

/** Where the worklist's query came from: the caller, the setting, or the built-in default. */
export type QuerySource = 'option' | 'setting' | 'default';

/** The query to run and where it came from (`query` wins over the setting, then the default). */
export function worklistQuery(
  query: string | undefined,
  setting: string | undefined,
): { query: string; source: QuerySource } {
  const own = query?.trim();
  if (own) return { query: own, source: 'option' };
  const configured = setting?.trim();
  if (configured) return { query: configured, source: 'setting' };
  return { query: DefaultWorklistQuery, source: 'default' };
}

/** `limit` as a whole number of tickets in [0, MaxWorklistTickets] (NaN reads as none). */
export function worklistLimit(limit: number): number {
  if (!Number.isFinite(limit) || limit <= 0) return 0;
  return Math.min(MaxWorklistTickets, Math.floor(limit));
}

/**
 * A query YouTrack refuses (400) told in terms of the query; from the setting it is a setting to
 * fix. Anything else is rethrown.
 */
export function refusedQuery(e: unknown, source: QuerySource): unknown {
  if (!isProviderError(e, 'badRequest') || source === 'default') return e;
  const vendor = e.details.vendorMessage;
  const said = vendor ? `: ${vendor}` : '.';
  if (source === 'setting') {
    return new ProviderError(
      'notConfigured',
      `${YouTrackProvider}: the worklist query in ${WorklistQuerySetting} was refused${said}`,
      { ...e.details, where: WorklistQuerySetting },
    );
  }
  return new ProviderError(
    'badRequest',
    `${YouTrackProvider}: the worklist query was refused${said}`,
    e.details,
  );
}
