// An amoCRM / Kommo API v4 fake: leads (the `query` search over every filled field, by substring,
// and `filter[id][]` lists), companies, pipelines with their statuses, users, the account (currency
// and time zone), tasks and lead notes. Its quirks are the real API's: HAL bodies
// (`_embedded`, `_links.next`, `_page`), 204 with no body for an empty list (and for a single task
// or user that does not exist), `application/problem+json` errors with `validation-errors`, an
// empty custom field list as `null` and an empty task result serialised by PHP as `[]`, Unix-second
// times, Bearer auth, and 429 past the per-second limit (with or without Retry-After).
import accountFixture from '../fixtures/amocrm/account.json';
import error401 from '../fixtures/amocrm/error-401.json';
import error402 from '../fixtures/amocrm/error-402.json';
import error403 from '../fixtures/amocrm/error-403.json';
import error429 from '../fixtures/amocrm/error-429.json';
import pipelinesFixture from '../fixtures/amocrm/pipelines.json';
import { FakeServer, type Handler, type ReceivedRequest, type Reply } from './fakeServer';

/** One value list of a lead custom field, as leads carry them. */
export interface AmoFieldValue {
  field_id: number;
  field_name: string;
  field_code: string | null;
  field_type: string;
  values: Array<{ value: unknown; enum_id?: number; enum_code?: string | null }>;
}

/** A lead as the fake stores it. */
export interface AmoLead {
  id: number;
  name: string;
  price: number;
  responsible_user_id: number;
  group_id: number;
  status_id: number;
  pipeline_id: number;
  loss_reason_id: number | null;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
  closest_task_at: number | null;
  is_deleted: boolean;
  custom_fields_values: AmoFieldValue[] | null;
  score: number | null;
  account_id: number;
  labor_cost: number | null;
  /** Not serialised as such: becomes `_embedded.companies`. */
  companyId?: number;
}

/** A user of the account. */
export interface AmoUser {
  id: number;
  name: string;
  email: string;
  lang: string;
  rights: Record<string, unknown>;
}

/** A task as the API returns it. */
export interface AmoTask {
  id: number;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  responsible_user_id: number;
  group_id: number;
  entity_id: number | null;
  entity_type: string | null;
  duration: number;
  is_completed: boolean;
  task_type_id: number;
  text: string;
  /** PHP's empty array until the task is closed with a result. */
  result: [] | { text: string };
  complete_till: number;
  account_id: number;
}

/** A note in a lead's feed. */
export interface AmoNote {
  id: number;
  entity_id: number;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  responsible_user_id: number;
  group_id: number;
  note_type: string;
  params: { text?: string } | [];
  account_id: number;
}

/** How the fake behaves beyond its data. */
export interface FakeAmocrmOptions {
  /** The long-lived token every request must carry as `Bearer …`. */
  token?: string;
  /** Requests accepted per second (the account's limit, about 7); unset: no limit. */
  perSecond?: number;
  /** Retry-After seconds sent with the limit's 429; null sends none (amoCRM does both). */
  retryAfter?: number | null;
}

interface FieldError {
  request_id: string;
  code: string;
  path: string;
  detail: string;
}

const HAL = { 'content-type': 'application/hal+json' };
const PROBLEM = { 'content-type': 'application/problem+json' };
const ORIGIN = 'https://acme.amocrm.ru';
const ACCOUNT_ID = accountFixture.id;
const NOTE_TYPES = new Set([
  'common',
  'call_in',
  'call_out',
  'service_message',
  'extended_service_message',
  'message_cashier',
  'geolocation',
  'sms_in',
  'sms_out',
  'attachment',
]);
const NOT_BLANK = 'This value should not be blank.';
const BAD_CHOICE = 'The value you selected is not a valid choice.';
const NOT_ARRAY = 'This value should be of type array and not empty.';

/** The lead custom field the tests use as the ticket field ("Задача в трекере"). */
export const TicketFieldId = 1279381;
/** Another text field that may mention ticket keys too ("Комментарий"). */
export const OtherFieldId = 1279383;

/** An `application/problem+json` reply. */
export function amocrmProblem(
  status: number,
  body: object,
  headers: Record<string, string> = {},
): Reply {
  return { status, headers: { ...PROBLEM, ...headers }, json: body };
}

/** The 429 amoCRM answers past its per-second limit, with Retry-After or (as often) without. */
export function amocrmRateLimitReply(retryAfter?: number): Reply {
  const headers: Record<string, string> =
    retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
  return amocrmProblem(429, error429, headers);
}

/** The 402 of an unpaid or suspended account. */
export function amocrmSuspendedReply(): Reply {
  return amocrmProblem(402, error402);
}

/** The 403 of a user without rights on what was asked. */
export function amocrmForbiddenReply(): Reply {
  return amocrmProblem(403, error403);
}

/** amoCRM's 400 with its `validation-errors`, grouped by the item (`request_id`) they concern. */
function validation(errors: FieldError[]): Reply {
  const byRequest = new Map<string, Array<Omit<FieldError, 'request_id'>>>();
  for (const { request_id, ...e } of errors) {
    byRequest.set(request_id, [...(byRequest.get(request_id) ?? []), e]);
  }
  return amocrmProblem(400, {
    'validation-errors': [...byRequest].map(([request_id, errs]) => ({ request_id, errors: errs })),
    title: 'Bad Request',
    type: 'https://httpstatus.es/400',
    status: 400,
    detail: 'Request validation failed',
  });
}

/** Values of a PHP-style list parameter: `name[]=1&name[]=2`, `name[0]=1`, or `name=1,2`. */
export function phpList(query: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of query) {
    if (k === name) out.push(...v.split(','));
    else if (k.startsWith(`${name}[`) && /^\[\d*\]$/.test(k.slice(name.length))) out.push(v);
  }
  return out.map((s) => s.trim()).filter(Boolean);
}

const seconds = () => Math.floor(Date.now() / 1000);
const link = (path: string) => ({ self: { href: `${ORIGIN}${path}` } });

/** The fake server plus its data and seeding helpers. */
export class FakeAmocrm extends FakeServer {
  readonly token: string;
  /** The token's user (`current_user_id`): the author of every task and note posted through it. */
  readonly meId = accountFixture.current_user_id;
  readonly leads = new Map<number, AmoLead>();
  readonly companies = new Map<number, { id: number; name: string; is_deleted: boolean }>();
  readonly users = new Map<number, AmoUser>();
  readonly tasks = new Map<number, AmoTask>();
  readonly notes = new Map<number, AmoNote>();
  account: Record<string, unknown> = structuredClone(accountFixture);
  pipelines = structuredClone(pipelinesFixture);
  private nextId = 31_500_000;
  private readonly window: number[] = [];

  constructor(private readonly options: FakeAmocrmOptions = {}) {
    super('amoCRM');
    this.token = options.token ?? 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.long-lived-token-0f3c9a';
    this.requireAuth = {
      header: 'authorization',
      value: `Bearer ${this.token}`,
      unauthorized: () => amocrmProblem(401, error401),
    };
    this.addUser('Администратор', 'admin@romashka-soft.ru', this.meId);
    this.registerRoutes();
  }

  /** Adds a user of the account; returns its id. */
  addUser(name: string, email: string, id?: number): number {
    const userId = id ?? this.nextId++;
    const leads = { view: 'A', edit: 'A', add: 'A', delete: 'A', export: 'A' };
    this.users.set(userId, {
      id: userId,
      name,
      email,
      lang: 'ru',
      rights: { leads, is_admin: userId === this.meId, is_active: true },
    });
    return userId;
  }

  /** Adds a company; returns its id. */
  addCompany(name: string, id?: number): number {
    const companyId = id ?? this.nextId++;
    this.companies.set(companyId, { id: companyId, name, is_deleted: false });
    return companyId;
  }

  /**
   * Adds a lead; `ticket` fills the ticket field (TicketFieldId) with that text, `other` the other
   * text field. Returns its id.
   */
  addLead(lead: Partial<AmoLead> & { ticket?: string; other?: string }, id?: number): number {
    const leadId = id ?? this.nextId++;
    const { ticket, other, ...rest } = lead;
    const field = (field_id: number, field_name: string, type: string, value: string) => ({
      field_id,
      field_name,
      field_code: null,
      field_type: type,
      values: [{ value }],
    });
    const fields: AmoFieldValue[] = [];
    if (ticket !== undefined) fields.push(field(TicketFieldId, 'Задача в трекере', 'text', ticket));
    if (other !== undefined) fields.push(field(OtherFieldId, 'Комментарий', 'textarea', other));
    const now = seconds();
    this.leads.set(leadId, {
      id: leadId,
      name: `Сделка #${leadId}`,
      price: 0,
      responsible_user_id: this.meId,
      group_id: 0,
      status_id: 55502,
      pipeline_id: 7001,
      loss_reason_id: null,
      created_by: this.meId,
      updated_by: this.meId,
      created_at: now,
      updated_at: now,
      closed_at: null,
      closest_task_at: null,
      is_deleted: false,
      // An empty field list is null, not [].
      custom_fields_values: fields.length ? fields : null,
      score: null,
      account_id: ACCOUNT_ID,
      labor_cost: null,
      ...rest,
    });
    return leadId;
  }

  /** Closes a task as a sales rep would, with or without a result. */
  completeTask(id: number, result?: string, by = this.meId): void {
    const task = this.tasks.get(id);
    if (!task) throw new Error(`no task ${id}`);
    task.is_completed = true;
    if (result !== undefined) task.result = { text: result };
    task.updated_by = by;
    task.updated_at = seconds();
  }

  /** A note written in the lead's feed by `by`; returns its id. */
  addNote(leadId: number, text: string, by: number, at = seconds(), noteType = 'common'): number {
    const id = this.nextId++;
    this.notes.set(id, {
      id,
      entity_id: leadId,
      created_by: by,
      updated_by: by,
      created_at: at,
      updated_at: at,
      responsible_user_id: by,
      group_id: 0,
      note_type: noteType,
      params: { text },
      account_id: ACCOUNT_ID,
    });
    return id;
  }

  /** Requests to exactly this path (a string) or to paths that match (a RegExp). */
  count(pathPart: string | RegExp): number {
    const hit = (p: string) => (typeof pathPart === 'string' ? p === pathPart : pathPart.test(p));
    return this.requests.filter((r) => hit(r.path)).length;
  }

  // ---------------------------------------------------------------------------------------------

  /** A route behind the account's per-second limit. */
  private route(method: string, path: string, handler: Handler): void {
    this.on(method, path, (req, params) => {
      const limit = this.options.perSecond;
      if (limit !== undefined) {
        const now = Date.now();
        while (this.window.length && now - this.window[0] >= 1000) this.window.shift();
        if (this.window.length >= limit) {
          const after = this.options.retryAfter;
          return amocrmRateLimitReply(after === null ? undefined : (after ?? 1));
        }
        this.window.push(now);
      }
      return handler(req, params);
    });
  }

  private hal(json: unknown): Reply {
    return { headers: HAL, json };
  }

  private registerRoutes(): void {
    this.route('GET', '/api/v4/account', (req) => {
      const withs = (req.query.get('with') ?? '').split(',');
      const { _embedded: embedded, ...rest } = this.account;
      const picked = Object.entries((embedded ?? {}) as Record<string, unknown>).filter(([k]) =>
        withs.includes(k),
      );
      return this.hal(picked.length ? { ...rest, _embedded: Object.fromEntries(picked) } : rest);
    });
    this.route('GET', '/api/v4/leads/pipelines', () => this.hal(this.pipelines));
    this.route('GET', '/api/v4/leads', (req) => this.listLeads(req));
    this.route('GET', '/api/v4/companies', (req) => this.listCompanies(req));
    this.route('GET', '/api/v4/users', (req) =>
      this.page(req, '/api/v4/users', 'users', [...this.users.values()], (u) => ({
        ...u,
        _links: link(`/api/v4/users/${u.id}`),
      })),
    );
    this.route('GET', '/api/v4/users/:id', (_req, { id }) => {
      const u = this.users.get(Number(id));
      return u ? this.hal({ ...u, _links: link(`/api/v4/users/${u.id}`) }) : { status: 204 };
    });
    this.route('POST', '/api/v4/tasks', (req) => this.createTasks(req));
    this.route('GET', '/api/v4/tasks', (req) => this.listTasks(req));
    this.route('GET', '/api/v4/tasks/:id', (_req, { id }) => {
      const t = this.tasks.get(Number(id));
      return t ? this.hal(this.taskJson(t)) : { status: 204 };
    });
    this.route('POST', '/api/v4/leads/notes', (req) => this.createNotes(req));
    this.route('GET', '/api/v4/leads/:id/notes', (req, { id }) => this.listNotes(req, Number(id)));
  }

  /** One page of `items` as a HAL list, or 204 with no body when the page is empty. */
  private page<T>(
    req: ReceivedRequest,
    path: string,
    key: string,
    items: T[],
    json: (t: T) => unknown,
  ): Reply {
    const limit = Number(req.query.get('limit') ?? 50);
    const page = Number(req.query.get('page') ?? 1);
    if (!Number.isInteger(limit) || limit < 1 || limit > 250) {
      const detail = 'This value should be less than or equal to 250.';
      return validation([{ request_id: '0', code: 'LessThanOrEqual', path: 'limit', detail }]);
    }
    if (!Number.isInteger(page) || page < 1) {
      const detail = 'This value should be greater than or equal to 1.';
      return validation([{ request_id: '0', code: 'GreaterThanOrEqual', path: 'page', detail }]);
    }
    const slice = items.slice((page - 1) * limit, page * limit);
    if (slice.length === 0) return { status: 204 };
    const href = (p: number) => `${ORIGIN}${path}?page=${p}&limit=${limit}`;
    const next = page * limit < items.length ? { next: { href: href(page + 1) } } : {};
    return this.hal({
      _page: page,
      _links: { self: { href: href(page) }, ...next },
      _embedded: { [key]: slice.map(json) },
    });
  }

  private leadJson(l: AmoLead): unknown {
    const { companyId, ...rest } = l;
    const companies = companyId
      ? [{ id: companyId, _links: link(`/api/v4/companies/${companyId}`) }]
      : [];
    return { ...rest, _links: link(`/api/v4/leads/${l.id}`), _embedded: { tags: [], companies } };
  }

  private listLeads(req: ReceivedRequest): Reply {
    const ids = phpList(req.query, 'filter[id]').map(Number);
    const query = (req.query.get('query') ?? '').trim().toLowerCase();
    // `query` matches any filled field by substring, case-insensitively: not an exact filter.
    const texts = (l: AmoLead) => [
      l.name,
      String(l.price),
      ...(l.custom_fields_values ?? []).flatMap((f) => f.values.map((v) => String(v.value))),
    ];
    const matches = (l: AmoLead) => !query || texts(l).some((s) => s.toLowerCase().includes(query));
    const all = [...this.leads.values()].filter(
      (l) => !l.is_deleted && (ids.length === 0 || ids.includes(l.id)) && matches(l),
    );
    return this.page(req, '/api/v4/leads', 'leads', all, (l) => this.leadJson(l));
  }

  private listCompanies(req: ReceivedRequest): Reply {
    const ids = phpList(req.query, 'filter[id]').map(Number);
    const all = [...this.companies.values()].filter(
      (c) => !c.is_deleted && (ids.length === 0 || ids.includes(c.id)),
    );
    const now = seconds();
    return this.page(req, '/api/v4/companies', 'companies', all, (c) => ({
      id: c.id,
      name: c.name,
      responsible_user_id: this.meId,
      group_id: 0,
      created_by: this.meId,
      updated_by: this.meId,
      created_at: now,
      updated_at: now,
      closest_task_at: null,
      is_deleted: false,
      custom_fields_values: null,
      account_id: ACCOUNT_ID,
      _links: link(`/api/v4/companies/${c.id}`),
      _embedded: { tags: [] },
    }));
  }

  private taskJson(t: AmoTask): unknown {
    return { ...t, _links: link(`/api/v4/tasks/${t.id}`) };
  }

  private taskErrors(t: Record<string, unknown>, request_id: string): FieldError[] {
    const errors: FieldError[] = [];
    const add = (code: string, path: string, detail: string) =>
      errors.push({ request_id, code, path, detail });
    if (typeof t.text !== 'string' || !t.text.trim()) add('NotBlank', 'text', NOT_BLANK);
    if (!Number.isInteger(t.complete_till)) {
      add('InvalidType', 'complete_till', 'This value should be of type int.');
    }
    if (t.entity_id !== undefined) {
      if (!['leads', 'contacts', 'companies', 'customers'].includes(String(t.entity_type))) {
        add('NotSupportedChoice', 'entity_type', BAD_CHOICE);
      } else if (t.entity_type === 'leads' && !this.leads.has(Number(t.entity_id))) {
        add('NotFound', 'entity_id', 'Entity not found.');
      }
    }
    if (t.responsible_user_id !== undefined && !this.users.has(Number(t.responsible_user_id))) {
      add('NotSupportedChoice', 'responsible_user_id', BAD_CHOICE);
    }
    if (t.task_type_id !== undefined && ![1, 2, 3].includes(Number(t.task_type_id))) {
      add('NotSupportedChoice', 'task_type_id', BAD_CHOICE);
    }
    return errors;
  }

  private createTasks(req: ReceivedRequest): Reply {
    const items = req.body;
    if (!Array.isArray(items) || items.length === 0 || items.length > 250) {
      return validation([{ request_id: '0', code: 'InvalidType', path: '', detail: NOT_ARRAY }]);
    }
    const records = items.map((raw: unknown) => (raw ?? {}) as Record<string, unknown>);
    const errors = records.flatMap((t, i) => this.taskErrors(t, String(i)));
    if (errors.length) return validation(errors);
    const created = records.map((raw, i) => {
      const id = this.nextId++;
      const now = seconds();
      const entity = raw.entity_id !== undefined;
      this.tasks.set(id, {
        id,
        created_by: this.meId,
        updated_by: this.meId,
        created_at: now,
        updated_at: now,
        responsible_user_id:
          raw.responsible_user_id !== undefined ? Number(raw.responsible_user_id) : this.meId,
        group_id: 0,
        entity_id: entity ? Number(raw.entity_id) : null,
        entity_type: entity ? String(raw.entity_type) : null,
        duration: Number(raw.duration ?? 0),
        is_completed: raw.is_completed === true,
        task_type_id: Number(raw.task_type_id ?? 1),
        text: String(raw.text),
        result: [],
        complete_till: Number(raw.complete_till),
        account_id: ACCOUNT_ID,
      });
      const request_id = String(raw.request_id ?? i);
      return { id, request_id, _links: link(`/api/v4/tasks/${id}`) };
    });
    return this.hal({ _links: link('/api/v4/tasks'), _embedded: { tasks: created } });
  }

  private listTasks(req: ReceivedRequest): Reply {
    const q = req.query;
    const entityType = q.get('filter[entity_type]');
    const entityIds = phpList(q, 'filter[entity_id]').map(Number);
    if (entityIds.length && !entityType) {
      const detail = 'filter[entity_type] is required with filter[entity_id].';
      const path = 'filter.entity_type';
      return validation([{ request_id: '0', code: 'NotBlank', path, detail }]);
    }
    const completed = q.get('filter[is_completed]');
    const responsible = phpList(q, 'filter[responsible_user_id]').map(Number);
    const all = [...this.tasks.values()].filter(
      (t) =>
        (!entityType || t.entity_type === entityType) &&
        (entityIds.length === 0 || (t.entity_id !== null && entityIds.includes(t.entity_id))) &&
        (completed === null || t.is_completed === (completed === '1')) &&
        (responsible.length === 0 || responsible.includes(t.responsible_user_id)),
    );
    if ((q.get('order[id]') ?? q.get('order[created_at]')) === 'desc') all.reverse();
    return this.page(req, '/api/v4/tasks', 'tasks', all, (t) => this.taskJson(t));
  }

  private createNotes(req: ReceivedRequest): Reply {
    const items = req.body;
    if (!Array.isArray(items) || items.length === 0) {
      return validation([{ request_id: '0', code: 'InvalidType', path: '', detail: NOT_ARRAY }]);
    }
    type NoteInput = { entity_id?: unknown; note_type?: unknown; params?: { text?: unknown } };
    const records = items.map((raw: unknown) => (raw ?? {}) as NoteInput);
    const errors: FieldError[] = [];
    records.forEach((n, i) => {
      const add = (code: string, path: string, detail: string) =>
        errors.push({ request_id: String(i), code, path, detail });
      if (!this.leads.has(Number(n.entity_id))) add('NotFound', 'entity_id', 'Entity not found.');
      if (!NOTE_TYPES.has(String(n.note_type))) add('NotSupportedChoice', 'note_type', BAD_CHOICE);
      const text = n.params?.text;
      if (n.note_type === 'common' && (typeof text !== 'string' || !text.trim())) {
        add('NotBlank', 'params.text', NOT_BLANK);
      }
    });
    if (errors.length) return validation(errors);
    const created = records.map((n, i) => {
      const leadId = Number(n.entity_id);
      const text = String(n.params?.text ?? '');
      const id = this.addNote(leadId, text, this.meId, seconds(), String(n.note_type));
      return {
        id,
        entity_id: leadId,
        request_id: String(i),
        _links: link(`/api/v4/leads/notes/${id}`),
      };
    });
    return this.hal({ _links: link('/api/v4/leads/notes'), _embedded: { notes: created } });
  }

  private listNotes(req: ReceivedRequest, leadId: number): Reply {
    if (!this.leads.has(leadId)) {
      const body = { title: 'Not Found', type: 'https://httpstatus.es/404', status: 404 };
      return amocrmProblem(404, { ...body, detail: 'Сущность не найдена' });
    }
    const q = req.query;
    const types = phpList(q, 'filter[note_type]');
    const from = Number(q.get('filter[updated_at][from]') ?? q.get('filter[updated_at]') ?? 0);
    const to = Number(q.get('filter[updated_at][to]') ?? Infinity);
    const all = [...this.notes.values()]
      .filter(
        (n) =>
          n.entity_id === leadId &&
          (types.length === 0 || types.includes(n.note_type)) &&
          n.updated_at >= from &&
          n.updated_at <= to,
      )
      .sort((a, b) => a.id - b.id);
    if ((q.get('order[id]') ?? q.get('order[updated_at]')) === 'desc') all.reverse();
    return this.page(req, `/api/v4/leads/${leadId}/notes`, 'notes', all, (n) => ({
      ...n,
      _links: link(`/api/v4/leads/${leadId}/notes/${n.id}`),
    }));
  }
}

/** Starts an amoCRM fake on 127.0.0.1. */
export async function startFakeAmocrm(options: FakeAmocrmOptions = {}): Promise<FakeAmocrm> {
  const fake = new FakeAmocrm(options);
  await fake.start();
  return fake;
}
