// Salesforce opportunities for a ticket, by SOQL: those the ticket references by id or Lightning
// link plus those whose ticket field holds the key, in one query per 200 ids. Owner and account
// come back in the same query through relationship fields, so a lookup is usually one request.
import * as z from 'zod/mini';
import { ProviderError, isProviderError } from '../../errors';
import { readToken, type HttpClient, type HttpResponse, type ProviderHttpOptions, type TokenSource } from '../../http';
import type { Deal, Ticket } from '../../model';
import type { Crm } from '../types';
import { chunks } from '../../collections';
import { salesforceDealsForTickets } from './batch';
import { soqlString } from './soql';

const PROVIDER = 'Salesforce';
const DEFAULT_API_VERSION = '62.0';
/** Ids per query: keeps the GET URL well under the 16 KB Salesforce accepts. */
const IDS_PER_QUERY = 200;
/** `nextRecordsUrl` pages followed per query (2,000 records each) before stopping. */
const MAX_PAGES = 10;
const SETTING = 'customerContext.salesforce.ticketField';

/** What `salesforceCrm` needs besides the HTTP client. */
export interface SalesforceOptions {
  /** Opportunity field holding the ticket key (`salesforce.ticketField`); empty = none. */
  ticketField?: string;
  /** Origin for record links; default: the client's origin (the instance URL). */
  instanceUrl?: string;
  /** REST API version, default 62.0. */
  apiVersion?: string;
}

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
const UserInfo = z.looseObject({
  name: Str,
  email: Str,
  preferred_username: Str,
  organization_id: Str,
});
const ErrorArray = z.array(
  z.looseObject({
    message: z.optional(z.nullable(z.string())),
    errorCode: z.optional(z.nullable(z.string())),
  }),
);

function errorsOf(data: unknown): Array<{ message?: string | null; errorCode?: string | null }> {
  const parsed = ErrorArray.safeParse(data);
  return parsed.success ? parsed.data : [];
}

/** `ERROR_CODE: message` for each entry of Salesforce's error array. */
/**
 * A SOQL error message without the query Salesforce repeats before naming the problem
 * (`\nSELECT … \n ^\nERROR at Row:1:Column:42\nNo such column …`): what follows the last
 * `ERROR at Row:n:Column:n` is the part a person needs, and it must survive the 300-character cut.
 */
function readableMessage(message: string | null | undefined): string | undefined {
  if (!message) return undefined;
  const marker = message.lastIndexOf('ERROR at Row:');
  const tail = marker < 0 ? message : message.slice(marker).replace(/^ERROR at Row:\d+:Column:\d+\s*/, '');
  return tail.replace(/\s+/g, ' ').trim() || undefined;
}

export function salesforceVendorMessage(_status: number, data: unknown): string | undefined {
  const text = errorsOf(data)
    .map((e) => [e.errorCode, readableMessage(e.message)].filter(Boolean).join(': '))
    .filter(Boolean)
    .join('; ');
  return text || undefined;
}

/** Salesforce reports an exhausted API allowance as 403 REQUEST_LIMIT_EXCEEDED, not 429. */
export function salesforceIsRateLimited(res: HttpResponse): boolean {
  return (
    res.status === 403 && errorsOf(res.data).some((e) => e.errorCode === 'REQUEST_LIMIT_EXCEEDED')
  );
}

/** The Salesforce part of the HTTP client options: instance URL, Bearer auth, error arrays. */
export function salesforceHttpOptions(
  instanceUrl: string,
  token: TokenSource,
): ProviderHttpOptions {
  return {
    provider: PROVIDER,
    baseUrl: instanceUrl,
    baseUrlSetting: 'customerContext.salesforce.instanceUrl',
    auth: async () => ({ authorization: `Bearer ${await readToken(PROVIDER, token)}` }),
    vendorMessage: salesforceVendorMessage,
    isRateLimited: salesforceIsRateLimited,
  };
}

/** Kept here too for callers that imported it from the CRM module. */
export { soqlString };

const ID_RE = /^006[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$/;

/** An Opportunity id from a 15/18-character id or a Salesforce record link; else undefined. */
export function salesforceOpportunityId(ref: string): string | undefined {
  const s = ref.trim();
  if (ID_RE.test(s)) return s;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:') return undefined;
  if (!/\.(?:salesforce|force|lightning\.force|salesforce-setup)\.com$/i.test(url.hostname))
    return undefined;
  const lightning = /\/lightning\/r\/(?:Opportunity\/)?([a-zA-Z0-9]{15,18})\/view/.exec(
    url.pathname,
  )?.[1];
  const classic = /^\/([a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?)\/?$/.exec(url.pathname)?.[1];
  const id = lightning ?? classic;
  return id && ID_RE.test(id) ? id : undefined;
}

/** The 15-character, case-sensitive form: a 15- and an 18-character id of one record match. */
const id15 = (id: string): string => id.slice(0, 15);


/** Salesforce opportunities as a Crm over an HttpClient built with `salesforceHttpOptions`. */
export function salesforceCrm(http: HttpClient, options: SalesforceOptions = {}): Crm {
  const ticketField = options.ticketField?.trim() ?? '';
  const version = options.apiVersion ?? DEFAULT_API_VERSION;
  const base = `/services/data/v${version}`;
  const linkOrigin = (options.instanceUrl ?? http.origin).replace(/\/+$/, '');
  // Orgs without multi-currency have no CurrencyIsoCode; learnt from the first INVALID_FIELD and
  // then the org's single currency applies.
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
          {
            provider: PROVIDER,
          },
        );
      }
      // Same host only: a relative path under /services/data/, never an absolute URL elsewhere.
      const next = page.nextRecordsUrl;
      if (!/^\/services\/data\/v\d+\.\d+\/query\/[A-Za-z0-9-]+$/.test(next)) {
        throw new ProviderError(
          'invalidResponse',
          `${PROVIDER}: unexpected nextRecordsUrl "${next.slice(0, 100)}".`,
          {
            provider: PROVIDER,
          },
        );
      }
      page = await http.json({ path: next, signal }, schema);
      out.push(...page.records);
    }
    return out;
  }

  // Cached, and run without the caller's signal so a cancelled refresh cannot fail another.
  function currencyOfOrg(): Promise<string | undefined> {
    orgCurrency ??= query(
      'SELECT DefaultCurrencyIsoCode FROM Organization LIMIT 1',
      Organization,
    ).then(
      (rows) => rows[0]?.DefaultCurrencyIsoCode ?? undefined,
      (e: unknown) => {
        // The currency is a nicety: an org that hides Organization still shows its deals, and is
        // not asked again; a passing failure (offline, limits) is retried on the next lookup.
        const lasting = ['forbidden', 'badRequest', 'notFound'] as const;
        if (!lasting.some((k) => isProviderError(e, k))) orgCurrency = undefined;
        return undefined;
      },
    );
    return orgCurrency;
  }

  function soql(ids: string[], key: string | undefined): string {
    const fields = [
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
    const where: string[] = [];
    if (ids.length) where.push(`Id IN (${ids.map(soqlString).join(', ')})`);
    if (key !== undefined) where.push(`${ticketField} = ${soqlString(key)}`);
    return `SELECT ${fields.join(', ')} FROM Opportunity WHERE ${where.join(' OR ')} LIMIT 2000`;
  }

  async function run(
    ids: string[],
    key: string | undefined,
    signal?: AbortSignal,
  ): Promise<Opportunity[]> {
    try {
      return await query(soql(ids, key), Opportunity, signal);
    } catch (e) {
      if (!isProviderError(e, 'badRequest')) throw e;
      const vendor = e.details.vendorMessage ?? '';
      if (multiCurrency && /No such column 'CurrencyIsoCode'/i.test(vendor)) {
        multiCurrency = false;
        return run(ids, key, signal);
      }
      if (
        key !== undefined &&
        new RegExp(`No such column '${ticketField.replace(/\./g, '\\.')}'`, 'i').test(vendor)
      ) {
        throw new ProviderError(
          'notConfigured',
          `${PROVIDER}: Opportunity has no field "${ticketField}" (${SETTING}): ${vendor}`,
          { provider: PROVIDER, status: e.details.status, where: SETTING },
        );
      }
      throw e;
    }
  }

  async function dealsForTicket(
    ticket: Ticket,
    signal?: AbortSignal,
  ): Promise<{ deals: Deal[]; warnings: string[] }> {
    checkField();
    const warnings: string[] = [];
    const ids: string[] = [];
    for (const ref of ticket.dealRefs) {
      const id = salesforceOpportunityId(ref);
      if (!id) warnings.push(`${PROVIDER}: "${ref}" is not an opportunity id or link; ignored.`);
      else if (!ids.some((i) => id15(i) === id15(id))) ids.push(id);
    }
    const batches = chunks(ids, IDS_PER_QUERY);
    if (ticketField && batches.length === 0) batches.push([]);
    if (batches.length === 0) return { deals: [], warnings };

    // Sequential on purpose: the first answer tells whether the org has multi-currency.
    const records: Opportunity[] = [];
    for (const [i, batch] of batches.entries()) {
      records.push(...(await run(batch, i === 0 && ticketField ? ticket.key : undefined, signal)));
    }
    const fallbackCurrency = multiCurrency ? undefined : await currencyOfOrg();

    const byId = new Map<string, Opportunity>();
    for (const r of records) if (!byId.has(id15(r.Id))) byId.set(id15(r.Id), r);
    for (const id of ids) {
      if (!byId.has(id15(id))) {
        warnings.push(
          `${PROVIDER}: opportunity ${id} referenced by ${ticket.key} was not found ` +
            '(deleted, or not visible to this user).',
        );
      }
    }
    // Referenced opportunities first, in the ticket's order, then those found by the ticket field.
    const ordered = [
      ...ids.map((id) => byId.get(id15(id))).filter((r): r is Opportunity => r !== undefined),
      ...[...byId.values()].filter((r) => !ids.some((id) => id15(id) === id15(r.Id))),
    ];
    const deals = ordered.map((r): Deal => {
      const deal: Deal = {
        id: r.Id,
        customer: r.Account?.Name?.trim() || r.Name?.trim() || `Opportunity ${r.Id}`,
      };
      if (typeof r.Amount === 'number' && Number.isFinite(r.Amount)) deal.amount = r.Amount;
      const currency = r.CurrencyIsoCode ?? fallbackCurrency;
      if (currency && /^[A-Za-z]{3}$/.test(currency)) deal.currency = currency.toUpperCase();
      if (r.StageName?.trim()) deal.stage = r.StageName.trim();
      if (r.CloseDate && /^\d{4}-\d{2}-\d{2}/.test(r.CloseDate))
        deal.closeDate = r.CloseDate.slice(0, 10);
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
    });
    return { deals, warnings };
  }

  return {
    kind: 'salesforce',
    label: PROVIDER,
    dealsForTicket,
    dealsForTickets: salesforceDealsForTickets(http, options),
    async whoAmI(signal) {
      const me = await http.json({ path: '/services/oauth2/userinfo', signal }, UserInfo);
      const who = me.name?.trim() || me.preferred_username?.trim() || 'unknown user';
      return me.email ? `${who} <${me.email}>` : who;
    },
  };
}
