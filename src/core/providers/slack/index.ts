// Slack: questions posted by a bot (Web API: to the deal owner's DM or a channel, exactly once, the
// reply in the thread read back as the answer), or, without a bot token, to an incoming webhook.
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';

/** The Slack vendor (the `slack` question route). */
export const slack = defineVendor({
  id: 'slack',
  label: 'Slack',
  description: 'bot token (answers come back) or incoming webhook',
  kinds: ['chat'],
  remote: true,
  settings: {
    apiUrl: setting(z.string(), 'https://slack.com', 'machine'),
    channel: setting(z.string(), ''),
  },
  credential: { kind: 'token', env: 'CUSTOMER_CONTEXT_SLACK_TOKEN', envUrl: 'CUSTOMER_CONTEXT_SLACK_URL', urlSetting: 'apiUrl' },
  tokenHelp: 'The Bot User OAuth Token (xoxb-…) of an app your workspace creates: api.slack.com/apps → your app → OAuth & Permissions.',
  webhook: {
    env: 'CUSTOMER_CONTEXT_SLACK_WEBHOOK_URL',
    name: 'Slack',
    expected: 'a Slack incoming webhook URL, https://hooks.slack.com/services/…',
    isHost: (h) => h === 'hooks.slack.com' || h === 'hooks.slack-gov.com',
    // A revoked webhook or a deleted channel: the fix is a new URL, which is what "needs auth" asks for.
    classify: (status, _body, word) =>
      (status === 403 && word === 'invalid_token') || (status === 404 && (word === 'no_service' || word === 'no_team')) ? 'auth' : undefined,
  },
});
