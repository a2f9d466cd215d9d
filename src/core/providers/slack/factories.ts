// The sending half of Slack (remote bundle).
import type { VendorFactories } from '../vendor';
import { slackSender } from './sender';

/** Slack's webhook sender; the URL is looked up on each send, so a new one applies at once. */
export const slackFactories: VendorFactories = {
  sender: (ctx) => ({
    async send(q, signal) {
      const webhookUrl = (await ctx.webhook()) ?? '';
      return slackSender({ webhookUrl, transport: ctx.transport }).send(q, signal);
    },
  }),
};
