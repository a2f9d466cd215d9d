import {
  clip,
  clipForEscape,
  messageQuestion,
  plainTextBody,
  plainTextSignature,
  questionSubject,
  safeUrl,
} from '../../questions/messages';
import type { Question } from '../../questions/question';

// ---- e-mail -------------------------------------------------------------------------------------

/** Plain addresses only: a CRM value like `a@b.c?bcc=x` must not add recipients or headers. */
const EMAIL = /^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
/** The longest address RFC 5321 allows; the check above runs on nothing longer. */
const MaxEmailLength = 254;

/** The owners' valid e-mail addresses, de-duplicated. */
export function ownerEmails(q: Question): string[] {
  const out = new Set<string>();
  for (const d of q.deals) {
    const e = d.owner?.email?.trim();
    if (e && e.length <= MaxEmailLength && EMAIL.test(e)) out.add(e);
  }
  return [...out];
}

/** Longest mailto: URL we produce; some mail clients and Windows handlers cut at about 2000. */
export const MaxMailtoLength = 1900;

// Shares of MaxMailtoLength, so the body always keeps room for its shortened tail and the marker.
const MaxRecipients = 600;
const MaxSubject = 400;

// RFC 6068: line breaks in a mailto body are CRLF.
const crlf = (s: string) => s.replace(/\r\n|\r|\n/g, '\r\n');
const enc = (s: string) => encodeURIComponent(crlf(s));
/** A character as the body encodes it (a lone CR or LF becomes CRLF; a CRLF pair counts twice). */
const encodeChar = (c: string) => (c === '\n' || c === '\r' ? '%0D%0A' : encodeURIComponent(c));

/**
 * `mailto:` for the owners, subject and body encoded, at most MaxMailtoLength characters: owners
 * beyond 600 characters of addresses are left out, and a long body is cut before its marker line.
 */
export function mailtoUrl(q: Question): string {
  q = messageQuestion(q);
  let to = '';
  for (const e of ownerEmails(q)) {
    const next = `${to ? `${to},` : ''}${encodeURIComponent(e).replace(/%40/g, '@')}`;
    if (next.length > MaxRecipients) break;
    to = next;
  }
  const subjectText = `${questionSubject(q)}${q.ticket.title ? `: ${q.ticket.title}` : ''}`;
  const subject = enc(clipForEscape(subjectText, MaxSubject, encodeChar));
  const head = `mailto:${to}?subject=${subject}&body=`;
  const body = plainTextBody(q);
  const signature = `\n\n${plainTextSignature(q)}`;
  const full = enc(body + signature);
  if (head.length + full.length <= MaxMailtoLength) return head + full;
  const ticketUrl = safeUrl(q.ticket.url);
  const key = clip(q.ticket.key, 40);
  const tail = (where: string) =>
    `…\n\n(shortened: the full question is on ${where})${signature}`;
  let end = enc(tail(ticketUrl ? `${key} ${ticketUrl}` : key));
  // A long ticket URL gives way to the question itself.
  if (head.length + end.length > MaxMailtoLength - 300) end = enc(tail(key));
  const room = MaxMailtoLength - head.length - end.length;
  const start = clipForEscape(body, Math.max(0, room), encodeChar);
  // clipForEscape ends a cut text with its own ellipsis; the tail brings one already.
  return head + enc(start.endsWith('…') && start !== body ? start.slice(0, -1) : start) + end;
}
