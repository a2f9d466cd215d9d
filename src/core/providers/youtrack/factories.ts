// The HTTP half of YouTrack (remote bundle): one client per origin, shared by the tracker and
// the sender.
import type { VendorContext, VendorFactories, VendorSettingsOf } from '../vendor';
import { youtrackCommentSender } from './comments';
import type { youtrack } from './index';
import { youtrackHttpOptions, youtrackTracker } from './tracker';

type Ctx = VendorContext<VendorSettingsOf<typeof youtrack>>;
const client = (ctx: Ctx) =>
  ctx.client(youtrackHttpOptions(ctx.settings, ctx.token(ctx.settings.baseUrl)));

/** YouTrack's tracker and issue-comment sender. */
export const youtrackFactories: VendorFactories<VendorSettingsOf<typeof youtrack>> = {
  tracker: (ctx) => youtrackTracker(client(ctx), ctx.settings),
  sender: (ctx) => youtrackCommentSender(client(ctx), { baseUrl: ctx.settings.baseUrl }),
};
