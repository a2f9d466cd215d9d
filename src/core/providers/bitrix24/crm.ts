// Bitrix24 deals for a ticket: those whose ticket user field holds the key (`crm.deal.list` with
// `=UF_…`) and those the ticket names by id or link (`@ID`), in one round trip; then the
// companies, the responsible users and the stage lists of the deals' pipelines in one `batch`.
// Stage lists and users are cached per client: a cold lookup costs two requests, a warm one two
// (one when no deal has a company).
import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import type { Deal, SalesOwner, Ticket } from '../../model';
import type { Crm } from '../types';
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

  async function dealsForTicket(
    ticket: Ticket,
    signal?: AbortSignal,
  ): Promise<{ deals: Deal[]; warnings: string[] }> {
    if (field && !FIELD_RE.test(field)) {
      throw new ProviderError(
        'notConfigured',
        `${Bitrix24}: "${rawField.slice(0, 80)}" is not a deal user field ` +
          `(${TicketFieldSetting} expects a name like UF_CRM_TICKET).`,
        { provider: Bitrix24, where: TicketFieldSetting },
      );
    }
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
    if (!field && refIds.length === 0) return { deals: [], warnings };

    // Round 1: the deals holding the key and the deals the ticket names.
    const first: Record<string, Command<unknown>> = {};
    if (field) first.key = keyCommand(ticket.key);
    chunked(refIds).forEach((ids, i) => {
      first[`ref${i}`] = {
        method: 'crm.deal.list',
        params: { filter: { '@ID': ids }, select },
        schema: DealList,
      };
    });
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
      else {
        warnings.push(
          `${Bitrix24}: deal ${id} referenced by ${ticket.key} was not found ` +
            "(deleted, or not visible to the webhook's user).",
        );
      }
    }
    // Bitrix24 ignores a filter on a field it does not know and lists every deal: only deals whose
    // field really holds the key are kept.
    let fieldMissing = false;
    for (const d of byKey) {
      if (!(field in d)) fieldMissing = true;
      else if (holdsKey(d[field], ticket.key) && !deals.has(d.ID)) deals.set(d.ID, d);
    }
    if (fieldMissing) {
      warnings.push(
        `${Bitrix24}: deals have no field ${field} (${TicketFieldSetting}); check its name ` +
          'in CRM → Settings → Deal fields.',
      );
    }
    if (deals.size === 0) return { deals: [], warnings };

    // Round 2: companies, the users not known yet and the stage lists not known yet, in one batch.
    const list = [...deals.values()];
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
    const details = await round(second, signal);

    const warn = (w: string) => void (warnings.includes(w) || warnings.push(w));
    const failed = (o: Outcome<unknown>, w: (e: ProviderError) => string): boolean => {
      if (o.ok) return false;
      if (isFatal(o.error)) throw o.error;
      warn(w(o.error));
      return true;
    };
    const why = (e: ProviderError) =>
      e.kind === 'forbidden' ? 'the webhook lacks the scope' : (e.details.vendorMessage ?? e.kind);

    const companies = new Map<string, string>();
    for (const [k, o] of Object.entries(details)) {
      if (k.startsWith('company')) {
        const w = (e: ProviderError) =>
          `${Bitrix24}: companies could not be read (${why(e)}); ` +
          'deal titles stand in for customers.';
        if (failed(o, w)) continue;
        for (const c of (o as Answer<z.infer<typeof CompanyList>>).result) {
          const title = c.TITLE?.trim();
          if (title) companies.set(c.ID, title);
        }
      } else if (k.startsWith('user')) {
        const w = (e: ProviderError) =>
          e.kind === 'forbidden'
            ? `${Bitrix24}: the webhook may not read users (add the "user_brief" scope), ` +
              'so owners show as user ids.'
            : `${Bitrix24}: users could not be read (${why(e)}), so owners show as user ids.`;
        if (failed(o, w)) continue;
        for (const u of (o as Answer<z.infer<typeof UserList>>).result) {
          api.cache.users.set(u.ID, ownerFromUser(u));
        }
      } else if (k.startsWith('stages')) {
        const w = (e: ProviderError) =>
          `${Bitrix24}: deal stages could not be read (${why(e)}), so stages are not shown.`;
        if (failed(o, w)) continue;
        const labels = new Map<string, string>();
        for (const s of (o as Answer<z.infer<typeof StatusList>>).result) {
          const name = s.NAME?.trim();
          if (name) labels.set(s.STATUS_ID, name);
        }
        api.cache.stages.set(k.slice('stages'.length), labels);
      }
    }

    const result = list.map((d): Deal => {
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
    });
    return { deals: result, warnings };
  }

  return {
    kind: 'bitrix24',
    label: Bitrix24,
    dealsForTicket,
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
