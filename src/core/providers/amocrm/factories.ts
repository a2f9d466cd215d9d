// The HTTP half of amoCRM / Kommo (remote bundle): one client per account, shared by the CRM and
// the sender, so both stay inside the account's one request budget.
import type { VendorContext, VendorFactories, VendorSettingsOf } from '../vendor';
import { amocrmCrm, amocrmHttpOptions } from './crm';
import type { amocrm } from './index';
import { amocrmProgressSender } from './progress';
import { amocrmTaskSender } from './tasks';

type Ctx = VendorContext<VendorSettingsOf<typeof amocrm>>;
const client = (ctx: Ctx) =>
  ctx.client(amocrmHttpOptions(ctx.settings.baseUrl, ctx.token(ctx.settings.baseUrl)));

/** amoCRM / Kommo's CRM and task sender. */
export const amocrmFactories: VendorFactories<VendorSettingsOf<typeof amocrm>> = {
  crm: (ctx) => amocrmCrm(client(ctx), { ticketField: ctx.settings.ticketField }),
  sender: (ctx) => amocrmTaskSender(client(ctx)),
  progress: (ctx) => amocrmProgressSender(client(ctx)),
};
