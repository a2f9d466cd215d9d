// The HTTP half of Linear (remote bundle).
import type { VendorContext, VendorFactories, VendorSettingsOf } from '../vendor';
import { linearCommentSender } from './comments';
import type { linear } from './index';
import { linearHttpOptions, linearTracker } from './tracker';

type Ctx = VendorContext<VendorSettingsOf<typeof linear>>;
const client = (ctx: Ctx) => ctx.client(linearHttpOptions({ apiUrl: ctx.settings.apiUrl }, ctx.token(ctx.settings.apiUrl)));

/** Linear's tracker and comment sender. */
export const linearFactories: VendorFactories<VendorSettingsOf<typeof linear>> = {
  tracker: (ctx) => linearTracker(client(ctx), { worklistQuery: ctx.settings.worklistQuery }),
  sender: (ctx) => linearCommentSender(client(ctx)),
};
