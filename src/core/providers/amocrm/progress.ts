// Progress notes on amoCRM / Kommo: one common note in the lead's feed
// (`POST /api/v4/leads/notes`). A note, not a task: a milestone asks nobody to act. Common notes
// are plain text (the feed shows them as typed), so the text goes as it is, with stray markers
// broken, and the marker on the last line. Found again in the lead's common notes, newest first.
import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import { hasMarker, messageQuestion, questionMarker } from '../../questions/messages';
import type { Question, QuestionDeal } from '../../questions/question';
import { dealFor } from '../../questions/routes';
import type { RouteSender } from '../../questions/sender';

/** A lead id: digits only, as the API's integers. */
const LeadId = /^\d{1,15}$/;
/** Notes per page (the API's maximum). */
const PAGE = 250;
/** Pages of the lead's common notes searched for the marker. */
const MaxPages = 2;

const Id = z.pipe(
  z.union([z.number(), z.string()]),
  z.transform((v) => String(v)),
);
const Created = z.looseObject({
  _embedded: z.looseObject({ notes: z.array(z.looseObject({ id: Id })) }),
});
// 204 with no body when the lead has no such notes (or the page is past the end).
const NoteList = z.optional(
  z.looseObject({
    _links: z.optional(z.nullable(z.looseObject({ next: z.optional(z.nullable(z.unknown())) }))),
    _embedded: z.looseObject({
      notes: z.array(
        z.looseObject({
          id: Id,
          // PHP serialises empty params as `[]`.
          params: z.optional(
            z.nullable(
              z.union([
                z.array(z.unknown()),
                z.looseObject({ text: z.optional(z.nullable(z.string())) }),
              ]),
            ),
          ),
        }),
      ),
    }),
  }),
);

function progressLead(label: string, q: Question): QuestionDeal {
  if (q.deals.length > 1) {
    throw new ProviderError(
      'badRequest',
      `${label}: a progress note is for exactly one lead; item ${q.id} names ${q.deals.length}.`,
      { provider: label },
    );
  }
  return dealFor(label, q, LeadId);
}

/** The note's text: the item's text, then the marker line. */
export function amocrmProgressText(q: Question, label = 'amoCRM'): string {
  const text = messageQuestion(q).text.trim();
  if (!text) {
    throw new ProviderError('badRequest', `${label}: progress item ${q.id} has no text.`, {
      provider: label,
    });
  }
  return `${text}\n\nSent with Customer Context · ${questionMarker(q.id)}`;
}

/** `POST /api/v4/leads/notes` item: a common note on the item's one lead. */
export function amocrmProgressNote(q: Question, label = 'amoCRM'): Record<string, unknown> {
  const lead = progressLead(label, q);
  return {
    entity_id: Number(lead.id),
    note_type: 'common',
    params: { text: amocrmProgressText(q, label) },
  };
}

/** Posts one common note per progress item; reconciles by the lead's common notes (marker). */
export function amocrmProgressSender(http: HttpClient): RouteSender {
  const label = http.provider;
  const leadUrl = (id: string) => `${http.origin}/leads/detail/${encodeURIComponent(id)}`;
  return {
    async send(q, signal) {
      const note = amocrmProgressNote(q, label);
      const res = await http.json(
        { method: 'POST', path: '/api/v4/leads/notes', body: [note], signal },
        Created,
      );
      const lead = progressLead(label, q);
      return { remoteId: res._embedded.notes[0]?.id, remoteUrl: leadUrl(lead.id) };
    },
    async reconcile(q, signal) {
      const lead = progressLead(label, q);
      for (let page = 1; page <= MaxPages; page++) {
        const data = await http.json(
          {
            path: `/api/v4/leads/${encodeURIComponent(lead.id)}/notes`,
            query: {
              'filter[note_type]': 'common',
              // Newest first: ours is recent even on a lead with a long feed.
              'order[id]': 'desc',
              limit: PAGE,
              page,
            },
            signal,
          },
          NoteList,
        );
        const hit = (data?._embedded.notes ?? []).find((n) => {
          const text = n.params && !Array.isArray(n.params) ? (n.params.text ?? '') : '';
          return hasMarker(text, q.id);
        });
        if (hit) return { remoteId: hit.id, remoteUrl: leadUrl(lead.id) };
        if (!data?._links?.next) break;
      }
      return undefined;
    },
  };
}
