// HubSpot deals for a ticket: the deals the ticket references plus those whose ticket property
// holds the key. Everything is read in batches (deals, associations, companies) and the per-portal
// lookups (account, pipelines, owners) are cached per client, so a cold lookup costs a handful of
// requests however many deals there are, and a warm one costs the batches only. The worklist's
// batch (`dealsForTickets`) finds the deals of many tickets in one search with `IN` filters.
import * as z from 'zod/mini';
import { ProviderError, isProviderError } from '../../errors';
import { readToken, type HttpClient, type ProviderHttpOptions, type TokenSource } from '../../http';
import type { Deal, SalesOwner, Ticket } from '../../model';
import type { Crm, TicketDeals } from '../types';
import { LookupCache, cacheOnce, chunks, mapLimit } from '../../collections';
import { NoMemory, type VendorMemory } from '../../vendorMemory';
import { type BuiltDeals, assembleDeals } from '../batch';

const PROVIDER = 'HubSpot';
/** HubSpot's batch endpoints take at most 100 inputs. */
const BATCH = 100;
/** The associations batch read takes up to 1,000 ids (HubSpot's limit since February 2025). */
const ASSOCIATION_BATCH = 1000;
/** Values one `IN` filter takes. */
const IN_VALUES = 100;
/** Filter groups one search takes (they are OR'd). */
const SEARCH_GROUPS = 5;
/** Search pages (200 results each) one batch search reads: HubSpot stops at 10,000 results. */
const MAX_BATCH_SEARCH_PAGES = 50;
/** Search pages (200 results each) read before giving up on more. */
const MAX_SEARCH_PAGES = 5;
/** Above this many unknown owners, one owners list is cheaper than one request per owner. */
const OWNER_LIST_THRESHOLD = 10;
const MAX_OWNER_PAGES = 10;
/** Requests of one kind in flight at once: the burst limit is per portal, shared with others. */
const PARALLEL = 4;

/** What `hubspotCrm` needs besides the HTTP client. */
export interface HubspotOptions {
  /** Deal property holding the ticket key (`hubspot.ticketProperty`); empty = no search. */
  ticketProperty?: string;
  /** Origin of deal links, e.g. `https://app-eu1.hubspot.com`; default: the account's UI domain. */
  portalUrl?: string;
  /** Where the per-portal lookups (account, pipelines, owners) are kept across restarts. */
  memory?: VendorMemory;
}

/** How long remembered per-portal lookups are trusted (a stage or owner not in them is read anew). */
export const PortalMemoryMs = { account: 7 * 24 * 3600_000, pipelines: 24 * 3600_000, owners: 24 * 3600_000 };

// -------------------------------------------------------------------------------------------------
// Response schemas: loose objects, every non-essential field optional and nullable.

const Id = z.pipe(
  z.union([z.string(), z.number()]),
  z.transform((v) => String(v)),
);
const Properties = z.optional(z.nullable(z.record(z.string(), z.unknown())));
const HsObject = z.looseObject({ id: Id, properties: Properties });
type HsObject = z.infer<typeof HsObject>;

const BatchError = z.looseObject({
  category: z.optional(z.nullable(z.string())),
  message: z.optional(z.nullable(z.string())),
  context: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});
const BatchResponse = z.looseObject({
  results: z.optional(z.nullable(z.array(HsObject))),
  errors: z.optional(z.nullable(z.array(BatchError))),
});
const SearchResponse = z.looseObject({
  results: z.optional(z.nullable(z.array(HsObject))),
  paging: z.optional(
    z.nullable(
      z.looseObject({ next: z.optional(z.nullable(z.looseObject({ after: z.optional(Id) }))) }),
    ),
  ),
});
const AssociationsResponse = z.looseObject({
  results: z.optional(
    z.nullable(
      z.array(
        z.looseObject({
          from: z.looseObject({ id: Id }),
          to: z.optional(
            z.nullable(
              z.array(
                z.looseObject({
                  toObjectId: Id,
                  associationTypes: z.optional(
                    z.nullable(
                      z.array(z.looseObject({ typeId: z.optional(z.nullable(z.number())) })),
                    ),
                  ),
                }),
              ),
            ),
          ),
        }),
      ),
    ),
  ),
});
const Pipelines = z.looseObject({
  results: z.array(
    z.looseObject({
      id: Id,
      label: z.optional(z.nullable(z.string())),
      stages: z.optional(
        z.nullable(z.array(z.looseObject({ id: Id, label: z.optional(z.nullable(z.string())) }))),
      ),
    }),
  ),
});
const Owner = z.looseObject({
  id: Id,
  email: z.optional(z.nullable(z.string())),
  firstName: z.optional(z.nullable(z.string())),
  lastName: z.optional(z.nullable(z.string())),
});
type Owner = z.infer<typeof Owner>;
const OwnerList = z.looseObject({
  results: z.array(Owner),
  paging: z.optional(
    z.nullable(
      z.looseObject({ next: z.optional(z.nullable(z.looseObject({ after: z.optional(Id) }))) }),
    ),
  ),
});
const AccountInfo = z.looseObject({
  portalId: Id,
  uiDomain: z.optional(z.nullable(z.string())),
  companyCurrency: z.optional(z.nullable(z.string())),
  portalName: z.optional(z.nullable(z.string())),
});
type AccountInfo = z.infer<typeof AccountInfo>;
const ErrorBody = z.looseObject({
  message: z.optional(z.nullable(z.string())),
  category: z.optional(z.nullable(z.string())),
  correlationId: z.optional(z.nullable(z.string())),
  policyName: z.optional(z.nullable(z.string())),
});

// -------------------------------------------------------------------------------------------------
// HTTP options

/** The vendor's words from a HubSpot error body: `message (CATEGORY, correlation id …)`. */
export function hubspotVendorMessage(_status: number, data: unknown): string | undefined {
  const body = ErrorBody.safeParse(data);
  if (!body.success || !body.data.message) return undefined;
  const tags = [
    body.data.policyName ?? body.data.category,
    body.data.correlationId && `correlation id ${body.data.correlationId}`,
  ]
    .filter(Boolean)
    .join(', ');
  return tags ? `${body.data.message} (${tags})` : body.data.message;
}

/**
 * When the burst window is used up, its interval says when it frees. Search answers carry no such
 * headers, and the daily quota resets at midnight in the portal's zone, which no header says.
 */
export function hubspotRateLimitReset(
  headers: Record<string, string>,
  now: number,
): number | undefined {
  const num = (name: string): number | undefined => {
    const v = headers[name];
    return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : undefined;
  };
  if (num('x-hubspot-ratelimit-secondly-remaining') === 0) return now + 1000;
  const interval = num('x-hubspot-ratelimit-interval-milliseconds');
  if (num('x-hubspot-ratelimit-remaining') === 0 && interval !== undefined) return now + interval;
  return undefined;
}

/** The HubSpot part of the HTTP client options: base URL, Bearer auth, error and limit parsing. */
export function hubspotHttpOptions(baseUrl: string, token: TokenSource): ProviderHttpOptions {
  return {
    provider: PROVIDER,
    baseUrl,
    baseUrlSetting: 'customerContext.hubspot.apiUrl',
    auth: async () => ({ authorization: `Bearer ${await readToken(PROVIDER, token)}` }),
    vendorMessage: hubspotVendorMessage,
    rateLimitReset: hubspotRateLimitReset,
  };
}

// -------------------------------------------------------------------------------------------------
// Helpers



function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function amountOf(v: unknown): number | undefined {
  const s = str(v);
  if (s === undefined || !/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** `YYYY-MM-DD` from HubSpot's datetime strings (or epoch ms, as older portals still store). */
function dateOf(v: unknown): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) return s.slice(0, 10);
  if (/^\d{10,14}$/.test(s)) {
    const d = new Date(Number(s));
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString().slice(0, 10);
  }
  return undefined;
}

/** A deal id from a numeric ref or a HubSpot deal URL; undefined when the ref is not HubSpot's. */
export function hubspotDealId(ref: string): string | undefined {
  const s = ref.trim();
  if (/^\d{1,20}$/.test(s)) return s;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || !/(^|\.)hubspot\.com$/i.test(url.hostname)) return undefined;
  const m = /\/contacts\/\d+\/(?:record\/0-3|deal)\/(\d{1,20})(?:\/|$)/.exec(url.pathname);
  return m?.[1];
}

function notFoundWarning(id: string, key: string): string {
  return `${PROVIDER}: deal ${id} referenced by ${key} was not found (deleted, or not visible).`;
}

function ownerFrom(o: Owner): SalesOwner {
  const name = [o.firstName, o.lastName]
    .filter((p) => p?.trim())
    .join(' ')
    .trim();
  const owner: SalesOwner = { name: name || o.email?.trim() || `Owner ${o.id}`, crmId: o.id };
  if (o.email?.trim()) owner.email = o.email.trim();
  return owner;
}

/** A link origin we are willing to build URLs on: https on a hubspot.com host. */
function uiOrigin(candidate: string | null | undefined): string | undefined {
  if (!candidate) return undefined;
  try {
    const url = new URL(/^https?:\/\//i.test(candidate) ? candidate : `https://${candidate}`);
    if (url.protocol !== 'https:' || !/(^|\.)hubspot\.com$/i.test(url.hostname)) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

// -------------------------------------------------------------------------------------------------
// The Crm

interface StageIndex {
  byPipeline: Map<string, Map<string, string>>;
  any: Map<string, string>;
}

/** HubSpot deals as a Crm over an HttpClient built with `hubspotHttpOptions`. */
export function hubspotCrm(http: HttpClient, options: HubspotOptions = {}): Crm {
  const ticketProperty = options.ticketProperty?.trim() ?? '';
  const properties = [
    'dealname',
    'amount',
    'deal_currency_code',
    'dealstage',
    'pipeline',
    'closedate',
    'hubspot_owner_id',
    ...(ticketProperty ? [ticketProperty] : []),
  ];

  // Per-client caches. A failed lookup is dropped so the next refresh tries again.
  let account: Promise<AccountInfo | undefined> | undefined;
  let stages: Promise<StageIndex | 'forbidden'> | undefined;
  /** The stage index came from memory: a stage it does not know sends for the pipelines anew. */
  let stagesRemembered = false;
  const owners = new LookupCache<SalesOwner | undefined>();
  const memory = options.memory ?? NoMemory;
  /** Owners as HubSpot gave them, remembered across restarts; loaded on first use. */
  let ownerRecords: Map<string, Owner> | undefined;

  /** A remembered lookup that still parses as `schema`, if any. */
  async function recall<S extends z.ZodMiniType>(
    name: keyof typeof PortalMemoryMs,
    schema: S,
  ): Promise<z.infer<S> | undefined> {
    const value = await memory.read(name, PortalMemoryMs[name]);
    if (value === undefined) return undefined;
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  }

  /** Loads the remembered owners into the cache once; returns the records to add to. */
  async function rememberedOwners(): Promise<Map<string, Owner>> {
    if (!ownerRecords) {
      const list = await recall('owners', z.array(Owner));
      ownerRecords ??= new Map();
      for (const o of list ?? []) {
        ownerRecords.set(o.id, o);
        if (!owners.has(o.id)) owners.set(o.id, ownerFrom(o));
      }
    }
    return ownerRecords;
  }

  /** Adds owners read from HubSpot to the memory (one write for a whole lookup). */
  async function rememberOwners(read: readonly Owner[]): Promise<void> {
    if (read.length === 0) return;
    const records = await rememberedOwners();
    for (const o of read) {
      const { id, email, firstName, lastName } = o;
      records.set(id, { id, email, firstName, lastName });
    }
    await memory.write('owners', [...records.values()]);
  }


  // The cached lookups run without the caller's signal: a superseded refresh still fills the cache
  // for the next one, and one caller cancelling must not fail another that shares the promise.
  function accountInfo(): Promise<AccountInfo | undefined> {
    account ??= cacheOnce(
      async () => {
        const known = await recall('account', AccountInfo);
        if (known) return known;
        try {
          const info = await http.json({ path: '/account-info/v3/details' }, AccountInfo);
          const { portalId, uiDomain, companyCurrency, portalName } = info;
          void memory.write('account', { portalId, uiDomain, companyCurrency, portalName });
          return info;
        } catch (e) {
          // Links and the default currency are a nicety; a token without this scope still works.
          if (isProviderError(e, 'forbidden') || isProviderError(e, 'notFound')) return undefined;
          throw e;
        }
      },
      () => (account = undefined),
    );
    return account;
  }

  function stageIndex(fresh = false): Promise<StageIndex | 'forbidden'> {
    stages ??= cacheOnce(
      async () => {
        let data = fresh ? undefined : await recall('pipelines', Pipelines);
        stagesRemembered = data !== undefined;
        if (!data) {
          try {
            data = await http.json({ path: '/crm/v3/pipelines/deals' }, Pipelines);
          } catch (e) {
            if (isProviderError(e, 'forbidden')) return 'forbidden' as const;
            throw e;
          }
          void memory.write('pipelines', {
            results: data.results.map((p) => ({
              id: p.id,
              stages: (p.stages ?? []).map((st) => ({ id: st.id, label: st.label })),
            })),
          });
        }
        const index: StageIndex = { byPipeline: new Map(), any: new Map() };
        for (const p of data.results) {
          const labels = new Map<string, string>();
          for (const s of p.stages ?? []) {
            const label = s.label?.trim();
            if (!label) continue;
            labels.set(s.id, label);
            if (!index.any.has(s.id)) index.any.set(s.id, label);
          }
          index.byPipeline.set(p.id, labels);
        }
        return index;
      },
      () => (stages = undefined),
    );
    return stages;
  }

  async function batchRead(
    objectType: 'deals' | 'companies',
    ids: string[],
    props: string[],
    signal?: AbortSignal,
  ): Promise<{ found: Map<string, HsObject>; missing: Set<string> }> {
    const found = new Map<string, HsObject>();
    const missing = new Set<string>();
    await mapLimit(chunks(ids, BATCH), PARALLEL, async (chunk) => {
      let data: z.infer<typeof BatchResponse>;
      try {
        data = await http.json(
          {
            method: 'POST',
            path: `/crm/v3/objects/${objectType}/batch/read`,
            query: { archived: false },
            body: { inputs: chunk.map((id) => ({ id })), properties: props },
            idempotent: true,
            signal,
          },
          BatchResponse,
        );
      } catch (e) {
        // A batch in which no id exists answers 404 OBJECT_NOT_FOUND rather than 207; any other
        // 404 (a wrong API URL) must not pass for "deal deleted".
        if (
          isProviderError(e, 'notFound') &&
          /OBJECT_NOT_FOUND/.test(e.details.vendorMessage ?? '')
        ) {
          for (const id of chunk) missing.add(id);
          return;
        }
        throw e;
      }
      for (const o of data.results ?? []) found.set(o.id, o);
      for (const id of chunk) if (!found.has(id)) missing.add(id);
    });
    return { found, missing };
  }

  type FilterGroup = { filters: Array<Record<string, unknown>> };

  /** The deals matching any of `filterGroups`, page by page, in HubSpot's order. */
  async function search(
    filterGroups: FilterGroup[],
    maxPages: number,
    signal?: AbortSignal,
  ): Promise<HsObject[]> {
    const out: HsObject[] = [];
    let after: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      let data: z.infer<typeof SearchResponse>;
      try {
        data = await http.json(
          {
            method: 'POST',
            path: '/crm/v3/objects/deals/search',
            body: { filterGroups, properties, limit: 200, ...(after ? { after } : {}) },
            idempotent: true,
            signal,
          },
          SearchResponse,
        );
      } catch (e) {
        if (isProviderError(e, 'badRequest')) {
          throw new ProviderError(
            'notConfigured',
            `${PROVIDER} refused to search deals by the property "${ticketProperty}" ` +
              `(customerContext.hubspot.ticketProperty): ${e.details.vendorMessage ?? e.message}`,
            {
              provider: PROVIDER,
              status: e.details.status,
              where: 'customerContext.hubspot.ticketProperty',
            },
          );
        }
        throw e;
      }
      out.push(...(data.results ?? []));
      const next = data.paging?.next?.after;
      if (!next || next === after) break;
      after = next;
    }
    return out;
  }

  /**
   * Companies by id. Up to one batch (100) they are read by id; more are found by one search with
   * `IN` groups (500 ids, 200 a page), where batch reads would cost a request per 100.
   */
  async function readCompanies(ids: string[], signal?: AbortSignal): Promise<Map<string, HsObject>> {
    const props = ['name', 'domain'];
    if (ids.length <= BATCH) return (await batchRead('companies', ids, props, signal)).found;
    const found = new Map<string, HsObject>();
    const groups = chunks(ids, IN_VALUES).map((chunk) => ({
      filters: [{ propertyName: 'hs_object_id', operator: 'IN', values: chunk }],
    }));
    await mapLimit(chunks(groups, SEARCH_GROUPS), 2, async (filterGroups) => {
      let after: string | undefined;
      for (let page = 0; page < MAX_BATCH_SEARCH_PAGES; page++) {
        const data = await http.json(
          {
            method: 'POST',
            path: '/crm/v3/objects/companies/search',
            body: { filterGroups, properties: props, limit: 200, ...(after ? { after } : {}) },
            idempotent: true,
            signal,
          },
          SearchResponse,
        );
        for (const c of data.results ?? []) found.set(c.id, c);
        const next = data.paging?.next?.after;
        if (!next || next === after) break;
        after = next;
      }
    });
    return found;
  }

  function searchByKey(key: string, signal?: AbortSignal): Promise<HsObject[]> {
    const filters = [{ propertyName: ticketProperty, operator: 'EQ', value: key }];
    return search([{ filters }], MAX_SEARCH_PAGES, signal);
  }

  /**
   * The deals whose ticket property holds one of `keys` or whose id is one of `ids`, in as few
   * searches as the filter limits allow (one for up to 250 keys and 0 ids, or 150 and 100).
   */
  async function searchMany(
    keys: string[],
    ids: string[],
    signal?: AbortSignal,
  ): Promise<HsObject[]> {
    const groups: FilterGroup[] = [];
    // HubSpot's search guide asks for lower-case values when IN filters a text property; the keys
    // as written go along too, so a portal that compares them as stored still matches.
    for (const chunk of chunks(keys, IN_VALUES / 2)) {
      const values = [...new Set(chunk.flatMap((k) => [k, k.toLowerCase()]))];
      groups.push({ filters: [{ propertyName: ticketProperty, operator: 'IN', values }] });
    }
    for (const chunk of chunks(ids, IN_VALUES)) {
      groups.push({ filters: [{ propertyName: 'hs_object_id', operator: 'IN', values: chunk }] });
    }
    const pages = await mapLimit(chunks(groups, SEARCH_GROUPS), 2, (g) =>
      search(g, MAX_BATCH_SEARCH_PAGES, signal),
    );
    const out = new Map<string, HsObject>();
    for (const d of pages.flat()) if (!out.has(d.id)) out.set(d.id, d);
    return [...out.values()];
  }

  /** deal id → company ids, the primary (type 5) first. */
  async function companiesOf(
    dealIds: string[],
    batch: number,
    signal?: AbortSignal,
  ): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    await mapLimit(chunks(dealIds, batch), PARALLEL, async (chunk) => {
      let data: z.infer<typeof AssociationsResponse>;
      try {
        data = await http.json(
          {
            method: 'POST',
            path: '/crm/v4/associations/deals/companies/batch/read',
            body: { inputs: chunk.map((id) => ({ id })) },
            idempotent: true,
            signal,
          },
          AssociationsResponse,
        );
      } catch (e) {
        if (isProviderError(e, 'notFound')) return;
        throw e;
      }
      for (const r of data.results ?? []) {
        const to = [...(r.to ?? [])].sort((a, b) => rank(a) - rank(b));
        const ids = [...new Set(to.map((t) => t.toObjectId))];
        out.set(r.from.id, ids);
      }
    });
    return out;
  }
  const rank = (t: { associationTypes?: Array<{ typeId?: number | null }> | null }): number =>
    (t.associationTypes ?? []).some((a) => a.typeId === 5) ? 0 : 1;

  async function listOwners(read: Owner[]): Promise<void> {
    const seen = new Map<string, SalesOwner>();
    let after: string | undefined;
    for (let page = 0; page < MAX_OWNER_PAGES; page++) {
      const data = await http.json(
        { path: '/crm/v3/owners', query: { limit: 500, archived: false, after } },
        OwnerList,
      );
      for (const o of data.results) {
        seen.set(o.id, ownerFrom(o));
        read.push(o);
      }
      const next = data.paging?.next?.after;
      if (!next || next === after) break;
      after = next;
    }
    for (const [id, owner] of seen) owners.set(id, owner);
  }

  function ownerById(id: string, read: Owner[]): Promise<SalesOwner | undefined> {
    return owners.get(id, async () => {
      try {
        const o = await http.json({ path: `/crm/v3/owners/${encodeURIComponent(id)}` }, Owner);
        read.push(o);
        return ownerFrom(o);
      } catch (e) {
        // A deactivated owner is gone from the owners API; the deal still shows, without owner.
        if (isProviderError(e, 'notFound')) return undefined;
        throw e;
      }
    });
  }

  /** Owners by id, listing all when over `listAbove` are unknown; 'forbidden' without the scope. */
  async function resolveOwners(
    ids: string[],
    listAbove: number,
  ): Promise<Map<string, SalesOwner> | 'forbidden'> {
    await rememberedOwners();
    const unknown = ids.filter((id) => !owners.has(id));
    const out = new Map<string, SalesOwner>();
    const read: Owner[] = [];
    try {
      if (unknown.length > listAbove) await listOwners(read);
      const resolved = await mapLimit(ids, PARALLEL, (id) => ownerById(id, read));
      ids.forEach((id, i) => {
        const o = resolved[i];
        if (o) out.set(id, o);
      });
    } catch (e) {
      if (!isProviderError(e, 'forbidden')) throw e;
      return 'forbidden';
    } finally {
      await rememberOwners(read);
    }
    return out;
  }

  function checkProperty(): void {
    if (ticketProperty && !/^[A-Za-z0-9_]{1,100}$/.test(ticketProperty)) {
      throw new ProviderError(
        'notConfigured',
        `${PROVIDER}: "${ticketProperty}" is not a deal property name ` +
          '(customerContext.hubspot.ticketProperty expects an internal name, e.g. jira_issue_key).',
        { provider: PROVIDER, where: 'customerContext.hubspot.ticketProperty' },
      );
    }
  }

  /** The deal ids a ticket references, and a warning for each reference that is not one. */
  function refsOf(ticket: Ticket): { refIds: string[]; warnings: string[] } {
    const warnings: string[] = [];
    const refIds: string[] = [];
    for (const ref of ticket.dealRefs) {
      const id = hubspotDealId(ref);
      if (id === undefined)
        warnings.push(`${PROVIDER}: "${ref}" is not a HubSpot deal id or link; ignored.`);
      else if (!refIds.includes(id)) refIds.push(id);
    }
    return { refIds, warnings };
  }

  /** The per-portal lookups, started before the deals are read so they run alongside. */
  interface PortalLookups {
    account: Promise<AccountInfo | undefined>;
    stages: Promise<StageIndex | 'forbidden'>;
  }

  /**
   * Companies, owners, stages and links for `deals`, in batches however many tickets they belong
   * to. A scope the token lacks costs that detail (and a warning), not the whole lookup.
   */
  async function build(
    deals: Map<string, HsObject>,
    portal: PortalLookups,
    limits: { associations: number; ownerListAbove: number },
    signal?: AbortSignal,
  ): Promise<BuiltDeals> {
    const ownerIdOf = (d: HsObject | undefined) => str(d?.properties?.hubspot_owner_id);
    const ownerIds = [...new Set([...deals.values()].map(ownerIdOf))].filter(
      (id): id is string => id !== undefined,
    );
    let associationsForbidden = false;
    let companiesForbidden = false;
    const forbidden = (mark: () => void) => (e: unknown) => {
      if (!isProviderError(e, 'forbidden')) throw e;
      mark();
      return new Map<string, never>();
    };
    const [assoc, ownerMap] = await Promise.all([
      companiesOf([...deals.keys()], limits.associations, signal).catch(
        forbidden(() => (associationsForbidden = true)),
      ),
      resolveOwners(ownerIds, limits.ownerListAbove),
    ]);
    const companyIds = [...new Set([...assoc.values()].flat())];
    const companies: Map<string, HsObject> = companyIds.length
      ? await readCompanies(companyIds, signal).catch(forbidden(() => (companiesForbidden = true)))
      : new Map();
    const [info, remembered] = await Promise.all([portal.account, portal.stages]);
    let stageResult = remembered;
    const stageOf = (idx: StageIndex, d: HsObject): string | undefined => {
      const stageId = str(d.properties?.dealstage);
      const pipelineId = str(d.properties?.pipeline);
      if (!stageId) return undefined;
      return (pipelineId ? idx.byPipeline.get(pipelineId)?.get(stageId) : undefined) ?? idx.any.get(stageId);
    };
    // A stage added since the pipelines were remembered: read them anew, once.
    if (
      stageResult !== 'forbidden' &&
      stagesRemembered &&
      [...deals.values()].some((d) => str(d.properties?.dealstage) && !stageOf(stageResult as StageIndex, d))
    ) {
      stages = undefined;
      void memory.forget('pipelines');
      stageResult = await stageIndex(true);
    }
    const stageIdx = stageResult === 'forbidden' ? undefined : stageResult;

    const origin =
      uiOrigin(options.portalUrl) ?? uiOrigin(info?.uiDomain) ?? 'https://app.hubspot.com';
    const result = new Map<string, Deal>();
    for (const [id, d] of deals) {
      const p = d.properties ?? {};
      const companyName = (assoc.get(id) ?? [])
        .map((c) => str(companies.get(c)?.properties?.name))
        .find((n) => n !== undefined);
      const deal: Deal = { id, customer: companyName ?? str(p.dealname) ?? `Deal ${id}` };
      const amount = amountOf(p.amount);
      if (amount !== undefined) deal.amount = amount;
      const currency = str(p.deal_currency_code) ?? str(info?.companyCurrency);
      if (currency && /^[A-Za-z]{3}$/.test(currency)) deal.currency = currency.toUpperCase();
      const label = stageIdx ? stageOf(stageIdx, d) : undefined;
      if (label) deal.stage = label;
      const closeDate = dateOf(p.closedate);
      if (closeDate) deal.closeDate = closeDate;
      const ownerId = ownerIdOf(d);
      const owner = ownerId && ownerMap !== 'forbidden' ? ownerMap.get(ownerId) : undefined;
      if (owner) deal.owner = { ...owner };
      const portal = info ? encodeURIComponent(info.portalId) : undefined;
      if (portal) deal.url = `${origin}/contacts/${portal}/record/0-3/${encodeURIComponent(id)}`;
      result.set(id, deal);
    }

    return {
      deals: result,
      warningsFor(ids) {
        const warnings: string[] = [];
        const hasCompanies = ids.some((id) => (assoc.get(id) ?? []).length > 0);
        if (associationsForbidden || (companiesForbidden && hasCompanies)) {
          warnings.push(
            `${PROVIDER}: the token may not read companies (scope ` +
              'crm.objects.companies.read), so deal names stand in for customers.',
          );
        }
        if (ownerMap === 'forbidden' && ids.some((id) => ownerIdOf(deals.get(id)))) {
          warnings.push(
            `${PROVIDER}: the token may not read owners (scope crm.objects.owners.read); ` +
              'owners are not shown.',
          );
        }
        if (stageResult === 'forbidden') {
          warnings.push(
            `${PROVIDER}: the token may not read deal pipelines, so stages are not shown.`,
          );
        }
        return warnings;
      },
    };
  }

  async function dealsForTicket(ticket: Ticket, signal?: AbortSignal): Promise<TicketDeals> {
    const { refIds, warnings } = refsOf(ticket);
    checkProperty();

    // Independent first round: referenced deals, the search, and the cached per-portal lookups.
    const portal = { account: accountInfo(), stages: stageIndex() };
    const [byRef, found] = await Promise.all([
      refIds.length ? batchRead('deals', refIds, properties, signal) : undefined,
      ticketProperty ? searchByKey(ticket.key, signal) : [],
    ]);

    const deals = new Map<string, HsObject>();
    for (const id of refIds) {
      const d = byRef?.found.get(id);
      if (d) deals.set(id, d);
      else warnings.push(notFoundWarning(id, ticket.key));
    }
    for (const d of found) if (!deals.has(d.id)) deals.set(d.id, d);
    if (deals.size === 0) return { deals: [], warnings };

    const built = await build(
      deals,
      portal,
      { associations: BATCH, ownerListAbove: OWNER_LIST_THRESHOLD },
      signal,
    );
    return assembleDeals([...deals.keys()], built, warnings);
  }

  /**
   * `dealsForTicket` for many tickets: one search finds the deals holding any of the keys and the
   * referenced ones together (a referenced deal the search index does not show yet is read by
   * id), then companies, owners and stages are read once for all of them.
   */
  async function dealsForTickets(
    tickets: readonly Ticket[],
    signal?: AbortSignal,
  ): Promise<Map<string, TicketDeals>> {
    checkProperty();
    const wanted = new Map<string, { ticket: Ticket; refIds: string[]; warnings: string[] }>();
    for (const t of tickets) if (!wanted.has(t.key)) wanted.set(t.key, { ticket: t, ...refsOf(t) });
    const all = [...wanted.values()];
    const refIds = [...new Set(all.flatMap((w) => w.refIds))];
    const keys = ticketProperty ? all.map((w) => w.ticket.key) : [];

    const byId = new Map<string, HsObject>();
    const byKey = new Map<string, HsObject[]>();
    let portal: PortalLookups | undefined;
    if (keys.length || refIds.length) {
      portal = { account: accountInfo(), stages: stageIndex() };
      const found = await searchMany(keys, refIds, signal);
      for (const d of found) {
        byId.set(d.id, d);
        const value = ticketProperty ? str(d.properties?.[ticketProperty]) : undefined;
        if (value === undefined) continue;
        const k = value.toLowerCase();
        byKey.set(k, [...(byKey.get(k) ?? []), d]);
      }
      const unseen = refIds.filter((id) => !byId.has(id));
      if (unseen.length) {
        const read = await batchRead('deals', unseen, properties, signal);
        for (const [id, d] of read.found) byId.set(id, d);
      }
    }

    const idsOf = new Map<string, string[]>();
    const union = new Map<string, HsObject>();
    for (const w of all) {
      const ids: string[] = [];
      for (const id of w.refIds) {
        if (byId.has(id)) ids.push(id);
        else w.warnings.push(notFoundWarning(id, w.ticket.key));
      }
      if (ticketProperty) {
        for (const d of byKey.get(w.ticket.key.toLowerCase()) ?? []) {
          if (!ids.includes(d.id)) ids.push(d.id);
        }
      }
      idsOf.set(w.ticket.key, ids);
      for (const id of ids) union.set(id, byId.get(id) as HsObject);
    }
    const limits = { associations: ASSOCIATION_BATCH, ownerListAbove: 1 };
    const built = union.size && portal ? await build(union, portal, limits, signal) : undefined;

    const out = new Map<string, TicketDeals>();
    for (const w of all) {
      const ids = idsOf.get(w.ticket.key) ?? [];
      const result = ids.length && built ? assembleDeals(ids, built, w.warnings) : undefined;
      out.set(w.ticket.key, result ?? { deals: [], warnings: w.warnings });
    }
    return out;
  }

  return {
    kind: 'hubspot',
    label: PROVIDER,
    dealsForTicket,
    dealsForTickets,
    async whoAmI() {
      const info = await accountInfo();
      if (!info) return `${PROVIDER} (account details not visible to this token)`;
      const name = info.portalName ? ` (${info.portalName})` : '';
      return `${PROVIDER} account ${info.portalId}${name}`;
    },
  };
}
