// A faithful GitHub REST fake (issues, comments, /user) with x-ratelimit-* headers on every answer
// and the vendor's exact error bodies. See /work/shared/reference/apis.md §2.
import comments42 from '../fixtures/github/comments-42.json';
import error401RequiresAuth from '../fixtures/github/error-401-requires-auth.json';
import error401 from '../fixtures/github/error-401.json';
import error403RateLimit from '../fixtures/github/error-403-rate-limit.json';
import error403Secondary from '../fixtures/github/error-403-secondary-rate-limit.json';
import error404 from '../fixtures/github/error-404.json';
import error410 from '../fixtures/github/error-410.json';
import error422Comment from '../fixtures/github/error-422-comment.json';
import issue42 from '../fixtures/github/issue-42.json';
import userFixture from '../fixtures/github/user.json';
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

/** An issue as GitHub answers it. */
export type GitHubIssueJson = { number: number; comments?: number } & Record<string, unknown>;
/** An issue comment as GitHub answers it. */
export type GitHubCommentJson = { id: number } & Record<string, unknown>;

/** How the GitHub fake is set up. */
export interface FakeGitHubOptions {
  token?: string;
  /** `owner/repo` served (default `acme/app`). */
  repository?: string;
  /** Path prefix, e.g. `/api/v3` for GitHub Enterprise Server. */
  prefix?: string;
  /** Load issue #42 with its two comments (default true). */
  fixtures?: boolean;
}

/** A comment a client posted, as received. */
export interface PostedGitHubComment {
  number: number;
  body: unknown;
  headers: ReceivedRequest['headers'];
}

const UA_REQUIRED =
  'Request forbidden by administrative rules. Please make sure your request has a User-Agent ' +
  'header (https://docs.github.com/en/rest/overview/' +
  'resources-in-the-rest-api#user-agent-required). ' +
  'Check https://developer.github.com for other possible causes.';

/** The GitHub fake: one repository's issues and comments, /user, rate limits. */
export class FakeGitHub extends FakeServer {
  readonly token: string;
  readonly repository: string;
  readonly prefix: string;
  readonly issues = new Map<number, GitHubIssueJson>();
  readonly comments = new Map<number, GitHubCommentJson[]>();
  readonly posted: PostedGitHubComment[] = [];
  /** Issues disabled on the repository: every issue route answers 410. */
  issuesDisabled = false;
  private remaining = 5000;
  private nextCommentId = 3222100000;

  constructor(opts: FakeGitHubOptions = {}) {
    super('GitHub');
    this.token = opts.token ?? 'ghp_fakeToken0123456789abcdefABCDEF0123';
    this.repository = opts.repository ?? 'acme/app';
    this.prefix = opts.prefix ?? '';
    if (opts.fixtures !== false) {
      this.addIssue(structuredClone(issue42), structuredClone(comments42));
    }
    this.registerRoutes();
  }

  addIssue(issue: GitHubIssueJson, comments: GitHubCommentJson[] = []): this {
    this.issues.set(issue.number, issue);
    this.comments.set(issue.number, comments);
    issue.comments = comments.length;
    return this;
  }

  /** The headers GitHub sends on every REST answer. */
  rateHeaders(remaining = this.remaining): Record<string, string> {
    return {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-used': String(5000 - remaining),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
      'x-github-api-version-selected': '2022-11-28',
    };
  }

  /** Primary (remaining 0, reset in `resetInSeconds`) or secondary (Retry-After) rate limit. */
  rateLimit(
    kind: 'primary' | 'secondary',
    opts: { status?: 403 | 429; times?: number; resetInSeconds?: number; retryAfter?: number } = {},
  ): this {
    const status = opts.status ?? 403;
    const reset = String(Math.floor(Date.now() / 1000) + (opts.resetInSeconds ?? 600));
    const retryAfter: Record<string, string> =
      opts.retryAfter !== undefined ? { 'retry-after': String(opts.retryAfter) } : {};
    const headers: Record<string, string> =
      kind === 'primary'
        ? { ...this.rateHeaders(0), 'x-ratelimit-reset': reset }
        : { ...this.rateHeaders(), ...retryAfter };
    const body = kind === 'primary' ? error403RateLimit : error403Secondary;
    const json = { ...body, status: String(status) };
    return this.inject({ type: 'reply', reply: { status, json, headers } }, opts.times ?? 1);
  }

  private reply(r: Reply): Reply {
    this.remaining = Math.max(0, this.remaining - 1);
    return { ...r, headers: { ...this.rateHeaders(), ...r.headers } };
  }

  /** undefined when the token is right; else GitHub's answer for a missing or wrong one. */
  private checkAuth(req: ReceivedRequest, missing: Reply): Reply | undefined {
    if (!req.headers['user-agent']) {
      return { status: 403, raw: UA_REQUIRED, headers: { 'content-type': 'text/plain' } };
    }
    const auth = req.headers.authorization;
    if (!auth) return missing;
    const m = /^(?:Bearer|token) (.+)$/.exec(auth);
    if (!m || m[1] !== this.token) return this.reply({ status: 401, json: error401 });
    return undefined;
  }

  private registerRoutes(): void {
    const p = this.prefix;
    const notFound = (): Reply => this.reply({ status: 404, json: error404 });
    type RepoHandler = (req: ReceivedRequest, n: number) => Reply;
    type Params = Record<string, string>;
    const repoRoute = (handler: RepoHandler) => (req: ReceivedRequest, params: Params) => {
      // A private repository answers 404 (never 403) to a request without credentials.
      const denied = this.checkAuth(req, { status: 404, json: error404 });
      if (denied) return this.reply(denied);
      const repo = `${params.owner}/${params.repo}`.toLowerCase();
      if (repo !== this.repository.toLowerCase()) return notFound();
      if (this.issuesDisabled) return this.reply({ status: 410, json: error410 });
      return handler(req, Number(params.n));
    };

    this.on('GET', `${p}/user`, (req) => {
      const denied = this.checkAuth(req, { status: 401, json: error401RequiresAuth });
      return denied ? this.reply(denied) : this.reply({ json: userFixture });
    });

    this.on(
      'GET',
      `${p}/repos/:owner/:repo/issues/:n`,
      repoRoute((_req, n) => {
        const issue = this.issues.get(n);
        return issue ? this.reply({ json: issue }) : notFound();
      }),
    );

    this.on(
      'GET',
      `${p}/repos/:owner/:repo/issues/:n/comments`,
      repoRoute((req, n) => {
        const all = this.comments.get(n);
        if (!all) return notFound();
        const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30)));
        const page = Math.max(1, Number(req.query.get('page') ?? 1));
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const headers: Record<string, string> = {};
        if (page < last) {
          const link = (pg: number) => `<${this.url}${req.path}?per_page=${perPage}&page=${pg}>`;
          headers.link = `${link(page + 1)}; rel="next", ${link(last)}; rel="last"`;
        }
        return this.reply({ json: all.slice((page - 1) * perPage, page * perPage), headers });
      }),
    );

    this.on(
      'POST',
      `${p}/repos/:owner/:repo/issues/:n/comments`,
      repoRoute((req, n) => {
        const issue = this.issues.get(n);
        if (!issue) return notFound();
        const body = (req.body as { body?: unknown } | undefined)?.body;
        if (typeof body !== 'string' || !body.trim()) {
          return this.reply({ status: 422, json: error422Comment });
        }
        this.posted.push({ number: n, body, headers: req.headers });
        const id = this.nextCommentId++;
        const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        const api = `https://api.github.com/repos/${this.repository}`;
        const comment = {
          url: `${api}/issues/comments/${id}`,
          html_url: `https://github.com/${this.repository}/issues/${n}#issuecomment-${id}`,
          issue_url: `${api}/issues/${n}`,
          id,
          node_id: `IC_fake${id}`,
          user: { login: userFixture.login, id: userFixture.id, type: 'User', site_admin: false },
          created_at: now,
          updated_at: now,
          author_association: 'MEMBER',
          body,
        };
        this.comments.get(n)?.push(comment);
        issue.comments = this.comments.get(n)?.length ?? 0;
        return this.reply({ status: 201, json: comment, headers: { location: comment.url } });
      }),
    );
  }
}

/** Starts a GitHub fake on 127.0.0.1 serving acme/app#42. */
export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const fake = new FakeGitHub(opts);
  await fake.start();
  return fake;
}
