// A Pipedrive fake (apis.md §6): v2 deals (get, list by ids, exact-match search over custom
// fields), organisations and stages; v1 users, notes and activities (for "questions to sales");
// `x-api-token` auth, `{success:false, error, error_info}` bodies and x-ratelimit-* headers.
import dealFixture from '../fixtures/pipedrive/deal.json';
import error401 from '../fixtures/pipedrive/error-401.json';
import error404 from '../fixtures/pipedrive/error-404.json';
import error429 from '../fixtures/pipedrive/error-429.json';
import stagesFixture from '../fixtures/pipedrive/stages.json';
import meFixture from '../fixtures/pipedrive/user-me.json';
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

export type PipedriveDeal = Omit<
  typeof dealFixture.data,
  'custom_fields' | 'close_time' | 'probability'
> & {
  custom_fields: Record<string, unknown>;
  close_time: string | null;
  probability: number | null;
};

export interface PipedriveUser {
  id: number;
  name: string;
  email: string;
  active_flag: boolean;
  is_deleted: boolean;
  [k: string]: unknown;
}

export interface PipedriveNote {
  id: number;
  content: string;
  deal_id: number | null;
  user_id: number;
  pinned_to_deal_flag: boolean;
  add_time: string;
  [k: string]: unknown;
}

export interface PipedriveActivity {
  id: number;
  subject: string;
  type: string;
  done: boolean;
  due_date: string | null;
  deal_id: number | null;
  user_id: number;
  note: string | null;
  add_time: string;
  marked_as_done_time: string;
  [k: string]: unknown;
}

export interface FakePipedriveOptions {
  token?: string;
}

const GENERIC_INFO =
  'Please check developers.pipedrive.com for more information about Pipedrive API.';
const ACTIVITY_TYPES = ['call', 'meeting', 'task', 'deadline', 'email', 'lunch'];

function pdError(status: number, error: string, extra: object = {}): Reply {
  return {
    status,
    json: {
      success: false,
      error,
      error_info: GENERIC_INFO,
      data: null,
      additional_data: null,
      ...extra,
    },
  };
}

/** The 429 Pipedrive sends when the 2-second burst budget of the token is used up. */
export function pipedriveRateLimitReply(resetSeconds = 2): Reply {
  return {
    status: 429,
    headers: {
      'x-ratelimit-limit': '80',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(resetSeconds),
    },
    json: error429,
  };
}

/** The fake server plus its company data and seeding helpers. */
export class FakePipedrive extends FakeServer {
  readonly token: string;
  readonly deals = new Map<number, PipedriveDeal>();
  readonly organizations = new Map<number, { id: number; name: string; [k: string]: unknown }>();
  readonly users = new Map<number, PipedriveUser>();
  readonly notes = new Map<number, PipedriveNote>();
  readonly activities = new Map<number, PipedriveActivity>();
  stages = structuredClone(stagesFixture.data);
  readonly meId: number;
  private nextId = 100;
  private remaining = 80;

  constructor(options: FakePipedriveOptions = {}) {
    super('Pipedrive');
    this.token = options.token ?? '6f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6';
    const me = meFixture.data;
    this.meId = me.id;
    this.users.set(me.id, { ...me });
    this.requireAuth = {
      header: 'x-api-token',
      value: this.token,
      unauthorized: () => ({ status: 401, json: error401 }),
    };
    this.registerRoutes();
  }

  addUser(name: string, email: string, id?: number): number {
    const userId = id ?? this.nextId++;
    this.users.set(userId, {
      id: userId,
      name,
      email,
      active_flag: true,
      is_deleted: false,
      is_you: false,
    });
    return userId;
  }

  addOrganization(name: string, id?: number): number {
    const orgId = id ?? this.nextId++;
    this.organizations.set(orgId, {
      id: orgId,
      name,
      owner_id: this.meId,
      add_time: '2024-01-10T09:00:00Z',
      update_time: null,
      visible_to: 3,
      label_ids: [],
      address: null,
      is_deleted: false,
      custom_fields: {},
    });
    return orgId;
  }

  /** Adds a deal on top of the fixture's shape. Returns its id. */
  addDeal(fields: Partial<PipedriveDeal>, id?: number): number {
    const dealId = id ?? this.nextId++;
    this.deals.set(dealId, {
      ...structuredClone(dealFixture.data),
      org_id: null as unknown as number,
      person_id: null as unknown as number,
      expected_close_date: null as unknown as string,
      custom_fields: {},
      ...fields,
      id: dealId,
    } as PipedriveDeal);
    return dealId;
  }

  /** Marks an activity done, as the sales rep would. */
  completeActivity(id: number): void {
    const a = this.activities.get(id);
    if (!a) throw new Error(`no activity ${id}`);
    a.done = true;
    a.marked_as_done_time = new Date().toISOString().replace('T', ' ').slice(0, 19);
  }

  count(pathPart: string): number {
    return this.requests.filter((r) => r.path.includes(pathPart)).length;
  }

  private rateHeaders(): Record<string, string> {
    this.remaining = this.remaining > 1 ? this.remaining - 1 : 80;
    return {
      'x-ratelimit-limit': '80',
      'x-ratelimit-remaining': String(this.remaining),
      'x-ratelimit-reset': '2',
    };
  }

  private ok(data: unknown, additional: unknown = null, status = 200): Reply {
    return {
      status,
      headers: this.rateHeaders(),
      json: { success: true, data, additional_data: additional },
    };
  }

  private ids(req: ReceivedRequest): number[] | Reply {
    const raw = req.query.get('ids');
    if (raw === null) return [];
    const parts = raw.split(',').map((s) => s.trim());
    if (parts.some((p) => !/^\d+$/.test(p)))
      return pdError(400, 'Validation failed: ids: Must be an array of integers', {
        code: 'ERR_SCHEMA_VALIDATION_FAILED',
      });
    if (parts.length > 100)
      return pdError(400, 'Validation failed: ids: Must contain at most 100 items', {
        code: 'ERR_SCHEMA_VALIDATION_FAILED',
      });
    return parts.map(Number);
  }

  private paginate<T>(req: ReceivedRequest, all: T[]): Reply {
    const limit = Number(req.query.get('limit') ?? 100);
    if (!(limit >= 1 && limit <= 500))
      return pdError(400, 'Validation failed: limit: Must be less than or equal to 500', {
        code: 'ERR_SCHEMA_VALIDATION_FAILED',
      });
    const cursor = req.query.get('cursor');
    const offset = cursor
      ? Number(Buffer.from(cursor, 'base64url').toString('utf8').replace('offset:', ''))
      : 0;
    const page = all.slice(offset, offset + limit);
    const next =
      offset + limit < all.length
        ? Buffer.from(`offset:${offset + limit}`).toString('base64url')
        : null;
    return this.ok(page, { next_cursor: next });
  }

  private projectDeal(d: PipedriveDeal, req: ReceivedRequest): PipedriveDeal {
    const only = req.query.get('custom_fields');
    if (!only) return d;
    const keys = only.split(',');
    return {
      ...d,
      custom_fields: Object.fromEntries(
        Object.entries(d.custom_fields).filter(([k]) => keys.includes(k)),
      ),
    };
  }

  private search(req: ReceivedRequest): Reply {
    const term = (req.query.get('term') ?? '').trim();
    const exact = req.query.get('exact_match') === 'true';
    if (term.length < (exact ? 1 : 2)) {
      return pdError(400, 'Validation failed: term: Must be at least 2 characters long', {
        code: 'ERR_SCHEMA_VALIDATION_FAILED',
      });
    }
    const fields = (req.query.get('fields') ?? 'custom_fields,notes,title').split(',');
    const t = term.toLowerCase();
    const hit = (v: unknown): boolean =>
      typeof v === 'string' && (exact ? v.trim().toLowerCase() === t : v.toLowerCase().includes(t));
    const items = [...this.deals.values()]
      .filter((d) => !d.is_deleted)
      .filter(
        (d) =>
          (fields.includes('title') && hit(d.title)) ||
          (fields.includes('custom_fields') && Object.values(d.custom_fields).some(hit)),
      )
      .map((d) => {
        const org = d.org_id ? this.organizations.get(d.org_id) : undefined;
        const stage = this.stages.find((s) => s.id === d.stage_id);
        return {
          result_score: 1.0,
          item: {
            id: d.id,
            type: 'deal',
            title: d.title,
            value: d.value,
            currency: d.currency,
            status: d.status,
            visible_to: d.visible_to,
            owner: { id: d.owner_id },
            stage: stage ? { id: stage.id, name: stage.name } : null,
            person: null,
            organization: org ? { id: org.id, name: org.name, address: null } : null,
            custom_fields: Object.values(d.custom_fields).filter((v) => typeof v === 'string'),
            notes: [],
            is_archived: false,
          },
        };
      });
    const reply = this.paginate(req, items);
    const body = reply.json as { data: unknown[]; additional_data: unknown };
    // Search wraps its page in `data.items`.
    return {
      ...reply,
      json: { success: true, data: { items: body.data }, additional_data: body.additional_data },
    };
  }

  private registerRoutes(): void {
    const v1 = (path: string): string[] => [`/api/v1${path}`, `/v1${path}`];

    this.on('GET', '/api/v2/deals/search', (req) => this.search(req));
    this.on('GET', '/api/v2/deals/:id', (req, { id }) => {
      const d = this.deals.get(Number(id));
      if (!d || d.is_deleted) return { ...pdError(404, 'Deal not found'), json: error404 };
      return this.ok(this.projectDeal(d, req));
    });
    this.on('GET', '/api/v2/deals', (req) => {
      const ids = this.ids(req);
      if (!Array.isArray(ids)) return ids;
      const all = [...this.deals.values()]
        .filter((d) => !d.is_deleted && (ids.length === 0 || ids.includes(d.id)))
        .map((d) => this.projectDeal(d, req));
      return this.paginate(req, all);
    });
    this.on('GET', '/api/v2/organizations/:id', (_req, { id }) => {
      const o = this.organizations.get(Number(id));
      return o ? this.ok(o) : pdError(404, 'Organization not found');
    });
    this.on('GET', '/api/v2/organizations', (req) => {
      const ids = this.ids(req);
      if (!Array.isArray(ids)) return ids;
      return this.paginate(
        req,
        [...this.organizations.values()].filter((o) => ids.length === 0 || ids.includes(o.id)),
      );
    });
    this.on('GET', '/api/v2/stages', (req) => {
      const pipeline = req.query.get('pipeline_id');
      return this.paginate(
        req,
        this.stages.filter((s) => !pipeline || String(s.pipeline_id) === pipeline),
      );
    });
    for (const path of v1('/users/me'))
      this.on('GET', path, () => this.ok(this.users.get(this.meId)));
    for (const path of v1('/users/:id')) {
      this.on('GET', path, (_req, { id }) => {
        const u = this.users.get(Number(id));
        return u ? this.ok(u) : pdError(404, 'User not found');
      });
    }
    for (const path of v1('/users')) this.on('GET', path, () => this.ok([...this.users.values()]));
    for (const path of v1('/notes')) this.on('POST', path, (req) => this.createNote(req));
    for (const path of v1('/activities')) this.on('POST', path, (req) => this.createActivity(req));
    for (const path of v1('/activities/:id')) {
      this.on('GET', path, (_req, { id }) => {
        const a = this.activities.get(Number(id));
        return a ? this.ok(a) : pdError(404, 'Activity not found');
      });
    }
    for (const path of v1('/deals/:id/activities')) {
      this.on('GET', path, (req, { id }) => {
        if (!this.deals.has(Number(id))) return pdError(404, 'Deal not found');
        const done = req.query.get('done');
        const all = [...this.activities.values()].filter(
          (a) => a.deal_id === Number(id) && (done === null || a.done === (done === '1')),
        );
        const start = Number(req.query.get('start') ?? 0);
        const limit = Number(req.query.get('limit') ?? 100);
        const page = all.slice(start, start + limit);
        const more = start + limit < all.length;
        // v1 lists answer `data: null`, not `[]`, when there is nothing.
        return this.ok(page.length ? page : null, {
          pagination: {
            start,
            limit,
            more_items_in_collection: more,
            ...(more ? { next_start: start + limit } : {}),
          },
        });
      });
    }
    for (const path of v1('/notes')) this.on('GET', path, (req) => this.listNotes(req));
    for (const path of v1('/notes/:id')) {
      this.on('GET', path, (_req, { id }) => {
        const n = this.notes.get(Number(id));
        return n ? this.ok(n) : pdError(404, 'Note not found');
      });
    }
  }

  private createNote(req: ReceivedRequest): Reply {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.content !== 'string' || !body.content.trim())
      return pdError(400, 'Note content is required');
    const target = ['deal_id', 'person_id', 'org_id', 'lead_id'].find(
      (k) => body[k] !== undefined && body[k] !== null,
    );
    if (!target)
      return pdError(400, 'Note must be attached to a deal, person, organization or lead');
    if (target === 'deal_id' && !this.deals.has(Number(body.deal_id)))
      return pdError(400, 'Deal not found');
    const id = this.nextId++;
    const now = new Date().toISOString().replace('T', ' ').slice(0, 19);
    const note: PipedriveNote = {
      id,
      content: body.content,
      deal_id: body.deal_id === undefined ? null : Number(body.deal_id),
      user_id: body.user_id === undefined ? this.meId : Number(body.user_id),
      pinned_to_deal_flag: body.pinned_to_deal_flag === 1 || body.pinned_to_deal_flag === true,
      add_time: now,
      update_time: now,
      active_flag: true,
    };
    this.notes.set(id, note);
    return this.ok(note, null, 201);
  }

  /**
   * `GET /v1/notes`: filtered by `deal_id` (and `user_id`), sorted by `sort` ("id DESC", fields of
   * the note's first level only), paged by `start`/`limit` (at most 500). Each note carries its
   * deal's title and its author, as the real list does; an empty page is `data: null`.
   */
  private listNotes(req: ReceivedRequest): Reply {
    const q = req.query;
    const limit = Number(q.get('limit') ?? 100);
    const start = Number(q.get('start') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      return pdError(400, 'Validation failed: limit: Must be between 1 and 500');
    if (!Number.isInteger(start) || start < 0)
      return pdError(400, 'Validation failed: start: Must be a non-negative integer');
    const sortable = [
      'id',
      'user_id',
      'deal_id',
      'person_id',
      'org_id',
      'content',
      'add_time',
      'update_time',
    ];
    const sorts: Array<[string, number]> = [];
    for (const part of (q.get('sort') ?? '').split(',').filter((x) => x.trim())) {
      const [field, dir = 'ASC'] = part.trim().split(/\s+/);
      if (!sortable.includes(field) || !/^(ASC|DESC)$/i.test(dir))
        return pdError(400, `Invalid sort parameter: ${part.trim()}`);
      sorts.push([field, dir.toUpperCase() === 'DESC' ? -1 : 1]);
    }
    const dealId = q.get('deal_id');
    const userId = q.get('user_id');
    const all = [...this.notes.values()]
      .filter(
        (n) =>
          n.active_flag !== false &&
          (dealId === null || n.deal_id === Number(dealId)) &&
          (userId === null || n.user_id === Number(userId)),
      )
      .sort((a, b) => {
        for (const [field, dir] of sorts) {
          const x = a[field] as string | number | null;
          const y = b[field] as string | number | null;
          if (x !== y) return (x ?? '') < (y ?? '') ? -dir : dir;
        }
        return a.id - b.id;
      });
    const page = all.slice(start, start + limit).map((n) => {
      const deal = n.deal_id === null ? undefined : this.deals.get(n.deal_id);
      const user = this.users.get(n.user_id);
      return {
        ...n,
        deal: deal ? { title: deal.title } : null,
        user: user
          ? { email: user.email, name: user.name, icon_url: null, is_you: n.user_id === this.meId }
          : null,
      };
    });
    const more = start + limit < all.length;
    return this.ok(page.length ? page : null, {
      pagination: {
        start,
        limit,
        more_items_in_collection: more,
        ...(more ? { next_start: start + limit } : {}),
      },
    });
  }

  private createActivity(req: ReceivedRequest): Reply {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const type = (body.type as string | undefined) ?? 'task';
    if (!ACTIVITY_TYPES.includes(type))
      return pdError(400, `Activity type "${type}" does not exist`);
    if (body.deal_id !== undefined && !this.deals.has(Number(body.deal_id)))
      return pdError(400, 'Deal not found');
    if (body.user_id !== undefined && !this.users.has(Number(body.user_id)))
      return pdError(400, 'User not found');
    if (body.due_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(body.due_date))) {
      return pdError(400, 'Invalid due_date format, expected YYYY-MM-DD');
    }
    const id = this.nextId++;
    const now = new Date().toISOString().replace('T', ' ').slice(0, 19);
    const activity: PipedriveActivity = {
      id,
      subject:
        typeof body.subject === 'string' && body.subject
          ? body.subject
          : type === 'task'
            ? 'Task'
            : type,
      type,
      done: body.done === 1 || body.done === true,
      due_date: body.due_date === undefined ? null : String(body.due_date),
      deal_id: body.deal_id === undefined ? null : Number(body.deal_id),
      user_id: body.user_id === undefined ? this.meId : Number(body.user_id),
      note: typeof body.note === 'string' ? body.note : null,
      add_time: now,
      update_time: now,
      marked_as_done_time: '',
      active_flag: true,
    };
    this.activities.set(id, activity);
    return this.ok(activity, null, 201);
  }
}

/** Starts a Pipedrive fake on 127.0.0.1. */
export async function startFakePipedrive(
  options: FakePipedriveOptions = {},
): Promise<FakePipedrive> {
  const fake = new FakePipedrive(options);
  await fake.start();
  return fake;
}
