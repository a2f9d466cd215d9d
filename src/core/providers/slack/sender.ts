// Posts slackPayload(q) to the Slack webhook; at-least-once (a webhook cannot be queried).
import type { RouteSender } from '../../questions/sender';
import { type WebhookSenderOptions, webhookSender } from '../../questions/webhook';
import { slack } from './index';
import { slackPayload } from './payload';

/** The Slack webhook sender for one webhook URL. */
export function slackSender(opts: WebhookSenderOptions): RouteSender {
  return webhookSender(slack.webhook!, slackPayload, opts);
}
