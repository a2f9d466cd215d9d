// What every question sender shares: finding our own message again by its `cc-question:<id>` marker
// (reconcile), reading the answers below it, and turning an edited HTML task body back into text.
// The senders themselves live with their vendor (src/core/providers/<vendor>/).
//
// Delivery guarantees (the outbox relies on these):
// - comment and task senders implement `reconcile` by listing or searching the remote for the
//   marker: an ambiguous failure (cut, timeout, 5xx) never duplicates;
// - webhook senders (webhook.ts) are not idempotent and cannot be queried: at-least-once;
// - a route without a sender (mail) is completed by the user: the outbox's markSent.
//
// Every sender throws ProviderError; `send` is never retried here (writes are not retried by
// HttpClient either), the outbox decides by the error kind.
import { ProviderError } from '../errors';
import type { TicketComment } from '../model';
import { hasMarker, MarkerPrefix, messageQuestion, primaryDeal, questionMarker } from './messages';
import type { Answer, RemoteRef } from './sender';
import type { Question, QuestionDeal } from './question';

/** A non-empty string or a finite number as text. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * The replies to a question among a ticket's comments: those after the comment carrying its marker and
 * before the next question's comment (a reply belongs to the latest question above it), by someone
 * other than its author. Oldest first.
 */
export function answersFromComments(
  q: Question,
  comments: readonly TicketComment[],
): TicketComment[] {
  const time = (c: TicketComment) => Date.parse(c.created) || 0;
  const sorted = [...comments].sort((a, b) => time(a) - time(b) || a.created.localeCompare(b.created));
  const start = sorted.findIndex((c) => hasMarker(c.text, q.id));
  if (start < 0) return [];
  const ours = sorted[start];
  const replies: TicketComment[] = [];
  for (const c of sorted.slice(start + 1)) {
    if (c.text.includes(MarkerPrefix)) break; // the next question: later replies are its answers
    if (c.author !== ours.author && time(c) >= time(ours)) replies.push(c);
  }
  return replies;
}

/** The first reply to a question among comments, as an answer. */
export function firstAnswer(q: Question, comments: readonly TicketComment[]): Answer | undefined {
  const a = answersFromComments(q, comments)[0];
  return a ? { text: a.text, by: a.author, at: a.created } : undefined;
}

/** The comment that carries the marker, as a remote reference. */
export function findOurs(
  q: Question,
  comments: readonly TicketComment[],
  url?: (id: string) => string | undefined,
): RemoteRef | undefined {
  const c = comments.find((x) => hasMarker(x.text, q.id));
  return c ? { remoteId: c.id, remoteUrl: url?.(c.id) } : undefined;
}

/** The deal a CRM task is attached to: the primary deal, whose id must be `valid` for that CRM. */
export function dealFor(provider: string, q: Question, valid: RegExp): QuestionDeal {
  const deal = primaryDeal(q);
  if (!deal || !valid.test(deal.id)) {
    throw new ProviderError(
      'badRequest',
      `${provider}: the question has no ${provider} deal to attach it to.`,
      { provider },
    );
  }
  return deal;
}

/** The one deal a progress item is for (its id valid for that CRM); a clear error for none or several. */
export function progressDeal(provider: string, q: Question, valid: RegExp, noun = 'deal'): QuestionDeal {
  if (q.deals.length > 1) {
    throw new ProviderError('badRequest', `${provider}: a progress note is for exactly one ${noun}; item ${q.id} names ${q.deals.length}.`, { provider });
  }
  return dealFor(provider, q, valid);
}

/** A progress note's text for a salesperson: the item's text, cut, with stray markers broken. */
export function progressText(provider: string, q: Question): string {
  const text = messageQuestion(q).text.trim();
  if (!text) throw new ProviderError('badRequest', `${provider}: progress item ${q.id} has no text.`, { provider });
  return text;
}

const Entities: Record<string, string> = { lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ', amp: '&' };
/** Longest entity name above plus its `;`: the scan for the `;` looks no further. */
const EntityReach = 6;
const BlockEnd = /^\/(p|div|li|pre|h\d)$/i;

/**
 * Strips HTML to text, for task bodies sales may have edited. One pass over the input with no
 * backtracking regular expression and no search that can rescan: a hostile body (`<<<<…` without
 * `>`, `&&&&…` without `;`) costs time in proportion to its length. Everything from a `<` to the
 * next `>` is a tag (editors write a typed `<` as `&lt;`), a comment to its `-->`, a `<` with no
 * `>` after it is text, and the entities above are decoded once (`&amp;lt;` gives `&lt;`).
 */
export function htmlToText(html: string): string {
  let out = '';
  // Text is copied in runs, from `from` up to the next tag or entity.
  let from = 0;
  let i = 0;
  // Set once a search for `>` (or `-->`) fails: none is found later either, so none is searched
  // again.
  let noMoreTags = false;
  let noCommentEnd = false;
  while (i < html.length) {
    const c = html.charCodeAt(i);
    if (c === 0x3c && !noMoreTags) {
      out += html.slice(from, i);
      // A comment may hold `>`; one never closed is read as a tag like any other.
      const end = !noCommentEnd && html.startsWith('<!--', i) ? html.indexOf('-->', i + 4) : -1;
      if (end < 0 && html.startsWith('<!--', i)) noCommentEnd = true;
      if (end >= 0) {
        from = i = end + 3;
        continue;
      }
      const close = html.indexOf('>', i + 1);
      if (close < 0) {
        noMoreTags = true;
        from = i;
        continue;
      }
      const tag = html.slice(i + 1, Math.min(close, i + 12)).trim();
      if (/^br\b|^br\/?$/i.test(tag) || BlockEnd.test(tag)) out += '\n';
      from = i = close + 1;
    } else if (c === 0x26) {
      let semi = -1;
      for (let j = i + 1; j < html.length && j <= i + EntityReach; j++) {
        if (html.charCodeAt(j) === 0x3b) {
          semi = j;
          break;
        }
      }
      const name = semi > 0 ? html.slice(i + 1, semi) : '';
      if (Object.prototype.hasOwnProperty.call(Entities, name)) {
        out += html.slice(from, i) + Entities[name];
        from = i = semi + 1;
      } else i++;
    } else i++;
  }
  return tidyLines(out + html.slice(from));
}

/** Trailing blanks removed from each line, at most one empty line in a row, trimmed. */
function tidyLines(text: string): string {
  const kept: string[] = [];
  for (const raw of text.split('\n')) {
    let end = raw.length;
    while (end > 0 && (raw[end - 1] === ' ' || raw[end - 1] === '\t')) end--;
    const l = raw.slice(0, end);
    if (l || kept[kept.length - 1] !== '') kept.push(l);
  }
  return kept.join('\n').trim();
}

/** What sales wrote into a task body after our message (its last line carries the marker). */
export function addedAfterMarker(body: string, id: string): string {
  const text = htmlToText(body);
  const at = text.indexOf(questionMarker(id));
  if (at < 0) return '';
  const nl = text.indexOf('\n', at);
  return nl < 0 ? '' : text.slice(nl + 1).trim();
}

