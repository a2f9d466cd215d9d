// A faithful Linear GraphQL fake: one POST /graphql, dispatch on the root field, raw API key (no
// Bearer), errors in `errors[]` with `extensions`, RATELIMITED as HTTP 400 with the rate headers.
// See /work/shared/reference/apis.md §3.
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
      case 'viewer':
        return this.reply({ json: viewer });
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
