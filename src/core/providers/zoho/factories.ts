// The HTTP half of Zoho CRM (remote bundle): one API client per origin and settings, shared by the
// CRM and the note sender, and with it one token session (the access token lives in memory with the
// client, so it is refreshed once for both). The accounts server gets a client of its own, pinned
// to its origin: the only one that ever carries the refresh token.
import type { HttpClient } from '../../http';
import type { VendorContext, VendorFactories, VendorSettingsOf } from '../vendor';
import {
  AccountsEnv,
  ZohoSession,
  accountsHttpOptions,
  resolveAccountsUrl,
  zohoAuthedClient,
} from './auth';
import { zohoCrm, zohoHttpOptions } from './crm';
import type { zoho } from './index';
import { zohoNoteSender } from './notes';
import { zohoProgressSender } from './progress';

type Settings = VendorSettingsOf<typeof zoho>;
type Ctx = VendorContext<Settings>;

/** The session of each shared API client: whoever built the client first built its session. */
const sessions = new WeakMap<HttpClient, ZohoSession>();

/** Environment lookups, replaceable in tests. */
export interface ZohoEnvironment {
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => number;
}

/** The API client for these settings, wrapped so a rejected token is refreshed once and retried. */
export function zohoClient(ctx: Ctx, environment: ZohoEnvironment = {}): HttpClient {
  const apiUrl = ctx.settings.apiUrl;
  const env = environment.env ?? { [AccountsEnv]: ctx.env(AccountsEnv) };
  const session = new ZohoSession({
    token: ctx.token(apiUrl),
    apiUrl,
    now: environment.now,
    accounts: () => {
      const origin = resolveAccountsUrl({
        setting: ctx.settings.accountsUrl,
        env: env[AccountsEnv],
        apiUrl,
      });
      return { client: ctx.client(accountsHttpOptions(origin)), origin };
    },
  });
  const api = ctx.client(zohoHttpOptions(apiUrl, () => session.authorization()));
  let shared = sessions.get(api);
  if (!shared) sessions.set(api, (shared = session));
  return zohoAuthedClient(api, shared);
}

/** Zoho CRM's deals and note sender. */
export const zohoFactories: VendorFactories<Settings> = {
  crm: (ctx) =>
    zohoCrm(zohoClient(ctx), {
      ticketField: ctx.settings.ticketField,
      apiUrl: ctx.settings.apiUrl,
    }),
  sender: (ctx) => zohoNoteSender(zohoClient(ctx)),
  progress: (ctx) => zohoProgressSender(zohoClient(ctx)),
};
