import {
  askedBy,
  clip,
  dealDetails,
  excerptTitle,
  messageQuestion,
  questionMarker,
  safeUrl,
  ticketLabel,
} from '../../questions/messages';
import type { Question } from '../../questions/question';

// ---- Microsoft Teams Workflows webhook (Adaptive Card) ------------------------------------------

/** Breaks Markdown links in Adaptive Card text (TextBlock renders `[label](url)` as a link). */
export function escapeCardText(text: string): string {
  return text.replace(/\]\(/g, ']\u200b(').replace(/<at>/gi, '<\u200bat>');
}

/** Teams drops cards over about 28 KB; we stay well below (bytes of the JSON body, UTF-8). */
export const TeamsMaxBytes = 24_000;

/** How much of the question a card carries; each level is smaller than the one before. */
interface CardLevel {
  /** Longest question text, in characters. */
  text: number;
  excerpt: boolean;
  /** Longest fact value, in characters. */
  fact: number;
  /** Most customers listed (the rest are counted) and given an Open button. */
  deals: number;
  dealActions: number;
}

const Levels: CardLevel[] = [
  { text: Infinity, excerpt: true, fact: Infinity, deals: Infinity, dealActions: 4 },
  { text: Infinity, excerpt: false, fact: Infinity, deals: Infinity, dealActions: 4 },
  { text: 2000, excerpt: false, fact: 200, deals: 10, dealActions: 4 },
  // Always fits: 500 characters of text and ten facts of 100 take a few KB even as \u escapes.
  { text: 500, excerpt: false, fact: 100, deals: 5, dealActions: 0 },
];

/** Workflows webhook body: a `message` with one Adaptive Card 1.4 attachment. */
export function teamsPayload(q: Question): Record<string, unknown> {
  q = messageQuestion(q);
  const build = (level: CardLevel) => {
    const value = (text: string) => escapeCardText(clip(text, level.fact));
    const questionText = clip(q.text.trim(), level.text);
    const withExcerpt = level.excerpt;
    const facts: Array<{ title: string; value: string }> = [
      { title: 'Ticket', value: value(ticketLabel(q)) },
    ];
    for (const d of q.deals.slice(0, level.deals))
      facts.push({ title: 'Customer', value: value(`${d.customer}${dealDetails(d)}`) });
    if (q.deals.length > level.deals)
      facts.push({ title: 'Customers', value: `${q.deals.length - level.deals} more` });
    if (q.branch) facts.push({ title: 'Branch', value: value(q.branch) });
    if (q.repository) facts.push({ title: 'Repository', value: value(q.repository) });
    facts.push({ title: 'Asked by', value: value(askedBy(q)) });
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
    for (const d of q.deals.slice(0, level.dealActions)) {
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
  let payload = build(Levels[0]);
  for (const level of Levels.slice(1)) {
    if (size(payload) <= TeamsMaxBytes) break;
    payload = build(level);
  }
  return payload;
}

