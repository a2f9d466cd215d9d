// The HTTP half of HubSpot (remote bundle): one client per origin, shared by the CRM and the sender.
import type { VendorContext, VendorFactories, VendorSettingsOf } from '../vendor';
import { hubspotCrm, hubspotHttpOptions } from './crm';
import type { hubspot } from './index';
import { hubspotProgressSender } from './progress';
import { hubspotTaskSender } from './tasks';

type Ctx = VendorContext<VendorSettingsOf<typeof hubspot>>;
const client = (ctx: Ctx) => ctx.client(hubspotHttpOptions(ctx.settings.apiUrl, ctx.token(ctx.settings.apiUrl)));

/** HubSpot's CRM and task sender. */
export const hubspotFactories: VendorFactories<VendorSettingsOf<typeof hubspot>> = {
  crm: (ctx) =>
    hubspotCrm(client(ctx), { ticketProperty: ctx.settings.ticketProperty, memory: ctx.memory(ctx.settings.apiUrl) }),
  sender: (ctx) => hubspotTaskSender(client(ctx)),
  progress: (ctx) => hubspotProgressSender(client(ctx)),
};
