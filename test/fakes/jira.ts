// A faithful Jira fake: Cloud (REST v3 + v2, Basic e-mail:token, ADF) or Data Center (REST v2 only,
// Bearer PAT, strings). Bodies, status codes and headers follow /work/shared/reference/apis.md §1.
// JQL search: Cloud's `/search/jql` (token pages, `isLast`, unbounded JQL refused, the old `/search`
// gone with 410) and Data Center's `/search` (offset pages with `total`), over a small JQL subset.
import error400Comment from '../fixtures/jira/error-400-comment.json';
import error400CommentEmpty from '../fixtures/jira/error-400-comment-empty.v2.json';
import error401v2 from '../fixtures/jira/error-401.v2.json';
import error404 from '../fixtures/jira/error-404-issue.json';
import error410 from '../fixtures/jira/error-410-search.json';
import error429 from '../fixtures/jira/error-429.json';
import issueV2 from '../fixtures/jira/issue-ENG-42.v2.json';
import issueV3 from '../fixtures/jira/issue-ENG-42.v3.json';
import myselfV2 from '../fixtures/jira/myself.v2.json';
import myselfV3 from '../fixtures/jira/myself.v3.json';
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

/** An issue as Jira answers it (`fields` holds every field the fake may return). */
export type JiraIssueJson = {
  id: string;
  key: string;
  self?: string;
  fields: Record<string, unknown>;
} & Record<string, unknown>;

/** How the Jira fake is set up. */
export interface FakeJiraOptions {
  deployment?: 'cloud' | 'datacenter';
  /** Cloud: the account e-mail of the token. */
  email?: string;
  token?: string;
  /** Load the ENG-42 fixture for the deployment (default true). */
  fixtures?: boolean;
  /** Most issues one search page holds, whatever `maxResults` asks (Cloud: 100 with fields). */
  searchPageCap?: number;
}

/** A small issue for search tests: what a worklist row shows, in the deployment's shape. */
export interface SimpleJiraIssue {
  key: string;
  summary: string;
  /** Status name, e.g. `В работе`. */
  status?: string;
  /** The status category key: `new` (To Do), `indeterminate` (In Progress), `done`. */
  category?: 'new' | 'indeterminate' | 'done';
  labels?: string[];
  /** `me` (the token's user, the default), another person's display name, or null. */
  assignee?: 'me' | string | null;
  /** ISO time of the last update (orders `ORDER BY updated`). */
  updated?: string;
  /** More fields, e.g. the deal custom field. */
  fields?: Record<string, unknown>;
}

/** A comment a client posted, as received. */
export interface PostedJiraComment {
  key: string;
  api: '2' | '3';
  body: unknown;
  headers: ReceivedRequest['headers'];
}

const CLOUD_401 = 'Client must be authenticated to access this resource.';
const UNBOUNDED =
  'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.';
const BAD_TOKEN = 'The provided next page token is invalid or expired.';

const CATEGORIES = {
  new: { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' },
  indeterminate: { id: 4, key: 'indeterminate', name: 'In Progress', colorName: 'yellow' },
  done: { id: 3, key: 'done', name: 'Done', colorName: 'green' },
} as const;

/** An ErrorCollection 400, as Jira answers a JQL it refuses. */
function jql400(message: string): Reply {
  return { status: 400, json: { errorMessages: [message], errors: {} } };
}

class JqlError extends Error {}

type JqlToken = { t: 'word' | 'str' | 'op' | 'punct'; v: string };

function tokenize(jql: string): JqlToken[] {
  const out: JqlToken[] = [];
  let i = 0;
  while (i < jql.length) {
    const c = jql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      const end = jql.indexOf(c, i + 1);
      if (end < 0) {
        throw new JqlError(
          `Error in the JQL Query: The quoted string '${jql.slice(i + 1)}' has not been ` +
            `completed. (line 1, character ${i + 1})`,
        );
      }
      out.push({ t: 'str', v: jql.slice(i + 1, end) });
      i = end + 1;
    } else if ('(),'.includes(c)) {
      out.push({ t: 'punct', v: c });
      i++;
    } else if ('=!~<>'.includes(c)) {
      const two = jql.slice(i, i + 2);
      const op = ['!=', '!~', '>=', '<='].includes(two) ? two : c;
      out.push({ t: 'op', v: op });
      i += op.length;
    } else {
      let j = i;
      while (j < jql.length && !/[\s(),=!~<>"']/.test(jql[j])) j++;
      out.push({ t: 'word', v: jql.slice(i, j) });
      i = j;
    }
  }
  return out;
}

type JqlValue = { fn: string } | { text: string } | { list: JqlValue[] } | { empty: true };
type JqlNode =
  | { and: JqlNode[] }
  | { or: JqlNode[] }
  | { not: JqlNode }
  | { field: string; op: string; value: JqlValue };

/** A parsed JQL: the condition (undefined: none, an unbounded query) and the ORDER BY. */
interface ParsedJql {
  where?: JqlNode;
  order: Array<{ field: string; desc: boolean }>;
}

const JQL_FIELDS = new Set([
  'assignee', 'status', 'statuscategory', 'project', 'key', 'issuekey', 'labels', 'summary',
  'text', 'updated', 'created',
]);

function fieldName(word: string): string {
  const w = word.toLowerCase();
  if (JQL_FIELDS.has(w) || /^customfield_\d+$/.test(w)) return w;
  const cf = /^cf\[(\d+)\]$/.exec(w);
  if (cf) return `customfield_${cf[1]}`;
  throw new JqlError(`Field '${word}' does not exist or you do not have permission to view it.`);
}

/** Parses the JQL subset the fake serves (AND/OR/NOT, parentheses, =, !=, ~, in, is, ORDER BY). */
export function parseJql(jql: string): ParsedJql {
  const toks = tokenize(jql);
  let i = 0;
  const peekWord = (w: string) => toks[i]?.t === 'word' && toks[i].v.toUpperCase() === w;
  const expect = (what: string): never => {
    const at = toks[i] ? `'${toks[i].v}'` : 'the end of the query';
    throw new JqlError(`Error in the JQL Query: Expecting ${what} but got ${at}.`);
  };
  const value = (): JqlValue => {
    const tok = toks[i];
    if (!tok) return expect('either a value, list or function');
    if (tok.t === 'punct' && tok.v === '(') {
      i++;
      const list: JqlValue[] = [];
      while (toks[i] && !(toks[i].t === 'punct' && toks[i].v === ')')) {
        list.push(value());
        if (toks[i]?.t === 'punct' && toks[i].v === ',') i++;
      }
      if (!toks[i]) expect("')'");
      i++;
      return { list };
    }
    if (tok.t === 'str') {
      i++;
      return { text: tok.v };
    }
    if (tok.t !== 'word') return expect('either a value, list or function');
    i++;
    if (tok.v.toUpperCase() === 'EMPTY' || tok.v.toUpperCase() === 'NULL') return { empty: true };
    if (toks[i]?.t === 'punct' && toks[i].v === '(') {
      if (!(toks[i + 1]?.t === 'punct' && toks[i + 1].v === ')')) {
        i++;
        return expect("')'");
      }
      i += 2;
      return { fn: tok.v.toLowerCase() };
    }
    return { text: tok.v };
  };
  const clause = (): JqlNode => {
    if (peekWord('NOT')) {
      i++;
      return { not: clause() };
    }
    if (toks[i]?.t === 'punct' && toks[i].v === '(') {
      i++;
      const inner = or();
      if (!(toks[i]?.t === 'punct' && toks[i].v === ')')) expect("')'");
      i++;
      return inner;
    }
    const f = toks[i];
    if (!f || f.t !== 'word') return expect('a field name');
    i++;
    const field = fieldName(f.v);
    let op: string;
    if (toks[i]?.t === 'op') op = toks[i++].v;
    else if (peekWord('IN')) {
      i++;
      op = 'in';
    } else if (peekWord('NOT') && toks[i + 1]?.v.toUpperCase() === 'IN') {
      i += 2;
      op = 'not in';
    } else if (peekWord('IS')) {
      i++;
      op = peekWord('NOT') ? (i++, 'is not') : 'is';
    } else return expect('operator');
    return { field, op, value: value() };
  };
  const and = (): JqlNode => {
    const parts = [clause()];
    while (peekWord('AND')) {
      i++;
      parts.push(clause());
    }
    return parts.length === 1 ? parts[0] : { and: parts };
  };
  const or = (): JqlNode => {
    const parts = [and()];
    while (peekWord('OR')) {
      i++;
      parts.push(and());
    }
    return parts.length === 1 ? parts[0] : { or: parts };
  };
  const parsed: ParsedJql = { order: [] };
  if (toks.length && !peekWord('ORDER')) parsed.where = or();
  if (peekWord('ORDER')) {
    i++;
    if (!peekWord('BY')) expect("'by'");
    i++;
    do {
      if (toks[i]?.t === 'punct' && toks[i].v === ',') i++;
      const f = toks[i];
      if (!f || f.t !== 'word') expect('a field name');
      i++;
      const field = fieldName(f.v);
      let desc = false;
      if (peekWord('DESC') || peekWord('ASC')) desc = toks[i++].v.toUpperCase() === 'DESC';
      parsed.order.push({ field, desc });
    } while (toks[i]?.t === 'punct' && toks[i].v === ',');
  }
  if (i < toks.length) {
    throw new JqlError(
      `Error in the JQL Query: Expecting either 'OR' or 'AND' but got '${toks[i].v}'.`,
    );
  }
  return parsed;
}

/** Plain text of an ADF node, so Cloud's v2 API can answer strings like the real one does. */
function adfText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (!node || typeof node !== 'object') return '';
  const n = node as {
    type?: string;
    text?: string;
    attrs?: { text?: string };
    content?: unknown[];
  };
  if (n.type === 'text') return n.text ?? '';
  if (n.type === 'mention') return n.attrs?.text ?? '';
  if (n.type === 'hardBreak') return '\n';
  const inner = (n.content ?? []).map(adfText).join('');
  const block = ['paragraph', 'listItem', 'codeBlock', 'heading'].includes(n.type ?? '');
  return block ? `${inner}\n` : inner;
}

function isAdfDoc(v: unknown): boolean {
  const d = v as { type?: unknown; version?: unknown; content?: unknown } | null;
  return (
    !!d && typeof d === 'object' && d.type === 'doc' && d.version === 1 && Array.isArray(d.content)
  );
}

/** v3 fields → v2 fields: rich text becomes strings. */
function toV2(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (isAdfDoc(v)) out[k] = adfText(v).trim();
    else if (k === 'comment' && v && typeof v === 'object') {
      const page = v as { comments: Array<{ body: unknown }> };
      const comments = page.comments.map((c) => ({ ...c, body: adfText(c.body).trim() }));
      out[k] = { ...page, comments };
    } else out[k] = v;
  }
  return out;
}

function lower(s: string): string {
  return s.toLowerCase();
}

/** Orders two issues by a JQL field (times as ISO text, keys by project then number). */
function compareField(a: JiraIssueJson, b: JiraIssueJson, field: string): number {
  if (field === 'key' || field === 'issuekey') {
    const [pa, na] = a.key.split('-');
    const [pb, nb] = b.key.split('-');
    return pa.localeCompare(pb) || Number(na) - Number(nb);
  }
  const x = String(a.fields[field] ?? '');
  const y = String(b.fields[field] ?? '');
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A search's arguments from the query string or the JSON body. */
interface SearchArgs {
  jql?: string;
  fields?: string[];
  maxResults?: number;
  startAt?: number;
  nextPageToken?: string;
  /** Why the request cannot be read (answered 400). */
  problem?: string;
}

function searchArgs(req: ReceivedRequest): SearchArgs {
  const q = req.query;
  const num = (name: string) => (q.has(name) ? Number(q.get(name)) : undefined);
  const fields = q.getAll('fields').flatMap((f) => f.split(',')).map((f) => f.trim());
  return {
    jql: q.get('jql') ?? undefined,
    fields: fields.length ? fields : undefined,
    maxResults: num('maxResults'),
    startAt: num('startAt'),
    nextPageToken: q.get('nextPageToken') ?? undefined,
  };
}

function bodyArgs(req: ReceivedRequest): SearchArgs {
  const b = req.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) {
    return { problem: 'Unrecognized request body: expected a JSON object.' };
  }
  const o = b as Record<string, unknown>;
  if (o.jql !== undefined && typeof o.jql !== 'string') {
    return { problem: 'jql: must be a string.' };
  }
  const fields = o.fields;
  if (fields !== undefined && !Array.isArray(fields)) {
    return { problem: 'fields: must be an array of field ids.' };
  }
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return {
    jql: o.jql as string | undefined,
    fields: (fields as unknown[] | undefined)?.map(String),
    maxResults: num(o.maxResults),
    startAt: num(o.startAt),
    nextPageToken: typeof o.nextPageToken === 'string' ? o.nextPageToken : undefined,
  };
}

function encodeToken(t: { offset: number; jql: string }): string {
  return Buffer.from(JSON.stringify(t), 'utf8').toString('base64url');
}

function decodeToken(token: string): { offset: number; jql: string } | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    const o = t as { offset?: unknown; jql?: unknown };
    return typeof o.offset === 'number' && typeof o.jql === 'string'
      ? { offset: o.offset, jql: o.jql }
      : undefined;
  } catch {
    return undefined;
  }
}

/** The Jira fake: issues, comments, /myself, JQL search (and the removed one), exact errors. */
export class FakeJira extends FakeServer {
  readonly deployment: 'cloud' | 'datacenter';
  readonly email: string;
  readonly token: string;
  /** Issues by upper-case key, in the native shape (v3 ADF for Cloud, v2 strings for DC). */
  readonly issues = new Map<string, JiraIssueJson>();
  readonly posted: PostedJiraComment[] = [];
  /** Most issues one search page holds. */
  searchPageCap: number;
  private nextCommentId = 20000;
  private nextIssueId = 11000;

  constructor(opts: FakeJiraOptions = {}) {
    super('Jira');
    this.deployment = opts.deployment ?? 'cloud';
    this.searchPageCap = opts.searchPageCap ?? (this.deployment === 'cloud' ? 100 : 1000);
    this.email = opts.email ?? 'dana@acme.com';
    const cloud = this.deployment === 'cloud';
    this.token = opts.token ?? (cloud ? 'ATATT3xFfGF0-cloud-token' : 'NjM4OTk5-dc-pat-token');
    if (opts.fixtures !== false) this.addIssue(structuredClone(cloud ? issueV3 : issueV2));
    this.requireAuth = {
      header: 'authorization',
      value: this.authHeader(),
      unauthorized: () => this.unauthorized(),
    };
    this.registerRoutes();
  }

  /** The exact Authorization value a correct client sends. */
  authHeader(): string {
    return this.deployment === 'cloud'
      ? `Basic ${Buffer.from(`${this.email}:${this.token}`).toString('base64')}`
      : `Bearer ${this.token}`;
  }

  addIssue(issue: JiraIssueJson): this {
    this.issues.set(issue.key.toUpperCase(), issue);
    return this;
  }

  /** Adds an issue built from a few facts, in the deployment's native shape; returns it. */
  addSimpleIssue(o: SimpleJiraIssue): JiraIssueJson {
    const cloud = this.deployment === 'cloud';
    const me = cloud ? myselfV3 : myselfV2;
    const id = String(this.nextIssueId++);
    const api = cloud ? 3 : 2;
    const category = CATEGORIES[o.category ?? 'indeterminate'];
    const person = (name: string) => {
      const accountId = `712020:${Buffer.from(name).toString('hex').slice(0, 24)}`;
      const login = name.toLowerCase().replace(/\s+/g, '.');
      return cloud
        ? { accountId, displayName: name, active: true }
        : { name: login, displayName: name, active: true };
    };
    const assignee =
      o.assignee === null
        ? null
        : o.assignee === undefined || o.assignee === 'me'
          ? cloud
            ? { accountId: myselfV3.accountId, displayName: me.displayName, active: true }
            : { name: myselfV2.name, key: myselfV2.key, displayName: me.displayName, active: true }
          : person(o.assignee);
    const issue: JiraIssueJson = {
      expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
      id,
      self: `${this.url}/rest/api/${api}/issue/${id}`,
      key: o.key,
      fields: {
        summary: o.summary,
        status: {
          self: `${this.url}/rest/api/${api}/status/${category.id}`,
          id: String(category.id),
          name: o.status ?? category.name,
          statusCategory: category,
        },
        project: { id: '10000', key: o.key.split('-')[0], name: 'Проект' },
        labels: o.labels ?? [],
        assignee,
        created: '2026-09-01T10:00:00.000+0300',
        updated: o.updated ?? '2026-09-01T10:00:00.000+0300',
        comment: { comments: [], maxResults: 0, total: 0, startAt: 0 },
        ...o.fields,
      },
    };
    this.addIssue(issue);
    return issue;
  }

  /** The issues a JQL selects, in its order; throws JqlError as Jira refuses it. */
  select(jql: string, opts: { bounded?: boolean } = {}): JiraIssueJson[] {
    const parsed = parseJql(jql);
    if (opts.bounded && !parsed.where) throw new JqlError(UNBOUNDED);
    const all = [...this.issues.values()];
    const hits = parsed.where ? all.filter((x) => this.matches(x, parsed.where!)) : all;
    const order = parsed.order.length ? parsed.order : [{ field: 'key', desc: true }];
    return hits.sort((a, b) => {
      for (const { field, desc } of order) {
        const d = compareField(a, b, field);
        if (d) return desc ? -d : d;
      }
      return 0;
    });
  }

  private matches(issue: JiraIssueJson, node: JqlNode): boolean {
    if ('and' in node) return node.and.every((n) => this.matches(issue, n));
    if ('or' in node) return node.or.some((n) => this.matches(issue, n));
    if ('not' in node) return !this.matches(issue, node.not);
    const values = this.valuesOf(issue, node.field);
    const wanted = (v: JqlValue): string[] => {
      if ('list' in v) return v.list.flatMap(wanted);
      if ('empty' in v) return [];
      if ('fn' in v) {
        if (v.fn !== 'currentuser') {
          throw new JqlError(`Error in the JQL Query: Unable to find JQL function '${v.fn}()'.`);
        }
        return [this.deployment === 'cloud' ? myselfV3.accountId : myselfV2.name].map(lower);
      }
      return [lower(v.text)];
    };
    const want = wanted(node.value);
    const any = values.some((x) => want.includes(x));
    switch (node.op) {
      case '=':
      case 'in':
        return any;
      case '!=':
      case 'not in':
        // Like Jira, `!=` never matches an empty field.
        return values.length > 0 && !any;
      case 'is':
        return 'empty' in node.value ? values.length === 0 : any;
      case 'is not':
        return 'empty' in node.value ? values.length > 0 : !any;
      case '~':
        return want.every((w) => values.some((x) => x.includes(w)));
      case '!~':
        return !want.every((w) => values.some((x) => x.includes(w)));
      default:
        throw new JqlError(
          `Error in the JQL Query: The operator '${node.op}' is not supported by the ` +
            `'${node.field}' field.`,
        );
    }
  }

  /** The lower-case values a field compares by (a user by id, name, display name and e-mail). */
  private valuesOf(issue: JiraIssueJson, field: string): string[] {
    const f = issue.fields;
    const texts = (...xs: unknown[]) =>
      xs.filter((x): x is string => typeof x === 'string' && x !== '').map(lower);
    switch (field) {
      case 'assignee': {
        const a = f.assignee as Record<string, unknown> | null | undefined;
        return a ? texts(a.accountId, a.name, a.key, a.displayName, a.emailAddress) : [];
      }
      case 'status':
        return texts((f.status as { name?: string } | undefined)?.name);
      case 'statuscategory': {
        const c = (f.status as { statusCategory?: Record<string, unknown> } | undefined)
          ?.statusCategory;
        return c ? texts(c.key, c.name, String(c.id ?? '')) : [];
      }
      case 'project':
        return texts((f.project as { key?: string } | undefined)?.key, issue.key.split('-')[0]);
      case 'key':
      case 'issuekey':
        return texts(issue.key, issue.id);
      case 'labels':
        return texts(...((f.labels as unknown[] | undefined) ?? []));
      case 'summary':
        return texts(f.summary);
      case 'text':
        return texts(f.summary, adfText(f.description));
      default: {
        const v = f[field];
        if (v === null || v === undefined) return [];
        return texts(typeof v === 'string' ? v : adfText(v) || JSON.stringify(v));
      }
    }
  }

  /** Answers the next `times` requests with Jira's 429 and its headers. */
  rateLimit(retryAfterSeconds = 5, times = 1): this {
    // ISO to the minute, as Jira sends it: `yyyy-MM-ddTHH:mmZ`.
    const resetAt = new Date(Date.now() + retryAfterSeconds * 1000 + 60_000);
    const reset = `${resetAt.toISOString().slice(0, 16)}Z`;
    return this.inject(
      {
        type: 'reply',
        reply: {
          status: 429,
          json: error429,
          headers: {
            'Retry-After': String(retryAfterSeconds),
            'X-RateLimit-Reset': reset,
            'X-RateLimit-Limit': '100',
            'X-RateLimit-Remaining': '0',
            'X-RateLimit-NearLimit': 'true',
            'RateLimit-Reason': 'jira-burst-based',
          },
        },
      },
      times,
    );
  }

  private unauthorized(): Reply {
    const headers = {
      'WWW-Authenticate': 'OAuth realm="https%3A%2F%2Facme.atlassian.net"',
      'X-Seraph-LoginReason': 'AUTHENTICATED_FAILED',
    };
    if (this.deployment !== 'cloud') return { status: 401, json: error401v2, headers };
    const text = { ...headers, 'content-type': 'text/plain;charset=UTF-8' };
    return { status: 401, raw: CLOUD_401, headers: text };
  }

  private apis(): Array<'2' | '3'> {
    // Data Center has no v3 (and no ADF); Cloud serves both.
    return this.deployment === 'cloud' ? ['3', '2'] : ['2'];
  }

  private registerRoutes(): void {
    for (const v of this.apis()) {
      const base = `/rest/api/${v}`;
      const myself = this.deployment === 'cloud' ? myselfV3 : myselfV2;
      this.on('GET', `${base}/myself`, () => ({ json: myself }));
      this.on('GET', `${base}/issue/:key`, (req, p) => this.getIssue(v, req, p.key));
      this.on('POST', `${base}/issue/:key/comment`, (req, p) => this.addComment(v, req, p.key));
      this.on('GET', `${base}/issue/:key/comment`, (req, p) => this.listComments(req, p.key));
      if (this.deployment === 'cloud') {
        const gone = (): Reply => ({ status: 410, json: error410 });
        this.on('GET', `${base}/search`, gone).on('POST', `${base}/search`, gone);
        this.on('GET', `${base}/search/jql`, (req) => this.searchJql(v, req, searchArgs(req)));
        this.on('POST', `${base}/search/jql`, (req) => this.searchJql(v, req, bodyArgs(req)));
      } else {
        this.on('GET', `${base}/search`, (req) => this.searchOffset(v, searchArgs(req)));
        this.on('POST', `${base}/search`, (req) => this.searchOffset(v, bodyArgs(req)));
      }
    }
  }

  /** One issue of a search answer: only the fields asked for, in the API version's shape. */
  private searchIssue(v: '2' | '3', issue: JiraIssueJson, fields: string[] | undefined): unknown {
    const all = this.deployment === 'cloud' && v === '2' ? toV2(issue.fields) : issue.fields;
    // Cloud's search/jql returns only ids unless fields are named; Data Center all navigable ones.
    const wanted = fields ?? (this.deployment === 'cloud' ? ['id'] : ['*navigable']);
    const picked =
      wanted.includes('*all') || wanted.includes('*navigable')
        ? all
        : Object.fromEntries(Object.entries(all).filter(([k]) => wanted.includes(k)));
    const self = issue.self?.replace(/\/rest\/api\/\d\//, `/rest/api/${v}/`);
    return { expand: issue.expand, id: issue.id, self, key: issue.key, fields: picked };
  }

  /** Cloud's POST/GET …/search/jql: token pages, `isLast`, no total. */
  private searchJql(v: '2' | '3', _req: ReceivedRequest, args: SearchArgs): Reply {
    if (args.problem) return jql400(args.problem);
    const max = args.maxResults ?? 50;
    if (!Number.isInteger(max) || max < 1 || max > 5000) {
      return jql400(`The maxResults value ${String(max)} is not within the range 1 to 5000.`);
    }
    let offset = 0;
    if (args.nextPageToken !== undefined) {
      const decoded = decodeToken(args.nextPageToken);
      if (!decoded || decoded.jql !== args.jql) return jql400(BAD_TOKEN);
      offset = decoded.offset;
    }
    let hits: JiraIssueJson[];
    try {
      hits = this.select(args.jql ?? '', { bounded: true });
    } catch (e) {
      if (e instanceof JqlError) return jql400(e.message);
      throw e;
    }
    const size = Math.min(max, this.searchPageCap);
    const page = hits.slice(offset, offset + size);
    const end = offset + page.length;
    const isLast = end >= hits.length;
    const json: Record<string, unknown> = {
      issues: page.map((x) => this.searchIssue(v, x, args.fields)),
      isLast,
    };
    // The last page carries no token at all (not null).
    if (!isLast) json.nextPageToken = encodeToken({ offset: end, jql: args.jql ?? '' });
    return { json };
  }

  /** Data Center's GET/POST /rest/api/2/search: offset pages with `total`. */
  private searchOffset(v: '2' | '3', args: SearchArgs): Reply {
    if (args.problem) return jql400(args.problem);
    let hits: JiraIssueJson[];
    try {
      hits = this.select(args.jql ?? '');
    } catch (e) {
      if (e instanceof JqlError) return jql400(e.message);
      throw e;
    }
    const startAt = Math.max(0, args.startAt ?? 0);
    // A negative or missing maxResults gets the default; more than the cap gets the cap.
    const asked = args.maxResults !== undefined && args.maxResults >= 0 ? args.maxResults : 50;
    const maxResults = Math.min(asked, this.searchPageCap);
    const page = hits.slice(startAt, startAt + maxResults);
    return {
      json: {
        expand: 'names,schema',
        startAt,
        maxResults,
        total: hits.length,
        issues: page.map((x) => this.searchIssue(v, x, args.fields)),
      },
    };
  }

  private getIssue(v: '2' | '3', req: ReceivedRequest, key: string): Reply {
    const issue = this.issues.get(key.toUpperCase());
    if (!issue) return { status: 404, json: error404 };
    const all = this.deployment === 'cloud' && v === '2' ? toV2(issue.fields) : issue.fields;
    const wanted = (req.query.get('fields') ?? '*all').split(',').map((f) => f.trim());
    let fields = all;
    if (!wanted.includes('*all') && !wanted.includes('*navigable')) {
      // Only requested fields appear; unknown ids are simply absent.
      fields = Object.fromEntries(Object.entries(all).filter(([k]) => wanted.includes(k)));
    }
    const self = issue.self?.replace(/\/rest\/api\/\d\//, `/rest/api/${v}/`);
    return { json: { ...issue, self, fields } };
  }

  /** GET …/issue/{key}/comment: the stored comments as a page (orderBy=-created reverses them). */
  private listComments(req: ReceivedRequest, key: string): Reply {
    const issue = this.issues.get(key.toUpperCase());
    if (!issue) return { status: 404, json: error404 };
    const list = [...((issue.fields.comment as { comments?: unknown[] } | undefined)?.comments ?? [])];
    if (req.query.get('orderBy') === '-created') list.reverse();
    return { json: { startAt: 0, maxResults: list.length, total: list.length, comments: list } };
  }

  private addComment(v: '2' | '3', req: ReceivedRequest, key: string): Reply {
    const issue = this.issues.get(key.toUpperCase());
    if (!issue) return { status: 404, json: error404 };
    const body = (req.body as { body?: unknown } | undefined)?.body;
    if (v === '3' && !isAdfDoc(body)) return { status: 400, json: error400Comment };
    if (v === '2' && (typeof body !== 'string' || !body.trim())) {
      return { status: 400, json: error400CommentEmpty };
    }
    this.posted.push({ key: issue.key, api: v, body, headers: req.headers });
    const me: { accountId?: string; name?: string; displayName: string } =
      this.deployment === 'cloud' ? myselfV3 : myselfV2;
    const { accountId, name, displayName } = me;
    const author = { accountId, name, displayName, active: true };
    const now = new Date().toISOString().replace('Z', '+0000');
    const id = String(this.nextCommentId++);
    const comment = {
      self: `${this.url}/rest/api/${v}/issue/${issue.id}/comment/${id}`,
      id,
      author,
      body,
      updateAuthor: author,
      created: now,
      updated: now,
      ...(this.deployment === 'cloud' ? { jsdPublic: true } : {}),
    };
    // Stored in the native shape so a later GET shows it (a Cloud v2 string becomes an ADF doc).
    const paragraph = { type: 'paragraph', content: [{ type: 'text', text: body }] };
    const stored =
      this.deployment === 'cloud' && v === '2'
        ? { ...comment, body: { type: 'doc', version: 1, content: [paragraph] } }
        : comment;
    const empty = { comments: [], maxResults: 0, total: 0, startAt: 0 };
    const page = (issue.fields.comment ??= empty) as {
      comments: unknown[];
      maxResults: number;
      total: number;
    };
    page.comments.push(stored);
    page.total = page.comments.length;
    page.maxResults = page.comments.length;
    return { status: 201, json: comment };
  }
}

/** Starts a Jira fake on 127.0.0.1 with the ENG-42 fixture. */
export async function startFakeJira(opts: FakeJiraOptions = {}): Promise<FakeJira> {
  const fake = new FakeJira(opts);
  await fake.start();
  return fake;
}
