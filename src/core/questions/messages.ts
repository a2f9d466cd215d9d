// Pure builders: one question → the message each route posts. Every message carries the same
// context (question, ticket, customers and deals with links, branch, repository, author, code
// excerpt) and the marker `cc-question:<id>`, which is how a route finds its own message again
// after an ambiguous failure (reconcile) and how answers are matched to questions.
//
// CRM and tracker text is untrusted: in every format it is escaped so that it cannot create
// mentions, links, macros or markup. Only links we build ourselves from http(s) URLs are links.
// Every builder starts from `messageQuestion(q)`: each field cut to a fixed length, one-line fields
// kept on one line, and copies of the marker in the text broken, so no field can make a message
// too long for its vendor, add lines of its own, or pass for another question's message.
// Deal amounts are left out on purpose: chat channels can be wider than the sales team, and the
// owner knows the deal.
import type { CodeExcerpt, Question, QuestionDeal } from './question';

/** The prefix of the id marker embedded in every message. */
export const MarkerPrefix = 'cc-question:';

/** `cc-question:<id>`: found again by reconcile, by the same id the outbox file carries. */
export function questionMarker(id: string): string {
  return `${MarkerPrefix}${id}`;
}

/** Whether `text` (any format, or a JSON-stringified ADF body) carries question `id`'s marker. */
export function hasMarker(text: string, id: string): boolean {
  return text.includes(questionMarker(id));
}

/** The deal whose owner receives the question: the first with an owner, else the first. */
export function primaryDeal(q: Question): QuestionDeal | undefined {
  return q.deals.find((d) => d.owner) ?? q.deals[0];
}

/** Longest URL made a link; a longer one is no ticket or deal page, and mail clients cut it. */
export const MaxUrlLength = 2048;

/** The URL when it is http(s), else undefined (javascript:, command:, file: never become links). */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url || url.length > MaxUrlLength) return undefined;
  try {
    const u = new URL(url.trim());
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password)
      return undefined;
    return u.href.length <= MaxUrlLength ? u.href : undefined;
  } catch {
    return undefined;
  }
}

// ---- the question as messages show it -----------------------------------------------------------

// Field lengths a message carries. The question box allows 4,000 characters and 60 excerpt lines
// (question.ts); the larger caps here only bound a question read back from an edited outbox file.
const MaxText = 8_000;
const MaxExcerpt = 10_000;
const MaxKey = 100;
const MaxField = 300;
const MaxEmail = 254;
const MaxLanguage = 30;

/** `cc-question:` in data, with a zero-width space that keeps it from reading as a marker. */
const BrokenMarker = 'cc-question\u200b:';

/**
 * Lone surrogates become U+FFFD (they cannot be URL- or UTF-8-encoded); with `oneLine`, line
 * breaks and other control characters become spaces, so a field cannot start a line of markup.
 */
function wellFormed(text: string, oneLine: boolean): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let replace: string | undefined;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else replace = '\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) replace = '\ufffd';
    else if (oneLine && (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029)) {
      replace = ' ';
    }
    if (replace !== undefined) {
      out += text.slice(from, i) + replace;
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

function field(text: string, max: number, oneLine = true): string {
  // Only the start can show: cut first (leaving room for a marker that starts before `max`), so a
  // 64 KB field costs what a short one does.
  const room = max + MarkerPrefix.length + 2;
  const start = text.length > room ? text.slice(0, room) : text;
  return clip(wellFormed(start, oneLine).split(MarkerPrefix).join(BrokenMarker), max);
}

function optionalField(text: string | undefined, max: number): string | undefined {
  return text === undefined ? undefined : field(text, max);
}

function optionalUrl(url: string | undefined): string | undefined {
  return url === undefined || url.length > MaxUrlLength ? undefined : url;
}

/**
 * The question every builder formats: fields cut to fixed lengths, one-line fields on one line,
 * lone surrogates replaced, copies of the marker in the text broken, over-long URLs dropped (a
 * cut URL would point elsewhere). Applying it twice changes nothing.
 */
export function messageQuestion(q: Question): Question {
  return {
    ...q,
    text: field(q.text, MaxText, false),
    ticket: {
      key: field(q.ticket.key, MaxKey),
      title: optionalField(q.ticket.title, MaxField),
      url: optionalUrl(q.ticket.url),
    },
    deals: q.deals.map((d) => ({
      ...d,
      id: field(d.id, MaxField),
      customer: field(d.customer, MaxField),
      stage: optionalField(d.stage, MaxField),
      currency: optionalField(d.currency, MaxKey),
      url: optionalUrl(d.url),
      owner: d.owner && {
        ...d.owner,
        name: field(d.owner.name, MaxField),
        email: optionalField(d.owner.email, MaxEmail),
        slackId: optionalField(d.owner.slackId, MaxKey),
        crmId: optionalField(d.owner.crmId, MaxKey),
      },
    })),
    branch: optionalField(q.branch, MaxField),
    repository: optionalField(q.repository, MaxField),
    author: {
      name: optionalField(q.author.name, MaxField),
      email: optionalField(q.author.email, MaxEmail),
    },
    excerpt: q.excerpt && {
      ...q.excerpt,
      file: field(q.excerpt.file, MaxField),
      text: field(q.excerpt.text, MaxExcerpt, false),
      language: optionalField(q.excerpt.language, MaxLanguage),
    },
  };
}

/** Who asked, for people: name, else e-mail, else "A developer". */
export function askedBy(q: Question): string {
  return q.author.name?.trim() || q.author.email?.trim() || 'A developer';
}

/** `ACME-42 — Title`, or the key alone. */
export function ticketLabel(q: Question): string {
  return q.ticket.title ? `${q.ticket.key} — ${q.ticket.title}` : q.ticket.key;
}

/** `Question on ACME-42 from Dana Dev`, the subject line of tasks and mails. */
export function questionSubject(q: Question): string {
  return `Question on ${q.ticket.key} from ${askedBy(q)}`;
}

/** ` (stage, owner name)` after a customer, or nothing. */
export function dealDetails(d: QuestionDeal): string {
  const bits = [d.stage, d.owner?.name ? `owner ${d.owner.name}` : undefined].filter(Boolean);
  return bits.length ? ` (${bits.join(', ')})` : '';
}

/** `src/a.ts lines 3–9`. */
export function excerptTitle(x: CodeExcerpt): string {
  return x.startLine === x.endLine
    ? `${x.file} line ${x.startLine}`
    : `${x.file} lines ${x.startLine}–${x.endLine}`;
}

/** A code language name fit for a fence or a code block attribute: word characters, `+`, `-`. */
export function codeLanguage(x: CodeExcerpt): string {
  return (x.language ?? '').replace(/[^\w+-]/g, '').slice(0, MaxLanguage);
}

function isHighSurrogate(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Text cut to `max` characters with an ellipsis, never inside a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  if (cut > 0 && isHighSurrogate(text, cut - 1)) cut--;
  return `${text.slice(0, Math.max(0, cut))}…`;
}

/**
 * `text`, or its longest start plus an ellipsis, whose escaped form (each character escaped alone
 * by `escape`) is at most `max` characters long: cut before escaping, so never inside an escape
 * sequence, and never inside a surrogate pair.
 */
export function clipForEscape(text: string, max: number, escape: (c: string) => string): string {
  const unit = (i: number) =>
    isHighSurrogate(text, i) && isLowSurrogate(text, i + 1) ? text.slice(i, i + 2) : text[i];
  let total = 0;
  for (let i = 0; i < text.length && total <= max; ) {
    const u = unit(i);
    total += escape(u).length;
    i += u.length;
  }
  if (total <= max) return text;
  let used = 0;
  let i = 0;
  while (i < text.length) {
    const u = unit(i);
    const size = escape(u).length;
    if (used + size + 1 > max) break;
    used += size;
    i += u.length;
  }
  return `${text.slice(0, i)}…`;
}

/** ISO date (YYYY-MM-DD) one day after the question was asked: the due date of tasks. */
export function dueDate(q: Question): string {
  const t = Date.parse(q.createdAt);
  return new Date((Number.isNaN(t) ? 0 : t) + 86_400_000).toISOString().slice(0, 10);
}

/** The same due moment as a full ISO timestamp. */
export function dueIso(q: Question): string {
  const t = Date.parse(q.createdAt);
  return new Date((Number.isNaN(t) ? 0 : t) + 86_400_000).toISOString();
}

// ---- plain text (task descriptions, e-mail, fallback) ------------------------------------------

/** The plain-text message without its marker line. */
export function plainTextBody(q: Question): string {
  q = messageQuestion(q);
  const lines: string[] = [`${askedBy(q)} asks about ${ticketLabel(q)}:`, '', q.text.trim(), ''];
  const tUrl = safeUrl(q.ticket.url);
  lines.push(`Ticket: ${ticketLabel(q)}${tUrl ? ` ${tUrl}` : ''}`);
  for (const d of q.deals) {
    const url = safeUrl(d.url);
    lines.push(`Customer: ${d.customer}${dealDetails(d)}${url ? ` ${url}` : ''}`);
  }
  if (q.branch) lines.push(`Branch: ${q.branch}`);
  if (q.repository) lines.push(`Repository: ${q.repository}`);
  if (q.excerpt) {
    lines.push('', `--- ${excerptTitle(q.excerpt)} ---`, q.excerpt.text, '---');
  }
  return lines.join('\n');
}

/** The last line of the plain-text message: where it comes from, and the marker. */
export function plainTextSignature(q: Question): string {
  return `Sent with Customer Context · ${questionMarker(q.id)}`;
}

/** The full message as plain text, marker last; with `max`, the body is cut so the marker stays. */
export function plainTextMessage(q: Question, max = Infinity): string {
  const end = `\n\n${plainTextSignature(q)}`;
  return clip(plainTextBody(q), Math.max(1, max - end.length)) + end;
}

// ---- Markdown (issue trackers' comments) -------------------------------------------------------

/** Backslash-escaped in Markdown: what could start emphasis, code, a link, HTML, math, a table. */
const MarkdownPunctuation = new Set('\\`*_{}[]()<>#+!|~&$');
/** Followed by a zero-width space: what starts a mention or a reference in rendered text. */
const ReferenceStart = new Set('@#!~$%&');
const ZWSP = '\u200b';

/**
 * Escapes Markdown in untrusted text and breaks what the trackers' renderers would turn into a
 * link after rendering: @mentions, #/!/~/$/%/& references, `scheme://` and `www.` autolinks.
 */
export function escapeMarkdown(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '.' && i >= 3 && text.slice(i - 3, i).toLowerCase() === 'www') out += ZWSP;
    out += MarkdownPunctuation.has(c) ? `\\${c}` : c;
    if (ReferenceStart.has(c) || (c === ':' && text.startsWith('//', i + 1))) out += ZWSP;
  }
  return out;
}

function mdUrl(url: string): string {
  return url.replace(/[()\s<>]/g, (c) => encodeURIComponent(c));
}

/** A backtick fence longer than any backtick run in `text`, so the text cannot close it. */
function fence(text: string): string {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    run = text[i] === '`' ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return '`'.repeat(Math.max(3, longest + 1));
}

/** A Markdown comment for issue trackers; the developer's own text stays Markdown. */
export function markdownComment(q: Question): string {
  q = messageQuestion(q);
  const lines: string[] = [`**Question for sales** from ${escapeMarkdown(askedBy(q))}:`, ''];
  lines.push(
    ...q.text
      .trim()
      // Every line ending Markdown knows, so no line of the question escapes the quote.
      .split(/\r\n|\r|\n/)
      .map((l) => `> ${l}`),
    '',
  );
  for (const d of q.deals) {
    const url = safeUrl(d.url);
    const name = escapeMarkdown(d.customer);
    lines.push(
      `- **Customer:** ${url ? `[${name}](${mdUrl(url)})` : name}${escapeMarkdown(dealDetails(d))}`,
    );
  }
  if (q.branch) lines.push(`- **Branch:** ${'`'}${q.branch.replace(/`/g, "'")}${'`'}`);
  if (q.repository) lines.push(`- **Repository:** ${escapeMarkdown(q.repository)}`);
  if (q.excerpt?.text) {
    const f = fence(q.excerpt.text);
    lines.push(
      '',
      `_${escapeMarkdown(excerptTitle(q.excerpt))}_`,
      '',
      `${f}${codeLanguage(q.excerpt)}`,
      q.excerpt.text,
      f,
    );
  }
  lines.push('', `<sub>Sent with Customer Context · ${questionMarker(q.id)}</sub>`);
  return lines.join('\n');
}

// ---- HTML (CRM task and note bodies) ------------------------------------------------------------

const HtmlEscapes: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtmlChar(c: string): string {
  return HtmlEscapes[c] ?? c;
}

/** Escapes text for the HTML bodies CRMs store in tasks and notes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, escapeHtmlChar);
}

function htmlLink(url: string | undefined, label: string): string {
  const href = safeUrl(url);
  return href ? `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>` : escapeHtml(label);
}

/**
 * The question as the HTML body of a CRM task or note. With `max`, a body that would be longer
 * loses the code excerpt first, then the end of the question text.
 */
export function htmlMessage(q: Question, max = Infinity): string {
  q = messageQuestion(q);
  const build = (text: string, excerpt: boolean): string[] => {
    const parts: string[] = [
      `<p><strong>Question from ${escapeHtml(askedBy(q))}</strong> about ` +
        `${htmlLink(q.ticket.url, ticketLabel(q))}:</p>`,
      `<p>${text}</p>`,
    ];
    const facts: string[] = [];
    for (const d of q.deals)
      facts.push(`<li>Customer: ${htmlLink(d.url, d.customer)}${escapeHtml(dealDetails(d))}</li>`);
    if (q.branch) facts.push(`<li>Branch: <code>${escapeHtml(q.branch)}</code></li>`);
    if (q.repository) facts.push(`<li>Repository: ${escapeHtml(q.repository)}</li>`);
    if (facts.length) parts.push(`<ul>${facts.join('')}</ul>`);
    if (excerpt && q.excerpt?.text) {
      parts.push(
        `<p><em>${escapeHtml(excerptTitle(q.excerpt))}</em></p>`,
        `<pre>${escapeHtml(q.excerpt.text)}</pre>`,
      );
    }
    parts.push(`<p><em>Sent with Customer Context · ${questionMarker(q.id)}</em></p>`);
    return parts;
  };
  const text = q.text.trim();
  const withBreaks = (t: string) => t.replace(/\r\n|\r|\n/g, '<br>');
  const html = build(withBreaks(escapeHtml(text)), true).join('');
  if (html.length <= max) return html;
  const parts = build('', false);
  const room = max - parts.join('').length;
  if (room <= 0) return parts.join('');
  // A line break counts as a whole <br>: the cut text's escaped form is never longer than `room`.
  const lineBreak = (c: string) => (c === '\n' || c === '\r' ? '<br>' : escapeHtmlChar(c));
  parts[1] = `<p>${withBreaks(escapeHtml(clipForEscape(text, room, lineBreak)))}</p>`;
  return parts.join('');
}
