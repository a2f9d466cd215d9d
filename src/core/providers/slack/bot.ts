// Slack's bot route (remote bundle): the question goes out through the Web API with a bot token
// (`xoxb-…`) as the same Block Kit message the webhook route posts, to the deal owner's direct
// messages or to a configured channel. Unlike a webhook, the message can be found again: after an
// ambiguous failure `reconcile` looks for its marker in the conversation's recent history (exactly
// once), and `answer` reads the first reply in its thread by someone other than the bot.
//
// Slack answers most errors with HTTP 200 and `{ ok: false, error: "…" }`: `slackClassify` turns
// those words into ProviderError kinds and `slackVendorMessage` into what to do about them.
import * as z from 'zod/mini';
import { ProviderError, type ProviderErrorKind } from '../../errors';
import {
  readToken,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  type ProviderHttpOptions,
  type TokenSource,
} from '../../http';
import { hasMarker, primaryDeal, safeUrl } from '../../questions/messages';
import type { Question } from '../../questions/question';
import type { Answer, RemoteRef, RouteSender } from '../../questions/sender';
import { slackPayload } from './payload';

const PROVIDER = 'Slack';

/** The setting naming the channel questions go to when the owner's Slack id is unknown. */
export const SlackChannelSetting = 'customerContext.slack.channel';
/** The (machine-scoped) setting holding the Web API origin the bot token is bound to. */
export const SlackApiUrlSetting = 'customerContext.slack.apiUrl';
/** Slack's Web API origin; methods live under `/api/<method>`. */
export const SlackApiUrlDefault = 'https://slack.com';

/** A workspace member id (`U…`, or `W…` on Enterprise Grid): the only thing a DM is opened for. */
const MemberId = /^[UW][A-Z0-9]{2,20}$/;
/** A conversation id: public channel `C…`, private channel `G…` (older ones), direct message `D…`. */
const ConversationId = /^[CGD][A-Z0-9]{2,20}$/;
/** A message timestamp, which is also its id within a conversation: `1732960000.000100`. */
const MessageTs = /^\d{1,12}\.\d{1,9}$/;

/** Page size asked for on history, replies and channel lists (Slack returns fewer at will). */
const PageSize = 200;
/** Pages looked through before giving up: 50 × 200 messages since the question was asked. */
const MaxPages = 50;
/** How far before the question's creation the history search starts (clock skew between hosts). */
const HistorySlackMs = 60_000;
/** How long a user's display name is trusted before it is looked up again. */
const NameTtlMs = 60 * 60_000;

/** Methods that write take JSON; without the charset Slack adds a `missing_charset` warning. */
const JsonUtf8 = { 'content-type': 'application/json; charset=utf-8' };

// ---- errors -------------------------------------------------------------------------------------

const AuthErrors = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
]);
const ForbiddenErrors = new Set([
  'missing_scope',
  'no_permission',
  'ekm_access_denied',
  'access_denied',
]);
const ServerErrors = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);
const GoneErrors = new Set(['thread_not_found', 'message_not_found']);

interface SlackErrorBody {
  error: string;
  needed?: string;
}

/** Slack's `{ ok: false, error }` body, with the error word checked to be a word; else undefined. */
function slackError(data: unknown): SlackErrorBody | undefined {
  if (!data || typeof data !== 'object' || (data as { ok?: unknown }).ok !== false) return undefined;
  const { error, needed } = data as { error?: unknown; needed?: unknown };
  const word = typeof error === 'string' && /^[a-z0-9_]{1,60}$/.test(error) ? error : 'unknown_error';
  const scope =
    typeof needed === 'string' && /^[a-z0-9:._,-]{1,100}$/i.test(needed) ? needed : undefined;
  return { error: word, needed: scope };
}

/** The kind of a Slack answer: the `error` word of an `ok: false` body, or a 429; else undefined. */
export function slackClassify(res: HttpResponse): ProviderErrorKind | undefined {
  if (res.status === 429) return 'rateLimited';
  const e = slackError(res.data);
  if (!e) return undefined;
  if (AuthErrors.has(e.error)) return 'auth';
  if (ForbiddenErrors.has(e.error)) return 'forbidden';
  if (e.error === 'ratelimited' || e.error === 'rate_limited') return 'rateLimited';
  if (ServerErrors.has(e.error)) return 'server';
  if (GoneErrors.has(e.error)) return 'notFound';
  return 'badRequest';
}

/** What Slack's error word means for the person, with what to do; undefined for other bodies. */
export function slackVendorMessage(_status: number, data: unknown): string | undefined {
  const e = slackError(data);
  if (!e) return undefined;
  const w = `(${e.error})`;
  switch (e.error) {
    case 'invalid_auth':
    case 'not_authed':
    case 'not_allowed_token_type':
      return (
        `the bot token was not accepted ${w}. Set the app's Bot User OAuth Token (xoxb-…) with ` +
        'Set API Token….'
      );
    case 'account_inactive':
    case 'token_revoked':
    case 'token_expired':
      return (
        `the bot token is no longer valid ${w}. Reinstall the app to the workspace and set its ` +
        'new bot token with Set API Token….'
      );
    case 'missing_scope':
      return (
        `the Slack app lacks the scope ${e.needed ?? 'this method needs'} ${w}. Add it under ` +
        'OAuth & Permissions → Bot Token Scopes in the app settings, reinstall the app, then retry.'
      );
    case 'not_in_channel':
      return (
        `the app is not a member of the channel ${w}. Invite it (type /invite @app-name in the ` +
        `channel), or set ${SlackChannelSetting} to a channel it is in.`
      );
    case 'channel_not_found':
      return (
        `the channel was not found, or the app cannot see it ${w}. Check ${SlackChannelSetting} ` +
        '(a channel id such as C0123ABCD, or its name) and invite the app if the channel is private.'
      );
    case 'user_not_found':
    case 'user_disabled':
    case 'cannot_dm_bot':
      return (
        `the deal owner's Slack member id is not an active person in this workspace ${w}. Check ` +
        "the owner's Slack id (U…) in the CRM or data file, or remove it so the question goes to " +
        `${SlackChannelSetting}.`
      );
    case 'is_archived':
      return `the channel is archived ${w}. Set ${SlackChannelSetting} to an active channel.`;
    case 'msg_too_long':
      return `the message is too long for Slack ${w}. Shorten the question or the code excerpt.`;
    case 'invalid_blocks':
    case 'invalid_blocks_format':
      return `Slack refused the message layout ${w}.`;
    case 'ratelimited':
    case 'rate_limited':
      return `Slack is rate limiting this app ${w}`;
    case 'thread_not_found':
    case 'message_not_found':
      return `the message is no longer in Slack ${w}; it may have been deleted.`;
    default:
      return ServerErrors.has(e.error)
        ? `Slack had an internal problem ${w}`
        : `Slack refused the request ${w}.`;
  }
}

/** Our own sentence (it says what to do) replaces the generic advice, except for retryable kinds. */
function slackDescribe(
  kind: ProviderErrorKind,
  _status: number,
  vendor: string | undefined,
): string | undefined {
  const generic = kind === 'rateLimited' || kind === 'server' || kind === 'offline';
  return vendor && !generic ? vendor : undefined;
}

/** Retry-After in seconds (Slack's only rate-limit hint) as epoch ms. */
export function slackRateLimitReset(
  headers: Record<string, string>,
  now: number,
): number | undefined {
  const v = headers['retry-after']?.trim();
  return v && /^\d{1,6}$/.test(v) ? now + Number(v) * 1000 : undefined;
}

/** The Slack Web API part of the HTTP client options: origin, bot token, errors in 200 bodies. */
export function slackApiHttpOptions(apiUrl: string, token: TokenSource): ProviderHttpOptions {
  return {
    provider: PROVIDER,
    // `https://slack.com/api` is accepted too: the method paths carry `/api` themselves.
    baseUrl: apiUrl.trim().replace(/\/api\/?$/, ''),
    baseUrlSetting: SlackApiUrlSetting,
    auth: async () => ({ authorization: `Bearer ${await readToken(PROVIDER, token)}` }),
    classify: slackClassify,
    vendorMessage: slackVendorMessage,
    describe: slackDescribe,
    rateLimitReset: slackRateLimitReset,
  };
}

// ---- text and time ------------------------------------------------------------------------------

const Entities: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&' };

/** One `<…>` control sequence of Slack's message format as plain text. */
function controlText(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : inner.slice(bar + 1);
  if (target.startsWith('@') || target.startsWith('#')) {
    return label ? `${target[0]}${label.replace(/^[@#]/, '')}` : target;
  }
  if (target.startsWith('!')) {
    // <!here>, <!channel>, <!subteam^S123|@sales>, <!date^1732960000^{date}|30 Nov 2024>
    if (label) return label;
    const word = target.slice(1).split('^')[0];
    return `@${word}`;
  }
  if (target.startsWith('mailto:')) return label ?? target.slice('mailto:'.length);
  return label && label !== target ? `${label} (${target})` : target;
}

/**
 * A Slack message's `text` as plain text: `<@U…|name>` → `@name`, `<url|label>` → `label (url)`,
 * `<!here>` → `@here`, then `&lt;` `&gt;` `&amp;` decoded once. Time in proportion to the input: a `<` with no
 * `>` before the next `<` stays text.
 */
export function slackText(text: string): string {
  const out = text.replace(/<([^<>\n]*)>/g, (_m, inner: string) => controlText(inner));
  return out.replace(/&(?:lt|gt|amp);/g, (e) => Entities[e]).trim();
}

/** A Slack `ts` (`1732960000.000100`: seconds, microseconds) as ISO time; undefined if not one. */
export function slackTsToIso(ts: string): string | undefined {
  if (!MessageTs.test(ts)) return undefined;
  const [secs, frac] = ts.split('.');
  const ms = Number(secs) * 1000 + Number(frac.padEnd(3, '0').slice(0, 3));
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Epoch ms as a Slack `ts` bound (`oldest`/`latest`), to the millisecond. */
export function slackTs(ms: number): string {
  const t = Math.max(0, Math.floor(ms));
  return `${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, '0')}000`;
}

/** `channel:ts`, the remote id a bot-route question keeps (a conversation id never holds a `:`). */
export function slackRemoteId(channel: string, ts: string): string {
  return `${channel}:${ts}`;
}

/** The channel and ts of a remote id made by `slackRemoteId`; undefined for anything else. */
export function parseSlackRemoteId(
  id: string | undefined,
): { channel: string; ts: string } | undefined {
  const at = id?.indexOf(':') ?? -1;
  if (!id || at < 0) return undefined;
  const channel = id.slice(0, at);
  const ts = id.slice(at + 1);
  return ConversationId.test(channel) && MessageTs.test(ts) ? { channel, ts } : undefined;
}

// ---- answers from the Web API -------------------------------------------------------------------

const Cursor = z.optional(
  z.nullable(z.looseObject({ next_cursor: z.optional(z.nullable(z.string())) })),
);

const Message = z.looseObject({
  ts: z.string(),
  text: z.optional(z.nullable(z.string())),
  user: z.optional(z.nullable(z.string())),
  bot_id: z.optional(z.nullable(z.string())),
  subtype: z.optional(z.nullable(z.string())),
  thread_ts: z.optional(z.nullable(z.string())),
  blocks: z.optional(z.nullable(z.array(z.unknown()))),
  files: z.optional(z.nullable(z.array(z.unknown()))),
});
type Message = z.infer<typeof Message>;

const Opened = z.looseObject({ channel: z.looseObject({ id: z.string() }) });
const Posted = z.looseObject({ channel: z.string(), ts: z.string() });
const Permalink = z.looseObject({ permalink: z.optional(z.nullable(z.string())) });
const MessagePage = z.looseObject({
  messages: z.optional(z.nullable(z.array(Message))),
  response_metadata: Cursor,
});
const ChannelPage = z.looseObject({
  channels: z.optional(
    z.nullable(z.array(z.looseObject({ id: z.string(), name: z.optional(z.nullable(z.string())) }))),
  ),
  response_metadata: Cursor,
});
const UserInfo = z.looseObject({
  user: z.looseObject({
    name: z.optional(z.nullable(z.string())),
    real_name: z.optional(z.nullable(z.string())),
    profile: z.optional(
      z.nullable(
        z.looseObject({
          display_name: z.optional(z.nullable(z.string())),
          real_name: z.optional(z.nullable(z.string())),
        }),
      ),
    ),
  }),
});

/** Thread messages that are not replies of a person: Slack's own notices. */
const NoticeSubtypes = new Set([
  'tombstone',
  'message_deleted',
  'channel_join',
  'channel_leave',
  'group_join',
  'group_leave',
]);

/** Where a question goes: the owner's DM, or the configured channel (an id or a name). */
type Target = { dm: string } | { channel: string };

/** Options of the bot sender. */
export interface SlackBotOptions {
  /** `customerContext.slack.channel`: a channel id (`C…`) or name, used when no owner id is known. */
  channel?: string;
  /** The clock (display names are looked up again after an hour). */
  now?: () => number;
}

function fail(kind: ProviderErrorKind, message: string, where?: string): ProviderError {
  return new ProviderError(kind, `${PROVIDER}: ${message}`, { provider: PROVIDER, where });
}

function carriesMarker(m: Message, id: string): boolean {
  return hasMarker(m.text ?? '', id) || hasMarker(JSON.stringify(m.blocks ?? []), id);
}

/**
 * Questions over the Slack Web API with a bot token (client from `slackApiHttpOptions`): a DM to
 * the deal owner when their member id is known, else `opts.channel`. The remote id is
 * `<channel>:<ts>` (see `slackRemoteId`), the remote URL Slack's permalink.
 */
export function slackBotSender(http: HttpClient, opts: SlackBotOptions = {}): RouteSender {
  const now = opts.now ?? Date.now;
  /** DM conversation ids by member id: Slack keeps one DM per person, so it never changes. */
  const dms = new Map<string, string>();
  /** Channel ids by configured name, learned from posts and channel lists. */
  const channelIds = new Map<string, string>();
  const names = new Map<string, { name: string; at: number }>();

  function target(q: Question): Target {
    const owner = primaryDeal(q)?.owner;
    const id = owner?.slackId?.trim();
    if (id && MemberId.test(id)) return { dm: id };
    const raw = opts.channel?.trim() ?? '';
    if (raw) {
      const name = raw.replace(/^#/, '');
      if (!name || name.length > 80 || /[\s<>]/.test(name)) {
        throw fail(
          'notConfigured',
          `${SlackChannelSetting} must be a channel id such as C0123ABCD or a channel name ` +
            'such as #sales.',
          SlackChannelSetting,
        );
      }
      return { channel: name };
    }
    const why = id
      ? "the deal owner's Slack id is not a member id (U… or W…)"
      : "no deal owner's Slack member id is known";
    throw fail(
      'notConfigured',
      `${why} and no channel is set. Set ${SlackChannelSetting} to a channel the app is in ` +
        "(its id, C…, or its name), or add the owner's Slack member id in the CRM or data file.",
      SlackChannelSetting,
    );
  }

  async function call<T>(req: HttpRequest, schema: z.ZodMiniType<T>): Promise<T> {
    return http.json({ ...req, label: req.label ?? req.path.replace(/^\/api\//, '') }, schema);
  }

  async function openDm(user: string, signal?: AbortSignal): Promise<string> {
    const known = dms.get(user);
    if (known) return known;
    // Opening the same DM again returns the same conversation, so it may be retried like a read.
    const res = await call(
      {
        method: 'POST',
        path: '/api/conversations.open',
        headers: JsonUtf8,
        body: { users: user },
        idempotent: true,
        signal,
      },
      Opened,
    );
    if (!ConversationId.test(res.channel.id)) {
      throw fail('invalidResponse', 'conversations.open answered without a conversation id.');
    }
    dms.set(user, res.channel.id);
    return res.channel.id;
  }

  /** The id of the configured channel; a name is looked up among the channels the app can see. */
  async function channelId(name: string, signal?: AbortSignal): Promise<string> {
    if (ConversationId.test(name)) return name;
    const known = channelIds.get(name);
    if (known) return known;
    let cursor: string | undefined;
    for (let page = 0; page < MaxPages; page++) {
      let res: z.infer<typeof ChannelPage>;
      try {
        res = await call(
          {
            path: '/api/conversations.list',
            query: {
              types: 'public_channel,private_channel',
              exclude_archived: true,
              limit: PageSize,
              cursor,
            },
            signal,
          },
          ChannelPage,
        );
      } catch (e) {
        if (e instanceof ProviderError && e.kind === 'forbidden') {
          throw fail(
            'forbidden',
            `finding #${name} by name needs the channels:read and groups:read scopes. Add them ` +
              `and reinstall the app, or set ${SlackChannelSetting} to the channel's id (C…, ` +
              "at the bottom of the channel's details).",
            SlackChannelSetting,
          );
        }
        throw e;
      }
      const hit = (res.channels ?? []).find((c) => c.name === name);
      if (hit && ConversationId.test(hit.id)) {
        channelIds.set(name, hit.id);
        return hit.id;
      }
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    throw fail(
      'badRequest',
      `no channel named #${name} is visible to the app. Set ${SlackChannelSetting} to the ` +
        "channel's id (C…) and invite the app there.",
      SlackChannelSetting,
    );
  }

  async function conversationOf(t: Target, signal?: AbortSignal): Promise<string> {
    return 'dm' in t ? openDm(t.dm, signal) : channelId(t.channel, signal);
  }

  /** The reference kept with the question; the permalink is a nicety, never a failure. */
  async function refOf(channel: string, ts: string, signal?: AbortSignal): Promise<RemoteRef> {
    let remoteUrl: string | undefined;
    try {
      const res = await call(
        { path: '/api/chat.getPermalink', query: { channel, message_ts: ts }, signal },
        Permalink,
      );
      remoteUrl = safeUrl(res.permalink ?? undefined);
    } catch {
      // The message is posted; without a link the question still shows as sent.
      remoteUrl = undefined;
    }
    return { remoteId: slackRemoteId(channel, ts), remoteUrl };
  }

  async function nameOf(q: Question, user: string, signal?: AbortSignal): Promise<string> {
    const cached = names.get(user);
    if (cached && now() - cached.at < NameTtlMs) return cached.name;
    try {
      const res = await call({ path: '/api/users.info', query: { user }, signal }, UserInfo);
      const u = res.user;
      const name =
        u.profile?.display_name?.trim() ||
        u.profile?.real_name?.trim() ||
        u.real_name?.trim() ||
        u.name?.trim() ||
        user;
      names.set(user, { name, at: now() });
      return name;
    } catch {
      // Without users:read the owner's CRM name still beats a member id.
      const owner = primaryDeal(q)?.owner;
      return owner?.slackId === user ? owner.name : cached?.name ?? user;
    }
  }

  return {
    async send(q, signal) {
      const t = target(q);
      const channel = 'dm' in t ? await openDm(t.dm, signal) : t.channel;
      const { text, blocks } = slackPayload(q);
      const res = await call(
        {
          method: 'POST',
          path: '/api/chat.postMessage',
          headers: JsonUtf8,
          body: { channel, text, blocks },
          signal,
        },
        Posted,
      );
      if (!ConversationId.test(res.channel) || !MessageTs.test(res.ts)) {
        throw fail('invalidResponse', 'chat.postMessage answered without a channel id and ts.');
      }
      if ('channel' in t && t.channel !== res.channel) channelIds.set(t.channel, res.channel);
      return refOf(res.channel, res.ts, signal);
    },

    async reconcile(q, signal) {
      const channel = await conversationOf(target(q), signal);
      const created = Date.parse(q.createdAt);
      const oldest = Number.isNaN(created) ? undefined : slackTs(created - HistorySlackMs);
      let cursor: string | undefined;
      for (let page = 0; page < MaxPages; page++) {
        const res = await call(
          {
            path: '/api/conversations.history',
            query: { channel, oldest, limit: PageSize, cursor },
            signal,
          },
          MessagePage,
        );
        // Only a bot posts our message; a person quoting the marker is not a delivery.
        const hit = (res.messages ?? []).find((m) => m.bot_id && carriesMarker(m, q.id));
        if (hit && MessageTs.test(hit.ts)) return refOf(channel, hit.ts, signal);
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!cursor) return undefined;
      }
      // Sending again unseen could duplicate: stop and let the person decide.
      throw fail(
        'badRequest',
        `more than ${MaxPages * PageSize} messages arrived in the conversation since the question ` +
          'was asked, so whether it arrived could not be checked. It was not sent again; look in ' +
          'Slack and retry by hand if it is missing.',
      );
    },

    // No search index: history shows a stored message at once. The wait covers a post our side
    // gave up on (cut or timed out) that Slack may still be storing when we look.
    reconcileDelayMs: 10_000,

    async answer(q, remote, signal): Promise<Answer | undefined> {
      const ref = parseSlackRemoteId(remote.remoteId);
      if (!ref) return undefined;
      let parent: Message | undefined;
      let cursor: string | undefined;
      for (let page = 0; page < MaxPages; page++) {
        const res = await call(
          {
            path: '/api/conversations.replies',
            query: { channel: ref.channel, ts: ref.ts, limit: PageSize, cursor },
            signal,
          },
          MessagePage,
        );
        for (const m of res.messages ?? []) {
          if (m.ts === ref.ts) {
            parent ??= m;
            continue;
          }
          if (m.thread_ts !== ref.ts || NoticeSubtypes.has(m.subtype ?? '')) continue;
          // The asker here is the bot: its own messages (and, before the parent is seen, any bot's)
          // are not answers.
          const byBot = parent
            ? (!!parent.bot_id && m.bot_id === parent.bot_id) ||
              (!!parent.user && m.user === parent.user)
            : !!m.bot_id;
          if (byBot) continue;
          const text = slackText(m.text ?? '') || (m.files?.length ? 'Sent a file in Slack.' : '');
          if (!text) continue;
          const at = slackTsToIso(m.ts);
          if (!at) continue;
          const who = m.user ?? undefined;
          return { text, by: who ? await nameOf(q, who, signal) : undefined, at };
        }
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!cursor) break;
      }
      return undefined;
    },
  };
}
