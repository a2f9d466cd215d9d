// Zoho's data centres: each has its own API domain, accounts server and CRM web host, and a token
// or a refresh token of one is unknown to the others. Used to tell a user that two settings name
// different data centres, and to build deal links from the API URL.

/** One data centre's three host names (all https). */
export interface DataCentre {
  /** Short name people know it by, e.g. `EU`. */
  name: string;
  /** `zohoapis.eu`: the API domain without its leading label (`www.`, `sandbox.`). */
  api: string;
  accounts: string;
  crm: string;
}

/** Every data centre Zoho CRM runs in. */
export const DataCentres: readonly DataCentre[] = [
  { name: 'US', api: 'zohoapis.com', accounts: 'accounts.zoho.com', crm: 'crm.zoho.com' },
  { name: 'EU', api: 'zohoapis.eu', accounts: 'accounts.zoho.eu', crm: 'crm.zoho.eu' },
  { name: 'IN', api: 'zohoapis.in', accounts: 'accounts.zoho.in', crm: 'crm.zoho.in' },
  { name: 'AU', api: 'zohoapis.com.au', accounts: 'accounts.zoho.com.au', crm: 'crm.zoho.com.au' },
  { name: 'JP', api: 'zohoapis.jp', accounts: 'accounts.zoho.jp', crm: 'crm.zoho.jp' },
  { name: 'SA', api: 'zohoapis.sa', accounts: 'accounts.zoho.sa', crm: 'crm.zoho.sa' },
  { name: 'CA', api: 'zohoapis.ca', accounts: 'accounts.zohocloud.ca', crm: 'crm.zohocloud.ca' },
  { name: 'CN', api: 'zohoapis.com.cn', accounts: 'accounts.zoho.com.cn', crm: 'crm.zoho.com.cn' },
];

function hostOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url.trim()).hostname.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** The data centre of an API URL (`https://www.zohoapis.eu`, `https://sandbox.zohoapis.com`). */
export function dataCentreOfApi(apiUrl: string | undefined): DataCentre | undefined {
  const host = hostOf(apiUrl);
  if (!host) return undefined;
  return DataCentres.find((dc) => host === dc.api || host.endsWith(`.${dc.api}`));
}

/** The data centre of an accounts server URL (`https://accounts.zoho.eu`). */
export function dataCentreOfAccounts(accountsUrl: string | undefined): DataCentre | undefined {
  const host = hostOf(accountsUrl);
  return host ? DataCentres.find((dc) => host === dc.accounts) : undefined;
}

/**
 * The CRM web origin deal links live on, for an API URL: `https://crm.zoho.eu` for the EU's API
 * domain, `https://crmsandbox.zoho.com` for a sandbox. Undefined for a host that is not Zoho's.
 */
export function crmWebOrigin(apiUrl: string | undefined): string | undefined {
  const host = hostOf(apiUrl);
  const dc = dataCentreOfApi(apiUrl);
  if (!host || !dc) return undefined;
  if (host.startsWith('sandbox.')) return `https://${dc.crm.replace(/^crm\./, 'crmsandbox.')}`;
  return `https://${dc.crm}`;
}
