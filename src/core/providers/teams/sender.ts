// Posts teamsPayload(q) to the Teams webhook; at-least-once (a webhook cannot be queried).
import type { RouteSender } from '../../questions/sender';
import { type WebhookSenderOptions, webhookSender } from '../../questions/webhook';
import { teams } from './index';
import { teamsPayload } from './payload';

/** The Teams webhook sender for one webhook URL. */
export function teamsSender(opts: WebhookSenderOptions): RouteSender {
  return webhookSender(teams.webhook!, teamsPayload, opts);
}
