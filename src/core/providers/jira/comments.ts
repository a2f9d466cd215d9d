import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import type { TicketComment } from '../../model';
import { hasMarker, primaryDeal, questionMarker } from '../../questions/messages';
import type { RouteSender } from '../../questions/sender';
import type { Question } from '../../questions/question';
import { findOurs, firstAnswer, str } from '../../questions/routes';
import { jiraAdfComment, jiraWikiComment } from './messages';
import { adfToText } from './tracker';

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

