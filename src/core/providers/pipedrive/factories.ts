// The HTTP half of Pipedrive (remote bundle): one client per origin, shared by the CRM and the sender.
import type { VendorContext, VendorFactories, VendorSettingsOf } from '../vendor';
import { pipedriveCrm, pipedriveHttpOptions } from './crm';
import type { pipedrive } from './index';
import { pipedriveActivitySender } from './activities';
import { pipedriveProgressSender } from './progress';

type Ctx = VendorContext<VendorSettingsOf<typeof pipedrive>>;
const client = (ctx: Ctx) => ctx.client(pipedriveHttpOptions(ctx.settings.apiUrl, ctx.token(ctx.settings.apiUrl)));

/** Pipedrive's CRM and task sender. */
export const pipedriveFactories: VendorFactories<VendorSettingsOf<typeof pipedrive>> = {
  crm: (ctx) => pipedriveCrm(client(ctx), { ticketField: ctx.settings.ticketField }),
  sender: (ctx) => pipedriveActivitySender(client(ctx)),
  progress: (ctx) => pipedriveProgressSender(client(ctx)),
};
