// Slack: questions posted to an incoming webhook (Block Kit).
import { defineVendor } from '../vendor';

/** The Slack vendor (the `slack` question route). */
export const slack = defineVendor({
  id: 'slack',
  label: 'Slack',
  kinds: ['chat'],
  remote: true,
  settings: {},
  credential: { kind: 'webhook', env: 'CUSTOMER_CONTEXT_SLACK_WEBHOOK_URL' },
  webhook: {
    name: 'Slack',
    expected: 'a Slack incoming webhook URL, https://hooks.slack.com/services/…',
    isHost: (h) => h === 'hooks.slack.com' || h === 'hooks.slack-gov.com',
    // A revoked webhook or a deleted channel: the fix is a new URL, which is what "needs auth" asks for.
    classify: (status, _body, word) =>
      (status === 403 && word === 'invalid_token') || (status === 404 && (word === 'no_service' || word === 'no_team')) ? 'auth' : undefined,
  },
});
