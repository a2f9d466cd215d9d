// A question to sales: what the developer typed plus the full context it was asked in.
import * as z from 'zod/mini';
import { ChatIds, type ChatId, vendorById } from '../providers/registry';

/** Where a question can go (setting `questions.routes`): the CRM, the ticket, or a chat vendor. */
export const RouteNames = ['crm', 'ticketComment', ...ChatIds] as ['crm', 'ticketComment', ...ChatId[]];
export type RouteName = 'crm' | 'ticketComment' | ChatId;

/** The deal a question is about, as captured when it was asked (snapshot, not a live reference). */
export const QuestionDeal = z.object({
  id: z.string(),
  customer: z.string(),
  amount: z.optional(z.number()),
  currency: z.optional(z.string()),
  stage: z.optional(z.string()),
  url: z.optional(z.string()),
  owner: z.optional(
    z.object({
      name: z.string(),
      email: z.optional(z.string()),
      slackId: z.optional(z.string()),
      crmId: z.optional(z.string()),
    }),
  ),
});
export type QuestionDeal = z.infer<typeof QuestionDeal>;

/** A selected code excerpt attached to a question. */
export const CodeExcerpt = z.object({
  /** Path relative to the repository root. */
  file: z.string(),
  startLine: z.number(),
  endLine: z.number(),
  text: z.string(),
  language: z.optional(z.string()),
});
export type CodeExcerpt = z.infer<typeof CodeExcerpt>;

/** The milestones a progress note reports (contract order: each one later than the one before). */
export const ProgressMilestones = ['started', 'in review', 'merged', 'released'] as const;
/** A milestone of work on a ticket that sales can be told about (core/progress.ts). */
export type ProgressMilestoneName = (typeof ProgressMilestones)[number];

/** Everything a route needs to build its message. Persisted in the outbox; contains no secret. */
export const Question = z.object({
  /** UUID v4; also the idempotency key embedded in every message. */
  id: z.string(),
  /** ISO timestamp. */
  createdAt: z.string(),
  text: z.string(),
  ticket: z.object({ key: z.string(), title: z.optional(z.string()), url: z.optional(z.string()) }),
  deals: z.array(QuestionDeal),
  branch: z.optional(z.string()),
  repository: z.optional(z.string()),
  author: z.object({ name: z.optional(z.string()), email: z.optional(z.string()) }),
  excerpt: z.optional(CodeExcerpt),
  /** With the local CRM: the inbox file chosen when the question was asked (never sent anywhere). */
  localInbox: z.optional(z.string()),
  /** The workspace folder it was asked in: its settings decide the routes (never sent anywhere). */
  folder: z.optional(z.string()),
  /**
   * `progress`: not a question but one note for one deal (`deals` holds exactly that deal; `text` is
   * the note, written for a salesperson, never code). Sent on the `crm` route by the CRM's progress
   * sender; no answer is read and it is not listed under Questions. Absent: a question.
   */
  kind: z.optional(z.enum(['question', 'progress'])),
  /** With `kind: 'progress'`: the milestone the note reports. */
  milestone: z.optional(z.enum(ProgressMilestones)),
});
export type Question = z.infer<typeof Question>;

/** Largest question we accept (chat section texts hold 3000; comment and CRM bodies far more). */
export const MaxQuestionLength = 4000;
export const MaxExcerptLines = 60;

/** Why a question cannot be sent as it is; undefined when it can. */
export function questionProblem(text: string, deals: readonly QuestionDeal[], routes: readonly RouteName[]): string | undefined {
  if (!text.trim()) return 'Type a question first.';
  if (text.length > MaxQuestionLength) return `The question is ${text.length} characters long; the limit is ${MaxQuestionLength}.`;
  if (routes.length === 0) return 'No route is configured: set customerContext.questions.routes (e.g. ["crm"]).';
  const needsOwner = routes.some((r) => r === 'crm' || vendorById(r)?.manualRoute);
  if (needsOwner && !deals.some((d) => d.owner && (d.owner.email || d.owner.crmId || d.owner.name))) {
    return deals.length === 0
      ? 'This ticket has no linked deal, so there is no sales owner to ask.'
      : 'None of the linked deals has a sales owner to send the question to.';
  }
  return undefined;
}

/** Recipients shown to the developer and written to the inbox: owner e-mails (or names), de-duplicated. */
export function recipients(deals: readonly QuestionDeal[]): string[] {
  const out = new Set<string>();
  for (const d of deals) {
    const who = d.owner?.email ?? d.owner?.name;
    if (who) out.add(who);
  }
  return [...out];
}

/** Trims a selection to MaxExcerptLines so a question never carries a whole file. */
export function clipExcerpt(excerpt: CodeExcerpt): CodeExcerpt {
  const lines = excerpt.text.split(/\r?\n/);
  if (lines.length <= MaxExcerptLines) return excerpt;
  return {
    ...excerpt,
    endLine: excerpt.startLine + MaxExcerptLines - 1,
    text: lines.slice(0, MaxExcerptLines).join('\n'),
  };
}
