// Pipedrive: deals, and questions as a task for the deal's owner.
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';

/** The Pipedrive vendor (CRM). */
export const pipedrive = defineVendor({
  id: 'pipedrive',
  label: 'Pipedrive',
  kinds: ['crm'],
  remote: true,
  settings: {
    apiUrl: setting(z.string(), 'https://api.pipedrive.com', 'machine'),
    ticketField: setting(z.string(), ''),
  },
  credential: { kind: 'token', env: 'CUSTOMER_CONTEXT_PIPEDRIVE_TOKEN', envUrl: 'CUSTOMER_CONTEXT_PIPEDRIVE_URL', urlSetting: 'apiUrl' },
  dealUrlHosts: ['pipedrive.com'],
});
