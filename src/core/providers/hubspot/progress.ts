// Progress notes on HubSpot: when work on a ticket reaches a milestone, its deal gets one note
// (`POST /crm/v3/objects/notes`, associated note → deal). The body is the finished sentence for the
// salesperson, HTML-escaped, and a last line with the marker; nothing else of the item (no code,
// branch or excerpt) goes out. Found again after an ambiguous failure by a notes search for the
// marker, which trails the write by a few seconds (HubSpot's search index), hence the delay.
import * as z from 'zod/mini';
import type { HttpClient } from '../../http';
import {
  escapeHtml,
  hasMarker,
  questionMarker,
  safeUrl,
} from '../../questions/messages';
import type { Question } from '../../questions/question';
import { progressDeal, progressText } from '../../questions/routes';
import type { RouteSender } from '../../questions/sender';

const PROVIDER = 'HubSpot';
/** HubSpot-defined association type id: note → deal. */
export const HubSpotNoteToDeal = 214;
const DealId = /^\d{1,20}$/;



/** The note body: the escaped text (line breaks kept) and a last paragraph with the marker. */
export function hubspotProgressBody(q: Question): string {
  const text = escapeHtml(progressText(PROVIDER, q)).replace(/\r\n|\r|\n/g, '<br>');
  const marker = escapeHtml(questionMarker(q.id));
  return `<p>${text}</p><p><em>Sent with Customer Context · ${marker}</em></p>`;
}

/** The moment the milestone was reached, else now: where the note sits on the deal's timeline. */
function timestamp(q: Question): string {
  const t = Date.parse(q.createdAt);
  return new Date(Number.isNaN(t) ? Date.now() : t).toISOString();
}

/** `POST /crm/v3/objects/notes` body: the note, associated with the item's one deal. */
export function hubspotProgressNote(q: Question): Record<string, unknown> {
  const deal = progressDeal(PROVIDER, q, DealId);
  return {
    properties: { hs_timestamp: timestamp(q), hs_note_body: hubspotProgressBody(q) },
    associations: [
      {
        to: { id: deal.id },
        types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: HubSpotNoteToDeal }] },
    ] };
}

const Created = z.looseObject({ id: z.string() });
const Search = z.looseObject({
  results: z.array(
    z.looseObject({
      id: z.string(),
      properties: z.record(z.string(), z.optional(z.nullable(z.string()))) }),
  ) });

/** Posts one progress note on the item's deal; reconciles by a notes search for the marker. */
export function hubspotProgressSender(http: HttpClient): RouteSender {
  return {
    // HubSpot search is eventually consistent: a note created seconds ago may not be found yet.
    reconcileDelayMs: 15_000,
    async send(q, signal) {
      const body = hubspotProgressNote(q);
      const res = await http.json(
        { method: 'POST', path: '/crm/v3/objects/notes', body, signal },
        Created,
      );
      return { remoteId: res.id, remoteUrl: safeUrl(progressDeal(PROVIDER, q, DealId).url) };
    },
    async reconcile(q, signal) {
      const deal = progressDeal(PROVIDER, q, DealId);
      const res = await http.json(
        {
          method: 'POST',
          path: '/crm/v3/objects/notes/search',
          body: {
            filterGroups: [
              {
                filters: [
                  { propertyName: 'hs_note_body', operator: 'CONTAINS_TOKEN', value: `*${q.id}*` },
                ] },
            ],
            properties: ['hs_note_body'],
            limit: 10 },
          idempotent: true,
          signal },
        Search,
      );
      const hit = res.results.find((r) => hasMarker(r.properties.hs_note_body ?? '', q.id));
      return hit ? { remoteId: hit.id, remoteUrl: safeUrl(deal.url) } : undefined;
    } };
}
