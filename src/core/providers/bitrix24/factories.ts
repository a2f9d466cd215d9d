// The HTTP half of Bitrix24 (remote bundle): one client per portal, shared by CRM and sender.
import type { VendorContext, VendorFactories, VendorSettingsOf } from '../vendor';
import { bitrix24Api, bitrix24HttpOptions } from './api';
import { bitrix24Crm } from './crm';
import type { bitrix24 } from './index';
import { bitrix24ProgressSender } from './progress';
import { bitrix24TodoSender } from './todos';

type Ctx = VendorContext<VendorSettingsOf<typeof bitrix24>>;
const api = (ctx: Ctx) => {
  const url = ctx.settings.portalUrl;
  return bitrix24Api(ctx.client(bitrix24HttpOptions(url)), url, ctx.token(url));
};

/** Bitrix24's CRM and its to-do sender. */
export const bitrix24Factories: VendorFactories<VendorSettingsOf<typeof bitrix24>> = {
  crm: (ctx) => bitrix24Crm(api(ctx), { ticketField: ctx.settings.ticketField }),
  sender: (ctx) => bitrix24TodoSender(api(ctx)),
  progress: (ctx) => bitrix24ProgressSender(api(ctx)),
};
