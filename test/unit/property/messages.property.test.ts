// Every outgoing message format against a question whose every text field is arbitrary (markup,
// mentions, macros, links, backticks, line breaks, lone surrogates, copies of the marker, 64 KB
// strings): the structure each format allows comes only from us (our links to http(s) URLs, our
// mention of a valid id), each message fits its vendor's limits, carries the question's marker
// exactly once where reconcile and answers look for it, and is built in under 50 ms.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { MaxMailtoLength, mailtoUrl } from '../../../src/core/providers/email/mailto';
import { hubspotTask } from '../../../src/core/providers/hubspot/tasks';
import { jiraAdfComment, jiraWikiComment, type AdfNode } from '../../../src/core/providers/jira/messages';
import { pipedriveActivity } from '../../../src/core/providers/pipedrive/activities';
import { salesforceTask } from '../../../src/core/providers/salesforce/tasks';
import { slackPayload, type SlackBlock } from '../../../src/core/providers/slack/payload';
import { TeamsMaxBytes, teamsPayload } from '../../../src/core/providers/teams/payload';
import {
  htmlMessage,
  markdownComment,
  messageQuestion,
  plainTextMessage,
  questionMarker,
  safeUrl,
} from '../../../src/core/questions/messages';
import type { Question, QuestionDeal } from '../../../src/core/questions/question';
import { BoundMs, Worst, fill, hostilePiece } from './timing';

const worst = new Worst('message builders');

/** Stands for the question's own marker in generated text; replaced once the id is known. */
const OWN_MARKER = '\u0001OWN-MARKER\u0001';

/** 64 KB of `seed`, made when the property runs: a counterexample prints the seed, not 64 KB. */
class Big {
  constructor(readonly seed: string) {}
  [fc.toStringMethod](): string {
    return `fill(${JSON.stringify(this.seed)})`;
  }
}
type Text = string | Big;

/** One text field: hostile pieces (sometimes our own marker), or 64 KB of a hostile seed. */
const field: fc.Arbitrary<Text> = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.oneof(hostilePiece, fc.constant(OWN_MARKER)), { maxLength: 8 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.array(fc.oneof(hostilePiece, fc.constant(OWN_MARKER)), { minLength: 1, maxLength: 3 }).map((p) => new Big(p.join('') || 'x')) },
);
const optionalField = fc.option(field, { nil: undefined });
const url = fc.option(
  fc.oneof(
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.constantFrom(
      'javascript:alert(1)', 'command:workbench.action.terminal.sendSequence', 'https://u:p@evil.example/',
      'https://crm.example.com/deals/1?a=<b>|c&d=[e]{f}!g', 'https://x.example/a b"c`d', 'file:///etc/passwd',
      `https://x.example/${'a'.repeat(3000)}`, 'https://x.example/(paren)', 'HTTPS://X.EXAMPLE/Ü',
    ),
    field,
  ),
  { nil: undefined },
);
const deal = fc.record(
  {
    id: fc.oneof(fc.constantFrom('18734567890', '006Ho00000AbCdEIAZ', '77'), field),
    customer: field,
    stage: optionalField,
    url,
    owner: fc.record(
      {
        name: field,
        email: fc.option(fc.oneof(fc.emailAddress(), field, fc.constant('a@b.co?bcc=eve@evil.example')), { nil: undefined }),
        slackId: fc.option(fc.oneof(fc.constantFrom('U024BE7LH', 'W1234567', 'U1> <!channel'), field), { nil: undefined }),
        crmId: fc.option(fc.oneof(fc.constantFrom('41629779', '005Ho00000Sam01IAA'), field), { nil: undefined }),
      },
      { requiredKeys: ['name'] },
    ),
  },
  { requiredKeys: ['id', 'customer'] },
);

/** `value` with every Big made into its 64 KB and the marker placeholder made into `marker`. */
function realize(value: unknown, marker: string): unknown {
  if (value instanceof Big) return fill(value.seed).split(OWN_MARKER).join(marker);
  if (typeof value === 'string') return value.split(OWN_MARKER).join(marker);
  if (Array.isArray(value)) return value.map((v) => realize(v, marker));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, realize(v, marker)]));
  }
  return value;
}

/** A question whose every text field is arbitrary; some fields carry copies of its own marker. */
const questionSpec = fc.record({
  id: fc.uuid(),
  createdAt: fc.oneof(fc.constant('2026-10-01T09:12:00.000Z'), field),
  text: field,
  ticket: fc.record({ key: field, title: optionalField, url }, { requiredKeys: ['key'] }),
  deals: fc.array(deal, { maxLength: 4 }),
  branch: optionalField,
  repository: optionalField,
  author: fc.record({ name: optionalField, email: optionalField }),
  excerpt: fc.option(
    fc.record(
      {
        file: field,
        startLine: fc.integer({ min: 1, max: 10_000 }),
        endLine: fc.integer({ min: 1, max: 10_000 }),
        text: field,
        language: optionalField,
      },
      { requiredKeys: ['file', 'startLine', 'endLine', 'text'] },
    ),
    { nil: undefined },
  ),
});
/** The question a spec describes (made inside the property, so counterexamples print short). */
const toQuestion = (spec: { id: string }): Question => realize(spec, questionMarker(spec.id)) as Question;

function count(text: string, part: string): number {
  return part ? text.split(part).length - 1 : 0;
}

/** The links we may build: the ticket's and the deals' URLs, when http(s). */
function ourUrls(q: Question): string[] {
  const shown = messageQuestion(q);
  return [shown.ticket.url, ...shown.deals.map((d) => d.url)]
    .map((u) => safeUrl(u))
    .filter((u): u is string => u !== undefined);
}

/** Indexes of unescaped `chars` in `text` (a backslash escapes the character after it). */
function unescaped(text: string, chars: string): number[] {
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (chars.includes(text[i])) at.push(i);
  }
  return at;
}

// ---- HTML --------------------------------------------------------------------------------------

const HtmlTags = new Set(['p', 'strong', 'em', 'br', 'ul', 'li', 'code', 'pre', 'a']);

/** Only our tags, only our links; no raw `<`, `>` or `&` outside tags and entities. */
function checkHtml(html: string, q: Question, what: string): void {
  const urls = ourUrls(q);
  let links = 0;
  const text = html.replace(/<(\/?)([a-z]+)([^<>]*)>/g, (_, _close: string, name: string, attrs: string) => {
    assert.ok(HtmlTags.has(name), `${what}: tag <${name}>`);
    if (name === 'a' && !_close) {
      const m = /^ href="([^"]*)"$/.exec(attrs);
      assert.ok(m, `${what}: <a${attrs}>`);
      const href = m[1].replace(/&(amp|lt|gt|quot|#39);/g, (_e, n: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[n]!);
      assert.ok(urls.includes(href), `${what}: link to ${href.slice(0, 80)}`);
      links++;
    } else assert.equal(attrs, '', `${what}: attributes on <${name}>`);
    return '';
  });
  assert.ok(!/[<>]/.test(text), `${what}: raw < or > from data`);
  assert.ok(!/&(?!(amp|lt|gt|quot|#39);)/.test(text), `${what}: raw & from data`);
  assert.ok(links <= urls.length, `${what}: ${links} links for ${urls.length} URLs`);
}

// ---- Markdown ----------------------------------------------------------------------------------

/** The closing-fence test CommonMark applies to each line inside a fenced block. */
function closesFence(line: string, fence: string): boolean {
  return new RegExp(`^ {0,3}${fence}\`*[ \\t]*$`).test(line);
}

function checkMarkdown(md: string, q: Question): void {
  const shown = messageQuestion(q);
  const lines = md.split('\n');
  assert.match(lines[lines.length - 1], new RegExp(`^<sub>Sent with Customer Context · ${questionMarker(q.id)}</sub>$`));
  // The question is quoted line by line: every line of it, whatever its line ends.
  const quoted = shown.text.trim().split(/\r\n|\r|\n/).length;
  for (let i = 2; i < 2 + quoted; i++) assert.ok(lines[i].startsWith('> '), `quote line ${i}: ${lines[i].slice(0, 40)}`);
  assert.equal(lines[2 + quoted], '', 'the quote ends where the question does');
  // The rest, outside the code fence: data is escaped so it forms nothing.
  const urls = ourUrls(q).map((u) => u.replace(/[()\s<>]/g, (c) => encodeURIComponent(c)));
  let fence: string | undefined;
  let fenceLines = 0;
  const data: string[] = [];
  for (const [n, line] of lines.entries()) {
    if (n < 2 + quoted || n === lines.length - 1) continue;
    if (fence !== undefined) {
      if (line === fence) fence = undefined;
      else {
        assert.ok(!closesFence(line, fence), `data closes the fence early: ${line.slice(0, 40)}`);
        fenceLines++;
      }
      continue;
    }
    const open = /^(`{3,})([\w+-]*)$/.exec(line);
    if (open) {
      fence = open[1];
      continue;
    }
    if (n === 0) data.push(line.replace(/^\*\*Question for sales\*\* from /, '').replace(/:$/, ''));
    else if (line.startsWith('- **Customer:** ')) {
      let rest = line.slice('- **Customer:** '.length);
      for (const u of urls) {
        const link = rest.indexOf(`](${u})`);
        if (rest.startsWith('[') && link > 0) rest = rest.slice(1, link) + rest.slice(link + u.length + 3);
      }
      data.push(rest);
    } else if (line.startsWith('- **Branch:** `')) {
      assert.ok(line.endsWith('`') && count(line, '`') === 2, `branch code span: ${line.slice(0, 40)}`);
    } else if (line.startsWith('- **Repository:** ')) data.push(line.slice('- **Repository:** '.length));
    else if (/^_.*_$/.test(line)) data.push(line.slice(1, -1));
    else assert.equal(line, '', `a line of its own from data: ${line.slice(0, 60)}`);
  }
  assert.equal(fence, undefined, 'the fence is closed');
  if (shown.excerpt?.text) assert.ok(fenceLines >= 1);
  for (const d of data) {
    assert.deepEqual(unescaped(d, '[]()<>`*_!{}|#&$~'), [], `markup from data: ${d.slice(0, 60)}`);
    assert.ok(!/@(?!\u200b)/.test(d), `a mention from data: ${d.slice(0, 60)}`);
    assert.ok(!/[#!~$%&](?!\u200b)/.test(d.replace(/\\(.)/g, '$1')), `a reference from data: ${d.slice(0, 60)}`);
    assert.ok(!/:\/\/|www\./i.test(d), `an autolink from data: ${d.slice(0, 60)}`);
  }
}

// ---- Slack -------------------------------------------------------------------------------------

function mrkdwnTexts(p: { text: string; blocks: SlackBlock[] }): string[] {
  const texts = [p.text];
  for (const b of p.blocks) {
    const t = b.text as { type: string; text: string; verbatim?: boolean } | undefined;
    if (t?.type === 'mrkdwn') {
      assert.equal(t.verbatim, true, 'Slack must not link names and URLs in data');
      texts.push(t.text);
    }
    for (const e of (b.elements as Array<{ type: string; text: string; verbatim?: boolean }>) ?? []) {
      assert.equal(e.verbatim, true);
      texts.push(e.text);
    }
  }
  return texts;
}

function checkSlack(p: { text: string; blocks: SlackBlock[] }, q: Question): void {
  assert.deepEqual(JSON.parse(JSON.stringify(p)), p, 'valid JSON');
  assert.ok(p.blocks.length <= 50);
  const urls = ourUrls(q);
  const mentions = messageQuestion(q).deals.map((d) => d.owner?.slackId).filter((id) => id && /^[UW][A-Z0-9]{2,20}$/.test(id));
  const header = p.blocks[0].text as { type: string; text: string };
  assert.equal(header.type, 'plain_text');
  assert.ok(header.text.length <= 150);
  for (const b of p.blocks.slice(1)) {
    const t = (b.text as { text?: string } | undefined)?.text;
    if (t !== undefined) assert.ok(t.length <= 3000, `section of ${t.length}`);
  }
  for (const text of mrkdwnTexts(p)) {
    const rest = text.replace(/<([^<>]*)>/g, (_, inner: string) => {
      if (inner.startsWith('@')) assert.ok(mentions.includes(inner.slice(1)), `mention <${inner}>`);
      else {
        const bar = inner.includes('|') ? inner.indexOf('|') : inner.length;
        const ours = urls.map((u) => u.replace(/[|<>]/g, (c) => encodeURIComponent(c)));
        assert.ok(ours.includes(inner.slice(0, bar)), `link <${inner.slice(0, 80)}>`);
      }
      return '';
    });
    assert.ok(!/[<>]/.test(rest), `raw < or > from data: ${rest.slice(0, 80)}`);
    assert.ok(!/&(?!(amp|lt|gt);)/.test(rest), `raw & from data`);
  }
  // The excerpt is the section before the closing context; the developer's question may use
  // code blocks of its own, data elsewhere may not.
  if (messageQuestion(q).excerpt?.text) {
    const excerpt = (p.blocks[p.blocks.length - 2].text as { text: string }).text;
    assert.equal(count(excerpt, '```'), 2, 'the code block closes once');
  }
  const facts = p.blocks.filter((b) => b.type === 'section').at(-(messageQuestion(q).excerpt?.text ? 2 : 1));
  assert.ok(!(facts?.text as { text: string }).text.includes('```'), 'no code block from data');
}

// ---- Teams -------------------------------------------------------------------------------------

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

function checkTeams(p: Record<string, unknown>, q: Question): void {
  assert.deepEqual(JSON.parse(JSON.stringify(p)), p, 'valid JSON');
  assert.ok(Buffer.byteLength(JSON.stringify(p), 'utf8') <= TeamsMaxBytes, 'within the byte limit');
  const card = (p.attachments as Array<{ content: { body: unknown[]; actions?: Array<{ url: string }> } }>)[0].content;
  for (const s of strings(card.body)) {
    assert.ok(!s.includes(']('), `a Markdown link from data: ${s.slice(0, 60)}`);
    assert.ok(!/<at>/i.test(s), 'a mention from data');
  }
  const urls = ourUrls(q);
  for (const a of card.actions ?? []) assert.ok(urls.includes(a.url), `action to ${a.url.slice(0, 60)}`);
}

// ---- Jira ----------------------------------------------------------------------------------------

function adfNodes(node: AdfNode): AdfNode[] {
  return [node, ...(node.content ?? []).flatMap(adfNodes)];
}

function checkAdf(body: AdfNode, q: Question, mention: string | undefined): string {
  assert.equal(body.type, 'doc');
  const urls = ourUrls(q);
  const nodes = adfNodes(body);
  let text = '';
  for (const n of nodes) {
    if (n.type === 'text') {
      assert.ok(typeof n.text === 'string' && n.text.length > 0, 'ADF rejects empty text');
      text += n.text;
      for (const m of n.marks ?? []) {
        assert.ok(['strong', 'em', 'code', 'link'].includes(m.type), m.type);
        if (m.type === 'link') assert.ok(urls.includes(String(m.attrs?.href)), `link to ${String(m.attrs?.href).slice(0, 60)}`);
      }
    } else if (n.type === 'mention') {
      assert.equal(n.attrs?.id, mention);
    } else if (n.type === 'codeBlock') {
      assert.match(String(n.attrs?.language ?? ''), /^[\w+-]{0,30}$/);
    } else assert.ok(['doc', 'paragraph', 'hardBreak'].includes(n.type), n.type);
  }
  assert.equal(nodes.filter((n) => n.type === 'mention').length, mention ? 1 : 0);
  return text;
}

/** Wiki markup outside {noformat}: only our mention, links, monospace and noformat tags. */
function checkWiki(body: string, q: Question, username: string | undefined): void {
  const shown = messageQuestion(q);
  const lines = body.split('\n');
  const outside: string[] = [];
  let inNoformat = false;
  let noformats = 0;
  for (const line of lines) {
    if (line === '{noformat}') {
      inNoformat = !inNoformat;
      noformats++;
    } else if (!inNoformat) outside.push(line);
  }
  assert.equal(inNoformat, false);
  assert.equal(noformats, shown.excerpt?.text ? 2 : 0, 'data cannot open or close {noformat}');
  const text = outside.join('\n');
  // Link targets are ours and run to their `]`: skipped, so a URL's own characters do not count.
  let scanned = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      assert.ok('[]{}|!'.includes(text[i + 1] ?? ''), 'a backslash only escapes');
      scanned += text[i] + text[i + 1];
      i++;
    } else if (text[i] === '|' && text.startsWith('|http', i)) {
      const end = text.indexOf(']', i);
      assert.ok(ourUrls(q).includes(text.slice(i + 1, end).replace(/%7C/g, '|').replace(/%5D/g, ']')) || ourUrls(q).some((u) => u.replace(/[|\]]/g, encodeURIComponent) === text.slice(i + 1, end)));
      scanned += '|';
      i = end - 1;
    } else scanned += text[i];
  }
  const valid = username !== undefined && /^[\w.@+-]{1,100}$/.test(username);
  const links = shown.deals.filter((d) => safeUrl(d.url)).length;
  assert.equal(unescaped(scanned, '[').length, links + (valid ? 1 : 0), 'only our links and mention open [');
  assert.equal(unescaped(scanned, ']').length, links + (valid ? 1 : 0));
  assert.equal(unescaped(scanned, '|').length, links);
  assert.equal(unescaped(scanned, '{').length, shown.branch ? 2 : 0, 'only our {{branch}}');
  assert.equal(unescaped(scanned, '}').length, shown.branch ? 2 : 0);
  assert.equal(unescaped(scanned, '!').length, 0, 'no image embed');
  if (valid) assert.ok(body.startsWith(`[~${username}] `));
}

// ---- all formats ---------------------------------------------------------------------------------

function buildAll(q: Question, mention: string | undefined) {
  const t = <T>(what: string, run: () => T) => worst.time(what, run);
  const sfDeal = { ...q.deals[0] ?? { id: '', customer: '' }, id: '006Ho00000AbCdEIAZ' };
  return {
    plain: t('plainTextMessage', () => plainTextMessage(q)),
    markdown: t('markdownComment', () => markdownComment(q)),
    html: t('htmlMessage', () => htmlMessage(q)),
    slack: t('slackPayload', () => slackPayload(q)),
    teams: t('teamsPayload', () => teamsPayload(q)),
    adf: t('jiraAdfComment', () => jiraAdfComment(q, mention)),
    wiki: t('jiraWikiComment', () => jiraWikiComment(q, mention)),
    hubspot: t('hubspotTask', () => hubspotTask(q, q.deals[0] ?? { id: '1', customer: 'x' })) as { properties: Record<string, string> },
    pipedrive: t('pipedriveActivity', () => pipedriveActivity(q, q.deals[0] ?? { id: '1', customer: 'x' })),
    salesforce: t('salesforceTask', () => salesforceTask(q, sfDeal)),
    mailto: t('mailtoUrl', () => mailtoUrl(q)),
  };
}

const mentionArb = fc.option(fc.oneof(fc.constantFrom('anna.petrova', '712020:3f1c', 'x] [~admin'), field), { nil: undefined });
const toMention = (m: Text | undefined): string | undefined => (m === undefined ? undefined : (realize(m, '') as string));

describe('message builders (property-based)', function () {
  this.timeout(300_000);
  after(() => console.log(`      ${worst.report()}`));

  it('every format carries the question marker exactly once, wherever data repeats it', () => {
    fc.assert(
      fc.property(questionSpec, mentionArb, (spec, m0) => {
        const q = toQuestion(spec);
        const mention = toMention(m0);
        const m = questionMarker(q.id);
        const all = buildAll(q, mention);
        const once = (text: string, what: string) => assert.equal(count(text, m), 1, `${what}: ${count(text, m)} markers`);
        once(all.plain, 'plain text');
        once(all.markdown, 'Markdown');
        once(all.html, 'HTML');
        once(JSON.stringify(all.slack), 'Slack');
        once(JSON.stringify(all.teams), 'Teams');
        once(JSON.stringify(all.adf), 'ADF');
        once(all.wiki.body, 'wiki');
        once(all.hubspot.properties.hs_task_subject, 'HubSpot subject');
        once(all.hubspot.properties.hs_task_body, 'HubSpot body');
        once(String(all.pipedrive.subject), 'Pipedrive subject');
        once(String(all.pipedrive.note), 'Pipedrive note');
        once(String(all.salesforce.Subject), 'Salesforce subject');
        once(String(all.salesforce.Description), 'Salesforce description');
        once(decodeURIComponent(all.mailto.split('&body=')[1]), 'mailto body');
      }),
      { numRuns: 120 },
    );
  });

  it('HTML bodies (task notes) hold only our tags and links; no raw < or & from data', () => {
    fc.assert(
      fc.property(questionSpec, (spec) => {
        const q = toQuestion(spec);
        checkHtml(worst.time('htmlMessage', () => htmlMessage(q)), q, 'htmlMessage');
        const h = worst.time('hubspotTask', () => hubspotTask(q, q.deals[0] ?? { id: '1', customer: 'x' })) as {
          properties: Record<string, string>;
        };
        checkHtml(h.properties.hs_task_body, q, 'HubSpot');
        assert.ok(h.properties.hs_task_body.length <= 65_000 && h.properties.hs_task_subject.length <= 250);
        const p = worst.time('pipedriveActivity', () => pipedriveActivity(q, q.deals[0] ?? { id: '1', customer: 'x' }));
        checkHtml(String(p.note), q, 'Pipedrive');
        assert.ok(String(p.note).length <= 65_000 && String(p.subject).length <= 250);
      }),
      { numRuns: 120 },
    );
  });

  it('Markdown comments: no link, image, HTML, mention, reference or autolink from data; fences hold', () => {
    fc.assert(
      fc.property(questionSpec, (spec) => {
        const q = toQuestion(spec);
        checkMarkdown(worst.time('markdownComment', () => markdownComment(q)), q);
      }),
      { numRuns: 150 },
    );
  });

  it('Slack: valid JSON within Block Kit limits; <, > and & from data escaped; only our links', () => {
    fc.assert(
      fc.property(questionSpec, (spec) => {
        const q = toQuestion(spec);
        checkSlack(worst.time('slackPayload', () => slackPayload(q)), q);
      }),
      { numRuns: 150 },
    );
  });

  it('Teams: an Adaptive Card within the byte limit; data never forms a Markdown link', () => {
    fc.assert(
      fc.property(questionSpec, (spec) => {
        const q = toQuestion(spec);
        checkTeams(worst.time('teamsPayload', () => teamsPayload(q)), q);
      }),
      { numRuns: 150 },
    );
  });

  it('issue tracker ADF and wiki: data stays text; links only to our http(s) URLs; one mention at most', () => {
    fc.assert(
      fc.property(questionSpec, mentionArb, (spec, m0) => {
        const q = toQuestion(spec);
        const mention = toMention(m0);
        const { body } = worst.time('jiraAdfComment', () => jiraAdfComment(q, mention));
        checkAdf(body, q, mention);
        checkWiki(worst.time('jiraWikiComment', () => jiraWikiComment(q, mention)).body, q, mention);
      }),
      { numRuns: 150 },
    );
  });

  it('plain text, Salesforce task and mailto: bounded, the mailto within MaxMailtoLength', () => {
    fc.assert(
      fc.property(questionSpec, (spec) => {
        const q = toQuestion(spec);
        const deals = q.deals.length;
        const plain = worst.time('plainTextMessage', () => plainTextMessage(q));
        assert.ok(plain.length <= 25_000 + 3_100 * deals, `plain text of ${plain.length}`);
        const t = worst.time('salesforceTask', () => salesforceTask(q, { id: '006Ho00000AbCdEIAZ', customer: 'x' }));
        assert.ok(String(t.Subject).length <= 255);
        assert.ok(String(t.Subject).endsWith(`[${questionMarker(q.id)}]`));
        assert.ok(String(t.Description).length <= 32_000);
        assert.ok(String(t.Description).endsWith(questionMarker(q.id)));
        const mail = worst.time('mailtoUrl', () => mailtoUrl(q));
        assert.ok(mail.length <= MaxMailtoLength, `mailto of ${mail.length}`);
        assert.ok(!/[\s"<>]/.test(mail), 'nothing unencoded');
        const [head, query, ...more] = mail.split('?');
        assert.deepEqual(more, [], 'one query');
        for (const to of head.slice('mailto:'.length).split(',').filter(Boolean)) {
          assert.match(decodeURIComponent(to), /^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/);
        }
        const params = query.split('&').map((kv) => kv.split('=')[0]);
        assert.deepEqual(params, ['subject', 'body']);
        decodeURIComponent(query);
      }),
      { numRuns: 150 },
    );
  });

  it(`builds every format in under ${BoundMs} ms from 64 KB fields`, () => {
    const units = ['<', '&', '`', '\\', '[~a]', '](', '@a', 'cc-question:', '\n', '\r', '{', '\ud800', 'Я', '#1', 'www.a'];
    fc.assert(
      fc.property(fc.constantFrom(...units), fc.integer({ min: 0, max: 4 }), (unit, deals) => {
        const big = fill(unit);
        const d: QuestionDeal = { id: big, customer: big, stage: big, url: big, owner: { name: big, email: big, slackId: big, crmId: big } };
        const q: Question = {
          id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', createdAt: big, text: big,
          ticket: { key: big, title: big, url: `https://x.example/${big}` }, deals: Array.from({ length: deals }, () => d),
          branch: big, repository: big, author: { name: big, email: big },
          excerpt: { file: big, startLine: 1, endLine: 60, text: big, language: big },
        };
        buildAll(q, big);
      }),
      { numRuns: 100 },
    );
  });
});
