// Questions on the `crm` route as a note on the deal: `POST /crm/v8/Deals/{id}/Notes`. A 201 or a
// 207 carries one result per record, and only a `SUCCESS` record means the note exists. Reconcile
// lists the deal's notes for the marker (no search index, so no lag); answers are notes added to
// the deal after ours by someone other than its owner.
import * as z from 'zod/mini';
import { ProviderError, isProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import {
  MarkerPrefix,
  clip,
  hasMarker,
  messageQuestion,
  plainTextMessage,
  questionSubject,
} from '../../questions/messages';
import { dealFor, htmlToText } from '../../questions/routes';
import type { Answer, RemoteRef, RouteSender } from '../../questions/sender';
import type { Question } from '../../questions/question';
import { PROVIDER } from './auth';
import { ZohoApi } from './crm';

/** Longest note title we send (Zoho's Note_Title is a short text field). */
export const MaxNoteTitle = 120;
/** Longest note body we send; the marker is kept at its end whatever is cut. */
export const MaxNoteContent = 30_000;
/** Pages of 200 notes read when looking for ours. */
const MAX_NOTE_PAGES = 5;
const DealId = /^\d{1,25}$/;

/** The `POST …/Deals/{id}/Notes` body for a question. */
export function zohoNote(
  q: Question,
): { data: Array<{ Note_Title: string; Note_Content: string }> } {
  return {
    data: [
      {
        Note_Title: clip(questionSubject(messageQuestion(q)), MaxNoteTitle),
        Note_Content: plainTextMessage(q, MaxNoteContent),
      },
    ],
  };
}

const Str = z.optional(z.nullable(z.string()));
const ResultRecord = z.looseObject({
  code: z.string(),
  status: Str,
  message: Str,
  details: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});
const CreateResponse = z.looseObject({ data: z.array(ResultRecord) });
const Note = z.looseObject({
  id: z.pipe(z.union([z.string(), z.number()]), z.transform((v) => String(v))),
  Note_Title: Str,
  Note_Content: Str,
  Created_Time: Str,
  Owner: z.optional(
    z.nullable(
      z.looseObject({
        id: z.optional(z.nullable(z.union([z.string(), z.number()]))),
        name: Str,
      }),
    ),
  ),
});
type Note = z.infer<typeof Note>;
const NotesPage = z.optional(
  z.looseObject({
    data: z.optional(z.nullable(z.array(Note))),
    info: z.optional(
      z.nullable(z.looseObject({ more_records: z.optional(z.nullable(z.boolean())) })),
    ),
  }),
);

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

const time = (n: Note): number => Date.parse(n.Created_Time ?? '') || 0;
const ownerId = (n: Note): string | undefined =>
  n.Owner?.id === undefined || n.Owner.id === null ? undefined : String(n.Owner.id);

/** Note bodies are text, but the web editor may store simple markup. */
function noteText(content: string): string {
  return /<\/?[a-z][^>]*>/i.test(content) ? htmlToText(content) : content.trim();
}

/** Adds the question as a note on the primary deal; reconciles and reads answers from its notes. */
export function zohoNoteSender(http: HttpClient): RouteSender {
  async function notes(dealId: string, signal?: AbortSignal): Promise<Note[]> {
    const out: Note[] = [];
    for (let page = 1; page <= MAX_NOTE_PAGES; page++) {
      let res: z.infer<typeof NotesPage>;
      try {
        res = await http.json(
          {
            path: `${ZohoApi}/Deals/${dealId}/Notes`,
            query: { fields: 'Note_Title,Note_Content,Created_Time,Owner', per_page: 200, page },
            signal,
          },
          NotesPage,
        );
      } catch (e) {
        // The deal is gone: nothing of ours is there any more.
        if (isProviderError(e, 'notFound')) return out;
        throw e;
      }
      out.push(...(res?.data ?? []));
      if (res?.info?.more_records !== true) break;
    }
    return out;
  }

  const ours = (q: Question, list: Note[], remote?: RemoteRef): Note | undefined =>
    list.find((n) => remote?.remoteId !== undefined && n.id === remote.remoteId) ??
    list.find((n) => hasMarker(n.Note_Content ?? '', q.id));

  return {
    async send(q, signal) {
      const deal = dealFor(PROVIDER, q, DealId);
      const res = await http.request({
        method: 'POST',
        path: `${ZohoApi}/Deals/${deal.id}/Notes`,
        body: zohoNote(q),
        signal,
      });
      const parsed = CreateResponse.safeParse(res.data);
      const record = parsed.success ? parsed.data.data[0] : undefined;
      if (!record) {
        // A 2xx we cannot read: the note may exist, so the outbox reconciles before sending again.
        throw new ProviderError(
          'invalidResponse',
          `${PROVIDER}: HTTP ${res.status} without a result record for the note.`,
          { provider: PROVIDER, status: res.status },
        );
      }
      if (record.code !== 'SUCCESS') {
        const d = record.details ?? {};
        const field = text(d.api_name) ? `, field ${text(d.api_name)}` : '';
        throw new ProviderError(
          'badRequest',
          `${PROVIDER}: the note was not added to deal ${deal.id}: ` +
            `${text(record.message) ?? 'refused'} (${record.code}${field}).`,
          {
            provider: PROVIDER,
            status: res.status,
            vendorMessage: `${record.message ?? ''} (${record.code})`,
          },
        );
      }
      const id = text(record.details?.id);
      return { remoteId: id, remoteUrl: deal.url };
    },
    async reconcile(q, signal) {
      const deal = dealFor(PROVIDER, q, DealId);
      const hit = ours(q, await notes(deal.id, signal));
      return hit ? { remoteId: hit.id, remoteUrl: deal.url } : undefined;
    },
    async answer(q, remote, signal): Promise<Answer | undefined> {
      const deal = dealFor(PROVIDER, q, DealId);
      const list = await notes(deal.id, signal);
      const mine = ours(q, list, remote);
      if (!mine) return undefined;
      const after = list
        .filter(
          (n) =>
            n !== mine &&
            time(n) >= time(mine) &&
            ownerId(n) !== ownerId(mine) &&
            !(n.Note_Content ?? '').includes(MarkerPrefix) &&
            text(n.Note_Content),
        )
        .sort((a, b) => time(a) - time(b));
      const reply = after[0];
      if (!reply) return undefined;
      const at = time(reply);
      return {
        text: noteText(reply.Note_Content ?? ''),
        by: text(reply.Owner?.name),
        at: at ? new Date(at).toISOString() : new Date().toISOString(),
      };
    },
  };
}
