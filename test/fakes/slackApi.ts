// A fake Slack Web API (apis.md §10 and Slack's method reference) for the bot question route:
// chat.postMessage, conversations.open, conversations.history, conversations.replies,
// conversations.list, chat.getPermalink and users.info, under /api/<method>.
//
// Quirks kept from the real service: errors are HTTP 200 with `{ ok: false, error }` (and `needed`
// / `provided` for missing_scope); only rate limits are HTTP 429, with `Retry-After` seconds and
// `{ ok: false, error: "ratelimited" }`; ids are strings (`C…`, `D…`, `U…`, `B…`); a message's id
// is its `ts` ("1732960000.000100", seconds and microseconds); history is newest first, a thread
// oldest first with its parent repeated at the top of every page; cursors are opaque base64
// (`next_ts:…`) and the last page says `next_cursor: ""`; bot messages carry `bot_id` and
// `app_id`; replies carry `thread_ts` and `parent_user_id`; JSON without a charset gets a
// `missing_charset` warning; a bot reads and posts only where it is a member.
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

/** A message as Slack stores and returns it (the fields this route and its tests use). */
export interface SlackMessage {
  type: 'message';
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  subtype?: string;
  team?: string;
  blocks?: unknown[];
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users_count?: number;
  reply_users?: string[];
  latest_reply?: string;
  bot_profile?: Record<string, unknown>;
  files?: unknown[];
}

/** A conversation: a channel (public or private) or a direct message with one person. */
export interface SlackConversation {
  id: string;
  name?: string;
  is_private: boolean;
  is_im: boolean;
  is_archived: boolean;
  /** The person on the other side of a DM. */
  user?: string;
  /** Whether the bot is a member (posting and reading need it). */
  botIsMember: boolean;
  /** Every message, top level and replies, in posting order. */
  messages: SlackMessage[];
}

/** A workspace member as users.info returns it. */
export interface SlackUser {
  id: string;
  team_id: string;
  name: string;
  deleted: boolean;
  real_name: string;
  is_bot: boolean;
  tz: string;
  profile: { real_name: string; display_name: string; email?: string };
}

/** Options of the fake workspace. */
export interface FakeSlackApiOptions {
  /** The bot token every request must carry as `Authorization: Bearer …`. */
  token?: string;
  /** The bot token scopes the app was granted. */
  scopes?: string[];
  /** Clock for new message timestamps (epoch ms). */
  now?: () => number;
}

/** What each method needs, per conversation type where it differs. */
const NEEDS = {
  post: 'chat:write',
  open: 'im:write',
  users: 'users:read',
  history: { public: 'channels:history', private: 'groups:history', im: 'im:history' },
  list: { public: 'channels:read', private: 'groups:read' },
} as const;

/** Every scope the README asks for, plus the optional ones. */
export const AllSlackScopes = [
  'chat:write',
  'im:write',
  'channels:history',
  'groups:history',
  'im:history',
  'users:read',
  'channels:read',
  'groups:read',
];

const TEAM = 'T0ACME0001';
const ok = (json: Record<string, unknown>): Reply => ({ json: { ok: true, ...json } });
const slackError = (error: string, extra: Record<string, unknown> = {}): Reply => ({
  json: { ok: false, error, ...extra },
});

/** The 429 Slack sends when a method's tier (or 1 message/s per channel) is used up. */
export function slackRateLimitReply(retryAfterSeconds: number): Reply {
  return {
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    json: { ok: false, error: 'ratelimited' },
  };
}

const encodeCursor = (s: string) => Buffer.from(s, 'utf8').toString('base64');
function decodeCursor(c: string): string | undefined {
  const s = Buffer.from(c, 'base64').toString('utf8');
  return /^next_(ts|index):[\d.]+$/.test(s) ? s : undefined;
}
const tsNum = (ts: string) => Number(ts);

/** One Slack workspace with the app installed; seed it, then point the client at `url`. */
export class FakeSlackApi extends FakeServer {
  readonly token: string;
  readonly scopes: Set<string>;
  readonly botUserId = 'U07CCBOT01';
  readonly botId = 'B07CCBOT01';
  readonly appId = 'A07CCAPP01';
  readonly users = new Map<string, SlackUser>();
  readonly conversations = new Map<string, SlackConversation>();
  /** Bodies of accepted chat.postMessage calls, in order. */
  readonly posted: Array<Record<string, unknown>> = [];
  /** When set, no page holds more than this many items, whatever `limit` asks (Slack may do so). */
  maxPage?: number;
  /**
   * Methods whose next successful calls are carried out (a message is stored) but whose answer is
   * cut halfway, so the client cannot know the outcome: method → how many more times.
   */
  readonly cutAnswer = new Map<string, number>();
  private revoked = false;
  private lastMicros = 0;
  private nextDm = 1;
  private readonly now: () => number;

  constructor(options: FakeSlackApiOptions = {}) {
    super('Slack');
    this.token = options.token ?? 'xoxb-7301124587-7302241991-Zk3fAkeB0tT0kenV4lue9';
    this.scopes = new Set(options.scopes ?? AllSlackScopes);
    this.now = options.now ?? Date.now;
    this.addUser('U024BE7LH', 'anna.petrova', 'Анна Петрова', 'Аня Петрова');
    this.addUser('U05SALES02', 'boris', 'Борис Смирнов', '');
    this.users.set(this.botUserId, {
      ...this.userRecord(this.botUserId, 'customer-context', 'Customer Context', ''),
      is_bot: true,
    });
    this.addChannel('C0SALES001', 'sales', { botIsMember: true });
    this.addChannel('C0DEALS002', 'сделки-ru', { botIsMember: true, isPrivate: true });
    this.addChannel('C0GENERAL3', 'general', { botIsMember: false });
    this.registerRoutes();
  }

  addUser(id: string, name: string, realName: string, displayName: string): string {
    this.users.set(id, this.userRecord(id, name, realName, displayName));
    return id;
  }

  addChannel(
    id: string,
    name: string,
    opts: { botIsMember?: boolean; isPrivate?: boolean; archived?: boolean } = {},
  ): SlackConversation {
    const c: SlackConversation = {
      id,
      name,
      is_private: opts.isPrivate ?? false,
      is_im: false,
      is_archived: opts.archived ?? false,
      botIsMember: opts.botIsMember ?? true,
      messages: [],
    };
    this.conversations.set(id, c);
    return c;
  }

  /** The DM between the bot and `user`, if one was opened. */
  dmWith(user: string): SlackConversation | undefined {
    return [...this.conversations.values()].find((c) => c.is_im && c.user === user);
  }

  /** Top-level messages of a conversation (what the channel shows), oldest first. */
  topLevel(channel: string): SlackMessage[] {
    return (this.conversations.get(channel)?.messages ?? []).filter(
      (m) => !m.thread_ts || m.thread_ts === m.ts,
    );
  }

  /** Every message the bot posted anywhere, oldest first. */
  botMessages(): SlackMessage[] {
    return [...this.conversations.values()].flatMap((c) =>
      c.messages.filter((m) => m.bot_id === this.botId && (!m.thread_ts || m.thread_ts === m.ts)),
    );
  }

  /** A person's reply in a thread, as the Slack client would store it; returns its ts. */
  reply(channel: string, threadTs: string, user: string, text: string): string {
    return this.store(channel, { type: 'message', user, text, team: TEAM }, threadTs).ts;
  }

  /** A message by the bot itself in a thread (a reminder, say): never an answer. */
  botReply(channel: string, threadTs: string, text: string): string {
    return this.store(channel, this.botMessage(text), threadTs).ts;
  }

  /** A top-level message by a person (e.g. one quoting a question's marker). */
  say(channel: string, user: string, text: string): string {
    return this.store(channel, { type: 'message', user, text, team: TEAM }).ts;
  }

  /** The token is revoked: every call answers `token_revoked`. */
  revoke(): void {
    this.revoked = true;
  }

  /** The next `times` calls of `method` answer 429 with `Retry-After: seconds`. */
  rateLimit(method: string, seconds: number, times = 1): this {
    return this.inject(
      { type: 'reply', reply: slackRateLimitReply(seconds) },
      times,
      (r) => r.path === `/api/${method}`,
    );
  }

  /** The next `times` calls of `method` answer `{ ok: false, error }` (HTTP 200). */
  fail(method: string, error: string, times = 1, extra: Record<string, unknown> = {}): this {
    return this.inject(
      { type: 'reply', reply: slackError(error, extra) },
      times,
      (r) => r.path === `/api/${method}`,
    );
  }

  /**
   * The next `times` successful calls of `method` are carried out, then their answer is cut
   * halfway (headers and part of the body, then the connection closes): Slack stored the message,
   * the client never learns it.
   */
  cutAfterStore(method = 'chat.postMessage', times = 1): this {
    this.cutAnswer.set(method, (this.cutAnswer.get(method) ?? 0) + times);
    return this;
  }

  /** Requests to one method, in order. */
  calls(method: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === `/api/${method}`);
  }

  // ---- internals --------------------------------------------------------------------------------

  private userRecord(id: string, name: string, realName: string, displayName: string): SlackUser {
    return {
      id,
      team_id: TEAM,
      name,
      deleted: false,
      real_name: realName,
      is_bot: false,
      tz: 'Europe/Moscow',
      profile: { real_name: realName, display_name: displayName },
    };
  }

  private botMessage(text: string, blocks?: unknown[]): Omit<SlackMessage, 'ts'> {
    return {
      type: 'message',
      user: this.botUserId,
      bot_id: this.botId,
      app_id: this.appId,
      text,
      team: TEAM,
      ...(blocks ? { blocks } : {}),
      bot_profile: { id: this.botId, app_id: this.appId, name: 'Customer Context', deleted: false },
    };
  }

  /** A new unique, increasing `ts` from the clock. */
  private nextTs(): string {
    const micros = Math.max(Math.floor(this.now()) * 1000, this.lastMicros + 100);
    this.lastMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  private store(channel: string, m: Omit<SlackMessage, 'ts'>, threadTs?: string): SlackMessage {
    const c = this.conversations.get(channel);
    if (!c) throw new Error(`fake Slack: no conversation ${channel}`);
    const msg: SlackMessage = { ...m, ts: this.nextTs() };
    if (threadTs) {
      const parent = c.messages.find((x) => x.ts === threadTs);
      if (!parent) throw new Error(`fake Slack: no message ${threadTs} in ${channel}`);
      msg.thread_ts = threadTs;
      msg.parent_user_id = parent.user;
      parent.thread_ts = threadTs;
      parent.reply_count = (parent.reply_count ?? 0) + 1;
      const who = msg.user ?? msg.bot_id ?? '';
      parent.reply_users = [...new Set([...(parent.reply_users ?? []), who])];
      parent.reply_users_count = parent.reply_users.length;
      parent.latest_reply = msg.ts;
    }
    c.messages.push(msg);
    return msg;
  }

  /** The arguments of a call: the query string, or a JSON body for POST. */
  private args(req: ReceivedRequest): Record<string, unknown> {
    const out: Record<string, unknown> = Object.fromEntries(req.query.entries());
    if (req.method === 'POST' && req.body && typeof req.body === 'object') {
      Object.assign(out, req.body as Record<string, unknown>);
    }
    return out;
  }

  private missing(scope: string): Reply {
    return slackError('missing_scope', { needed: scope, provided: [...this.scopes].join(',') });
  }

  /** Auth first, as Slack does, then the method; a JSON body without charset gets a warning. */
  private method(handler: (args: Record<string, unknown>, req: ReceivedRequest) => Reply) {
    return (req: ReceivedRequest): Reply => {
      const auth = String(req.headers.authorization ?? '');
      if (!auth) return slackError('not_authed');
      if (auth !== `Bearer ${this.token}`) return slackError('invalid_auth');
      if (this.revoked) return slackError('token_revoked');
      const type = String(req.headers['content-type'] ?? '');
      if (req.method === 'POST' && !/^application\/json/i.test(type)) {
        return slackError('invalid_form_data');
      }
      const reply = handler(this.args(req), req);
      const method = req.path.replace(/^\/api\//, '');
      const cuts = this.cutAnswer.get(method) ?? 0;
      if (cuts > 0 && (reply.json as { ok?: unknown } | undefined)?.ok === true) {
        this.cutAnswer.set(method, cuts - 1);
        const partial = JSON.stringify(reply.json).slice(0, 24);
        const headers = {
          'content-type': 'application/json; charset=utf-8',
          'content-length': '4096',
          connection: 'close',
        };
        return { headers, raw: partial };
      }
      if (req.method === 'POST' && !/charset=utf-8/i.test(type) && reply.json) {
        const j = reply.json as Record<string, unknown>;
        j.warning = 'missing_charset';
        j.response_metadata = { warnings: ['missing_charset'] };
      }
      return reply;
    };
  }

  /** A conversation by id, or (for posting) by name with or without `#`. */
  private find(channel: unknown, byName: boolean): SlackConversation | undefined {
    if (typeof channel !== 'string' || !channel) return undefined;
    const byId = this.conversations.get(channel);
    if (byId || !byName) return byId;
    const name = channel.replace(/^#/, '');
    return [...this.conversations.values()].find((c) => c.name === name);
  }

  private historyScope(c: SlackConversation): string {
    return c.is_im ? NEEDS.history.im : c.is_private ? NEEDS.history.private : NEEDS.history.public;
  }

  private canRead(c: SlackConversation | undefined): Reply | undefined {
    if (!c || (c.is_private && !c.botIsMember)) return slackError('channel_not_found');
    const scope = this.historyScope(c);
    if (!this.scopes.has(scope)) return this.missing(scope);
    if (!c.botIsMember) return slackError('not_in_channel');
    return undefined;
  }

  private limitOf(args: Record<string, unknown>, dflt: number, max: number): number | undefined {
    const raw = args.limit === undefined ? dflt : Number(args.limit);
    if (!Number.isInteger(raw) || raw < 0) return undefined;
    const n = raw === 0 ? dflt : Math.min(raw, max);
    return this.maxPage ? Math.min(n, this.maxPage) : n;
  }

  private registerRoutes(): void {
    this.on(
      'POST',
      '/api/chat.postMessage',
      this.method((a) => {
        if (!this.scopes.has(NEEDS.post)) return this.missing(NEEDS.post);
        const c = this.find(a.channel, true);
        if (!c || (c.is_private && !c.botIsMember)) return slackError('channel_not_found');
        if (c.is_archived) return slackError('is_archived');
        if (!c.botIsMember) return slackError('not_in_channel');
        const text = typeof a.text === 'string' ? a.text : '';
        const blocks = a.blocks;
        if (!text && blocks === undefined) return slackError('no_text');
        if (text.length > 40_000) return slackError('msg_too_long');
        if (blocks !== undefined && !validBlocks(blocks)) return slackError('invalid_blocks');
        const thread = typeof a.thread_ts === 'string' ? a.thread_ts : undefined;
        if (thread && !c.messages.some((m) => m.ts === thread)) return slackError('thread_not_found');
        this.posted.push(a);
        const stored = this.store(
          c.id,
          this.botMessage(text, Array.isArray(blocks) ? blocks : undefined),
          thread,
        );
        return ok({ channel: c.id, ts: stored.ts, message: { ...stored } });
      }),
    );

    this.on(
      'POST',
      '/api/conversations.open',
      this.method((a) => {
        if (!this.scopes.has(NEEDS.open)) return this.missing(NEEDS.open);
        const users = typeof a.users === 'string' ? a.users.split(',').filter(Boolean) : [];
        if (users.length === 0) return slackError('users_list_not_supplied');
        if (users.length > 1) return slackError('method_not_supported_for_channel_type');
        const user = this.users.get(users[0]);
        if (!user) return slackError('user_not_found');
        if (user.deleted) return slackError('user_disabled');
        if (user.is_bot) return slackError('cannot_dm_bot');
        const existing = this.dmWith(user.id);
        if (existing) return ok({ no_op: true, already_open: true, channel: { id: existing.id } });
        const id = `D0${String(this.nextDm++).padStart(8, '0')}`;
        this.conversations.set(id, {
          id,
          is_private: true,
          is_im: true,
          is_archived: false,
          user: user.id,
          botIsMember: true,
          messages: [],
        });
        return ok({ channel: { id } });
      }),
    );

    this.on(
      'GET',
      '/api/conversations.history',
      this.method((a) => {
        const c = this.find(a.channel, false);
        const refused = this.canRead(c);
        if (refused || !c) return refused ?? slackError('channel_not_found');
        const limit = this.limitOf(a, 100, 999);
        if (limit === undefined) return slackError('invalid_limit');
        const oldest = a.oldest === undefined ? 0 : tsNum(String(a.oldest));
        const latest = a.latest === undefined ? Infinity : tsNum(String(a.latest));
        if (Number.isNaN(oldest) || Number.isNaN(latest)) return slackError('invalid_ts_oldest');
        let before = latest;
        if (a.cursor !== undefined && a.cursor !== '') {
          const cur = decodeCursor(String(a.cursor));
          if (!cur?.startsWith('next_ts:')) return slackError('invalid_cursor');
          before = Number(cur.slice('next_ts:'.length));
        }
        // Newest first; thread replies stay in their thread.
        const all = this.topLevel(c.id)
          .filter((m) => tsNum(m.ts) > oldest && tsNum(m.ts) < before)
          .reverse();
        const page = all.slice(0, limit);
        const more = all.length > page.length;
        return ok({
          messages: page.map((m) => ({ ...m })),
          has_more: more,
          pin_count: 0,
          channel_actions_ts: null,
          channel_actions_count: 0,
          response_metadata: {
            next_cursor: more ? encodeCursor(`next_ts:${page[page.length - 1].ts}`) : '',
          },
        });
      }),
    );

    this.on(
      'GET',
      '/api/conversations.replies',
      this.method((a) => {
        const c = this.find(a.channel, false);
        const refused = this.canRead(c);
        if (refused || !c) return refused ?? slackError('channel_not_found');
        const ts = typeof a.ts === 'string' ? a.ts : '';
        const parent = c.messages.find((m) => m.ts === ts);
        if (!parent) return slackError('thread_not_found');
        const limit = this.limitOf(a, 1000, 1000);
        if (limit === undefined) return slackError('invalid_limit');
        let from = 0;
        if (a.cursor !== undefined && a.cursor !== '') {
          const cur = decodeCursor(String(a.cursor));
          if (!cur?.startsWith('next_index:')) return slackError('invalid_cursor');
          from = Number(cur.slice('next_index:'.length));
        }
        const replies = c.messages.filter((m) => m.thread_ts === ts && m.ts !== ts);
        // The parent heads every page, replies follow oldest first.
        const page = replies.slice(from, from + Math.max(1, limit - 1));
        const more = from + page.length < replies.length;
        return ok({
          messages: [{ ...parent }, ...page.map((m) => ({ ...m }))],
          has_more: more,
          response_metadata: {
            next_cursor: more ? encodeCursor(`next_index:${from + page.length}`) : '',
          },
        });
      }),
    );

    this.on(
      'GET',
      '/api/conversations.list',
      this.method((a) => {
        const types = String(a.types ?? 'public_channel').split(',');
        for (const [type, scope] of [
          ['public_channel', NEEDS.list.public],
          ['private_channel', NEEDS.list.private],
        ] as const) {
          if (types.includes(type) && !this.scopes.has(scope)) return this.missing(scope);
        }
        const limit = this.limitOf(a, 100, 1000);
        if (limit === undefined) return slackError('invalid_limit');
        let from = 0;
        if (a.cursor !== undefined && a.cursor !== '') {
          const cur = decodeCursor(String(a.cursor));
          if (!cur?.startsWith('next_index:')) return slackError('invalid_cursor');
          from = Number(cur.slice('next_index:'.length));
        }
        // A bot lists the private channels it is in, and every public one.
        const listed = (c: SlackConversation) =>
          c.is_private
            ? types.includes('private_channel') && c.botIsMember
            : types.includes('public_channel');
        const all = [...this.conversations.values()].filter(
          (c) => !c.is_im && listed(c) && !(a.exclude_archived === 'true' && c.is_archived),
        );
        const page = all.slice(from, from + limit);
        const more = from + page.length < all.length;
        return ok({
          channels: page.map((c) => ({
            id: c.id,
            name: c.name,
            is_channel: !c.is_private,
            is_group: false,
            is_im: false,
            is_private: c.is_private,
            is_archived: c.is_archived,
            is_member: c.botIsMember,
            created: 1_700_000_000,
          })),
          response_metadata: {
            next_cursor: more ? encodeCursor(`next_index:${from + page.length}`) : '',
          },
        });
      }),
    );

    this.on(
      'GET',
      '/api/chat.getPermalink',
      this.method((a) => {
        const c = this.find(a.channel, false);
        if (!c) return slackError('channel_not_found');
        const m = c.messages.find((x) => x.ts === a.message_ts);
        if (!m) return slackError('message_not_found');
        const p = `p${m.ts.replace('.', '')}`;
        const thread =
          m.thread_ts && m.thread_ts !== m.ts ? `?thread_ts=${m.thread_ts}&cid=${c.id}` : '';
        const permalink = `https://acme-ru.slack.com/archives/${c.id}/${p}${thread}`;
        return ok({ channel: c.id, permalink });
      }),
    );

    this.on(
      'GET',
      '/api/users.info',
      this.method((a) => {
        if (!this.scopes.has(NEEDS.users)) return this.missing(NEEDS.users);
        const u = this.users.get(String(a.user ?? ''));
        return u ? ok({ user: structuredClone(u) }) : slackError('user_not_found');
      }),
    );
  }
}

/** Slack's own limits on the blocks we send (header 150, section 3,000 characters, 50 blocks). */
function validBlocks(blocks: unknown): boolean {
  if (!Array.isArray(blocks) || blocks.length > 50) return false;
  return blocks.every((b: Record<string, unknown> | null) => {
    const t = b?.text as { type?: unknown; text?: unknown } | undefined;
    switch (b?.type) {
      case 'header':
        return (
          t?.type === 'plain_text' && typeof t.text === 'string' && !!t.text && t.text.length <= 150
        );
      case 'section':
        return typeof t?.text === 'string' && !!t.text && t.text.length <= 3000;
      case 'context':
        return Array.isArray(b.elements) && b.elements.length > 0 && b.elements.length <= 10;
      case 'divider':
        return true;
      default:
        return false;
    }
  });
}
