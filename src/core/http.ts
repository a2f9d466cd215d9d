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
import type { Schema } from './validation';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One request as a provider describes it, relative to the client's base URL. */
export interface HttpRequest {
  method?: HttpMethod;
  /** Path below the base URL, e.g. `/rest/api/3/issue/ACME-42` (a same-origin absolute URL is accepted). */
  path: string;
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
  /** Human name used in messages: "Jira", "HubSpot". */
  provider: string;
  baseUrl: string;
  /** Headers carrying the credential, resolved lazily per request (e.g. from SecretStorage). */
  auth?: () => Promise<Record<string, string>>;
  /** Pulls the vendor's message out of an error body. */
  vendorMessage?: (status: number, data: unknown) => string | undefined;
  /** Reads a vendor reset header (e.g. x-ratelimit-reset) into epoch ms. */
  rateLimitReset?: (headers: Record<string, string>, now: number) => number | undefined;
  /** Classifies a 200/403 that is really a rate limit (GitHub 403 + x-ratelimit-remaining: 0, Linear RATELIMITED). */
  isRateLimited?: (res: HttpResponse) => boolean;
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

export declare function createHttpClient(transport: HttpTransport, options: HttpClientOptions): HttpClient;
