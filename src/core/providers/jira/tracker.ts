// Jira Cloud (REST v3, ADF rich text, Basic e-mail:token) and Data Center (REST v2, strings,
// Bearer PAT). One GET per ticket: the issue with only the fields we show, comments included.
// The worklist is one JQL search page (`/search/jql` on Cloud, `/search` on Data Center).
import * as z from 'zod/mini';
import { ProviderError, isProviderError } from '../../errors';
import { readToken, type HttpClient, type ProviderHttpOptions, type TokenSource } from '../../http';
import type { Ticket, TicketComment } from '../../model';
import { dealRefsFromLabels, extractDealRefs } from '../dealRefs';
import type { TicketTracker } from '../types';
import {
  MaxWorklistPages,
  WorklistPageSize,
  refusedQuery,
  worklistJql,
  worklistLimit,
} from './worklist';

/** The Jira settings the tracker and its HTTP options need. */
export interface JiraSettings {
  baseUrl: string;
  deployment: 'cloud' | 'datacenter';
  /** Cloud only: the Atlassian account e-mail the API token belongs to. */
  email?: string;
  /** Custom field id holding deal ids or CRM URLs, e.g. `customfield_10050`. */
  dealField?: string;
  /** JQL for the worklist instead of "my open issues" (`worklist.ts`). */
  worklistQuery?: string;
}

const KEY_RE = /^[A-Z][A-Z0-9_]*-\d+$/;
const FIELD_RE = /^[A-Za-z0-9_.-]+$/;
const MAX_ADF_DEPTH = 64;

const user = z.looseObject({
  displayName: z.optional(z.nullable(z.string())),
  name: z.optional(z.nullable(z.string())),
  accountId: z.optional(z.nullable(z.string())),
  emailAddress: z.optional(z.nullable(z.string())),
});
// v3 sends an ADF document, v2 a wiki-markup string; ADF is flattened leniently below.
const richText = z.optional(z.nullable(z.union([z.string(), z.looseObject({ type: z.string() })])));
const comment = z.looseObject({
  id: z.string(),
  author: z.optional(z.nullable(user)),
  body: richText,
  created: z.string(),
});
const issueSchema = z.looseObject({
  id: z.string(),
  key: z.string(),
  fields: z.looseObject({
    summary: z.string(),
    status: z.optional(z.nullable(z.looseObject({ name: z.string() }))),
    assignee: z.optional(z.nullable(user)),
    labels: z.optional(z.nullable(z.array(z.string()))),
    comment: z.optional(z.nullable(z.looseObject({ comments: z.array(comment) }))),
  }),
});
// Cloud's token-paged search: the last page has `isLast: true` and no `nextPageToken`.
const cloudSearchSchema = z.looseObject({
  issues: z.array(issueSchema),
  nextPageToken: z.optional(z.nullable(z.string())),
  isLast: z.optional(z.nullable(z.boolean())),
});
// Data Center's offset-paged search.
const dcSearchSchema = z.looseObject({
  issues: z.array(issueSchema),
  startAt: z.optional(z.nullable(z.number())),
  total: z.optional(z.nullable(z.number())),
});
const myselfSchema = z.looseObject({
  displayName: z.string(),
  emailAddress: z.optional(z.nullable(z.string())),
});

type AdfNode = {
  type?: unknown;
  text?: unknown;
  attrs?: unknown;
  content?: unknown;
  marks?: unknown;
};

function isNode(v: unknown): v is AdfNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

function children(node: AdfNode): unknown[] {
  return Array.isArray(node.content) ? node.content : [];
}

/** Prefixes the first line of an item with its marker and indents the rest under it. */
function listItem(marker: string, text: string): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  return lines.map((l, i) => (i === 0 ? marker : ' '.repeat(marker.length)) + l).join('\n') + '\n';
}

function textNode(node: AdfNode): string {
  const text = typeof node.text === 'string' ? node.text : '';
  const marks = Array.isArray(node.marks) ? node.marks : [];
  const link = marks.find((m) => isNode(m) && m.type === 'link') as AdfNode | undefined;
  const href = str((link?.attrs as Record<string, unknown> | undefined)?.href);
  // Keep the target of a link whose text hides it: deal URLs are often pasted as "Deal 123".
  return href && href !== text ? `${text} (${href})` : text;
}

function render(node: unknown, depth: number): string {
  if (!isNode(node) || depth > MAX_ADF_DEPTH) return '';
  const attrs = (isNode(node.attrs) ? node.attrs : {}) as Record<string, unknown>;
  const kids = () => children(node).map((c) => render(c, depth + 1)).join('');
  switch (node.type) {
    case 'text':
      return textNode(node);
    case 'hardBreak':
      return '\n';
    case 'mention': {
      const t = str(attrs.text) ?? str(attrs.id) ?? 'someone';
      return t.startsWith('@') ? t : `@${t}`;
    }
    case 'emoji':
      return str(attrs.text) ?? str(attrs.shortName) ?? '';
    case 'status':
      return str(attrs.text) ?? '';
    case 'date': {
      const ms = Number(attrs.timestamp);
      return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : '';
    }
    case 'inlineCard':
      return str(attrs.url) ?? '';
    case 'blockCard':
    case 'embedCard':
      return `${str(attrs.url) ?? ''}\n`;
    case 'paragraph':
    case 'heading':
    case 'codeBlock':
      return `${kids()}\n`;
    case 'rule':
      return '---\n';
    case 'blockquote':
      return kids()
        .replace(/\n+$/, '')
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n')
        .concat('\n');
    case 'bulletList':
      return children(node)
        .map((c) => listItem('- ', render(c, depth + 1)))
        .join('');
    case 'orderedList': {
      const start = Number.isInteger(attrs.order) ? (attrs.order as number) : 1;
      return children(node)
        .map((c, i) => listItem(`${start + i}. `, render(c, depth + 1)))
        .join('');
    }
    case 'tableRow':
      return `${children(node)
        .map((c) => render(c, depth + 1).trim().replace(/\n+/g, ' '))
        .join(' | ')}\n`;
    case 'media':
    case 'mediaGroup':
    case 'mediaSingle':
    case 'mediaInline':
      return '';
    default:
      // doc, listItem, table, panel, expand, layout…: their text is their children's.
      return kids();
  }
}

/** Flattens an Atlassian Document Format value to plain text (mentions, breaks, lists, code). */
export function adfToText(doc: unknown): string {
  if (typeof doc === 'string') return doc;
  return render(doc, 0)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function isAdfDoc(v: unknown): boolean {
  return isNode(v) && v.type === 'doc';
}

/** The human message in a Jira error body (ErrorCollection, `{message}`, or plain text). */
export function jiraVendorMessage(_status: number, data: unknown): string | undefined {
  if (typeof data === 'string') return data.trim() || undefined;
  if (!isNode(data)) return undefined;
  const d = data as { errorMessages?: unknown; errors?: unknown; message?: unknown };
  const parts: string[] = [];
  if (Array.isArray(d.errorMessages)) {
    parts.push(...d.errorMessages.filter((m): m is string => typeof m === 'string'));
  }
  if (isNode(d.errors)) {
    for (const [field, msg] of Object.entries(d.errors)) {
      if (typeof msg === 'string') parts.push(`${field}: ${msg}`);
    }
  }
  if (!parts.length && typeof d.message === 'string') parts.push(d.message);
  return parts.join(' ').trim() || undefined;
}

/** HTTP options for Jira: auth header per deployment, error messages, the ISO X-RateLimit-Reset. */
export function jiraHttpOptions(settings: JiraSettings, token: TokenSource): ProviderHttpOptions {
  return {
    provider: 'Jira',
    baseUrl: settings.baseUrl,
    baseUrlSetting: 'customerContext.jira.baseUrl',
    auth: async () => {
      const t = await readToken('Jira', token);
      if (settings.deployment === 'datacenter') return { Authorization: `Bearer ${t}` };
      const email = settings.email?.trim();
      if (!email) {
        throw new ProviderError(
          'notConfigured',
          'Jira: Jira Cloud needs the e-mail of the API token. Set customerContext.jira.email.',
          { provider: 'Jira', where: 'customerContext.jira.email' },
        );
      }
      return { Authorization: `Basic ${Buffer.from(`${email}:${t}`, 'utf8').toString('base64')}` };
    },
    vendorMessage: jiraVendorMessage,
    rateLimitReset: (headers, now) => {
      const at = Date.parse(headers['x-ratelimit-reset'] ?? '');
      return Number.isFinite(at) && at > now ? at : undefined;
    },
  };
}

/** A Jira tracker over a client built from `jiraHttpOptions(settings, …)`. */
export function jiraTracker(http: HttpClient, settings: JiraSettings): TicketTracker {
  const datacenter = settings.deployment === 'datacenter';
  const api = datacenter ? '/rest/api/2' : '/rest/api/3';
  const label = datacenter ? 'Jira Data Center' : 'Jira Cloud';
  const dealField = settings.dealField?.trim() ?? '';
  const browseBase = settings.baseUrl.trim().replace(/\/+$/, '');

  function comments(raw: z.infer<typeof comment>[]): TicketComment[] {
    return raw.map((c) => ({
      id: c.id,
      author: c.author?.displayName ?? c.author?.name ?? 'Unknown',
      created: c.created,
      text: adfToText(c.body ?? ''),
    }));
  }

  function checkDealField(): void {
    if (dealField && !FIELD_RE.test(dealField)) {
      throw new ProviderError(
        'notConfigured',
        `${label}: "${dealField}" is not a field id. ` +
          'Set customerContext.jira.dealField to e.g. customfield_10050.',
        { provider: 'Jira', where: 'customerContext.jira.dealField' },
      );
    }
  }

  function toTicket(issue: z.infer<typeof issueSchema>): Ticket {
    const f = issue.fields;
    const labels = f.labels ?? [];
    const dealValue: unknown = dealField ? (f as Record<string, unknown>)[dealField] : undefined;
    const fromField = extractDealRefs(isAdfDoc(dealValue) ? adfToText(dealValue) : dealValue);
    return {
      // Jira follows moved issues: the answer's key is the current one.
      key: issue.key,
      title: f.summary,
      status: f.status?.name,
      url: `${browseBase}/browse/${encodeURIComponent(issue.key)}`,
      assignee: f.assignee?.displayName ?? f.assignee?.name ?? undefined,
      labels,
      dealRefs: [...new Set([...fromField, ...dealRefsFromLabels(labels)])],
      comments: comments(f.comment?.comments ?? []),
    };
  }

  /**
   * Up to `max` issues of a JQL search. No description: deal references come from the deal field
   * and labels, as on getTicket, and Cloud's ADF descriptions would make pages many times larger.
   */
  async function search(
    jql: string,
    max: number,
    signal?: AbortSignal,
  ): Promise<z.infer<typeof issueSchema>[]> {
    const fields = ['summary', 'status', 'assignee', 'labels', dealField].filter(Boolean);
    const out: z.infer<typeof issueSchema>[] = [];
    let nextPageToken: string | undefined;
    for (let page = 0; page < MaxWorklistPages && out.length < max; page++) {
      const maxResults = Math.min(WorklistPageSize, max - out.length);
      if (datacenter) {
        const body = { jql, startAt: out.length, maxResults, fields };
        const res = await http.json(
          { method: 'POST', path: `${api}/search`, body, idempotent: true, signal },
          dcSearchSchema,
        );
        out.push(...res.issues);
        // Without a total, a short page is the last one.
        const short = res.issues.length < maxResults;
        const total = res.total ?? (short ? out.length : Number.POSITIVE_INFINITY);
        if (!res.issues.length || out.length >= total) break;
      } else {
        const body = { jql, fields, maxResults, ...(nextPageToken ? { nextPageToken } : {}) };
        const res = await http.json(
          { method: 'POST', path: `${api}/search/jql`, body, idempotent: true, signal },
          cloudSearchSchema,
        );
        out.push(...res.issues);
        nextPageToken = res.nextPageToken ?? undefined;
        if (res.isLast || !nextPageToken || !res.issues.length) break;
      }
    }
    return out.slice(0, max);
  }

  return {
    kind: 'jira',
    label,
    async getTicket(key: string, signal?: AbortSignal): Promise<Ticket> {
      const k = key.trim().toUpperCase();
      if (!KEY_RE.test(k)) {
        const message = `${label}: "${key}" is not a Jira issue key (like ACME-42).`;
        throw new ProviderError('notFound', message, { provider: 'Jira' });
      }
      checkDealField();
      const fields = ['summary', 'status', 'assignee', 'labels', 'comment', dealField]
        .filter(Boolean)
        .join(',');
      let issue: z.infer<typeof issueSchema>;
      try {
        issue = await http.json(
          { path: `${api}/issue/${encodeURIComponent(k)}`, query: { fields }, signal },
          issueSchema,
        );
      } catch (e) {
        if (isProviderError(e, 'notFound')) {
          const vendor = e.details.vendorMessage;
          const message = `${label}: ${k} was not found.${vendor ? ` ${vendor}` : ''}`;
          throw new ProviderError('notFound', message, e.details);
        }
        throw e;
      }
      return toTicket(issue);
    },
    async listMine(options, signal) {
      const max = worklistLimit(options.limit);
      if (max === 0) return [];
      checkDealField();
      const { jql, source } = worklistJql(options.query, settings.worklistQuery);
      try {
        return (await search(jql, max, signal)).map(toTicket);
      } catch (e) {
        throw refusedQuery(e, label, source);
      }
    },
    async whoAmI(signal?: AbortSignal): Promise<string> {
      const me = await http.json({ path: `${api}/myself`, signal }, myselfSchema);
      return me.emailAddress ? `${me.displayName} <${me.emailAddress}>` : me.displayName;
    },
  };
}
