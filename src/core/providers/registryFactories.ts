// The HTTP half of every remote vendor (and the factories of `lazyFactories` vendors), by id: bundled
// into dist/remote.js, which is loaded the first time such a tracker, CRM or route is configured. test/unit/registry.test.ts checks that every
// descriptor with `remote: true` has its line here.
import { amocrmFactories } from './amocrm/factories';
import { bitrix24Factories } from './bitrix24/factories';
import { csvFactories } from './csv/factories';
import { githubFactories } from './github/factories';
import { gitlabFactories } from './gitlab/factories';
import { hubspotFactories } from './hubspot/factories';
import { jiraFactories } from './jira/factories';
import { linearFactories } from './linear/factories';
import { pipedriveFactories } from './pipedrive/factories';
import { salesforceFactories } from './salesforce/factories';
import { slackFactories } from './slack/factories';
import { teamsFactories } from './teams/factories';
import type { VendorFactories } from './vendor';
import { youtrackFactories } from './youtrack/factories';
import { zohoFactories } from './zoho/factories';

/** Factories of the vendors reached over HTTP, by vendor id. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each vendor's factories take its own settings type
export const RemoteFactories: Readonly<Record<string, VendorFactories<any>>> = {
  jira: jiraFactories,
  github: githubFactories,
  linear: linearFactories,
  gitlab: gitlabFactories,
  youtrack: youtrackFactories,
  hubspot: hubspotFactories,
  salesforce: salesforceFactories,
  pipedrive: pipedriveFactories,
  bitrix24: bitrix24Factories,
  amocrm: amocrmFactories,
  zoho: zohoFactories,
  csv: csvFactories,
  slack: slackFactories,
  teams: teamsFactories,
};
