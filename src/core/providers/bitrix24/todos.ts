// The `crm` route on Bitrix24: a to-do (`crm.activity.todo.add`) on the deal for its responsible
// user, or a timeline comment mentioning them when a to-do cannot be made. Never both: two writes
// cannot be made atomic, so a cut between them would leave half a question that reconcile would
// take for a whole one; and a to-do already shows in the deal's timeline, addressed to a person,
// with a deadline, a reminder and a "done" state, which a comment has not. The comment is the
// fallback for a deal without a responsible user and for portals older than to-dos
// (`ERROR_METHOD_NOT_FOUND`, a definite answer: nothing was created).
//
// Found again by the marker in the deal's to-dos and comments (one `batch`); answered by a later
// timeline comment of anyone but the webhook's user, text added to the to-do below our message, or
// the to-do marked done.
import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import type { TicketComment } from '../../model';
import {
  clip,
  dueIso,
  hasMarker,
  messageQuestion,
  plainTextMessage,
  primaryDeal,
  questionMarker,
  questionSubject,
} from '../../questions/messages';
import type { Question, QuestionDeal } from '../../questions/question';
import { addedAfterMarker, dealFor, firstAnswer } from '../../questions/routes';
import type { Answer, RemoteRef, RouteSender } from '../../questions/sender';
import { Bitrix24, bitrix24Code, type Bitrix24Api, type Command, type Outcome } from './api';
import { BxUser, ownerFromUser } from './crm';

/** Longest description or comment we send; both are long texts, this bounds the request. */
const MaxText = 60_000;
/** A to-do's title is one line in the timeline. */
const MaxTitle = 250;
/** Pages (50 each, newest first) of a deal's to-dos and comments searched for the marker. */
const MaxReconcilePages = 4;
/** CRM owner type of a deal in activity methods. */
const DealOwnerType = 2;
const DEAL_ID = /^\d{1,15}$/;
const REMOTE_RE = /^(todo|comment):(\d{1,15})$/;

const Id = z.pipe(
  z.union([z.string(), z.number()]),
  z.transform((v) => String(v).trim()),
);
const OptStr = z.optional(z.nullable(z.string()));
const TodoAdded = z.looseObject({ id: Id });
const Activity = z.looseObject({
  ID: Id,
  SUBJECT: OptStr,
  DESCRIPTION: OptStr,
  COMPLETED: OptStr,
  CREATED: OptStr,
  LAST_UPDATED: OptStr,
});
const ActivityList = z.array(Activity);
const Comment = z.looseObject({
  ID: Id,
  COMMENT: OptStr,
  AUTHOR_ID: z.optional(z.nullable(Id)),
  CREATED: OptStr,
});
type Comment = z.infer<typeof Comment>;
const CommentList = z.array(Comment);

/**
 * Untrusted text in a to-do or comment with BB-code broken: a zero-width space after every `[`
 * keeps `[URL=…]`, `[USER=…]` or `[IMG]` in a question, a ticket title or a customer name from
 * becoming a link, a mention or an image.
 */
export function noBbCode(text: string): string {
  return text.split('[').join('[\u200b');
}

/**
 * BB-code tags (`[B]`, `[USER=7]`, `[/URL]`) removed, their text kept. Every quantifier is bounded,
 * so a hostile comment costs time in proportion to its length.
 */
export function bbToText(text: string): string {
  return text
    .replace(/\[\/?[A-Za-z*]{1,12}(?:=[^[\]\r\n]{0,300})?\]/g, '')
    .replace(/\r\n?/g, '\n')
    .trim();
}

/** `2026-10-02T09:12:00+00:00`: the to-do's deadline, a day after the question, no milliseconds. */
export function todoDeadline(q: Question): string {
  return dueIso(q).replace(/\.\d+Z$/, '+00:00');
}

function dealOf(q: Question): QuestionDeal {
  return dealFor(Bitrix24, messageQuestion(q), DEAL_ID);
}

function responsibleOf(deal: QuestionDeal): number | undefined {
  const id = deal.owner?.crmId?.trim();
  return id && /^\d{1,15}$/.test(id) && id !== '0' ? Number(id) : undefined;
}

/** `crm.activity.todo.add` parameters: the question as a to-do for the deal's responsible user. */
export function bitrix24Todo(q: Question, responsibleId: number): Record<string, unknown> {
  const shown = messageQuestion(q);
  const deal = dealOf(q);
  return {
    ownerTypeId: DealOwnerType,
    ownerId: Number(deal.id),
    title: noBbCode(clip(questionSubject(shown), MaxTitle)),
    description: noBbCode(plainTextMessage(shown, MaxText)),
    responsibleId,
    deadline: todoDeadline(q),
  };
}

/** `crm.timeline.comment.add` parameters: the question on the deal, its owner mentioned. */
export function bitrix24Comment(q: Question): Record<string, unknown> {
  const shown = messageQuestion(q);
  const deal = dealOf(q);
  const owner = responsibleOf(deal);
  // Our own mention tag: the one piece of BB-code in the comment, so the owner is notified.
  const mention = owner ? `[USER=${owner}]${noBbCode(deal.owner?.name ?? '')}[/USER], ` : '';
  const text = noBbCode(plainTextMessage(shown, MaxText - mention.length));
  return { fields: { ENTITY_ID: Number(deal.id), ENTITY_TYPE: 'deal', COMMENT: mention + text } };
}

function listCommands(dealId: string, start?: number) {
  const page = start ? { start } : {};
  return {
    todos: {
      method: 'crm.activity.list',
      params: {
        filter: { OWNER_TYPE_ID: DealOwnerType, OWNER_ID: dealId },
        order: { ID: 'DESC' },
        select: ['ID', 'SUBJECT', 'DESCRIPTION', 'COMPLETED', 'CREATED'],
        ...page,
      },
      schema: ActivityList,
    } satisfies Command<z.infer<typeof ActivityList>>,
    comments: {
      method: 'crm.timeline.comment.list',
      params: {
        filter: { ENTITY_ID: dealId, ENTITY_TYPE: 'deal' },
        order: { ID: 'DESC' },
        select: ['ID', 'COMMENT', 'AUTHOR_ID', 'CREATED'],
        ...page,
      },
      schema: CommentList,
    } satisfies Command<z.infer<typeof CommentList>>,
  };
}

function ok<T>(o: Outcome<T>): { result: T; next?: number } {
  if (!o.ok) throw o.error;
  return o;
}

function asTicketComment(c: Comment): TicketComment {
  return {
    id: c.ID,
    author: c.AUTHOR_ID ?? '',
    created: c.CREATED ?? '',
    text: bbToText(c.COMMENT ?? ''),
  };
}

/** Bitrix24's `crm` route: a to-do for the deal's responsible user, else a timeline comment. */
export function bitrix24TodoSender(api: Bitrix24Api): RouteSender {
  const dealUrl = (id: string) =>
    api.portal ? `${api.portal}/crm/deal/details/${encodeURIComponent(id)}/` : undefined;

  async function addComment(q: Question, signal?: AbortSignal): Promise<RemoteRef> {
    const deal = dealOf(q);
    const res = await api.call(
      { method: 'crm.timeline.comment.add', params: bitrix24Comment(q), write: true, signal },
      Id,
    );
    return { remoteId: `comment:${res.result}`, remoteUrl: dealUrl(deal.id) };
  }

  /** The name of the user `id`: the deal's owner, a cached user, or one `user.get`. */
  async function nameOf(q: Question, id: string, signal?: AbortSignal): Promise<string> {
    const owner = primaryDeal(q)?.owner;
    if (owner?.crmId === id && owner.name) return owner.name;
    const cached = api.cache.users.get(id);
    if (cached) return cached.name;
    try {
      const users = await api.call(
        { method: 'user.get', params: { ID: [id] }, signal },
        z.array(BxUser),
      );
      const u = users.result.find((x) => x.ID === id);
      if (u) {
        const found = ownerFromUser(u);
        api.cache.users.set(id, found);
        return found.name;
      }
    } catch (e) {
      // The name is a nicety: without the user scope the answer still shows.
      if (!(e instanceof ProviderError) || e.kind === 'cancelled') throw e;
    }
    return `User ${id}`;
  }

  async function reply(
    q: Question,
    ours: TicketComment | undefined,
    comments: readonly Comment[],
    signal?: AbortSignal,
  ): Promise<Answer | undefined> {
    // Newest first from the API; the to-do, when it is ours, stands first among equal times.
    const list = [...comments].reverse().map(asTicketComment);
    const a = firstAnswer(q, ours ? [ours, ...list] : list);
    if (!a) return undefined;
    return { ...a, by: a.by ? await nameOf(q, a.by, signal) : undefined };
  }

  return {
    async send(q, signal) {
      const deal = dealOf(q);
      const responsible = responsibleOf(deal);
      if (responsible === undefined) return addComment(q, signal);
      try {
        const res = await api.call(
          {
            method: 'crm.activity.todo.add',
            params: bitrix24Todo(q, responsible),
            write: true,
            signal,
          },
          TodoAdded,
        );
        return { remoteId: `todo:${res.result.id}`, remoteUrl: dealUrl(deal.id) };
      } catch (e) {
        if (bitrix24Code(e) !== 'ERROR_METHOD_NOT_FOUND') throw e;
      }
      return addComment(q, signal);
    },

    async reconcile(q, signal) {
      const deal = dealOf(q);
      const found = await api.batch(listCommands(deal.id), signal);
      let todos = ok(found.todos);
      let comments = ok(found.comments);
      for (let page = 1; ; page++) {
        const todo = todos.result.find((a) =>
          hasMarker(`${a.SUBJECT ?? ''}\n${a.DESCRIPTION ?? ''}`, q.id),
        );
        if (todo) return { remoteId: `todo:${todo.ID}`, remoteUrl: dealUrl(deal.id) };
        const comment = comments.result.find((c) => hasMarker(c.COMMENT ?? '', q.id));
        if (comment) return { remoteId: `comment:${comment.ID}`, remoteUrl: dealUrl(deal.id) };
        if (page >= MaxReconcilePages) return undefined;
        const more = { todos: todos.next, comments: comments.next };
        if (!more.todos && !more.comments) return undefined;
        if (more.todos) {
          const c = listCommands(deal.id, more.todos).todos;
          todos = await api.call({ method: c.method, params: c.params, signal }, c.schema);
        } else todos = { result: [] };
        if (more.comments) {
          const c = listCommands(deal.id, more.comments).comments;
          comments = await api.call({ method: c.method, params: c.params, signal }, c.schema);
        } else comments = { result: [] };
      }
    },

    async answer(q, remote, signal) {
      const m = REMOTE_RE.exec(remote.remoteId ?? '');
      if (!m) return undefined;
      const [, kind, id] = m;
      const deal = dealOf(q);
      const commentsCommand = listCommands(deal.id).comments;
      if (kind === 'comment') {
        const comments = await api.call(
          { method: commentsCommand.method, params: commentsCommand.params, signal },
          CommentList,
        );
        return reply(q, undefined, comments.result, signal);
      }

      const read = await api.batch(
        {
          todo: { method: 'crm.activity.get', params: { id }, schema: Activity },
          comments: commentsCommand,
        },
        signal,
      );
      const comments = ok(read.comments).result;
      let todo: z.infer<typeof Activity> | undefined;
      if (read.todo.ok) todo = read.todo.result;
      // A to-do deleted since is no answer; the comments may still hold one.
      else if (read.todo.error.kind !== 'notFound') throw read.todo.error;

      const ours: TicketComment = {
        id: `todo:${id}`,
        author: await api.webhookUser(),
        created: todo?.CREATED ?? q.createdAt,
        text: questionMarker(q.id),
      };
      const answered = await reply(q, ours, comments, signal);
      if (answered) return answered;
      if (!todo) return undefined;
      const added = addedAfterMarker(bbToText(todo.DESCRIPTION ?? ''), q.id);
      if (!added && todo.COMPLETED !== 'Y') return undefined;
      return {
        text: added || 'Marked the to-do as done in Bitrix24.',
        by: primaryDeal(q)?.owner?.name,
        at: todo.LAST_UPDATED || new Date().toISOString(),
      };
    },
  };
}
