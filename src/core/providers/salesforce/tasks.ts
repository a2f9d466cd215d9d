import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import {
  clip,
  dueDate,
  messageQuestion,
  plainTextMessage,
  primaryDeal,
  questionMarker,
  questionSubject,
} from '../../questions/messages';
import type { RouteSender } from '../../questions/outbox';
import type { Question, QuestionDeal } from '../../questions/question';
import { addedAfterMarker, dealFor, str } from '../../questions/routes';
import { soqlLike, soqlString } from './soql';

/** Task.Description is a long text area of 32,000 characters. */
const MaxDescription = 32_000;

/**
 * `POST /services/data/vNN.0/sobjects/Task/` body. The marker is in the Subject as well as the
 * Description because Task.Description is a long text area, which SOQL cannot filter on; both
 * are cut before the marker, never through it.
 */
export function salesforceTask(q: Question, deal: QuestionDeal): Record<string, unknown> {
  const shown = messageQuestion(q);
  const owner =
    deal.owner?.crmId && /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(deal.owner.crmId)
      ? deal.owner.crmId
      : undefined;
  const marker = ` [${questionMarker(q.id)}]`;
  return {
    Subject: `${clip(questionSubject(shown), 255 - marker.length)}${marker}`,
    Description: plainTextMessage(shown, MaxDescription),
    WhatId: deal.id,
    ...(owner ? { OwnerId: owner } : {}),
    Status: 'Not Started',
    Priority: 'Normal',
    ActivityDate: dueDate(q),
  };
}

const SF_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const SalesforceQuery = z.looseObject({ records: z.array(z.looseObject({ Id: z.string() })) });
const SalesforceTask = z.looseObject({
  Status: z.optional(z.nullable(z.string())),
  Description: z.optional(z.nullable(z.string())),
  CompletedDateTime: z.optional(z.nullable(z.string())),
  LastModifiedDate: z.optional(z.nullable(z.string())),
});

/** Creates a Salesforce Task on the opportunity for its owner; reconciles by SOQL on Subject. */
export function salesforceTaskSender(
  http: HttpClient,
  opts: { apiVersion?: string } = {},
): RouteSender {
  // Same form as the Salesforce CRM option: "62.0" (a leading "v" is accepted too).
  const v = `v${(opts.apiVersion ?? '62.0').replace(/^v/i, '')}`;
  return {
    async send(q, signal) {
      const deal = dealFor('Salesforce', q, SF_ID);
      const res = await http.request({
        method: 'POST',
        path: `/services/data/${v}/sobjects/Task/`,
        body: salesforceTask(q, deal),
        signal,
      });
      const d = (res.data ?? {}) as { id?: unknown; success?: unknown; errors?: unknown };
      if (d.success === false) {
        throw new ProviderError(
          'badRequest',
          `Salesforce: the task was not created (${JSON.stringify(d.errors).slice(0, 200)}).`,
          { provider: 'Salesforce' },
        );
      }
      return { remoteId: str(d.id) };
    },
    async reconcile(q, signal) {
      const deal = dealFor('Salesforce', q, SF_ID);
      // Task.Description is a long text area and cannot be filtered in SOQL; the marker is in
      // Subject too.
      const soql =
        `SELECT Id FROM Task WHERE WhatId = ${soqlString(deal.id)} ` +
        `AND Subject LIKE ${soqlLike(questionMarker(q.id), 'contains')} LIMIT 5`;
      const res = await http.json(
        { path: `/services/data/${v}/query`, query: { q: soql }, signal },
        SalesforceQuery,
      );
      const hit = res.records[0];
      return hit ? { remoteId: hit.Id } : undefined;
    },
    async answer(q, remote, signal) {
      if (!remote.remoteId || !SF_ID.test(remote.remoteId)) return undefined;
      const t = await http.json(
        {
          path: `/services/data/${v}/sobjects/Task/${remote.remoteId}`,
          query: { fields: 'Status,Description,CompletedDateTime,LastModifiedDate' },
          signal,
        },
        SalesforceTask,
      );
      const added = addedAfterMarker(t.Description ?? '', q.id);
      if (!added && t.Status !== 'Completed') return undefined;
      return {
        text: added || 'Marked the task as completed in Salesforce.',
        by: primaryDeal(q)?.owner?.name,
        at: t.CompletedDateTime ?? t.LastModifiedDate ?? new Date().toISOString(),
      };
    },
  };
}

