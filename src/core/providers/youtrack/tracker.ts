// YouTrack REST (`<base>/api`, permanent token as Bearer). One GET per ticket: YouTrack returns
// only the attributes a request names in `fields` (plus `$type` on every object), so the issue, its
// custom fields, tags and comments come back in one answer shaped by IssueFields. The worklist is
// one search page (`GET /api/issues?query=…`, worklist.ts).
import * as z from 'zod/mini';
import { ProviderError, isProviderError, type ProviderErrorKind } from '../../errors';
import {
  readToken,
  type HttpClient,
  type HttpResponse,
  type ProviderHttpOptions,
  type TokenSource,
} from '../../http';
import type { Ticket, TicketComment } from '../../model';
import { dealRefsFromLabels, extractDealRefs, extractDealRefsFromText } from '../dealRefs';
import type { TicketTracker } from '../types';
import {
  WorklistFields,
  WorklistPageSize,
  refusedQuery,
  worklistLimit,
  worklistQuery,
} from './worklist';

/** The YouTrack settings the tracker and its HTTP options need. */
export interface YouTrackSettings {
  /** `https://acme.youtrack.cloud`, or a self-hosted address like `https://yt.acme.ru/youtrack`. */
  baseUrl: string;
  /** Name of the issue custom field holding CRM deal ids or URLs; empty: tags and links only. */
  dealField?: string;
  /** A YouTrack search query for the worklist instead of "my unresolved issues" (worklist.ts). */
  worklistQuery?: string;
}

/** The label in every message. */
export const YouTrackProvider = 'YouTrack';
/** The setting holding the address, named when it is wrong. */
export const YouTrackBaseSetting = 'customerContext.youtrack.baseUrl';

/** What the tracker asks for: exactly what the ticket shows, comments included. */
export const IssueFields =
  'idReadable,summary,description,resolved,reporter(login,fullName),' +
  'customFields(name,value(name,text,login,fullName,presentation)),tags(name),' +
  'comments(id,text,created,author(login,fullName))';

// Project ids start with a letter (Cyrillic ones included) and hold letters, digits and `_`.
const KEY_RE = /^\p{L}[\p{L}\p{N}_]*-\d{1,9}$/u;
/** More references than this is no list of deals (as in dealRefs.ts): bounds the CRM's work. */
const MAX_REFS = 50;
const MAX_SHOWN_KEY = 100;
// Jersey's own answer for a path no resource serves: the API is not at this address.
const NO_ROUTE = 'HTTP 404 Not Found';
// The attribute types YouTrack gives its state and user fields (their names can be changed).
const STATE_TYPES = new Set(['StateIssueCustomField', 'StateMachineIssueCustomField']);
const USER_TYPES = new Set(['SingleUserIssueCustomField', 'MultiUserIssueCustomField']);
// Which attribute of a field value object is its text, in order: text fields, enum and state
// elements, periods and dates, users.
const VALUE_TEXT_KEYS = ['text', 'name', 'presentation', 'fullName', 'login'] as const;

const user = z.looseObject({
  login: z.optional(z.nullable(z.string())),
  fullName: z.optional(z.nullable(z.string())),
});
/** YouTrack timestamps are epoch milliseconds (a Long), accepted as a numeric string too. */
export const epochMs = z.union([z.number(), z.string()]);
const comment = z.looseObject({
  id: z.string(),
  text: z.optional(z.nullable(z.string())),
  created: z.optional(z.nullable(epochMs)),
  author: z.optional(z.nullable(user)),
});
// A value's shape depends on the field type (a string, a number, `{name}`, `{text}`, a user, an
// array of those, or null) and fields the ticket never reads may hold anything: values are read
// leniently below, so an unusual field can never hide the ticket.
const customField = z.looseObject({
  name: z.string(),
  $type: z.optional(z.string()),
  value: z.optional(z.unknown()),
});
const issueSchema = z.looseObject({
  idReadable: z.string(),
  summary: z.string(),
  description: z.optional(z.nullable(z.string())),
  resolved: z.optional(z.nullable(epochMs)),
  reporter: z.optional(z.nullable(user)),
  customFields: z.optional(z.nullable(z.array(customField))),
  tags: z.optional(z.nullable(z.array(z.looseObject({ name: z.string() })))),
  comments: z.optional(z.nullable(z.array(comment))),
});
const issuesSchema = z.array(issueSchema);
const meSchema = z.looseObject({ login: z.string(), fullName: z.optional(z.nullable(z.string())) });

/** An issue as the tracker reads it (after validation). */
export type YouTrackIssue = z.infer<typeof issueSchema>;
/** A comment as YouTrack answers it (after validation). */
export type YouTrackComment = z.infer<typeof comment>;
/** The schema of one comment, shared with the comment sender. */
export const YouTrackCommentSchema = comment;

/** The YouTrack address without trailing slashes or a pasted `/api` (the API is `<base>/api`). */
export function youtrackBase(baseUrl: string): string {
  let b = baseUrl.trim();
  while (b.endsWith('/')) b = b.slice(0, -1);
  return /\/api$/i.test(b) ? b.slice(0, -4) : b;
}

/** The issue's page: `<base>/issue/ACME-42`. */
export function youtrackIssueUrl(baseUrl: string, key: string): string {
  return `${youtrackBase(baseUrl)}/issue/${encodeURIComponent(key)}`;
}

/**
 * `key` upper-cased when it is a readable issue id (`ACME-42`, `ПРОЕКТ-7`); otherwise a
 * ProviderError of `kind` saying so (nothing is sent).
 */
export function youtrackKey(key: string, kind: ProviderErrorKind): string {
  const k = key.trim().toUpperCase();
  if (KEY_RE.test(k)) return k;
  const shown = key.length > MAX_SHOWN_KEY ? `${key.slice(0, MAX_SHOWN_KEY - 1)}…` : key;
  throw new ProviderError(
    kind,
    `${YouTrackProvider}: "${shown}" is not a YouTrack issue id (like ACME-42).`,
    { provider: YouTrackProvider },
  );
}

/** ISO time of a YouTrack timestamp (epoch ms), or '' when it is missing or not a time. */
export function isoFromEpoch(value: unknown): string {
  const ms = typeof value === 'string' && /^-?\d{1,16}$/.test(value.trim()) ? Number(value) : value;
  // Date accepts ±8.64e15 ms; beyond that toISOString throws.
  if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return '';
  return new Date(ms).toISOString();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field value object's text (`{text}`, `{name}`, `{presentation}`, a user), or undefined. */
function objectText(o: Record<string, unknown>): string | undefined {
  for (const k of VALUE_TEXT_KEYS) {
    const v = o[k];
    if (typeof v === 'string' && v.trim()) return v;
  }
  return undefined;
}

/**
 * A custom field value as people read it: a string or number as it is, an object by its text or
 * name, an array joined by commas; undefined when empty or null.
 */
export function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() ? value : undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (Array.isArray(value)) {
    const parts = value.map((v) => (Array.isArray(v) ? undefined : fieldText(v)));
    const texts = parts.filter((t): t is string => t !== undefined);
    return texts.length ? texts.join(', ') : undefined;
  }
  return isObject(value) ? objectText(value) : undefined;
}

/** A field value with its objects replaced by their text, as extractDealRefs reads values. */
function plainValue(value: unknown, depth: number): unknown {
  if (Array.isArray(value)) {
    return depth > 2 ? undefined : value.map((v) => plainValue(v, depth + 1));
  }
  if (isObject(value)) return objectText(value);
  return value;
}

/** Deal references in a custom field value of any shape (see plainValue), at most 50. */
export function dealRefsFromFieldValue(value: unknown): string[] {
  return extractDealRefs(plainValue(value, 0));
}

type Field = z.infer<typeof customField>;

/** The field named `name`: exactly, else ignoring case and surrounding blanks. */
function byName(fields: readonly Field[], name: string): Field | undefined {
  const wanted = name.trim().toLocaleLowerCase();
  return (
    fields.find((f) => f.name === name) ??
    fields.find((f) => f.name.trim().toLocaleLowerCase() === wanted)
  );
}

function comments(raw: readonly YouTrackComment[]): TicketComment[] {
  return raw.map((c) => ({
    id: c.id,
    author: c.author?.fullName || c.author?.login || 'Unknown',
    created: isoFromEpoch(c.created),
    text: c.text ?? '',
  }));
}

/** The ticket a validated issue answer describes (pure: no request). */
export function youtrackTicket(issue: YouTrackIssue, settings: YouTrackSettings): Ticket {
  const fields = issue.customFields ?? [];
  const state =
    byName(fields, 'State') ??
    fields.find((f) => f.$type !== undefined && STATE_TYPES.has(f.$type));
  const assignee =
    byName(fields, 'Assignee') ??
    fields.find((f) => f.$type !== undefined && USER_TYPES.has(f.$type));
  const labels = (issue.tags ?? []).map((t) => t.name);
  const dealField = settings.dealField?.trim() ?? '';
  const fromField = dealField ? dealRefsFromFieldValue(byName(fields, dealField)?.value) : [];
  const refs = new Set([
    ...fromField,
    ...dealRefsFromLabels(labels),
    ...extractDealRefsFromText(issue.description),
  ]);
  return {
    // A moved issue answers under its new id.
    key: issue.idReadable,
    title: issue.summary,
    status: fieldText(state?.value) ?? (issue.resolved != null ? 'Resolved' : undefined),
    url: youtrackIssueUrl(settings.baseUrl, issue.idReadable),
    assignee: fieldText(assignee?.value),
    labels,
    dealRefs: [...refs].slice(0, MAX_REFS),
    comments: comments(issue.comments ?? []),
  };
}

/** The message of a YouTrack error body (`{error, error_description}`) or of a plain-text one. */
export function youtrackVendorMessage(_status: number, data: unknown): string | undefined {
  // An HTML page is left to the HTTP layer, which names it by its title.
  if (typeof data === 'string') return data.trim() && !/^\s*</.test(data) ? data.trim() : undefined;
  if (!isObject(data)) return undefined;
  const description =
    typeof data.error_description === 'string' ? data.error_description.trim() : '';
  const error = typeof data.error === 'string' ? data.error.trim() : '';
  return description || error || undefined;
}

/**
 * A 404 that does not come from YouTrack's REST API (a web server's page, or the API's answer for
 * a path it does not serve): the address is wrong, typically a self-hosted base without its
 * `/youtrack` path. A 404 with YouTrack's error body (in any language) is a missing entity.
 */
function isWrongAddress(res: HttpResponse): boolean {
  if (res.status !== 404) return false;
  const d = res.data;
  if (!isObject(d) || typeof d.error !== 'string') return true;
  return typeof d.error_description === 'string' && d.error_description.trim() === NO_ROUTE;
}

/** A pasted `Bearer ` prefix is dropped: the header adds its own. */
function bearer(token: string): string {
  return token.replace(/^Bearer\s+/i, '');
}

/** HTTP options for YouTrack: Bearer permanent token, `{error, error_description}` bodies. */
export function youtrackHttpOptions(
  settings: Pick<YouTrackSettings, 'baseUrl'>,
  token: TokenSource,
): ProviderHttpOptions {
  return {
    provider: YouTrackProvider,
    baseUrl: youtrackBase(settings.baseUrl),
    baseUrlSetting: YouTrackBaseSetting,
    auth: async () => ({
      Authorization: `Bearer ${bearer(await readToken(YouTrackProvider, token))}`,
    }),
    vendorMessage: youtrackVendorMessage,
    classify: (res) => (isWrongAddress(res) ? 'notConfigured' : undefined),
    describe: (kind, status, vendor) =>
      kind === 'notConfigured' && status === 404
        ? `HTTP 404 — no YouTrack REST API answers at this address` +
          `${vendor ? ` (${vendor})` : ''}. Set ${YouTrackBaseSetting} to the address YouTrack ` +
          'opens at, e.g. https://acme.youtrack.cloud or https://yt.example.com/youtrack.'
        : undefined,
  };
}

/** A YouTrack tracker over a client built from `youtrackHttpOptions(settings, …)`. */
export function youtrackTracker(http: HttpClient, settings: YouTrackSettings): TicketTracker {
  return {
    kind: 'youtrack',
    label: YouTrackProvider,
    async getTicket(key: string, signal?: AbortSignal): Promise<Ticket> {
      const k = youtrackKey(key, 'notFound');
      let issue: YouTrackIssue;
      try {
        issue = await http.json(
          { path: `/api/issues/${encodeURIComponent(k)}`, query: { fields: IssueFields }, signal },
          issueSchema,
        );
      } catch (e) {
        if (isProviderError(e, 'notFound')) {
          const vendor = e.details.vendorMessage;
          const message =
            `${YouTrackProvider}: ${k} was not found (it does not exist, or the token's user may ` +
            `not see it).${vendor ? ` ${/[.!?…]$/.test(vendor) ? vendor : `${vendor}.`}` : ''}`;
          throw new ProviderError('notFound', message, e.details);
        }
        throw e;
      }
      return youtrackTicket(issue, settings);
    },
    async listMine(options, signal) {
      const max = worklistLimit(options.limit);
      if (max === 0) return [];
      const { query, source } = worklistQuery(options.query, settings.worklistQuery);
      const out: YouTrackIssue[] = [];
      try {
        while (out.length < max) {
          const top = Math.min(WorklistPageSize, max - out.length);
          const page = await http.json(
            {
              path: '/api/issues',
              query: { query, fields: WorklistFields, $top: top, $skip: out.length },
              signal,
            },
            issuesSchema,
          );
          out.push(...page);
          // No total: a short page is the last one.
          if (page.length < top) break;
        }
      } catch (e) {
        throw refusedQuery(e, source);
      }
      return out.slice(0, max).map((issue) => youtrackTicket(issue, settings));
    },
    async whoAmI(signal?: AbortSignal): Promise<string> {
      const me = await http.json(
        { path: '/api/users/me', query: { fields: 'login,fullName' }, signal },
        meSchema,
      );
      return me.fullName && me.fullName !== me.login ? `${me.fullName} (${me.login})` : me.login;
    },
  };
}
