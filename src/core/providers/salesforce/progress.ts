// Progress notes on Salesforce: a Task already Completed on the Opportunity, so it lands in the
// deal's activity history and nobody's open task list. Subject and Description are plain text (no
// markup to escape); the Subject is the note's one line with the marker at its end, because
// Task.Description is a long text area that SOQL cannot filter on, and reconcile looks there.
import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import { clip, questionMarker, safeUrl } from '../../questions/messages';
import type { Question } from '../../questions/question';
import { progressDeal, progressText } from '../../questions/routes';
import type { RouteSender } from '../../questions/sender';
import { soqlLike, soqlString } from './soql';

const PROVIDER = 'Salesforce';
const SF_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
/** Task.Subject holds 255 characters. */
const MaxSubject = 255;
/** Task.Description is a long text area of 32,000 characters. */
const MaxDescription = 32_000;



/** The day the milestone was reached (YYYY-MM-DD, UTC), else today. */
function activityDate(q: Question): string {
  const t = Date.parse(q.createdAt);
  return new Date(Number.isNaN(t) ? Date.now() : t).toISOString().slice(0, 10);
}

/**
 * `POST /services/data/vNN.0/sobjects/Task/` body: a completed task on the opportunity. The
 * Subject is the text on one line, cut before the marker, never through it; the Description is
 * the whole text with the marker on its last line.
 */
export function salesforceProgressTask(q: Question): Record<string, unknown> {
  const deal = progressDeal(PROVIDER, q, SF_ID);
  const text = progressText(PROVIDER, q);
  const marker = questionMarker(q.id);
  const tail = ` [${marker}]`;
  const end = `\n\nSent with Customer Context · ${marker}`;
  return {
    Subject: `${clip(text.replace(/\s+/g, ' '), MaxSubject - tail.length)}${tail}`,
    Description: `${clip(text, MaxDescription - end.length)}${end}`,
    WhatId: deal.id,
    Status: 'Completed',
    Priority: 'Normal',
    ActivityDate: activityDate(q) };
}

const Created = z.looseObject({
  id: z.optional(z.nullable(z.string())),
  success: z.optional(z.nullable(z.boolean())),
  errors: z.optional(z.nullable(z.array(z.unknown()))) });
const Query = z.looseObject({ records: z.array(z.looseObject({ Id: z.string() })) });

/** Posts one completed Task per progress item; reconciles by SOQL on the Subject's marker. */
export function salesforceProgressSender(
  http: HttpClient,
  opts: { apiVersion?: string } = {},
): RouteSender {
  // Same form as the Salesforce CRM option: "62.0" (a leading "v" is accepted too).
  const v = `v${(opts.apiVersion ?? '62.0').replace(/^v/i, '')}`;
  return {
    async send(q, signal) {
      const body = salesforceProgressTask(q);
      const res = await http.json(
        { method: 'POST', path: `/services/data/${v}/sobjects/Task/`, body, signal },
        Created,
      );
      if (res.success === false) {
        throw new ProviderError(
          'badRequest',
          `${PROVIDER}: the progress task was not created ` +
            `(${JSON.stringify(res.errors ?? []).slice(0, 200)}).`,
          { provider: PROVIDER },
        );
      }
      if (!res.id) {
        // A 2xx without the new id: the task may exist, so the outbox reconciles before resending.
        throw new ProviderError(
          'invalidResponse',
          `${PROVIDER}: the answer to the progress task has no id (path: id).`,
          { provider: PROVIDER },
        );
      }
      return { remoteId: res.id, remoteUrl: safeUrl(progressDeal(PROVIDER, q, SF_ID).url) };
    },
    async reconcile(q, signal) {
      const deal = progressDeal(PROVIDER, q, SF_ID);
      const soql =
        `SELECT Id FROM Task WHERE WhatId = ${soqlString(deal.id)} ` +
        `AND Subject LIKE ${soqlLike(questionMarker(q.id), 'contains')} LIMIT 5`;
      const res = await http.json(
        { path: `/services/data/${v}/query`, query: { q: soql }, signal },
        Query,
      );
      const hit = res.records[0];
      return hit ? { remoteId: hit.Id, remoteUrl: safeUrl(deal.url) } : undefined;
    } };
}
