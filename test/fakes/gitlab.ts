// A faithful GitLab REST v4 fake (issues, notes, /user) for GitLab.com or a self-managed instance
// under a relative URL root. Projects by numeric id or URL-encoded path (`group%2Fsub%2Fproject`:
// an unencoded path matches no route, as on GitLab), PRIVATE-TOKEN or Bearer auth, GitLab's error
// bodies, offset pagination headers, RateLimit-* headers on every answer and Rack::Attack's plain
// `Retry later` 429. Dates carry the instance's time zone (+03:00). See apis.md §10.
// The project's issues list (`GET /projects/:id/issues`) filters by scope, state, labels, search,
// assignee and author, orders by created_at/updated_at, pages with x-next-page, and answers Grape's
// 400 for a value it does not know.
import error400BodyMissing from '../fixtures/gitlab/error-400-body-missing.json';
import error400NoteBlank from '../fixtures/gitlab/error-400-note-blank.json';
import error401Expired from '../fixtures/gitlab/error-401-expired.json';
import error401 from '../fixtures/gitlab/error-401.json';
import error403Scope from '../fixtures/gitlab/error-403-insufficient-scope.json';
import error404Issue from '../fixtures/gitlab/error-404-issue.json';
import error404Project from '../fixtures/gitlab/error-404-project.json';
import issue123 from '../fixtures/gitlab/issue-123.json';
import notes123 from '../fixtures/gitlab/notes-123.json';
import userFixture from '../fixtures/gitlab/user.json';
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

/** An issue as GitLab answers it. */
export type GitLabIssueJson = { iid: number; user_notes_count?: number } & Record<string, unknown>;
/** A note as GitLab answers it. */
export type GitLabNoteJson = { id: number; created_at: string; system?: boolean } & Record<
  string,
  unknown
>;

/** How the GitLab fake is set up. */
export interface FakeGitLabOptions {
  token?: string;
  /** Path of the API, `/api/v4` (default) or with a relative URL root, `/gitlab/api/v4`. */
  prefix?: string;
  /** Scopes of the token: `read_api` cannot post notes. */
  scopes?: Array<'api' | 'read_api'>;
  /** Load sales/tools/crm-bridge (id 77) with issue #123 and its notes (default true). */
  fixtures?: boolean;
}

/** A small issue for list tests, built into GitLab's full shape by `addSimpleIssue`. */
export interface SimpleGitLabIssue {
  iid: number;
  title: string;
  description?: string | null;
  labels?: string[];
  /** `me` (the token's user, the default), another person, or null. */
  assignee?: 'me' | { username: string; name: string } | null;
  state?: 'opened' | 'closed';
  /** Epoch ms of the last update (orders `order_by=updated_at`). */
  updatedAt?: number;
}

/** A note a client posted, as received. */
export interface PostedGitLabNote {
  project: string;
  iid: number;
  body: unknown;
  headers: ReceivedRequest['headers'];
}

interface Project {
  id: number;
  path: string;
  issues: Map<number, GitLabIssueJson>;
  notes: Map<number, GitLabNoteJson[]>;
}

/** `2026-09-01T10:15:00.000+03:00`: a Moscow instance's time zone, as its API renders times. */
export function mskIso(ms = Date.now()): string {
  return new Date(ms + 3 * 3600_000).toISOString().replace('Z', '+03:00');
}

/** The GitLab fake: projects with issues and notes, /user, pagination and rate limits. */
export class FakeGitLab extends FakeServer {
  readonly token: string;
  readonly prefix: string;
  scopes: Array<'api' | 'read_api'>;
  /** The token is known but expired: 401 invalid_token. */
  expired = false;
  readonly posted: PostedGitLabNote[] = [];
  private readonly projects: Project[] = [];
  private observed = 0;
  private nextNoteId = 906000;

  constructor(opts: FakeGitLabOptions = {}) {
    super('GitLab');
    this.token = opts.token ?? 'glpat-FakeToken0123456789abcd';
    this.prefix = opts.prefix ?? '/api/v4';
    this.scopes = opts.scopes ?? ['api'];
    if (opts.fixtures !== false) {
      this.addProject(77, 'sales/tools/crm-bridge');
      this.addIssue('sales/tools/crm-bridge', structuredClone(issue123), structuredClone(notes123));
    }
    this.registerRoutes();
  }

  addProject(id: number, path: string): this {
    this.projects.push({ id, path, issues: new Map(), notes: new Map() });
    return this;
  }

  /** Adds an issue; `user_notes_count` is kept as GitLab counts it (system notes excluded). */
  addIssue(project: string, issue: GitLabIssueJson, notes: GitLabNoteJson[] = []): this {
    const p = this.project(project);
    if (!p) throw new Error(`no project ${project}`);
    p.issues.set(issue.iid, issue);
    p.notes.set(issue.iid, notes);
    this.recount(p, issue.iid);
    return this;
  }

  /** Adds an issue built from a few facts to `project`; returns it as stored. */
  addSimpleIssue(project: string, o: SimpleGitLabIssue): GitLabIssueJson {
    const p = this.project(project);
    if (!p) throw new Error(`no project ${project}`);
    const person = (u: { username: string; name: string }, id: number) => ({
      id,
      username: u.username,
      name: u.name,
      state: 'active',
      locked: false,
      avatar_url: null,
      web_url: `https://git.acme.ru/${u.username}`,
    });
    const who =
      o.assignee === undefined || o.assignee === 'me'
        ? person(userFixture, userFixture.id)
        : o.assignee && person(o.assignee, 4000 + o.assignee.username.length);
    const updated = mskIso(o.updatedAt ?? Date.parse('2026-09-01T07:00:00Z'));
    const issue: GitLabIssueJson = {
      id: 190000 + o.iid,
      iid: o.iid,
      project_id: p.id,
      title: o.title,
      description: o.description ?? null,
      state: o.state ?? 'opened',
      created_at: mskIso(Date.parse('2026-08-01T07:00:00Z')),
      updated_at: updated,
      closed_at: o.state === 'closed' ? updated : null,
      closed_by: null,
      labels: o.labels ?? [],
      milestone: null,
      assignees: who ? [who] : [],
      author: person({ username: 'a.petrova', name: 'Анна Петрова' }, 31),
      type: 'ISSUE',
      assignee: who ?? null,
      user_notes_count: 0,
      merge_requests_count: 0,
      upvotes: 0,
      downvotes: 0,
      due_date: null,
      confidential: false,
      discussion_locked: null,
      issue_type: 'issue',
      web_url: `https://git.acme.ru/${p.path}/-/issues/${o.iid}`,
      references: { short: `#${o.iid}`, relative: `#${o.iid}`, full: `${p.path}#${o.iid}` },
      moved_to_id: null,
    };
    this.addIssue(project, issue);
    return issue;
  }

  /** Appends a note by `author` (a user name; its display name is `name`). */
  addNote(
    project: string,
    iid: number,
    note: { body: string; username: string; name: string; system?: boolean; at?: number },
  ): GitLabNoteJson {
    const p = this.project(project);
    const list = p?.notes.get(iid);
    if (!p || !list) throw new Error(`no issue ${project}#${iid}`);
    const who = { username: note.username, name: note.name };
    const json = this.noteJson(p, iid, note.body, who, note);
    list.push(json);
    this.recount(p, iid);
    return json;
  }

  /** The notes of an issue, as stored (oldest first). */
  notesOf(project: string, iid: number): GitLabNoteJson[] {
    return this.project(project)?.notes.get(iid) ?? [];
  }

  /** The RateLimit-* headers GitLab.com sends on every API answer. */
  rateHeaders(remaining?: number): Record<string, string> {
    const limit = 2000;
    const left = remaining ?? Math.max(0, limit - this.observed);
    const reset = Math.floor(Date.now() / 1000) + 60;
    return {
      'ratelimit-name': 'throttle_authenticated_api',
      'ratelimit-limit': String(limit),
      'ratelimit-observed': String(limit - left),
      'ratelimit-remaining': String(left),
      'ratelimit-reset': String(reset),
      'ratelimit-resettime': new Date(reset * 1000).toUTCString(),
    };
  }

  /**
   * Rack::Attack's throttle answer: 429, text/plain `Retry later`, RateLimit-* headers with the
   * reset `resetInSeconds` away, and Retry-After unless `retryAfter` is null.
   */
  rateLimit(
    opts: { times?: number; retryAfter?: number | null; resetInSeconds?: number } = {},
  ): this {
    const resetIn = opts.resetInSeconds ?? 60;
    const reset = Math.floor(Date.now() / 1000) + resetIn;
    const headers: Record<string, string> = {
      ...this.rateHeaders(0),
      'ratelimit-reset': String(reset),
      'ratelimit-resettime': new Date(reset * 1000).toUTCString(),
      'content-type': 'text/plain',
    };
    if (opts.retryAfter !== null) headers['retry-after'] = String(opts.retryAfter ?? resetIn);
    const reply: Reply = { status: 429, raw: 'Retry later\n', headers };
    return this.inject({ type: 'reply', reply }, opts.times ?? 1);
  }

  private project(idOrPath: string): Project | undefined {
    const key = idOrPath.toLowerCase();
    return this.projects.find((p) => String(p.id) === key || p.path.toLowerCase() === key);
  }

  private recount(p: Project, iid: number): void {
    const issue = p.issues.get(iid);
    if (issue) issue.user_notes_count = (p.notes.get(iid) ?? []).filter((n) => !n.system).length;
  }

  private noteJson(
    p: Project,
    iid: number,
    body: string,
    who: { username: string; name: string },
    opts: { system?: boolean; at?: number } = {},
  ): GitLabNoteJson {
    const at = mskIso(opts.at);
    const issue = p.issues.get(iid);
    return {
      id: this.nextNoteId++,
      type: null,
      body,
      attachment: null,
      author: {
        id: 1000 + (this.nextNoteId % 97),
        username: who.username,
        name: who.name,
        state: 'active',
        locked: false,
        avatar_url: null,
        web_url: `https://git.acme.ru/${who.username}`,
      },
      created_at: at,
      updated_at: at,
      system: opts.system ?? false,
      noteable_id: (issue?.id as number | undefined) ?? iid,
      noteable_type: 'Issue',
      project_id: p.id,
      resolvable: false,
      confidential: false,
      internal: false,
      imported: false,
      imported_from: 'none',
      noteable_iid: iid,
      commands_changes: {},
    };
  }

  private reply(r: Reply): Reply {
    this.observed++;
    return { ...r, headers: { ...this.rateHeaders(), ...r.headers } };
  }

  /** undefined when the token is right; else GitLab's answer for a wrong or expired one. */
  private checkAuth(req: ReceivedRequest, missing: Reply): Reply | undefined {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const given = (req.headers['private-token'] as string | undefined) ?? bearer;
    if (!given) return missing;
    if (given !== this.token) return { status: 401, json: error401 };
    if (this.expired) {
      return {
        status: 401,
        json: error401Expired,
        headers: {
          'www-authenticate':
            'Bearer realm="Protected by OAuth 2.0", error="invalid_token", ' +
            `error_description="${error401Expired.error_description}"`,
        },
      };
    }
    return undefined;
  }

  /** GET /projects/:id/issues: filters, order and offset pages as GitLab applies them. */
  private listIssues(req: ReceivedRequest, project: Project): Reply {
    const q = req.query;
    const invalid = (name: string): Reply => ({
      status: 400,
      json: { error: `${name} does not have a valid value` },
    });
    const pick = (name: string, allowed: string[], dflt: string): string | undefined => {
      const v = q.get(name) ?? dflt;
      return allowed.includes(v) ? v : undefined;
    };
    const scope = pick('scope', ['created_by_me', 'assigned_to_me', 'all'], 'all');
    if (!scope) return invalid('scope');
    const state = pick('state', ['opened', 'closed', 'all'], 'all');
    if (!state) return invalid('state');
    const orderBy = pick('order_by', ['created_at', 'updated_at', 'title'], 'created_at');
    if (!orderBy) return invalid('order_by');
    const sort = pick('sort', ['asc', 'desc'], 'desc');
    if (!sort) return invalid('sort');
    const me = userFixture.username;
    const users = (i: GitLabIssueJson, key: 'assignees' | 'author') => {
      const v = i[key] as { username: string } | Array<{ username: string }> | null | undefined;
      return (Array.isArray(v) ? v : v ? [v] : []).map((u) => u.username.toLowerCase());
    };
    const labelsOf = (i: GitLabIssueJson) =>
      ((i.labels as Array<string | { name: string }> | undefined) ?? []).map((l) =>
        (typeof l === 'string' ? l : l.name).toLowerCase(),
      );
    const list = (name: string) =>
      (q.get(name) ?? '')
        .split(',')
        .map((x) => x.trim().toLowerCase())
        .filter(Boolean);
    const tests: Array<(i: GitLabIssueJson) => boolean> = [];
    if (scope === 'assigned_to_me') tests.push((i) => users(i, 'assignees').includes(me));
    if (scope === 'created_by_me') tests.push((i) => users(i, 'author').includes(me));
    if (state !== 'all') tests.push((i) => i.state === state);
    const labels = list('labels');
    if (labels.length === 1 && labels[0] === 'none') tests.push((i) => labelsOf(i).length === 0);
    else if (labels.length === 1 && labels[0] === 'any') tests.push((i) => labelsOf(i).length > 0);
    else if (labels.length) tests.push((i) => labels.every((l) => labelsOf(i).includes(l)));
    const notLabels = list('not[labels]');
    if (notLabels.length) tests.push((i) => !notLabels.some((l) => labelsOf(i).includes(l)));
    const assignee = q.get('assignee_username')?.toLowerCase();
    if (assignee) tests.push((i) => users(i, 'assignees').includes(assignee));
    const author = q.get('author_username')?.toLowerCase();
    if (author) tests.push((i) => users(i, 'author').includes(author));
    const search = q.get('search')?.trim().toLowerCase();
    if (search) {
      const where = list('in');
      const inTitle = !where.length || where.includes('title');
      const inDescription = !where.length || where.includes('description');
      tests.push(
        (i) =>
          (inTitle && String(i.title).toLowerCase().includes(search)) ||
          (inDescription && String(i.description ?? '').toLowerCase().includes(search)),
      );
    }
    const sign = sort === 'asc' ? 1 : -1;
    const all = [...project.issues.values()]
      .filter((i) => tests.every((t) => t(i)))
      .sort(
        (a, b) =>
          sign *
          (orderBy === 'title'
            ? String(a.title).localeCompare(String(b.title))
            : Date.parse(String(a[orderBy])) - Date.parse(String(b[orderBy])) || a.iid - b.iid),
      );
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 20) || 20));
    const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
    const pages = Math.max(1, Math.ceil(all.length / perPage));
    const link = (n: number) => {
      const params = new URLSearchParams(q);
      params.set('page', String(n));
      params.set('per_page', String(perPage));
      return `<${this.url}${this.prefix}/projects/${project.id}/issues?${params}>`;
    };
    const rels = [
      ...(page > 1 ? [`${link(page - 1)}; rel="prev"`] : []),
      ...(page < pages ? [`${link(page + 1)}; rel="next"`] : []),
      `${link(1)}; rel="first"`,
      `${link(pages)}; rel="last"`,
    ];
    return {
      json: all.slice((page - 1) * perPage, page * perPage),
      headers: {
        'x-page': String(page),
        'x-per-page': String(perPage),
        'x-next-page': page < pages ? String(page + 1) : '',
        'x-prev-page': page > 1 ? String(page - 1) : '',
        'x-total': String(all.length),
        'x-total-pages': String(pages),
        link: rels.join(', '),
      },
    };
  }

  private registerRoutes(): void {
    const p = this.prefix;
    type Params = Record<string, string>;
    type IssueHandler = (req: ReceivedRequest, project: Project, iid: number) => Reply;
    const issueRoute = (handler: IssueHandler) => (req: ReceivedRequest, params: Params) => {
      // A private project answers 404 (never 401) to a request without a token.
      const denied = this.checkAuth(req, { status: 404, json: error404Project });
      if (denied) return this.reply(denied);
      const project = this.project(params.id);
      if (!project) return this.reply({ status: 404, json: error404Project });
      const iid = Number(params.iid);
      if (!project.issues.has(iid)) return this.reply({ status: 404, json: error404Issue });
      return this.reply(handler(req, project, iid));
    };

    this.on('GET', `${p}/user`, (req) => {
      const denied = this.checkAuth(req, { status: 401, json: error401 });
      return this.reply(denied ?? { json: userFixture });
    });

    this.on('GET', `${p}/projects/:id/issues`, (req, params) => {
      const denied = this.checkAuth(req, { status: 404, json: error404Project });
      if (denied) return this.reply(denied);
      const project = this.project(params.id);
      if (!project) return this.reply({ status: 404, json: error404Project });
      return this.reply(this.listIssues(req, project));
    });

    this.on(
      'GET',
      `${p}/projects/:id/issues/:iid`,
      issueRoute((_req, project, iid) => ({ json: project.issues.get(iid) })),
    );

    this.on(
      'GET',
      `${p}/projects/:id/issues/:iid/notes`,
      issueRoute((req, project, iid) => {
        const sort = req.query.get('sort') === 'asc' ? 1 : -1; // GitLab's default: newest first
        const by = req.query.get('order_by') === 'updated_at' ? 'updated_at' : 'created_at';
        const all = [...(project.notes.get(iid) ?? [])].sort(
          (a, b) =>
            sort *
            (Date.parse(String(a[by])) - Date.parse(String(b[by])) || a.id - b.id),
        );
        const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 20) || 20));
        const page = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
        const pages = Math.max(1, Math.ceil(all.length / perPage));
        const link = (n: number) => {
          const q = new URLSearchParams(req.query);
          q.set('page', String(n));
          q.set('per_page', String(perPage));
          // GitLab's links name the project by its numeric id.
          return `<${this.url}${p}/projects/${project.id}/issues/${iid}/notes?${q}>`;
        };
        const rels = [
          ...(page > 1 ? [`${link(page - 1)}; rel="prev"`] : []),
          ...(page < pages ? [`${link(page + 1)}; rel="next"`] : []),
          `${link(1)}; rel="first"`,
          `${link(pages)}; rel="last"`,
        ];
        return {
          json: all.slice((page - 1) * perPage, page * perPage),
          headers: {
            'x-page': String(page),
            'x-per-page': String(perPage),
            'x-next-page': page < pages ? String(page + 1) : '',
            'x-prev-page': page > 1 ? String(page - 1) : '',
            'x-total': String(all.length),
            'x-total-pages': String(pages),
            link: rels.join(', '),
          },
        };
      }),
    );

    this.on(
      'POST',
      `${p}/projects/:id/issues/:iid/notes`,
      issueRoute((req, project, iid) => {
        if (!this.scopes.includes('api')) return { status: 403, json: error403Scope };
        const body = (req.body as { body?: unknown } | undefined)?.body;
        if (body === undefined || body === null) return { status: 400, json: error400BodyMissing };
        if (typeof body !== 'string' || !body.trim()) {
          return { status: 400, json: error400NoteBlank };
        }
        this.posted.push({ project: project.path, iid, body, headers: req.headers });
        const note = this.noteJson(project, iid, body, userFixture);
        project.notes.get(iid)?.push(note);
        this.recount(project, iid);
        return { status: 201, json: note };
      }),
    );
  }
}

/** Starts a GitLab fake on 127.0.0.1 serving sales/tools/crm-bridge#123. */
export async function startFakeGitLab(opts: FakeGitLabOptions = {}): Promise<FakeGitLab> {
  const fake = new FakeGitLab(opts);
  await fake.start();
  return fake;
}
