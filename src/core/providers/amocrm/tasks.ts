// The `crm` route on amoCRM / Kommo: the question becomes a task on the lead for its responsible
// user. A task, not a note: a note only joins the lead's feed, while a task lands in that user's
// task list with a deadline and a notification, and closing it asks for a result, which is the
// answer. Sales also answer by writing in the lead's feed, so a later common note by someone else
// counts too. Found again after an ambiguous failure by the marker in the lead's tasks.
import * as z from 'zod/mini';
import type { HttpClient } from '../../http';
import {
  MarkerPrefix,
  dueIso,
  hasMarker,
  plainTextMessage,
} from '../../questions/messages';
import type { Answer, RemoteRef, RouteSender } from '../../questions/sender';
import type { Question, QuestionDeal } from '../../questions/question';
import { dealFor } from '../../questions/routes';

/** Longest task text we send: amoCRM documents no limit, so a bound that keeps cards readable. */
const MaxText = 10_000;
/** amoCRM's predefined task type 1: "Звонок" in amoCRM, "Follow-up" in Kommo. */
export const AmocrmFollowUp = 1;
/** A lead id: digits only, as the API's integers. */
const LeadId = /^\d{1,15}$/;
const PAGE = 250;

/**
 * `POST /api/v4/tasks` item: a follow-up on the lead for its responsible user, due a day after the
 * question was asked (Unix seconds), with the plain-text message, marker last.
 */
export function amocrmTask(q: Question, lead: QuestionDeal): Record<string, unknown> {
  const owner = lead.owner?.crmId;
  return {
    text: plainTextMessage(q, MaxText),
    complete_till: Math.floor(Date.parse(dueIso(q)) / 1000),
    entity_id: Number(lead.id),
    entity_type: 'leads',
    task_type_id: AmocrmFollowUp,
    ...(owner && LeadId.test(owner) && owner !== '0' ? { responsible_user_id: Number(owner) } : {}),
  };
}

const Id = z.pipe(
  z.union([z.number(), z.string()]),
  z.transform((v) => String(v)),
);
const Str = z.optional(z.nullable(z.string()));
const Seconds = z.optional(z.nullable(z.number()));
const Created = z.looseObject({
  _embedded: z.looseObject({ tasks: z.array(z.looseObject({ id: Id })) }),
});
const Task = z.looseObject({
  id: Id,
  text: Str,
  entity_id: z.optional(z.nullable(Id)),
  created_by: z.optional(z.nullable(Id)),
  updated_by: z.optional(z.nullable(Id)),
  responsible_user_id: z.optional(z.nullable(Id)),
  created_at: Seconds,
  updated_at: Seconds,
  is_completed: z.optional(z.nullable(z.boolean())),
  // PHP serialises an empty result as `[]`, a filled one as `{ "text": … }`.
  result: z.optional(z.nullable(z.union([z.array(z.unknown()), z.looseObject({ text: Str })]))),
});
type Task = z.infer<typeof Task>;
const TaskList = z.optional(z.looseObject({ _embedded: z.looseObject({ tasks: z.array(Task) }) }));
const NoteList = z.optional(
  z.looseObject({
    _embedded: z.looseObject({
      notes: z.array(
        z.looseObject({
          id: Id,
          created_by: z.optional(z.nullable(Id)),
          created_at: Seconds,
          note_type: Str,
          params: z.optional(
            z.nullable(z.union([z.array(z.unknown()), z.looseObject({ text: Str })])),
          ),
        }),
      ),
    }),
  }),
);
const User = z.optional(z.looseObject({ id: Id, name: Str, email: Str }));

function iso(seconds: number | null | undefined): string {
  return typeof seconds === 'number' && seconds > 0
    ? new Date(seconds * 1000).toISOString()
    : new Date().toISOString();
}

function resultText(r: Task['result']): string | undefined {
  return r && !Array.isArray(r) ? r.text?.trim() || undefined : undefined;
}

/** Creates an amoCRM / Kommo task on the lead; reconciles by the lead's tasks (marker). */
export function amocrmTaskSender(http: HttpClient): RouteSender {
  const label = http.provider;
  const leadUrl = (id: string) => `${http.origin}/leads/detail/${encodeURIComponent(id)}`;

  function leadTasks(leadId: string, signal?: AbortSignal) {
    return http.json(
      {
        path: '/api/v4/tasks',
        query: {
          'filter[entity_type]': 'leads',
          'filter[entity_id]': leadId,
          // Newest first: ours is recent even on a lead with more tasks than one page holds.
          'order[id]': 'desc',
          limit: PAGE,
        },
        signal,
      },
      TaskList,
    );
  }

  /** Who `userId` is, for the answer: the asked owner without a request, else the users API. */
  async function who(lead: QuestionDeal, userId: string | null | undefined) {
    if (!userId || userId === '0') return lead.owner?.name;
    if (lead.owner?.crmId === userId) return lead.owner.name;
    try {
      const u = await http.json({ path: `/api/v4/users/${encodeURIComponent(userId)}` }, User);
      return u?.name?.trim() || u?.email?.trim() || `User ${userId}`;
    } catch {
      // The answer matters more than its author's name.
      return `User ${userId}`;
    }
  }

  /**
   * The first common note on the lead after our task by someone other than its author (and not a
   * robot, user 0), unless a later question's task came between: then it answers that one.
   */
  async function noteAnswer(
    lead: QuestionDeal,
    task: Task,
    signal?: AbortSignal,
  ): Promise<Answer | undefined> {
    const since = task.created_at ?? 0;
    const leadId = task.entity_id ?? lead.id;
    const data = await http.json(
      {
        path: `/api/v4/leads/${encodeURIComponent(leadId)}/notes`,
        query: {
          'filter[note_type]': 'common',
          'filter[updated_at][from]': since || undefined,
          'order[id]': 'asc',
          limit: PAGE,
        },
        signal,
      },
      NoteList,
    );
    const note = (data?._embedded.notes ?? []).find((n) => {
      const body = n.params && !Array.isArray(n.params) ? n.params.text?.trim() : undefined;
      return (
        body &&
        (n.created_at ?? 0) >= since &&
        n.created_by &&
        n.created_by !== '0' &&
        n.created_by !== task.created_by &&
        !body.includes(MarkerPrefix)
      );
    });
    if (!note) return undefined;
    const at = note.created_at ?? 0;
    const later = (await leadTasks(leadId, signal))?._embedded.tasks.some(
      (t) =>
        t.id !== task.id &&
        (t.created_at ?? 0) > since &&
        (t.created_at ?? 0) <= at &&
        (t.text ?? '').includes(MarkerPrefix),
    );
    if (later) return undefined;
    const params = note.params && !Array.isArray(note.params) ? note.params : undefined;
    return {
      text: params?.text?.trim() ?? '',
      by: await who(lead, note.created_by),
      at: iso(note.created_at),
    };
  }

  return {
    async send(q, signal) {
      const lead = dealFor(label, q, LeadId);
      const res = await http.json(
        { method: 'POST', path: '/api/v4/tasks', body: [amocrmTask(q, lead)], signal },
        Created,
      );
      return { remoteId: res._embedded.tasks[0]?.id, remoteUrl: leadUrl(lead.id) };
    },
    async reconcile(q, signal): Promise<RemoteRef | undefined> {
      const lead = dealFor(label, q, LeadId);
      const data = await leadTasks(lead.id, signal);
      const hit = (data?._embedded.tasks ?? []).find((t) => hasMarker(t.text ?? '', q.id));
      return hit ? { remoteId: hit.id, remoteUrl: leadUrl(lead.id) } : undefined;
    },
    async answer(q, remote, signal) {
      if (!remote.remoteId || !/^\d+$/.test(remote.remoteId)) return undefined;
      const lead = dealFor(label, q, LeadId);
      const task = await http.json(
        { path: `/api/v4/tasks/${remote.remoteId}`, signal },
        z.optional(Task),
      );
      // 204: the task was deleted; nothing will answer it there any more.
      if (!task) return undefined;
      if (task.is_completed) {
        return {
          text: resultText(task.result) ?? `Marked the task as done in ${label}.`,
          by: await who(lead, task.updated_by ?? task.responsible_user_id),
          at: iso(task.updated_at),
        };
      }
      return noteAnswer(lead, task, signal);
    },
  };
}
