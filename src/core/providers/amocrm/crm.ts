// amoCRM / Kommo leads for a ticket: the leads the ticket references (ids or lead links) plus those
// whose ticket custom field holds the key. API v4 has no exact-match filter on custom fields for
// every account (the `filter[custom_fields_values]` filter is still an alpha enabled per account),
// so the key goes through `query`, which matches any filled field by substring; only leads whose
// ticket field holds exactly the key are kept. Companies are read in lists of ids; the account
// (currency, time zone), pipelines (stage labels), users and company names are cached per client,
// so a warm lookup costs the leads request alone.
import * as z from 'zod/mini';
import { ProviderError, isProviderError } from '../../errors';
import { readToken, type HttpClient, type ProviderHttpOptions, type TokenSource } from '../../http';
import type { Deal, SalesOwner, Ticket } from '../../model';
import type { Crm, TicketDeals } from '../types';
import { cacheOnce, chunks, mapLimit } from '../../collections';

const URL_SETTING = 'customerContext.amocrm.baseUrl';
const FIELD_SETTING = 'customerContext.amocrm.ticketField';
/** The largest `limit` API v4 lists accept. */
const PAGE = 250;
/** Ids per `filter[id][]` list: keeps URLs far below the common 8 KB limit. */
const IDS_PER_REQUEST = 50;
const MAX_SEARCH_PAGES = 4;
const MAX_USER_PAGES = 10;
/** Requests of one kind in flight at once: the account allows about 7 a second in all. */
const PARALLEL = 2;
/**
 * Requests the worklist's batch starts a second: the account allows about 7 a second in all, and
 * amoCRM blocks an address that keeps going past it.
 */
const REQUESTS_PER_SECOND = 6;
/** A cached users or pipelines list is read again for an id it lacks, at most this often. */
const REFRESH_AFTER_MS = 10 * 60_000;
/** Host names of amoCRM and Kommo accounts (`acme.amocrm.ru`, `acme.kommo.com`). */
const AMO_HOST = /(^|\.)(amocrm\.ru|amocrm\.com|kommo\.com)$/i;

/** What `amocrmCrm` needs besides the HTTP client. */
export interface AmocrmOptions {
  /** Lead custom field id holding the ticket key (`customerContext.amocrm.ticketField`). */
  ticketField?: string;
  /** Epoch ms; tests move it to expire the cached lists. */
  now?: () => number;
  /** Requests the worklist's batch starts a second (default 6); tests raise it. */
  requestsPerSecond?: number;
}

// -------------------------------------------------------------------------------------------------
// Response schemas: loose objects, non-essential fields optional and nullable. A list answers 204
// with no body when it is empty, so every list schema accepts `undefined`.

const Id = z.pipe(
  z.union([z.number(), z.string()]),
  z.transform((v) => String(v)),
);
const NullableId = z.optional(z.nullable(Id));
const Str = z.optional(z.nullable(z.string()));
const Seconds = z.optional(z.nullable(z.union([z.number(), z.string()])));
const Links = z.optional(
  z.nullable(
    z.looseObject({
      next: z.optional(z.nullable(z.looseObject({ href: Str }))),
    }),
  ),
);

const CustomFieldValue = z.looseObject({
  field_id: Id,
  values: z.optional(z.nullable(z.array(z.looseObject({ value: z.optional(z.unknown()) })))),
});
const Lead = z.looseObject({
  id: Id,
  name: Str,
  price: z.optional(z.nullable(z.union([z.number(), z.string()]))),
  status_id: NullableId,
  pipeline_id: NullableId,
  responsible_user_id: NullableId,
  closed_at: Seconds,
  is_deleted: z.optional(z.nullable(z.boolean())),
  custom_fields_values: z.optional(z.nullable(z.array(CustomFieldValue))),
  _embedded: z.optional(
    z.nullable(
      z.looseObject({
        companies: z.optional(z.nullable(z.array(z.looseObject({ id: Id })))),
      }),
    ),
  ),
});
type Lead = z.infer<typeof Lead>;
const LeadList = z.optional(
  z.looseObject({
    _links: Links,
    _embedded: z.looseObject({ leads: z.array(Lead) }),
  }),
);
const CompanyList = z.optional(
  z.looseObject({
    _embedded: z.looseObject({
      companies: z.array(z.looseObject({ id: Id, name: Str })),
    }),
  }),
);
const User = z.looseObject({ id: Id, name: Str, email: Str });
type User = z.infer<typeof User>;
const UserList = z.optional(
  z.looseObject({ _links: Links, _embedded: z.looseObject({ users: z.array(User) }) }),
);
const Pipelines = z.optional(
  z.looseObject({
    _embedded: z.looseObject({
      pipelines: z.array(
        z.looseObject({
          id: Id,
          name: Str,
          _embedded: z.optional(
            z.nullable(
              z.looseObject({
                statuses: z.optional(z.nullable(z.array(z.looseObject({ id: Id, name: Str })))),
              }),
            ),
          ),
        }),
      ),
    }),
  }),
);
const Account = z.looseObject({
  id: Id,
  name: Str,
  subdomain: Str,
  currency: Str,
  current_user_id: NullableId,
  _embedded: z.optional(
    z.nullable(
      z.looseObject({
        datetime_settings: z.optional(z.nullable(z.looseObject({ timezone: Str }))),
      }),
    ),
  ),
});
type Account = z.infer<typeof Account>;
const Problem = z.looseObject({
  title: Str,
  detail: Str,
  'validation-errors': z.optional(
    z.nullable(
      z.array(
        z.looseObject({
          errors: z.optional(
            z.nullable(z.array(z.looseObject({ code: Str, path: Str, detail: Str }))),
          ),
        }),
      ),
    ),
  ),
});

// -------------------------------------------------------------------------------------------------
// HTTP options

/** `Kommo` for a kommo.com account, else `amoCRM`: the name the account's own people use. */
export function amocrmLabel(baseUrl: string): string {
  try {
    return /(^|\.)kommo\.com$/i.test(new URL(baseUrl.trim()).hostname) ? 'Kommo' : 'amoCRM';
  } catch {
    return 'amoCRM';
  }
}

/**
 * The vendor's words from an `application/problem+json` body: its `detail` (else `title`), and the
 * first field problems of a `validation-errors` answer with their paths.
 */
export function amocrmVendorMessage(_status: number, data: unknown): string | undefined {
  const body = Problem.safeParse(data);
  if (!body.success) return undefined;
  const head = body.data.detail?.trim() || body.data.title?.trim();
  const fields = (body.data['validation-errors'] ?? [])
    .flatMap((v) => v.errors ?? [])
    .map((e) => [e.path?.trim(), e.detail?.trim() || e.code?.trim()].filter(Boolean).join(': '))
    .filter(Boolean);
  if (fields.length === 0) return head || undefined;
  return `${head || 'Request validation failed'} (${fields.slice(0, 3).join('; ')})`;
}

/** The account's origin when the setting holds a longer URL (`…/api/v4`, a copied lead page). */
function accountOrigin(baseUrl: string): string {
  try {
    const url = new URL(baseUrl.trim());
    // A URL with credentials is passed on whole, so that the HTTP layer refuses it by name.
    return url.username || url.password ? baseUrl : url.origin;
  } catch {
    return baseUrl;
  }
}

/** The amoCRM / Kommo part of the HTTP client options: account URL, Bearer token, errors. */
export function amocrmHttpOptions(baseUrl: string, token: TokenSource): ProviderHttpOptions {
  const provider = amocrmLabel(baseUrl);
  return {
    provider,
    baseUrl: accountOrigin(baseUrl),
    baseUrlSetting: URL_SETTING,
    auth: async () => ({ authorization: `Bearer ${await readToken(provider, token)}` }),
    vendorMessage: amocrmVendorMessage,
    // 402 is an unpaid or suspended account: nothing a new token or a retry can fix.
    classify: (res) => (res.status === 402 ? 'forbidden' : undefined),
    describe: (_kind, status, vendor) => {
      if (status !== 402) return undefined;
      const why = vendor ? ` — ${vendor}` : '';
      return (
        `the account is suspended (HTTP 402 Payment Required${why}). ` +
        `Its subscription has to be renewed in ${provider} before anything can be read.`
      );
    },
  };
}

// -------------------------------------------------------------------------------------------------
// Helpers

/**
 * A lead id from a numeric ref or a lead link (`https://acme.amocrm.ru/leads/detail/123`) on an
 * amoCRM or Kommo host, or on `ownOrigin` (the configured account); undefined for anything else.
 */
export function amocrmLeadId(ref: string, ownOrigin?: string): string | undefined {
  const s = ref.trim();
  if (/^\d{1,15}$/.test(s)) return s;
  if (s.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined;
  }
  const own = ownOrigin !== undefined && ownOrigin !== '' && url.origin === ownOrigin;
  if (!own && !(url.protocol === 'https:' && AMO_HOST.test(url.hostname))) return undefined;
  return /^\/leads\/detail\/(\d{1,15})\/?$/.exec(url.pathname)?.[1];
}

/** `filter[id][]=1&filter[id][]=2`, encoded: a list PHP reads as an array. */
function idFilter(ids: readonly string[]): string {
  return ids.map((id) => `filter%5Bid%5D%5B%5D=${encodeURIComponent(id)}`).join('&');
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function amountOf(v: unknown): number | undefined {
  const s = text(v);
  if (s === undefined || !/^\d+(\.\d+)?$/.test(s)) return undefined;
  const n = Number(s);
  // An empty budget is 0 in amoCRM: it means "no amount", not a free deal.
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** `YYYY-MM-DD` of a Unix time in the account's time zone (UTC when it is unknown or invalid). */
export function dateInZone(seconds: unknown, timeZone: string | undefined): string | undefined {
  const s = text(seconds);
  if (s === undefined || !/^\d{1,12}$/.test(s) || Number(s) === 0) return undefined;
  const d = new Date(Number(s) * 1000);
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timeZone || 'UTC',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).formatToParts(d);
  } catch {
    return dateInZone(seconds, 'UTC');
  }
  const part = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const date = `${part('year')}-${part('month')}-${part('day')}`;
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : undefined;
}

function ownerFrom(u: User): SalesOwner {
  const owner: SalesOwner = {
    name: u.name?.trim() || u.email?.trim() || `User ${u.id}`,
    crmId: u.id,
  };
  if (u.email?.trim()) owner.email = u.email.trim();
  return owner;
}

/** Whether the lead's field `fieldId` holds `key` (one of its values, trimmed, any case). */
function holdsKey(lead: Lead, fieldId: string, key: string): boolean {
  const wanted = key.trim().toLowerCase();
  return (lead.custom_fields_values ?? []).some(
    (f) =>
      f.field_id === fieldId &&
      (f.values ?? []).some((v) => text(v.value)?.toLowerCase() === wanted),
  );
}

/**
 * A gate for `slots` requests at a time, at most `perSecond` requests a second, evenly spaced (on
 * the wall clock: a test clock standing still must not stretch the waits).
 */
function pacer(perSecond: number): (slots?: number) => Promise<void> {
  const gap = 1000 / perSecond;
  let next = 0;
  return async (slots = 1) => {
    if (slots <= 0) return;
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + slots * gap;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  };
}

/** What a cached list holds: the list, or that the token may not read it. */
type Listed<V> = Map<string, V> | 'forbidden';

/**
 * A list read once per client, and again (at most every REFRESH_AFTER_MS) when an id it lacks
 * turns up: a user or a stage added after it was read. A token that may not read the list is
 * remembered too, so a warm lookup does not ask again.
 */
class ListCache<V> {
  private current: Promise<Listed<V>> | undefined;
  private loadedAt = 0;

  constructor(
    private readonly load: () => Promise<Map<string, V>>,
    private readonly now: () => number,
  ) {}

  /** Whether a read is cached or under way (so `start` asks nothing). */
  get started(): boolean {
    return this.current !== undefined;
  }

  /**
   * The cached read, or a new one when there is none (or it failed). A lookup given this promise
   * uses its result, even a failure, instead of starting another read.
   */
  start(): Promise<Listed<V>> {
    if (this.current) return this.current;
    this.loadedAt = this.now();
    const p = cacheOnce(
      async (): Promise<Listed<V>> => {
        try {
          return await this.load();
        } catch (e) {
          if (isProviderError(e, 'forbidden')) return 'forbidden';
          throw e;
        }
      },
      () => {
        if (this.current === p) this.current = undefined;
      },
    );
    this.current = p;
    p.catch(() => undefined);
    return p;
  }

  /** The list, read again first when it lacks one of `ids` and is older than REFRESH_AFTER_MS. */
  async lookup(ids: readonly string[], started = this.start()): Promise<Listed<V>> {
    const got = await started;
    if (this.now() - this.loadedAt < REFRESH_AFTER_MS) return got;
    if (got !== 'forbidden' && ids.every((id) => got.has(id))) return got;
    if (this.current === started) this.current = undefined;
    return this.start();
  }
}

// -------------------------------------------------------------------------------------------------
// The Crm

/** amoCRM / Kommo leads as a Crm over an HttpClient built with `amocrmHttpOptions`. */
export function amocrmCrm(http: HttpClient, options: AmocrmOptions = {}): Crm {
  const label = http.provider;
  const ticketField = options.ticketField?.trim() ?? '';
  const now = options.now ?? Date.now;
  const paced = pacer(options.requestsPerSecond ?? REQUESTS_PER_SECOND);

  // Cached lookups run without the caller's signal: a superseded refresh still fills the cache
  // for the next one, and one caller cancelling must not fail another sharing the promise.
  let account: Promise<Account> | undefined;
  const companies = new Map<string, string | undefined>();
  let companiesForbiddenAt = -Infinity;

  function accountInfo(): Promise<Account> {
    account ??= cacheOnce(
      () => http.json({ path: '/api/v4/account', query: { with: 'datetime_settings' } }, Account),
      () => (account = undefined),
    );
    return account;
  }

  // `pipelineId:statusId` → label, and `statusId` alone for a lead whose pipeline is not given.
  // Won and lost (142, 143) exist in every pipeline, each with its own label.
  const stages = new ListCache<string>(async () => {
    const data = await http.json({ path: '/api/v4/leads/pipelines' }, Pipelines);
    const labels = new Map<string, string>();
    for (const p of data?._embedded.pipelines ?? []) {
      for (const s of p._embedded?.statuses ?? []) {
        const name = s.name?.trim();
        if (!name) continue;
        labels.set(`${p.id}:${s.id}`, name);
        if (!labels.has(s.id)) labels.set(s.id, name);
      }
    }
    return labels;
  }, now);

  const users = new ListCache<SalesOwner>(async () => {
    const out = new Map<string, SalesOwner>();
    for (let page = 1; page <= MAX_USER_PAGES; page++) {
      const data = await http.json(
        { path: '/api/v4/users', query: { limit: PAGE, page } },
        UserList,
      );
      for (const u of data?._embedded.users ?? []) out.set(u.id, ownerFrom(u));
      if (!data?._links?.next?.href) break;
    }
    return out;
  }, now);

  async function search(key: string, signal?: AbortSignal): Promise<Lead[]> {
    const out: Lead[] = [];
    for (let page = 1; page <= MAX_SEARCH_PAGES; page++) {
      const data = await http.json(
        { path: '/api/v4/leads', query: { query: key, limit: PAGE, page }, signal },
        LeadList,
      );
      const leads = data?._embedded.leads ?? [];
      out.push(...leads);
      if (!data?._links?.next?.href || leads.length === 0) break;
    }
    return out;
  }

  async function leadsById(ids: string[], signal?: AbortSignal): Promise<Map<string, Lead>> {
    const out = new Map<string, Lead>();
    await mapLimit(chunks(ids, IDS_PER_REQUEST), PARALLEL, async (chunk) => {
      const data = await http.json(
        { path: `/api/v4/leads?${idFilter(chunk)}`, query: { limit: PAGE }, signal },
        LeadList,
      );
      for (const l of data?._embedded.leads ?? []) if (!l.is_deleted) out.set(l.id, l);
    });
    return out;
  }

  async function companyNames(ids: string[], signal?: AbortSignal): Promise<Listed<string>> {
    if (now() - companiesForbiddenAt < REFRESH_AFTER_MS) return 'forbidden';
    const unknown = ids.filter((id) => !companies.has(id));
    try {
      await mapLimit(chunks(unknown, IDS_PER_REQUEST), PARALLEL, async (chunk) => {
        const data = await http.json(
          { path: `/api/v4/companies?${idFilter(chunk)}`, query: { limit: PAGE }, signal },
          CompanyList,
        );
        const found = new Map(
          (data?._embedded.companies ?? []).map((c) => [c.id, c.name?.trim()]),
        );
        // A company the token cannot see is remembered as such: the lead's name stands in.
        for (const id of chunk) companies.set(id, found.get(id) || undefined);
      });
    } catch (e) {
      if (!isProviderError(e, 'forbidden')) throw e;
      companiesForbiddenAt = now();
      return 'forbidden';
    }
    const out = new Map<string, string>();
    for (const id of ids) {
      const name = companies.get(id);
      if (name) out.set(id, name);
    }
    return out;
  }

  function checkField(): void {
    if (ticketField && !/^\d{1,12}$/.test(ticketField)) {
      throw new ProviderError(
        'notConfigured',
        `${label}: "${ticketField.slice(0, 60)}" is not a lead custom field id ` +
          `(${FIELD_SETTING} expects the field's number, e.g. 1279381, shown in Settings → ` +
          'Leads fields, or through GET /api/v4/leads/custom_fields).',
        { provider: label, where: FIELD_SETTING },
      );
    }
  }

  /** The lead ids a ticket references, and a warning for each reference that is not one. */
  function refsOf(ticket: Ticket): { refIds: string[]; warnings: string[] } {
    const warnings: string[] = [];
    const refIds: string[] = [];
    for (const ref of ticket.dealRefs) {
      const id = amocrmLeadId(ref, http.origin);
      if (id === undefined) {
        warnings.push(`${label}: "${ref.slice(0, 200)}" is not a lead id or lead link; ignored.`);
      } else if (!refIds.includes(id)) refIds.push(id);
    }
    return { refIds, warnings };
  }

  /** A ticket's leads: the referenced ones that exist (warning of the others), then the matched. */
  function leadsOf(
    ticket: Ticket,
    refIds: string[],
    matched: Lead[],
    byId: (id: string) => Lead | undefined,
    warnings: string[],
  ): Lead[] {
    const leads = new Map<string, Lead>();
    for (const id of refIds) {
      const lead = byId(id);
      if (lead) leads.set(id, lead);
      else {
        warnings.push(
          `${label}: lead ${id} referenced by ${ticket.key} was not found ` +
            '(deleted, or not visible to this token).',
        );
      }
    }
    for (const l of matched) if (!leads.has(l.id)) leads.set(l.id, l);
    return [...leads.values()];
  }

  /** What the per-account lists give a set of leads. */
  interface Lookups {
    names: Listed<string>;
    owners: Listed<SalesOwner>;
    labels: Listed<string>;
    /** The account; undefined when the token may not read it. */
    info: Account | undefined;
  }

  const companyIdsOf = (list: Lead[]) => [
    ...new Set(list.flatMap((l) => (l._embedded?.companies ?? []).map((c) => c.id))),
  ];
  const userIdsOf = (list: Lead[]) => [
    ...new Set(
      list.map((l) => l.responsible_user_id).filter((v): v is string => !!v && v !== '0'),
    ),
  ];
  const stageKeysOf = (list: Lead[]) =>
    list
      .filter((l) => l.status_id)
      .map((l) => (l.pipeline_id ? `${l.pipeline_id}:${l.status_id}` : String(l.status_id)));

  async function lookups(
    list: Lead[],
    started: ReturnType<typeof startLists>,
    signal?: AbortSignal,
  ): Promise<Lookups> {
    const companyIds = companyIdsOf(list);
    const userIds = userIdsOf(list);
    const stageKeys = stageKeysOf(list);
    const [names, owners, labels, info] = await Promise.all([
      companyIds.length ? companyNames(companyIds, signal) : new Map<string, string>(),
      userIds.length ? users.lookup(userIds, started.users) : new Map<string, SalesOwner>(),
      stageKeys.length ? stages.lookup(stageKeys, started.stages) : new Map<string, string>(),
      started.account.catch((e: unknown) => {
        if (!isProviderError(e, 'forbidden')) throw e;
        return undefined;
      }),
    ]);
    return { names, owners, labels, info };
  }

  /** The warnings of a ticket whose leads are `list`: only for the lists it needed. */
  function lookupWarnings(list: Lead[], l: Lookups, warnings: string[]): void {
    // A list the token may not read costs that detail, not the whole lookup.
    if (l.info === undefined) {
      warnings.push(`${label}: the token may not read the account, so amounts have no currency.`);
    }
    if (l.names === 'forbidden' && companyIdsOf(list).length) {
      warnings.push(
        `${label}: the token may not read companies, so lead names stand in for customers.`,
      );
    }
    if (l.owners === 'forbidden' && userIdsOf(list).length) {
      warnings.push(`${label}: the token may not list users, so owners are shown by their ids.`);
    }
    if (l.labels === 'forbidden' && stageKeysOf(list).length) {
      warnings.push(`${label}: the token may not read pipelines, so stages are not shown.`);
    }
  }

  function toDeal(lead: Lead, l: Lookups): Deal {
    const owners = l.owners === 'forbidden' ? new Map<string, SalesOwner>() : l.owners;
    const labels = l.labels === 'forbidden' ? new Map<string, string>() : l.labels;
    const currency = text(l.info?.currency);
    const timeZone = text(l.info?._embedded?.datetime_settings?.timezone);
    const companyId = lead._embedded?.companies?.[0]?.id;
    const company = companyId && l.names !== 'forbidden' ? l.names.get(companyId) : undefined;
    const customer = company ?? (lead.name?.trim() || `Lead ${lead.id}`);
    const deal: Deal = { id: lead.id, customer };
    const amount = amountOf(lead.price);
    if (amount !== undefined) deal.amount = amount;
    if (currency && /^[A-Za-z]{3}$/.test(currency)) deal.currency = currency.toUpperCase();
    const inPipeline = lead.pipeline_id ? `${lead.pipeline_id}:${lead.status_id}` : undefined;
    const stage = lead.status_id
      ? ((inPipeline ? labels.get(inPipeline) : undefined) ?? labels.get(lead.status_id))
      : undefined;
    if (stage) deal.stage = stage;
    // amoCRM has no expected close date; `closed_at` is set once a lead is won or lost.
    const closed = dateInZone(lead.closed_at, timeZone);
    if (closed) deal.closeDate = closed;
    const userId = lead.responsible_user_id;
    const owner = userId ? owners.get(userId) : undefined;
    if (owner) deal.owner = { ...owner };
    else if (l.owners === 'forbidden' && userId && userId !== '0') {
      deal.owner = { name: `User ${userId}`, crmId: userId };
    }
    deal.url = `${http.origin}/leads/detail/${encodeURIComponent(lead.id)}`;
    return deal;
  }

  /** The per-account lists, started alongside the reads that need them. */
  function startLists() {
    const account = accountInfo();
    account.catch(() => undefined);
    return { stages: stages.start(), users: users.start(), account };
  }

  async function dealsForTicket(ticket: Ticket, signal?: AbortSignal): Promise<TicketDeals> {
    checkField();
    const { refIds, warnings } = refsOf(ticket);

    // The search first: a referenced lead it already returned needs no request of its own.
    const found = ticketField ? await search(ticket.key, signal) : [];
    const seen = new Map(found.filter((l) => !l.is_deleted).map((l) => [l.id, l]));
    const missing = refIds.filter((id) => !seen.has(id));
    const matched = found.filter((l) => !l.is_deleted && holdsKey(l, ticketField, ticket.key));
    if (matched.length === 0 && refIds.length === 0) return { deals: [], warnings };

    const started = startLists();
    const byRef = missing.length ? await leadsById(missing, signal) : new Map<string, Lead>();
    const list = leadsOf(ticket, refIds, matched, (id) => seen.get(id) ?? byRef.get(id), warnings);
    if (list.length === 0) return { deals: [], warnings };

    const l = await lookups(list, started, signal);
    lookupWarnings(list, l, warnings);
    return { deals: list.map((lead) => toDeal(lead, l)), warnings };
  }

  /**
   * `dealsForTicket` for many tickets. `query` matches one term (by substring, over every field),
   * so the keys are searched one by one, PARALLEL in flight; referenced leads no search returned
   * are read in lists of ids, and companies, users, pipelines and the account once for all of
   * them. Every request of the batch waits its turn at REQUESTS_PER_SECOND.
   */
  async function dealsForTickets(
    tickets: readonly Ticket[],
    signal?: AbortSignal,
  ): Promise<Map<string, TicketDeals>> {
    checkField();
    const wanted = new Map<string, { ticket: Ticket; refIds: string[]; warnings: string[] }>();
    for (const t of tickets) if (!wanted.has(t.key)) wanted.set(t.key, { ticket: t, ...refsOf(t) });
    const all = [...wanted.values()];
    const keys = ticketField ? all.map((w) => w.ticket.key) : [];
    const refIds = [...new Set(all.flatMap((w) => w.refIds))];
    const empty = (): Map<string, TicketDeals> =>
      new Map(all.map((w) => [w.ticket.key, { deals: [], warnings: w.warnings }]));
    if (keys.length === 0 && refIds.length === 0) return empty();

    // The account's lists first: with 50 tickets some lead almost surely needs them.
    await paced([stages.started, users.started, account !== undefined].filter((s) => !s).length);
    const started = startLists();
    const foundLists = await mapLimit(keys, PARALLEL, async (k) => {
      await paced();
      return search(k, signal);
    });
    const found = new Map(keys.map((k, i) => [k, foundLists[i]]));
    const seen = new Map<string, Lead>();
    for (const l of foundLists.flat()) if (!l.is_deleted && !seen.has(l.id)) seen.set(l.id, l);
    const matched = all.map((w) =>
      (found.get(w.ticket.key) ?? []).filter(
        (l) => !l.is_deleted && holdsKey(l, ticketField, w.ticket.key),
      ),
    );
    if (all.every((w, i) => matched[i].length === 0 && w.refIds.length === 0)) return empty();

    const missing = refIds.filter((id) => !seen.has(id));
    await paced(chunks(missing, IDS_PER_REQUEST).length);
    const byRef = missing.length ? await leadsById(missing, signal) : new Map<string, Lead>();
    const byId = (id: string) => seen.get(id) ?? byRef.get(id);
    const lists = all.map((w, i) => leadsOf(w.ticket, w.refIds, matched[i], byId, w.warnings));
    const union = [...new Map(lists.flat().map((l) => [l.id, l])).values()];
    const unknown = companyIdsOf(union).filter((id) => !companies.has(id));
    await paced(chunks(unknown, IDS_PER_REQUEST).length);
    const l = union.length ? await lookups(union, started, signal) : undefined;

    const out = new Map<string, TicketDeals>();
    all.forEach((w, i) => {
      if (l && lists[i].length) lookupWarnings(lists[i], l, w.warnings);
      const deals = l ? lists[i].map((lead) => toDeal(lead, l)) : [];
      out.set(w.ticket.key, { deals, warnings: w.warnings });
    });
    return out;
  }

  return {
    kind: 'amocrm',
    label,
    dealsForTicket,
    dealsForTickets,
    async whoAmI() {
      const a = await accountInfo();
      const name = a.name?.trim() ? ` "${a.name.trim()}"` : '';
      const sub = a.subdomain?.trim() ? ` (${a.subdomain.trim()})` : '';
      return `${label} account${name}${sub} ${a.id}`;
    },
  };
}
