// amoCRM (`https://acme.amocrm.ru`) and Kommo, its international edition
// (`https://acme.kommo.com`): leads (deals) through API v4 with a private integration's
// long-lived token.
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';

/** The amoCRM / Kommo vendor: leads as deals, and questions as a task for the lead's user. */
export const amocrm = defineVendor({
  id: 'amocrm',
  label: 'amoCRM / Kommo',
  description: 'leads of an amoCRM or Kommo account',
  kinds: ['crm'],
  remote: true,
  settings: {
    baseUrl: setting(z.string(), '', 'machine'),
    ticketField: setting(z.string(), ''),
  },
  credential: {
    kind: 'token',
    env: 'CUSTOMER_CONTEXT_AMOCRM_TOKEN',
    envUrl: 'CUSTOMER_CONTEXT_AMOCRM_URL',
    urlSetting: 'baseUrl',
  },
  dealUrlHosts: ['amocrm.ru', 'amocrm.com', 'kommo.com'],
  configure: [
    {
      setting: 'ticketField',
      title:
        'Id (a number) of the lead custom field holding the ticket key (empty: only leads the ' +
        'ticket links)',
    },
  ],
  tokenHelp:
    'An account administrator creates it in amoCRM or Kommo: Settings → Integrations → ' +
    'Create integration → private integration; open it, tab "Keys and scopes", and copy the ' +
    'long-lived token.',
});
