import {
  askedBy,
  clip,
  clipForEscape,
  dealDetails,
  excerptTitle,
  messageQuestion,
  questionMarker,
  safeUrl,
  ticketLabel,
} from '../../questions/messages';
import type { Question } from '../../questions/question';

// ---- Slack incoming webhook (Block Kit) ---------------------------------------------------------

/** Longest text of a section block or a context element Slack accepts is 3,000; we keep below. */
const MaxText = 2900;

function escapeSlackChar(c: string): string {
  return c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c;
}

/** Slack mrkdwn escaping, so `<!channel>`, `<@U…>` or `<https://evil|bank>` in text stay text. */
export function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, escapeSlackChar);
}

/** A zero-width space between backticks: no run of three from data opens or closes a code block. */
function breakBackticks(text: string): string {
  return text.replace(/`(?=`)/g, '`\u200b');
}

/** Data `text`: escaped, backtick runs broken, at most `max` characters (no escape cut). */
function escapeSlackClip(text: string, max: number): string {
  return escapeSlack(clipForEscape(breakBackticks(text), max, escapeSlackChar));
}

function slackLink(url: string | undefined, label: string, maxLabel: number): string {
  const href = safeUrl(url);
  const text = escapeSlackClip(label, maxLabel);
  if (!href) return text;
  const target = href.replace(/[|<>]/g, (c) => encodeURIComponent(c));
  // An empty label would hide the link; Slack shows the URL itself for `<url>`.
  return text ? `<${target}|${text}>` : `<${target}>`;
}

/** Slack member ids look like U012ABC or W012ABC; anything else is not turned into a mention. */
function slackMention(id: string | undefined): string | undefined {
  return id && /^[UW][A-Z0-9]{2,20}$/.test(id) ? `<@${id}>` : undefined;
}

/** A mrkdwn text object shown as written: Slack does not link URLs or names found in it. */
function mrkdwn(text: string): { type: 'mrkdwn'; text: string; verbatim: true } {
  return { type: 'mrkdwn', text, verbatim: true };
}

function chunks(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    // Do not split inside an escape sequence such as &amp; (at most 5 characters long).
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

/** Whole lines joined while they fit in `max` characters, then a count of those left out. */
function fitLines(lines: string[], max: number): string {
  let text = '';
  for (let i = 0; i < lines.length; i++) {
    const next = text ? `${text}\n${lines[i]}` : lines[i];
    if (next.length > max) {
      const more = `\n…and ${lines.length - i} more`;
      return text.length + more.length <= max ? text + more : text;
    }
    text = next;
  }
  return text;
}

/** Slack block (the subset we send). */
export type SlackBlock = Record<string, unknown>;

/** Incoming-webhook body: fallback `text` plus header, question, context and excerpt blocks. */
export function slackPayload(q: Question): { text: string; blocks: SlackBlock[] } {
  q = messageQuestion(q);
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
  chunks(`${mentions ? `${mentions} ` : ''}${question}`, MaxText).forEach((part) =>
    blocks.push({ type: 'section', text: mrkdwn(part) }),
  );
  // Each line fits alone: a URL is at most 2,048 characters, labels and details are cut.
  const facts: string[] = [`*Ticket:* ${slackLink(q.ticket.url, ticketLabel(q), 600)}`];
  for (const d of q.deals) {
    const details = escapeSlackClip(dealDetails(d), 400);
    facts.push(`*Customer:* ${slackLink(d.url, d.customer, 400)}${details}`);
  }
  if (q.branch) facts.push(`*Branch:* \`${escapeSlackClip(q.branch.replace(/`/g, "'"), 600)}\``);
  if (q.repository) facts.push(`*Repository:* ${escapeSlackClip(q.repository, 600)}`);
  blocks.push({ type: 'section', text: mrkdwn(fitLines(facts, MaxText)) });
  if (q.excerpt?.text) {
    const title = `_${escapeSlackClip(excerptTitle(q.excerpt), 400)}_\n`;
    // Backtick runs broken, and a backtick at either end kept off the fences: the code cannot
    // close its block early or lengthen a fence.
    const code = q.excerpt.text.replace(/`$/, '`\u200b').replace(/^`/, '\u200b`');
    blocks.push({
      type: 'section',
      text: mrkdwn(`${title}\`\`\`${escapeSlackClip(code, MaxText - title.length - 6)}\`\`\``),
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        `Asked by ${escapeSlackClip(askedBy(q), 600)} with Customer Context · ` +
          questionMarker(q.id),
      ),
    ],
  });
  const intro =
    `${mentions ? `${mentions} ` : ''}Question on ${escapeSlackClip(q.ticket.key, 100)} from ` +
    `${escapeSlackClip(askedBy(q), 600)}: `;
  const text = intro + escapeSlackClip(q.text.trim(), MaxText - intro.length);
  return { text, blocks };
}
