// A faithful Linear GraphQL fake: one POST /graphql, dispatch on the root field, raw API key (no
// Bearer), errors in `errors[]` with `extensions`, RATELIMITED as HTTP 400 with the rate headers.
// See /work/shared/reference/apis.md §3. Lists (`viewer.assignedIssues`, `issues`) take `first`,
// `after` (a node id as cursor), `orderBy` and an `IssueFilter` subset; nested `labels(first:)`
// and `attachments(first:)` are cut to their `first`.
import errorAuth from '../fixtures/linear/error-auth.json';
import errorCommentInput from '../fixtures/linear/error-comment-input.json';
import errorNotFound from '../fixtures/linear/error-not-found.json';
import errorRateLimited from '../fixtures/linear/error-ratelimited.json';
import errorValidation from '../fixtures/linear/error-validation.json';
import issueEng42 from '../fixtures/linear/issue-ENG-42.json';
import viewer from '../fixtures/linear/viewer.json';
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

/** An issue as the fake returns it for `issue(id:)` (a superset of any selection). */
export type LinearIssueJson = {
  id: string;
  identifier: string;
  url: string;
  comments?: { nodes: unknown[] };
} & Record<string, unknown>;

/** How the Linear fake is set up. */
export interface FakeLinearOptions {
  /** Personal API key (`lin_api_…`), sent raw in Authorization. */
  apiKey?: string;
  /** Path of the endpoint (default `/graphql`). */
  path?: string;
  /** Load ENG-42 (default true). */
  fixtures?: boolean;
}

/** A small issue for list tests, built into the fake's issue shape by `addSimpleIssue`. */
export interface SimpleLinearIssue {
  identifier: string;
  title: string;
  /** State name and type (`started`, `unstarted`, `completed`, `canceled`, `backlog`, `triage`). */
  state?: { name: string; type: string };
  labels?: string[];
  /** Attachment URLs (CRM links, pull requests). */
  attachments?: string[];
  /** `me` (the viewer, the default), another person's name, or null. */
  assignee?: 'me' | string | null;
  /** ISO time of the last update (orders `orderBy: updatedAt`). */
  updatedAt?: string;
}

type Filter = Record<string, unknown>;

/** Thrown for a filter Linear would refuse while coercing `$filter`. */
class FilterError extends Error {}

const COMPARATORS = new Set([
  'eq', 'neq', 'in', 'nin', 'null', 'contains', 'containsIgnoreCase', 'notContains', 'startsWith',
  'endsWith', 'lt', 'lte', 'gt', 'gte',
]);

function compare(value: unknown, comparator: Filter, type: string): boolean {
  return Object.entries(comparator).every(([op, want]) => {
    if (!COMPARATORS.has(op)) {
      throw new FilterError(`Field "${op}" is not defined by type "${type}".`);
    }
    const v = typeof value === 'string' ? value : value === undefined ? null : value;
    const s = String(v ?? '');
    const w = String(want ?? '');
    switch (op) {
      case 'eq':
        return v === want;
      case 'neq':
        return v !== want;
      case 'in':
        return Array.isArray(want) && want.includes(v);
      case 'nin':
        return Array.isArray(want) && !want.includes(v);
      case 'null':
        return (v === null) === want;
      case 'contains':
        return s.includes(w);
      case 'containsIgnoreCase':
        return s.toLowerCase().includes(w.toLowerCase());
      case 'notContains':
        return !s.includes(w);
      case 'startsWith':
        return s.startsWith(w);
      case 'endsWith':
        return s.endsWith(w);
      default: {
        const n = Number(v);
        const m = Number(want);
        return op === 'lt' ? n < m : op === 'lte' ? n <= m : op === 'gt' ? n > m : n >= m;
      }
    }
  });
}

/** A comment a client created with commentCreate, as received. */
export interface PostedLinearComment {
  issueId: string;
  body: unknown;
  input: unknown;
  headers: ReceivedRequest['headers'];
}

/** The first root field: `query X($id: String!) { issue(id: $id) {…} }` → `issue`. */
export function rootField(query: string): string | undefined {
  const m = /^\s*(?:(?:query|mutation)\b[^{]*)?\{\s*(\w+)/.exec(query.replace(/#[^\n]*/g, ''));
  return m?.[1];
}

/** The Linear fake: issue, viewer and commentCreate over one GraphQL endpoint. */
export class FakeLinear extends FakeServer {
  readonly apiKey: string;
  readonly path: string;
  readonly issues = new Map<string, LinearIssueJson>();
  readonly posted: PostedLinearComment[] = [];
  private remaining = 1500;
  private nextComment = 1;

  constructor(opts: FakeLinearOptions = {}) {
    super('Linear');
    this.apiKey = opts.apiKey ?? 'lin_api_fakeKey0123456789abcdefABCDEF0123456789';
    this.path = opts.path ?? '/graphql';
    if (opts.fixtures !== false) this.addIssue(structuredClone(issueEng42));
    this.on('POST', this.path, (req) => this.handleGraphql(req));
  }

  addIssue(issue: LinearIssueJson): this {
    this.issues.set(issue.identifier.toUpperCase(), issue);
    return this;
  }

  /** Adds an issue built from a few facts; returns it as stored. */
  addSimpleIssue(o: SimpleLinearIssue): LinearIssueJson {
    const n = this.issues.size + 1;
    const uuid = (prefix: string, i: number) =>
      `${prefix}-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const v = viewer.data.viewer;
    const slug = o.identifier.toLowerCase();
    const assignee =
      o.assignee === null
        ? null
        : o.assignee === undefined || o.assignee === 'me'
          ? { id: v.id, name: v.name, displayName: v.displayName, email: v.email }
          : { id: uuid('a55a55a5', n), name: o.assignee, displayName: o.assignee, email: null };
    const issue: LinearIssueJson = {
      id: uuid('15500000', n),
      identifier: o.identifier,
      title: o.title,
      url: `https://linear.app/acme/issue/${o.identifier}/${slug}`,
      branchName: `dana/${slug}`,
      description: null,
      priority: 0,
      priorityLabel: 'No priority',
      state: o.state ?? { name: 'В работе', type: 'started' },
      assignee,
      team: { key: o.identifier.split('-')[0], name: 'Команда' },
      createdAt: '2026-09-01T07:00:00.000Z',
      updatedAt: o.updatedAt ?? '2026-09-01T07:00:00.000Z',
      labels: {
        nodes: (o.labels ?? []).map((name, i) => ({ id: uuid(`1abe1${n}`.slice(0, 8), i), name })),
      },
      attachments: {
        nodes: (o.attachments ?? []).map((url, i) => ({
          id: uuid(`a77ac${n}`.slice(0, 8), i),
          title: url,
          subtitle: null,
          url,
          sourceType: /github\.com/.test(url) ? 'github' : 'unknown',
          metadata: {},
        })),
      },
      comments: { nodes: [] },
    };
    this.addIssue(issue);
    return issue;
  }

  /** Whether `issue` passes an IssueFilter (a subset: state, assignee, labels, team, title). */
  private matches(issue: LinearIssueJson, filter: Filter): boolean {
    const i = issue as Record<string, unknown> & LinearIssueJson;
    return Object.entries(filter).every(([key, raw]) => {
      const f = (raw ?? {}) as Filter;
      switch (key) {
        case 'and':
          return (raw as Filter[]).every((x) => this.matches(issue, x));
        case 'or':
          return (raw as Filter[]).some((x) => this.matches(issue, x));
        case 'title':
          return compare(i.title, f, 'StringComparator');
        case 'priority':
          return compare(i.priority, f, 'NullableNumberComparator');
        case 'state': {
          const st = (i.state ?? {}) as Record<string, unknown>;
          return Object.entries(f).every(([k, c]) => {
            if (k !== 'name' && k !== 'type') {
              throw new FilterError(`Field "${k}" is not defined by type "WorkflowStateFilter".`);
            }
            return compare(st[k], c as Filter, 'StringComparator');
          });
        }
        case 'team': {
          const t = (i.team ?? {}) as Record<string, unknown>;
          return Object.entries(f).every(([k, c]) => {
            if (k !== 'key' && k !== 'name') {
              throw new FilterError(`Field "${k}" is not defined by type "TeamFilter".`);
            }
            return compare(t[k], c as Filter, 'StringComparator');
          });
        }
        case 'assignee': {
          const a = i.assignee as Record<string, unknown> | null | undefined;
          return Object.entries(f).every(([k, c]) => {
            if (k === 'null') return !a === c;
            if (k === 'isMe') {
              const me = a?.id === viewer.data.viewer.id;
              return compare(me, c as Filter, 'BooleanComparator');
            }
            if (!['id', 'name', 'displayName', 'email'].includes(k)) {
              throw new FilterError(`Field "${k}" is not defined by type "NullableUserFilter".`);
            }
            return compare(a?.[k] ?? null, c as Filter, 'StringComparator');
          });
        }
        case 'labels': {
          const names = ((i.labels as { nodes?: Array<{ name: string }> } | undefined)?.nodes ?? [])
            .map((l) => l.name);
          const one = (c: Filter, name: string) =>
            Object.entries(c).every(([k, cc]) => {
              if (k !== 'name') {
                throw new FilterError(`Field "${k}" is not defined by type "IssueLabelFilter".`);
              }
              return compare(name, cc as Filter, 'StringComparator');
            });
          return Object.entries(f).every(([k, c]) => {
            if (k === 'some') return names.some((nm) => one(c as Filter, nm));
            if (k === 'every') return names.every((nm) => one(c as Filter, nm));
            if (k === 'name') return names.some((nm) => one({ name: c } as Filter, nm));
            const type = 'IssueLabelCollectionFilter';
            throw new FilterError(`Field "${k}" is not defined by type "${type}".`);
          });
        }
        default:
          throw new FilterError(`Field "${key}" is not defined by type "IssueFilter".`);
      }
    });
  }

  /** One page of a list: `nodes` (nested connections cut to the query's `first`) and pageInfo. */
  private listPage(
    query: string,
    vars: Record<string, unknown>,
    base: LinearIssueJson[],
  ): Reply | { nodes: unknown[]; pageInfo: unknown } {
    const filter = (vars.filter ?? {}) as Filter;
    let hits: LinearIssueJson[];
    try {
      hits = base.filter((x) => this.matches(x, filter));
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      const message =
        `Variable "$filter" got invalid value ${JSON.stringify(filter)}; ${e.message}`;
      const extensions = {
        code: 'GRAPHQL_VALIDATION_FAILED',
        type: 'graphql error',
        statusCode: 400,
        userError: true,
      };
      return this.reply({ status: 400, json: { errors: [{ message, extensions }] } });
    }
    const by = /orderBy:\s*updatedAt/.test(query) ? 'updatedAt' : 'createdAt';
    hits.sort((a, b) => String(b[by] ?? '').localeCompare(String(a[by] ?? '')));
    const first = typeof vars.first === 'number' ? vars.first : 50;
    const start = vars.after ? hits.findIndex((x) => x.id === vars.after) + 1 : 0;
    const page = hits.slice(start, start + first);
    const cut = (name: string) =>
      Number(new RegExp(`${name}\\(first:\\s*(\\d+)`).exec(query)?.[1] ?? 50);
    // Only the attributes the query names come back (a connection cut to its `first`).
    const selected = (name: string) => new RegExp(`\\b${name}\\b`).test(query);
    const nodes = page.map((x) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) {
        if (!selected(k)) continue;
        const c = v as { nodes?: unknown[] } | null;
        out[k] = c && Array.isArray(c.nodes) ? { ...c, nodes: c.nodes.slice(0, cut(k)) } : v;
      }
      return out;
    });
    const end = start + page.length;
    return {
      nodes,
      pageInfo: {
        hasNextPage: end < hits.length,
        endCursor: page.length ? page[page.length - 1].id : null,
        hasPreviousPage: start > 0,
        startCursor: page.length ? page[0].id : null,
      },
    };
  }

  /** Linear's rate-limit headers (requests budget). */
  rateHeaders(remaining = this.remaining): Record<string, string> {
    return {
      'x-ratelimit-requests-limit': '1500',
      'x-ratelimit-requests-remaining': String(remaining),
      'x-ratelimit-requests-reset': String(Date.now() + 3_600_000),
      'x-ratelimit-complexity-limit': '250000',
      'x-ratelimit-complexity-remaining': '249000',
      'x-ratelimit-complexity-reset': String(Date.now() + 3_600_000),
      'x-complexity': '120',
    };
  }

  /** RATELIMITED as observed: HTTP 400 (or 429) with the headers and, optionally, Retry-After. */
  rateLimit(
    opts: { status?: 400 | 429; times?: number; resetInMs?: number; retryAfter?: number } = {},
  ): this {
    const headers = {
      ...this.rateHeaders(0),
      'x-ratelimit-requests-reset': String(Date.now() + (opts.resetInMs ?? 60_000)),
      ...(opts.retryAfter !== undefined ? { 'retry-after': String(opts.retryAfter) } : {}),
    };
    const reply = { status: opts.status ?? 400, json: errorRateLimited, headers };
    return this.inject({ type: 'reply', reply }, opts.times ?? 1);
  }

  private reply(r: Reply): Reply {
    this.remaining = Math.max(0, this.remaining - 1);
    return { ...r, headers: { ...this.rateHeaders(), ...r.headers } };
  }

  private findIssue(id: unknown): LinearIssueJson | undefined {
    if (typeof id !== 'string') return undefined;
    return this.issues.get(id.toUpperCase()) ?? [...this.issues.values()].find((i) => i.id === id);
  }

  private handleGraphql(req: ReceivedRequest): Reply {
    // Personal keys go raw; "Bearer lin_api_…" is the OAuth form and is refused for a key.
    if (req.headers.authorization !== this.apiKey) {
      return this.reply({ status: 401, json: errorAuth });
    }
    const body = req.body as { query?: unknown; variables?: Record<string, unknown> } | undefined;
    if (!body || typeof body.query !== 'string') {
      const extensions = { code: 'BAD_REQUEST', type: 'graphql error', statusCode: 400 };
      const json = { errors: [{ message: 'Must provide query string.', extensions }] };
      return this.reply({ status: 400, json });
    }
    const vars = body.variables ?? {};
    const field = rootField(body.query);
    switch (field) {
      case 'viewer': {
        if (!/\bassignedIssues\b/.test(body.query)) return this.reply({ json: viewer });
        const mine = [...this.issues.values()].filter(
          (x) => (x.assignee as { id?: string } | null | undefined)?.id === viewer.data.viewer.id,
        );
        const page = this.listPage(body.query, vars, mine);
        if (!('nodes' in page)) return page;
        const v = { ...viewer.data.viewer, assignedIssues: page };
        return this.reply({ json: { data: { viewer: v } } });
      }
      case 'issues': {
        const page = this.listPage(body.query, vars, [...this.issues.values()]);
        return 'nodes' in page ? this.reply({ json: { data: { issues: page } } }) : page;
      }
      case 'issue': {
        const literal = /issue\s*\(\s*id\s*:\s*"([^"]+)"/.exec(body.query)?.[1];
        const issue = this.findIssue(literal ?? vars.id);
        return this.reply({ json: issue ? { data: { issue } } : errorNotFound });
      }
      case 'commentCreate': {
        const input = (vars.input ?? {}) as { issueId?: unknown; body?: unknown };
        const issue = this.findIssue(input.issueId);
        if (!issue) {
          const errors = [{ ...errorNotFound.errors[0], path: ['commentCreate'] }];
          return this.reply({ json: { ...errorNotFound, errors } });
        }
        if (typeof input.body !== 'string' || !input.body.trim()) {
          return this.reply({ json: errorCommentInput });
        }
        const posted = { issueId: issue.identifier, body: input.body, input, headers: req.headers };
        this.posted.push(posted);
        const id = `c0ffee00-0000-4000-8000-${String(this.nextComment++).padStart(12, '0')}`;
        const comment = {
          id,
          url: `${issue.url}#comment-${id.slice(0, 8)}`,
          body: input.body,
          createdAt: new Date().toISOString(),
          user: { id: (viewer.data.viewer as { id: string }).id, name: viewer.data.viewer.name },
        };
        (issue.comments ??= { nodes: [] }).nodes.push(comment);
        const payload = { success: true, comment, lastSyncId: 1234 };
        return this.reply({ json: { data: { commentCreate: payload } } });
      }
      default: {
        const err = errorValidation.errors[0];
        const json = { errors: [{ ...err, message: err.message.replace('FIELD', field ?? '') }] };
        return this.reply({ status: 400, json });
      }
    }
  }
}

/** Starts a Linear fake on 127.0.0.1 serving ENG-42; its endpoint is `${url}/graphql`. */
export async function startFakeLinear(opts: FakeLinearOptions = {}): Promise<FakeLinear> {
  const fake = new FakeLinear(opts);
  await fake.start();
  return fake;
}
