import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import {
  clip,
  dueDate,
  hasMarker,
  htmlMessage,
  messageQuestion,
  primaryDeal,
  questionMarker,
  questionSubject,
} from '../../questions/messages';
import type { RouteSender } from '../../questions/outbox';
import type { Question, QuestionDeal } from '../../questions/question';
import { addedAfterMarker, dealFor, str } from '../../questions/routes';

/** Longest note we send: Pipedrive documents no limit, so the same bound as other task bodies. */
const MaxNote = 65_000;

/**
 * `POST /api/v1/activities` body: a task on the deal, assigned to its owner, due the next day. The
 * marker ends the subject whatever its length, since reconcile looks for it there.
 */
export function pipedriveActivity(q: Question, deal: QuestionDeal): Record<string, unknown> {
  const dealId = Number(deal.id);
  const ownerId = deal.owner?.crmId !== undefined ? Number(deal.owner.crmId) : NaN;
  const shown = messageQuestion(q);
  const marker = ` [${questionMarker(q.id)}]`;
  return {
    subject: `${clip(questionSubject(shown), 250 - marker.length)}${marker}`,
    type: 'task',
    ...(Number.isSafeInteger(dealId) ? { deal_id: dealId } : {}),
    ...(Number.isSafeInteger(ownerId) ? { user_id: ownerId } : {}),
    due_date: dueDate(q),
    note: htmlMessage(shown, MaxNote),
    done: 0,
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
