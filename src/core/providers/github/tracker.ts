// GitHub issues (and pull requests, which the issues endpoint also returns) over REST, API version
// 2022-11-28. One GET for the issue, one more for its comments only when it has any. The worklist
// is one issue search (worklist.ts).
import * as z from 'zod/mini';
import { ProviderError, isProviderError } from '../../errors';
import { readToken, type HttpClient, type ProviderHttpOptions, type TokenSource } from '../../http';
import type { Ticket } from '../../model';
import { dealRefsFromLabels, extractDealRefsFromText } from '../dealRefs';
import type { TicketTracker } from '../types';
import {
  WorklistPageSize,
  refusedQuery,
  worklistLimit,
  worklistSearch,
} from './worklist';

/** The GitHub settings the tracker and its HTTP options need. */
export interface GitHubSettings {
  /** `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. */
  apiUrl: string;
  /** `owner/repo`, from the setting or the git remote. */
  repository: string;
  /** Search qualifiers for the worklist instead of "open, assigned to me" (worklist.ts). */
  worklistQuery?: string;
}

const REPO_RE = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;
const KEY_RE = /^(?:([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+))?#?(\d{1,9})$/;
const SECONDARY_RE = /secondary rate limit|abuse detection/i;

const login = z.looseObject({ login: z.string() });
const label = z.union([z.string(), z.looseObject({ name: z.string() })]);
const issueSchema = z.looseObject({
  number: z.number(),
  title: z.string(),
  body: z.optional(z.nullable(z.string())),
  state: z.string(),
  state_reason: z.optional(z.nullable(z.string())),
  html_url: z.string(),
  comments: z.optional(z.number()),
  user: z.optional(z.nullable(login)),
  assignee: z.optional(z.nullable(login)),
  assignees: z.optional(z.nullable(z.array(login))),
  labels: z.optional(z.array(label)),
  pull_request: z.optional(
    z.nullable(z.looseObject({ merged_at: z.optional(z.nullable(z.string())) })),
  ),
});
// A search hit is an issue plus its repository's API URL (and a relevance score).
const searchSchema = z.looseObject({
  total_count: z.number(),
  incomplete_results: z.optional(z.nullable(z.boolean())),
  items: z.array(z.extend(issueSchema, { repository_url: z.optional(z.nullable(z.string())) })),
});
const commentsSchema = z.array(
  z.looseObject({
    // GitHub ids can exceed 2^31; a JS number holds them exactly up to 2^53.
    id: z.number(),
    body: z.optional(z.nullable(z.string())),
    user: z.optional(z.nullable(login)),
    created_at: z.string(),
  }),
);
const userSchema = z.looseObject({ login: z.string(), name: z.optional(z.nullable(z.string())) });

function messageOf(data: unknown): string | undefined {
  if (typeof data === 'string') return data.trim() || undefined;
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as { message?: unknown; errors?: unknown };
  const parts: string[] = typeof d.message === 'string' ? [d.message] : [];
  if (Array.isArray(d.errors)) {
    for (const e of d.errors) {
      if (typeof e === 'string') parts.push(e);
      else if (e && typeof e === 'object') {
        const x = e as { message?: unknown; field?: unknown; code?: unknown };
        if (typeof x.message === 'string') parts.push(x.message);
        else if (typeof x.field === 'string') {
          parts.push(`${x.field}: ${String(x.code ?? 'invalid')}`);
        }
      }
    }
  }
  return parts.join(' — ') || undefined;
}

/** HTTP options for GitHub: Bearer token, API version headers, primary and secondary limits. */
export function githubHttpOptions(
  settings: Pick<GitHubSettings, 'apiUrl'>,
  token: TokenSource,
): ProviderHttpOptions {
  return {
    provider: 'GitHub',
    baseUrl: settings.apiUrl,
    baseUrlSetting: 'customerContext.github.apiUrl',
    headers: {
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'customer-context-vscode',
    },
    auth: async () => ({ Authorization: `Bearer ${await readToken('GitHub', token)}` }),
    vendorMessage: (_status, data) => messageOf(data),
    // Primary limit: 403/429 with x-ratelimit-remaining 0. Secondary: 403/429 saying so.
    isRateLimited: (res) =>
      (res.status === 403 || res.status === 429) &&
      (res.headers['x-ratelimit-remaining'] === '0' ||
        SECONDARY_RE.test(messageOf(res.data) ?? '')),
    rateLimitReset: (headers, now) => {
      if (headers['x-ratelimit-remaining'] === '0') {
        const reset = Number(headers['x-ratelimit-reset']);
        if (Number.isFinite(reset) && reset > 0) return Math.max(now, reset * 1000);
      }
      // A secondary limit without Retry-After: GitHub asks for at least a minute.
      return now + 60_000;
    },
  };
}

/** `owner/repo` of a repository API URL (`https://api.github.com/repos/acme/app`). */
function repoOf(url: string | null | undefined): string | undefined {
  const m = /\/repos\/([^/]+\/[^/]+)\/?$/.exec(url ?? '');
  return m?.[1];
}

/** The ticket for an issue answer, under `key` (`#42`, or `owner/repo#42` from elsewhere). */
function toTicket(
  issue: z.infer<typeof issueSchema>,
  key: string,
  rawComments: z.infer<typeof commentsSchema>,
): Ticket {
  const labels = (issue.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name));
  const assignee = issue.assignee?.login ?? issue.assignees?.[0]?.login;
  const status = issue.pull_request
    ? `${issue.pull_request.merged_at ? 'merged' : issue.state} pull request`
    : issue.state_reason && issue.state === 'closed'
      ? `closed (${issue.state_reason.replace(/_/g, ' ')})`
      : issue.state;
  return {
    key,
    title: issue.title,
    status,
    url: issue.html_url,
    assignee,
    labels,
    dealRefs: [...new Set([...dealRefsFromLabels(labels), ...extractDealRefsFromText(issue.body)])],
    comments: rawComments.map((c) => ({
      id: String(c.id),
      author: c.user?.login ?? 'ghost',
      created: c.created_at,
      text: c.body ?? '',
    })),
  };
}

/** A GitHub tracker for keys like `#123` (or `owner/repo#123`) in `settings.repository`. */
export function githubTracker(
  http: HttpClient,
  settings: Pick<GitHubSettings, 'repository' | 'worklistQuery'>,
): TicketTracker {
  function parseKey(key: string): { repo: string; number: number } {
    const m = KEY_RE.exec(key.trim());
    if (!m) {
      const message = `GitHub: "${key}" is not an issue number (like #123).`;
      throw new ProviderError('notFound', message, { provider: 'GitHub' });
    }
    const repo = m[1] ?? settings.repository.trim();
    if (!REPO_RE.test(repo)) {
      throw new ProviderError(
        'notConfigured',
        `GitHub: no repository is known${repo ? ` ("${repo}" is not owner/repo)` : ''}. ` +
          'Set customerContext.github.repository to owner/repo.',
        { provider: 'GitHub', where: 'customerContext.github.repository' },
      );
    }
    return { repo, number: Number(m[2]) };
  }

  return {
    kind: 'github',
    label: 'GitHub',
    async getTicket(key: string, signal?: AbortSignal): Promise<Ticket> {
      const { repo, number } = parseKey(key);
      const [owner, name] = repo.split('/').map(encodeURIComponent);
      const base = `/repos/${owner}/${name}/issues/${number}`;
      let issue: z.infer<typeof issueSchema>;
      try {
        issue = await http.json({ path: base, signal }, issueSchema);
      } catch (e) {
        if (isProviderError(e, 'notFound')) {
          throw new ProviderError(
            'notFound',
            `GitHub: ${repo}#${number} was not found ` +
              '(a private repository also answers 404 when the token may not see it).',
            e.details,
          );
        }
        throw e;
      }
      // Skip the comments call when there are none: it halves requests for fresh issues.
      const rawComments =
        issue.comments === 0
          ? []
          : await http.json(
              { path: `${base}/comments`, query: { per_page: 100 }, signal },
              commentsSchema,
            );
      return toTicket(issue, `#${issue.number}`, rawComments);
    },
    async listMine(options, signal) {
      const max = worklistLimit(options.limit);
      if (max === 0) return [];
      const repo = settings.repository.trim();
      const { q, sorted, source } = worklistSearch(repo, options.query, settings.worklistQuery);
      if (!REPO_RE.test(repo) && q.startsWith('repo:')) {
        throw new ProviderError(
          'notConfigured',
          'GitHub: no repository is known for the worklist. ' +
            'Set customerContext.github.repository to owner/repo.',
          { provider: 'GitHub', where: 'customerContext.github.repository' },
        );
      }
      const out: Ticket[] = [];
      const perPage = Math.min(WorklistPageSize, max);
      try {
        for (let page = 1; out.length < max && (page - 1) * perPage < 1000; page++) {
          const res = await http.json(
            {
              path: '/search/issues',
              query: {
                q,
                per_page: perPage,
                page,
                ...(sorted ? {} : { sort: 'updated', order: 'desc' }),
              },
              signal,
            },
            searchSchema,
          );
          for (const item of res.items) {
            if (item.pull_request) continue;
            const from = repoOf(item.repository_url);
            const same = !from || from.toLowerCase() === repo.toLowerCase();
            out.push(toTicket(item, same ? `#${item.number}` : `${from}#${item.number}`, []));
          }
          if (res.items.length < perPage || page * perPage >= res.total_count) break;
        }
      } catch (e) {
        throw refusedQuery(e, source);
      }
      return out.slice(0, max);
    },
    async whoAmI(signal?: AbortSignal): Promise<string> {
      const me = await http.json({ path: '/user', signal }, userSchema);
      return me.name ? `${me.name} (@${me.login})` : `@${me.login}`;
    },
  };
}
