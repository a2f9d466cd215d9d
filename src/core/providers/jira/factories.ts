// The HTTP half of Jira (remote bundle): one client per origin, shared by the tracker and the sender.
import type { VendorContext, VendorFactories, VendorSettingsOf } from '../vendor';
import { jiraCommentSender } from './comments';
import type { jira } from './index';
import { type JiraSettings, jiraHttpOptions, jiraTracker } from './tracker';

type Ctx = VendorContext<VendorSettingsOf<typeof jira>>;
const client = (ctx: Ctx) => ctx.client(jiraHttpOptions(ctx.settings as JiraSettings, ctx.token(ctx.settings.baseUrl)));

/** Jira's tracker and comment sender. */
export const jiraFactories: VendorFactories<VendorSettingsOf<typeof jira>> = {
  tracker: (ctx) => jiraTracker(client(ctx), ctx.settings),
  sender: (ctx) => jiraCommentSender(client(ctx), { deployment: ctx.settings.deployment, mention: true }),
};
