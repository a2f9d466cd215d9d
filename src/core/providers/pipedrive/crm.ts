// Pipedrive deals for a ticket: the deals the ticket references plus those whose custom ticket
// field holds the key (exact-match search). Deals and organisations are read in lists of 100 ids;
// stages, users and the company domain are cached per client.
import * as z from 'zod/mini';
import { ProviderError, isProviderError } from '../../errors';
import { readToken, type HttpClient, type ProviderHttpOptions, type TokenSource } from '../../http';
import type { Deal, SalesOwner, Ticket } from '../../model';
import type { Crm, TicketDeals } from '../types';
import { LookupCache, cacheOnce, chunks, mapLimit } from '../../collections';

const PROVIDER = 'Pipedrive';
/** Pipedrive's v2 list endpoints take at most 100 ids. */
const IDS_PER_REQUEST = 100;
const MAX_SEARCH_PAGES = 5;
const MAX_STAGE_PAGES = 10;
/** Above this many unknown owners, one users list is cheaper than one request per user. */
const USER_LIST_THRESHOLD = 10;
const PARALLEL = 4;
const SETTING = 'customerContext.pipedrive.ticketField';

/** What `pipedriveCrm` needs besides the HTTP client. */
export interface PipedriveOptions {
  /** Deal custom field key holding the ticket key (`customerContext.pipedrive.ticketField`). */
  ticketField?: string;
  /** Subdomain for deal links (`acme` → https://acme.pipedrive.com); default: asked once. */
  companyDomain?: string;
}

const Id = z.pipe(
  z.union([z.number(), z.string()]),
  z.transform((v) => String(v)),
);
const NullableId = z.optional(z.nullable(Id));
const Str = z.optional(z.nullable(z.string()));
const Cursor = z.optional(
  z.nullable(z.looseObject({ next_cursor: z.optional(z.nullable(z.string())) })),
);

const PdDeal = z.looseObject({
  id: Id,
  title: Str,
  owner_id: NullableId,
  org_id: NullableId,
  stage_id: NullableId,
  value: z.optional(z.nullable(z.number())),
  currency: Str,
  status: Str,
  expected_close_date: Str,
  close_time: Str,
  is_deleted: z.optional(z.nullable(z.boolean())),
  custom_fields: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});
type PdDeal = z.infer<typeof PdDeal>;
const DealList = z.looseObject({
  data: z.optional(z.nullable(z.array(PdDeal))),
  additional_data: Cursor,
});
const SearchResult = z.looseObject({
  data: z.optional(
    z.nullable(
      z.looseObject({
        items: z.optional(z.nullable(z.array(z.looseObject({ item: z.looseObject({ id: Id }) })))),
      }),
    ),
  ),
  additional_data: Cursor,
});
const OrgList = z.looseObject({
  data: z.optional(z.nullable(z.array(z.looseObject({ id: Id, name: Str })))),
});
const Stages = z.looseObject({
  data: z.optional(z.nullable(z.array(z.looseObject({ id: Id, name: Str })))),
  additional_data: Cursor,
});
const User = z.looseObject({
  id: Id,
  name: Str,
  email: Str,
  company_domain: Str,
  company_name: Str,
});
type User = z.infer<typeof User>;
const UserResponse = z.looseObject({ data: User });
const UserList = z.looseObject({ data: z.optional(z.nullable(z.array(User))) });
const ErrorBody = z.looseObject({ error: Str, error_info: Str });

/** The vendor's words from `{success:false, error, error_info}`, minus the generic docs hint. */
export function pipedriveVendorMessage(_status: number, data: unknown): string | undefined {
  const body = ErrorBody.safeParse(data);
  if (!body.success || !body.data.error) return undefined;
  const info = body.data.error_info?.trim();
  return info && !/developers\.pipedrive\.com/i.test(info)
    ? `${body.data.error} (${info})`
    : body.data.error;
}

/** `x-ratelimit-reset` is the seconds until the burst window resets. */
export function pipedriveRateLimitReset(
  headers: Record<string, string>,
  now: number,
): number | undefined {
  const reset = headers['x-ratelimit-reset']?.trim();
  return reset && /^\d+$/.test(reset) ? now + Number(reset) * 1000 : undefined;
}

/** The Pipedrive part of the HTTP client options: API URL, `x-api-token`, errors, resets. */
export function pipedriveHttpOptions(apiUrl: string, token: TokenSource): ProviderHttpOptions {
  return {
    provider: PROVIDER,
    baseUrl: apiUrl,
    baseUrlSetting: 'customerContext.pipedrive.apiUrl',
    auth: async () => ({ 'x-api-token': await readToken(PROVIDER, token) }),
    vendorMessage: pipedriveVendorMessage,
    rateLimitReset: pipedriveRateLimitReset,
  };
}

/** A deal id (and the company subdomain, for links) from a numeric ref or a Pipedrive deal link. */
export function pipedriveDealRef(ref: string): { id: string; company?: string } | undefined {
  const s = ref.trim();
  if (/^\d{1,15}$/.test(s)) return { id: s };
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined;
  }
  const host = /^([a-z0-9][a-z0-9-]{0,62})\.pipedrive\.com$/i.exec(url.hostname);
  const id = /^\/deal\/(\d{1,15})(?:\/|$)/.exec(url.pathname)?.[1];
  if (url.protocol !== 'https:' || !host || !id) return undefined;
  return { id, company: host[1].toLowerCase() === 'app' ? undefined : host[1].toLowerCase() };
}



function ownerFrom(u: User): SalesOwner {
  const owner: SalesOwner = {
    name: u.name?.trim() || u.email?.trim() || `User ${u.id}`,
    crmId: u.id,
  };
  if (u.email?.trim()) owner.email = u.email.trim();
  return owner;
}

const validDomain = (d: string | null | undefined): string | undefined =>
  d && /^[a-z0-9][a-z0-9-]{0,62}$/i.test(d.trim()) ? d.trim().toLowerCase() : undefined;

/** Pipedrive deals as a Crm over an HttpClient built with `pipedriveHttpOptions`. */
export function pipedriveCrm(http: HttpClient, options: PipedriveOptions = {}): Crm {
  const ticketField = options.ticketField?.trim() ?? '';
  let me: Promise<User | undefined> | undefined;
  let stages: Promise<Map<string, string>> | undefined;
  const users = new LookupCache<SalesOwner | undefined>();

  // Cached lookups run without the caller's signal so that a superseded refresh still fills the
  // cache and one caller's cancellation never fails another sharing the promise.

  function currentUser(): Promise<User | undefined> {
    me ??= cacheOnce(
      async () => {
        const u = (await http.json({ path: '/api/v1/users/me' }, UserResponse)).data;
        // The token's user is often the deal owner too; no need to ask for it again.
        if (!users.has(u.id)) users.set(u.id, ownerFrom(u));
        return u;
      },
      () => (me = undefined),
    );
    return me;
  }

  function stageNames(): Promise<Map<string, string>> {
    stages ??= cacheOnce(
      async () => {
        const names = new Map<string, string>();
        let cursor: string | undefined;
        for (let page = 0; page < MAX_STAGE_PAGES; page++) {
          const data = await http.json(
            { path: '/api/v2/stages', query: { limit: 500, cursor } },
            Stages,
          );
          for (const s of data.data ?? []) if (s.name?.trim()) names.set(s.id, s.name.trim());
          const next = data.additional_data?.next_cursor;
          if (!next || next === cursor) break;
          cursor = next;
        }
        return names;
      },
      () => (stages = undefined),
    );
    return stages;
  }

  function userById(id: string): Promise<SalesOwner | undefined> {
    return users.get(id, async () => {
      try {
        return ownerFrom((await http.json({ path: `/api/v1/users/${encodeURIComponent(id)}` }, UserResponse)).data);
      } catch (e) {
        if (isProviderError(e, 'notFound')) return undefined;
        throw e;
      }
    });
  }

  async function owners(
    ids: string[],
    listAbove: number,
    pendingMe?: Promise<unknown>,
  ): Promise<Map<string, SalesOwner>> {
    await pendingMe?.catch(() => undefined);
    if (ids.filter((id) => !users.has(id)).length > listAbove) {
      const list = await http.json({ path: '/api/v1/users' }, UserList);
      for (const u of list.data ?? []) users.set(u.id, ownerFrom(u));
    }
    const resolved = await mapLimit(ids, PARALLEL, userById);
    const out = new Map<string, SalesOwner>();
    ids.forEach((id, i) => {
      const o = resolved[i];
      if (o) out.set(id, o);
    });
    return out;
  }

  async function search(key: string, signal?: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_SEARCH_PAGES; page++) {
      const data = await http.json(
        {
          path: '/api/v2/deals/search',
          query: { term: key, fields: 'custom_fields', exact_match: true, limit: 100, cursor },
          signal,
        },
        SearchResult,
      );
      for (const it of data.data?.items ?? []) if (!ids.includes(it.item.id)) ids.push(it.item.id);
      const next = data.additional_data?.next_cursor;
      if (!next || next === cursor) break;
      cursor = next;
    }
    return ids;
  }

  async function dealsById(ids: string[], signal?: AbortSignal): Promise<Map<string, PdDeal>> {
    const out = new Map<string, PdDeal>();
    await mapLimit(chunks(ids, IDS_PER_REQUEST), PARALLEL, async (chunk) => {
      const data = await http.json(
        {
          path: '/api/v2/deals',
          query: {
            ids: chunk.join(','),
            limit: IDS_PER_REQUEST,
            ...(ticketField ? { custom_fields: ticketField } : {}),
          },
          signal,
        },
        DealList,
      );
      for (const d of data.data ?? []) if (!d.is_deleted) out.set(d.id, d);
    });
    return out;
  }

  async function orgNames(ids: string[], signal?: AbortSignal): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    await mapLimit(chunks(ids, IDS_PER_REQUEST), PARALLEL, async (chunk) => {
      const data = await http.json(
        {
          path: '/api/v2/organizations',
          query: { ids: chunk.join(','), limit: IDS_PER_REQUEST },
          signal,
        },
        OrgList,
      );
      for (const o of data.data ?? []) if (o.name?.trim()) out.set(o.id, o.name.trim());
    });
    return out;
  }

  function checkField(): void {
    if (ticketField && !/^[A-Za-z0-9_]{1,64}$/.test(ticketField)) {
      throw new ProviderError(
        'notConfigured',
        `${PROVIDER}: "${ticketField}" is not a deal field key ` +
          `(${SETTING} expects the 40-character key of the custom field).`,
        { provider: PROVIDER, where: SETTING },
      );
    }
  }

  /** A ticket's deal ids, the company subdomain of its first deal link, and bad-ref warnings. */
  function refsOf(ticket: Ticket): { refIds: string[]; warnings: string[]; domain?: string } {
    const warnings: string[] = [];
    const refIds: string[] = [];
    let domain = validDomain(options.companyDomain);
    for (const ref of ticket.dealRefs) {
      const parsed = pipedriveDealRef(ref);
      if (!parsed) {
        warnings.push(`${PROVIDER}: "${ref}" is not a Pipedrive deal id or link; ignored.`);
        continue;
      }
      domain ??= parsed.company;
      if (!refIds.includes(parsed.id)) refIds.push(parsed.id);
    }
    return { refIds, warnings, domain };
  }

  /**
   * The ticket's deals among those read: referenced ones that exist, then found ones whose ticket
   * field holds the key (search also matches the key in other custom fields). Warns of the
   * referenced deals that were not found.
   */
  function kept(
    ticket: Ticket,
    refIds: string[],
    found: string[],
    deals: Map<string, PdDeal>,
    warnings: string[],
  ): PdDeal[] {
    for (const id of refIds) {
      if (!deals.has(id)) {
        warnings.push(
          `${PROVIDER}: deal ${id} referenced by ${ticket.key} was not found ` +
            '(deleted, or not visible to this token).',
        );
      }
    }
    const key = ticket.key.toLowerCase();
    const wanted = [...refIds, ...found.filter((id) => !refIds.includes(id))];
    return wanted
      .filter((id) => {
        const d = deals.get(id);
        if (!d) return false;
        const fields = d.custom_fields;
        if (refIds.includes(id) || !fields || !(ticketField in fields)) return true;
        const v = fields[ticketField];
        return typeof v === 'string' && v.trim().toLowerCase() === key;
      })
      .map((id) => deals.get(id) as PdDeal);
  }

  interface Lookups {
    orgs: Map<string, string>;
    ownerMap: Map<string, SalesOwner>;
    stageMap: Map<string, string>;
    user: User | undefined;
  }

  /** Organisations, owners, stages and (when a link needs it) the company domain of `list`. */
  async function lookups(
    list: PdDeal[],
    stagesP: Promise<Map<string, string>>,
    meP: Promise<User | undefined> | undefined,
    userListAbove: number,
    signal?: AbortSignal,
  ): Promise<Lookups> {
    const orgIds = [...new Set(list.map((d) => d.org_id).filter((v): v is string => !!v))];
    const ownerIds = [...new Set(list.map((d) => d.owner_id).filter((v): v is string => !!v))];
    const [orgs, ownerMap, stageMap, user] = await Promise.all([
      orgIds.length ? orgNames(orgIds, signal) : new Map<string, string>(),
      owners(ownerIds, userListAbove, meP),
      stagesP,
      meP?.catch((e: unknown) => {
        // The link is a nicety: without the domain the deal still shows.
        if (isProviderError(e, 'forbidden') || isProviderError(e, 'notFound')) return undefined;
        throw e;
      }),
    ]);
    return { orgs, ownerMap, stageMap, user };
  }

  function toDeal(d: PdDeal, l: Lookups, domain: string | undefined): Deal {
    const deal: Deal = {
      id: d.id,
      customer:
        (d.org_id ? l.orgs.get(d.org_id) : undefined) ?? (d.title?.trim() || `Deal ${d.id}`),
    };
    if (typeof d.value === 'number' && Number.isFinite(d.value)) deal.amount = d.value;
    if (d.currency && /^[A-Za-z]{3}$/.test(d.currency)) deal.currency = d.currency.toUpperCase();
    const stage = d.stage_id ? l.stageMap.get(d.stage_id) : undefined;
    if (stage) deal.stage = stage;
    const date =
      d.expected_close_date ??
      (d.status === 'won' || d.status === 'lost' ? d.close_time : undefined);
    if (date && /^\d{4}-\d{2}-\d{2}/.test(date)) deal.closeDate = date.slice(0, 10);
    const owner = d.owner_id ? l.ownerMap.get(d.owner_id) : undefined;
    if (owner) deal.owner = { ...owner };
    if (domain) deal.url = `https://${domain}.pipedrive.com/deal/${encodeURIComponent(d.id)}`;
    return deal;
  }

  async function dealsForTicket(ticket: Ticket, signal?: AbortSignal): Promise<TicketDeals> {
    checkField();
    const { refIds, warnings, domain } = refsOf(ticket);

    const stagesP = stageNames();
    const meP = domain ? undefined : currentUser();
    // Searching first lets one ids list fetch referenced and found deals together.
    const found = ticketField ? await search(ticket.key, signal) : [];
    const wanted = [...refIds, ...found.filter((id) => !refIds.includes(id))];
    const deals = wanted.length ? await dealsById(wanted, signal) : new Map<string, PdDeal>();
    const list = kept(ticket, refIds, found, deals, warnings);
    if (list.length === 0) return { deals: [], warnings };

    const l = await lookups(list, stagesP, meP, USER_LIST_THRESHOLD, signal);
    const linkDomain = domain ?? validDomain(l.user?.company_domain);
    return { deals: list.map((d) => toDeal(d, l, linkDomain)), warnings };
  }

  /**
   * `dealsForTicket` for many tickets. Pipedrive searches one term at a time (no `IN` on custom
   * fields, and a deal list cannot filter by one), so the keys are searched with PARALLEL in
   * flight; everything else is read once for the whole list: deals in lists of 100 ids,
   * organisations likewise, users in one list.
   */
  async function dealsForTickets(
    tickets: readonly Ticket[],
    signal?: AbortSignal,
  ): Promise<Map<string, TicketDeals>> {
    checkField();
    const wanted = new Map<string, { ticket: Ticket } & ReturnType<typeof refsOf>>();
    for (const t of tickets) if (!wanted.has(t.key)) wanted.set(t.key, { ticket: t, ...refsOf(t) });
    const all = [...wanted.values()];

    const stagesP = stageNames();
    const meP = all.some((w) => !w.domain) ? currentUser() : undefined;
    const keys = ticketField ? all.map((w) => w.ticket.key) : [];
    const foundLists = await mapLimit(keys, PARALLEL, (k) => search(k, signal));
    const found = new Map(keys.map((k, i) => [k, foundLists[i]]));
    const ids = [...new Set(all.flatMap((w) => [...w.refIds, ...(found.get(w.ticket.key) ?? [])]))];
    const deals = ids.length ? await dealsById(ids, signal) : new Map<string, PdDeal>();

    const lists = all.map((w) =>
      kept(w.ticket, w.refIds, found.get(w.ticket.key) ?? [], deals, w.warnings),
    );
    const union = [...new Map(lists.flat().map((d) => [d.id, d])).values()];
    const l = union.length ? await lookups(union, stagesP, meP, 1, signal) : undefined;

    const out = new Map<string, TicketDeals>();
    all.forEach((w, i) => {
      const linkDomain = w.domain ?? validDomain(l?.user?.company_domain);
      const result = l ? lists[i].map((d) => toDeal(d, l, linkDomain)) : [];
      out.set(w.ticket.key, { deals: result, warnings: w.warnings });
    });
    return out;
  }

  return {
    kind: 'pipedrive',
    label: PROVIDER,
    dealsForTicket,
    dealsForTickets,
    async whoAmI() {
      const u = await currentUser();
      if (!u) return PROVIDER;
      const who = u.email ? `${u.name ?? u.email} <${u.email}>` : (u.name ?? `user ${u.id}`);
      return u.company_name ? `${who} at ${u.company_name}` : who;
    },
  };
}
