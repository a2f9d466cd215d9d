// Questions as YouTrack issue comments (YouTrack Markdown). A comment is found again by listing the
// issue's comments for the marker (YouTrack reads its own database: no index lag), and the sales
// owner's answer is the first later comment by someone else.
import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import type { TicketComment } from '../../model';
import { hasMarker, markdownComment, questionMarker } from '../../questions/messages';
import type { Question } from '../../questions/question';
import { findOurs, firstAnswer } from '../../questions/routes';
import type { RemoteRef, RouteSender } from '../../questions/sender';
import {
  YouTrackCommentSchema,
  YouTrackProvider,
  isoFromEpoch,
  youtrackBase,
  youtrackKey,
} from './tracker';

/** Comments read per request (YouTrack answers 42 without `$top`). */
export const CommentPageSize = 100;
/**
 * Pages read at most (5,000 comments). Past that, reconcile refuses to guess rather than risk a
 * second copy, and answers are read from the comments seen.
 */
export const MaxCommentPages = 50;

const CommentFields = 'id,text,created,author(login,fullName)';
const CommentPage = z.array(YouTrackCommentSchema);
const Created = z.looseObject({ id: z.string() });

/** The comment sender's options. */
export interface YouTrackCommentOptions {
  /** The YouTrack address (as in customerContext.youtrack.baseUrl), for links to comments. */
  baseUrl: string;
}

interface Listed {
  /** Matched by login: full names are not unique. */
  comment: TicketComment;
  name: string | undefined;
}

/** Comments on the YouTrack issue in Markdown; reconciles by listing the comments. */
export function youtrackCommentSender(http: HttpClient, opts: YouTrackCommentOptions): RouteSender {
  const base = youtrackBase(opts.baseUrl);
  const keyOf = (q: Question) => youtrackKey(q.ticket.key, 'badRequest');
  const path = (key: string) => `/api/issues/${encodeURIComponent(key)}/comments`;
  const commentUrl = (key: string) => (id: string) =>
    `${base}/issue/${encodeURIComponent(key)}#focus=Comments-${encodeURIComponent(id)}.0-0`;

  /**
   * Oldest first, page by page, until the last page or until `enough` holds; `truncated` when the
   * page limit stopped it first.
   */
  async function list(
    key: string,
    signal: AbortSignal | undefined,
    enough: (rows: readonly Listed[]) => boolean = () => false,
  ): Promise<{ rows: Listed[]; truncated: boolean }> {
    const rows: Listed[] = [];
    for (let page = 0; page < MaxCommentPages; page++) {
      const batch = await http.json(
        {
          path: path(key),
          query: { fields: CommentFields, $top: CommentPageSize, $skip: page * CommentPageSize },
          signal,
        },
        CommentPage,
      );
      for (const c of batch) {
        rows.push({
          comment: {
            id: c.id,
            author: c.author?.login ?? c.author?.fullName ?? '',
            created: isoFromEpoch(c.created),
            text: c.text ?? '',
          },
          name: c.author?.fullName || c.author?.login || undefined,
        });
      }
      if (batch.length < CommentPageSize || enough(rows)) return { rows, truncated: false };
    }
    return { rows, truncated: true };
  }

  return {
    async send(q, signal): Promise<RemoteRef> {
      const key = keyOf(q);
      const created = await http.json(
        {
          method: 'POST',
          path: path(key),
          query: { fields: 'id,created' },
          body: { text: markdownComment(q) },
          signal,
        },
        Created,
      );
      return { remoteId: created.id, remoteUrl: commentUrl(key)(created.id) };
    },
    async reconcile(q, signal) {
      const key = keyOf(q);
      const found = (rows: readonly Listed[]) => rows.some((r) => hasMarker(r.comment.text, q.id));
      const { rows, truncated } = await list(key, signal, found);
      const ours = findOurs(
        q,
        rows.map((r) => r.comment),
        commentUrl(key),
      );
      if (ours || !truncated) return ours;
      throw new ProviderError(
        'badRequest',
        `${YouTrackProvider}: ${key} has more than ${MaxCommentPages * CommentPageSize} ` +
          `comments, so whether the question already arrived could not be checked. Look for ` +
          `${questionMarker(q.id)} on the issue before sending it again.`,
        { provider: YouTrackProvider },
      );
    },
    async answer(q, _remote, signal) {
      const { rows } = await list(keyOf(q), signal);
      const a = firstAnswer(
        q,
        rows.map((r) => r.comment),
      );
      if (!a) return undefined;
      return { ...a, by: rows.find((r) => r.comment.author === a.by)?.name ?? a.by };
    },
  };
}
