// Progress notes on Pipedrive: one note on the deal (`POST /api/v1/notes`; notes have no v2
// endpoint). Note content is HTML, so the text is escaped and its line breaks become <br>; the
// last paragraph carries the marker. Found again by listing the deal's notes, newest first (the
// notes list reads the database, so there is no index lag to wait for).
import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import {
  escapeHtml,
  hasMarker,
  messageQuestion,
  questionMarker,
  safeUrl } from '../../questions/messages';
import type { Question } from '../../questions/question';
import { progressDeal } from '../../questions/routes';
import type { RouteSender } from '../../questions/sender';

const PROVIDER = 'Pipedrive';
const DealId = /^\d{1,15}$/;
/** Notes per page of the list (v1 allows up to 500; ours is among the newest). */
const PAGE = 100;
/** Pages of a deal's notes searched for the marker. */
const MaxPages = 3;


/** The note's HTML: the escaped text (line breaks kept) and a last paragraph with the marker. */
export function pipedriveProgressContent(q: Question): string {
  const text = messageQuestion(q).text.trim();
  if (!text) {
    throw new ProviderError('badRequest', `${PROVIDER}: progress item ${q.id} has no text.`, {
      provider: PROVIDER });
  }
  const html = escapeHtml(text).replace(/\r\n|\r|\n/g, '<br>');
  const marker = escapeHtml(questionMarker(q.id));
  return `<p>${html}</p><p><em>Sent with Customer Context · ${marker}</em></p>`;
}

/** `POST /api/v1/notes` body: the note on the item's one deal. */
export function pipedriveProgressNote(q: Question): Record<string, unknown> {
  return { content: pipedriveProgressContent(q), deal_id: Number(progressDeal(PROVIDER, q, DealId).id) };
}

const Created = z.looseObject({
  success: z.optional(z.nullable(z.boolean())),
  data: z.optional(z.nullable(z.looseObject({ id: z.optional(z.nullable(z.number())) }))) });
const NoteList = z.looseObject({
  // v1 lists answer `data: null`, not `[]`, when there is nothing.
  data: z.optional(
    z.nullable(
      z.array(z.looseObject({ id: z.number(), content: z.optional(z.nullable(z.string())) })),
    ),
  ),
  additional_data: z.optional(
    z.nullable(
      z.looseObject({
        pagination: z.optional(
          z.nullable(
            z.looseObject({
              more_items_in_collection: z.optional(z.nullable(z.boolean())),
              next_start: z.optional(z.nullable(z.number())) }),
          ),
        ) }),
    ),
  ) });

/** Posts one progress note on the item's deal; reconciles by the deal's notes (marker). */
export function pipedriveProgressSender(http: HttpClient): RouteSender {
  return {
    async send(q, signal) {
      const body = pipedriveProgressNote(q);
      const res = await http.json({ method: 'POST', path: '/api/v1/notes', body, signal }, Created);
      if (res.success === false) {
        throw new ProviderError('badRequest', `${PROVIDER}: the progress note was not created.`, {
          provider: PROVIDER });
      }
      const id = res.data?.id;
      const remoteId = id === undefined || id === null ? undefined : String(id);
      return { remoteId, remoteUrl: safeUrl(progressDeal(PROVIDER, q, DealId).url) };
    },
    async reconcile(q, signal) {
      const deal = progressDeal(PROVIDER, q, DealId);
      let start = 0;
      for (let page = 0; page < MaxPages; page++) {
        const res = await http.json(
          {
            path: '/api/v1/notes',
            query: { deal_id: deal.id, sort: 'id DESC', start, limit: PAGE },
            signal },
          NoteList,
        );
        const hit = (res.data ?? []).find((n) => hasMarker(n.content ?? '', q.id));
        if (hit) return { remoteId: String(hit.id), remoteUrl: safeUrl(deal.url) };
        const more = res.additional_data?.pagination;
        if (!more?.more_items_in_collection || typeof more.next_start !== 'number') break;
        start = more.next_start;
      }
      return undefined;
    } };
}
