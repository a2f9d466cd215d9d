// The one HTTP layer every tracker and CRM client goes through. Core code never imports axios at run
// time: the transport is injected (src/vscode wires axios; tests wire axios to fake servers).
//
// Policy implemented here (see docs in CONTRIBUTING.md):
// - base URL must be https, or http on a loopback address; requests never leave that origin
//   (absolute URLs of another origin are refused before any credential is attached);
// - per request: connect/idle timeout plus a total deadline, response size limit, cancellation via AbortSignal;
// - reads (GET, or idempotent: true) are retried on network errors, 429, 5xx with exponential backoff and
//   full jitter, honouring Retry-After (seconds or HTTP-date) and the vendor's reset header, capped;
//   400/401/403/404/409/410/413/422 are never retried; writes are never retried here (the outbox decides);
// - concurrent identical GETs are coalesced into one request;
// - every error becomes a ProviderError with the status and the vendor's message.
import { ProviderError, type ProviderErrorKind } from './errors';
import { summarizeProblems, validationProblems, type Schema } from './validation';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One request as a provider describes it, relative to the client's base URL. */
export interface HttpRequest {
  method?: HttpMethod;
  /** Path below the base URL, e.g. `/rest/api/3/issue/ACME-42` (a same-origin absolute URL is accepted). */
  path: string;
  /** What the request is, for messages, when its path carries a secret (an inbound webhook's code). */
  label?: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** JSON body. */
  body?: unknown;
  signal?: AbortSignal;
  /** Retry this non-GET like a read (e.g. GraphQL queries, search POSTs). */
  idempotent?: boolean;
}

/** A response with lower-cased header names. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  data: unknown;
}

/** What the transport (axios) is asked to do: one attempt, no retries, no redirects. */
export interface TransportRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  signal: AbortSignal;
  /** Idle/connect timeout in ms. */
  timeoutMs: number;
  maxBytes: number;
}

/** Performs one attempt. Resolves for every HTTP status; rejects only for transport failures. */
export type HttpTransport = (req: TransportRequest) => Promise<HttpResponse>;

export interface HttpClientOptions {
  /** Human name used in messages: the vendor's label. */
  provider: string;
  baseUrl: string;
  /** Headers carrying the credential, resolved lazily per request (e.g. from SecretStorage). */
  auth?: () => Promise<Record<string, string>>;
  /** Pulls the vendor's message out of an error body. */
  vendorMessage?: (status: number, data: unknown) => string | undefined;
  /** Reads a vendor reset header (e.g. x-ratelimit-reset) into epoch ms. */
  rateLimitReset?: (headers: Record<string, string>, now: number) => number | undefined;
  /** Classifies a 200/403 that is really a rate limit (a 403 with x-ratelimit-remaining: 0, a GraphQL RATELIMITED). */
  isRateLimited?: (res: HttpResponse) => boolean;
  /**
   * Classifies any response (2xx included) before the status is looked at, for vendors whose errors
   * hide in the body (GraphQL `errors[]` with HTTP 200/400). Undefined = decide by status.
   */
  classify?: (res: HttpResponse) => ProviderErrorKind | undefined;
  /**
   * Words for an HTTP error, after "<provider>: ", instead of the generic "HTTP 400 — … advice" (chat
   * webhooks say "the webhook URL is no longer valid"). Undefined keeps the generic text.
   */
  describe?: (kind: ProviderErrorKind, status: number, vendorMessage: string | undefined) => string | undefined;
  /** A 2xx answer need not be JSON (webhooks answer `ok` or nothing). */
  anyBody?: boolean;
  /** Static headers for every request (e.g. a vendor's Accept and API version). */
  headers?: Record<string, string>;
  /** The setting that holds `baseUrl`, named in "not configured" messages. */
  baseUrlSetting?: string;
  timeoutMs?: number;
  deadlineMs?: number;
  maxBytes?: number;
  /** Attempts for reads, including the first. */
  maxAttempts?: number;
  /** Longest wait honoured inline for a read before giving up with rateLimited. */
  maxRetryDelayMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface HttpClient {
  readonly provider: string;
  readonly origin: string;
  /** Sends with the policy above; resolves only for 2xx, otherwise throws ProviderError. */
  request(req: HttpRequest): Promise<HttpResponse>;
  /** request() then validates the body; a mismatch is ProviderError('invalidResponse') naming the path. */
  json<T>(req: HttpRequest, schema: Schema<T>): Promise<T>;
}

/** The option bits a provider module supplies; the VS Code layer adds transport and timeouts. */
export type ProviderHttpOptions = Pick<
  HttpClientOptions,
  | 'provider'
  | 'baseUrl'
  | 'baseUrlSetting'
  | 'headers'
  | 'auth'
  | 'vendorMessage'
  | 'rateLimitReset'
  | 'isRateLimited'
  | 'classify'
  | 'describe'
  | 'anyBody'
>;

/** Where a token comes from: the value itself, or a lazy lookup (SecretStorage, environment). */
export type TokenSource = string | (() => Promise<string | undefined>);

/** The token's value, or ProviderError('auth') naming the provider when none is set. */
export async function readToken(provider: string, token: TokenSource): Promise<string> {
  const value = (typeof token === 'string' ? token : await token())?.trim();
  if (!value) throw new ProviderError('auth', `${provider}: no API token is set. Run "Set API Token…".`, { provider });
  return value;
}

/** A transport failure (no HTTP status); `code` is Node's or axios' code, e.g. ECONNREFUSED. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Code a transport uses when the body exceeded `maxBytes`. */
export const TOO_LARGE = 'ERR_TOO_LARGE';
/** Code a transport uses when the request was aborted through its signal. */
export const CANCELED = 'ERR_CANCELED';

const DEFAULTS = {
  timeoutMs: 10_000,
  deadlineMs: 30_000,
  maxBytes: 5 * 1024 * 1024,
  maxAttempts: 3,
  maxRetryDelayMs: 30_000,
};
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8_000;
const MAX_VENDOR_MESSAGE = 300;

const REASONS: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts plain http may reach. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Parses and checks a base URL: https, or http on loopback; no user name or password in it.
 * Throws ProviderError('notConfigured') naming the problem (and the setting, when given).
 */
export function checkBaseUrl(provider: string, baseUrl: string, setting?: string): URL {
  const where = setting ? ` Set ${setting}` : '';
  const fail = (problem: string, fix: string): never => {
    const message = `${provider}: ${problem}.${where ? `${where} ${fix}.` : ''}`;
    throw new ProviderError('notConfigured', message, { provider, where: setting });
  };
  const raw = baseUrl.trim();
  if (!raw) return fail('no URL is configured', 'to the service URL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`"${raw.slice(0, 100)}" is not a valid URL`, 'to a full https:// URL');
  }
  // Never echo userinfo back: it is a credential.
  if (url.username || url.password) {
    return fail('the URL must not contain a user name or password', 'without them');
  }
  const shown = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
      const problem = `${shown} uses plain http://, allowed only for 127.0.0.1, ::1 and localhost`;
      return fail(problem, 'to an https:// URL');
    }
  } else if (url.protocol !== 'https:') {
    return fail(`${shown} is not an https:// URL`, 'to an https:// URL');
  }
  url.search = '';
  url.hash = '';
  return url;
}

/** Reads Retry-After (delay-seconds or HTTP-date, RFC 9110 §10.2.3) into epoch ms. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return now + Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(at, now);
}

/** Default sleep: resolves after `ms`, rejects with the signal's reason when aborted. */
function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function seconds(ms: number): string {
  if (ms < 10_000) return `${Math.max(0.1, Math.ceil(ms / 100) / 10)} s`;
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.ceil(s / 60);
  return m < 120 ? `${m} min` : `${Math.ceil(m / 60)} h`;
}

function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_VENDOR_MESSAGE ? `${flat.slice(0, MAX_VENDOR_MESSAGE - 1)}…` : flat;
}

/** Secrets to scrub from messages: each auth header value, its token part, and a Basic password. */
function secretsOf(auth: Record<string, string>): string[] {
  const out = new Set<string>();
  for (const value of Object.values(auth)) {
    out.add(value);
    const token = value.replace(/^(Basic|Bearer|token)\s+/i, '');
    out.add(token);
    if (/^Basic\s/i.test(value)) {
      const decoded = Buffer.from(token, 'base64').toString('utf8');
      out.add(decoded);
      const colon = decoded.indexOf(':');
      if (colon >= 0) out.add(decoded.slice(colon + 1));
    }
  }
  // Short fragments would scrub ordinary words; real tokens are long.
  return [...out].filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('•••');
  return out;
}

interface Decoded {
  data: unknown;
  /** Why the body is not JSON, when it is not. */
  problem?: 'html' | 'malformed';
  parseError?: string;
  /** Raw text, for error bodies that are not JSON. */
  text?: string;
}

function decode(res: HttpResponse): Decoded {
  if (typeof res.data !== 'string') return { data: res.data };
  const text = res.data.replace(/^\uFEFF/, '');
  if (!text.trim()) return { data: undefined, text: '' };
  try {
    return { data: JSON.parse(text) as unknown, text };
  } catch (e) {
    const type = res.headers['content-type'] ?? '';
    const html = /html/i.test(type) || /^\s*</.test(text);
    const parseError = (e as Error).message;
    return { data: text, text, problem: html ? 'html' : 'malformed', parseError };
  }
}

/** `an HTML page ("502 Bad Gateway") instead of JSON`: the title usually says who answered. */
function htmlPage(text: string | undefined): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text ?? '')?.[1]?.trim();
  return `an HTML page${title ? ` ("${clip(title)}")` : ''} instead of JSON`;
}

function size(bytes: number): string {
  const mb = 1024 * 1024;
  return bytes >= mb ? `${Math.round(bytes / mb)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function kindForStatus(status: number): ProviderErrorKind | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status >= 300 && status < 400) return 'badRequest';
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 408) return 'offline';
  if (status === 429) return 'rateLimited';
  if (status >= 500) return 'server';
  return 'badRequest';
}

function transportProblem(code: string, timeoutMs: number): { text: string; retry: boolean } {
  switch (code) {
    case 'ECONNREFUSED':
      return { text: 'the connection was refused (wrong URL, or service down?)', retry: true };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { text: 'the host name could not be resolved (offline, or a typo?)', retry: true };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_BAD_RESPONSE':
      return { text: 'the connection was cut before the answer was complete', retry: true };
    case 'ETIMEDOUT':
    case 'ECONNABORTED':
      return { text: `no answer within ${seconds(timeoutMs)}`, retry: true };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return { text: 'the network is unreachable', retry: true };
    default:
      if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code)) {
        // Retrying cannot fix a certificate, and disabling verification must never be the advice.
        const text = `the TLS certificate was not accepted (${code}); check the URL and any proxy`;
        return { text, retry: false };
      }
      return { text: `the request failed (${code || 'network error'})`, retry: true };
  }
}

const ADVICE: Record<ProviderErrorKind, string> = {
  notConfigured: 'Check the settings.',
  auth: 'Set a new API token.',
  forbidden: 'The token works but may not see this; check its permissions.',
  notFound: 'It does not exist, or the token may not see it.',
  rateLimited: 'Rate limited.',
  offline: 'Check the network connection.',
  server: 'The service has a problem; try again later.',
  badRequest: 'The service refused the request.',
  invalidResponse: 'The service answered with something unexpected.',
  invalidData: '',
  cancelled: '',
};

interface Entry {
  promise: Promise<HttpResponse>;
  controller: AbortController;
  waiters: number;
}

/** Builds the client that applies the policy at the top of this file over one transport. */
export function createHttpClient(transport: HttpTransport, options: HttpClientOptions): HttpClient {
  const provider = options.provider;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const deadlineMs = options.deadlineMs ?? DEFAULTS.deadlineMs;
  const maxBytes = options.maxBytes ?? DEFAULTS.maxBytes;
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULTS.maxAttempts);
  const maxRetryDelayMs = options.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const inflight = new Map<string, Entry>();

  // A bad base URL does not throw here: the error reaches the user through the normal request path.
  let base: URL | undefined;
  let baseError: ProviderError | undefined;
  try {
    base = checkBaseUrl(provider, options.baseUrl, options.baseUrlSetting);
  } catch (e) {
    baseError = e as ProviderError;
  }

  let baseSearch = '';
  try {
    if (base) baseSearch = new URL(options.baseUrl.trim()).search;
  } catch {
    /* base is checked above */
  }

  const cancelled = () =>
    new ProviderError('cancelled', `${provider}: request cancelled.`, { provider });

  function buildUrl(b: URL, req: HttpRequest): URL {
    const path = req.path;
    let url: URL;
    if (path === '') {
      url = new URL(b.href);
      url.search = baseSearch; // the base itself, query included (a webhook's signature lives there)
    } else if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//')) {
      url = new URL(path, b);
    } else {
      const basePath = b.pathname.replace(/\/+$/, '');
      const rel = path === '' || path.startsWith('/') ? path : `/${path}`;
      url = new URL(b.origin + basePath + rel);
    }
    if (url.origin !== b.origin) {
      throw new ProviderError(
        'badRequest',
        `${provider}: refused to send a request to ${url.origin}; ` +
          `this client only talks to ${b.origin}.`,
        { provider },
      );
    }
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    return url;
  }

  async function resolveAuth(): Promise<Record<string, string>> {
    if (!options.auth) return {};
    try {
      return await options.auth();
    } catch (e) {
      if (e instanceof ProviderError) throw e;
      const message = `${provider}: the API token could not be read. Set a new API token.`;
      throw new ProviderError('auth', message, { provider });
    }
  }

  function backoff(attempt: number): number {
    return Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
  }

  function statusError(
    kind: ProviderErrorKind,
    res: HttpResponse,
    decoded: Decoded,
    secrets: string[],
    retryAt?: number,
  ): ProviderError {
    let vendor: string | undefined;
    try {
      vendor = options.vendorMessage?.(res.status, decoded.data);
    } catch {
      vendor = undefined;
    }
    if (!vendor && decoded.problem === 'html') {
      vendor = htmlPage(decoded.text);
    } else if (!vendor && typeof decoded.data === 'string' && decoded.data.trim()) {
      vendor = decoded.data;
    }
    vendor = vendor ? redact(clip(vendor), secrets) : undefined;
    const ok = res.status >= 200 && res.status < 300;
    const head = ok ? `${provider}:` : `${provider}: HTTP ${res.status} —`;
    let advice = ADVICE[kind];
    if (res.status >= 300 && res.status < 400) {
      const to = res.headers['location'];
      let where = '';
      try {
        if (to && base) where = ` to ${new URL(to, base).origin}`;
      } catch {
        /* an unparsable Location is simply not shown */
      }
      advice =
        `Redirect${where} refused: credentials are only sent to ${base?.origin}. ` +
        'Check the URL setting.';
      vendor = undefined;
    } else if (kind === 'rateLimited' && retryAt !== undefined) {
      advice = `Rate limited; try again in ${seconds(retryAt - now())}.`;
    }
    const detail = vendor ?? REASONS[res.status] ?? 'unexpected answer';
    let own: string | undefined;
    try {
      own = options.describe?.(kind, res.status, vendor);
    } catch {
      own = undefined;
    }
    return new ProviderError(kind, own ? `${provider}: ${own}` : `${head} ${sentence(detail)} ${advice}`.trim(), {
      provider,
      status: res.status,
      vendorMessage: vendor,
      retryAt,
    });
  }

  async function execute(
    method: HttpMethod,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    read: boolean,
    secrets: string[],
    outer: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    const deadline = new AbortController();
    const deadlineAt = now() + deadlineMs;
    const timer = setTimeout(() => deadline.abort(new Error('deadline')), deadlineMs);
    const signal = outer ? AbortSignal.any([outer, deadline.signal]) : deadline.signal;
    const attempts = read ? maxAttempts : 1;
    const timedOut = () =>
      new ProviderError(
        'offline',
        `${provider}: no complete answer within ${seconds(deadlineMs)}. ${ADVICE.offline}`,
        { provider },
      );
    // Waits before the next attempt, or reports why it will not.
    const waitOrGiveUp = async (delay: number, error: ProviderError): Promise<void> => {
      if (delay > maxRetryDelayMs || now() + delay > deadlineAt) throw error;
      try {
        await sleep(delay, signal);
      } catch {
        if (outer?.aborted) throw cancelled();
        if (deadline.signal.aborted) throw timedOut();
        throw error;
      }
    };
    try {
      for (let attempt = 1; ; attempt++) {
        if (outer?.aborted) throw cancelled();
        let res: HttpResponse;
        try {
          const attemptReq = { method, url: url.href, headers, body, signal, timeoutMs, maxBytes };
          res = await transport(attemptReq);
        } catch (e) {
          if (outer?.aborted) throw cancelled();
          if (deadline.signal.aborted) throw timedOut();
          // A transport that decides itself (the request budget) has said what happened and when to retry.
          if (e instanceof ProviderError) throw e;
          const code = (e as { code?: unknown }).code;
          const c = typeof code === 'string' ? code : '';
          if (c === TOO_LARGE) {
            throw new ProviderError(
              'invalidResponse',
              `${provider}: the answer is larger than ${size(maxBytes)} and was not read.`,
              { provider },
            );
          }
          if (c === CANCELED) throw cancelled();
          const p = transportProblem(c, timeoutMs);
          const message = `${provider}: ${p.text}. ${ADVICE.offline}`;
          const err = new ProviderError('offline', message, { provider });
          if (!p.retry || attempt >= attempts) throw err;
          await waitOrGiveUp(backoff(attempt), err);
          continue;
        }

        const decoded = decode(res);
        const headersLc = res.headers;
        const view: HttpResponse = { status: res.status, headers: headersLc, data: decoded.data };
        let kind: ProviderErrorKind | undefined;
        try {
          kind = options.classify?.(view);
          if (!kind && options.isRateLimited?.(view)) kind = 'rateLimited';
        } catch {
          kind = undefined;
        }
        kind ??= kindForStatus(res.status);

        if (!kind) {
          if (decoded.problem && !options.anyBody) {
            const what =
              decoded.problem === 'html'
                ? `${htmlPage(decoded.text)} — is the URL the API address, ` +
                  'or is a proxy or login page answering?'
                : `malformed JSON (${clip(decoded.parseError ?? 'parse error')})`;
            const message = `${provider}: HTTP ${res.status} with ${what}`;
            throw new ProviderError('invalidResponse', message, { provider, status: res.status });
          }
          return view;
        }

        const retryable = kind === 'rateLimited' || kind === 'server' || kind === 'offline';
        const hinted =
          parseRetryAfter(headersLc['retry-after'], now()) ??
          (kind === 'rateLimited' ? options.rateLimitReset?.(headersLc, now()) : undefined);
        if (kind === 'rateLimited') {
          const delay = hinted !== undefined ? Math.max(0, hinted - now()) : backoff(attempt);
          const error = statusError(kind, res, decoded, secrets, now() + delay);
          if (attempt >= attempts) throw error;
          await waitOrGiveUp(delay, error);
          continue;
        }
        // A 503 with Retry-After too far away still says when to come back.
        const error = statusError(kind, res, decoded, secrets, hinted);
        if (!retryable || attempt >= attempts) throw error;
        const delay = hinted !== undefined ? Math.max(0, hinted - now()) : backoff(attempt);
        await waitOrGiveUp(delay, error);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  function wait(entry: Entry, signal: AbortSignal | undefined): Promise<HttpResponse> {
    entry.waiters++;
    if (!signal) return entry.promise;
    return new Promise<HttpResponse>((resolve, reject) => {
      const onAbort = () => {
        entry.waiters--;
        // The last caller left: stop the shared request and let a new caller start afresh.
        if (entry.waiters === 0) {
          for (const [k, e] of inflight) if (e === entry) inflight.delete(k);
          entry.controller.abort();
        }
        reject(cancelled());
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      entry.promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  async function request(req: HttpRequest): Promise<HttpResponse> {
    if (baseError || !base) throw baseError;
    const method = req.method ?? 'GET';
    // The origin check comes before the credential is even looked up.
    const url = buildUrl(base, req);
    if (req.signal?.aborted) throw cancelled();
    const auth = await resolveAuth();
    const headers: Record<string, string> = { accept: 'application/json' };
    const add = (h: Record<string, string> | undefined) => {
      for (const [k, v] of Object.entries(h ?? {})) headers[k.toLowerCase()] = v;
    };
    add(options.headers);
    add(req.headers);
    add(auth);
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] ??= 'application/json';
    }
    const read = method === 'GET' || req.idempotent === true;
    const secrets = secretsOf(auth);
    if (!read) return execute(method, url, headers, body, false, secrets, req.signal);

    const key = JSON.stringify([method, url.href, Object.entries(headers).sort(), body ?? null]);
    let entry = inflight.get(key);
    if (!entry) {
      const controller = new AbortController();
      const promise = execute(method, url, headers, body, true, secrets, controller.signal);
      const created: Entry = { promise, controller, waiters: 0 };
      entry = created;
      inflight.set(key, created);
      const done = () => {
        if (inflight.get(key) === created) inflight.delete(key);
      };
      // The shared promise may reject with no one waiting: that must not be an unhandled rejection.
      promise.then(done, done);
    }
    return wait(entry, req.signal);
  }

  return {
    provider,
    origin: base?.origin ?? '',
    request,
    async json<T>(req: HttpRequest, schema: Schema<T>): Promise<T> {
      const res = await request(req);
      const parsed = schema.safeParse(res.data);
      if (parsed.success) return parsed.data;
      const problems = validationProblems(parsed.error, res.data);
      const from = req.label ?? (req.path.split('?')[0] || 'the API');
      throw new ProviderError(
        'invalidResponse',
        `${provider}: unexpected answer from ${from}: ${summarizeProblems(problems)}`,
        { provider, status: res.status, where: problems[0]?.path },
      );
    },
  };
}
