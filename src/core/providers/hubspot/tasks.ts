import * as z from 'zod/mini';
import type { HttpClient } from '../../http';
import {
  clip,
  dueIso,
  hasMarker,
  htmlMessage,
  messageQuestion,
  primaryDeal,
  questionMarker,
  questionSubject,
} from '../../questions/messages';
import type { Answer, RouteSender } from '../../questions/outbox';
import type { Question, QuestionDeal } from '../../questions/question';
import { addedAfterMarker, dealFor, str } from '../../questions/routes';

/** HubSpot-defined association type id: task → deal. */
export const HubSpotTaskToDeal = 216;

/** Longest task body HubSpot stores (`hs_task_body` holds 65,536 characters); we keep below. */
const MaxBody = 65_000;

/**
 * `POST /crm/v3/objects/tasks` body: for the deal owner, associated with every linked deal. The
 * marker ends the subject whatever its length, since reconcile searches the subject for it.
 */
export function hubspotTask(q: Question, deal: QuestionDeal): Record<string, unknown> {
  const ids = [...new Set([deal.id, ...q.deals.map((d) => d.id)])].filter((id) => /^\d+$/.test(id));
  const owner = deal.owner?.crmId && /^\d+$/.test(deal.owner.crmId) ? deal.owner.crmId : undefined;
  const shown = messageQuestion(q);
  const marker = ` [${questionMarker(q.id)}]`;
  return {
    properties: {
      hs_timestamp: dueIso(q),
      hs_task_subject: `${clip(questionSubject(shown), 250 - marker.length)}${marker}`,
      hs_task_body: htmlMessage(shown, MaxBody),
      hs_task_status: 'NOT_STARTED',
      hs_task_priority: 'MEDIUM',
      hs_task_type: 'TODO',
      ...(owner ? { hubspot_owner_id: owner } : {}),
    },
    associations: ids.map((id) => ({
      to: { id },
      types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: HubSpotTaskToDeal }],
    })),
  };
}

/** A HubSpot task as read back (properties are strings or null). */
export interface HubSpotTaskRecord {
  id?: string;
  properties: Record<string, string | null | undefined>;
}

/**
 * The answer a HubSpot task carries: text sales added to its body below our message, or, when
 * the task was completed without one, a note that it was. Undefined while neither happened.
 */
export function taskAnswer(q: Question, task: HubSpotTaskRecord): Answer | undefined {
  const p = task.properties;
  const added = addedAfterMarker(p.hs_task_body ?? '', q.id);
  const done = p.hs_task_status === 'COMPLETED';
  if (!added && !done) return undefined;
  return {
    text: added || 'Marked the task as completed in HubSpot.',
    by: primaryDeal(q)?.owner?.name,
    at: p.hs_task_completion_date ?? p.hs_lastmodifieddate ?? new Date().toISOString(),
  };
}

const HubSpotSearch = z.looseObject({
  results: z.array(
    z.looseObject({
      id: z.string(),
      properties: z.record(z.string(), z.optional(z.nullable(z.string()))),
    }),
  ),
});
const HubSpotObject = z.looseObject({
  id: z.string(),
  properties: z.record(z.string(), z.optional(z.nullable(z.string()))),
});

/** Creates a HubSpot task on the deal for its owner; reconciles by a tasks search (marker). */
export function hubspotTaskSender(http: HttpClient): RouteSender {
  return {
    // HubSpot search is eventually consistent: a task created seconds ago may not be found yet.
    reconcileDelayMs: 15_000,
    async send(q, signal) {
      const deal = dealFor('HubSpot', q, /^\d+$/);
      const res = await http.request({
        method: 'POST',
        path: '/crm/v3/objects/tasks',
        body: hubspotTask(q, deal),
        signal,
      });
      return { remoteId: str((res.data as Record<string, unknown> | null)?.id) };
    },
    async reconcile(q, signal) {
      const res = await http.json(
        {
          method: 'POST',
          path: '/crm/v3/objects/tasks/search',
          body: {
            filterGroups: [
              {
                filters: [
                  {
                    propertyName: 'hs_task_subject',
                    operator: 'CONTAINS_TOKEN',
                    value: `*${q.id}*`,
                  },
                ],
              },
            ],
            properties: ['hs_task_subject', 'hs_task_body'],
            limit: 10,
          },
          idempotent: true,
          signal,
        },
        HubSpotSearch,
      );
      const hit = res.results.find((r) =>
        hasMarker(`${r.properties.hs_task_subject ?? ''} ${r.properties.hs_task_body ?? ''}`, q.id),
      );
      return hit ? { remoteId: hit.id } : undefined;
    },
    async answer(q, remote, signal) {
      if (!remote.remoteId || !/^\d+$/.test(remote.remoteId)) return undefined;
      const task = await http.json(
        {
          path: `/crm/v3/objects/tasks/${remote.remoteId}`,
          query: {
            properties: 'hs_task_status,hs_task_body,hs_task_completion_date,hs_lastmodifieddate',
          },
          signal,
        },
        HubSpotObject,
      );
      return taskAnswer(q, task);
    },
  };
}

