import {
  askedBy,
  codeLanguage,
  dealDetails,
  excerptTitle,
  messageQuestion,
  primaryDeal,
  questionMarker,
  safeUrl,
} from '../../questions/messages';
import type { Question } from '../../questions/question';

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
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
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
  q = messageQuestion(q);
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
    const language = codeLanguage(q.excerpt);
    content.push({
      type: 'paragraph',
      content: adfText(excerptTitle(q.excerpt), [{ type: 'em' }]),
    });
    content.push({
      type: 'codeBlock',
      ...(language ? { attrs: { language } } : {}),
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
  q = messageQuestion(q);
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
    // {noformat} shows code verbatim; a "{noformat}" inside (with parameters or not) would close it
    // early, so every one is broken.
    lines.push(
      '',
      `_${escapeWiki(excerptTitle(q.excerpt))}_`,
      '{noformat}',
      q.excerpt.text.replace(/\{(noformat)/gi, '{ $1'),
      '{noformat}',
    );
  }
  lines.push('', `_Sent with Customer Context · ${questionMarker(q.id)}_`);
  return { body: lines.join('\n') };
}

