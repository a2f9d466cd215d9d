// Microsoft Teams: questions posted to a Workflows (Power Automate) webhook as an Adaptive Card.
import { defineVendor } from '../vendor';

const Hosts = ['.logic.azure.com', '.powerplatform.com', '.powerautomate.com', '.webhook.office.com'];

/** The Teams vendor (the `teams` question route). */
export const teams = defineVendor({
  id: 'teams',
  label: 'Teams',
  kinds: ['chat'],
  remote: true,
  settings: {},
  webhook: {
    env: 'CUSTOMER_CONTEXT_TEAMS_WEBHOOK_URL',
    name: 'Microsoft Teams',
    expected: 'a Teams Workflows (Power Automate) webhook URL on *.logic.azure.com, *.powerplatform.com or *.powerautomate.com',
    isHost: (h) => Hosts.some((s) => h.endsWith(s)),
    // The retired connector answered 200 with throttling in the body; Workflows answer 403/404 for a
    // deleted or disabled flow, fixed only by a new URL.
    classify: (status, body) =>
      status >= 200 && status < 300 && /HTTP error 429/i.test(body) ? 'rateLimited' : status === 403 || status === 404 ? 'auth' : undefined,
  },
});
