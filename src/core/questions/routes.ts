// The senders behind each route: they post the messages built in messages.ts and, where the remote
// can be queried, find them again by the embedded `cc-question:<id>` marker (reconcile) and read
// answers.
//
// Delivery guarantees (the outbox relies on these):
// - Jira, GitHub, Linear comments; HubSpot, Salesforce, Pipedrive tasks: `reconcile` lists or
//   searches the remote for the marker: an ambiguous failure (cut, timeout, 5xx) never duplicates.
// - Slack and Teams webhooks are not idempotent and cannot be queried: at-least-once. After an
//   ambiguous failure the message is sent again, which may show it twice in the channel.
// - `email` has no sender: the UI opens mailtoUrl(q) and calls Outbox.markSent(id, 'email').
//
// Every sender throws ProviderError; `send` is never retried here (writes are not retried by
// HttpClient either), the outbox decides by the error kind.
import * as z from 'zod/mini';
import { ProviderError, type ProviderErrorKind } from '../errors';
import {
  CANCELED,
  TOO_LARGE,
  isLoopbackHost,
  parseRetryAfter,
  type HttpClient,
  type HttpTransport,
} from '../http';
import type { TicketComment } from '../model';
import { adfToText } from '../providers/jira';
import {
  hasMarker,
  hubspotTask,
  jiraAdfComment,
  jiraWikiComment,
  markdownComment,
  MarkerPrefix,
  pipedriveActivity,
  primaryDeal,
  questionMarker,
  salesforceTask,
  slackPayload,
  teamsPayload,
} from './messages';
import type { Answer, RemoteRef, RouteSender } from './outbox';
import type { Question, QuestionDeal } from './question';

// ---- webhooks -----------------------------------------------------------------------------------

/** A chat webhook: Slack incoming webhook or Teams Workflows. */
export type WebhookKind = 'slack' | 'teams';

const WEBHOOK_NAME: Record<WebhookKind, string> = { slack: 'Slack', teams: 'Microsoft Teams' };

/** Hosts a webhook URL may point to: the URL is a secret, pinning keeps it from going elsewhere. */
const WEBHOOK_HOSTS: Record<WebhookKind, (host: string) => boolean> = {
  slack: (h) => h === 'hooks.slack.com' || h === 'hooks.slack-gov.com',
  teams: (h) =>
    ['.logic.azure.com', '.powerplatform.com', '.webhook.office.com'].some((s) => h.endsWith(s)),
};

/**
 * Parses a webhook URL and checks its host (Slack: hooks.slack.com; Teams: *.logic.azure.com,
 * *.powerplatform.com, *.webhook.office.com; any loopback address for tests). Throws
 * ProviderError('notConfigured') naming only the host, never the secret path.
 */
export function checkWebhookUrl(kind: WebhookKind, raw: string): URL {
  const name = WEBHOOK_NAME[kind];
  const fail = (problem: string): never => {
    throw new ProviderError(
      'notConfigured',
      `${name}: ${problem}. Set the ${name} webhook URL again (Set API Token…).`,
      {
        provider: name,
      },
    );
  };
  if (!raw?.trim()) {
    // Missing like a missing token: the question waits (needsAuth) until one is set.
    throw new ProviderError('auth', `${name}: no webhook URL is set. Set it with Set API Token….`, {
      provider: name,
    });
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return fail('the webhook URL is not a valid URL');
  }
  if (url.username || url.password)
    return fail('the webhook URL must not contain a user name or password');
  const host = url.hostname.toLowerCase();
  if (isLoopbackHost(host) && (url.protocol === 'http:' || url.protocol === 'https:')) return url;
  if (url.protocol !== 'https:') return fail('the webhook URL must start with https://');
  if (!WEBHOOK_HOSTS[kind](host)) return fail(`${host} is not a ${name} webhook host`);
  return url;
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

/** Only short, plain vendor words (`invalid_payload`) are echoed; anything else is dropped. */
function vendorText(data: unknown): string | undefined {
  if (typeof data !== 'string') return undefined;
  let t = data.trim();
  if (t.startsWith('{')) {
    // Power Automate: {"error":{"code":"InvalidRequestContent","message":"…"}}
    try {
      const code = (JSON.parse(t) as { error?: { code?: unknown } }).error?.code;
      t = typeof code === 'string' ? code : '';
    } catch {
      t = '';
    }
  }
  return t && t.length <= 200 && /^[\w .:,'()/-]+$/.test(t) ? t : undefined;
}

async function postWebhook(
  kind: WebhookKind,
  opts: WebhookSenderOptions,
  payload: unknown,
  signal?: AbortSignal,
): Promise<{ status: number; text: string }> {
  const name = WEBHOOK_NAME[kind];
  const url = checkWebhookUrl(kind, opts.webhookUrl);
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error('deadline')), timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
  const err = (
    kindOf: ProviderErrorKind,
    text: string,
    details: Partial<ProviderError['details']> = {},
  ) => new ProviderError(kindOf, `${name}: ${text}`, { provider: name, ...details });
  let res;
  try {
    res = await opts.transport({
      method: 'POST',
      url: url.href,
      headers: { 'content-type': 'application/json', accept: '*/*' },
      body: JSON.stringify(payload),
      signal: combined,
      timeoutMs,
      maxBytes: 64 * 1024,
    });
  } catch (e) {
    if (signal?.aborted) throw err('cancelled', 'sending was cancelled.');
    if (deadline.signal.aborted)
      throw err(
        'offline',
        `no answer within ${Math.round(timeoutMs / 1000)} s. Check the network connection.`,
      );
    const code = String((e as { code?: unknown }).code ?? '');
    if (code === CANCELED) throw err('cancelled', 'sending was cancelled.');
    if (code === TOO_LARGE) throw err('invalidResponse', 'the answer was unexpectedly large.');
    // The message may or may not have been posted: the outbox treats offline as ambiguous.
    throw err(
      'offline',
      `the webhook could not be reached (${code || 'network error'}). ` +
        'Check the network connection.',
    );
  } finally {
    clearTimeout(timer);
  }
  const text = typeof res.data === 'string' ? res.data : JSON.stringify(res.data ?? '');
  const vendor = vendorText(res.data);
  const status = res.status;
  const said = vendor ? ` (${vendor})` : '';
  if (status >= 200 && status < 300) {
    // The retired Teams connector answered 200 and put throttling into the body.
    if (kind === 'teams' && /HTTP error 429/i.test(text)) {
      throw err('rateLimited', 'the webhook is throttled; the question will be sent later.', {
        status,
        retryAt: now() + 60_000,
      });
    }
    return { status, text };
  }
  const details = { status, vendorMessage: vendor };
  if (status === 429) {
    const retryAt = parseRetryAfter(res.headers['retry-after'], now());
    throw err('rateLimited', `too many messages${said}; the question will be sent later.`, {
      ...details,
      retryAt,
    });
  }
  // A revoked or wrong webhook: the fix is a new URL, which is what "needs auth" asks for.
  if (
    status === 401 ||
    (status === 403 && vendor === 'invalid_token') ||
    (status === 404 && /^(no_service|no_team)$/.test(vendor ?? '')) ||
    (kind === 'teams' && (status === 403 || status === 404))
  ) {
    throw err(
      'auth',
      `the webhook URL is no longer valid${said}. Set a new ${name} webhook URL.`,
      details,
    );
  }
  if (status >= 500)
    throw err(
      'server',
      `HTTP ${status}${said}. The service has a problem; the question will be sent later.`,
      details,
    );
  if (status === 413) throw err('badRequest', 'the message is too large for the webhook.', details);
  throw err(
    status === 403 ? 'forbidden' : status === 404 ? 'notFound' : 'badRequest',
    `HTTP ${status}${said}. The webhook refused the message.`,
    details,
  );
}

/** Posts slackPayload(q) to a Slack incoming webhook; at-least-once (it cannot be queried). */
export function slackSender(opts: WebhookSenderOptions): RouteSender {
  return {
    async send(q, signal) {
      await postWebhook('slack', opts, slackPayload(q), signal);
      return {};
    },
  };
}

/** Posts teamsPayload(q) to a Teams Workflows webhook (202 Accepted). At-least-once, like Slack. */
export function teamsSender(opts: WebhookSenderOptions): RouteSender {
  return {
    async send(q, signal) {
      await postWebhook('teams', opts, teamsPayload(q), signal);
      return {};
    },
  };
}

// ---- ticket comments ----------------------------------------------------------------------------

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * The replies to a question among a ticket's comments: those after the comment carrying its marker and
 * before the next question's comment (a reply belongs to the latest question above it), by someone
 * other than its author. Oldest first.
 */
export function answersFromComments(
  q: Question,
  comments: readonly TicketComment[],
): TicketComment[] {
  const time = (c: TicketComment) => Date.parse(c.created) || 0;
  const sorted = [...comments].sort((a, b) => time(a) - time(b) || a.created.localeCompare(b.created));
  const start = sorted.findIndex((c) => hasMarker(c.text, q.id));
  if (start < 0) return [];
  const ours = sorted[start];
  const replies: TicketComment[] = [];
  for (const c of sorted.slice(start + 1)) {
    if (c.text.includes(MarkerPrefix)) break; // the next question: later replies are its answers
    if (c.author !== ours.author && time(c) >= time(ours)) replies.push(c);
  }
  return replies;
}

function firstAnswer(q: Question, comments: readonly TicketComment[]): Answer | undefined {
  const a = answersFromComments(q, comments)[0];
  return a ? { text: a.text, by: a.author, at: a.created } : undefined;
}

/** The comment that carries the marker, as a remote reference. */
function findOurs(
  q: Question,
  comments: readonly TicketComment[],
  url?: (id: string) => string | undefined,
): RemoteRef | undefined {
  const c = comments.find((x) => hasMarker(x.text, q.id));
  return c ? { remoteId: c.id, remoteUrl: url?.(c.id) } : undefined;
}

const JIRA_KEY = /^[A-Z][A-Z0-9_]*-\d+$/;

/** Jira comment sender options. */
export interface JiraCommentOptions {
  deployment: 'cloud' | 'datacenter';
  /** Look the deal owner up by e-mail and @mention them (best effort: a failed lookup omits it). */
  mention?: boolean;
}

const JiraCommentList = z.looseObject({
  comments: z.array(
    z.looseObject({
      id: z.string(),
      body: z.optional(z.unknown()),
      created: z.optional(z.string()),
      author: z.optional(
        z.nullable(
          z.looseObject({
            displayName: z.optional(z.nullable(z.string())),
            name: z.optional(z.nullable(z.string())),
            accountId: z.optional(z.nullable(z.string())),
          }),
        ),
      ),
    }),
  ),
});

/** Comments on the Jira issue (ADF on Cloud, wiki on Data Center); reconciles by the marker. */
export function jiraCommentSender(http: HttpClient, opts: JiraCommentOptions): RouteSender {
  const dc = opts.deployment === 'datacenter';
  const api = dc ? '/rest/api/2' : '/rest/api/3';
  const keyOf = (q: Question): string => {
    const key = q.ticket.key.trim().toUpperCase();
    if (!JIRA_KEY.test(key))
      throw new ProviderError('badRequest', `Jira: "${q.ticket.key}" is not a Jira issue key.`, {
        provider: 'Jira',
      });
    return key;
  };
  const commentUrl = (q: Question) => (id: string) =>
    q.ticket.url ? `${q.ticket.url}?focusedCommentId=${encodeURIComponent(id)}` : undefined;

  async function mentionFor(q: Question, signal?: AbortSignal): Promise<string | undefined> {
    const email = primaryDeal(q)?.owner?.email;
    if (!opts.mention || !email) return undefined;
    try {
      const res = await http.request({
        path: `${api}/user/search`,
        query: dc ? { username: email } : { query: email },
        signal,
      });
      const first = Array.isArray(res.data)
        ? (res.data[0] as Record<string, unknown> | undefined)
        : undefined;
      return str(dc ? first?.name : first?.accountId);
    } catch {
      return undefined;
    }
  }

  async function comments(q: Question, signal?: AbortSignal) {
    const res = await http.json(
      {
        path: `${api}/issue/${encodeURIComponent(keyOf(q))}/comment`,
        query: { orderBy: '-created', maxResults: 100 },
        signal,
      },
      JiraCommentList,
    );
    return res.comments.map((c) => {
      const text = adfToText(c.body ?? '');
      // The marker is looked for in the raw body as well, so flattening can never hide it.
      const raw = typeof c.body === 'string' ? c.body : JSON.stringify(c.body ?? '');
      return {
        comment: {
          id: c.id,
          // Matched by account id (Cloud) or user name (Data Center): display names are not unique.
          author: c.author?.accountId ?? c.author?.name ?? c.author?.displayName ?? '',
          created: c.created ?? '',
          text:
            hasMarker(text, q.id) || !hasMarker(raw, q.id)
              ? text
              : `${text}\n${questionMarker(q.id)}`,
        } as TicketComment,
        name: c.author?.displayName ?? c.author?.name ?? undefined,
      };
    });
  }

  return {
    async send(q, signal) {
      const key = keyOf(q);
      const mention = await mentionFor(q, signal);
      const body = dc ? jiraWikiComment(q, mention) : jiraAdfComment(q, mention);
      const res = await http.request({
        method: 'POST',
        path: `${api}/issue/${encodeURIComponent(key)}/comment`,
        body,
        signal,
      });
      const id = str((res.data as Record<string, unknown> | null)?.id);
      return { remoteId: id, remoteUrl: id ? commentUrl(q)(id) : undefined };
    },
    async reconcile(q, signal) {
      return findOurs(
        q,
        (await comments(q, signal)).map((r) => r.comment),
        commentUrl(q),
      );
    },
    async answer(q, _remote, signal) {
      const rows = await comments(q, signal);
      const a = firstAnswer(
        q,
        rows.map((r) => r.comment),
      );
      if (!a) return undefined;
      return { ...a, by: rows.find((r) => r.comment.author === a.by)?.name ?? a.by };
    },
  };
}

const GITHUB_KEY = /^#?(\d{1,9})$/;
const GITHUB_REPO = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

const GitHubComments = z.array(
  z.looseObject({
    id: z.number(),
    body: z.optional(z.nullable(z.string())),
    html_url: z.optional(z.string()),
    created_at: z.string(),
    user: z.optional(z.nullable(z.looseObject({ login: z.string() }))),
  }),
);

/** Comments on the GitHub issue in Markdown; reconciles by listing comments since the question. */
export function githubCommentSender(http: HttpClient, opts: { repository: string }): RouteSender {
  const target = (q: Question): string => {
    const m = GITHUB_KEY.exec(q.ticket.key.trim());
    const r = GITHUB_REPO.exec(opts.repository.trim());
    if (!r) {
      throw new ProviderError(
        'notConfigured',
        'GitHub: no repository is known. Set customerContext.github.repository to owner/repo.',
        {
          provider: 'GitHub',
          where: 'customerContext.github.repository',
        },
      );
    }
    if (!m)
      throw new ProviderError('badRequest', `GitHub: "${q.ticket.key}" is not an issue number.`, {
        provider: 'GitHub',
      });
    return `/repos/${r[1]}/${r[2]}/issues/${m[1]}/comments`;
  };
  async function list(q: Question, signal?: AbortSignal) {
    // `since` bounds the listing to comments touched after the question was asked (minus clock
    // skew).
    const since = new Date((Date.parse(q.createdAt) || 0) - 10 * 60_000).toISOString();
    const rows = await http.json(
      { path: target(q), query: { since, per_page: 100 }, signal },
      GitHubComments,
    );
    return rows.map((c) => ({
      ref: { remoteId: String(c.id), remoteUrl: c.html_url },
      comment: {
        id: String(c.id),
        author: c.user?.login ?? '',
        created: c.created_at,
        text: c.body ?? '',
      } as TicketComment,
    }));
  }
  return {
    async send(q, signal) {
      const res = await http.request({
        method: 'POST',
        path: target(q),
        body: { body: markdownComment(q) },
        signal,
      });
      const d = (res.data ?? {}) as Record<string, unknown>;
      return { remoteId: str(d.id), remoteUrl: str(d.html_url) };
    },
    async reconcile(q, signal) {
      return (await list(q, signal)).find((c) => hasMarker(c.comment.text, q.id))?.ref;
    },
    async answer(q, _remote, signal) {
      return firstAnswer(
        q,
        (await list(q, signal)).map((c) => c.comment),
      );
    },
  };
}

const LINEAR_KEY = /^[A-Z][A-Z0-9]*-\d+$/;

const COMMENT_CREATE = `mutation CustomerContextAsk($input: CommentCreateInput!) {
  commentCreate(input: $input) { success comment { id url } }
}`;
/** Comments created since `since` (ISO from a Date, so safe to inline; no scalar type named). */
const issueComments = (since: string) => `query CustomerContextComments($id: String!) {
  issue(id: $id) {
    comments(first: 100, filter: { createdAt: { gte: "${since}" } }) {
      nodes { id url body createdAt user { id name } }
    }
  }
}`;

const LinearCreated = z.looseObject({
  data: z.optional(
    z.nullable(
      z.looseObject({
        commentCreate: z.optional(
          z.nullable(
            z.looseObject({
              success: z.optional(z.boolean()),
              comment: z.optional(
                z.nullable(
                  z.looseObject({
                    id: z.optional(z.string()),
                    url: z.optional(z.nullable(z.string())),
                  }),
                ),
              ),
            }),
          ),
        ),
      }),
    ),
  ),
});

const LinearComments = z.looseObject({
  data: z.looseObject({
    issue: z.nullable(
      z.looseObject({
        comments: z.optional(
          z.nullable(
            z.looseObject({
              nodes: z.array(
                z.looseObject({
                  id: z.string(),
                  url: z.optional(z.nullable(z.string())),
                  body: z.optional(z.nullable(z.string())),
                  createdAt: z.string(),
                  user: z.optional(
                    z.nullable(
                      z.looseObject({
                        id: z.optional(z.string()),
                        name: z.optional(z.nullable(z.string())),
                      }),
                    ),
                  ),
                }),
              ),
            }),
          ),
        ),
      }),
    ),
  }),
});

/** Comments on the Linear issue (commentCreate, Markdown); reconciles by reading its comments. */
export function linearCommentSender(http: HttpClient): RouteSender {
  const keyOf = (q: Question) => {
    const key = q.ticket.key.trim().toUpperCase();
    if (!LINEAR_KEY.test(key))
      throw new ProviderError(
        'badRequest',
        `Linear: "${q.ticket.key}" is not a Linear issue key.`,
        { provider: 'Linear' },
      );
    return key;
  };
  async function list(q: Question, signal?: AbortSignal) {
    const res = await http.json(
      {
        method: 'POST',
        path: '',
        body: {
          // Minus ten minutes of clock skew between this machine and Linear.
          query: issueComments(new Date((Date.parse(q.createdAt) || 0) - 600_000).toISOString()),
          variables: { id: keyOf(q) },
          operationName: 'CustomerContextComments',
        },
        idempotent: true,
        signal,
      },
      LinearComments,
    );
    const nodes = res.data.issue?.comments?.nodes ?? [];
    return nodes.map((c) => ({
      ref: { remoteId: c.id, remoteUrl: c.url ?? undefined },
      comment: {
        id: c.id,
        author: c.user?.id ?? c.user?.name ?? '',
        created: c.createdAt,
        text: c.body ?? '',
      } as TicketComment,
      name: c.user?.name ?? undefined,
    }));
  }
  return {
    async send(q, signal) {
      const res = await http.request({
        method: 'POST',
        path: '',
        body: {
          query: COMMENT_CREATE,
          variables: { input: { issueId: keyOf(q), body: markdownComment(q) } },
          operationName: 'CustomerContextAsk',
        },
        signal,
      });
      const parsed = LinearCreated.safeParse(res.data);
      const created = parsed.success ? parsed.data.data?.commentCreate : undefined;
      if (created && created.success === false)
        throw new ProviderError('badRequest', 'Linear: the comment was not created.', {
          provider: 'Linear',
        });
      return { remoteId: created?.comment?.id, remoteUrl: created?.comment?.url ?? undefined };
    },
    async reconcile(q, signal) {
      return (await list(q, signal)).find((c) => hasMarker(c.comment.text, q.id))?.ref;
    },
    async answer(q, _remote, signal) {
      const rows = await list(q, signal);
      const a = firstAnswer(
        q,
        rows.map((r) => r.comment),
      );
      if (!a) return undefined;
      return { ...a, by: rows.find((r) => r.comment.author === a.by)?.name ?? a.by };
    },
  };
}

// ---- CRM tasks ----------------------------------------------------------------------------------

function dealFor(provider: string, q: Question, valid: RegExp): QuestionDeal {
  const deal = primaryDeal(q);
  if (!deal || !valid.test(deal.id)) {
    throw new ProviderError(
      'badRequest',
      `${provider}: the question has no ${provider} deal to attach it to.`,
      { provider },
    );
  }
  return deal;
}

/** Strips HTML to text, for task bodies sales may have edited. */
function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|pre|h\d)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** What sales wrote into a task body after our message (its last line carries the marker). */
function addedAfterMarker(body: string, id: string): string {
  const text = htmlToText(body);
  const at = text.indexOf(questionMarker(id));
  if (at < 0) return '';
  const nl = text.indexOf('\n', at);
  return nl < 0 ? '' : text.slice(nl + 1).trim();
}

/** A HubSpot task as read back (properties are strings or null). */
export interface HubSpotTaskRecord {
  id?: string;
  properties: Record<string, string | null | undefined>;
}

/**
 * The answer a HubSpot task carries: text sales added to its body below our message, or, when
 * the task was completed without one, a note that it was. Undefined while neither happened.
 */
export function taskAnswer(q: Question, task: HubSpotTaskRecord): Answer | undefined {
  const p = task.properties;
  const added = addedAfterMarker(p.hs_task_body ?? '', q.id);
  const done = p.hs_task_status === 'COMPLETED';
  if (!added && !done) return undefined;
  return {
    text: added || 'Marked the task as completed in HubSpot.',
    by: primaryDeal(q)?.owner?.name,
    at: p.hs_task_completion_date ?? p.hs_lastmodifieddate ?? new Date().toISOString(),
  };
}

const HubSpotSearch = z.looseObject({
  results: z.array(
    z.looseObject({
      id: z.string(),
      properties: z.record(z.string(), z.optional(z.nullable(z.string()))),
    }),
  ),
});
const HubSpotObject = z.looseObject({
  id: z.string(),
  properties: z.record(z.string(), z.optional(z.nullable(z.string()))),
});

/** Creates a HubSpot task on the deal for its owner; reconciles by a tasks search (marker). */
export function hubspotTaskSender(http: HttpClient): RouteSender {
  return {
    // HubSpot search is eventually consistent: a task created seconds ago may not be found yet.
    reconcileDelayMs: 15_000,
    async send(q, signal) {
      const deal = dealFor('HubSpot', q, /^\d+$/);
      const res = await http.request({
        method: 'POST',
        path: '/crm/v3/objects/tasks',
        body: hubspotTask(q, deal),
        signal,
      });
      return { remoteId: str((res.data as Record<string, unknown> | null)?.id) };
    },
    async reconcile(q, signal) {
      const res = await http.json(
        {
          method: 'POST',
          path: '/crm/v3/objects/tasks/search',
          body: {
            filterGroups: [
              {
                filters: [
                  {
                    propertyName: 'hs_task_subject',
                    operator: 'CONTAINS_TOKEN',
                    value: `*${q.id}*`,
                  },
                ],
              },
            ],
            properties: ['hs_task_subject', 'hs_task_body'],
            limit: 10,
          },
          idempotent: true,
          signal,
        },
        HubSpotSearch,
      );
      const hit = res.results.find((r) =>
        hasMarker(`${r.properties.hs_task_subject ?? ''} ${r.properties.hs_task_body ?? ''}`, q.id),
      );
      return hit ? { remoteId: hit.id } : undefined;
    },
    async answer(q, remote, signal) {
      if (!remote.remoteId || !/^\d+$/.test(remote.remoteId)) return undefined;
      const task = await http.json(
        {
          path: `/crm/v3/objects/tasks/${remote.remoteId}`,
          query: {
            properties: 'hs_task_status,hs_task_body,hs_task_completion_date,hs_lastmodifieddate',
          },
          signal,
        },
        HubSpotObject,
      );
      return taskAnswer(q, task);
    },
  };
}

const SF_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const SalesforceQuery = z.looseObject({ records: z.array(z.looseObject({ Id: z.string() })) });
const SalesforceTask = z.looseObject({
  Status: z.optional(z.nullable(z.string())),
  Description: z.optional(z.nullable(z.string())),
  CompletedDateTime: z.optional(z.nullable(z.string())),
  LastModifiedDate: z.optional(z.nullable(z.string())),
});

/** Escapes a SOQL string literal, including LIKE wildcards. */
function soqlLike(text: string): string {
  return text.replace(/[\\'"]/g, (c) => `\\${c}`).replace(/[%_]/g, (c) => `\\${c}`);
}

/** Creates a Salesforce Task on the opportunity for its owner; reconciles by SOQL on Subject. */
export function salesforceTaskSender(
  http: HttpClient,
  opts: { apiVersion?: string } = {},
): RouteSender {
  // Same form as the Salesforce CRM option: "62.0" (a leading "v" is accepted too).
  const v = `v${(opts.apiVersion ?? '62.0').replace(/^v/i, '')}`;
  return {
    async send(q, signal) {
      const deal = dealFor('Salesforce', q, SF_ID);
      const res = await http.request({
        method: 'POST',
        path: `/services/data/${v}/sobjects/Task/`,
        body: salesforceTask(q, deal),
        signal,
      });
      const d = (res.data ?? {}) as { id?: unknown; success?: unknown; errors?: unknown };
      if (d.success === false) {
        throw new ProviderError(
          'badRequest',
          `Salesforce: the task was not created (${JSON.stringify(d.errors).slice(0, 200)}).`,
          { provider: 'Salesforce' },
        );
      }
      return { remoteId: str(d.id) };
    },
    async reconcile(q, signal) {
      const deal = dealFor('Salesforce', q, SF_ID);
      // Task.Description is a long text area and cannot be filtered in SOQL; the marker is in
      // Subject too.
      const like = soqlLike(questionMarker(q.id));
      const soql =
        `SELECT Id FROM Task WHERE WhatId = '${deal.id}' ` + `AND Subject LIKE '%${like}%' LIMIT 5`;
      const res = await http.json(
        { path: `/services/data/${v}/query`, query: { q: soql }, signal },
        SalesforceQuery,
      );
      const hit = res.records[0];
      return hit ? { remoteId: hit.Id } : undefined;
    },
    async answer(q, remote, signal) {
      if (!remote.remoteId || !SF_ID.test(remote.remoteId)) return undefined;
      const t = await http.json(
        {
          path: `/services/data/${v}/sobjects/Task/${remote.remoteId}`,
          query: { fields: 'Status,Description,CompletedDateTime,LastModifiedDate' },
          signal,
        },
        SalesforceTask,
      );
      const added = addedAfterMarker(t.Description ?? '', q.id);
      if (!added && t.Status !== 'Completed') return undefined;
      return {
        text: added || 'Marked the task as completed in Salesforce.',
        by: primaryDeal(q)?.owner?.name,
        at: t.CompletedDateTime ?? t.LastModifiedDate ?? new Date().toISOString(),
      };
    },
  };
}

const PipedriveList = z.looseObject({
  data: z.optional(
    z.nullable(
      z.array(z.looseObject({ id: z.number(), subject: z.optional(z.nullable(z.string())) })),
    ),
  ),
});
const PipedriveActivity = z.looseObject({
  data: z.looseObject({
    done: z.optional(z.nullable(z.union([z.boolean(), z.number()]))),
    note: z.optional(z.nullable(z.string())),
    marked_as_done_time: z.optional(z.nullable(z.string())),
    update_time: z.optional(z.nullable(z.string())),
  }),
});

/** Creates a Pipedrive task activity on the deal for its owner; reconciles by deal activities. */
export function pipedriveActivitySender(http: HttpClient): RouteSender {
  return {
    async send(q, signal) {
      const deal = dealFor('Pipedrive', q, /^\d+$/);
      const res = await http.request({
        method: 'POST',
        path: '/api/v1/activities',
        body: pipedriveActivity(q, deal),
        signal,
      });
      const d = (res.data ?? {}) as { success?: unknown; data?: { id?: unknown } | null };
      if (d.success === false)
        throw new ProviderError('badRequest', 'Pipedrive: the activity was not created.', {
          provider: 'Pipedrive',
        });
      return { remoteId: str(d.data?.id) };
    },
    async reconcile(q, signal) {
      const deal = dealFor('Pipedrive', q, /^\d+$/);
      const res = await http.json(
        { path: `/api/v1/deals/${deal.id}/activities`, query: { limit: 100, done: 0 }, signal },
        PipedriveList,
      );
      const hit = (res.data ?? []).find((a) => hasMarker(a.subject ?? '', q.id));
      return hit ? { remoteId: String(hit.id) } : undefined;
    },
    async answer(q, remote, signal) {
      if (!remote.remoteId || !/^\d+$/.test(remote.remoteId)) return undefined;
      const a = (
        await http.json(
          { path: `/api/v1/activities/${remote.remoteId}`, signal },
          PipedriveActivity,
        )
      ).data;
      const added = addedAfterMarker(a.note ?? '', q.id);
      const done = a.done === true || a.done === 1;
      if (!added && !done) return undefined;
      return {
        text: added || 'Marked the activity as done in Pipedrive.',
        by: primaryDeal(q)?.owner?.name,
        at: a.marked_as_done_time || a.update_time || new Date().toISOString(),
      };
    },
  };
}
