// Remote trackers, CRMs and question routes over HTTP. Built as its own bundle (dist/remote.js) and
// loaded on first use, so a workspace on the embedded data file never loads axios or any vendor client.
import axios from 'axios';
import { type HttpClient, type ProviderHttpOptions, createHttpClient } from '../core/http';
import { ProviderError } from '../core/errors';
import { githubHttpOptions, githubTracker } from '../core/providers/github';
import { hubspotCrm, hubspotHttpOptions } from '../core/providers/hubspot';
import { jiraHttpOptions, jiraTracker } from '../core/providers/jira';
import { linearHttpOptions, linearTracker } from '../core/providers/linear';
import { pipedriveCrm, pipedriveHttpOptions } from '../core/providers/pipedrive';
import { salesforceCrm, salesforceHttpOptions } from '../core/providers/salesforce';
import type { Crm, TicketTracker } from '../core/providers/types';
import type { RouteSenders } from '../core/questions/outbox';
import {
  githubCommentSender,
  hubspotTaskSender,
  jiraCommentSender,
  linearCommentSender,
  pipedriveActivitySender,
  salesforceTaskSender,
  slackSender,
  teamsSender,
} from '../core/questions/routes';
import type { Settings } from '../core/settings';
import { axiosTransport } from './axiosTransport';

/** Looks a token up for a provider and URL (SecretStorage or the contract's environment variables). */
export type TokenLookup = (provider: 'jira' | 'github' | 'linear' | 'hubspot' | 'salesforce' | 'pipedrive', url: string) => Promise<string | undefined>;
export type WebhookLookup = (provider: 'slack' | 'teams') => Promise<string | undefined>;

// One axios instance for every client: keep-alive sockets are shared, redirects never followed.
const transport = axiosTransport(axios.create({ maxRedirects: 0 }));

function client(options: ProviderHttpOptions): HttpClient {
  return createHttpClient(transport, { ...options, timeoutMs: 10_000, deadlineMs: 30_000 });
}

/** The tracker for non-local settings; `repositoryFromRemote` is `owner/repo` parsed from the git remote. */
export function remoteTracker(settings: Settings, tokens: TokenLookup, repositoryFromRemote?: string): TicketTracker {
  switch (settings.tracker) {
    case 'jira': {
      const jira = { baseUrl: settings['jira.baseUrl'], deployment: settings['jira.deployment'], email: settings['jira.email'], dealField: settings['jira.dealField'] };
      return jiraTracker(client(jiraHttpOptions(jira, () => tokens('jira', jira.baseUrl))), jira);
    }
    case 'github': {
      const repository = settings['github.repository'] || repositoryFromRemote;
      if (!repository) {
        throw new ProviderError('notConfigured', 'GitHub: set customerContext.github.repository (owner/repo); no GitHub remote was found in this repository.', { where: 'customerContext.github.repository' });
      }
      const apiUrl = settings['github.apiUrl'];
      return githubTracker(client(githubHttpOptions({ apiUrl }, () => tokens('github', apiUrl))), { repository });
    }
    case 'linear': {
      const apiUrl = settings['linear.apiUrl'];
      return linearTracker(client(linearHttpOptions({ apiUrl }, () => tokens('linear', apiUrl))));
    }
    default:
      throw new Error(`remoteTracker: ${settings.tracker} is not remote`);
  }
}

export function remoteCrm(settings: Settings, tokens: TokenLookup): Crm {
  switch (settings.crm) {
    case 'hubspot': {
      const url = settings['hubspot.apiUrl'];
      return hubspotCrm(client(hubspotHttpOptions(url, () => tokens('hubspot', url))), { ticketProperty: settings['hubspot.ticketProperty'] });
    }
    case 'salesforce': {
      const url = settings['salesforce.instanceUrl'];
      return salesforceCrm(client(salesforceHttpOptions(url, () => tokens('salesforce', url))), { ticketField: settings['salesforce.ticketField'] });
    }
    case 'pipedrive': {
      const url = settings['pipedrive.apiUrl'];
      return pipedriveCrm(client(pipedriveHttpOptions(url, () => tokens('pipedrive', url))), { ticketField: settings['pipedrive.ticketField'] });
    }
    default:
      throw new Error(`remoteCrm: ${settings.crm} is not remote`);
  }
}

/** Senders for the routes that leave this machine (the local inbox is handled by the question service). */
export async function remoteSenders(settings: Settings, tokens: TokenLookup, webhooks: WebhookLookup, repositoryFromRemote?: string): Promise<RouteSenders> {
  const senders: RouteSenders = {};
  const routes = new Set(settings['questions.routes']);
  if (routes.has('crm')) {
    if (settings.crm === 'hubspot') {
      const url = settings['hubspot.apiUrl'];
      senders.crm = hubspotTaskSender(client(hubspotHttpOptions(url, () => tokens('hubspot', url))));
    } else if (settings.crm === 'salesforce') {
      const url = settings['salesforce.instanceUrl'];
      senders.crm = salesforceTaskSender(client(salesforceHttpOptions(url, () => tokens('salesforce', url))));
    } else if (settings.crm === 'pipedrive') {
      const url = settings['pipedrive.apiUrl'];
      senders.crm = pipedriveActivitySender(client(pipedriveHttpOptions(url, () => tokens('pipedrive', url))));
    }
  }
  if (routes.has('ticketComment')) {
    if (settings.tracker === 'jira') {
      const jira = { baseUrl: settings['jira.baseUrl'], deployment: settings['jira.deployment'], email: settings['jira.email'] };
      senders.ticketComment = jiraCommentSender(client(jiraHttpOptions(jira, () => tokens('jira', jira.baseUrl))), { deployment: jira.deployment, mention: true });
    } else if (settings.tracker === 'github') {
      const repository = settings['github.repository'] || repositoryFromRemote;
      const apiUrl = settings['github.apiUrl'];
      if (repository) senders.ticketComment = githubCommentSender(client(githubHttpOptions({ apiUrl }, () => tokens('github', apiUrl))), { repository });
    } else if (settings.tracker === 'linear') {
      const apiUrl = settings['linear.apiUrl'];
      senders.ticketComment = linearCommentSender(client(linearHttpOptions({ apiUrl }, () => tokens('linear', apiUrl))));
    }
  }
  for (const kind of ['slack', 'teams'] as const) {
    if (!routes.has(kind)) continue;
    const webhookUrl = await webhooks(kind);
    senders[kind] = webhookUrl
      ? (kind === 'slack' ? slackSender : teamsSender)({ webhookUrl, transport })
      : {
          // Parked as "needs a token" until the webhook URL is set; then resumed, never lost.
          send: async () => {
            throw new ProviderError('auth', `No ${kind === 'slack' ? 'Slack' : 'Teams'} webhook URL is set: run "Set API Token…" and pick the ${kind === 'slack' ? 'Slack' : 'Teams'} webhook.`);
          },
        };
  }
  return senders;
}
