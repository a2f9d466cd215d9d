// The one list of vendors. Adding a vendor: a folder under src/core/providers/, a line here (and one in
// registryFactories.ts when it speaks HTTP), the package.json entries test/unit/registry.test.ts asks for,
// and a fake server. Settings enums and schemas, token specs, quick-picks, deal-URL hosts and route
// names all come from these lists.
import type * as z from 'zod/mini';
import { amocrm } from './amocrm/index';
import { bitrix24 } from './bitrix24/index';
import { csv } from './csv/index';
import { email } from './email/index';
import { github } from './github/index';
import { gitlab } from './gitlab/index';
import { hubspot } from './hubspot/index';
import { jira } from './jira/index';
import { linear } from './linear/index';
import { local } from './local/index';
import { pipedrive } from './pipedrive/index';
import { salesforce } from './salesforce/index';
import { slack } from './slack/index';
import { teams } from './teams/index';
import { youtrack } from './youtrack/index';
import { zoho } from './zoho/index';
import type { VendorDescriptor, VendorSetting } from './vendor';

/** Where tickets come from, in quick-pick order (the first is the default). */
export const Trackers = [local, jira, github, linear, gitlab, youtrack] as const;
/** Where deals come from, in quick-pick order (the first is the default). */
export const Crms = [local, csv, hubspot, salesforce, pipedrive, bitrix24, amocrm, zoho] as const;
/** Question routes of their own (beyond `crm` and `ticketComment`). */
export const Chats = [slack, teams, email] as const;

/** Every vendor once. */
export const Vendors: readonly VendorDescriptor[] = [...new Set([...Trackers, ...Crms, ...Chats] as VendorDescriptor[])];

export type TrackerId = (typeof Trackers)[number]['id'];
export type CrmId = (typeof Crms)[number]['id'];
export type ChatId = (typeof Chats)[number]['id'];
export type VendorId = TrackerId | CrmId | ChatId;

export const TrackerIds = Trackers.map((v) => v.id) as [TrackerId, ...TrackerId[]];
export const CrmIds = Crms.map((v) => v.id) as [CrmId, ...CrmId[]];
export const ChatIds = Chats.map((v) => v.id) as [ChatId, ...ChatId[]];

/** The descriptor of a vendor id. */
export function vendorById(id: string): VendorDescriptor | undefined {
  return Vendors.find((v) => v.id === id);
}

type AllVendors = (typeof Trackers)[number] | (typeof Crms)[number] | (typeof Chats)[number];
type Prefixed<V> = V extends VendorDescriptor<infer Id, infer S> ? { [K in keyof S & string as `${Id}.${K}`]: S[K] } : never;
type Intersect<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** Every vendor setting by its full key, e.g. `'jira.baseUrl': string`. */
export type VendorSettings = Intersect<Prefixed<AllVendors>>;
export type VendorSettingKey = keyof VendorSettings & string;

/** Every vendor setting with its full key (`jira.baseUrl`). */
export const VendorSettingSpecs: ReadonlyArray<{ key: VendorSettingKey; vendor: VendorDescriptor; name: string; spec: VendorSetting }> =
  Vendors.flatMap((v) =>
    Object.entries(v.settings as Record<string, VendorSetting>).map(([name, spec]) => ({ key: `${v.id}.${name}` as VendorSettingKey, vendor: v, name, spec })),
  );

/** The schema of each vendor setting, by full key. */
export const VendorSchemas = Object.fromEntries(VendorSettingSpecs.map((s) => [s.key, s.spec.schema])) as Record<VendorSettingKey, z.ZodMiniType>;

/** Vendors with a stored credential (an API token, a webhook URL or both), in quick-pick order. */
export const CredentialVendors: readonly VendorDescriptor[] = Vendors.filter((v) => v.credential || v.webhook);

/** Host names whose links are deal links of some CRM. */
export const DealUrlHosts: readonly string[] = Vendors.flatMap((v) => v.dealUrlHosts ?? []);
