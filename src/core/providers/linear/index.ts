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
  },
  credential: { kind: 'token', env: 'CUSTOMER_CONTEXT_LINEAR_TOKEN', envUrl: 'CUSTOMER_CONTEXT_LINEAR_URL', urlSetting: 'apiUrl' },
});
