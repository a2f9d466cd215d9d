// Bitrix24 (cloud portals such as https://acme.bitrix24.ru, and self-hosted ones): deals through an
// inbound webhook, and questions as a to-do on the deal for its responsible user.
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';

/** The Bitrix24 vendor (CRM). */
export const bitrix24 = defineVendor({
  id: 'bitrix24',
  label: 'Bitrix24',
  description: 'deals of a Bitrix24 portal (cloud or self-hosted)',
  kinds: ['crm'],
  remote: true,
  settings: {
    portalUrl: setting(z.string(), '', 'machine'),
    ticketField: setting(z.string(), ''),
  },
  credential: {
    kind: 'token',
    env: 'CUSTOMER_CONTEXT_BITRIX24_TOKEN',
    envUrl: 'CUSTOMER_CONTEXT_BITRIX24_URL',
    urlSetting: 'portalUrl',
  },
  // Cloud portals live under these domains; a self-hosted portal's deal links
  // (`/crm/deal/details/123/`) are recognised by their path.
  dealUrlHosts: [
    'bitrix24.ru',
    'bitrix24.com',
    'bitrix24.kz',
    'bitrix24.by',
    'bitrix24.ua',
    'bitrix24.de',
    'bitrix24.eu',
    'bitrix24.es',
    'bitrix24.fr',
    'bitrix24.it',
    'bitrix24.pl',
    'bitrix24.uk',
    'bitrix24.in',
    'bitrix24.cn',
    'bitrix24.id',
    'bitrix24.com.br',
    'bitrix24.com.tr',
  ],
  configure: [
    {
      setting: 'ticketField',
      title:
        'Deal field holding the ticket key, e.g. UF_CRM_TICKET (empty: only deals the ticket ' +
        'links)',
    },
  ],
  tokenHelp:
    'In Bitrix24: Developer resources → Other → Inbound webhook, with the scopes "crm" and ' +
    '"user_brief" (or "user", for owners\' names and e-mails); save, then paste the part of the ' +
    'webhook URL after /rest/: "<user id>/<code>", e.g. 1/a1b2c3d4e5f6g7h8. Questions are ' +
    'posted as that user.',
  tokenPrompt: (_s, origin) =>
    `The inbound webhook's "<user id>/<code>" (or its whole URL on ${origin}); it is kept in ` +
    `VS Code secret storage and sent only to ${origin}.`,
});
