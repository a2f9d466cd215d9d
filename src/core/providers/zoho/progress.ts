// Progress notes on Zoho CRM: one note on the deal (`POST /crm/v8/Deals/{id}/Notes`). A 201 or a
// 207 carries one result per record, and only a `SUCCESS` record means the note exists. Note
// content is plain text, as the question notes send it; the marker ends it. Found again by
// listing the deal's notes (no search index, so no lag).
import * as z from 'zod/mini';
import { ProviderError, isProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import { hasMarker, messageQuestion, questionMarker, safeUrl } from '../../questions/messages';
import type { Question } from '../../questions/question';
import { progressDeal } from '../../questions/routes';
import type { RouteSender } from '../../questions/sender';
import { PROVIDER } from './auth';
import { ZohoApi } from './crm';

const DealId = /^\d{1,25}$/;
/** The title every progress note carries: the text itself is the content. */
export const ProgressNoteTitle = 'Development progress';
/** Pages of 200 notes read when looking for ours. */
const MaxPages = 5;

const Str = z.optional(z.nullable(z.string()));
const ResultRecord = z.looseObject({
  code: z.string(),
  message: Str,
  details: z.optional(z.nullable(z.record(z.string(), z.unknown()))) });
const CreateResponse = z.looseObject({ data: z.array(ResultRecord) });
const NotesPage = z.optional(
  z.looseObject({
    data: z.optional(
      z.nullable(
        z.array(
          z.looseObject({
            id: z.pipe(z.union([z.string(), z.number()]), z.transform((v) => String(v))),
            Note_Content: Str }),
        ),
      ),
    ),
    info: z.optional(
      z.nullable(z.looseObject({ more_records: z.optional(z.nullable(z.boolean())) })),
    ) }),
);


/** The `POST …/Deals/{id}/Notes` body: a fixed title, the text and the marker line. */
export function zohoProgressNote(
  q: Question,
): { data: Array<{ Note_Title: string; Note_Content: string }> } {
  const text = messageQuestion(q).text.trim();
  if (!text) {
    throw new ProviderError('badRequest', `${PROVIDER}: progress item ${q.id} has no text.`, {
      provider: PROVIDER });
  }
  const content = `${text}\n\nSent with Customer Context · ${questionMarker(q.id)}`;
  return { data: [{ Note_Title: ProgressNoteTitle, Note_Content: content }] };
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** Posts one note per progress item on its deal; reconciles by the deal's notes (marker). */
export function zohoProgressSender(http: HttpClient): RouteSender {
  return {
    async send(q, signal) {
      const deal = progressDeal(PROVIDER, q, DealId);
      const res = await http.request({
        method: 'POST',
        path: `${ZohoApi}/Deals/${deal.id}/Notes`,
        body: zohoProgressNote(q),
        signal });
      const parsed = CreateResponse.safeParse(res.data);
      const record = parsed.success ? parsed.data.data[0] : undefined;
      if (!record) {
        // A 2xx we cannot read: the note may exist, so the outbox reconciles before sending again.
        throw new ProviderError(
          'invalidResponse',
          `${PROVIDER}: HTTP ${res.status} without a result record for the progress note ` +
            '(path: data[0]).',
          { provider: PROVIDER, status: res.status },
        );
      }
      if (record.code !== 'SUCCESS') {
        const d = record.details ?? {};
        const field = text(d.api_name) ? `, field ${text(d.api_name)}` : '';
        throw new ProviderError(
          'badRequest',
          `${PROVIDER}: the progress note was not added to deal ${deal.id}: ` +
            `${text(record.message) ?? 'refused'} (${record.code}${field}).`,
          {
            provider: PROVIDER,
            status: res.status,
            vendorMessage: `${record.message ?? ''} (${record.code})` },
        );
      }
      return { remoteId: text(record.details?.id), remoteUrl: safeUrl(deal.url) };
    },
    async reconcile(q, signal) {
      const deal = progressDeal(PROVIDER, q, DealId);
      for (let page = 1; page <= MaxPages; page++) {
        let res: z.infer<typeof NotesPage>;
        try {
          res = await http.json(
            {
              path: `${ZohoApi}/Deals/${deal.id}/Notes`,
              query: { fields: 'Note_Content', per_page: 200, page },
              signal },
            NotesPage,
          );
        } catch (e) {
          // The deal is gone: nothing of ours is there any more.
          if (isProviderError(e, 'notFound')) return undefined;
          throw e;
        }
        const hit = (res?.data ?? []).find((n) => hasMarker(n.Note_Content ?? '', q.id));
        if (hit) return { remoteId: hit.id, remoteUrl: safeUrl(deal.url) };
        if (res?.info?.more_records !== true) break;
      }
      return undefined;
    } };
}
