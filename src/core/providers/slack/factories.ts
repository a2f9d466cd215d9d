// The sending half of Slack (remote bundle): the bot when a bot token is set, else the webhook.
import { readToken } from '../../http';
import type { VendorFactories, VendorSettingsOf } from '../vendor';
import { slackApiHttpOptions, slackBotSender } from './bot';
import type { slack } from './index';
import { slackRouteSender } from './route';
import { slackSender } from './sender';

/** Slack's question sender; which route it takes is decided at each call, so a new token applies at once. */
export const slackFactories: VendorFactories<VendorSettingsOf<typeof slack>> = {
  sender: (ctx) => {
    const token = ctx.token(ctx.settings.apiUrl);
    return slackRouteSender({
      bot: slackBotSender(ctx.client(slackApiHttpOptions(ctx.settings.apiUrl, token)), { channel: ctx.settings.channel }),
      hasBotToken: () => readToken('Slack', token).then(() => true, () => false),
      webhook: async () => slackSender({ webhookUrl: (await ctx.webhook()) ?? '', transport: ctx.transport }),
    });
  },
};
