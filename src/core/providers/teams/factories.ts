// The sending half of Teams (remote bundle).
import type { VendorFactories } from '../vendor';
import { teamsSender } from './sender';

/** Teams's webhook sender; the URL is looked up on each send, so a new one applies at once. */
export const teamsFactories: VendorFactories = {
  sender: (ctx) => ({
    async send(q, signal) {
      const webhookUrl = (await ctx.webhook()) ?? '';
      return teamsSender({ webhookUrl, transport: ctx.transport }).send(q, signal);
    },
  }),
};
