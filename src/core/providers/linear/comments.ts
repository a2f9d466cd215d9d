import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import type { TicketComment } from '../../model';
import { hasMarker, markdownComment } from '../../questions/messages';
import type { RouteSender } from '../../questions/sender';
import type { Question } from '../../questions/question';
import { firstAnswer } from '../../questions/routes';

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

