// GitHub Issues (github.com or GitHub Enterprise Server `https://HOST/api/v3`).
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';

/** The GitHub vendor: issues as tickets, questions as issue comments. */
export const github = defineVendor({
  id: 'github',
  label: 'GitHub',
  description: 'GitHub Issues',
  kinds: ['tracker'],
  remote: true,
  numericKeys: true,
  settings: {
    apiUrl: setting(z.string(), 'https://api.github.com', 'machine'),
    repository: setting(z.string().check(z.regex(/^$|^[\w.-]+\/[\w.-]+$/, 'expected owner/repo')), ''),
    // Issue search qualifiers for the worklist; empty: is:open assignee:@me (see worklist.ts).
    worklistQuery: setting(z.string(), ''),
  },
  credential: { kind: 'token', env: 'CUSTOMER_CONTEXT_GITHUB_TOKEN', envUrl: 'CUSTOMER_CONTEXT_GITHUB_URL', urlSetting: 'apiUrl' },
});
