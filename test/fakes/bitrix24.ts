// A Bitrix24 portal behind an inbound webhook (apis.md §10):
// `POST /rest/{user}/{code}/{method}.json` with a JSON body (or a query string), answering
// `{ result, total, next, time }`, and errors `{ error, error_description }` with the statuses
// Bitrix24 uses. The quirks a client meets: every value a string (`"1250000.00"`, `"7"`),
// `COMPANY_ID: "0"` for none, dates in the portal's zone (+03:00), a filter on a field the portal
// does not know is ignored (every deal matches), string comparison ignores case, 50 rows a page
// with `next`, `batch` with PHP-style command strings, `$result[…]` references, and `[]` for an
// empty map. Limits: a leaky bucket (503 QUERY_LIMIT_EXCEEDED) when enabled; replies to inject.
import dealFixture from '../fixtures/bitrix24/deal.json';
import accessDenied from '../fixtures/bitrix24/error-access-denied.json';
import invalidCredentials from '../fixtures/bitrix24/error-invalid-credentials.json';
import insufficientScope from '../fixtures/bitrix24/error-insufficient-scope.json';
import methodNotFound from '../fixtures/bitrix24/error-method-not-found.json';
import notFoundActivity from '../fixtures/bitrix24/error-not-found-activity.json';
import notFound from '../fixtures/bitrix24/error-not-found.json';
import operationTimeLimit from '../fixtures/bitrix24/error-operation-time-limit.json';
import queryLimit from '../fixtures/bitrix24/error-query-limit.json';
import profileFixture from '../fixtures/bitrix24/profile.json';
import stagesDefault from '../fixtures/bitrix24/stages-DEAL_STAGE.json';
import stagesPipeline from '../fixtures/bitrix24/stages-DEAL_STAGE_3.json';
import userFixture from '../fixtures/bitrix24/user.json';
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

type Row = Record<string, unknown>;
type Params = Record<string, unknown>;

/** What a method answers: a result (with paging) or an error with its HTTP status. */
type Outcome =
  | { result: unknown; total?: number; next?: number }
  | { status: number; error: { error: string; error_description: string } };

const PAGE = 50;

/** `2026-09-28T17:02:44+03:00`: how a Moscow portal writes a moment. */
export function portalTime(ms = Date.now()): string {
  const d = new Date(ms + 3 * 3600_000);
  return `${d.toISOString().slice(0, 19)}+03:00`;
}

function timeBlock(): Row {
  const now = Date.now() / 1000;
  return {
    start: now,
    finish: now + 0.02,
    duration: 0.02,
    processing: 0.006,
    date_start: portalTime(),
    date_finish: portalTime(),
    operating_reset_at: Math.floor(now) + 600,
    operating: 0,
  };
}

function fail(status: number, body: { error: string; error_description: string }): Outcome {
  return { status, error: body };
}

/** 503 QUERY_LIMIT_EXCEEDED: the leaky bucket is full. */
export function bitrix24QueryLimitReply(): Reply {
  return { status: 503, json: queryLimit };
}

/** 429 OPERATION_TIME_LIMIT: the method used up its time budget. */
export function bitrix24TimeLimitReply(): Reply {
  return { status: 429, json: operationTimeLimit };
}

/** An error reply with Bitrix24's body. */
export function bitrix24ErrorReply(status: number, error: string, description: string): Reply {
  return { status, json: { error, error_description: description } };
}

/** 401 with `expired_token`, as an OAuth token or a revoked webhook answers. */
export const bitrix24ExpiredReply: Reply = {
  status: 401,
  json: { error: 'expired_token', error_description: 'The access token provided has expired.' },
};

/** 401 ACCESS_DENIED: REST is not part of a free plan. */
export const bitrix24AccessDeniedReply: Reply = { status: 401, json: accessDenied };

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Objects whose keys are 0…n-1 become arrays, as PHP's lists. */
function arrayify(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = v as Row;
  const keys = Object.keys(o);
  for (const k of keys) o[k] = arrayify(o[k]);
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => o[k]);
  return o;
}

/** PHP's parse_str: `filter[%40ID][0]=1&select[]=ID` → `{ filter: { '@ID': ['1'] }, … }`. */
export function parsePhpQuery(qs: string): Params {
  const root: Row = {};
  for (const pair of qs.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
    const m = /^([^[]+)((?:\[[^\]]*\])*)$/.exec(key);
    if (!m) continue;
    const segments = [m[1], ...[...m[2].matchAll(/\[([^\]]*)\]/g)].map((s) => s[1])];
    let node: Row = root;
    segments.forEach((seg, i) => {
      const name = seg === '' ? String(Object.keys(node).length) : seg;
      if (i === segments.length - 1) node[name] = value;
      else {
        if (!node[name] || typeof node[name] !== 'object') node[name] = {};
        node = node[name] as Row;
      }
    });
  }
  return arrayify(root) as Params;
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

function same(a: unknown, b: unknown): boolean {
  // MySQL's default collation: string comparison ignores case.
  return String(a ?? '').toLowerCase() === String(b ?? '').toLowerCase();
}

/** Bitrix24's filter: `=F`/`F` equal (a list means "in"), `@F` in, `!F` not equal. */
function matches(row: Row, filter: unknown, known: (field: string) => boolean): boolean {
  if (!filter || typeof filter !== 'object') return true;
  for (const [raw, wanted] of Object.entries(filter as Row)) {
    const m = /^(=|!=|!@|!|@|>=|<=|>|<|%)?(.+)$/.exec(raw);
    if (!m) continue;
    const [, op = '=', field] = m;
    // A field the portal does not know is ignored, not refused.
    if (!known(field)) continue;
    const have = asList(row[field]);
    const want = asList(wanted);
    const hit = have.some((h) => want.some((w) => same(h, w)));
    if ((op === '=' || op === '@') && !hit) return false;
    if ((op === '!' || op === '!=' || op === '!@') && hit) return false;
    const contains = (h: unknown, w: unknown) =>
      String(h).toLowerCase().includes(String(w).toLowerCase());
    if (op === '%' && !have.some((h) => want.some((w) => contains(h, w)))) return false;
  }
  return true;
}

function project(row: Row, select: unknown): Row {
  const fields = asList(select).map(String);
  if (fields.length === 0 || fields.includes('*')) {
    const wanted = ([k]: [string, unknown]) => !k.startsWith('UF_') || fields.includes('UF_*');
    return Object.fromEntries(Object.entries(row).filter(wanted));
  }
  // Fields the portal does not know are left out without an error.
  return Object.fromEntries(fields.filter((f) => f in row).map((f) => [f, row[f]]));
}

function sorted(rows: Row[], order: unknown): Row[] {
  const o = (order && typeof order === 'object' ? order : { ID: 'ASC' }) as Record<string, string>;
  const [field, dir] = Object.entries(o)[0] ?? ['ID', 'ASC'];
  const sign = String(dir).toUpperCase() === 'DESC' ? -1 : 1;
  const compare = (a: Row, b: Row) =>
    Number(a[field]) - Number(b[field]) || String(a[field]).localeCompare(String(b[field]));
  return [...rows].sort((a, b) => sign * compare(a, b));
}

function paged(rows: Row[], params: Params): Outcome {
  const start = Math.max(0, Number(params.start ?? 0) || 0);
  const page = rows.slice(start, start + PAGE);
  const next = start + PAGE < rows.length ? { next: start + PAGE } : {};
  return { result: page, total: rows.length, ...next };
}

/** A list method's answer: filtered rows, sorted, one page, each row cut to `select`. */
function listed(rows: Row[], params: Params): Outcome {
  const out = paged(sorted(rows, lower(params, 'order')), params) as { result: Row[] };
  return { ...out, result: out.result.map((r) => project(r, lower(params, 'select'))) };
}

function lower(params: Params, name: string): unknown {
  return params[name] ?? params[name.toUpperCase()] ?? params[name.toLowerCase()];
}

/** Options of a fake portal. */
export interface FakeBitrix24Options {
  /** The webhook's user id (default 1). */
  userId?: string;
  /** The webhook's code (default a 16-character one). */
  code?: string;
  /** Scopes the webhook was given (default crm and user_brief). */
  scopes?: string[];
  /** Whether the portal knows `crm.activity.todo.add` (false: an older self-hosted portal). */
  todos?: boolean;
}

/** The fake portal with its records and seeding helpers. */
export class FakeBitrix24 extends FakeServer {
  readonly userId: string;
  readonly code: string;
  scopes: Set<string>;
  todos: boolean;
  readonly deals = new Map<number, Row>();
  readonly companies = new Map<number, Row>();
  readonly users = new Map<number, Row>();
  readonly statuses = new Map<string, Row[]>();
  readonly activities = new Map<number, Row>();
  readonly comments = new Map<number, Row>();
  /** Deal user fields the portal knows. */
  readonly dealFields = new Set<string>(['UF_CRM_TICKET']);
  /** Every method run, batch commands included, in order. */
  readonly calls: Array<{ method: string; params: Params; inBatch: boolean }> = [];
  /** A leaky bucket: `capacity` requests, draining `perSecond`; off when undefined. */
  bucket?: { capacity: number; perSecond: number; level: number; at: number };
  /** Methods whose next call is carried out but whose answer is cut halfway (then forgotten). */
  readonly cutAnswer = new Set<string>();
  private nextId = 1000;

  constructor(options: FakeBitrix24Options = {}) {
    super('Bitrix24');
    this.userId = options.userId ?? '1';
    this.code = options.code ?? 'k7b2nq0z8x3v9c1m';
    this.scopes = new Set(options.scopes ?? ['crm', 'user_brief']);
    this.todos = options.todos ?? true;
    this.statuses.set('DEAL_STAGE', structuredClone(stagesDefault.result));
    this.statuses.set('DEAL_STAGE_3', structuredClone(stagesPipeline.result));
    const me = profileFixture.result;
    this.addUser({
      ID: this.userId,
      NAME: me.NAME,
      LAST_NAME: me.LAST_NAME,
      EMAIL: 'd.razrab@romashka-soft.ru',
    });
    const handler = (req: ReceivedRequest, p: Record<string, string>) => this.serve(req, p);
    this.on('POST', '/rest/:user/:code/:method', handler);
    this.on('GET', '/rest/:user/:code/:method', handler);
  }

  /** The webhook token as a user enters it: `<user id>/<code>`. */
  get token(): string {
    return `${this.userId}/${this.code}`;
  }

  /** Starts a leaky bucket (Bitrix24's default plan: 50, draining 2 a second). */
  limit(capacity = 50, perSecond = 2): void {
    this.bucket = { capacity, perSecond, level: 0, at: Date.now() };
  }

  addUser(fields: Row): string {
    const id = Number(fields.ID ?? this.nextId++);
    const template = structuredClone(userFixture.result[0]);
    this.users.set(id, { ...template, XML_ID: String(30157000 + id), ...fields, ID: String(id) });
    return String(id);
  }

  addCompany(title: string, id?: number): string {
    const companyId = id ?? this.nextId++;
    this.companies.set(companyId, {
      ID: String(companyId),
      TITLE: title,
      COMPANY_TYPE: 'CUSTOMER',
      INDUSTRY: 'IT',
      CURRENCY_ID: 'RUB',
      ASSIGNED_BY_ID: this.userId,
      DATE_CREATE: portalTime(),
      OPENED: 'Y',
    });
    return String(companyId);
  }

  /** A deal on top of the fixture's (strings everywhere, as Bitrix24 sends them). */
  addDeal(fields: Row, id?: number): string {
    const dealId = id ?? this.nextId++;
    const template = structuredClone(dealFixture.result);
    const none = { UF_CRM_TICKET: null, COMPANY_ID: '0' };
    this.deals.set(dealId, { ...template, ...none, ...fields, ID: String(dealId) });
    return String(dealId);
  }

  /** A comment on a deal's timeline written by `authorId` (a salesperson answering). */
  addComment(dealId: string, authorId: string, text: string, createdMs = Date.now()): string {
    const id = this.nextId++;
    this.comments.set(id, {
      ID: String(id),
      ENTITY_ID: dealId,
      ENTITY_TYPE: 'deal',
      CREATED: portalTime(createdMs),
      COMMENT: text,
      AUTHOR_ID: authorId,
      FILES: [],
    });
    return String(id);
  }

  /** Marks a to-do done, as the responsible user would. */
  completeTodo(id: string): void {
    const a = this.activities.get(Number(id));
    if (!a) throw new Error(`no activity ${id}`);
    a.COMPLETED = 'Y';
    a.STATUS = '2';
    a.LAST_UPDATED = portalTime(Date.now() + 1000);
  }

  /** The methods run, batch commands included. */
  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  private serve(req: ReceivedRequest, p: Record<string, string>): Reply {
    if (p.user !== this.userId || p.code !== this.code) {
      return { status: 401, json: invalidCredentials };
    }
    if (this.bucket) {
      const b = this.bucket;
      const now = Date.now();
      b.level = Math.max(0, b.level - ((now - b.at) / 1000) * b.perSecond);
      b.at = now;
      if (b.level + 1 > b.capacity) return bitrix24QueryLimitReply();
      b.level += 1;
    }
    const method = p.method.replace(/\.json$/, '');
    const params: Params = {
      ...parsePhpQuery(req.query.toString()),
      ...(req.body && typeof req.body === 'object' ? (req.body as Params) : {}),
    };
    if (method === 'batch') return { json: { result: this.batch(params), time: timeBlock() } };
    const out = this.run(method, params, false);
    if (this.cutAnswer.delete(method)) {
      // Done on the portal, but the connection drops before the answer is complete.
      return { headers: { 'content-length': '4096', connection: 'close' }, raw: '{"result":' };
    }
    if ('error' in out) return { status: out.status, json: out.error };
    const paging = {
      ...(out.total !== undefined ? { total: out.total } : {}),
      ...(out.next !== undefined ? { next: out.next } : {}),
    };
    return { json: { result: out.result, ...paging, time: timeBlock() } };
  }

  private batch(params: Params): Row {
    const cmd = (params.cmd ?? {}) as Record<string, string>;
    const halt = String(params.halt ?? '0') === '1';
    const results: Row = {};
    const errors: Row = {};
    const totals: Row = {};
    const nexts: Row = {};
    const times: Row = {};
    let n = 0;
    for (const [key, line] of Object.entries(cmd)) {
      if (++n > 50) {
        errors[key] = {
          error: 'ERROR_BATCH_LENGTH_EXCEEDED',
          error_description: 'Max batch length exceeded',
        };
        continue;
      }
      const q = String(line).indexOf('?');
      const method = (q < 0 ? String(line) : String(line).slice(0, q)).replace(/\.json$/, '');
      const query = parsePhpQuery(q < 0 ? '' : String(line).slice(q + 1));
      const params = this.substitute(query, results) as Params;
      const nested = {
        error: 'ERROR_BATCH_METHOD_NOT_ALLOWED',
        error_description: 'Method is not allowed for batch usage',
      };
      const out = method === 'batch' ? fail(405, nested) : this.run(method, params, true);
      if ('error' in out) {
        errors[key] = out.error;
        if (halt) break;
        continue;
      }
      results[key] = out.result;
      if (out.total !== undefined) totals[key] = out.total;
      if (out.next !== undefined) nexts[key] = out.next;
      times[key] = timeBlock();
    }
    // PHP's json_encode writes an empty array, not an empty object.
    const map = (m: Row) => (Object.keys(m).length ? m : []);
    return {
      result: map(results),
      result_error: map(errors),
      result_total: map(totals),
      result_next: map(nexts),
      result_time: map(times),
    };
  }

  /** `$result[key][0][ID]` in a value is replaced by that part of an earlier command's result. */
  private substitute(v: unknown, results: Row): unknown {
    if (typeof v === 'string') {
      const reference = /\$result\[([^\]]+)\]((?:\[[^\]]*\])*)/g;
      return v.replace(reference, (_m, key: string, rest: string) => {
        let cur: unknown = results[key];
        for (const seg of [...rest.matchAll(/\[([^\]]*)\]/g)].map((s) => s[1])) {
          cur = cur && typeof cur === 'object' ? (cur as Row)[seg] : undefined;
        }
        return cur === undefined || cur === null ? '' : String(cur);
      });
    }
    if (Array.isArray(v)) return v.map((x) => this.substitute(x, results));
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, this.substitute(x, results)]),
      );
    }
    return v;
  }

  private needs(scope: string | string[]): Outcome | undefined {
    const any = Array.isArray(scope) ? scope : [scope];
    return any.some((s) => this.scopes.has(s)) ? undefined : fail(403, insufficientScope);
  }

  private run(method: string, params: Params, inBatch: boolean): Outcome {
    this.calls.push({ method, params, inBatch });
    const userScopes = ['user', 'user_brief', 'user_basic'];
    switch (method) {
      case 'profile': {
        const u = this.users.get(Number(this.userId))!;
        const me = { ID: this.userId, NAME: u.NAME, LAST_NAME: u.LAST_NAME };
        return { result: { ...profileFixture.result, ...me } };
      }
      case 'user.current':
        return this.needs(userScopes) ?? { result: this.users.get(Number(this.userId)) };
      case 'user.get': {
        const denied = this.needs(userScopes);
        if (denied) return denied;
        const filter = { ...((lower(params, 'filter') as Row | undefined) ?? {}) };
        if (params.ID !== undefined) filter.ID = params.ID;
        const rows = [...this.users.values()].filter((u) => matches(u, filter, (f) => f in u));
        return paged(sorted(rows, undefined), params);
      }
      case 'crm.status.list': {
        const denied = this.needs('crm');
        if (denied) return denied;
        const filter = (lower(params, 'filter') ?? {}) as Row;
        const rows = [...this.statuses.values()]
          .flat()
          .filter((s) => matches(s, filter, (f) => f in s));
        return paged(sorted(rows, { SORT: 'ASC' }), params);
      }
      case 'crm.deal.list':
      case 'crm.company.list': {
        const denied = this.needs('crm');
        if (denied) return denied;
        const table = method === 'crm.deal.list' ? this.deals : this.companies;
        const known = (f: string) =>
          f === 'ID' || [...table.values()].some((r) => f in r) || this.dealFields.has(f);
        const rows = [...table.values()].filter((r) => matches(r, lower(params, 'filter'), known));
        return listed(rows, params);
      }
      case 'crm.deal.get':
      case 'crm.company.get': {
        const denied = this.needs('crm');
        if (denied) return denied;
        const table = method === 'crm.deal.get' ? this.deals : this.companies;
        const row = table.get(Number(lower(params, 'id')));
        return row ? { result: row } : fail(400, notFound);
      }
      case 'crm.activity.todo.add':
        if (!this.todos) return fail(404, methodNotFound);
        return this.needs('crm') ?? this.addTodo(params);
      case 'crm.activity.list': {
        const denied = this.needs('crm');
        if (denied) return denied;
        const filter = lower(params, 'filter');
        const rows = [...this.activities.values()].filter((a) => matches(a, filter, (f) => f in a));
        return listed(rows, params);
      }
      case 'crm.activity.get': {
        const denied = this.needs('crm');
        if (denied) return denied;
        const a = this.activities.get(Number(lower(params, 'id')));
        return a ? { result: a } : fail(400, notFoundActivity);
      }
      case 'crm.timeline.comment.add':
        return this.needs('crm') ?? this.addTimelineComment(params);
      case 'crm.timeline.comment.list': {
        const denied = this.needs('crm');
        if (denied) return denied;
        const filter = (lower(params, 'filter') ?? {}) as Row;
        if (filter.ENTITY_ID === undefined || filter.ENTITY_TYPE === undefined) {
          const required = 'ENTITY_ID and ENTITY_TYPE are required.';
          return fail(400, { error: '', error_description: required });
        }
        const rows = [...this.comments.values()].filter((c) => matches(c, filter, (f) => f in c));
        return listed(rows, params);
      }
      default:
        return fail(404, methodNotFound);
    }
  }

  private addTodo(params: Params): Outcome {
    const ownerTypeId = Number(params.ownerTypeId);
    const ownerId = Number(params.ownerId);
    if (!ownerTypeId || !ownerId || params.deadline === undefined) {
      const missing = 'Required fields are missing: ownerTypeId, ownerId, deadline';
      return fail(400, { error: '100', error_description: missing });
    }
    if (ownerTypeId === 2 && !this.deals.has(ownerId)) return fail(400, notFoundActivity);
    const deadline = String(params.deadline);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})?$/.test(deadline)) {
      const wrong = `Wrong datetime format: ${deadline}`;
      return fail(400, { error: 'WRONG_DATETIME_FORMAT', error_description: wrong });
    }
    const id = this.nextId++;
    const now = portalTime();
    this.activities.set(id, {
      ID: String(id),
      OWNER_ID: String(ownerId),
      OWNER_TYPE_ID: String(ownerTypeId),
      TYPE_ID: '6',
      PROVIDER_ID: 'CRM_TODO',
      PROVIDER_TYPE_ID: 'TODO',
      ASSOCIATED_ENTITY_ID: '0',
      SUBJECT: String(params.title ?? ''),
      CREATED: now,
      LAST_UPDATED: now,
      START_TIME: now,
      END_TIME: portalTime(Date.parse(deadline)),
      DEADLINE: portalTime(Date.parse(deadline)),
      COMPLETED: 'N',
      STATUS: '1',
      RESPONSIBLE_ID: String(params.responsibleId ?? this.userId),
      PRIORITY: '2',
      NOTIFY_TYPE: '1',
      NOTIFY_VALUE: '15',
      DESCRIPTION: String(params.description ?? ''),
      DESCRIPTION_TYPE: '1',
      DIRECTION: '0',
      LOCATION: '',
      SETTINGS: [],
      ORIGINATOR_ID: null,
      ORIGIN_ID: null,
      AUTHOR_ID: this.userId,
      EDITOR_ID: this.userId,
    });
    return { result: { id } };
  }

  private addTimelineComment(params: Params): Outcome {
    const fields = (params.fields ?? {}) as Row;
    const text = typeof fields.COMMENT === 'string' ? fields.COMMENT : '';
    if (fields.ENTITY_ID === undefined || !fields.ENTITY_TYPE || !text) {
      const required = 'ENTITY_ID, ENTITY_TYPE and COMMENT are required.';
      return fail(400, { error: '', error_description: required });
    }
    const onDeal = String(fields.ENTITY_TYPE).toLowerCase() === 'deal';
    if (onDeal && !this.deals.has(Number(fields.ENTITY_ID))) return fail(400, notFound);
    const id = this.addComment(String(fields.ENTITY_ID), this.userId, text);
    return { result: Number(id) };
  }
}

/** Starts a Bitrix24 fake on 127.0.0.1. */
export async function startFakeBitrix24(options: FakeBitrix24Options = {}): Promise<FakeBitrix24> {
  const fake = new FakeBitrix24(options);
  await fake.start();
  return fake;
}
