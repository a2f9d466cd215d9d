// Salesforce: deals, and questions as a task for the deal's owner.
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';

/** The Salesforce vendor (CRM). */
export const salesforce = defineVendor({
  id: 'salesforce',
  label: 'Salesforce',
  kinds: ['crm'],
  remote: true,
  settings: {
    instanceUrl: setting(z.string(), '', 'machine'),
    ticketField: setting(z.string(), ''),
  },
  credential: { kind: 'token', env: 'CUSTOMER_CONTEXT_SALESFORCE_TOKEN', envUrl: 'CUSTOMER_CONTEXT_SALESFORCE_URL', urlSetting: 'instanceUrl' },
  dealUrlHosts: ['salesforce.com', 'force.com'],
});
