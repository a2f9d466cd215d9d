// Zoho CRM deals for a ticket: the deals the ticket names (ids or deal links, read 100 at a time)
// plus those whose ticket field holds the key (the search API, 200 a page). The organisation (home
// currency, the org segment of deal links) and owners without an e-mail are looked up once per
// client, so a warm lookup costs the search alone.
import * as z from 'zod/mini';
import { LookupCache, cacheOnce, chunks, mapLimit } from '../../collections';
import { ProviderError, isProviderError } from '../../errors';
import type { HttpClient, HttpResponse, ProviderHttpOptions } from '../../http';
import type { Deal, SalesOwner, Ticket } from '../../model';
import { summarizeProblems, validationProblems } from '../../validation';
import type { Crm, TicketDeals } from '../types';
import { PROVIDER, zohoCode } from './auth';
import { crmWebOrigin } from './dataCentres';
import { zoho } from './index';
import { type BuiltDeals, assembleDeals } from '../batch';

/** The API version every path uses. */
export const ZohoApi = '/crm/v8';
/** Zoho reads at most 100 records by id in one request. */
const IDS_PER_REQUEST = 100;
/** Zoho's largest page. */
const PER_PAGE = 200;
const MAX_SEARCH_PAGES = 5;
/** Conditions OR'd in one search: Zoho takes at most 10 criteria in a search. */
const CRITERIA_PER_SEARCH = 10;
/** Pages one batch search reads: Zoho's search answers 2,000 records at most. */
const MAX_BATCH_SEARCH_PAGES = 10;
const PARALLEL = 4;
const TICKET_SETTING = 'customerContext.zoho.ticketField';
/** The Deals fields a lookup reads (the ticket field is added when set). */
export const DealFields = [
  'Deal_Name',
  'Amount',
  'Currency',
  'Stage',
  'Closing_Date',
  'Owner',
  'Account_Name',
];

// -------------------------------------------------------------------------------------------------
// Response schemas: loose objects, every non-essential field optional and nullable.

const Str = z.optional(z.nullable(z.string()));
const Id = z.pipe(
  z.union([z.string().check(z.regex(/^\d{1,25}$/, 'expected a numeric id')), z.number()]),
  z.transform((v) => String(v)),
);
const LookupObject = z.looseObject({
  id: z.optional(z.nullable(Id)),
  name: Str,
  email: Str,
});
const ZohoDeal = z.looseObject({
  id: Id,
  Deal_Name: Str,
  Amount: z.optional(z.nullable(z.union([z.number(), z.string()]))),
  Currency: Str,
  Stage: Str,
  Closing_Date: Str,
  Owner: z.optional(z.nullable(LookupObject)),
  // A lookup; very old orgs answered the account's name as a plain string.
  Account_Name: z.optional(z.nullable(z.union([LookupObject, z.string()]))),
});
type ZohoDeal = z.infer<typeof ZohoDeal>;
const RecordPage = z.optional(
  z.looseObject({
    data: z.optional(z.nullable(z.array(z.unknown()))),
    info: z.optional(
      z.nullable(
        z.looseObject({
          more_records: z.optional(z.nullable(z.boolean())),
          page: z.optional(z.nullable(z.number())),
        }),
      ),
    ),
  }),
);
const Org = z.looseObject({
  id: z.optional(z.nullable(Id)),
  company_name: Str,
  domain_name: Str,
  iso_code: Str,
  currency: Str,
});
type Org = z.infer<typeof Org>;
const OrgResponse = z.looseObject({ org: z.array(Org) });
const User = z.looseObject({
  id: Id,
  full_name: Str,
  first_name: Str,
  last_name: Str,
  email: Str,
});
type User = z.infer<typeof User>;
const UsersResponse = z.optional(z.looseObject({ users: z.optional(z.nullable(z.array(User))) }));

const ErrorRecord = z.looseObject({
  code: z.string(),
  message: Str,
  status: Str,
  details: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});
type ErrorRecord = z.infer<typeof ErrorRecord>;

/** The error a Zoho body carries: top level, or the first error record of a `data` array. */
export function zohoError(data: unknown): ErrorRecord | undefined {
  const top = ErrorRecord.safeParse(data);
  if (top.success) return top.data;
  const list = (data as { data?: unknown } | null)?.data;
  if (!Array.isArray(list)) return undefined;
  for (const r of list) {
    const rec = ErrorRecord.safeParse(r);
    if (rec.success && rec.data.status === 'error') return rec.data;
  }
  return undefined;
}

/** `message — field X: reason (CODE)` from a Zoho error body; the code ends it (see zohoCode). */
export function zohoVendorMessage(_status: number, data: unknown): string | undefined {
  const e = zohoError(data);
  if (!e) return undefined;
  const d = e.details ?? {};
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const bits = [
    text(d.api_name) && `field ${text(d.api_name)}`,
    text(d.reason),
    text(d.param_name) && `parameter ${text(d.param_name)}`,
  ].filter(Boolean);
  const head = text(e.message) ?? e.code;
  return `${head}${bits.length ? ` — ${bits.join(': ')}` : ''} (${e.code})`;
}

/**
 * `x-ratelimit-reset` as epoch milliseconds (what Zoho sends), epoch seconds, or seconds from now.
 * Daily credits run out over a rolling 24 hours: the reset may be far away, and then says so.
 */
export function zohoRateLimitReset(
  headers: Record<string, string>,
  now: number,
): number | undefined {
  const v = headers['x-ratelimit-reset']?.trim();
  if (!v || !/^\d{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  if (n > 1e12) return n;
  if (n > 1e9) return n * 1000;
  return now + n * 1000;
}

/** The API client options: base URL, the session's `Zoho-oauthtoken` header, errors and limits. */
export function zohoHttpOptions(
  apiUrl: string,
  auth: () => Promise<Record<string, string>>,
): ProviderHttpOptions {
  return {
    provider: PROVIDER,
    baseUrl: apiUrl,
    baseUrlSetting: 'customerContext.zoho.apiUrl',
    auth,
    vendorMessage: zohoVendorMessage,
    rateLimitReset: zohoRateLimitReset,
    classify: (res: HttpResponse) => {
      if (res.status < 400) return undefined;
      const code = zohoError(res.data)?.code;
      // A token without the scope is a permission matter: refreshing it changes nothing.
      if (code === 'OAUTH_SCOPE_MISMATCH' || code === 'NO_PERMISSION') return 'forbidden';
      if (code === 'LIMIT_EXCEEDED' || code === 'TOO_MANY_REQUESTS') return 'rateLimited';
      return undefined;
    },
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
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  const s = str(v);
  if (s === undefined || !/^-?\d+(\.\d+)?$/.test(s)) return undefined;
  return Number(s);
}

function currencyOf(v: unknown): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  // `RUB`, or an org's `Russian Ruble - RUB`.
  const code = /^[A-Za-z]{3}$/.test(s) ? s : /(?:^|[\s-])([A-Z]{3})$/.exec(s)?.[1];
  return code?.toUpperCase();
}

/** Parses one record of a list, naming its place (`data[2].Owner.id`) when it does not fit. */
function recordOf<T>(schema: z.ZodMiniType<T>, value: unknown, index: number, from: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const below = (p: string) => (p === '(root)' ? '' : p.startsWith('[') ? p : `.${p}`);
  const problems = validationProblems(parsed.error, value).map((p) => ({
    ...p,
    path: `data[${index}]${below(p.path)}`,
  }));
  throw new ProviderError(
    'invalidResponse',
    `${PROVIDER}: unexpected answer from ${from}: ${summarizeProblems(problems)}`,
    { provider: PROVIDER, where: problems[0]?.path },
  );
}

/** An error record in a list (a 207 entry, or an id that could not be read), not a deal. */
function isErrorEntry(value: unknown): boolean {
  const e = ErrorRecord.safeParse(value);
  return e.success && e.data.status === 'error';
}

/** Zoho's hosts, from the descriptor: deal links on them (and their subdomains) are ours. */
function isZohoHost(host: string): boolean {
  return (zoho.dealUrlHosts ?? []).some((h) => host === h || host.endsWith(`.${h}`));
}

/** A deal id from a numeric ref or a Zoho deal link (`…/crm/org123/tab/Potentials/456`). */
export function zohoDealId(ref: string): string | undefined {
  const s = ref.trim();
  if (/^\d{1,25}$/.test(s)) return s;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || !isZohoHost(url.hostname.toLowerCase())) return undefined;
  return /\/tab\/(?:Potentials|Deals)\/(\d{1,25})(?:\/|$)/i.exec(url.pathname)?.[1];
}

/** A search value with Zoho's criteria syntax characters escaped: `(`, `)`, `,` and `\`. */
export function criteriaValue(value: string): string {
  return value.replace(/[\\(),]/g, (c) => `\\${c}`);
}

function ownerName(u: User): string | undefined {
  const parts = [str(u.first_name), str(u.last_name)].filter(Boolean);
  return str(u.full_name) ?? (parts.join(' ') || undefined);
}

// -------------------------------------------------------------------------------------------------
// The CRM

/** What `zohoCrm` needs besides the (token-refreshing) API client. */
export interface ZohoOptions {
  /** Deals field API name holding the ticket key (`zoho.ticketField`); empty = no search. */
  ticketField?: string;
  /** The API URL, whose data centre decides the host of deal links. */
  apiUrl?: string;
}

/** Zoho CRM deals as a Crm over a client from `zohoAuthedClient`. */
export function zohoCrm(http: HttpClient, options: ZohoOptions = {}): Crm {
  const ticketField = options.ticketField?.trim() ?? '';
  const fields = [...DealFields, ...(ticketField ? [ticketField] : [])].join(',');
  const web = crmWebOrigin(options.apiUrl);
  let org: Promise<Org | 'forbidden' | undefined> | undefined;
  const users = new LookupCache<SalesOwner | undefined>();

  // Cached lookups run without the caller's signal, so a superseded lookup still fills the cache.

  function orgInfo(): Promise<Org | 'forbidden' | undefined> {
    org ??= cacheOnce(
      async () => {
        try {
          return (await http.json({ path: `${ZohoApi}/org` }, OrgResponse)).org[0];
        } catch (e) {
          // Without ZohoCRM.org.READ: deals still show, without the home currency.
          if (isProviderError(e, 'forbidden')) return 'forbidden';
          throw e;
        }
      },
      () => (org = undefined),
    );
    return org;
  }

  function userById(id: string): Promise<SalesOwner | undefined> {
    return users.get(id, async () => {
      try {
        const res = await http.json({ path: `${ZohoApi}/users/${id}` }, UsersResponse);
        const u = res?.users?.[0];
        if (!u) return undefined;
        const name = ownerName(u) ?? str(u.email) ?? `User ${u.id}`;
        const owner: SalesOwner = { name, crmId: u.id };
        if (str(u.email)) owner.email = str(u.email);
        return owner;
      } catch (e) {
        if (isProviderError(e, 'notFound')) return undefined;
        throw e;
      }
    });
  }

  async function readPage(
    path: string,
    query: Record<string, string | number>,
    from: string,
    signal: AbortSignal | undefined,
  ): Promise<{ deals: ZohoDeal[]; more: boolean; errors: number }> {
    const page = await http.json({ path, query, signal }, RecordPage);
    const deals: ZohoDeal[] = [];
    let errors = 0;
    (page?.data ?? []).forEach((r, i) => {
      if (isErrorEntry(r)) errors++;
      else deals.push(recordOf(ZohoDeal, r, i, from));
    });
    return { deals, more: page?.info?.more_records === true, errors };
  }

  async function byIds(ids: string[], signal?: AbortSignal): Promise<Map<string, ZohoDeal>> {
    const found = new Map<string, ZohoDeal>();
    await mapLimit(chunks(ids, IDS_PER_REQUEST), PARALLEL, async (chunk) => {
      const path = `${ZohoApi}/Deals`;
      const { deals } = await readPage(path, { ids: chunk.join(','), fields }, path, signal);
      for (const d of deals) found.set(d.id, d);
    });
    return found;
  }

  /** Deals matching `criteria`, up to `maxPages` pages of 200. */
  async function search(
    criteria: string,
    maxPages: number,
    signal?: AbortSignal,
  ): Promise<ZohoDeal[]> {
    const out: ZohoDeal[] = [];
    const path = `${ZohoApi}/Deals/search`;
    for (let page = 1; page <= maxPages; page++) {
      let result: Awaited<ReturnType<typeof readPage>>;
      try {
        result = await readPage(path, { criteria, fields, per_page: PER_PAGE, page }, path, signal);
      } catch (e) {
        const code = isProviderError(e) ? zohoCode(e.details.vendorMessage) : undefined;
        if (isProviderError(e, 'badRequest') && code === 'INVALID_QUERY') {
          throw new ProviderError(
            'notConfigured',
            `${PROVIDER} cannot search Deals by "${ticketField}" (${TICKET_SETTING}): ` +
              `${e.details.vendorMessage}. Set it to the API name of a Deals field, ` +
              'e.g. Ticket_Key.',
            { provider: PROVIDER, status: e.details.status, where: TICKET_SETTING },
          );
        }
        throw e;
      }
      out.push(...result.deals);
      if (!result.more) break;
    }
    return out;
  }

  const condition = (key: string) => `(${ticketField}:equals:${criteriaValue(key)})`;

  function searchByKey(key: string, signal?: AbortSignal): Promise<ZohoDeal[]> {
    return search(condition(key), MAX_SEARCH_PAGES, signal);
  }

  /**
   * Deals whose ticket field holds any of `keys`: CRITERIA_PER_SEARCH keys OR'd in a search,
   * PARALLEL searches in flight.
   */
  async function searchMany(keys: string[], signal?: AbortSignal): Promise<ZohoDeal[]> {
    const lists = await mapLimit(chunks(keys, CRITERIA_PER_SEARCH), PARALLEL, (chunk) => {
      const criteria =
        chunk.length === 1 ? condition(chunk[0]) : `(${chunk.map(condition).join('or')})`;
      const pages = Math.min(MAX_BATCH_SEARCH_PAGES, MAX_SEARCH_PAGES * chunk.length);
      return search(criteria, pages, signal);
    });
    return lists.flat();
  }

  function dealUrl(id: string, info: Org | undefined): string | undefined {
    if (!web) return undefined;
    const domain = str(info?.domain_name);
    const orgPart = domain && /^[A-Za-z0-9_-]{1,64}$/.test(domain) ? `${domain}/` : '';
    return `${web}/crm/${orgPart}tab/Potentials/${id}`;
  }

  function checkField(): void {
    if (ticketField && !/^[A-Za-z][A-Za-z0-9_]{0,99}$/.test(ticketField)) {
      throw new ProviderError(
        'notConfigured',
        `${PROVIDER}: "${ticketField}" is not a field API name (${TICKET_SETTING} expects one ` +
          'like Ticket_Key, as shown in Setup → Developer Hub → APIs → API names → Deals).',
        { provider: PROVIDER, where: TICKET_SETTING },
      );
    }
  }

  /** The deal ids a ticket names, and a warning for each reference that is not one. */
  function refsOf(ticket: Ticket): { refIds: string[]; warnings: string[] } {
    const warnings: string[] = [];
    const refIds: string[] = [];
    for (const ref of ticket.dealRefs) {
      const id = zohoDealId(ref);
      if (id === undefined) {
        warnings.push(`${PROVIDER}: "${ref}" is not a Zoho CRM deal id or link; ignored.`);
      } else if (!refIds.includes(id)) refIds.push(id);
    }
    return { refIds, warnings };
  }

  const notFound = (id: string, key: string) =>
    `${PROVIDER}: deal ${id} named by ${key} was not found ` +
    '(deleted, or not visible to this token).';

  /** Owners without an e-mail (one cached users lookup each), the org's currency, links. */
  async function build(
    deals: Map<string, ZohoDeal>,
    orgP: Promise<Org | 'forbidden' | undefined>,
  ): Promise<BuiltDeals> {
    const lookedUp = (d: ZohoDeal | undefined) =>
      d?.Owner?.id && !str(d.Owner.email) ? d.Owner.id : undefined;
    const missing = [...new Set([...deals.values()].map(lookedUp))].filter(
      (id): id is string => id !== undefined,
    );
    const owners = new Map<string, SalesOwner>();
    let usersForbidden = false;
    try {
      const resolved = await mapLimit(missing, PARALLEL, userById);
      missing.forEach((id, i) => {
        const o = resolved[i];
        if (o) owners.set(id, o);
      });
    } catch (e) {
      if (!isProviderError(e, 'forbidden')) throw e;
      usersForbidden = true;
    }
    const orgResult = await orgP;
    const info = orgResult === 'forbidden' ? undefined : orgResult;

    const result = new Map<string, Deal>();
    const noCurrency = new Set<string>();
    for (const [id, d] of deals) {
      const account = typeof d.Account_Name === 'string' ? d.Account_Name : d.Account_Name?.name;
      const deal: Deal = { id, customer: str(account) ?? str(d.Deal_Name) ?? `Deal ${id}` };
      const amount = amountOf(d.Amount);
      if (amount !== undefined) deal.amount = amount;
      const currency =
        currencyOf(d.Currency) ?? currencyOf(info?.iso_code) ?? currencyOf(info?.currency);
      if (currency) deal.currency = currency;
      else if (amount !== undefined) noCurrency.add(id);
      const stage = str(d.Stage);
      if (stage) deal.stage = stage;
      const close = str(d.Closing_Date);
      if (close && /^\d{4}-\d{2}-\d{2}/.test(close)) deal.closeDate = close.slice(0, 10);
      const ownerId = d.Owner?.id ?? undefined;
      const looked = ownerId ? owners.get(ownerId) : undefined;
      const name = str(d.Owner?.name) ?? looked?.name;
      if (name) {
        const owner: SalesOwner = { name };
        const email = str(d.Owner?.email) ?? looked?.email;
        if (email) owner.email = email;
        if (ownerId) owner.crmId = ownerId;
        deal.owner = owner;
      }
      const url = dealUrl(id, info);
      if (url) deal.url = url;
      result.set(id, deal);
    }
    return {
      deals: result,
      warningsFor(ids) {
        const warnings: string[] = [];
        if (usersForbidden && ids.some((id) => lookedUp(deals.get(id)))) {
          warnings.push(
            `${PROVIDER}: the token may not read users (scope ZohoCRM.users.READ), ` +
              "so owners' e-mails are not shown.",
          );
        }
        if (orgResult === 'forbidden' && ids.some((id) => noCurrency.has(id))) {
          warnings.push(
            `${PROVIDER}: the token may not read the organisation (scope ZohoCRM.org.READ), ` +
              'so amounts without a currency show none.',
          );
        }
        return warnings;
      },
    };
  }

  /** The organisation, started alongside the first reads; a failure is settled here. */
  function startOrg(): Promise<Org | 'forbidden' | undefined> {
    const orgP = orgInfo();
    orgP.catch(() => undefined);
    return orgP;
  }

  async function dealsForTicket(ticket: Ticket, signal?: AbortSignal): Promise<TicketDeals> {
    const { refIds, warnings } = refsOf(ticket);
    checkField();

    // One round: the named deals, the search, and the cached organisation, all at once.
    const orgP = startOrg();
    const [named, found] = await Promise.all([
      refIds.length ? byIds(refIds, signal) : new Map<string, ZohoDeal>(),
      ticketField ? searchByKey(ticket.key, signal) : [],
    ]);
    const deals = new Map<string, ZohoDeal>();
    for (const id of refIds) {
      const d = named.get(id);
      if (d) deals.set(id, d);
      else warnings.push(notFound(id, ticket.key));
    }
    for (const d of found) if (!deals.has(d.id)) deals.set(d.id, d);
    if (deals.size === 0) return { deals: [], warnings };
    return assembleDeals([...deals.keys()], await build(deals, orgP), warnings);
  }

  /**
   * `dealsForTicket` for many tickets: the keys OR'd CRITERIA_PER_SEARCH to a search (Zoho takes
   * at most 10 conditions in one criteria), the named deals 100 ids a request, and owners and
   * the organisation once for all of them.
   */
  async function dealsForTickets(
    tickets: readonly Ticket[],
    signal?: AbortSignal,
  ): Promise<Map<string, TicketDeals>> {
    checkField();
    const wanted = new Map<string, { ticket: Ticket; refIds: string[]; warnings: string[] }>();
    for (const t of tickets) if (!wanted.has(t.key)) wanted.set(t.key, { ticket: t, ...refsOf(t) });
    const all = [...wanted.values()];
    const refIds = [...new Set(all.flatMap((w) => w.refIds))];
    const keys = ticketField ? all.map((w) => w.ticket.key) : [];

    const orgP = keys.length || refIds.length ? startOrg() : undefined;
    const [named, found] = await Promise.all([
      refIds.length ? byIds(refIds, signal) : new Map<string, ZohoDeal>(),
      keys.length ? searchMany(keys, signal) : [],
    ]);
    // Zoho compares the criteria without regard to case; so does this.
    const byKey = new Map<string, ZohoDeal[]>();
    for (const d of found) {
      const k = str((d as Record<string, unknown>)[ticketField])?.toLowerCase();
      if (k !== undefined && !(byKey.get(k) ?? []).some((x) => x.id === d.id)) {
        byKey.set(k, [...(byKey.get(k) ?? []), d]);
      }
    }

    const idsOf = new Map<string, string[]>();
    const union = new Map<string, ZohoDeal>();
    for (const w of all) {
      const ids: string[] = [];
      for (const id of w.refIds) {
        const d = named.get(id);
        if (d) {
          ids.push(id);
          union.set(id, d);
        } else w.warnings.push(notFound(id, w.ticket.key));
      }
      for (const d of byKey.get(w.ticket.key.toLowerCase()) ?? []) {
        if (ids.includes(d.id)) continue;
        ids.push(d.id);
        if (!union.has(d.id)) union.set(d.id, d);
      }
      idsOf.set(w.ticket.key, ids);
    }
    const built = union.size && orgP ? await build(union, orgP) : undefined;

    const out = new Map<string, TicketDeals>();
    for (const w of all) {
      const ids = idsOf.get(w.ticket.key) ?? [];
      const result = ids.length && built ? assembleDeals(ids, built, w.warnings) : undefined;
      out.set(w.ticket.key, result ?? { deals: [], warnings: w.warnings });
    }
    return out;
  }

  return {
    kind: zoho.id,
    label: PROVIDER,
    dealsForTicket,
    dealsForTickets,
    async whoAmI(signal?: AbortSignal) {
      const res = await http.json(
        { path: `${ZohoApi}/users`, query: { type: 'CurrentUser' }, signal },
        UsersResponse,
      );
      const me = res?.users?.[0];
      const info = await orgInfo().catch(() => undefined);
      const orgName = info && info !== 'forbidden' ? str(info.company_name) : undefined;
      const email = me && str(me.email) ? ` <${str(me.email)}>` : '';
      const who = me ? `${ownerName(me) ?? me.id}${email}` : 'a user';
      return `${PROVIDER}: ${who}${orgName ? ` in ${orgName}` : ''}`;
    },
  };
}
