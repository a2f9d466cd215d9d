// Bitrix24 REST through an inbound webhook: `POST {portal}/rest/{user id}/{code}/{method}.json`
// with a JSON body. The webhook's code sits in the URL path, not in a header, so it is a secret
// the HTTP layer cannot see: every request carries a `label` (the method) so no message shows the
// path, the vendor's words are scrubbed of `/rest/<id>/<code>`, and every error leaving this
// module is scrubbed of the token once more, whatever produced it.
import * as z from 'zod/mini';
import { ProviderError, type ProviderErrorKind } from '../../errors';
import {
  checkBaseUrl,
  readToken,
  type HttpClient,
  type HttpResponse,
  type ProviderHttpOptions,
  type TokenSource,
} from '../../http';
import type { SalesOwner } from '../../model';
import { summarizeProblems, validationProblems, type Schema } from '../../validation';

/** The vendor's label in messages. */
export const Bitrix24 = 'Bitrix24';
/** The setting whose origin the webhook is bound to. */
export const PortalUrlSetting = 'customerContext.bitrix24.portalUrl';
/** Commands one `batch` call takes at most. */
export const BatchLimit = 50;
/** Rows a list method answers per page (fixed by Bitrix24). */
export const PageSize = 50;

/** An inbound webhook's credential: the user it acts as and its secret code. */
export interface WebhookToken {
  userId: string;
  code: string;
}

const TOKEN_RE = /^(\d{1,10})\/([A-Za-z0-9]{8,64})$/;
const WEBHOOK_PATH_RE = /\/rest\/(\d{1,10})\/([A-Za-z0-9]{8,64})(?:\/|$)/;
// Any webhook path in a text (a proxy page echoing the URL): scrubbed whatever the token.
const ANY_WEBHOOK_PATH_RE = /\/rest\/\d+\/[A-Za-z0-9]+/g;
const METHOD_RE = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$/i;
const HIDDEN = '•••';

/**
 * The webhook's `<user id>/<code>` from what was entered: that form (slashes around it and a
 * leading `rest/` tolerated), or the whole webhook URL when it is on the portal's own origin.
 * Undefined for anything else; the value itself is never echoed.
 */
export function parseWebhookToken(raw: string, portalOrigin?: string): WebhookToken | undefined {
  let s = raw.trim();
  if (s.length > 2048) return undefined;
  if (/^https?:\/\//i.test(s)) {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      return undefined;
    }
    // A webhook URL of another portal would send this portal's requests with a foreign code.
    if (!portalOrigin || url.origin !== portalOrigin) return undefined;
    const m = WEBHOOK_PATH_RE.exec(url.pathname);
    return m ? { userId: m[1], code: m[2] } : undefined;
  }
  s = s.replace(/^\/+/, '').replace(/^rest\//i, '').replace(/\/+$/, '');
  const m = TOKEN_RE.exec(s);
  return m ? { userId: m[1], code: m[2] } : undefined;
}

/** `text` without the webhook's code, its `<id>/<code>` pair, or any `/rest/<id>/<code>` path. */
export function scrubSecrets(text: string, token?: WebhookToken): string {
  let out = text.replace(ANY_WEBHOOK_PATH_RE, `/rest/${HIDDEN}`);
  if (token) {
    for (const secret of [`${token.userId}/${token.code}`, token.code]) {
      out = out.split(secret).join(HIDDEN);
      // The same secret percent-encoded (a URL in a message) is as telling.
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) out = out.split(encoded).join(HIDDEN);
    }
  }
  return out;
}

/** The error with its message and vendor text scrubbed of the token (the same error when clean). */
export function scrubError(e: unknown, token?: WebhookToken): unknown {
  if (e instanceof ProviderError) {
    const message = scrubSecrets(e.message, token);
    const vendorMessage =
      e.details.vendorMessage === undefined
        ? undefined
        : scrubSecrets(e.details.vendorMessage, token);
    if (message === e.message && vendorMessage === e.details.vendorMessage) return e;
    return new ProviderError(e.kind, message, { ...e.details, vendorMessage });
  }
  if (e instanceof Error) {
    const message = scrubSecrets(e.message, token);
    return message === e.message ? e : new Error(message);
  }
  return new Error(scrubSecrets(String(e), token));
}

// -------------------------------------------------------------------------------------------------
// Errors: `{ "error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests" }`. The
// code decides, not the status: Bitrix24 answers "not found" with 400 or 404 depending on the
// method, sometimes with an empty code and only `error_description: "Not found"`.

const KINDS: Readonly<Record<string, ProviderErrorKind>> = {
  QUERY_LIMIT_EXCEEDED: 'rateLimited',
  OPERATION_TIME_LIMIT: 'rateLimited',
  EXPIRED_TOKEN: 'auth',
  INVALID_TOKEN: 'auth',
  NO_AUTH_FOUND: 'auth',
  INVALID_CREDENTIALS: 'auth',
  ACCESS_DENIED: 'forbidden',
  'ACCESS DENIED': 'forbidden',
  INSUFFICIENT_SCOPE: 'forbidden',
  USER_ACCESS_ERROR: 'forbidden',
  ERROR_NOT_FOUND: 'notFound',
  NOT_FOUND: 'notFound',
  'NOT FOUND': 'notFound',
  OWNER_NOT_FOUND: 'notFound',
  INTERNAL_SERVER_ERROR: 'server',
  ERROR_UNEXPECTED_ANSWER: 'server',
  PORTAL_DELETED: 'server',
  // A manual block by Bitrix24's support: retrying cannot lift it.
  OVERLOAD_LIMIT: 'badRequest',
};

/**
 * How long to wait before retrying a limit answer. The leaky bucket (50 requests, draining 2 a
 * second) frees a slot within half a second; a method's time budget is counted in one-minute
 * buckets, so its next chance is a minute away at the earliest.
 */
const LIMIT_WAIT_MS: Readonly<Record<string, number>> = {
  QUERY_LIMIT_EXCEEDED: 1_000,
  OPERATION_TIME_LIMIT: 60_000,
};

const ErrorBody = z.looseObject({
  error: z.optional(z.nullable(z.union([z.string(), z.number()]))),
  error_description: z.optional(z.nullable(z.string())),
});

/** A Bitrix24 error body's code (`error`, else the description when it is empty), in capitals. */
export function errorCodeOf(data: unknown): string | undefined {
  const body = ErrorBody.safeParse(data);
  if (!body.success || body.data.error === undefined || body.data.error === null) return undefined;
  const code = String(body.data.error).trim() || body.data.error_description?.trim() || '';
  return code ? code.replace(/[.!]+$/, '').toUpperCase() : undefined;
}

/** The kind a Bitrix24 error code means, if the code says more than the HTTP status. */
export function kindOfCode(code: string | undefined): ProviderErrorKind | undefined {
  return code === undefined ? undefined : KINDS[code];
}

function htmlTitle(text: string): string | undefined {
  const title = /<title[^>]{0,200}>([^<]{0,300})<\/title>/i.exec(text)?.[1]?.trim();
  return title || undefined;
}

/**
 * The vendor's words: `Too many requests (QUERY_LIMIT_EXCEEDED)`. A body that is not Bitrix24's
 * (a proxy page that may echo the request path) is reduced to its title, scrubbed.
 */
export function bitrix24VendorMessage(_status: number, data: unknown): string | undefined {
  if (typeof data === 'string') {
    const text = data.trim();
    if (!text) return undefined;
    const html = /^</.test(text) || /<html/i.test(text.slice(0, 500));
    if (html) {
      const title = htmlTitle(text);
      return `an HTML page${title ? ` ("${scrubSecrets(title)}")` : ''} instead of JSON`;
    }
    return scrubSecrets(text.slice(0, 300));
  }
  const body = ErrorBody.safeParse(data);
  if (!body.success || body.data.error === undefined || body.data.error === null) return undefined;
  const code = String(body.data.error).trim();
  const description = body.data.error_description?.trim() ?? '';
  const words = description && code ? `${description} (${code})` : description || code;
  return words ? scrubSecrets(words) : undefined;
}

/** The Bitrix24 code in a ProviderError built from a Bitrix24 answer (`… (CODE)`), upper case. */
export function bitrix24Code(e: unknown): string | undefined {
  if (!(e instanceof ProviderError)) return undefined;
  const m = /\(([A-Za-z_]{3,60})\)$/.exec(e.details.vendorMessage ?? '');
  return m?.[1].toUpperCase();
}

/**
 * The HTTP options of a portal: its URL, Bitrix24's error codes and limits. No `auth` header: the
 * credential is in the path (see `bitrix24Api`).
 */
export function bitrix24HttpOptions(portalUrl: string): ProviderHttpOptions {
  // `classify` sees the body, `rateLimitReset` only the headers; the HTTP layer calls them one
  // after the other for the same answer with nothing in between, so the wait the code asks for is
  // handed over here.
  let limitWait: number | undefined;
  return {
    provider: Bitrix24,
    baseUrl: portalUrl,
    baseUrlSetting: PortalUrlSetting,
    vendorMessage: bitrix24VendorMessage,
    classify: (res: HttpResponse) => {
      const code = errorCodeOf(res.data);
      limitWait = code === undefined ? undefined : LIMIT_WAIT_MS[code];
      const kind = kindOfCode(code);
      if (kind) return kind;
      // An error body with a success status is still an error.
      if (code !== undefined && res.status < 300 && !hasResult(res.data)) return 'badRequest';
      return undefined;
    },
    rateLimitReset: (_headers, now) => (limitWait === undefined ? undefined : now + limitWait),
  };
}

function hasResult(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'result' in data;
}

// -------------------------------------------------------------------------------------------------
// Parameters: a direct call sends JSON; a `batch` command is `method?query` in PHP's bracket form
// (`filter[%40ID][0]=1`), every key segment and value percent-encoded on its own so `=`, `@` and
// `&` in them stay data.

/** `params` as the PHP-style query string a `batch` command carries. */
export function phpQuery(params: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  const walk = (prefix: string, v: unknown): void => {
    if (v === undefined) return;
    if (v === null) parts.push(`${prefix}=`);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(`${prefix}[${i}]`, x));
    else if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(`${prefix}[${encodeURIComponent(k)}]`, x);
    } else if (typeof v === 'boolean') parts.push(`${prefix}=${v ? 'Y' : 'N'}`);
    else parts.push(`${prefix}=${encodeURIComponent(String(v))}`);
  };
  for (const [k, v] of Object.entries(params)) walk(encodeURIComponent(k), v);
  return parts.join('&');
}

/** Whether a value would be read by `batch` as a reference to another command (`$result[…]`). */
function hasReference(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('$');
  if (Array.isArray(v)) return v.some(hasReference);
  if (v && typeof v === 'object') {
    return Object.entries(v).some(([k, x]) => k.includes('$') || hasReference(x));
  }
  return false;
}

// -------------------------------------------------------------------------------------------------
// Answers

/** A number Bitrix24 may send as a string (`"50"`). */
const Count = z.optional(
  z.nullable(
    z.pipe(
      z.union([z.number(), z.string()]),
      z.transform((v) => Number(v)),
    ),
  ),
);

/** One answer: `{ result, total?, next?, time }`. */
export interface Answer<T> {
  result: T;
  total?: number;
  next?: number;
}

function envelope<T>(schema: Schema<T>) {
  return z.looseObject({ result: schema, total: Count, next: Count });
}

const BatchError = z.union([ErrorBody, z.string()]);
/** PHP sends an empty map as `[]`, and a map with keys 0…n as an array. */
function phpMap<T>(value: Schema<T>) {
  return z.pipe(
    z.union([z.record(z.string(), value), z.array(value)]),
    z.transform((v): Record<string, T> => (Array.isArray(v) ? Object.fromEntries(v.entries()) : v)),
  );
}
const BatchAnswer = z.looseObject({
  result: z.looseObject({
    result: z.optional(z.nullable(phpMap(z.unknown()))),
    result_error: z.optional(z.nullable(phpMap(BatchError))),
    result_total: z.optional(z.nullable(phpMap(Count))),
    result_next: z.optional(z.nullable(phpMap(Count))),
  }),
});

/** One command of a `batch`: a method, its parameters, the schema of its `result`. */
export interface Command<T = unknown> {
  method: string;
  params?: Record<string, unknown>;
  schema: Schema<T>;
}

/** One command's outcome in a `batch`. */
export type Outcome<T> = ({ ok: true } & Answer<T>) | { ok: false; error: ProviderError };

/** The outcomes of a `batch`, by the keys its commands were given. */
export type Outcomes<C extends Record<string, Command>> = {
  [K in keyof C]: Outcome<C[K] extends Command<infer T> ? T : never>;
};

/** One call: a method, its JSON parameters, whether it changes anything. */
export interface Call {
  method: string;
  params?: Record<string, unknown>;
  /** A write is sent once (the outbox decides about retries); reads are retried and coalesced. */
  write?: boolean;
  signal?: AbortSignal;
}

/** What is cached per client (one per portal, webhook and settings): stage labels and users. */
export interface PortalCache {
  /** Stage id → label, by category id (`0` for the default pipeline). */
  stages: Map<string, Map<string, string>>;
  /** Owners by user id. */
  users: Map<string, SalesOwner>;
}

/** Bitrix24 REST over an inbound webhook, for the CRM and the question sender. */
export interface Bitrix24Api {
  /** The portal's address (origin plus any path) deal links are built on. */
  readonly portal: string;
  /** Lookups shared by every user of the same HTTP client. */
  readonly cache: PortalCache;
  /** The user the webhook acts as (its `<user id>`). */
  webhookUser(): Promise<string>;
  call<T>(c: Call, schema: Schema<T>): Promise<Answer<T>>;
  /**
   * Several reads in one round trip (50 commands a request); each command succeeds or fails on its
   * own. A command whose values could read as `$result[…]` references is sent on its own instead.
   */
  batch<C extends Record<string, Command>>(commands: C, signal?: AbortSignal): Promise<Outcomes<C>>;
}

const caches = new WeakMap<HttpClient, PortalCache>();

function cacheOf(http: HttpClient): PortalCache {
  let c = caches.get(http);
  if (!c) caches.set(http, (c = { stages: new Map(), users: new Map() }));
  return c;
}

function portalBase(portalUrl: string): string {
  try {
    const u = new URL(portalUrl.trim());
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '';
  }
}

/** The API over a client built with `bitrix24HttpOptions(portalUrl)` and the webhook token. */
export function bitrix24Api(http: HttpClient, portalUrl: string, token: TokenSource): Bitrix24Api {
  const portal = portalBase(portalUrl);
  let last: WebhookToken | undefined;

  async function webhook(): Promise<WebhookToken> {
    // A missing or wrong portal URL is said before a missing token: it is the first thing to fix.
    const base = checkBaseUrl(Bitrix24, portalUrl, PortalUrlSetting);
    // The portal URL receives the code in its path: a webhook URL pasted there would put a code
    // into every message that shows the setting.
    if (/\/rest(\/|$)/i.test(base.pathname)) {
      throw new ProviderError(
        'notConfigured',
        `${Bitrix24}: ${PortalUrlSetting} must be the portal's address ` +
          '(https://acme.bitrix24.ru), not the webhook URL; the webhook goes in ' +
          '"Set API Token…".',
        { provider: Bitrix24, where: PortalUrlSetting },
      );
    }
    const parsed = parseWebhookToken(await readToken(Bitrix24, token), http.origin);
    if (!parsed) {
      throw new ProviderError(
        'auth',
        `${Bitrix24}: the API token is not an inbound webhook's "<user id>/<code>" ` +
          '(like 1/a1b2c3d4e5f6g7h8). Run "Set API Token…" again.',
        { provider: Bitrix24 },
      );
    }
    last = parsed;
    return parsed;
  }

  async function guarded<T>(run: (t: WebhookToken) => Promise<T>): Promise<T> {
    let t: WebhookToken | undefined;
    try {
      t = await webhook();
      return await run(t);
    } catch (e) {
      throw scrubError(e, t ?? last);
    }
  }

  function path(t: WebhookToken, method: string): string {
    if (!METHOD_RE.test(method)) throw new Error(`not a Bitrix24 method name: ${method}`);
    return `/rest/${t.userId}/${t.code}/${method}.json`;
  }

  async function call<T>(c: Call, schema: Schema<T>): Promise<Answer<T>> {
    return guarded(async (t) => {
      const data = await http.json(
        {
          method: 'POST',
          path: path(t, c.method),
          label: c.method,
          body: c.params ?? {},
          idempotent: !c.write,
          signal: c.signal,
        },
        envelope(schema),
      );
      return answerOf(data);
    });
  }

  function answerOf<T>(data: {
    result: T;
    total?: number | null;
    next?: number | null;
  }): Answer<T> {
    const out: Answer<T> = { result: data.result };
    if (typeof data.total === 'number' && Number.isFinite(data.total)) out.total = data.total;
    if (typeof data.next === 'number' && Number.isFinite(data.next)) out.next = data.next;
    return out;
  }

  function subError(key: string, method: string, raw: z.infer<typeof BatchError>): ProviderError {
    const body = typeof raw === 'string' ? { error: raw } : raw;
    const code = errorCodeOf(body);
    const words = bitrix24VendorMessage(400, body) ?? 'unknown error';
    return new ProviderError(
      kindOfCode(code) ?? 'badRequest',
      `${Bitrix24}: ${method} failed: ${words}`,
      { provider: Bitrix24, vendorMessage: words, where: `batch.${key}` },
    );
  }

  async function batchOnce(
    t: WebhookToken,
    commands: ReadonlyArray<[string, Command]>,
    signal: AbortSignal | undefined,
    out: Record<string, Outcome<unknown>>,
  ): Promise<void> {
    const cmd: Record<string, string> = {};
    for (const [key, c] of commands) {
      if (!METHOD_RE.test(c.method)) throw new Error(`not a Bitrix24 method name: ${c.method}`);
      const query = phpQuery(c.params ?? {});
      cmd[key] = query ? `${c.method}?${query}` : c.method;
    }
    const label = `batch (${[...new Set(commands.map(([, c]) => c.method))].join(', ')})`;
    const body = { halt: 0, cmd };
    const data = await http.json(
      { method: 'POST', path: path(t, 'batch'), label, body, idempotent: true, signal },
      BatchAnswer,
    );
    const r = data.result;
    for (const [key, c] of commands) {
      const failed = r.result_error?.[key];
      if (failed !== undefined && failed !== null) {
        const error = scrubError(subError(key, c.method, failed), t) as ProviderError;
        out[key] = { ok: false, error };
        continue;
      }
      const parsed = c.schema.safeParse(r.result?.[key]);
      if (!parsed.success) {
        const problems = validationProblems(parsed.error, r.result?.[key]);
        const message =
          `${Bitrix24}: unexpected answer from ${c.method} (in a batch): ` +
          summarizeProblems(problems);
        const error = new ProviderError('invalidResponse', message, {
          provider: Bitrix24,
          where: `result.result.${key}${problems[0]?.path ? `.${problems[0].path}` : ''}`,
        });
        out[key] = { ok: false, error: scrubError(error, t) as ProviderError };
        continue;
      }
      const paging = { total: r.result_total?.[key], next: r.result_next?.[key] };
      out[key] = { ok: true, ...answerOf({ result: parsed.data, ...paging }) };
    }
  }

  async function batch<C extends Record<string, Command>>(
    commands: C,
    signal?: AbortSignal,
  ): Promise<Outcomes<C>> {
    const out: Record<string, Outcome<unknown>> = {};
    const entries = Object.entries(commands) as Array<[string, Command]>;
    const alone = entries.filter(([, c]) => hasReference(c.params));
    const batched = entries.filter(([, c]) => !hasReference(c.params));
    await guarded(async (t) => {
      for (let i = 0; i < batched.length; i += BatchLimit) {
        await batchOnce(t, batched.slice(i, i + BatchLimit), signal, out);
      }
    });
    for (const [key, c] of alone) {
      try {
        const answer = await call({ method: c.method, params: c.params, signal }, c.schema);
        out[key] = { ok: true, ...answer };
      } catch (e) {
        if (!(e instanceof ProviderError)) throw e;
        out[key] = { ok: false, error: e };
      }
    }
    return out as Outcomes<C>;
  }

  return {
    portal,
    cache: cacheOf(http),
    webhookUser: async () => guarded(async (t) => t.userId),
    call,
    batch,
  };
}
