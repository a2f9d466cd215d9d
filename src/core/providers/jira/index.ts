// Jira Cloud (REST v3, e-mail + API token) and Data Center (REST v2, personal access token).
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';

/** The Jira vendor: tickets, and questions as issue comments. */
export const jira = defineVendor({
  id: 'jira',
  label: 'Jira',
  description: 'Cloud or Data Center',
  kinds: ['tracker'],
  remote: true,
  settings: {
    baseUrl: setting(z.string(), '', 'machine'),
    email: setting(z.string(), '', 'machine'),
    deployment: setting(z.enum(['cloud', 'datacenter']), 'cloud' as 'cloud' | 'datacenter', 'machine'),
    dealField: setting(z.string(), ''),
    // JQL for the worklist; empty: assigned to me, not done (see worklist.ts).
    worklistQuery: setting(z.string(), ''),
  },
  credential: { kind: 'token', env: 'CUSTOMER_CONTEXT_JIRA_TOKEN', envUrl: 'CUSTOMER_CONTEXT_JIRA_URL', urlSetting: 'baseUrl' },
  configure: [
    { setting: 'deployment', title: 'Jira deployment', options: ['cloud', 'datacenter'] },
    { setting: 'email', title: 'Jira Cloud account e-mail', when: { setting: 'deployment', is: 'cloud' } },
  ],
  tokenPrompt: (s, origin) =>
    s.deployment === 'cloud'
      ? `Jira Cloud API token for ${s.email || 'the e-mail in customerContext.jira.email'}; it is sent only to ${origin}.`
      : undefined,
});
