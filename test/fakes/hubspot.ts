// A HubSpot fake with the shapes, auth check, error bodies and rate-limit headers of the real API
// (apis.md §4): deals search and batch reads, v4 association batch reads, companies, owners, deal
// pipelines, account details, and the notes/tasks writes that "questions to sales" use.
import { randomUUID } from 'node:crypto';
import accountFixture from '../fixtures/hubspot/account-info.json';
import error401 from '../fixtures/hubspot/error-401.json';
import error403 from '../fixtures/hubspot/error-403.json';
import error429 from '../fixtures/hubspot/error-429.json';
import pipelinesFixture from '../fixtures/hubspot/pipelines.json';
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

export interface HubspotObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface HubspotAssociationInput {
  to: { id: string };
  types: Array<{ associationCategory: string; associationTypeId: number }>;
}

/** A note or task as created through the API, with the associations it was created with. */
export interface HubspotEngagement extends HubspotObject {
  associations: HubspotAssociationInput[];
}

export interface HubspotOwner {
  id: string;
  email: string | null;
  type: 'PERSON' | 'QUEUE';
  firstName: string | null;
  lastName: string | null;
  userId: number | null;
  userIdIncludingInactive: number | null;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  teams?: Array<{ id: string; name: string; primary: boolean }>;
}

export interface FakeHubspotOptions {
  /** The private-app token every request must carry as `Bearer …`. */
  token?: string;
  /** Extra deal properties that exist in this portal (e.g. `jira_issue_key`). */
  dealProperties?: string[];
  /** Status of a batch read in which no id exists (HubSpot has been seen answering both). */
  batchAllMissingStatus?: 207 | 404;
  account?: Partial<typeof accountFixture>;
}

const NOW = '2026-10-01T09:00:00.000Z';

const STANDARD_DEAL_PROPERTIES = [
  'dealname',
  'amount',
  'deal_currency_code',
  'dealstage',
  'pipeline',
  'closedate',
  'hubspot_owner_id',
  'hs_object_id',
  'createdate',
  'hs_lastmodifieddate',
  'description',
  'dealtype',
];

const TASK_PROPERTIES = [
  'hs_task_subject',
  'hs_task_body',
  'hs_task_status',
  'hs_task_priority',
  'hs_task_type',
  'hs_timestamp',
  'hubspot_owner_id',
  'hs_task_completion_date',
  'hs_object_id',
  'hs_createdate',
  'hs_lastmodifieddate',
];
const NOTE_PROPERTIES = [
  'hs_note_body',
  'hs_timestamp',
  'hubspot_owner_id',
  'hs_object_id',
  'hs_createdate',
  'hs_lastmodifieddate',
];
const COMPANY_PROPERTIES = [
  'name',
  'domain',
  'industry',
  'hubspot_owner_id',
  'hs_object_id',
  'createdate',
];

/** What CONTAINS_TOKEN matches: a whole token, or with `*` wildcards a pattern. */
function containsToken(value: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  if (!p.includes('*')) return v.split(/\s+/).includes(p);
  const re = new RegExp(
    `^${p
      .split('*')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
  return re.test(v) || v.split(/\s+/).some((t) => re.test(t));
}

/** The task→deal and note→deal HubSpot-defined association type ids (apis.md §4.6). */
const ENGAGEMENT_TO_DEAL = { tasks: 216, notes: 214 } as const;

/** HubSpot's 400 for property values, with the per-property JSON it embeds in the message. */
function invalidProperty(name: string, message: string, error: string): Reply {
  const detail = JSON.stringify([{ isValid: false, message, error, name }]);
  return hsError(400, `Property values were not valid: ${detail}`, 'VALIDATION_ERROR');
}

function hsError(status: number, message: string, category: string, extra: object = {}): Reply {
  return {
    status,
    json: { status: 'error', message, correlationId: randomUUID(), category, ...extra },
  };
}

/** The 429 HubSpot sends when the burst (or daily, or search's secondly) limit is used up. */
export function hubspotRateLimitReply(
  policy: 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY' = 'TEN_SECONDLY_ROLLING',
): Reply {
  const message =
    policy === 'SECONDLY'
      ? 'You have reached your secondly limit.'
      : `You have reached your ${policy.toLowerCase()} limit.`;
  const headers: Record<string, string> =
    policy === 'SECONDLY'
      ? {}
      : {
          'x-hubspot-ratelimit-max': '190',
          'x-hubspot-ratelimit-remaining': policy === 'DAILY' ? '150' : '0',
          'x-hubspot-ratelimit-interval-milliseconds': '10000',
          'x-hubspot-ratelimit-daily': '1000000',
          'x-hubspot-ratelimit-daily-remaining': policy === 'DAILY' ? '0' : '998001',
        };
  return {
    status: 429,
    headers,
    json: { ...error429, message, policyName: policy, correlationId: randomUUID() },
  };
}

/** The fake server plus its data and seeding helpers. */
export class FakeHubspot extends FakeServer {
  readonly token: string;
  readonly deals = new Map<string, HubspotObject & { companyIds: string[] }>();
  readonly companies = new Map<string, HubspotObject>();
  readonly owners = new Map<string, HubspotOwner>();
  readonly tasks = new Map<string, HubspotEngagement>();
  readonly notes = new Map<string, HubspotEngagement>();
  pipelines = structuredClone(pipelinesFixture);
  account: Record<string, unknown>;
  readonly dealProperties: Set<string>;
  private nextId = 18734567890;
  private remaining = 190;

  constructor(private readonly options: FakeHubspotOptions = {}) {
    super('HubSpot');
    this.token = options.token ?? 'pat-na1-11111111-2222-3333-4444-555555555555';
    this.account = { ...accountFixture, ...options.account };
    this.dealProperties = new Set([...STANDARD_DEAL_PROPERTIES, ...(options.dealProperties ?? [])]);
    this.requireAuth = {
      header: 'authorization',
      value: `Bearer ${this.token}`,
      unauthorized: () => ({ status: 401, json: { ...error401, correlationId: randomUUID() } }),
    };
    this.registerRoutes();
  }

  /** Adds a deal; `properties` are strings as HubSpot stores them. Returns its id. */
  addDeal(
    properties: Record<string, string | null>,
    companyIds: string[] = [],
    id?: string,
  ): string {
    const dealId = id ?? String(this.nextId++);
    this.deals.set(dealId, {
      id: dealId,
      properties: {
        ...properties,
        hs_object_id: dealId,
        createdate: NOW,
        hs_lastmodifieddate: NOW,
      },
      createdAt: NOW,
      updatedAt: NOW,
      archived: false,
      companyIds,
    });
    return dealId;
  }

  addCompany(name: string | null, id?: string, domain?: string): string {
    const companyId = id ?? String(this.nextId++);
    this.companies.set(companyId, {
      id: companyId,
      properties: { name, domain: domain ?? null, hs_object_id: companyId, createdate: NOW },
      createdAt: NOW,
      updatedAt: NOW,
      archived: false,
    });
    return companyId;
  }

  addOwner(
    firstName: string | null,
    lastName: string | null,
    email: string | null,
    id?: string,
  ): string {
    const ownerId = id ?? String(this.nextId++);
    this.owners.set(ownerId, {
      id: ownerId,
      email,
      type: 'PERSON',
      firstName,
      lastName,
      userId: Number(ownerId) + 1,
      userIdIncludingInactive: Number(ownerId) + 1,
      createdAt: NOW,
      updatedAt: NOW,
      archived: false,
    });
    return ownerId;
  }

  /** Marks a task done, as a sales rep would in HubSpot. */
  completeTask(id: string): void {
    const task = this.tasks.get(id);
    if (!task) throw new Error(`no task ${id}`);
    task.properties.hs_task_status = 'COMPLETED';
    task.properties.hs_lastmodifieddate = new Date().toISOString();
  }

  /** Requests whose path matches, e.g. `count('/batch/read')`. */
  count(pathPart: string | RegExp): number {
    return this.requests.filter((r) =>
      typeof pathPart === 'string' ? r.path.includes(pathPart) : pathPart.test(r.path),
    ).length;
  }

  private rateHeaders(): Record<string, string> {
    this.remaining = this.remaining > 0 ? this.remaining - 1 : 189;
    return {
      'x-hubspot-ratelimit-max': '190',
      'x-hubspot-ratelimit-remaining': String(this.remaining),
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-daily': '1000000',
      'x-hubspot-ratelimit-daily-remaining': '998000',
    };
  }

  private ok(json: unknown, status = 200): Reply {
    return { status, json, headers: this.rateHeaders() };
  }

  /** The properties that exist on an object type in this portal. */
  private known(type: string): Set<string> {
    if (type === 'deals' || type === '0-3') return this.dealProperties;
    if (type === 'tasks' || type === '0-27') return new Set(TASK_PROPERTIES);
    if (type === 'notes' || type === '0-46') return new Set(NOTE_PROPERTIES);
    return new Set(COMPANY_PROPERTIES);
  }

  private project(
    o: HubspotObject,
    requested: string[] | undefined,
    type = 'deals',
  ): HubspotObject {
    const deal = type === 'deals' || type === '0-3';
    const properties: Record<string, string | null> = {
      hs_object_id: o.id,
      [deal ? 'createdate' : 'hs_createdate']:
        o.properties.createdate ?? o.properties.hs_createdate ?? NOW,
      hs_lastmodifieddate: o.properties.hs_lastmodifieddate ?? NOW,
    };
    const defaults = deal ? ['dealname', 'amount', 'closedate', 'pipeline', 'dealstage'] : [];
    const known = this.known(type);
    // Requested properties that are empty come back as null; unknown ones are left out.
    for (const p of requested ?? defaults) {
      if (p in o.properties || known.has(p)) properties[p] = o.properties[p] ?? null;
    }
    return {
      id: o.id,
      properties,
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
      archived: o.archived,
    };
  }

  private registerRoutes(): void {
    const objectPaths = (suffix: string): string[] => [
      `/crm/v3/objects${suffix}`,
      `/crm/objects/2026-03${suffix}`,
    ];

    for (const path of ['/account-info/v3/details', '/account-info/2026-03/details']) {
      this.on('GET', path, () => this.ok(this.account));
    }
    this.on('GET', '/crm/v3/pipelines/deals', () => this.ok(this.pipelines));

    for (const path of objectPaths('/:type/search')) {
      this.on('POST', path, (req, { type }) => this.search(req, type));
    }
    for (const path of objectPaths('/:type/batch/read')) {
      this.on('POST', path, (req, { type }) => this.batchRead(req, type));
    }
    for (const path of objectPaths('/:type/:id')) {
      this.on('GET', path, (req, { type, id }) => this.getObject(req, type, id));
    }
    for (const path of [
      '/crm/v4/associations/deals/companies/batch/read',
      '/crm/associations/2026-03/deals/companies/batch/read',
    ]) {
      this.on('POST', path, (req) => this.associations(req));
    }
    for (const path of ['/crm/v3/owners/:id', '/crm/owners/2026-03/:id']) {
      this.on('GET', path, (_req, { id }) => {
        const owner = this.owners.get(id);
        if (!owner || owner.archived)
          return hsError(404, `Owner with id ${id} not found`, 'OBJECT_NOT_FOUND');
        return this.ok(owner);
      });
    }
    for (const path of ['/crm/v3/owners', '/crm/v3/owners/', '/crm/owners/2026-03']) {
      this.on('GET', path, (req) => this.listOwners(req));
    }
    for (const type of ['tasks', 'notes'] as const) {
      for (const path of objectPaths(`/${type}`))
        this.on('POST', path, (req) => this.createEngagement(req, type));
    }
  }

  private search(req: ReceivedRequest, type: string): Reply {
    const store = this.store(type);
    if (!store)
      return hsError(400, `Unable to infer object type from: ${type}`, 'VALIDATION_ERROR');
    const known = this.known(type);
    const body = req.body as {
      filterGroups?: Array<{
        filters?: Array<{
          propertyName?: string;
          operator?: string;
          value?: unknown;
          values?: unknown[];
        }>;
      }>;
      properties?: string[];
      limit?: number;
      after?: string;
    };
    if (!body || typeof body !== 'object')
      return hsError(400, 'Invalid input JSON on line 1, column 1', 'VALIDATION_ERROR');
    const limit = body.limit ?? 10;
    if (limit > 200) {
      return hsError(400, 'There was a problem with the request.', 'VALIDATION_ERROR', {
        errors: [
          {
            message: 'limit must be less than or equal to 200',
            code: 'INVALID_LIMIT',
            in: 'limit',
          },
        ],
      });
    }
    const groups = body.filterGroups ?? [];
    const filters = groups.flatMap((g) => g.filters ?? []);
    if (groups.length > 5 || filters.length > 25) {
      return hsError(400, 'There was a problem with the request.', 'VALIDATION_ERROR');
    }
    for (const f of filters) {
      if ((f.operator === 'IN' || f.operator === 'NOT_IN') && (f.values?.length ?? 0) > 100) {
        return hsError(400, 'There was a problem with the request.', 'VALIDATION_ERROR', {
          errors: [
            {
              message: `values may contain at most 100 items, got ${f.values?.length}`,
              code: 'TOO_MANY_VALUES',
              in: 'values',
            },
          ],
        });
      }
      if (!f.propertyName || !known.has(f.propertyName)) {
        return hsError(400, `There was a problem with the request.`, 'VALIDATION_ERROR', {
          errors: [
            {
              message: `Property "${f.propertyName}" does not exist`,
              code: 'PROPERTY_DOESNT_EXIST',
              in: 'propertyName',
            },
          ],
        });
      }
    }
    const matches = (d: HubspotObject): boolean =>
      groups.length === 0 ||
      groups.some((g) =>
        (g.filters ?? []).every((f) => {
          const v = d.properties[f.propertyName ?? ''];
          // String EQ is case-insensitive in HubSpot search.
          if (f.operator === 'EQ')
            return v != null && v.toLowerCase() === String(f.value).toLowerCase();
          // IN compares a text property's lower-cased value with the given values, which the
          // search guide therefore asks to be lower case: an upper-case value matches nothing.
          if (f.operator === 'IN')
            return v != null && (f.values ?? []).map(String).includes(v.toLowerCase());
          if (f.operator === 'HAS_PROPERTY') return v != null && v !== '';
          if (f.operator === 'CONTAINS_TOKEN')
            return v != null && containsToken(v, String(f.value));
          return false;
        }),
      );
    const all = [...store.values()].filter((o) => !o.archived && matches(o));
    const offset = Number(body.after ?? 0);
    const page = all.slice(offset, offset + limit);
    const next = offset + limit < all.length ? String(offset + limit) : undefined;
    // Search answers carry no X-HubSpot-RateLimit headers (apis.md §4.8).
    return {
      json: {
        total: all.length,
        results: page.map((d) => this.project(d, body.properties, type)),
        ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}),
      },
    };
  }

  private store(type: string): Map<string, HubspotObject> | undefined {
    if (type === 'deals' || type === '0-3') return this.deals;
    if (type === 'companies' || type === '0-2') return this.companies;
    if (type === 'tasks' || type === '0-27') return this.tasks;
    if (type === 'notes' || type === '0-46') return this.notes;
    return undefined;
  }

  private batchRead(req: ReceivedRequest, type: string): Reply {
    const store = this.store(type);
    if (!store)
      return hsError(400, `Unable to infer object type from: ${type}`, 'VALIDATION_ERROR');
    const body = req.body as { inputs?: Array<{ id?: unknown }>; properties?: string[] };
    const inputs = body?.inputs;
    if (!Array.isArray(inputs))
      return hsError(400, 'Invalid input JSON: inputs is required', 'VALIDATION_ERROR');
    if (inputs.length > 100) {
      return hsError(
        400,
        `Batch input size of ${inputs.length} exceeds the limit of 100.`,
        'VALIDATION_ERROR',
      );
    }
    const startedAt = new Date().toISOString();
    const results: HubspotObject[] = [];
    const missing: string[] = [];
    for (const input of inputs) {
      const id = String(input.id);
      const o = store.get(id);
      if (o && !o.archived) results.push(this.project(o, body.properties, type));
      else missing.push(id);
    }
    const objectName =
      type === 'deals' ? 'DEAL' : type === 'companies' ? 'COMPANY' : type.toUpperCase();
    const error = {
      status: 'error',
      category: 'OBJECT_NOT_FOUND',
      message:
        `Could not get some ${objectName} objects, they may be deleted or not exist. ` +
        'Check that ids are valid.',
      context: { ids: missing },
    };
    if (missing.length && results.length === 0 && this.options.batchAllMissingStatus === 404) {
      return {
        status: 404,
        headers: this.rateHeaders(),
        json: { ...error, correlationId: randomUUID() },
      };
    }
    const completedAt = new Date().toISOString();
    if (missing.length) {
      return this.ok(
        { status: 'COMPLETE', results, numErrors: 1, errors: [error], startedAt, completedAt },
        207,
      );
    }
    return this.ok({ status: 'COMPLETE', results, startedAt, completedAt });
  }

  private getObject(req: ReceivedRequest, type: string, id: string): Reply {
    const store = this.store(type);
    if (!store)
      return hsError(400, `Unable to infer object type from: ${type}`, 'VALIDATION_ERROR');
    const o = store.get(id);
    if (!o || o.archived) {
      return hsError(404, 'Object not found.  objectId are usually numeric.', 'OBJECT_NOT_FOUND', {
        context: { id: [id] },
      });
    }
    const requested = req.query.getAll('properties').flatMap((p) => p.split(','));
    const out: Record<string, unknown> = {
      ...this.project(o, requested.length ? requested : undefined, type),
    };
    const assoc = req.query.get('associations') ?? '';
    if (store === this.deals && assoc.split(',').includes('companies')) {
      const companyIds = (o as HubspotObject & { companyIds: string[] }).companyIds;
      if (companyIds.length) {
        // HubSpot lists the primary company twice: labelled and unlabeled (apis.md §4.3).
        out.associations = {
          companies: {
            results: companyIds.flatMap((c, i) =>
              i === 0
                ? [
                    { id: c, type: 'deal_to_company' },
                    { id: c, type: 'deal_to_company_unlabeled' },
                  ]
                : [{ id: c, type: 'deal_to_company_unlabeled' }],
            ),
          },
        };
      }
    }
    return this.ok(out);
  }

  private associations(req: ReceivedRequest): Reply {
    const inputs = (req.body as { inputs?: Array<{ id?: unknown }> })?.inputs;
    if (!Array.isArray(inputs))
      return hsError(400, 'Invalid input JSON: inputs is required', 'VALIDATION_ERROR');
    if (inputs.length > 1000) {
      return hsError(
        400,
        `Batch input size of ${inputs.length} exceeds the limit of 1000.`,
        'VALIDATION_ERROR',
      );
    }
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of inputs) {
      const id = String(input.id);
      const deal = this.deals.get(id);
      if (!deal || deal.companyIds.length === 0) {
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
          message: `No company is associated with deal ${id}.`,
          context: { fromObjectId: [id] },
        });
        continue;
      }
      results.push({
        from: { id },
        to: deal.companyIds.map((c, i) => ({
          toObjectId: Number(c),
          associationTypes:
            i === 0
              ? [
                  { category: 'HUBSPOT_DEFINED', typeId: 5, label: 'Primary' },
                  { category: 'HUBSPOT_DEFINED', typeId: 341, label: null },
                ]
              : [{ category: 'HUBSPOT_DEFINED', typeId: 341, label: null }],
        })),
      });
    }
    const times = { startedAt: new Date().toISOString(), completedAt: new Date().toISOString() };
    if (errors.length)
      return this.ok(
        { status: 'COMPLETE', results, numErrors: errors.length, errors, ...times },
        207,
      );
    return this.ok({ status: 'COMPLETE', results, ...times });
  }

  private listOwners(req: ReceivedRequest): Reply {
    const limit = Number(req.query.get('limit') ?? 100);
    if (limit > 500)
      return hsError(400, 'limit must be less than or equal to 500', 'VALIDATION_ERROR');
    const email = req.query.get('email');
    const all = [...this.owners.values()].filter(
      (o) => !o.archived && (!email || o.email === email),
    );
    const offset = Number(req.query.get('after') ?? 0);
    const page = all.slice(offset, offset + limit);
    const next = offset + limit < all.length ? String(offset + limit) : undefined;
    return this.ok({
      results: page,
      ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}),
    });
  }

  private createEngagement(req: ReceivedRequest, type: 'tasks' | 'notes'): Reply {
    const body = req.body as {
      properties?: Record<string, unknown>;
      associations?: HubspotAssociationInput[];
    };
    if (
      !body ||
      typeof body !== 'object' ||
      typeof body.properties !== 'object' ||
      !body.properties
    ) {
      return hsError(400, 'Invalid input JSON: properties is required', 'VALIDATION_ERROR');
    }
    const props = body.properties;
    const required = type === 'tasks' ? ['hs_timestamp'] : ['hs_timestamp'];
    for (const p of required) {
      if (props[p] === undefined || props[p] === null || props[p] === '') {
        return invalidProperty(p, `${p} is required`, 'REQUIRED_FIELD');
      }
    }
    if (type === 'tasks') {
      const status = props.hs_task_status;
      const allowed = ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED'];
      if (status !== undefined && !allowed.includes(String(status))) {
        const options = `[${allowed.join(', ')}]`;
        const message = `${String(status)} was not one of the allowed options: ${options}`;
        return invalidProperty('hs_task_status', message, 'INVALID_OPTION');
      }
    }
    const owner = props.hubspot_owner_id;
    if (owner !== undefined && owner !== null && owner !== '' && !this.owners.has(String(owner))) {
      const message = `${String(owner)} is not a valid owner id`;
      return invalidProperty('hubspot_owner_id', message, 'INVALID_OWNER_ID');
    }
    const associations = body.associations ?? [];
    for (const a of associations) {
      const typeIds = (a.types ?? []).map((t) => t.associationTypeId);
      const categories = (a.types ?? []).map((t) => t.associationCategory);
      if (!a.to?.id || typeIds.length === 0 || categories.some((c) => c !== 'HUBSPOT_DEFINED')) {
        return hsError(
          400,
          'Invalid association: to.id and types are required',
          'VALIDATION_ERROR',
        );
      }
      if (!typeIds.every((t) => t === ENGAGEMENT_TO_DEAL[type])) {
        return hsError(
          400,
          `association type id ${typeIds.join(',')} doesn't exist between ` +
            `${type === 'tasks' ? 'TASK' : 'NOTE'} and DEAL`,
          'VALIDATION_ERROR',
        );
      }
      if (!this.deals.has(String(a.to.id))) {
        return hsError(
          400,
          `One or more associations are invalid: deal ${String(a.to.id)} does not exist`,
          'VALIDATION_ERROR',
        );
      }
    }
    const id = String(this.nextId++);
    const now = new Date().toISOString();
    const properties: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(props)) properties[k] = v === null ? null : String(v);
    if (type === 'tasks') properties.hs_task_status ??= 'NOT_STARTED';
    Object.assign(properties, { hs_object_id: id, hs_createdate: now, hs_lastmodifieddate: now });
    const created: HubspotEngagement = {
      id,
      properties,
      createdAt: now,
      updatedAt: now,
      archived: false,
      associations,
    };
    (type === 'tasks' ? this.tasks : this.notes).set(id, created);
    const { associations: _omit, ...publicObject } = created;
    return this.ok(publicObject, 201);
  }
}

/** Starts a HubSpot fake on 127.0.0.1. */
export async function startFakeHubspot(options: FakeHubspotOptions = {}): Promise<FakeHubspot> {
  const fake = new FakeHubspot(options);
  await fake.start();
  return fake;
}

/** The 403 body for a token without the scope a call needs. */
export function hubspotMissingScopeReply(): Reply {
  return { status: 403, json: { ...error403, correlationId: randomUUID() } };
}
