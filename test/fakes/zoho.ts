// A Zoho CRM fake: two servers, as in one real data centre. The accounts server refreshes access
// tokens from a self-client's refresh token (errors as `{ "error": "invalid_code" }` with HTTP 200
// or 400, and a cap on refreshes in a window); the API server checks `Zoho-oauthtoken` on every
// request (401 INVALID_TOKEN once a token expired) and serves Deals search (204 when nothing
// matches, pages of 200, criteria escapes), Deals by ids, the organisation, users, and a deal's
// notes (201, or a 207 with per-record codes). Ids are 19-digit strings; times carry +03:00.
import { randomBytes } from 'node:crypto';
import dealFixture from '../fixtures/zoho/deal-romashka.json';
import errorAuthenticationFailure from '../fixtures/zoho/error-authentication-failure.json';
import errorInvalidClient from '../fixtures/zoho/error-invalid-client.json';
import errorInvalidCode from '../fixtures/zoho/error-invalid-code.json';
import errorInvalidQuery from '../fixtures/zoho/error-invalid-query.json';
import errorInvalidToken from '../fixtures/zoho/error-invalid-token.json';
import errorLimitExceeded from '../fixtures/zoho/error-limit-exceeded.json';
import errorScopeMismatch from '../fixtures/zoho/error-oauth-scope-mismatch.json';
import errorRequiredParam from '../fixtures/zoho/error-required-param-missing.json';
import errorTooManyRefreshes from '../fixtures/zoho/error-too-many-refreshes.json';
import errorTooManyRequests from '../fixtures/zoho/error-too-many-requests.json';
import noteCreatedFixture from '../fixtures/zoho/note-created.json';
import noteInvalidData from '../fixtures/zoho/note-invalid-data.json';
import orgFixture from '../fixtures/zoho/org.json';
import tokenFixture from '../fixtures/zoho/token-refreshed.json';
import currentUserFixture from '../fixtures/zoho/users-current.json';
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

/** A user as the users API answers it; deals and notes show `{ name, id, email }` of it. */
export interface ZohoUser {
  id: string;
  full_name: string;
  first_name: string;
  last_name: string;
  email: string;
  status: 'active' | 'disabled';
}

/** A deal record (standard fields, plus any custom field by API name). */
export type ZohoDealRecord = Record<string, unknown> & { id: string };

/** A note as stored on a deal. */
export interface ZohoNoteRecord {
  id: string;
  Note_Title: string | null;
  Note_Content: string;
  Created_Time: string;
  Modified_Time: string;
  Owner: { name: string; id: string; email: string };
  Parent_Id: { name: string; id: string };
  $se_module: 'Deals';
}

/** How the fake is set up. */
export interface FakeZohoOptions {
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** Custom Deals fields that exist (API names), e.g. `Ticket_Key`. */
  dealFields?: string[];
  /** Scopes the tokens carry; without one, its API answers OAUTH_SCOPE_MISMATCH. */
  scopes?: string[];
  /** HTTP status of the accounts server's `{ error }` answers (Zoho has been seen using both). */
  refreshErrorStatus?: 200 | 400;
  /** Refreshes allowed per refresh token in 10 minutes before "too many requests". */
  refreshLimit?: number;
  /** The api_domain the accounts server names (default: this fake's API origin). */
  apiDomain?: string;
}

const OFFSET_MS = 3 * 3600_000;
const INVALID_RELATED = 'the related id given seems to be invalid';

/** `2026-10-01T12:12:00+03:00`: the shape of every Zoho date-time, in the org's zone. */
export function zohoTime(ms: number): string {
  return `${new Date(ms + OFFSET_MS).toISOString().slice(0, 19)}+03:00`;
}

const STANDARD_DEAL_FIELDS = [
  'Deal_Name',
  'Amount',
  'Currency',
  'Exchange_Rate',
  'Stage',
  'Closing_Date',
  'Owner',
  'Account_Name',
  'Contact_Name',
  'Probability',
  'Created_Time',
  'Modified_Time',
  'Description',
];
const NOTE_FIELDS = [
  'Note_Title',
  'Note_Content',
  'Created_Time',
  'Modified_Time',
  'Owner',
  'Parent_Id',
];

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function error(status: number, body: unknown): Reply {
  return { status, json: structuredClone(body) };
}

/** Zoho's error body: `{ code, details, message, status: "error" }`. */
function zohoError(status: number, code: string, message: string, details: object = {}): Reply {
  return { status, json: { code, details, message, status: 'error' } };
}

/** The values of an `equals` criterion: unescaped commas separate alternatives, `\x` is literal. */
export function criterionValues(raw: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\') {
      if (i + 1 >= raw.length) return undefined;
      cur += raw[++i];
    } else if (c === '(' || c === ')') return undefined;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Conditions one search takes (Zoho: "a maximum of 10 criteria"). */
export const MAX_CRITERIA = 10;

/**
 * A search's conditions: `(F:op:V)`, or `((F:op:V)or(F:op:V)…)` with up to MAX_CRITERIA of them;
 * undefined when it does not parse, `tooMany` past the limit. Escaped `\(`, `\)` stay in values.
 */
export function criteriaConditions(
  criteria: string,
): Array<{ field: string; op: string; raw: string }> | 'tooMany' | undefined {
  const single = (c: string) => {
    const m = /^\((\w+):(equals|starts_with):(.*)\)$/s.exec(c);
    return m ? { field: m[1], op: m[2], raw: m[3] } : undefined;
  };
  if (!criteria.startsWith('((')) {
    const one = single(criteria);
    return one && criterionValues(one.raw) ? [one] : undefined;
  }
  if (!criteria.endsWith(')')) return undefined;
  const inner = criteria.slice(1, -1);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '\\') i++;
    else if (c === '(') {
      if (depth === 0) {
        const between = inner.slice(start, i);
        if (parts.length ? !/^or$/i.test(between) : between !== '') return undefined;
        start = i;
      }
      depth++;
    } else if (c === ')') {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) {
        parts.push(inner.slice(start, i + 1));
        start = i + 1;
      }
    }
  }
  if (depth !== 0 || start !== inner.length) return undefined;
  const conditions = parts.map(single);
  if (conditions.some((c) => !c || !criterionValues(c.raw))) return undefined;
  return conditions.length > MAX_CRITERIA
    ? 'tooMany'
    : (conditions as Array<{ field: string; op: string; raw: string }>);
}

/** The accounts server of the fake's data centre. */
export class FakeZohoAccounts extends FakeServer {
  constructor(private readonly api: FakeZoho) {
    super('Zoho accounts');
    this.on('POST', '/oauth/v2/token', (r) => this.token(r));
  }

  private token(r: ReceivedRequest): Reply {
    const q = r.query;
    const api = this.api;
    const fail = (body: unknown) => error(api.refreshErrorStatus, body);
    if (q.get('grant_type') !== 'refresh_token') return fail({ error: 'unsupported_grant_type' });
    if (q.get('client_id') !== api.clientId || q.get('client_secret') !== api.clientSecret) {
      return fail(errorInvalidClient);
    }
    const refresh = q.get('refresh_token') ?? '';
    if (refresh !== api.refreshToken || api.refreshRevoked) return fail(errorInvalidCode);
    const now = Date.now();
    api.refreshTimes = api.refreshTimes.filter((t) => now - t < 600_000);
    if (api.refreshTimes.length >= api.refreshLimit) return error(400, errorTooManyRefreshes);
    api.refreshTimes.push(now);
    const token = api.issueToken();
    return {
      status: 200,
      json: {
        ...tokenFixture,
        access_token: token,
        api_domain: api.apiDomain ?? api.url,
        scope: api.scopes.join(' '),
      },
    };
  }
}

/** The API server; `accounts` is its data centre's accounts server (started and stopped too). */
export class FakeZoho extends FakeServer {
  readonly accounts: FakeZohoAccounts;
  readonly clientId: string;
  readonly clientSecret: string;
  refreshToken: string;
  readonly scopes: string[];
  readonly refreshErrorStatus: 200 | 400;
  readonly refreshLimit: number;
  readonly apiDomain?: string;
  readonly dealFields: Set<string>;
  /** Access tokens issued, with when they stop working. */
  readonly tokens = new Map<string, { expiresAt: number }>();
  readonly deals = new Map<string, ZohoDealRecord>();
  readonly users = new Map<string, ZohoUser>();
  readonly notes = new Map<string, ZohoNoteRecord[]>();
  /** The user every token belongs to (the integration user that creates notes). */
  readonly me: ZohoUser;
  org = structuredClone(orgFixture.org[0]) as Record<string, unknown>;
  refreshRevoked = false;
  refreshTimes: number[] = [];
  private nextId = 500_000;
  private noteRejections: Array<{ code: string; apiName: string }> = [];

  constructor(opts: FakeZohoOptions = {}) {
    super('Zoho CRM');
    this.clientId = opts.clientId ?? `1000.${hex(15).toUpperCase()}`;
    this.clientSecret = opts.clientSecret ?? hex(21);
    this.refreshToken = opts.refreshToken ?? `1000.${hex(16)}.${hex(16)}`;
    this.scopes = opts.scopes ?? tokenFixture.scope.split(' ');
    this.refreshErrorStatus = opts.refreshErrorStatus ?? 200;
    this.refreshLimit = opts.refreshLimit ?? 10;
    this.apiDomain = opts.apiDomain;
    this.dealFields = new Set([...STANDARD_DEAL_FIELDS, ...(opts.dealFields ?? ['Ticket_Key'])]);
    const me = currentUserFixture.users[0];
    this.me = {
      id: me.id,
      full_name: me.full_name,
      first_name: me.first_name,
      last_name: me.last_name,
      email: me.email,
      status: 'active',
    };
    this.users.set(this.me.id, this.me);
    this.accounts = new FakeZohoAccounts(this);
    this.registerRoutes();
  }

  override async start(port = 0): Promise<string> {
    await this.accounts.start();
    return super.start(port);
  }

  override async stop(): Promise<void> {
    await this.accounts.stop();
    await super.stop();
  }

  /** `clientId:clientSecret:refreshToken`, as a person pastes it into *Set API Token*. */
  selfClient(): string {
    return `${this.clientId}:${this.clientSecret}:${this.refreshToken}`;
  }

  /** A new refresh token replaces the old one (as after *Generate Code* and an exchange). */
  rotateRefreshToken(): string {
    this.refreshToken = `1000.${hex(16)}.${hex(16)}`;
    this.refreshRevoked = false;
    return this.refreshToken;
  }

  /** A new access token valid for an hour (what a refresh mints). */
  issueToken(lifetimeMs = 3600_000): string {
    const token = `1000.${hex(16)}.${hex(16)}`;
    this.tokens.set(token, { expiresAt: Date.now() + lifetimeMs });
    return token;
  }

  /** Every access token issued so far stops working now (an hour has passed, for the server). */
  expireTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  /** Refresh requests the accounts server received. */
  get refreshes(): ReceivedRequest[] {
    return this.accounts.requests.filter((r) => r.path === '/oauth/v2/token');
  }

  newId(): string {
    return String(5725767000000000000n + BigInt(this.nextId++));
  }

  addUser(fullName: string, email: string, id = this.newId()): ZohoUser {
    const [first, ...rest] = fullName.split(' ');
    const u: ZohoUser = {
      id,
      full_name: fullName,
      first_name: first,
      last_name: rest.join(' '),
      email,
      status: 'active',
    };
    this.users.set(id, u);
    return u;
  }

  /**
   * A deal from the Ромашка fixture with `fields` over it. `owner` sets the Owner lookup; with
   * `ownerEmail: false` the lookup carries no e-mail (as some orgs' answers do).
   */
  addDeal(
    fields: Record<string, unknown> = {},
    owner?: ZohoUser,
    ownerEmail = true,
  ): ZohoDealRecord {
    const id = typeof fields.id === 'string' ? fields.id : this.newId();
    const deal: ZohoDealRecord = { ...structuredClone(dealFixture), ...fields, id };
    if (owner) {
      deal.Owner = ownerEmail
        ? { name: owner.full_name, id: owner.id, email: owner.email }
        : { name: owner.full_name, id: owner.id };
    }
    this.deals.set(id, deal);
    return deal;
  }

  /** A note on a deal as sales would add it in the web UI. */
  addNote(dealId: string, content: string, owner: ZohoUser, at = Date.now()): ZohoNoteRecord {
    const deal = this.deals.get(dealId);
    const note: ZohoNoteRecord = {
      id: this.newId(),
      Note_Title: null,
      Note_Content: content,
      Created_Time: zohoTime(at),
      Modified_Time: zohoTime(at),
      Owner: { name: owner.full_name, id: owner.id, email: owner.email },
      Parent_Id: { name: String(deal?.Deal_Name ?? ''), id: dealId },
      $se_module: 'Deals',
    };
    this.notes.set(dealId, [...(this.notes.get(dealId) ?? []), note]);
    return note;
  }

  /** The next note POST is answered 207 with an error record (nothing stored). */
  rejectNextNote(code = 'INVALID_DATA', apiName = 'Note_Content'): this {
    this.noteRejections.push({ code, apiName });
    return this;
  }

  /** The next `times` API requests get Zoho's 429 (concurrency, or daily credits) and headers. */
  rateLimit(
    times = 1,
    kind: 'TOO_MANY_REQUESTS' | 'LIMIT_EXCEEDED' = 'TOO_MANY_REQUESTS',
    resetInMs = 2000,
  ): this {
    return this.inject(
      {
        type: 'reply',
        reply: {
          status: 429,
          json: kind === 'TOO_MANY_REQUESTS' ? errorTooManyRequests : errorLimitExceeded,
          headers: {
            'x-ratelimit-limit': '25000',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Date.now() + resetInMs),
          },
        },
      },
      times,
    );
  }

  // -----------------------------------------------------------------------------------------------

  private authorised(r: ReceivedRequest): Reply | undefined {
    const header = String(r.headers.authorization ?? '');
    const m = /^Zoho-oauthtoken (\S+)$/.exec(header);
    if (!m) return error(401, errorAuthenticationFailure);
    const t = this.tokens.get(m[1]);
    if (!t || t.expiresAt <= Date.now()) return error(401, errorInvalidToken);
    return undefined;
  }

  private scoped(scope: string): Reply | undefined {
    return this.scopes.includes(scope) ? undefined : error(401, errorScopeMismatch);
  }

  private pick(deal: ZohoDealRecord, fields: string[]): ZohoDealRecord {
    const out: ZohoDealRecord = { id: deal.id };
    for (const f of fields) if (f in deal) out[f] = deal[f];
    return out;
  }

  /** `fields` as v8 requires it: present, and every name a Deals field. */
  private fieldsOf(r: ReceivedRequest, known: Set<string>): string[] | Reply {
    const raw = r.query.get('fields');
    if (!raw) return error(400, errorRequiredParam);
    const fields = raw.split(',').map((f) => f.trim());
    const unknown = fields.find((f) => !known.has(f));
    if (unknown) {
      return error(400, {
        code: 'INVALID_DATA',
        details: { api_name: unknown },
        message: 'invalid field api name',
        status: 'error',
      });
    }
    return fields;
  }

  private page<T>(
    items: T[],
    r: ReceivedRequest,
  ): { data: T[]; info: Record<string, unknown> } | undefined {
    const perPage = Math.min(200, Math.max(1, Number(r.query.get('per_page') ?? 200) || 200));
    const page = Math.max(1, Number(r.query.get('page') ?? 1) || 1);
    const data = items.slice((page - 1) * perPage, page * perPage);
    if (!data.length) return undefined;
    return {
      data,
      info: {
        per_page: perPage,
        count: data.length,
        page,
        more_records: page * perPage < items.length,
      },
    };
  }

  private registerRoutes(): void {
    const guard =
      (handler: (r: ReceivedRequest, p: Record<string, string>) => Reply | undefined) =>
      (r: ReceivedRequest, p: Record<string, string>) =>
        this.authorised(r) ?? handler(r, p);

    this.on(
      'GET',
      '/crm/v8/Deals/search',
      guard((r) => {
        const denied = this.scoped('ZohoCRM.modules.deals.READ');
        if (denied) return denied;
        const criteria = r.query.get('criteria');
        if (!criteria) {
          return error(400, { ...errorRequiredParam, details: { param_name: 'criteria' } });
        }
        const conditions = criteriaConditions(criteria);
        if (conditions === 'tooMany') {
          const reason = { reason: `more than ${MAX_CRITERIA} criteria` };
          return zohoError(400, 'INVALID_QUERY', 'invalid query formed', reason);
        }
        if (!conditions) {
          const reason = { reason: 'invalid criteria' };
          return zohoError(400, 'INVALID_QUERY', 'invalid query formed', reason);
        }
        const unknownField = conditions.find((c) => !this.dealFields.has(c.field));
        if (unknownField) {
          const details = { ...errorInvalidQuery.details, api_name: unknownField.field };
          return error(400, { ...errorInvalidQuery, details });
        }
        const fields = r.query.has('fields')
          ? this.fieldsOf(r, this.dealFields)
          : [...this.dealFields];
        if (!Array.isArray(fields)) return fields;
        const hits = [...this.deals.values()].filter((d) =>
          conditions.some(({ field, op, raw }) => {
            const v = String(d[field] ?? '').toLowerCase();
            const wanted = (criterionValues(raw) ?? []).map((w) => w.toLowerCase());
            return wanted.some((w) => (op === 'equals' ? v === w : v.startsWith(w)));
          }),
        );
        const page = this.page(hits.map((d) => this.pick(d, fields)), r);
        return page ? { json: page } : { status: 204 };
      }),
    );

    this.on(
      'GET',
      '/crm/v8/Deals',
      guard((r) => {
        const denied = this.scoped('ZohoCRM.modules.deals.READ');
        if (denied) return denied;
        const fields = this.fieldsOf(r, this.dealFields);
        if (!Array.isArray(fields)) return fields;
        const ids = (r.query.get('ids') ?? '').split(',').filter(Boolean);
        if (ids.length > 100) {
          return zohoError(400, 'LIMIT_EXCEEDED', 'ids limit exceeded', { limit: 100 });
        }
        const found = ids.map((id) => this.deals.get(id)).filter((d): d is ZohoDealRecord => !!d);
        const page = this.page(found.map((d) => this.pick(d, fields)), r);
        return page ? { json: page } : { status: 204 };
      }),
    );

    this.on(
      'GET',
      '/crm/v8/org',
      guard(() => this.scoped('ZohoCRM.org.READ') ?? { json: { org: [this.org] } }),
    );

    this.on(
      'GET',
      '/crm/v8/users',
      guard((r) => {
        const denied = this.scoped('ZohoCRM.users.READ');
        if (denied) return denied;
        const list = r.query.get('type') === 'CurrentUser' ? [this.me] : [...this.users.values()];
        const info = { per_page: 200, count: list.length, page: 1, more_records: false };
        return { json: { users: list, info } };
      }),
    );

    this.on(
      'GET',
      '/crm/v8/users/:id',
      guard((_r, p) => {
        const denied = this.scoped('ZohoCRM.users.READ');
        if (denied) return denied;
        const u = this.users.get(p.id);
        return u ? { json: { users: [u] } } : { status: 204 };
      }),
    );

    this.on(
      'GET',
      '/crm/v8/Deals/:id/Notes',
      guard((r, p) => {
        const denied = this.scoped('ZohoCRM.modules.notes.READ');
        if (denied) return denied;
        const fields = this.fieldsOf(r, new Set(NOTE_FIELDS));
        if (!Array.isArray(fields)) return fields;
        if (!this.deals.has(p.id)) {
          return zohoError(400, 'INVALID_DATA', INVALID_RELATED, { id: p.id });
        }
        // Newest first, as the related list answers by default.
        const list = [...(this.notes.get(p.id) ?? [])]
          .sort((a, b) => Date.parse(b.Created_Time) - Date.parse(a.Created_Time))
          .map((n) => {
            const out: Record<string, unknown> = { id: n.id };
            for (const f of fields) out[f] = n[f as keyof ZohoNoteRecord];
            return out;
          });
        const page = this.page(list, r);
        return page ? { json: page } : { status: 204 };
      }),
    );

    this.on(
      'POST',
      '/crm/v8/Deals/:id/Notes',
      guard((r, p) => {
        const denied = this.scoped('ZohoCRM.modules.notes.CREATE');
        if (denied) return denied;
        if (!this.deals.has(p.id)) {
          const invalid = zohoError(400, 'INVALID_DATA', INVALID_RELATED, { id: p.id });
          return error(400, { data: [invalid.json] });
        }
        const body = r.body as { data?: unknown } | undefined;
        if (!body || !Array.isArray(body.data) || body.data.length === 0) {
          return zohoError(400, 'INVALID_DATA', 'invalid data', { api_name: 'data' });
        }
        const results: unknown[] = [];
        let failed = 0;
        body.data.forEach((raw, i) => {
          const rec = raw as { Note_Title?: unknown; Note_Content?: unknown };
          const rejection = this.noteRejections.shift();
          if (rejection || typeof rec.Note_Content !== 'string' || !rec.Note_Content.trim()) {
            failed++;
            const err = structuredClone(noteInvalidData.data[0]) as Record<string, unknown>;
            err.code = rejection?.code ?? 'INVALID_DATA';
            const apiName = rejection?.apiName ?? 'Note_Content';
            const jsonPath = `$.data[${i}].${apiName}`;
            err.details = { ...(err.details as object), api_name: apiName, json_path: jsonPath };
            results.push(err);
            return;
          }
          const note = this.addNote(p.id, rec.Note_Content, this.me);
          note.Note_Title = typeof rec.Note_Title === 'string' ? rec.Note_Title : null;
          const ok = structuredClone(noteCreatedFixture.data[0]);
          const times = { Created_Time: note.Created_Time, Modified_Time: note.Modified_Time };
          ok.details = { ...ok.details, id: note.id, ...times };
          results.push(ok);
        });
        const allFailed = failed === results.length && results.length > 1;
        const status = failed === 0 ? 201 : allFailed ? 400 : 207;
        return { status, json: { data: results } };
      }),
    );
  }
}

/** Starts a Zoho fake (API and accounts servers) on 127.0.0.1. */
export async function startFakeZoho(opts: FakeZohoOptions = {}): Promise<FakeZoho> {
  const fake = new FakeZoho(opts);
  await fake.start();
  return fake;
}
