// A faithful YouTrack REST fake (Cloud, or self-hosted under a path prefix such as `/youtrack`):
// issues by readable id or entity id, comments with `$top`/`$skip` (42 without `$top`), users/me,
// permanent-token Bearer auth, and YouTrack's `{error, error_description}` bodies. Like YouTrack,
// it returns only the attributes named in `fields` (plus `$type` on every object; `id` alone when
// `fields` is missing). See /work/shared/reference/apis.md §10. The issues list
// (`GET /api/issues?query=…`) reads a subset of YouTrack's search syntax (`for: me`, `#Unresolved`,
// `#tag`, `tag:`, `project:`, `State:`, a custom field by name, `sort by:`, words as full text) and
// pages with `$top`/`$skip`.
import error400Comment from '../fixtures/youtrack/error-400-comment.json';
import error401Scope from '../fixtures/youtrack/error-401-scope.json';
import error401 from '../fixtures/youtrack/error-401.json';
import error403 from '../fixtures/youtrack/error-403.json';
import error404Entity from '../fixtures/youtrack/error-404-entity.json';
import error404Route from '../fixtures/youtrack/error-404-route.json';
import error429 from '../fixtures/youtrack/error-429.json';
import issue42 from '../fixtures/youtrack/issue-ACME-42.json';
import usersMe from '../fixtures/youtrack/users-me.json';
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

/** An issue as YouTrack stores it (every attribute; answers are projected by `fields`). */
export type YouTrackIssueJson = {
  id: string;
  idReadable: string;
  comments: YouTrackCommentJson[];
} & Record<string, unknown>;

/** A comment as YouTrack stores it. */
export type YouTrackCommentJson = {
  id: string;
  text: string | null;
  created: number;
  author: { login: string; fullName: string } & Record<string, unknown>;
} & Record<string, unknown>;

/** How the YouTrack fake is set up. */
export interface FakeYouTrackOptions {
  /** The permanent token the fake accepts (`perm:…`). */
  token?: string;
  /** Path prefix of a self-hosted installation, e.g. `/youtrack` (default none, as on Cloud). */
  prefix?: string;
  /** Load ACME-42 (default true). */
  fixtures?: boolean;
}

/** A small issue for list tests, built into YouTrack's full shape by `addSimpleIssue`. */
export interface SimpleYouTrackIssue {
  idReadable: string;
  summary: string;
  description?: string | null;
  /** The State field's value, e.g. `В работе`; `resolved` marks it resolved. */
  state?: string;
  resolved?: boolean;
  /** `me` (the token's user, the default), another user, or null. */
  assignee?: 'me' | { login: string; fullName: string } | null;
  tags?: string[];
  /** More custom fields by name, as SimpleIssueCustomField values (a deal field). */
  fields?: Record<string, string | null>;
  /** Epoch ms of the last update (orders `sort by: updated`). */
  updated?: number;
}

/** A comment a client posted, as received. */
export interface PostedYouTrackComment {
  key: string;
  body: unknown;
  headers: ReceivedRequest['headers'];
}

/** `fields` parsed: attribute → its own sub-selection (null: the attribute alone). */
type Selection = Map<string, Selection | null>;

/** Parses `a,b(c,d(e))`; throws on unbalanced parentheses, as YouTrack answers 400 then. */
export function parseFields(text: string): Selection {
  let i = 0;
  const list = (depth: number): Selection => {
    const out: Selection = new Map();
    for (;;) {
      let name = '';
      while (i < text.length && !',()'.includes(text[i])) name += text[i++];
      let sub: Selection | null = null;
      if (text[i] === '(') {
        i++;
        sub = list(depth + 1);
        if (text[i] !== ')') throw new Error(`Unbalanced parentheses in fields: ${text}`);
        i++;
      }
      if (name.trim()) out.set(name.trim(), sub);
      if (text[i] === ',') {
        i++;
        continue;
      }
      const unbalanced = (i >= text.length && depth > 0) || (text[i] === ')' && depth === 0);
      if (unbalanced) throw new Error(`Unbalanced parentheses in fields: ${text}`);
      return out;
    }
  };
  return list(0);
}

/** `value` reduced to `selection`, `$type` kept on every object, as YouTrack answers. */
export function project(value: unknown, selection: Selection | null): unknown {
  if (Array.isArray(value)) return value.map((v) => project(v, selection));
  if (!value || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // An entity asked for without a sub-selection comes back as its type alone.
  for (const [k, sub] of selection ?? []) if (k in o && k !== '$type') out[k] = project(o[k], sub);
  if (typeof o.$type === 'string') out.$type = o.$type;
  return out;
}

const NOT_FOUND_PAGE =
  '<!DOCTYPE html><html><head><title>404 Not Found</title></head>' +
  '<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>';

/** The YouTrack fake: issues, comments, the token's user, errors and rate limits. */
export class FakeYouTrack extends FakeServer {
  readonly token: string;
  readonly prefix: string;
  /** Issues by upper-case readable id. */
  readonly issues = new Map<string, YouTrackIssueJson>();
  readonly posted: PostedYouTrackComment[] = [];
  /** The token's user (`/api/users/me`, and the author of posted comments). */
  readonly me = structuredClone(usersMe);
  /** A token of the right user but without the YouTrack scope (answers 401 `invalid_token`). */
  readonly hubOnlyToken = 'perm:ZC5rdXpuZXRzb3Y=.SHViIG9ubHk=.hubOnlyScopeTokenValue000';
  /** The token's user may read but not comment: POST comments answers 403. */
  commentsForbidden = false;
  private nextCommentId = 500;

  constructor(opts: FakeYouTrackOptions = {}) {
    super('YouTrack');
    this.token =
      opts.token ?? 'perm:ZC5rdXpuZXRzb3Y=.Q3VzdG9tZXIgQ29udGV4dA==.Xk2qL9vR7tY1uW3zA5bC8dE0fG4hJ6';
    this.prefix = opts.prefix ?? '';
    if (opts.fixtures !== false) this.addIssue(structuredClone(issue42) as YouTrackIssueJson);
    this.registerRoutes();
  }

  addIssue(issue: YouTrackIssueJson): this {
    this.issues.set(issue.idReadable.toUpperCase(), issue);
    return this;
  }

  /** Adds an issue built from a few facts; returns it as stored. */
  addSimpleIssue(o: SimpleYouTrackIssue): YouTrackIssueJson {
    const n = this.issues.size + 1;
    const [shortName] = o.idReadable.split('-');
    const user = (u: { login: string; fullName: string }) => ({
      id: `1-${u.login}`,
      login: u.login,
      fullName: u.fullName,
      $type: 'User',
    });
    const who = o.assignee === undefined || o.assignee === 'me' ? this.me : o.assignee;
    const updated = o.updated ?? Date.parse('2026-09-01T07:00:00Z');
    const issue: YouTrackIssueJson = {
      id: `2-${5000 + n}`,
      idReadable: o.idReadable,
      numberInProject: Number(o.idReadable.split('-')[1]),
      summary: o.summary,
      description: o.description ?? null,
      usesMarkdown: true,
      created: updated - 86_400_000,
      updated,
      resolved: o.resolved ? updated : null,
      project: { id: '0-3', shortName, name: 'Акме Бухгалтерия', $type: 'Project' },
      reporter: user({ login: 'a.smirnova', fullName: 'Анна Смирнова' }),
      customFields: [
        {
          id: `143-${n}1`,
          name: 'State',
          value: {
            id: `69-${n}`,
            name: o.state ?? (o.resolved ? 'Исправлена' : 'В работе'),
            isResolved: !!o.resolved,
            localizedName: null,
            $type: 'StateBundleElement',
          },
          $type: 'StateIssueCustomField',
        },
        {
          id: `143-${n}2`,
          name: 'Assignee',
          value: who ? user(who) : null,
          $type: 'SingleUserIssueCustomField',
        },
        ...Object.entries(o.fields ?? {}).map(([name, value], i) => ({
          id: `143-${n}${3 + i}`,
          name,
          value,
          $type: 'SimpleIssueCustomField',
        })),
      ],
      tags: (o.tags ?? []).map((name, i) => ({ id: `6-${n}${i}`, name, $type: 'Tag' })),
      comments: [],
      $type: 'Issue',
    };
    this.addIssue(issue);
    return issue;
  }

  /** The issues a YouTrack query selects, in its order. */
  search(query: string): YouTrackIssueJson[] {
    const fieldText = (v: unknown): string[] => {
      if (v === null || v === undefined) return [];
      if (Array.isArray(v)) return v.flatMap(fieldText);
      if (typeof v === 'object') {
        const o = v as Record<string, unknown>;
        return [o.name, o.login, o.fullName, o.text, o.presentation]
          .filter((x): x is string => typeof x === 'string')
          .map((x) => x.toLowerCase());
      }
      return [String(v).toLowerCase()];
    };
    const field = (i: YouTrackIssueJson, name: string) =>
      ((i.customFields as Array<{ name: string; value: unknown }> | undefined) ?? []).find(
        (f) => f.name.toLowerCase() === name.toLowerCase(),
      );
    const tags = (i: YouTrackIssueJson) =>
      ((i.tags as Array<{ name: string }> | undefined) ?? []).map((t) => t.name.toLowerCase());
    const tests: Array<(i: YouTrackIssueJson) => boolean> = [];
    let sort: { by: string; desc: boolean } | undefined;
    let rest = query;
    const sortBy = /\bsort by:\s*\{?([\p{L}\w ]+?)\}?(?:\s+(asc|desc))?\s*$/iu.exec(rest);
    if (sortBy) {
      sort = { by: sortBy[1].trim().toLowerCase(), desc: sortBy[2]?.toLowerCase() === 'desc' };
      rest = rest.slice(0, sortBy.index);
    }
    const value = String.raw`(\{[^}]*\}|[^\s,]+)`;
    // An attribute name with spaces is written in braces: `{Сделка CRM}: 4217`.
    const term = new RegExp(String.raw`(\{[^}]*\}|[\p{L}\w]+):\s*${value}|#${value}|(\S+)`, 'gu');
    for (const m of rest.matchAll(term)) {
      const [, attr, attrValue, hashValue, word] = m;
      const unbrace = (x: string) => x.replace(/^\{|\}$/g, '').trim().toLowerCase();
      if (attr) {
        const a = unbrace(attr);
        const v = unbrace(attrValue);
        const who = v === 'me' ? this.me.login.toLowerCase() : v;
        if (a === 'for' || a === 'assignee') {
          tests.push((i) => fieldText(field(i, 'Assignee')?.value).includes(who));
        } else if (a === 'tag') {
          tests.push((i) => tags(i).includes(v));
        } else if (a === 'project') {
          tests.push((i) => {
            const p = i.project as { shortName?: string; name?: string } | undefined;
            return [p?.shortName, p?.name].some((x) => x?.toLowerCase() === v);
          });
        } else {
          // Any other attribute is a custom field by name (State, Priority, a deal field…).
          tests.push((i) => fieldText(field(i, a)?.value).includes(v));
        }
      } else if (hashValue) {
        const v = unbrace(hashValue);
        if (v === 'unresolved') tests.push((i) => i.resolved == null);
        else if (v === 'resolved') tests.push((i) => i.resolved != null);
        else if (v === 'me') {
          const me = this.me.login.toLowerCase();
          tests.push((i) => fieldText(field(i, 'Assignee')?.value).includes(me));
        } else {
          tests.push(
            (i) =>
              tags(i).includes(v) ||
              ((i.customFields as Array<{ value: unknown }> | undefined) ?? []).some((f) =>
                fieldText(f.value).includes(v),
              ),
          );
        }
      } else if (word) {
        const w = word.replace(/^"|"$/g, '').toLowerCase();
        tests.push((i) => `${i.summary} ${i.description ?? ''}`.toLowerCase().includes(w));
      }
    }
    const hits = [...this.issues.values()].filter((i) => tests.every((t) => t(i)));
    if (sort) {
      const key = sort.by === 'created' ? 'created' : 'updated';
      const sign = sort.desc ? -1 : 1;
      hits.sort((a, b) => sign * (Number(a[key] ?? 0) - Number(b[key] ?? 0)));
    }
    return hits;
  }

  /** Adds a comment by `author` (now, unless `created` is given) and returns it as stored. */
  addComment(
    key: string,
    text: string,
    author: { login: string; fullName: string },
    created = Date.now(),
  ): YouTrackCommentJson {
    const issue = this.issues.get(key.toUpperCase());
    if (!issue) throw new Error(`no issue ${key}`);
    const comment: YouTrackCommentJson = {
      id: `4-${this.nextCommentId++}`,
      text,
      textPreview: `<p>${text}</p>`,
      usesMarkdown: true,
      created,
      updated: null,
      deleted: false,
      author: { id: `1-${author.login}`, ...author, $type: 'User' },
      $type: 'IssueComment',
    };
    issue.comments.push(comment);
    return comment;
  }

  /** Answers the next `times` requests with 429, with Retry-After when given. */
  rateLimit(retryAfterSeconds?: number, times = 1): this {
    const headers: Record<string, string> =
      retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
    return this.inject({ type: 'reply', reply: { status: 429, json: error429, headers } }, times);
  }

  /** The issue by readable id (any case) or entity id (`2-4207`). */
  private find(id: string): YouTrackIssueJson | undefined {
    return (
      this.issues.get(id.toUpperCase()) ?? [...this.issues.values()].find((i) => i.id === id)
    );
  }

  /** undefined when the Bearer token is right; else YouTrack's 401. */
  private denied(req: ReceivedRequest): Reply | undefined {
    const auth = req.headers.authorization ?? '';
    if (auth === `Bearer ${this.token}`) return undefined;
    if (auth === `Bearer ${this.hubOnlyToken}`) return { status: 401, json: error401Scope };
    const headers = { 'WWW-Authenticate': 'Bearer realm="YouTrack"' };
    return { status: 401, json: error401, headers };
  }

  /** The answer projected by the request's `fields`, or 400 for a malformed one. */
  private answer(req: ReceivedRequest, value: unknown, defaultFields = 'id'): Reply {
    try {
      return { json: project(value, parseFields(req.query.get('fields') ?? defaultFields)) };
    } catch (e) {
      const json = { error: 'bad_request', error_description: (e as Error).message };
      return { status: 400, json };
    }
  }

  private entityNotFound(id: string): Reply {
    const description = error404Entity.error_description.replace('ACME-404', id);
    return { status: 404, json: { ...error404Entity, error_description: description } };
  }

  private registerRoutes(): void {
    const api = `${this.prefix}/api`;
    type Params = Record<string, string>;
    const authed =
      (handler: (req: ReceivedRequest, params: Params) => Reply) =>
      (req: ReceivedRequest, params: Params): Reply =>
        this.denied(req) ?? handler(req, params);

    this.on(
      'GET',
      `${api}/users/me`,
      authed((req) => this.answer(req, this.me)),
    );

    this.on(
      'GET',
      `${api}/issues`,
      authed((req) => {
        const skip = Math.max(0, Number(req.query.get('$skip') ?? 0) || 0);
        const top = Number(req.query.get('$top') ?? 42);
        const end = top < 0 ? undefined : skip + (Number.isFinite(top) ? top : 42);
        const hits = this.search(req.query.get('query') ?? '');
        return this.answer(req, hits.slice(skip, end));
      }),
    );

    this.on(
      'GET',
      `${api}/issues/:id`,
      authed((req, { id }) => {
        const issue = this.find(id);
        return issue ? this.answer(req, issue) : this.entityNotFound(id);
      }),
    );

    this.on(
      'GET',
      `${api}/issues/:id/comments`,
      authed((req, { id }) => {
        const issue = this.find(id);
        if (!issue) return this.entityNotFound(id);
        const skip = Math.max(0, Number(req.query.get('$skip') ?? 0) || 0);
        const top = Number(req.query.get('$top') ?? 42);
        const end = top < 0 ? undefined : skip + (Number.isFinite(top) ? top : 42);
        return this.answer(req, issue.comments.slice(skip, end));
      }),
    );

    this.on(
      'POST',
      `${api}/issues/:id/comments`,
      authed((req, { id }) => {
        const issue = this.find(id);
        if (!issue) return this.entityNotFound(id);
        if (this.commentsForbidden) return { status: 403, json: error403 };
        const text = (req.body as { text?: unknown } | undefined)?.text;
        if (typeof text !== 'string' || !text.trim()) return { status: 400, json: error400Comment };
        this.posted.push({ key: issue.idReadable, body: req.body, headers: req.headers });
        const { login, fullName } = this.me;
        return this.answer(req, this.addComment(issue.idReadable, text, { login, fullName }));
      }),
    );

    // Anything else: the REST API's own 404 below /api, a web server's page elsewhere (a client
    // that misses the self-hosted prefix lands there).
    const other = (req: ReceivedRequest): Reply =>
      req.path === api || req.path.startsWith(`${api}/`)
        ? { status: 404, json: error404Route }
        : { status: 404, raw: NOT_FOUND_PAGE, headers: { 'content-type': 'text/html' } };
    for (const method of ['GET', 'POST']) {
      for (let depth = 1; depth <= 8; depth++) {
        const segments = Array.from({ length: depth }, (_, i) => `:s${i}`).join('/');
        this.on(method, `/${segments}`, other);
      }
    }
  }
}

/** Starts a YouTrack fake on 127.0.0.1 serving ACME-42. */
export async function startFakeYouTrack(opts: FakeYouTrackOptions = {}): Promise<FakeYouTrack> {
  const fake = new FakeYouTrack(opts);
  await fake.start();
  return fake;
}
