// Zoho CRM: deals (every data centre's API domain), and questions as a note on the deal. Access
// tokens last an hour, so the stored credential is usually a self-client's id, secret and refresh
// token, refreshed at the same data centre's accounts server (see auth.ts).
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';

/** The accounts server that refreshes tokens when `customerContext.zoho.accountsUrl` is not set. */
export const DefaultAccountsUrl = 'https://accounts.zoho.com';

/** OAuth scopes the self-client's code must be generated with. */
export const ZohoScopes =
  'ZohoCRM.modules.deals.READ,ZohoCRM.modules.notes.CREATE,ZohoCRM.modules.notes.READ,' +
  'ZohoCRM.users.READ,ZohoCRM.org.READ';

/** The Zoho CRM vendor (CRM). */
export const zoho = defineVendor({
  id: 'zoho',
  label: 'Zoho CRM',
  description: 'any data centre',
  kinds: ['crm'],
  remote: true,
  settings: {
    apiUrl: setting(z.string(), 'https://www.zohoapis.com', 'machine'),
    ticketField: setting(z.string(), ''),
    accountsUrl: setting(z.string(), DefaultAccountsUrl, 'machine'),
  },
  credential: {
    kind: 'token',
    env: 'CUSTOMER_CONTEXT_ZOHO_TOKEN',
    envUrl: 'CUSTOMER_CONTEXT_ZOHO_URL',
    urlSetting: 'apiUrl',
    envParts: {
      clientId: 'CUSTOMER_CONTEXT_ZOHO_CLIENT_ID',
      clientSecret: 'CUSTOMER_CONTEXT_ZOHO_CLIENT_SECRET',
      refreshToken: 'CUSTOMER_CONTEXT_ZOHO_REFRESH_TOKEN',
    },
  },
  dealUrlHosts: [
    'zoho.com',
    'zoho.eu',
    'zoho.in',
    'zoho.com.au',
    'zoho.jp',
    'zoho.sa',
    'zohocloud.ca',
    'zoho.com.cn',
  ],
  configure: [
    {
      setting: 'accountsUrl',
      title: 'Zoho accounts server of the same data centre as the API URL',
      options: [
        'https://accounts.zoho.com',
        'https://accounts.zoho.eu',
        'https://accounts.zoho.in',
        'https://accounts.zoho.com.au',
        'https://accounts.zoho.jp',
        'https://accounts.zoho.sa',
        'https://accounts.zohocloud.ca',
        'https://accounts.zoho.com.cn',
      ],
    },
    {
      setting: 'ticketField',
      title: 'Deals field (API name) holding the ticket key, e.g. Ticket_Key',
    },
  ],
  tokenHelp:
    'In the Zoho API Console (api-console.zoho.com, or your data centre\'s) open Self Client → ' +
    `Generate Code with the scopes ${ZohoScopes}, then exchange the code for a refresh token at ` +
    'the accounts server: POST /oauth/v2/token?grant_type=authorization_code&client_id=…' +
    '&client_secret=…&code=…',
  tokenPrompt: (s, origin) =>
    'Paste the self-client as clientId:clientSecret:refreshToken (or an access token, which ' +
    'expires within the hour). It is kept in VS Code secret storage; the refresh token is sent ' +
    `only to ${s.accountsUrl?.trim() || DefaultAccountsUrl}, access tokens only to ${origin}.`,
});
