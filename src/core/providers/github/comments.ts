import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import type { TicketComment } from '../../model';
import { hasMarker, markdownComment } from '../../questions/messages';
import type { RouteSender } from '../../questions/sender';
import type { Question } from '../../questions/question';
import { firstAnswer, str } from '../../questions/routes';

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

