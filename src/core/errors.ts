// One error type for every provider, classified so the UI can say what happened and what to do.

/** What went wrong, in terms a person can act on. */
export type ProviderErrorKind =
  | 'notConfigured' // a setting is missing or invalid (message names the setting)
  | 'auth' // 401: token missing, wrong or expired → "Set API Token…"
  | 'forbidden' // 403: the token works but may not see this resource
  | 'notFound' // 404: ticket / deal does not exist (or is invisible)
  | 'rateLimited' // 429 or vendor equivalent; retryAt says when
  | 'offline' // DNS failure, connection refused / reset, timeout
  | 'server' // 5xx after retries
  | 'badRequest' // 400 / 409 / 410 / 413 / 422: the vendor refused the request
  | 'invalidResponse' // not JSON, wrong shape, too big
  | 'invalidData' // a local file (data file, CSV) is malformed
  | 'cancelled'; // superseded by a newer request (branch changed)

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly details: {
      /** Which provider, by its label ("data file", a vendor's name). */
      provider?: string;
      status?: number;
      /** The vendor's own message, verbatim (already free of secrets). */
      vendorMessage?: string;
      /** Epoch ms when a rate-limited call may be retried. */
      retryAt?: number;
      /** JSON path or line number of an invalid item. */
      where?: string;
    } = {},
  ) {
    super(message);
  }

  /**
   * Structural instanceof: the remote providers are a separate lazily loaded bundle with its own copy of
   * this class, and their errors must still be recognised here.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Error && value.name === 'ProviderError' && typeof (value as { kind?: unknown }).kind === 'string';
  }
}

export function isProviderError(e: unknown, kind?: ProviderErrorKind): e is ProviderError {
  return e instanceof ProviderError && (kind === undefined || e.kind === kind);
}

/** Wraps anything thrown into a ProviderError without losing an existing classification. */
export function toProviderError(e: unknown, provider: string): ProviderError {
  if (e instanceof ProviderError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ProviderError('invalidResponse', `${provider}: ${message}`, { provider });
}
