// Progress notes on Bitrix24: one timeline comment on the deal (`crm.timeline.comment.add`).
// Comments are BB-code, so the text has every `[` broken as the to-do sender breaks data (no tag,
// mention or link can come from it); the last line carries the marker. No mention of the owner:
// a progress note informs, it asks nobody for anything. Found again in the deal's comments,
// newest first.
import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import { hasMarker, messageQuestion, questionMarker, safeUrl } from '../../questions/messages';
import type { Question, QuestionDeal } from '../../questions/question';
import { progressDeal } from '../../questions/routes';
import type { RouteSender } from '../../questions/sender';
import { Bitrix24, type Bitrix24Api } from './api';
import { noBbCode } from './todos';

const DealId = /^\d{1,15}$/;
/** Pages (50 each, newest first) of a deal's comments searched for the marker. */
const MaxPages = 4;

const Id = z.pipe(
  z.union([z.string(), z.number()]),
  z.transform((v) => String(v).trim()),
);
const CommentList = z.array(
  z.looseObject({ ID: Id, COMMENT: z.optional(z.nullable(z.string())) }),
);


/** The comment's text: the item's text with BB-code broken, then the marker line. */
export function bitrix24ProgressText(q: Question): string {
  const text = messageQuestion(q).text.trim();
  if (!text) {
    throw new ProviderError('badRequest', `${Bitrix24}: progress item ${q.id} has no text.`, {
      provider: Bitrix24,
    });
  }
  // messageQuestion cuts the text to 8,000 characters: with every `[` doubled, still far below
  // what a comment holds.
  return `${noBbCode(text)}\n\nSent with Customer Context · ${questionMarker(q.id)}`;
}

/** `crm.timeline.comment.add` parameters: the note on the item's one deal. */
export function bitrix24ProgressComment(q: Question): Record<string, unknown> {
  const deal = progressDeal(Bitrix24, q, DealId);
  return {
    fields: { ENTITY_ID: Number(deal.id), ENTITY_TYPE: 'deal', COMMENT: bitrix24ProgressText(q) },
  };
}

/** Posts one timeline comment per progress item; reconciles by the deal's comments (marker). */
export function bitrix24ProgressSender(api: Bitrix24Api): RouteSender {
  const dealUrl = (deal: QuestionDeal) =>
    api.portal
      ? `${api.portal}/crm/deal/details/${encodeURIComponent(deal.id)}/`
      : safeUrl(deal.url);
  return {
    async send(q, signal) {
      const params = bitrix24ProgressComment(q);
      const res = await api.call(
        { method: 'crm.timeline.comment.add', params, write: true, signal },
        Id,
      );
      return { remoteId: res.result, remoteUrl: dealUrl(progressDeal(Bitrix24, q, DealId)) };
    },
    async reconcile(q, signal) {
      const deal = progressDeal(Bitrix24, q, DealId);
      let start: number | undefined;
      for (let page = 0; page < MaxPages; page++) {
        const res = await api.call(
          {
            method: 'crm.timeline.comment.list',
            params: {
              filter: { ENTITY_ID: deal.id, ENTITY_TYPE: 'deal' },
              order: { ID: 'DESC' },
              select: ['ID', 'COMMENT'],
              ...(start ? { start } : {}),
            },
            signal,
          },
          CommentList,
        );
        const hit = res.result.find((c) => hasMarker(c.COMMENT ?? '', q.id));
        if (hit) return { remoteId: hit.ID, remoteUrl: dealUrl(deal) };
        if (!res.next) break;
        start = res.next;
      }
      return undefined;
    },
  };
}
