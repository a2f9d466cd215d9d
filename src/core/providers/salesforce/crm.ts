// Salesforce opportunities for a ticket, by SOQL (batch.ts, one lookup for one ticket or many): those
// the ticket references by id or Lightning link plus those whose ticket field holds the key. Owner and
// account come back in the same query through relationship fields, so a lookup is usually one request.
import * as z from 'zod/mini';
import { readToken, type HttpClient, type HttpResponse, type ProviderHttpOptions, type TokenSource } from '../../http';
import type { Ticket } from '../../model';
import type { Crm, TicketDeals } from '../types';
import { salesforceDealsForTickets } from './batch';
import { soqlString } from './soql';

const PROVIDER = 'Salesforce';
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



/** Salesforce opportunities as a Crm over an HttpClient built with `salesforceHttpOptions`. */
export function salesforceCrm(http: HttpClient, options: SalesforceOptions = {}): Crm {
  // One lookup for one ticket or many: the batch, which also learns once whether the org has
  // multi-currency and its single currency.
  const dealsForTickets = salesforceDealsForTickets(http, options);

  async function dealsForTicket(ticket: Ticket, signal?: AbortSignal): Promise<TicketDeals> {
    return (await dealsForTickets([ticket], signal)).get(ticket.key) ?? { deals: [], warnings: [] };
  }

  return {
    kind: 'salesforce',
    label: PROVIDER,
    dealsForTicket,
    dealsForTickets,
    async whoAmI(signal) {
      const me = await http.json({ path: '/services/oauth2/userinfo', signal }, UserInfo);
      const who = me.name?.trim() || me.preferred_username?.trim() || 'unknown user';
      return me.email ? `${who} <${me.email}>` : who;
    },
  };
}
