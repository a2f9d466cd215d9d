// Salesforce opportunities of many tickets at once, for the worklist: one SOQL query
// `Id IN (…) OR <ticket field> IN (…)` for the whole list, split only where the GET URL would grow
// past what Salesforce accepts. Account and owner come back in the same query through relationship
// fields, as in the single-ticket lookup, so 50 tickets usually cost one request.
import * as z from 'zod/mini';
import { ProviderError, isProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import type { Deal, Ticket } from '../../model';
import type { TicketDeals } from '../types';
import { salesforceOpportunityId, type SalesforceOptions } from './crm';
import { soqlString } from './soql';

const PROVIDER = 'Salesforce';
const DEFAULT_API_VERSION = '62.0';
const SETTING = 'customerContext.salesforce.ticketField';
/**
 * Encoded characters of one query's `q` parameter at most. Salesforce refuses URIs over 16,384
 * bytes; the rest is headroom for the path, the instance host and a proxy's additions.
 */
export const MAX_ENCODED_QUERY = 12_000;
/** `nextRecordsUrl` pages followed per query (2,000 records each) before stopping. */
const MAX_PAGES = 10;

const Str = z.optional(z.nullable(z.string()));
const Opportunity = z.looseObject({
  Id: z.string(),
  Name: Str,
  Amount: z.optional(z.nullable(z.number())),
  CurrencyIsoCode: Str,
  StageName: Str,
  CloseDate: Str,
  OwnerId: Str,
  Account: z.optional(z.nullable(z.looseObject({ Name: Str }))),
  Owner: z.optional(z.nullable(z.looseObject({ Name: Str, Email: Str }))),
});
type Opportunity = z.infer<typeof Opportunity>;
const QueryResult = <T>(record: z.ZodMiniType<T>) =>
  z.looseObject({
    done: z.optional(z.boolean()),
    nextRecordsUrl: z.optional(z.nullable(z.string())),
    records: z.array(record),
  });
const Organization = z.looseObject({ DefaultCurrencyIsoCode: Str });

/** The 15-character, case-sensitive form: a 15- and an 18-character id of one record match. */
const id15 = (id: string): string => id.slice(0, 15);

/** The value at a field path (`Jira_Key__c`, `Account.Jira_Key__c`), field names in any case. */
function valueAt(record: unknown, path: string): unknown {
  let v: unknown = record;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    const entry = Object.entries(v).find(([k]) => k.toLowerCase() === part.toLowerCase());
    v = entry?.[1];
  }
  return v;
}

/** One Opportunity as a Deal, exactly as the single-ticket lookup maps it. */
export function opportunityDeal(
  r: Opportunity,
  fallbackCurrency: string | undefined,
  linkOrigin: string,
): Deal {
  const deal: Deal = {
    id: r.Id,
    customer: r.Account?.Name?.trim() || r.Name?.trim() || `Opportunity ${r.Id}`,
  };
  if (typeof r.Amount === 'number' && Number.isFinite(r.Amount)) deal.amount = r.Amount;
  const currency = r.CurrencyIsoCode ?? fallbackCurrency;
  if (currency && /^[A-Za-z]{3}$/.test(currency)) deal.currency = currency.toUpperCase();
  if (r.StageName?.trim()) deal.stage = r.StageName.trim();
  if (r.CloseDate && /^\d{4}-\d{2}-\d{2}/.test(r.CloseDate)) {
    deal.closeDate = r.CloseDate.slice(0, 10);
  }
  const name = r.Owner?.Name?.trim();
  if (name || r.Owner?.Email) {
    deal.owner = { name: name || (r.Owner?.Email ?? '') };
    if (r.Owner?.Email) deal.owner.email = r.Owner.Email;
    if (r.OwnerId) deal.owner.crmId = r.OwnerId;
  }
  if (/^https:\/\//.test(linkOrigin)) {
    deal.url = `${linkOrigin}/lightning/r/Opportunity/${encodeURIComponent(r.Id)}/view`;
  }
  return deal;
}

/** What one query asks for: opportunity ids and ticket keys. */
interface Part {
  ids: string[];
  keys: string[];
}

/**
 * `Crm.dealsForTickets` for Salesforce over an HttpClient built with `salesforceHttpOptions`:
 * the same result as `salesforceCrm(http, options).dealsForTicket` ticket by ticket.
 */
export function salesforceDealsForTickets(
  http: HttpClient,
  options: SalesforceOptions = {},
): (tickets: readonly Ticket[], signal?: AbortSignal) => Promise<Map<string, TicketDeals>> {
  const ticketField = options.ticketField?.trim() ?? '';
  const base = `/services/data/v${options.apiVersion ?? DEFAULT_API_VERSION}`;
  const linkOrigin = (options.instanceUrl ?? http.origin).replace(/\/+$/, '');
  // Learnt from the first INVALID_FIELD, as the single-ticket lookup does.
  let multiCurrency = true;
  let orgCurrency: Promise<string | undefined> | undefined;

  function checkField(): void {
    // The field name goes into SOQL unquoted: only a plain or dotted relationship API name passes.
    if (
      ticketField &&
      !/^[A-Za-z][A-Za-z0-9_]{0,79}(?:\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}$/.test(ticketField)
    ) {
      throw new ProviderError(
        'notConfigured',
        `${PROVIDER}: "${ticketField}" is not a field API name (${SETTING}, e.g. Jira_Key__c).`,
        { provider: PROVIDER, where: SETTING },
      );
    }
  }

  async function query<T>(
    soql: string,
    record: z.ZodMiniType<T>,
    signal?: AbortSignal,
  ): Promise<T[]> {
    const schema = QueryResult(record);
    const out: T[] = [];
    let page = await http.json({ path: `${base}/query`, query: { q: soql }, signal }, schema);
    out.push(...page.records);
    for (let n = 1; page.done === false && page.nextRecordsUrl; n++) {
      if (n >= MAX_PAGES) {
        throw new ProviderError(
          'invalidResponse',
          `${PROVIDER}: more than ${MAX_PAGES} pages of results; stopped.`,
          { provider: PROVIDER },
        );
      }
      // Same host only: a relative path under /services/data/, never an absolute URL elsewhere.
      const next = page.nextRecordsUrl;
      if (!/^\/services\/data\/v\d+\.\d+\/query\/[A-Za-z0-9-]+$/.test(next)) {
        throw new ProviderError(
          'invalidResponse',
          `${PROVIDER}: unexpected nextRecordsUrl "${next.slice(0, 100)}".`,
          { provider: PROVIDER },
        );
      }
      page = await http.json({ path: next, signal }, schema);
      out.push(...page.records);
    }
    return out;
  }

  // Cached, and run without the caller's signal so a cancelled refresh cannot fail another.
  function currencyOfOrg(): Promise<string | undefined> {
    const soql = 'SELECT DefaultCurrencyIsoCode FROM Organization LIMIT 1';
    orgCurrency ??= query(soql, Organization).then(
      (rows) => rows[0]?.DefaultCurrencyIsoCode ?? undefined,
      (e: unknown) => {
        const lasting = ['forbidden', 'badRequest', 'notFound'] as const;
        if (!lasting.some((k) => isProviderError(e, k))) orgCurrency = undefined;
        return undefined;
      },
    );
    return orgCurrency;
  }

  function fields(): string[] {
    const list = [
      'Id',
      'Name',
      'Amount',
      ...(multiCurrency ? ['CurrencyIsoCode'] : []),
      // toLabel: the stage as the user's Salesforce shows it, not the picklist's API value.
      'toLabel(StageName)',
      'CloseDate',
      'OwnerId',
      'Account.Name',
      'Owner.Name',
      'Owner.Email',
    ];
    // The ticket field tells which ticket a row belongs to; SOQL refuses a field selected twice.
    const plain = list.map((f) => f.replace(/^toLabel\((.*)\)$/, '$1').toLowerCase());
    if (ticketField && !plain.includes(ticketField.toLowerCase())) list.push(ticketField);
    return list;
  }

  function soql(part: Part): string {
    const where: string[] = [];
    if (part.ids.length) where.push(`Id IN (${part.ids.map(soqlString).join(', ')})`);
    if (part.keys.length) where.push(`${ticketField} IN (${part.keys.map(soqlString).join(', ')})`);
    return `SELECT ${fields().join(', ')} FROM Opportunity WHERE ${where.join(' OR ')}`;
  }

  /** The ids and keys split so that no query's encoded text exceeds MAX_ENCODED_QUERY. */
  function parts(ids: string[], keys: string[]): Part[] {
    // Measured with the widest field list; `, ` and the `IN (…) OR …` frame are counted per item.
    const frame = encodeURIComponent(soql({ ids: ['x'], keys: ['x'] })).length;
    const cost = (v: string) => encodeURIComponent(`${soqlString(v)}, `).length;
    const out: Part[] = [];
    let current: Part = { ids: [], keys: [] };
    let size = frame;
    const add = (v: string, list: 'ids' | 'keys') => {
      const c = cost(v);
      if (size + c > MAX_ENCODED_QUERY && current.ids.length + current.keys.length > 0) {
        out.push(current);
        current = { ids: [], keys: [] };
        size = frame;
      }
      if (size + c > MAX_ENCODED_QUERY) {
        throw new ProviderError(
          'badRequest',
          `${PROVIDER}: the ticket key "${v.slice(0, 80)}…" is too long to search for.`,
          { provider: PROVIDER, where: SETTING },
        );
      }
      current[list].push(v);
      size += c;
    };
    for (const id of ids) add(id, 'ids');
    for (const key of keys) add(key, 'keys');
    if (current.ids.length + current.keys.length) out.push(current);
    return out;
  }

  /** Whether Opportunity has `field`: a one-row probe, asked only after an INVALID_FIELD. */
  async function hasField(field: string, signal?: AbortSignal): Promise<string | true> {
    try {
      await query(`SELECT ${field} FROM Opportunity LIMIT 1`, z.looseObject({}), signal);
      return true;
    } catch (e) {
      if (isProviderError(e, 'badRequest') && /INVALID_FIELD/.test(e.details.vendorMessage ?? '')) {
        return e.details.vendorMessage ?? 'INVALID_FIELD';
      }
      throw e;
    }
  }

  async function run(part: Part, signal?: AbortSignal): Promise<Opportunity[]> {
    try {
      return await query(soql(part), Opportunity, signal);
    } catch (e) {
      if (!isProviderError(e, 'badRequest')) throw e;
      const vendor = e.details.vendorMessage ?? '';
      if (!/INVALID_FIELD/.test(vendor)) throw e;
      // Salesforce's message echoes the whole query before naming the column, so with a long
      // query the name may be clipped away: then a one-row probe per suspect column tells.
      const named = /No such column '([A-Za-z0-9_]+)'/i.exec(vendor)?.[1]?.toLowerCase();
      const column = ticketField.split('.').pop()?.toLowerCase();
      const lacks = async (field: string, name?: string): Promise<string | undefined> => {
        if (named !== undefined) return named === name ? vendor : undefined;
        const probe = await hasField(field, signal);
        return probe === true ? undefined : probe;
      };
      if (multiCurrency && (await lacks('CurrencyIsoCode', 'currencyisocode')) !== undefined) {
        multiCurrency = false;
        return run(part, signal);
      }
      const missing = ticketField ? await lacks(ticketField, column) : undefined;
      if (missing !== undefined) {
        throw new ProviderError(
          'notConfigured',
          `${PROVIDER}: Opportunity has no field "${ticketField}" (${SETTING}): ${missing}`,
          { provider: PROVIDER, status: e.details.status, where: SETTING },
        );
      }
      throw e;
    }
  }

  return async function dealsForTickets(tickets, signal) {
    checkField();
    const wanted = new Map<string, { ticket: Ticket; ids: string[]; warnings: string[] }>();
    for (const ticket of tickets) {
      if (wanted.has(ticket.key)) continue;
      const warnings: string[] = [];
      const ids: string[] = [];
      for (const ref of ticket.dealRefs) {
        const id = salesforceOpportunityId(ref);
        if (!id) warnings.push(`${PROVIDER}: "${ref}" is not an opportunity id or link; ignored.`);
        else if (!ids.some((i) => id15(i) === id15(id))) ids.push(id);
      }
      wanted.set(ticket.key, { ticket, ids, warnings });
    }
    const all = [...wanted.values()];
    const ids: string[] = [];
    for (const id of all.flatMap((w) => w.ids)) {
      if (!ids.some((i) => id15(i) === id15(id))) ids.push(id);
    }
    const keys = ticketField ? [...new Set(all.map((w) => w.ticket.key))] : [];

    // Sequential on purpose: the first answer tells whether the org has multi-currency.
    const records: Opportunity[] = [];
    for (const part of parts(ids, keys)) records.push(...(await run(part, signal)));
    const fallbackCurrency =
      records.length && !multiCurrency ? await currencyOfOrg() : undefined;

    const byId = new Map<string, Opportunity>();
    const byKey = new Map<string, Opportunity[]>();
    for (const r of records) {
      if (byId.has(id15(r.Id))) continue;
      byId.set(id15(r.Id), r);
      const value = ticketField ? valueAt(r, ticketField) : undefined;
      // SOQL compares text without regard to case; so does this.
      if (typeof value !== 'string') continue;
      const k = value.toLowerCase();
      byKey.set(k, [...(byKey.get(k) ?? []), r]);
    }

    const out = new Map<string, TicketDeals>();
    for (const w of all) {
      const warnings = [...w.warnings];
      for (const id of w.ids) {
        if (!byId.has(id15(id))) {
          warnings.push(
            `${PROVIDER}: opportunity ${id} referenced by ${w.ticket.key} was not found ` +
              '(deleted, or not visible to this user).',
          );
        }
      }
      // Referenced opportunities first, in the ticket's order, then those found by the field.
      const referenced = w.ids
        .map((id) => byId.get(id15(id)))
        .filter((r): r is Opportunity => r !== undefined);
      const byField = (byKey.get(w.ticket.key.toLowerCase()) ?? []).filter(
        (r) => !w.ids.some((id) => id15(id) === id15(r.Id)),
      );
      const deals = [...referenced, ...byField].map((r) =>
        opportunityDeal(r, fallbackCurrency, linkOrigin),
      );
      out.set(w.ticket.key, { deals, warnings });
    }
    return out;
  };
}
