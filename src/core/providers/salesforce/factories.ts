// The HTTP half of Salesforce (remote bundle): one client per origin, shared by the CRM and the sender.
import type { VendorContext, VendorFactories, VendorSettingsOf } from '../vendor';
import { salesforceCrm, salesforceHttpOptions } from './crm';
import type { salesforce } from './index';
import { salesforceProgressSender } from './progress';
import { salesforceTaskSender } from './tasks';

type Ctx = VendorContext<VendorSettingsOf<typeof salesforce>>;
const client = (ctx: Ctx) => ctx.client(salesforceHttpOptions(ctx.settings.instanceUrl, ctx.token(ctx.settings.instanceUrl)));

/** Salesforce's CRM and task sender. */
export const salesforceFactories: VendorFactories<VendorSettingsOf<typeof salesforce>> = {
  crm: (ctx) => salesforceCrm(client(ctx), { ticketField: ctx.settings.ticketField }),
  sender: (ctx) => salesforceTaskSender(client(ctx)),
  progress: (ctx) => salesforceProgressSender(client(ctx)),
};
