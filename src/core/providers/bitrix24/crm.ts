// Bitrix24 deals for a ticket: those whose ticket user field holds the key (`crm.deal.list` with
// `=UF_…`) and those the ticket names by id or link (`@ID`), in one round trip; then the
// companies, the responsible users and the stage lists of the deals' pipelines in one `batch`.
// Stage lists and users are cached per client: a cold lookup costs two requests, a warm one two
// (one when no deal has a company). The worklist's batch does the same for many tickets at once.
import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import type { Deal, SalesOwner, Ticket } from '../../model';
import type { Crm, TicketDeals } from '../types';
import {
  Bitrix24,
  PageSize,
  type Answer,
  type Bitrix24Api,
  type Command,
  type Outcome,
} from './api';
import { bitrix24 } from './index';

const TicketFieldSetting = 'customerContext.bitrix24.ticketField';
/** Pages of deals holding the key read at most (50 each). */
const MaxKeyPages = 4;
/** Keys one `crm.deal.list` of the worklist asks for: a few deals each fit one page of 50. */
const KeysPerCommand = 10;
const FIELD_RE = /^UF_CRM_[A-Z0-9_]{1,60}$/;
const DEAL_PATH_RE = /(?:^|\/)crm\/deal\/details\/(\d{1,18})(?:\/|$)/;
const SELECT = [
  'ID',
  'TITLE',
  'OPPORTUNITY',
  'CURRENCY_ID',
  'STAGE_ID',
  'CATEGORY_ID',
  'CLOSEDATE',
  'ASSIGNED_BY_ID',
  'COMPANY_ID',
];

/** What `bitrix24Crm` needs besides the API. */
export interface Bitrix24CrmOptions {
  /** Deal user field holding the ticket key (`customerContext.bitrix24.ticketField`). */
  ticketField?: string;
}

// Bitrix24 sends every value as a string (`"1250000.00"`, `"7"`), ids included; `"0"` or null
// means "none" for a company or a category.
const Id = z.pipe(
  z.union([z.string(), z.number()]),
  z.transform((v) => String(v).trim()),
);
const OptId = z.optional(z.nullable(Id));
const OptStr = z.optional(z.nullable(z.string()));

const BxDeal = z.looseObject({
  ID: Id,
  TITLE: OptStr,
  OPPORTUNITY: z.optional(z.unknown()),
  CURRENCY_ID: OptStr,
  STAGE_ID: OptStr,
  CATEGORY_ID: OptId,
  CLOSEDATE: z.optional(z.unknown()),
  ASSIGNED_BY_ID: OptId,
  COMPANY_ID: OptId,
});
type BxDeal = z.infer<typeof BxDeal>;
const DealList = z.array(BxDeal);
const CompanyList = z.array(z.looseObject({ ID: Id, TITLE: OptStr }));
/** A user as `user.get` and `profile` answer (e-mail only with the user scopes). */
export const BxUser = z.looseObject({ ID: Id, NAME: OptStr, LAST_NAME: OptStr, EMAIL: OptStr });
const UserList = z.array(BxUser);
const StatusList = z.array(z.looseObject({ STATUS_ID: z.string(), NAME: OptStr }));

/** The owner a Bitrix24 user is: first and last name, else e-mail, else `User <id>`. */
export function ownerFromUser(u: z.infer<typeof BxUser>): SalesOwner {
  const name = [u.NAME, u.LAST_NAME]
    .map((p) => p?.trim())
    .filter(Boolean)
    .join(' ');
  const owner: SalesOwner = { name: name || u.EMAIL?.trim() || `User ${u.ID}`, crmId: u.ID };
  if (u.EMAIL?.trim()) owner.email = u.EMAIL.trim();
  return owner;
}

/** What a ticket's deal reference is to this portal. */
export type DealRef = { id: string } | { otherPortal: string } | undefined;

/**
 * A deal id from a ref: a number, `D_123` (how Bitrix24 names a deal in CRM links of tasks), or
 * a deal page `…/crm/deal/details/123/` on this portal. A deal page of another portal is told
 * apart, since its id means another deal here.
 */
export function bitrix24DealRef(ref: string, portal: string): DealRef {
  const s = ref.trim();
  if (/^\d{1,18}$/.test(s)) return { id: s };
  const token = /^D_(\d{1,18})$/i.exec(s);
  if (token) return { id: token[1] };
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined;
  }
  const id = DEAL_PATH_RE.exec(url.pathname)?.[1];
  if (!id || (url.protocol !== 'https:' && url.protocol !== 'http:')) return undefined;
  let own: URL | undefined;
  try {
    own = portal ? new URL(portal) : undefined;
  } catch {
    own = undefined;
  }
  if (own && url.origin === own.origin) return { id };
  const host = url.hostname.toLowerCase();
  const cloud = (bitrix24.dealUrlHosts ?? []).some((h) => host === h || host.endsWith(`.${h}`));
  return cloud || own ? { otherPortal: url.host } : undefined;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** `"1250000.00"` → 1250000; undefined for anything that is not a plain decimal. */
function amountOf(v: unknown): number | undefined {
  const s = str(v);
  if (s === undefined || !/^-?\d{1,18}(\.\d{1,10})?$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** The portal's own date of `2026-12-15T03:00:00+03:00`: `2026-12-15` (never shifted to UTC). */
function dateOf(v: unknown): string | undefined {
  return /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/.exec(str(v) ?? '')?.[1];
}

/** A real reference to another record: not empty, not `"0"`. */
function ref(v: string | null | undefined): string | undefined {
  const s = v?.trim();
  return s && s !== '0' && /^\d{1,18}$/.test(s) ? s : undefined;
}

function categoryOf(d: BxDeal): string {
  return ref(d.CATEGORY_ID) ?? '0';
}

/** Whether a user field's value (a string, a number, a list for a multiple field) holds `key`. */
function holdsKey(value: unknown, key: string): boolean {
  const values = Array.isArray(value) ? value : [value];
  const wanted = key.trim().toLowerCase();
  return values.some((v) => str(v)?.toLowerCase() === wanted);
}

function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

function chunked<T>(items: readonly T[], size = PageSize): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Errors that stop a lookup; anything else costs only the detail a command would have added. */
function isFatal(e: ProviderError): boolean {
  return ['auth', 'rateLimited', 'offline', 'cancelled', 'notConfigured'].includes(e.kind);
}

/** Bitrix24 deals as a Crm over `bitrix24Api`. */
export function bitrix24Crm(api: Bitrix24Api, options: Bitrix24CrmOptions = {}): Crm {
  const rawField = options.ticketField?.trim() ?? '';
  const field = rawField.toUpperCase();
  const select = field ? [...SELECT, field] : SELECT;

  async function one<T>(c: Command<T>, signal?: AbortSignal): Promise<Outcome<T>> {
    try {
      const answer = await api.call({ method: c.method, params: c.params, signal }, c.schema);
      return { ok: true, ...answer };
    } catch (e) {
      if (!(e instanceof ProviderError)) throw e;
      return { ok: false, error: e };
    }
  }

  /** One round trip: the command alone, or all of them in a batch. */
  async function round(
    commands: Record<string, Command<unknown>>,
    signal?: AbortSignal,
  ): Promise<Record<string, Outcome<unknown>>> {
    const keys = Object.keys(commands);
    if (keys.length === 0) return {};
    if (keys.length === 1) return { [keys[0]]: await one(commands[keys[0]], signal) };
    return api.batch(commands, signal);
  }

  function ok<T>(o: Outcome<unknown> | undefined): Answer<T> {
    if (!o) throw new Error('missing batch outcome');
    if (!o.ok) throw o.error;
    return o as Answer<T>;
  }

  function keyCommand(key: string, start?: number): Command<BxDeal[]> {
    return {
      method: 'crm.deal.list',
      params: {
        filter: { [`=${field}`]: key },
        select,
        order: { ID: 'ASC' },
        ...(start ? { start } : {}),
      },
      schema: DealList,
    };
  }

  /** The deals whose ticket field holds any of `keys` (`@` is "in the list"). */
  function keysCommand(keys: string[], start?: number): Command<BxDeal[]> {
    return {
      method: 'crm.deal.list',
      params: {
        filter: { [`@${field}`]: keys },
        select,
        order: { ID: 'ASC' },
        ...(start ? { start } : {}),
      },
      schema: DealList,
    };
  }

  function checkField(): void {
    if (field && !FIELD_RE.test(field)) {
      throw new ProviderError(
        'notConfigured',
        `${Bitrix24}: "${rawField.slice(0, 80)}" is not a deal user field ` +
          `(${TicketFieldSetting} expects a name like UF_CRM_TICKET).`,
        { provider: Bitrix24, where: TicketFieldSetting },
      );
    }
  }

  /** The deal ids a ticket names on this portal, and a warning for each other reference. */
  function refsOf(ticket: Ticket): { refIds: string[]; warnings: string[] } {
    const warnings: string[] = [];
    const refIds: string[] = [];
    for (const r of ticket.dealRefs) {
      const parsed = bitrix24DealRef(r, api.portal);
      if (parsed === undefined) {
        warnings.push(`${Bitrix24}: "${r}" is not a Bitrix24 deal id or link; ignored.`);
      } else if ('otherPortal' in parsed) {
        warnings.push(
          `${Bitrix24}: "${r}" is a deal on another portal (${parsed.otherPortal}); ignored.`,
        );
      } else if (!refIds.includes(parsed.id)) refIds.push(parsed.id);
    }
    return { refIds, warnings };
  }

  function refCommand(ids: string[]): Command<BxDeal[]> {
    const params = { filter: { '@ID': ids }, select };
    return { method: 'crm.deal.list', params, schema: DealList };
  }

  const notFound = (id: string, key: string) =>
    `${Bitrix24}: deal ${id} referenced by ${key} was not found ` +
    "(deleted, or not visible to the webhook's user).";
  const noField = () =>
    `${Bitrix24}: deals have no field ${field} (${TicketFieldSetting}); check its name ` +
    'in CRM → Settings → Deal fields.';

  /** What the second round found out: company names, and why a detail could not be read. */
  interface Details {
    companies: Map<string, string>;
    companyFailure?: string;
    userFailure?: string;
    stageFailures: Map<string, string>;
  }

  /**
   * Round 2: companies, the users not known yet and the stage lists not known yet, in one batch
   * however many tickets the deals belong to. Users and stage lists go into the portal's cache.
   */
  async function details(list: BxDeal[], signal?: AbortSignal): Promise<Details> {
    const companyIds = unique(list.map((d) => ref(d.COMPANY_ID)).filter((v) => v !== undefined));
    const userIds = unique(list.map((d) => ref(d.ASSIGNED_BY_ID)).filter((v) => v !== undefined));
    const categories = unique(list.map(categoryOf));
    const second: Record<string, Command<unknown>> = {};
    chunked(companyIds).forEach((ids, i) => {
      second[`company${i}`] = {
        method: 'crm.company.list',
        params: { filter: { '@ID': ids }, select: ['ID', 'TITLE'] },
        schema: CompanyList,
      };
    });
    chunked(userIds.filter((id) => !api.cache.users.has(id))).forEach((ids, i) => {
      second[`user${i}`] = { method: 'user.get', params: { ID: ids }, schema: UserList };
    });
    for (const c of categories.filter((c) => !api.cache.stages.has(c))) {
      second[`stages${c}`] = {
        method: 'crm.status.list',
        params: {
          filter: { ENTITY_ID: c === '0' ? 'DEAL_STAGE' : `DEAL_STAGE_${c}` },
          order: { SORT: 'ASC' },
        },
        schema: StatusList,
      };
    }
    const answers = await round(second, signal);

    const out: Details = { companies: new Map(), stageFailures: new Map() };
    const failure = (o: Outcome<unknown>): ProviderError | undefined => {
      if (o.ok) return undefined;
      if (isFatal(o.error)) throw o.error;
      return o.error;
    };
    const why = (e: ProviderError) =>
      e.kind === 'forbidden' ? 'the webhook lacks the scope' : (e.details.vendorMessage ?? e.kind);

    for (const [k, o] of Object.entries(answers)) {
      const e = failure(o);
      if (k.startsWith('company')) {
        if (e) {
          out.companyFailure ??=
            `${Bitrix24}: companies could not be read (${why(e)}); ` +
            'deal titles stand in for customers.';
          continue;
        }
        for (const c of (o as Answer<z.infer<typeof CompanyList>>).result) {
          const title = c.TITLE?.trim();
          if (title) out.companies.set(c.ID, title);
        }
      } else if (k.startsWith('user')) {
        if (e) {
          out.userFailure ??=
            e.kind === 'forbidden'
              ? `${Bitrix24}: the webhook may not read users (add the "user_brief" scope), ` +
                'so owners show as user ids.'
              : `${Bitrix24}: users could not be read (${why(e)}), so owners show as user ids.`;
          continue;
        }
        for (const u of (o as Answer<z.infer<typeof UserList>>).result) {
          api.cache.users.set(u.ID, ownerFromUser(u));
        }
      } else if (k.startsWith('stages')) {
        const category = k.slice('stages'.length);
        if (e) {
          out.stageFailures.set(
            category,
            `${Bitrix24}: deal stages could not be read (${why(e)}), so stages are not shown.`,
          );
          continue;
        }
        const labels = new Map<string, string>();
        for (const s of (o as Answer<z.infer<typeof StatusList>>).result) {
          const name = s.NAME?.trim();
          if (name) labels.set(s.STATUS_ID, name);
        }
        api.cache.stages.set(category, labels);
      }
    }
    return out;
  }

  /** The detail warnings of a ticket whose deals are `list`: only for details it needed. */
  function detailWarnings(list: BxDeal[], d: Details, warnings: string[]): void {
    const warn = (w: string) => void (warnings.includes(w) || warnings.push(w));
    if (d.companyFailure && list.some((x) => ref(x.COMPANY_ID))) warn(d.companyFailure);
    const unknownUser = (x: BxDeal) => {
      const id = ref(x.ASSIGNED_BY_ID);
      return id !== undefined && !api.cache.users.has(id);
    };
    if (d.userFailure && list.some(unknownUser)) warn(d.userFailure);
    for (const c of unique(list.map(categoryOf))) {
      const w = d.stageFailures.get(c);
      if (w) warn(w);
    }
  }

  function toDeal(d: BxDeal, companies: Map<string, string>): Deal {
    const companyId = ref(d.COMPANY_ID);
    const deal: Deal = {
      id: d.ID,
      customer:
        (companyId ? companies.get(companyId) : undefined) ?? (d.TITLE?.trim() || `Deal ${d.ID}`),
    };
    const amount = amountOf(d.OPPORTUNITY);
    if (amount !== undefined) deal.amount = amount;
    const currency = d.CURRENCY_ID?.trim();
    if (currency && /^[A-Za-z]{3}$/.test(currency)) deal.currency = currency.toUpperCase();
    const stageId = d.STAGE_ID?.trim();
    const label = stageId ? api.cache.stages.get(categoryOf(d))?.get(stageId) : undefined;
    if (label) deal.stage = label;
    const closeDate = dateOf(d.CLOSEDATE);
    if (closeDate) deal.closeDate = closeDate;
    const userId = ref(d.ASSIGNED_BY_ID);
    if (userId) {
      // A user Bitrix24 did not list (dismissed, or users not readable) keeps its id, so a
      // question can still be assigned to them.
      const owner = api.cache.users.get(userId) ?? { name: `User ${userId}`, crmId: userId };
      deal.owner = { ...owner };
    }
    if (api.portal) deal.url = `${api.portal}/crm/deal/details/${encodeURIComponent(d.ID)}/`;
    return deal;
  }

  async function dealsForTicket(ticket: Ticket, signal?: AbortSignal): Promise<TicketDeals> {
    checkField();
    const { refIds, warnings } = refsOf(ticket);
    if (!field && refIds.length === 0) return { deals: [], warnings };

    // Round 1: the deals holding the key and the deals the ticket names.
    const first: Record<string, Command<unknown>> = {};
    if (field) first.key = keyCommand(ticket.key);
    chunked(refIds).forEach((ids, i) => (first[`ref${i}`] = refCommand(ids)));
    const found = await round(first, signal);

    const byRef = new Map<string, BxDeal>();
    for (const [k, o] of Object.entries(found)) {
      if (k === 'key') continue;
      for (const d of ok<BxDeal[]>(o).result) byRef.set(d.ID, d);
    }
    const byKey: BxDeal[] = [];
    if (field) {
      let page = ok<BxDeal[]>(found.key);
      byKey.push(...page.result);
      for (let n = 1; n < MaxKeyPages && page.next !== undefined && page.next > 0; n++) {
        page = await api.call(
          { method: 'crm.deal.list', params: keyCommand(ticket.key, page.next).params, signal },
          DealList,
        );
        byKey.push(...page.result);
      }
    }

    const deals = new Map<string, BxDeal>();
    for (const id of refIds) {
      const d = byRef.get(id);
      if (d) deals.set(id, d);
      else warnings.push(notFound(id, ticket.key));
    }
    // Bitrix24 ignores a filter on a field it does not know and lists every deal: only deals whose
    // field really holds the key are kept.
    let fieldMissing = false;
    for (const d of byKey) {
      if (!(field in d)) fieldMissing = true;
      else if (holdsKey(d[field], ticket.key) && !deals.has(d.ID)) deals.set(d.ID, d);
    }
    if (fieldMissing) warnings.push(noField());
    if (deals.size === 0) return { deals: [], warnings };

    const list = [...deals.values()];
    const d = await details(list, signal);
    detailWarnings(list, d, warnings);
    return { deals: list.map((x) => toDeal(x, d.companies)), warnings };
  }

  /**
   * `dealsForTicket` for many tickets in two `batch` requests however many there are: the deals
   * holding any of the keys (`@<field>`, KeysPerCommand keys a command so one page of 50 usually
   * holds them all) with the named ones (`@ID`), then companies, users and stages. A command with
   * more pages costs one more round for all of them.
   */
  async function dealsForTickets(
    tickets: readonly Ticket[],
    signal?: AbortSignal,
  ): Promise<Map<string, TicketDeals>> {
    checkField();
    const wanted = new Map<string, { ticket: Ticket; refIds: string[]; warnings: string[] }>();
    for (const t of tickets) if (!wanted.has(t.key)) wanted.set(t.key, { ticket: t, ...refsOf(t) });
    const all = [...wanted.values()];
    const keys = field ? all.map((w) => w.ticket.key) : [];
    const refIds = unique(all.flatMap((w) => w.refIds));

    const first: Record<string, Command<unknown>> = {};
    const keyChunks = chunked(keys, KeysPerCommand);
    keyChunks.forEach((ks, i) => (first[`keys${i}`] = keysCommand(ks)));
    chunked(refIds).forEach((ids, i) => (first[`ref${i}`] = refCommand(ids)));
    const found = await round(first, signal);

    const byRef = new Map<string, BxDeal>();
    const rows: BxDeal[] = [];
    const more: Array<{ i: number; next: number; pages: number }> = [];
    for (const [k, o] of Object.entries(found)) {
      const page = ok<BxDeal[]>(o);
      if (k.startsWith('ref')) for (const d of page.result) byRef.set(d.ID, d);
      else {
        rows.push(...page.result);
        if (page.next) more.push({ i: Number(k.slice('keys'.length)), next: page.next, pages: 1 });
      }
    }
    // A field the portal does not know lists every deal: no more pages of those.
    const fieldMissing = rows.some((d) => !(field in d));
    while (!fieldMissing && more.length) {
      const next: Record<string, Command<unknown>> = {};
      for (const m of more) next[`keys${m.i}`] = keysCommand(keyChunks[m.i], m.next);
      const answers = await round(next, signal);
      for (const m of more.splice(0)) {
        const page = ok<BxDeal[]>(answers[`keys${m.i}`]);
        rows.push(...page.result);
        const cap = MaxKeyPages * keyChunks[m.i].length;
        if (page.next && m.pages + 1 < cap) {
          more.push({ ...m, next: page.next, pages: m.pages + 1 });
        }
      }
    }

    const byKey = new Map<string, BxDeal[]>();
    for (const d of rows) {
      if (!(field in d)) continue;
      const values = Array.isArray(d[field]) ? (d[field] as unknown[]) : [d[field]];
      for (const v of unique(values.map((x) => str(x)?.toLowerCase()))) {
        if (v !== undefined) byKey.set(v, [...(byKey.get(v) ?? []), d]);
      }
    }
    const lists = all.map((w) => {
      const deals = new Map<string, BxDeal>();
      for (const id of w.refIds) {
        const d = byRef.get(id);
        if (d) deals.set(id, d);
        else w.warnings.push(notFound(id, w.ticket.key));
      }
      for (const d of byKey.get(w.ticket.key.trim().toLowerCase()) ?? []) {
        if (!deals.has(d.ID)) deals.set(d.ID, d);
      }
      if (fieldMissing) w.warnings.push(noField());
      return [...deals.values()];
    });

    const union = [...new Map(lists.flat().map((d) => [d.ID, d])).values()];
    const d = union.length ? await details(union, signal) : undefined;
    const out = new Map<string, TicketDeals>();
    all.forEach((w, i) => {
      if (d && lists[i].length) detailWarnings(lists[i], d, w.warnings);
      const deals = d ? lists[i].map((x) => toDeal(x, d.companies)) : [];
      out.set(w.ticket.key, { deals, warnings: w.warnings });
    });
    return out;
  }

  return {
    kind: 'bitrix24',
    label: Bitrix24,
    dealsForTicket,
    dealsForTickets,
    async whoAmI(signal) {
      const me = (await api.call({ method: 'profile', signal }, BxUser)).result;
      const name = [me.NAME, me.LAST_NAME]
        .map((p) => p?.trim())
        .filter(Boolean)
        .join(' ');
      let host = '';
      try {
        host = new URL(api.portal).host;
      } catch {
        host = '';
      }
      return `${name || `user ${me.ID}`} (user ${me.ID})${host ? ` on ${host}` : ''}`;
    },
  };
}
