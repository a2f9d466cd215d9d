// A faithful GitHub REST fake (issues, comments, /user, issue search) with x-ratelimit-* headers on
// every answer and the vendor's exact error bodies. See /work/shared/reference/apis.md §2. Search
// (`GET /search/issues`) has its own budget (`x-ratelimit-resource: search`, 30 a minute), ANDs its
// terms as advanced search does, and serves at most the first 1000 results.
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

/** A small issue for search tests, built into GitHub's full shape by `addSimpleIssue`. */
export interface SimpleGitHubIssue {
  number: number;
  title: string;
  body?: string | null;
  labels?: string[];
  /** `me` (the token's user, the default), another login, or null. */
  assignee?: 'me' | string | null;
  state?: 'open' | 'closed';
  /** A pull request rather than an issue. */
  pull?: boolean;
  /** ISO time of the last update (orders `sort=updated`). */
  updatedAt?: string;
  /** `owner/repo` the issue lives in (default: the fake's repository). */
  repository?: string;
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
  /** Search requests left this minute (GitHub allows 30 for a token). */
  searchRemaining = 30;
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

  /** Adds an issue (or pull request) built from a few facts; returns it as stored. */
  addSimpleIssue(o: SimpleGitHubIssue): GitHubIssueJson {
    const repo = o.repository ?? this.repository;
    const person = (login: string) => ({
      login,
      id: 583000 + login.length,
      node_id: `MDQ6VXNlcj${login.length}`,
      type: 'User',
      site_admin: false,
    });
    const who = o.assignee === undefined || o.assignee === 'me' ? userFixture.login : o.assignee;
    const assignee = who === null ? null : person(who);
    const kind = o.pull ? 'pull' : 'issues';
    const api = `https://api.github.com/repos/${repo}`;
    const issue: GitHubIssueJson = {
      url: `${api}/issues/${o.number}`,
      repository_url: api,
      html_url: `https://github.com/${repo}/${kind}/${o.number}`,
      id: 2890100000 + o.number,
      node_id: `I_kwDOFake${o.number}`,
      number: o.number,
      title: o.title,
      user: person('sam-sales'),
      labels: (o.labels ?? []).map((name, i) => ({
        id: 208046000 + i,
        node_id: `LA_fake${i}`,
        url: `${api}/labels/${encodeURIComponent(name)}`,
        name,
        color: 'f29513',
        default: false,
        description: null,
      })),
      state: o.state ?? 'open',
      locked: false,
      assignee,
      assignees: assignee ? [assignee] : [],
      milestone: null,
      created_at: '2026-09-01T07:00:00Z',
      updated_at: o.updatedAt ?? '2026-09-01T07:00:00Z',
      closed_at: o.state === 'closed' ? '2026-09-02T07:00:00Z' : null,
      author_association: 'MEMBER',
      body: o.body ?? null,
      state_reason: o.state === 'closed' ? 'completed' : null,
      ...(o.pull
        ? {
            pull_request: {
              url: `${api}/pulls/${o.number}`,
              html_url: `https://github.com/${repo}/pull/${o.number}`,
              merged_at: null,
            },
          }
        : {}),
    };
    this.addIssue(issue);
    return issue;
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

  /** The search budget's headers (30 a minute, its own `x-ratelimit-resource`). */
  private searchHeaders(): Record<string, string> {
    return {
      'x-ratelimit-limit': '30',
      'x-ratelimit-remaining': String(this.searchRemaining),
      'x-ratelimit-used': String(30 - this.searchRemaining),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
      'x-ratelimit-resource': 'search',
      'x-github-api-version-selected': '2022-11-28',
    };
  }

  /** GET /search/issues: advanced issue search over the stored issues (a subset of qualifiers). */
  private search(req: ReceivedRequest): Reply {
    // Search also serves anonymous callers (with a smaller budget): only a wrong token is refused.
    const auth = req.headers.authorization;
    if (auth || !req.headers['user-agent']) {
      const denied = this.checkAuth(req, { status: 401, json: error401RequiresAuth });
      if (denied) return this.reply(denied);
    }
    if (this.searchRemaining <= 0) {
      const json = { ...error403RateLimit, status: '403' };
      return { status: 403, json, headers: this.searchHeaders() };
    }
    this.searchRemaining--;
    const answer = (r: Reply): Reply => ({
      ...r,
      headers: { ...this.searchHeaders(), ...r.headers },
    });
    const invalid = (message: string, code = 'invalid'): Reply =>
      answer({
        status: 422,
        json: {
          message: 'Validation Failed',
          errors: [{ message, resource: 'Search', field: 'q', code }],
          documentation_url: 'https://docs.github.com/v3/search/',
          status: '422',
        },
      });
    const q = req.query.get('q');
    if (!q?.trim()) {
      return answer({
        status: 422,
        json: {
          message: 'Validation Failed',
          errors: [{ resource: 'Search', field: 'q', code: 'missing' }],
          documentation_url: 'https://docs.github.com/v3/search/',
          status: '422',
        },
      });
    }
    if (q.length > 256) return invalid('The search is longer than 256 characters.');
    const me = auth ? userFixture.login : undefined;
    const terms = [...q.matchAll(/(-?)([\w-]+):("[^"]*"|\S+)|"([^"]*)"|(\S+)/g)];
    const tests: Array<(i: GitHubIssueJson) => boolean> = [];
    const repos: string[] = [];
    let sortQualifier: string | undefined;
    const repoOf = (i: GitHubIssueJson) =>
      String(i.repository_url ?? `https://api.github.com/repos/${this.repository}`)
        .replace(/^.*\/repos\//, '')
        .toLowerCase();
    const logins = (i: GitHubIssueJson) =>
      ((i.assignees as Array<{ login: string }> | undefined) ?? []).map((a) => a.login);
    const labelNames = (i: GitHubIssueJson) =>
      ((i.labels as Array<string | { name: string }> | undefined) ?? []).map((l) =>
        (typeof l === 'string' ? l : l.name).toLowerCase(),
      );
    for (const m of terms) {
      const [, neg, name, rawValue, quoted, word] = m;
      if (name) {
        const value = rawValue.replace(/^"|"$/g, '');
        const v = value.toLowerCase();
        let test: ((i: GitHubIssueJson) => boolean) | undefined;
        switch (name.toLowerCase()) {
          case 'repo':
            repos.push(v);
            continue;
          case 'org':
          case 'user':
            test = (i) => repoOf(i).startsWith(`${v}/`);
            break;
          case 'is':
          case 'type':
          case 'state':
            if (v === 'issue') test = (i) => !i.pull_request;
            else if (v === 'pr' || v === 'pull-request') test = (i) => !!i.pull_request;
            else if (v === 'open' || v === 'closed') test = (i) => i.state === v;
            break;
          case 'assignee':
            test = (i) => logins(i).some((l) => l.toLowerCase() === (v === '@me' ? me : v));
            break;
          case 'no':
            if (v === 'assignee') test = (i) => logins(i).length === 0;
            else if (v === 'label') test = (i) => labelNames(i).length === 0;
            break;
          case 'label':
            test = (i) => v.split(',').some((l) => labelNames(i).includes(l));
            break;
          case 'sort':
            sortQualifier = v;
            continue;
        }
        if (!test) {
          // An unknown qualifier is searched as text, like GitHub does.
          const text = m[0].toLowerCase();
          test = (i) => `${i.title} ${i.body ?? ''}`.toLowerCase().includes(text);
        }
        const t = test;
        tests.push(neg ? (i) => !t(i) : t);
      } else {
        const text = (quoted ?? word).toLowerCase();
        tests.push((i) => `${i.title} ${i.body ?? ''}`.toLowerCase().includes(text));
      }
    }
    const served = this.repository.toLowerCase();
    const unknown = repos.filter((r) => r !== served);
    if (unknown.length) {
      return invalid(
        'The listed users and repositories cannot be searched either because the resources do ' +
          'not exist or you do not have permission to view them.',
      );
    }
    let hits = [...this.issues.values()].filter(
      (i) => (!repos.length || repos.includes(repoOf(i))) && tests.every((t) => t(i)),
    );
    const [field, dir] = sortQualifier
      ? sortQualifier.split('-')
      : [req.query.get('sort') ?? '', req.query.get('order') ?? 'desc'];
    const key = field === 'created' ? 'created_at' : field === 'updated' ? 'updated_at' : '';
    const sign = dir === 'asc' ? 1 : -1;
    hits = hits.sort((a, b) =>
      key ? sign * String(a[key]).localeCompare(String(b[key])) || b.number - a.number
        : b.number - a.number,
    );
    const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
    if (page * perPage > 1000 + perPage) {
      return invalid('Only the first 1000 search results are available');
    }
    const reachable = Math.min(hits.length, 1000);
    const last = Math.max(1, Math.ceil(reachable / perPage));
    const headers: Record<string, string> = {};
    if (page < last) {
      const link = (pg: number) => {
        const params = new URLSearchParams(req.query);
        params.set('page', String(pg));
        return `<${this.url}${req.path}?${params}>`;
      };
      headers.link = `${link(page + 1)}; rel="next", ${link(last)}; rel="last"`;
    }
    const items = hits
      .slice((page - 1) * perPage, Math.min(page * perPage, reachable))
      .map((i) => ({ ...i, score: 1.0 }));
    return answer({
      json: { total_count: hits.length, incomplete_results: false, items },
      headers,
    });
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

    this.on('GET', `${p}/search/issues`, (req) => this.search(req));

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
