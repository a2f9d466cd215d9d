// HubSpot: deals, and questions as a task for the deal's owner.
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';

/** The HubSpot vendor (CRM). */
export const hubspot = defineVendor({
  id: 'hubspot',
  label: 'HubSpot',
  kinds: ['crm'],
  remote: true,
  settings: {
    apiUrl: setting(z.string(), 'https://api.hubapi.com', 'machine'),
    ticketProperty: setting(z.string(), ''),
  },
  credential: { kind: 'token', env: 'CUSTOMER_CONTEXT_HUBSPOT_TOKEN', envUrl: 'CUSTOMER_CONTEXT_HUBSPOT_URL', urlSetting: 'apiUrl' },
  dealUrlHosts: ['hubspot.com', 'hubapi.com'],
});
