// Linear over GraphQL: one POST per ticket, and one for a worklist of 50 (worklist.ts). GraphQL
// errors arrive in `errors[]` with HTTP 200 or 400 (and 401 for a bad key), so classification
// reads the body, not just the status.
import * as z from 'zod/mini';
import type { ProviderErrorKind } from '../../errors';
import { ProviderError } from '../../errors';
import { readToken, type HttpClient, type HttpResponse, type ProviderHttpOptions, type TokenSource } from '../../http';
import type { Ticket } from '../../model';
import { dealRefsFromLabels, extractDealRefsFromText } from '../dealRefs';
import type { TicketTracker } from '../types';
import {
  ASSIGNED_QUERY,
  FILTERED_QUERY,
  WorklistPageSize,
  refusedQuery,
  worklistLimit,
  worklistRequest,
} from './worklist';

/** The Linear settings the tracker and its HTTP options need. */
export interface LinearSettings {
  /** GraphQL endpoint, `https://api.linear.app/graphql`. */
  apiUrl: string;
  /** A JSON IssueFilter for the worklist instead of "my open assigned issues" (worklist.ts). */
  worklistQuery?: string;
}

const KEY_RE = /^[A-Z][A-Z0-9_]*-\d+$/;

/** The query behind getTicket; the operation name lets fakes and logs tell it apart. */
export const ISSUE_QUERY = `query CustomerContextIssue($id: String!) {
  issue(id: $id) {
    identifier
    title
    url
    state { name }
    assignee { name }
    labels(first: 50) { nodes { name } }
    attachments(first: 50) { nodes { url title } }
    comments(first: 50) { nodes { id body createdAt user { name } } }
  }
}`;

const VIEWER_QUERY = `query CustomerContextViewer {
  viewer { name email }
}`;

const nodes = <T extends z.core.SomeType>(item: T) => z.looseObject({ nodes: z.array(item) });
const issueObject = z.looseObject({
  identifier: z.string(),
  title: z.string(),
  url: z.string(),
  state: z.optional(z.nullable(z.looseObject({ name: z.string() }))),
  assignee: z.optional(z.nullable(z.looseObject({ name: z.string() }))),
  labels: z.optional(z.nullable(nodes(z.looseObject({ name: z.string() })))),
  attachments: z.optional(
    z.nullable(
      nodes(z.looseObject({ url: z.string(), title: z.optional(z.nullable(z.string())) })),
    ),
  ),
  comments: z.optional(
    z.nullable(
      nodes(
        z.looseObject({
          id: z.string(),
          body: z.string(),
          createdAt: z.string(),
          user: z.optional(z.nullable(z.looseObject({ name: z.string() }))),
        }),
      ),
    ),
  ),
});
const issueSchema = z.looseObject({
  data: z.looseObject({ issue: z.nullable(issueObject) }),
});
const connection = z.looseObject({
  nodes: z.array(issueObject),
  pageInfo: z.optional(
    z.nullable(
      z.looseObject({
        hasNextPage: z.boolean(),
        endCursor: z.optional(z.nullable(z.string())),
      }),
    ),
  ),
});
const assignedSchema = z.looseObject({
  data: z.looseObject({ viewer: z.looseObject({ assignedIssues: connection }) }),
});
const filteredSchema = z.looseObject({ data: z.looseObject({ issues: connection }) });
const viewerSchema = z.looseObject({
  data: z.looseObject({
    viewer: z.looseObject({ name: z.string(), email: z.optional(z.nullable(z.string())) }),
  }),
});

interface GqlError {
  message?: unknown;
  extensions?: { code?: unknown; type?: unknown; userPresentableMessage?: unknown };
}

function firstError(data: unknown): GqlError | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const errors = (data as { errors?: unknown }).errors;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  return typeof first === 'object' && first !== null ? (first as GqlError) : undefined;
}

/** Maps a GraphQL error (code or SDK `type`) to an error kind; undefined lets the status decide. */
export function linearClassify(res: HttpResponse): ProviderErrorKind | undefined {
  const err = firstError(res.data);
  if (!err) return undefined;
  const code = String(err.extensions?.code ?? '').toUpperCase();
  const type = String(err.extensions?.type ?? '').toLowerCase();
  const message = String(err.message ?? '');
  if (code === 'RATELIMITED' || type === 'ratelimited') return 'rateLimited';
  if (code === 'AUTHENTICATION_ERROR' || type === 'authentication error') return 'auth';
  if (code === 'FORBIDDEN' || type === 'forbidden' || type === 'feature not accessible') {
    return 'forbidden';
  }
  const shown = String(err.extensions?.userPresentableMessage ?? '');
  if (/entity not found|could not find/i.test(message) || /could not find/i.test(shown)) {
    return 'notFound';
  }
  if (type === 'internal error' || type === 'lock timeout' || code === 'INTERNAL_SERVER_ERROR') {
    return 'server';
  }
  if (type === 'usage limit exceeded') return 'rateLimited';
  // A partial answer (data plus errors for some field) is still usable.
  const data = (res.data as { data?: unknown }).data;
  const hasData =
    typeof data === 'object' && data !== null && Object.values(data).some((v) => v !== null);
  return hasData ? undefined : 'badRequest';
}

/** The message Linear means for people, else the GraphQL message. */
export function linearVendorMessage(_status: number, data: unknown): string | undefined {
  const err = firstError(data);
  if (err) {
    const shown = err.extensions?.userPresentableMessage ?? err.message;
    return typeof shown === 'string' ? shown : undefined;
  }
  return typeof data === 'string' ? data.trim() || undefined : undefined;
}

function epochMs(v: string | undefined): number | undefined {
  const n = Number(v);
  if (!v || !Number.isFinite(n) || n <= 0) return undefined;
  // Linear documents epoch milliseconds; accept seconds too.
  return n < 1e12 ? n * 1000 : n;
}

/** HTTP options for Linear: raw API key (no Bearer), GraphQL error kinds, reset headers. */
export function linearHttpOptions(
  settings: LinearSettings,
  token: TokenSource,
): ProviderHttpOptions {
  return {
    provider: 'Linear',
    baseUrl: settings.apiUrl,
    baseUrlSetting: 'customerContext.linear.apiUrl',
    auth: async () => {
      const t = await readToken('Linear', token);
      // Personal API keys go as-is; OAuth tokens (lin_oauth_…) need Bearer.
      return { Authorization: t.startsWith('lin_oauth_') ? `Bearer ${t}` : t };
    },
    classify: linearClassify,
    vendorMessage: linearVendorMessage,
    rateLimitReset: (headers, now) => {
      // Two budgets (requests, complexity): wait for the later reset of those that ran out.
      const spent = (budget: string) =>
        headers[`x-ratelimit-${budget}-remaining`] === '0'
          ? epochMs(headers[`x-ratelimit-${budget}-reset`])
          : undefined;
      const resets = [spent('requests'), spent('complexity')].filter(
        (x): x is number => x !== undefined,
      );
      const requestsReset = epochMs(headers['x-ratelimit-requests-reset']);
      const at = resets.length ? Math.max(...resets) : requestsReset;
      return at !== undefined && at > now ? at : undefined;
    },
  };
}

/** The ticket for an issue answer (comments as far as they were asked for). */
function toTicket(issue: z.infer<typeof issueObject>): Ticket {
  const labels = (issue.labels?.nodes ?? []).map((l) => l.name);
  const attachmentUrls = (issue.attachments?.nodes ?? []).map((a) => a.url);
  return {
    key: issue.identifier,
    title: issue.title,
    status: issue.state?.name,
    url: issue.url,
    assignee: issue.assignee?.name,
    labels,
    // Attachments also hold pull requests and chat threads: only CRM links count as deals.
    dealRefs: [
      ...new Set([
        ...dealRefsFromLabels(labels),
        ...extractDealRefsFromText(attachmentUrls.join('\n')),
      ]),
    ],
    comments: (issue.comments?.nodes ?? []).map((c) => ({
      id: c.id,
      author: c.user?.name ?? 'Linear',
      created: c.createdAt,
      text: c.body,
    })),
  };
}

/** A Linear tracker for keys like `ENG-42`. */
export function linearTracker(
  http: HttpClient,
  settings: Pick<LinearSettings, 'worklistQuery'> = {},
): TicketTracker {
  return {
    kind: 'linear',
    label: 'Linear',
    async getTicket(key: string, signal?: AbortSignal): Promise<Ticket> {
      const id = key.trim().toUpperCase();
      if (!KEY_RE.test(id)) {
        const message = `Linear: "${key}" is not a Linear issue key (like ENG-42).`;
        throw new ProviderError('notFound', message, { provider: 'Linear' });
      }
      let res: z.infer<typeof issueSchema>;
      try {
        res = await http.json(
          {
            method: 'POST',
            path: '',
            body: { query: ISSUE_QUERY, variables: { id }, operationName: 'CustomerContextIssue' },
            // A query changes nothing: safe to retry and coalesce.
            idempotent: true,
            signal,
          },
          issueSchema,
        );
      } catch (e) {
        if (e instanceof ProviderError && e.kind === 'notFound') {
          const vendor = e.details.vendorMessage;
          const message = `Linear: ${id} was not found.${vendor ? ` ${vendor}` : ''}`;
          throw new ProviderError('notFound', message, e.details);
        }
        throw e;
      }
      const issue = res.data.issue;
      if (!issue) {
        throw new ProviderError('notFound', `Linear: ${id} was not found.`, { provider: 'Linear' });
      }
      return toTicket(issue);
    },
    async listMine(options, signal) {
      const max = worklistLimit(options.limit);
      if (max === 0) return [];
      const { root, filter, source } = worklistRequest(options.query, settings.worklistQuery);
      const out: Ticket[] = [];
      let after: string | undefined;
      try {
        while (out.length < max) {
          const variables = { first: Math.min(WorklistPageSize, max - out.length), after, filter };
          const [query, operationName] =
            root === 'assigned'
              ? [ASSIGNED_QUERY, 'CustomerContextWorklist']
              : [FILTERED_QUERY, 'CustomerContextWorklistFilter'];
          const body = { query, variables, operationName };
          // A query changes nothing: safe to retry and coalesce.
          const req = { method: 'POST' as const, path: '', body, idempotent: true, signal };
          const page =
            root === 'assigned'
              ? (await http.json(req, assignedSchema)).data.viewer.assignedIssues
              : (await http.json(req, filteredSchema)).data.issues;
          out.push(...page.nodes.map(toTicket));
          const next = page.pageInfo?.hasNextPage ? page.pageInfo.endCursor : undefined;
          if (!next || !page.nodes.length || next === after) break;
          after = next;
        }
      } catch (e) {
        throw refusedQuery(e, source);
      }
      return out.slice(0, max);
    },
    async whoAmI(signal?: AbortSignal): Promise<string> {
      const body = { query: VIEWER_QUERY, operationName: 'CustomerContextViewer' };
      const res = await http.json(
        { method: 'POST', path: '', body, idempotent: true, signal },
        viewerSchema,
      );
      const v = res.data.viewer;
      return v.email ? `${v.name} <${v.email}>` : v.name;
    },
  };
}
