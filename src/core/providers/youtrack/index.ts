// YouTrack Cloud (`https://acme.youtrack.cloud`) and self-hosted YouTrack (often under a
// `/youtrack` path), REST API with a permanent token.
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';

/** The YouTrack vendor: issues as tickets, questions as issue comments. */
export const youtrack = defineVendor({
  id: 'youtrack',
  label: 'YouTrack',
  description: 'Cloud or self-hosted',
  kinds: ['tracker'],
  remote: true,
  settings: {
    baseUrl: setting(z.string(), '', 'machine'),
    dealField: setting(z.string(), ''),
    // A YouTrack search query for the worklist; empty: for: me #Unresolved (see worklist.ts).
    worklistQuery: setting(z.string(), ''),
  },
  credential: {
    kind: 'token',
    env: 'CUSTOMER_CONTEXT_YOUTRACK_TOKEN',
    envUrl: 'CUSTOMER_CONTEXT_YOUTRACK_URL',
    urlSetting: 'baseUrl',
  },
  configure: [
    {
      setting: 'dealField',
      title:
        'YouTrack custom field holding CRM deal ids or URLs, by name ' +
        '(empty: deal:ID tags and deal links in the description only)',
    },
  ],
  tokenHelp:
    'Create a permanent token in YouTrack: your avatar → Profile → Account Security → Tokens → ' +
    'New token…, with the YouTrack scope. It starts with "perm".',
});
