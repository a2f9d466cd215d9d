// Zoho credentials and access tokens. The stored credential is either an access token (it works
// for an hour) or a self-client's id, secret and refresh token, as
// `clientId:clientSecret:refreshToken` or the JSON object the environment variables make. A
// self-client's access token is kept in memory per client, refreshed at the accounts server shortly
// before it expires, and once more when the API rejects it; concurrent requests share one refresh.
// The refresh token and the client secret go to the accounts server's origin only (its own
// HttpClient is pinned to it), and never into a message.
import * as z from 'zod/mini';
import { ProviderError, isProviderError } from '../../errors';
import {
  checkBaseUrl,
  readToken,
  type HttpClient,
  type HttpRequest,
  type ProviderHttpOptions,
  type TokenSource,
} from '../../http';
import type { Schema } from '../../validation';
import { dataCentreOfAccounts, dataCentreOfApi } from './dataCentres';
import { DefaultAccountsUrl } from './index';

/** The vendor's name in messages. */
export const PROVIDER = 'Zoho CRM';
/** The variable naming the accounts server for environment credentials. */
export const AccountsEnv = 'CUSTOMER_CONTEXT_ZOHO_ACCOUNTS_URL';
const AccountsSetting = 'customerContext.zoho.accountsUrl';
const ApiSetting = 'customerContext.zoho.apiUrl';
const SetToken = 'run "Set API Token…"';

/** Refresh this long before the access token's end, so no request carries one that just expired. */
const ExpiryMarginMs = 2 * 60_000;
/** Zoho's access tokens live an hour; used when the answer does not say. */
const DefaultLifetimeS = 3600;
/**
 * A token that replaced a rejected one and is itself rejected within this time is not refreshed
 * again: the credential does not work here, and refreshing would only spend the accounts server's
 * quota (Zoho limits how many access tokens a refresh token may mint).
 */
const RejectedAgainWindowMs = 5 * 60_000;
/** After the accounts server refused a credential, it is not tried again for this long. */
const RefusalMemoryMs = 30_000;
/** API error codes that mean "this access token is not (or no longer) valid". */
const RejectionCodes = new Set(['INVALID_TOKEN', 'AUTHENTICATION_FAILURE']);

/** What the stored credential holds. */
export type ZohoCredential =
  | { kind: 'access'; accessToken: string }
  | { kind: 'selfClient'; clientId: string; clientSecret: string; refreshToken: string };

function credentialProblem(problem: string): ProviderError {
  return new ProviderError(
    'auth',
    `${PROVIDER}: the stored credential ${problem}. Expected clientId:clientSecret:refreshToken ` +
      `of a self-client, or an access token; ${SetToken}.`,
    { provider: PROVIDER },
  );
}

function part(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/**
 * Reads a stored credential: `{"clientId","clientSecret","refreshToken"}` (snake_case keys too),
 * `clientId:clientSecret:refreshToken`, or an access token. ProviderError('auth') says what is
 * wrong with it without repeating any of it.
 */
export function parseZohoCredential(raw: string): ZohoCredential {
  const text = raw.trim();
  if (text.startsWith('{')) {
    let o: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error('not an object');
      }
      o = parsed as Record<string, unknown>;
    } catch {
      throw credentialProblem('starts with "{" but is not a JSON object');
    }
    const clientId = part(o.clientId ?? o.client_id);
    const clientSecret = part(o.clientSecret ?? o.client_secret);
    const refreshToken = part(o.refreshToken ?? o.refresh_token);
    const missing = [
      clientId ? undefined : 'clientId',
      clientSecret ? undefined : 'clientSecret',
      refreshToken ? undefined : 'refreshToken',
    ].filter(Boolean);
    if (missing.length || !clientId || !clientSecret || !refreshToken) {
      throw credentialProblem(`is a JSON object without ${missing.join(', ')}`);
    }
    if (/\s/.test(clientId + clientSecret + refreshToken)) {
      throw credentialProblem('contains spaces');
    }
    return { kind: 'selfClient', clientId, clientSecret, refreshToken };
  }
  if (/\s/.test(text)) throw credentialProblem('contains spaces');
  if (text.includes(':')) {
    const parts = text.split(':');
    if (parts.length !== 3 || parts.some((p) => !p)) {
      const n = parts.filter(Boolean).length;
      throw credentialProblem(`has ${n} non-empty parts separated by ":", not 3`);
    }
    const [clientId, clientSecret, refreshToken] = parts;
    return { kind: 'selfClient', clientId, clientSecret, refreshToken };
  }
  return { kind: 'access', accessToken: text };
}

// -------------------------------------------------------------------------------------------------
// The accounts server

function originOrUndefined(url: string): string | undefined {
  try {
    return new URL(url.trim()).origin;
  } catch {
    return undefined;
  }
}

/** `url` checked as an accounts server: https (or loopback http), an origin and nothing more. */
function checkAccountsUrl(url: string, where: string): string {
  const checked = checkBaseUrl(PROVIDER, url, where);
  const raw = new URL(url.trim());
  if (raw.pathname.replace(/\/+$/, '') !== '' || raw.search || raw.hash) {
    throw new ProviderError(
      'notConfigured',
      `${PROVIDER}: the accounts server is an origin only, like https://accounts.zoho.eu. ` +
        `Set ${where} to ${checked.origin}.`,
      { provider: PROVIDER, where },
    );
  }
  return checked.origin;
}

/** Where the accounts server URL may come from. */
export interface AccountsSources {
  /** `customerContext.zoho.accountsUrl` (machine scope: user settings only). */
  setting?: string;
  /** CUSTOMER_CONTEXT_ZOHO_ACCOUNTS_URL. */
  env?: string;
  /** `customerContext.zoho.apiUrl`, whose data centre the accounts server must share. */
  apiUrl: string;
}

/**
 * The one origin a refresh token may go to. The setting, unless it is left at its default and the
 * environment names one (a dev container's variables describe its own credential); a setting and a
 * variable that name different servers are refused rather than one chosen. Either way it must be
 * https (plain http on loopback only), the same data centre as the API URL, and not the API URL's
 * own origin. ProviderError('notConfigured') names the setting or variable to fix.
 */
export function resolveAccountsUrl(src: AccountsSources): string {
  const setting = src.setting?.trim() || DefaultAccountsUrl;
  const env = src.env?.trim() || undefined;
  const fromSetting = checkAccountsUrl(setting, AccountsSetting);
  let origin = fromSetting;
  let where = AccountsSetting;
  if (env) {
    const fromEnv = checkAccountsUrl(env, AccountsEnv);
    if (fromSetting === originOrUndefined(DefaultAccountsUrl)) {
      origin = fromEnv;
      where = AccountsEnv;
    } else if (fromEnv !== fromSetting) {
      throw new ProviderError(
        'notConfigured',
        `${PROVIDER}: ${AccountsEnv} (${fromEnv}) and ${AccountsSetting} (${fromSetting}) name ` +
          'different accounts servers, and the refresh token goes to one only. Remove one of ' +
          'them or make them equal.',
        { provider: PROVIDER, where: AccountsSetting },
      );
    }
  }
  const accountsDc = dataCentreOfAccounts(origin);
  const apiDc = dataCentreOfApi(src.apiUrl);
  if (accountsDc && apiDc && accountsDc !== apiDc) {
    throw new ProviderError(
      'notConfigured',
      `${PROVIDER}: the accounts server ${origin} (${where}) belongs to the ${accountsDc.name} ` +
        `data centre, but ${ApiSetting} (${originOrUndefined(src.apiUrl)}) to the ${apiDc.name} ` +
        `one, whose accounts server is https://${apiDc.accounts}. Set ${where} to it.`,
      { provider: PROVIDER, where },
    );
  }
  if (origin === originOrUndefined(src.apiUrl)) {
    throw new ProviderError(
      'notConfigured',
      `${PROVIDER}: ${where} is the API URL itself; set it to the accounts server, e.g. ` +
        `${DefaultAccountsUrl}.`,
      { provider: PROVIDER, where },
    );
  }
  return origin;
}

const TokenError = z.looseObject({
  error: z.string(),
  error_description: z.optional(z.nullable(z.string())),
});

function isTooManyRequests(e: z.infer<typeof TokenError>): boolean {
  return /too many|rate/i.test(`${e.error} ${e.error_description ?? ''}`);
}

/**
 * The accounts server's client options: no credential header (the refresh request carries its
 * own), and its errors, which come as `{ "error": "invalid_code" }` with HTTP 200 or 400.
 */
export function accountsHttpOptions(accountsUrl: string): ProviderHttpOptions {
  return {
    provider: PROVIDER,
    baseUrl: accountsUrl,
    baseUrlSetting: AccountsSetting,
    classify: (res) => {
      const e = TokenError.safeParse(res.data);
      if (!e.success) return undefined;
      return isTooManyRequests(e.data) ? 'rateLimited' : 'auth';
    },
    vendorMessage: (_status, data) => {
      const e = TokenError.safeParse(data);
      if (!e.success) return undefined;
      const { error, error_description: description } = e.data;
      return description ? `${error}: ${description}` : error;
    },
  };
}

const TokenResponse = z.looseObject({
  access_token: z.string().check(z.regex(/^\S+$/, 'expected a token without spaces')),
  expires_in: z.optional(z.nullable(z.union([z.number(), z.string()]))),
  api_domain: z.optional(z.nullable(z.string())),
  token_type: z.optional(z.nullable(z.string())),
});

// -------------------------------------------------------------------------------------------------
// The session: one per API client

interface Access {
  /** The stored credential it was obtained with (a change of credential starts afresh). */
  credential: string;
  token: string;
  issuedAt: number;
  expiresAt: number;
  /** The API domain the accounts server issued it for. */
  apiDomain?: string;
  generation: number;
  /** Obtained because the API rejected the token before it. */
  afterRejection: boolean;
}

/** What a session needs. */
export interface ZohoSessionOptions {
  /** The stored credential for the API URL's origin, read on each request. */
  token: TokenSource;
  apiUrl: string;
  /**
   * The accounts server's client and origin, asked for on the first refresh only (a session on an
   * access token never needs one); throws ProviderError('notConfigured') when it cannot be had.
   */
  accounts: () => { client: HttpClient; origin: string };
  now?: () => number;
}

/** The access tokens of one API client: cached, refreshed once for concurrent requests. */
export class ZohoSession {
  private current?: Access;
  private refreshing?: { credential: string; promise: Promise<Access> };
  private refused?: { credential: string; error: ProviderError; until: number };
  private nextGeneration = 1;
  /** The stored credential's secrets, as last read. */
  private credentialSecrets: string[] = [];
  /** The latest access tokens minted here (a few, so a long session does not collect them all). */
  private minted: string[] = [];
  private readonly now: () => number;

  constructor(private readonly options: ZohoSessionOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Which access token requests carry now; a rejection of an older one needs no refresh. */
  get generation(): number {
    return this.current?.generation ?? 0;
  }

  /** The headers of the next API request (the HttpClient's `auth`). */
  async authorization(): Promise<Record<string, string>> {
    const access = await this.access();
    return { authorization: `Zoho-oauthtoken ${access.token}` };
  }

  private async credential(): Promise<{ raw: string; parsed: ZohoCredential }> {
    const raw = await readToken(PROVIDER, this.options.token);
    const parsed = parseZohoCredential(raw);
    if (parsed.kind === 'selfClient') {
      this.credentialSecrets = [parsed.clientSecret, parsed.refreshToken];
    } else this.credentialSecrets = [parsed.accessToken];
    return { raw, parsed };
  }

  private async access(): Promise<Access> {
    const { raw, parsed } = await this.credential();
    if (parsed.kind === 'access') {
      if (this.current?.credential !== raw) {
        this.current = {
          credential: raw,
          token: parsed.accessToken,
          issuedAt: this.now(),
          expiresAt: Infinity,
          generation: this.nextGeneration++,
          afterRejection: false,
        };
      }
      return this.current;
    }
    const c = this.current;
    if (c && c.credential === raw && this.now() < c.expiresAt - ExpiryMarginMs) return c;
    return this.refresh(raw, parsed, false);
  }

  /** One refresh per credential at a time: every caller meanwhile waits for the same answer. */
  private refresh(
    raw: string,
    cred: Extract<ZohoCredential, { kind: 'selfClient' }>,
    afterRejection: boolean,
  ): Promise<Access> {
    if (this.refreshing?.credential === raw) return this.refreshing.promise;
    const refused = this.refused;
    if (refused && refused.credential === raw && this.now() < refused.until) {
      return Promise.reject(refused.error);
    }
    const promise = this.doRefresh(raw, cred, afterRejection);
    this.refreshing = { credential: raw, promise };
    const done = () => {
      if (this.refreshing?.promise === promise) this.refreshing = undefined;
    };
    promise.then(done, done);
    return promise;
  }

  private async doRefresh(
    raw: string,
    cred: Extract<ZohoCredential, { kind: 'selfClient' }>,
    afterRejection: boolean,
  ): Promise<Access> {
    const { client, origin } = this.options.accounts();
    const request: HttpRequest = {
      method: 'POST',
      path: '/oauth/v2/token',
      // The path is all a message may show: the query carries the secrets.
      label: `${origin}/oauth/v2/token`,
      query: {
        grant_type: 'refresh_token',
        client_id: cred.clientId,
        client_secret: cred.clientSecret,
        refresh_token: cred.refreshToken,
      },
    };
    let answer: z.infer<typeof TokenResponse>;
    try {
      answer = await client.json(request, TokenResponse);
    } catch (e) {
      const error = this.refreshFailure(e, origin);
      if (error.kind === 'auth' || error.kind === 'rateLimited') {
        this.refused = { credential: raw, error, until: this.now() + RefusalMemoryMs };
      }
      throw error;
    }
    this.minted = [answer.access_token, ...this.minted].slice(0, 3);
    const apiDomain = answer.api_domain?.trim() || undefined;
    const issuedFor = dataCentreOfApi(apiDomain);
    const ours = dataCentreOfApi(this.options.apiUrl);
    if (issuedFor && ours && issuedFor !== ours) {
      throw new ProviderError(
        'notConfigured',
        `${PROVIDER}: the accounts server ${origin} issued the access token for ${apiDomain} ` +
          `(the ${issuedFor.name} data centre), but ${ApiSetting} is ` +
          `${originOrUndefined(this.options.apiUrl)} (${ours.name}). ` +
          `Set ${ApiSetting} to ${apiDomain}.`,
        { provider: PROVIDER, where: ApiSetting },
      );
    }
    const lifetime = Number(answer.expires_in);
    const seconds = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : DefaultLifetimeS;
    const now = this.now();
    const access: Access = {
      credential: raw,
      token: answer.access_token,
      issuedAt: now,
      expiresAt: now + seconds * 1000,
      apiDomain,
      generation: this.nextGeneration++,
      afterRejection,
    };
    this.current = access;
    this.refused = undefined;
    return access;
  }

  /** A refresh failure in words that say what to do, free of secrets. */
  private refreshFailure(e: unknown, origin: string): ProviderError {
    if (!isProviderError(e)) {
      return new ProviderError(
        'auth',
        `${PROVIDER}: the access token could not be refreshed at ${origin}; ${SetToken}.`,
        { provider: PROVIDER },
      );
    }
    const code = e.details.vendorMessage?.split(':')[0]?.trim();
    if (e.kind === 'auth') {
      const what =
        code === 'invalid_code'
          ? 'refused the refresh token (invalid_code): it was revoked or has expired, or it was ' +
            `issued by another data centre's accounts server (${AccountsSetting}). Generate a ` +
            'new one (Self Client in the Zoho API Console) and'
          : code === 'invalid_client' || code === 'invalid_client_secret'
            ? `refused the client id or secret (${code}): the self-client was deleted, or it ` +
              `belongs to another data centre (${AccountsSetting}). Copy both again from the ` +
              'Zoho API Console (Self Client → Client Secret) and'
            : `refused to refresh the access token${code ? ` (${this.scrubText(code)})` : ''};`;
      const message = `${PROVIDER}: the accounts server ${origin} ${what} ${SetToken}.`;
      return new ProviderError('auth', message, { provider: PROVIDER });
    }
    if (e.kind === 'rateLimited') {
      return new ProviderError(
        'rateLimited',
        `${PROVIDER}: the accounts server ${origin} refuses more token refreshes for now ` +
          '(too many requests); try again in a few minutes.',
        { provider: PROVIDER, retryAt: this.now() + 5 * 60_000 },
      );
    }
    // Offline, a server error, an unexpected answer: the credential may be fine; keep the kind.
    const scrubbed = this.scrub(e) as ProviderError;
    return new ProviderError(
      scrubbed.kind,
      `${scrubbed.message} (while refreshing the access token at ${origin})`,
      scrubbed.details,
    );
  }

  /** Whether `e` is the API rejecting an access token (HTTP 401 with a token error code). */
  isRejection(e: unknown): e is ProviderError {
    if (!isProviderError(e, 'auth') || e.details.status !== 401) return false;
    const code = zohoCode(e.details.vendorMessage);
    return code === undefined || RejectionCodes.has(code);
  }

  /**
   * After the API rejected the token of `generation`: true when the request may be sent again
   * (another request already refreshed it, or this call did); false when refreshing cannot help
   * (an access token without a refresh token, or a fresh token rejected again). Throws the
   * refresh's failure.
   */
  async recover(generation: number): Promise<boolean> {
    const { raw, parsed } = await this.credential();
    if (parsed.kind === 'access') return false;
    const c = this.current;
    if (this.refreshing?.credential === raw) {
      await this.refreshing.promise;
      return true;
    }
    if (c && c.credential === raw && c.generation !== generation) return true;
    if (c?.afterRejection && this.now() - c.issuedAt < RejectedAgainWindowMs) return false;
    await this.refresh(raw, parsed, true);
    return true;
  }

  /** A rejection that refreshing did not cure, with what to do about it. */
  async explain(e: ProviderError): Promise<ProviderError> {
    const vendor = e.details.vendorMessage ? ` (${this.scrubText(e.details.vendorMessage)})` : '';
    let parsed: ZohoCredential | undefined;
    try {
      parsed = (await this.credential()).parsed;
    } catch {
      parsed = undefined;
    }
    const apiOrigin = originOrUndefined(this.options.apiUrl);
    let advice: string;
    if (parsed?.kind === 'access') {
      advice =
        'Zoho access tokens expire after an hour: store the self-client as ' +
        `clientId:clientSecret:refreshToken instead, so it is refreshed; ${SetToken}.`;
    } else {
      const domain = this.current?.apiDomain;
      advice =
        domain && originOrUndefined(domain) !== apiOrigin
          ? `The accounts server issued it for ${domain}: set ${ApiSetting} to that API domain.`
          : `Check that ${ApiSetting} and ${AccountsSetting} name the same data centre, ` +
            `or ${SetToken}.`;
    }
    const vendorMessage = e.details.vendorMessage && this.scrubText(e.details.vendorMessage);
    return new ProviderError(
      'auth',
      `${PROVIDER}: ${apiOrigin} refused the access token${vendor}. ${advice}`,
      { ...e.details, vendorMessage },
    );
  }

  private scrubText(text: string): string {
    let out = text;
    const secrets = [...this.credentialSecrets, ...this.minted];
    for (const s of secrets.sort((a, b) => b.length - a.length)) {
      if (s.length >= 6) out = out.split(s).join('•••');
    }
    return out;
  }

  /** `e` without the credential's secrets or the latest access tokens in its message. */
  scrub(e: unknown): unknown {
    if (!isProviderError(e)) return e;
    const message = this.scrubText(e.message);
    const vendor = e.details.vendorMessage && this.scrubText(e.details.vendorMessage);
    if (message === e.message && vendor === e.details.vendorMessage) return e;
    return new ProviderError(e.kind, message, { ...e.details, vendorMessage: vendor });
  }
}

/** The Zoho error code at the end of a vendor message as `zohoVendorMessage` formats it. */
export function zohoCode(vendorMessage: string | undefined): string | undefined {
  return /\(([A-Z][A-Z0-9_]+)(?:[,)])/.exec(vendorMessage ?? '')?.[1];
}

/**
 * The API client as providers use it: a request the API rejects for its token is sent once more
 * after a refresh (shared with every request that was rejected meanwhile), never twice; errors
 * pass through the session's scrubbing.
 */
export function zohoAuthedClient(api: HttpClient, session: ZohoSession): HttpClient {
  async function run<T>(call: () => Promise<T>): Promise<T> {
    const generation = session.generation;
    try {
      return await call();
    } catch (e) {
      if (!session.isRejection(e)) throw session.scrub(e);
      let again: boolean;
      try {
        again = await session.recover(generation);
      } catch (refreshError) {
        throw session.scrub(refreshError);
      }
      if (!again) throw await session.explain(e);
    }
    try {
      return await call();
    } catch (e) {
      throw session.isRejection(e) ? await session.explain(e) : session.scrub(e);
    }
  }
  return {
    provider: api.provider,
    origin: api.origin,
    request: (req) => run(() => api.request(req)),
    json: <T>(req: HttpRequest, schema: Schema<T>) => run(() => api.json(req, schema)),
  };
}
