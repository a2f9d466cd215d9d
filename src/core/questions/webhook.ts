// Posting a question to a chat webhook (a secret URL; no query API, so delivery is at-least-once:
// after an ambiguous failure the message is sent again and may show twice). Which hosts a vendor's
// webhook may live on, and how its answers read, come from the vendor's descriptor (WebhookSpec).
import { type ProviderErrorKind, ProviderError } from '../errors';
import { createHttpClient, isLoopbackHost, type HttpTransport } from '../http';
import type { WebhookSpec } from '../providers/vendor';
import type { RouteSender } from './sender';
import type { Question } from './question';

/**
 * Parses a webhook URL and checks its host against the vendor's (any loopback address is accepted
 * for tests and local relays). Throws ProviderError('notConfigured') naming only the host, never the
 * secret path; a missing URL is ProviderError('auth'), so the question waits until one is set.
 */
export function checkWebhookUrl(spec: WebhookSpec, raw: string): URL {
  const name = spec.name;
  const fail = (problem: string): never => {
    throw new ProviderError('notConfigured', `${name}: ${problem}. Set the ${name} webhook URL again (Set API Token…).`, { provider: name });
  };
  if (!raw?.trim()) {
    throw new ProviderError('auth', `${name}: no webhook URL is set. Set it with Set API Token….`, { provider: name });
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return fail('the webhook URL is not a valid URL');
  }
  if (url.username || url.password) return fail('the webhook URL must not contain a user name or password');
  const host = url.hostname.toLowerCase();
  if (isLoopbackHost(host) && (url.protocol === 'http:' || url.protocol === 'https:')) return url;
  if (url.protocol !== 'https:') return fail('the webhook URL must start with https://');
  if (!spec.isHost(host)) return fail(`${host} is not a ${name} webhook host`);
  return url;
}

/** The problem with a pasted webhook URL, for an input box; undefined when it is acceptable. */
export function webhookUrlProblem(spec: WebhookSpec, value: string): string | undefined {
  try {
    checkWebhookUrl(spec, value);
    return undefined;
  } catch (e) {
    const m = (e as Error).message;
    return /not a valid URL|no webhook URL/.test(m) ? 'Paste the full webhook URL.' : /is not a .* webhook host/.test(m) ? `Expected ${spec.expected}` : m;
  }
}

/** What a webhook sender needs: the secret URL and the one-attempt transport. */
export interface WebhookSenderOptions {
  /** The full webhook URL. A secret: it is never logged nor put into an error message. */
  webhookUrl: string;
  transport: HttpTransport;
  /** Total time for one post (default 20 s). */
  timeoutMs?: number;
  now?: () => number;
}

/** Only short, plain vendor words (`invalid_payload`, a Workflows error code) are echoed; nothing else. */
function vendorWord(data: unknown): string | undefined {
  let t: unknown = data;
  if (typeof t === 'string' && t.trim().startsWith('{')) {
    try {
      t = JSON.parse(t);
    } catch {
      return undefined;
    }
  }
  // Power Automate: {"error":{"code":"InvalidRequestContent","message":"…"}}
  if (t && typeof t === 'object') t = (t as { error?: { code?: unknown } }).error?.code;
  if (typeof t !== 'string') return undefined;
  const w = t.trim();
  return w && w.length <= 200 && /^[\w .:,'()/-]+$/.test(w) ? w : undefined;
}

/** A webhook's answers in our words: what happened, and that the question waits or needs a new URL. */
function describe(spec: WebhookSpec) {
  return (kind: ProviderErrorKind, status: number, word: string | undefined): string => {
    const said = word ? ` (${word})` : '';
    if (kind === 'rateLimited') {
      return status === 429 ? `too many messages${said}; the question will be sent later.` : 'the webhook is throttled; the question will be sent later.';
    }
    if (kind === 'auth') return `the webhook URL is no longer valid${said}. Set a new ${spec.name} webhook URL.`;
    if (kind === 'server') return `HTTP ${status}${said}. The service has a problem; the question will be sent later.`;
    if (status === 413) return 'the message is too large for the webhook.';
    return `HTTP ${status}${said}. The webhook refused the message.`;
  };
}

/**
 * Posts `payload` once through the one HTTP layer (deadline, size limit, error classification,
 * Retry-After), pinned to the vendor's webhook hosts. The URL is a secret: errors name only its host.
 */
async function postWebhook(spec: WebhookSpec, opts: WebhookSenderOptions, payload: unknown, signal?: AbortSignal): Promise<void> {
  const url = checkWebhookUrl(spec, opts.webhookUrl);
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const text = (data: unknown) => (typeof data === 'string' ? data : JSON.stringify(data ?? ''));
  const client = createHttpClient(opts.transport, {
    provider: spec.name,
    baseUrl: url.href,
    headers: { accept: '*/*' },
    anyBody: true,
    maxBytes: 64 * 1024,
    timeoutMs,
    deadlineMs: timeoutMs,
    now: opts.now,
    vendorMessage: (_status, data) => vendorWord(data),
    classify: (res) => {
      const kind = spec.classify?.(res.status, text(res.data), vendorWord(res.data));
      return kind ?? (res.status === 401 ? 'auth' : undefined);
    },
    // Without a Retry-After, a throttled webhook is tried again in a minute.
    rateLimitReset: (_headers, now) => now + 60_000,
    describe: describe(spec),
  });
  await client.request({ method: 'POST', path: '', body: payload, signal });
}

/** A sender that posts `payload(q)` to the vendor's webhook; at-least-once (it cannot be queried). */
export function webhookSender(spec: WebhookSpec, payload: (q: Question) => unknown, opts: WebhookSenderOptions): RouteSender {
  return {
    async send(q, signal) {
      await postWebhook(spec, opts, payload(q), signal);
      return {};
    },
  };
}
