// A faithful Jira fake: Cloud (REST v3 + v2, Basic e-mail:token, ADF) or Data Center (REST v2 only,
// Bearer PAT, strings). Bodies, status codes and headers follow /work/shared/reference/apis.md §1.
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
}

/** A comment a client posted, as received. */
export interface PostedJiraComment {
  key: string;
  api: '2' | '3';
  body: unknown;
  headers: ReceivedRequest['headers'];
}

const CLOUD_401 = 'Client must be authenticated to access this resource.';

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

/** The Jira fake: issues, comments, /myself, the removed search API, exact errors. */
export class FakeJira extends FakeServer {
  readonly deployment: 'cloud' | 'datacenter';
  readonly email: string;
  readonly token: string;
  /** Issues by upper-case key, in the native shape (v3 ADF for Cloud, v2 strings for DC). */
  readonly issues = new Map<string, JiraIssueJson>();
  readonly posted: PostedJiraComment[] = [];
  private nextCommentId = 20000;

  constructor(opts: FakeJiraOptions = {}) {
    super('Jira');
    this.deployment = opts.deployment ?? 'cloud';
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
      }
    }
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
