// Linear (GraphQL).
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';

/** The Linear vendor: issues as tickets, questions as issue comments. */
export const linear = defineVendor({
  id: 'linear',
  label: 'Linear',
  kinds: ['tracker'],
  remote: true,
  settings: {
    apiUrl: setting(z.string(), 'https://api.linear.app/graphql', 'machine'),
    // A JSON IssueFilter for the worklist; empty: my assigned issues not done (see worklist.ts).
    worklistQuery: setting(z.string(), ''),
  },
  credential: { kind: 'token', env: 'CUSTOMER_CONTEXT_LINEAR_TOKEN', envUrl: 'CUSTOMER_CONTEXT_LINEAR_URL', urlSetting: 'apiUrl' },
});
