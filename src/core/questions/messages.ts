// Pure builders: one question → the message each route posts. Every message carries the same
// context (question, ticket, customers and deals with links, branch, repository, author, code
// excerpt) and the marker `cc-question:<id>`, which is how a route finds its own message again
// after an ambiguous failure (reconcile) and how answers are matched to questions.
//
// CRM and tracker text is untrusted: in every format it is escaped so that it cannot create
// mentions, links, macros or markup. Only links we build ourselves from http(s) URLs are links.
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

/** The URL when it is http(s), else undefined (javascript:, command:, file: never become links). */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url.trim());
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password)
      return undefined;
    return u.href;
  } catch {
    return undefined;
  }
}

/** Who asked, for people: name, else e-mail, else "A developer". */
export function askedBy(q: Question): string {
  return q.author.name?.trim() || q.author.email?.trim() || 'A developer';
}

function ticketLabel(q: Question): string {
  return q.ticket.title ? `${q.ticket.key} — ${q.ticket.title}` : q.ticket.key;
}

/** `Question on ACME-42 from Dana Dev`, the subject line of tasks and mails. */
export function questionSubject(q: Question): string {
  return `Question on ${q.ticket.key} from ${askedBy(q)}`;
}

function dealDetails(d: QuestionDeal): string {
  const bits = [d.stage, d.owner?.name ? `owner ${d.owner.name}` : undefined].filter(Boolean);
  return bits.length ? ` (${bits.join(', ')})` : '';
}

function excerptTitle(x: CodeExcerpt): string {
  return x.startLine === x.endLine
    ? `${x.file} line ${x.startLine}`
    : `${x.file} lines ${x.startLine}–${x.endLine}`;
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never cut a surrogate pair in half.
  let cut = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[cut - 1] ?? '')) cut--;
  return `${text.slice(0, cut)}…`;
}

/** ISO date (YYYY-MM-DD) one day after the question was asked: the due date of tasks. */
function dueDate(q: Question): string {
  const t = Date.parse(q.createdAt);
  return new Date((Number.isNaN(t) ? 0 : t) + 86_400_000).toISOString().slice(0, 10);
}

function dueIso(q: Question): string {
  const t = Date.parse(q.createdAt);
  return new Date((Number.isNaN(t) ? 0 : t) + 86_400_000).toISOString();
}

// ---- plain text (Salesforce Description, e-mail, fallback) --------------------------------------

/** The full message as plain text, marker last. */
export function plainTextMessage(q: Question): string {
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
  lines.push('', `Sent with Customer Context · ${questionMarker(q.id)}`);
  return lines.join('\n');
}

// ---- Jira Cloud: Atlassian Document Format ------------------------------------------------------

/** An ADF node (the subset comments use). */
export interface AdfNode {
  type: string;
  /** Only on the `doc` root. */
  version?: number;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
  text?: string;
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
}

function adfText(text: string, marks?: AdfNode['marks']): AdfNode[] {
  // ADF rejects empty text nodes.
  if (!text) return [];
  return [marks ? { type: 'text', text, marks } : { type: 'text', text }];
}

function adfLines(text: string): AdfNode[] {
  const out: AdfNode[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (i > 0) out.push({ type: 'hardBreak' });
    out.push(...adfText(line));
  });
  return out;
}

function adfLink(text: string, url: string | undefined): AdfNode[] {
  const href = safeUrl(url);
  return adfText(text, href ? [{ type: 'link', attrs: { href } }] : undefined);
}

const strong = (t: string) => adfText(t, [{ type: 'strong' }]);

/** `POST /rest/api/3/issue/{key}/comment` body `{ body: doc }`, optionally @mentioning owner. */
export function jiraAdfComment(q: Question, mentionAccountId?: string): { body: AdfNode } {
  const deal = primaryDeal(q);
  const intro: AdfNode[] = [];
  if (mentionAccountId) {
    intro.push({
      type: 'mention',
      attrs: { id: mentionAccountId, text: `@${deal?.owner?.name ?? 'sales owner'}` },
    });
    intro.push(...adfText(' '));
  }
  intro.push(...strong('Question for sales'), ...adfText(` from ${askedBy(q)}:`));
  const content: AdfNode[] = [
    { type: 'paragraph', content: intro },
    { type: 'paragraph', content: adfLines(q.text.trim()) },
  ];
  if (q.deals.length) {
    const items: AdfNode[] = [...strong(q.deals.length > 1 ? 'Customers: ' : 'Customer: ')];
    q.deals.forEach((d, i) => {
      if (i > 0) items.push(...adfText('; '));
      items.push(...adfLink(d.customer, d.url), ...adfText(dealDetails(d)));
    });
    content.push({ type: 'paragraph', content: items });
  }
  const where: AdfNode[] = [];
  if (q.branch) where.push(...strong('Branch: '), ...adfText(q.branch, [{ type: 'code' }]));
  if (q.repository)
    where.push(
      ...adfText(where.length ? ' · ' : ''),
      ...strong('Repository: '),
      ...adfText(q.repository),
    );
  if (where.length) content.push({ type: 'paragraph', content: where });
  if (q.excerpt?.text) {
    content.push({
      type: 'paragraph',
      content: adfText(excerptTitle(q.excerpt), [{ type: 'em' }]),
    });
    content.push({
      type: 'codeBlock',
      ...(q.excerpt.language ? { attrs: { language: q.excerpt.language } } : {}),
      content: adfText(q.excerpt.text),
    });
  }
  content.push({
    type: 'paragraph',
    content: adfText(`Sent with Customer Context · ${questionMarker(q.id)}`, [{ type: 'em' }]),
  });
  return { body: { type: 'doc', version: 1, content } };
}

// ---- Jira Data Center: wiki markup --------------------------------------------------------------

/** Escapes Jira wiki markup that could link, mention, embed or run a macro. */
export function escapeWiki(text: string): string {
  // A backslash cannot be escaped (`\\` is a line break in wiki markup), so it is replaced by a
  // look-alike.
  return text.replace(/\\/g, '⧵').replace(/[[\]{}|!]/g, (c) => `\\${c}`);
}

/** `POST /rest/api/2/issue/{key}/comment` body (Data Center): wiki markup, `[~user]` mention. */
export function jiraWikiComment(q: Question, mentionUsername?: string): { body: string } {
  const lines: string[] = [];
  const mention =
    mentionUsername && /^[\w.@+-]{1,100}$/.test(mentionUsername) ? `[~${mentionUsername}] ` : '';
  lines.push(`${mention}*Question for sales* from ${escapeWiki(askedBy(q))}:`, '');
  lines.push(escapeWiki(q.text.trim()), '');
  if (q.deals.length) {
    const parts = q.deals.map((d) => {
      const url = safeUrl(d.url);
      const name = escapeWiki(d.customer);
      const link = url ? `[${name}|${url.replace(/[|\]]/g, encodeURIComponent)}]` : name;
      return `${link}${escapeWiki(dealDetails(d))}`;
    });
    lines.push(`*${q.deals.length > 1 ? 'Customers' : 'Customer'}:* ${parts.join('; ')}`);
  }
  const where: string[] = [];
  if (q.branch) where.push(`*Branch:* {{${escapeWiki(q.branch)}}}`);
  if (q.repository) where.push(`*Repository:* ${escapeWiki(q.repository)}`);
  if (where.length) lines.push(where.join(' · '));
  if (q.excerpt?.text) {
    // {noformat} shows code verbatim; a literal "{noformat}" inside would close it early.
    lines.push(
      '',
      `_${escapeWiki(excerptTitle(q.excerpt))}_`,
      '{noformat}',
      q.excerpt.text.replace(/\{noformat\}/gi, '{ noformat}'),
      '{noformat}',
    );
  }
  lines.push('', `_Sent with Customer Context · ${questionMarker(q.id)}_`);
  return { body: lines.join('\n') };
}

// ---- Markdown (GitHub, Linear) ------------------------------------------------------------------

/** Escapes Markdown and breaks @mentions and #references in untrusted text. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()<>#+!|~]/g, (c) => `\\${c}`)
    .replace(/@/g, '@\u200b')
    .replace(/#/g, '#\u200b');
}

function mdUrl(url: string): string {
  return url.replace(/[()\s<>]/g, (c) => encodeURIComponent(c));
}

function fence(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** A Markdown comment for GitHub and Linear; the developer's own text stays Markdown. */
export function markdownComment(q: Question): string {
  const lines: string[] = [`**Question for sales** from ${escapeMarkdown(askedBy(q))}:`, ''];
  lines.push(
    ...q.text
      .trim()
      .split(/\r?\n/)
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
    const lang = (q.excerpt.language ?? '').replace(/[^\w+-]/g, '');
    lines.push(
      '',
      `_${escapeMarkdown(excerptTitle(q.excerpt))}_`,
      '',
      `${f}${lang}`,
      q.excerpt.text,
      f,
    );
  }
  lines.push('', `<sub>Sent with Customer Context · ${questionMarker(q.id)}</sub>`);
  return lines.join('\n');
}

// ---- Slack incoming webhook (Block Kit) ---------------------------------------------------------

/** Slack mrkdwn escaping, so `<!channel>`, `<@U…>` or `<https://evil|bank>` in text stay text. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackLink(url: string | undefined, label: string): string {
  const href = safeUrl(url);
  if (!href) return escapeSlack(label);
  return `<${href.replace(/[|<>]/g, (c) => encodeURIComponent(c))}|${escapeSlack(label)}>`;
}

/** Slack member ids look like U012ABC or W012ABC; anything else is not turned into a mention. */
function slackMention(id: string | undefined): string | undefined {
  return id && /^[UW][A-Z0-9]{2,20}$/.test(id) ? `<@${id}>` : undefined;
}

function chunks(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    // Do not split inside an escape sequence such as &amp;.
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = max;
    const amp = rest.lastIndexOf('&', cut);
    if (amp > cut - 5 && rest.indexOf(';', amp) >= cut) cut = amp;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) out.push(rest);
  return out;
}

/** Slack block (the subset we send). */
export type SlackBlock = Record<string, unknown>;

/** Incoming-webhook body: fallback `text` plus header, question, context and excerpt blocks. */
export function slackPayload(q: Question): { text: string; blocks: SlackBlock[] } {
  const mentions = [
    ...new Set(q.deals.map((d) => slackMention(d.owner?.slackId)).filter(Boolean)),
  ].join(' ');
  const question = escapeSlack(q.text.trim());
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: clip(`Question on ${q.ticket.key}`, 150), emoji: false },
    },
  ];
  chunks(`${mentions ? `${mentions} ` : ''}${question}`, 2900).forEach((part) =>
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: part } }),
  );
  const facts: string[] = [`*Ticket:* ${slackLink(q.ticket.url, ticketLabel(q))}`];
  for (const d of q.deals)
    facts.push(`*Customer:* ${slackLink(d.url, d.customer)}${escapeSlack(dealDetails(d))}`);
  if (q.branch) facts.push(`*Branch:* \`${escapeSlack(q.branch.replace(/`/g, "'"))}\``);
  if (q.repository) facts.push(`*Repository:* ${escapeSlack(q.repository)}`);
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(facts.join('\n'), 2900) } });
  if (q.excerpt?.text) {
    const code = escapeSlack(q.excerpt.text).replace(/```/g, '`\u200b``');
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clip(`_${escapeSlack(excerptTitle(q.excerpt))}_\n\`\`\`${code}\`\`\``, 2900),
      },
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Asked by ${escapeSlack(askedBy(q))} with Customer Context · ${questionMarker(q.id)}`,
      },
    ],
  });
  const text = clip(
    `${mentions ? `${mentions} ` : ''}Question on ${q.ticket.key} from ` +
      `${escapeSlack(askedBy(q))}: ${question}`,
    2900,
  );
  return { text, blocks };
}

// ---- Microsoft Teams Workflows webhook (Adaptive Card) ------------------------------------------

/** Breaks Markdown links in Adaptive Card text (TextBlock renders `[label](url)` as a link). */
export function escapeCardText(text: string): string {
  return text.replace(/\]\(/g, ']\u200b(').replace(/<at>/gi, '<\u200bat>');
}

/** Teams drops cards over about 28 KB; we stay well below. */
const TEAMS_MAX_BYTES = 24_000;

/** Workflows webhook body: a `message` with one Adaptive Card 1.4 attachment. */
export function teamsPayload(q: Question): Record<string, unknown> {
  const build = (questionText: string, withExcerpt: boolean) => {
    const facts: Array<{ title: string; value: string }> = [
      { title: 'Ticket', value: escapeCardText(ticketLabel(q)) },
    ];
    for (const d of q.deals)
      facts.push({ title: 'Customer', value: escapeCardText(`${d.customer}${dealDetails(d)}`) });
    if (q.branch) facts.push({ title: 'Branch', value: escapeCardText(q.branch) });
    if (q.repository) facts.push({ title: 'Repository', value: escapeCardText(q.repository) });
    facts.push({ title: 'Asked by', value: escapeCardText(askedBy(q)) });
    const body: Record<string, unknown>[] = [
      {
        type: 'TextBlock',
        text: escapeCardText(`Question on ${q.ticket.key}`),
        weight: 'Bolder',
        size: 'Medium',
        wrap: true,
      },
      { type: 'TextBlock', text: escapeCardText(questionText), wrap: true },
      { type: 'FactSet', facts },
    ];
    if (withExcerpt && q.excerpt?.text) {
      body.push({
        type: 'TextBlock',
        text: escapeCardText(excerptTitle(q.excerpt)),
        isSubtle: true,
        wrap: true,
      });
      body.push({
        type: 'TextBlock',
        text: escapeCardText(q.excerpt.text),
        fontType: 'Monospace',
        wrap: true,
      });
    }
    body.push({
      type: 'TextBlock',
      text: `Sent with Customer Context · ${questionMarker(q.id)}`,
      isSubtle: true,
      size: 'Small',
      wrap: true,
    });
    const actions: Record<string, unknown>[] = [];
    const tUrl = safeUrl(q.ticket.url);
    if (tUrl) actions.push({ type: 'Action.OpenUrl', title: `Open ${q.ticket.key}`, url: tUrl });
    for (const d of q.deals.slice(0, 4)) {
      const url = safeUrl(d.url);
      if (url) actions.push({ type: 'Action.OpenUrl', title: clip(`Open ${d.customer}`, 60), url });
    }
    return {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body,
            ...(actions.length ? { actions } : {}),
          },
        },
      ],
    };
  };
  const size = (p: unknown) => Buffer.byteLength(JSON.stringify(p), 'utf8');
  let payload = build(q.text.trim(), true);
  if (size(payload) > TEAMS_MAX_BYTES) payload = build(q.text.trim(), false);
  if (size(payload) > TEAMS_MAX_BYTES) payload = build(clip(q.text.trim(), 2000), false);
  return payload;
}

// ---- CRM tasks ----------------------------------------------------------------------------------

/** Escapes text for the HTML bodies HubSpot and Pipedrive store. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function htmlLink(url: string | undefined, label: string): string {
  const href = safeUrl(url);
  return href ? `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>` : escapeHtml(label);
}

/** The question as the HTML body of a CRM task or note. */
export function htmlMessage(q: Question): string {
  const parts: string[] = [
    `<p><strong>Question from ${escapeHtml(askedBy(q))}</strong> about ` +
      `${htmlLink(q.ticket.url, ticketLabel(q))}:</p>`,
    `<p>${escapeHtml(q.text.trim()).replace(/\r?\n/g, '<br>')}</p>`,
  ];
  const facts: string[] = [];
  for (const d of q.deals)
    facts.push(`<li>Customer: ${htmlLink(d.url, d.customer)}${escapeHtml(dealDetails(d))}</li>`);
  if (q.branch) facts.push(`<li>Branch: <code>${escapeHtml(q.branch)}</code></li>`);
  if (q.repository) facts.push(`<li>Repository: ${escapeHtml(q.repository)}</li>`);
  if (facts.length) parts.push(`<ul>${facts.join('')}</ul>`);
  if (q.excerpt?.text) {
    parts.push(
      `<p><em>${escapeHtml(excerptTitle(q.excerpt))}</em></p>`,
      `<pre>${escapeHtml(q.excerpt.text)}</pre>`,
    );
  }
  parts.push(`<p><em>Sent with Customer Context · ${questionMarker(q.id)}</em></p>`);
  return parts.join('');
}

/** HubSpot-defined association type id: task → deal. */
export const HubSpotTaskToDeal = 216;

/** `POST /crm/v3/objects/tasks` body: for the deal owner, associated with every linked deal. */
export function hubspotTask(q: Question, deal: QuestionDeal): Record<string, unknown> {
  const ids = [...new Set([deal.id, ...q.deals.map((d) => d.id)])].filter((id) => /^\d+$/.test(id));
  const owner = deal.owner?.crmId && /^\d+$/.test(deal.owner.crmId) ? deal.owner.crmId : undefined;
  return {
    properties: {
      hs_timestamp: dueIso(q),
      hs_task_subject: clip(`${questionSubject(q)} [${questionMarker(q.id)}]`, 250),
      hs_task_body: htmlMessage(q),
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

/**
 * `POST /services/data/vNN.0/sobjects/Task/` body. The marker is in the Subject as well as the
 * Description because Task.Description is a long text area, which SOQL cannot filter on.
 */
export function salesforceTask(q: Question, deal: QuestionDeal): Record<string, unknown> {
  const owner =
    deal.owner?.crmId && /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(deal.owner.crmId)
      ? deal.owner.crmId
      : undefined;
  const marker = ` [${questionMarker(q.id)}]`;
  return {
    Subject: `${clip(questionSubject(q), 255 - marker.length)}${marker}`,
    Description: clip(plainTextMessage(q), 32_000),
    WhatId: deal.id,
    ...(owner ? { OwnerId: owner } : {}),
    Status: 'Not Started',
    Priority: 'Normal',
    ActivityDate: dueDate(q),
  };
}

/** `POST /api/v1/activities` body: a task on the deal, assigned to its owner, due the next day. */
export function pipedriveActivity(q: Question, deal: QuestionDeal): Record<string, unknown> {
  const dealId = Number(deal.id);
  const ownerId = deal.owner?.crmId !== undefined ? Number(deal.owner.crmId) : NaN;
  return {
    subject: clip(`${questionSubject(q)} [${questionMarker(q.id)}]`, 250),
    type: 'task',
    ...(Number.isSafeInteger(dealId) ? { deal_id: dealId } : {}),
    ...(Number.isSafeInteger(ownerId) ? { user_id: ownerId } : {}),
    due_date: dueDate(q),
    note: htmlMessage(q),
    done: 0,
  };
}

// ---- e-mail -------------------------------------------------------------------------------------

/** Plain addresses only: a CRM value like `a@b.c?bcc=x` must not add recipients or headers. */
const EMAIL = /^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

/** The owners' valid e-mail addresses, de-duplicated. */
export function ownerEmails(q: Question): string[] {
  const out = new Set<string>();
  for (const d of q.deals) {
    const e = d.owner?.email?.trim();
    if (e && EMAIL.test(e)) out.add(e);
  }
  return [...out];
}

/** Longest mailto: URL we produce; some mail clients and Windows handlers cut at about 2000. */
export const MaxMailtoLength = 1900;

/** `mailto:` for the owners, subject and body encoded; the body is cut to keep the URL short. */
export function mailtoUrl(q: Question): string {
  const to = ownerEmails(q)
    .map((e) => encodeURIComponent(e).replace(/%40/g, '@'))
    .join(',');
  const subject = encodeURIComponent(
    clip(`${questionSubject(q)}${q.ticket.title ? `: ${q.ticket.title}` : ''}`, 150),
  );
  const head = `mailto:${to}?subject=${subject}&body=`;
  // RFC 6068: line breaks in a mailto body are CRLF.
  const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');
  const full = plainTextMessage(q);
  const enc = (s: string) => encodeURIComponent(crlf(s));
  if (head.length + enc(full).length <= MaxMailtoLength) return head + enc(full);
  const ticketUrl = safeUrl(q.ticket.url);
  const where = `${q.ticket.key}${ticketUrl ? ` ${ticketUrl}` : ''}`;
  const tail = `…\n\n(shortened: the full question is on ${where})`;
  const chars = Array.from(full);
  // Binary search the longest prefix (in code points) that fits once encoded.
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (head.length + enc(chars.slice(0, mid).join('') + tail).length <= MaxMailtoLength) lo = mid;
    else hi = mid - 1;
  }
  const url = head + enc(chars.slice(0, lo).join('') + tail);
  return url.length <= MaxMailtoLength ? url : head + enc(clip(q.text, 200));
}
