import * as assert from 'node:assert/strict';
import { MaxMailtoLength, mailtoUrl } from '../../../src/core/providers/email/mailto';
import { HubSpotTaskToDeal, hubspotTask } from '../../../src/core/providers/hubspot/tasks';
import { jiraAdfComment, jiraWikiComment, type AdfNode } from '../../../src/core/providers/jira/messages';
import { pipedriveActivity } from '../../../src/core/providers/pipedrive/activities';
import { salesforceTask } from '../../../src/core/providers/salesforce/tasks';
import { slackPayload } from '../../../src/core/providers/slack/payload';
import { teamsPayload } from '../../../src/core/providers/teams/payload';
import {
  hasMarker,
  markdownComment,
  plainTextMessage,
  questionMarker,
  safeUrl,
} from '../../../src/core/questions/messages';
import { aDeal, aQuestion } from './fixtures';

/** Text a CRM could hold to ping everyone, link elsewhere, or run markup. */
const HOSTILE =
  'Evil <!channel> <@U0ADMIN> <https://evil.example|bank> [x](javascript:alert(1)) [~admin] {html}<b>{html} !https://evil.example/p.png! @org/team #12 & co';

function hostileQuestion() {
  return aQuestion({
    text: 'Ping <!here> & see <https://evil.example|this>?',
    deals: [
      aDeal(),
      aDeal({
        id: '2',
        customer: HOSTILE,
        stage: 'Won <!everyone>',
        url: 'javascript:alert(1)',
        owner: {
          name: 'Bob <@U0ADMIN>',
          slackId: 'U1> <!channel',
          email: 'bob@example.com?bcc=eve@evil.example',
          crmId: 'x',
        },
      }),
    ],
  });
}

/** The ADF subset comments may use (apis.md §1.3), checked recursively. */
function assertValidAdf(node: AdfNode, parent = 'root'): void {
  const inline = new Set(['text', 'mention', 'hardBreak']);
  const block = new Set(['paragraph', 'codeBlock', 'bulletList', 'orderedList', 'listItem']);
  if (parent === 'root') {
    assert.equal(node.type, 'doc');
    assert.equal(node.version, 1);
    assert.ok(Array.isArray(node.content) && node.content.length > 0);
    for (const c of node.content) {
      assert.ok(block.has(c.type), `block ${c.type}`);
      assertValidAdf(c, 'doc');
    }
    return;
  }
  if (node.type === 'text') {
    assert.equal(typeof node.text, 'string');
    assert.ok(node.text!.length > 0, 'ADF rejects empty text nodes');
    for (const m of node.marks ?? []) {
      assert.ok(['strong', 'em', 'code', 'link'].includes(m.type), `mark ${m.type}`);
      if (m.type === 'link') assert.match(String(m.attrs?.href), /^https?:\/\//);
    }
    if (parent === 'codeBlock')
      assert.equal(node.marks, undefined, 'code blocks take plain text only');
    return;
  }
  if (node.type === 'mention') {
    assert.equal(typeof node.attrs?.id, 'string');
    assert.match(String(node.attrs?.text), /^@/);
    return;
  }
  if (node.type === 'hardBreak') return;
  assert.ok(block.has(node.type), `unexpected ${node.type}`);
  for (const c of node.content ?? []) {
    if (node.type === 'paragraph' || node.type === 'codeBlock')
      assert.ok(inline.has(c.type), `${c.type} in ${node.type}`);
    assertValidAdf(c, node.type);
  }
}

function adfTexts(node: AdfNode): string[] {
  return [...(node.text ? [node.text] : []), ...(node.content ?? []).flatMap(adfTexts)];
}

function adfLinks(node: AdfNode): string[] {
  const own = (node.marks ?? []).filter((m) => m.type === 'link').map((m) => String(m.attrs?.href));
  return [...own, ...(node.content ?? []).flatMap(adfLinks)];
}

/** Every `<…>` construct in Slack mrkdwn is one of ours: a known mention or a link we built. */
function slackAngles(text: string): string[] {
  return [...text.matchAll(/<([^>]*)>/g)].map((m) => m[1]);
}

describe('question messages', () => {
  describe('common context and marker', () => {
    it('every format carries the question, ticket, customers, branch, repository, author, excerpt and marker', () => {
      const q = aQuestion();
      const marker = questionMarker(q.id);
      const formats: Record<string, string> = {
        plain: plainTextMessage(q),
        adf: JSON.stringify(jiraAdfComment(q)),
        wiki: jiraWikiComment(q).body,
        markdown: markdownComment(q),
        slack: JSON.stringify(slackPayload(q)),
        teams: JSON.stringify(teamsPayload(q)),
        hubspot: JSON.stringify(hubspotTask(q, q.deals[0])),
        salesforce: JSON.stringify(salesforceTask(q, aDeal({ id: '006Ho00000AbCdEIAZ' }))),
        pipedrive: JSON.stringify(pipedriveActivity(q, aDeal({ id: '77' }))),
      };
      for (const [name, text] of Object.entries(formats)) {
        assert.ok(hasMarker(text, q.id), `${name}: marker`);
        assert.ok(text.includes(marker), name);
        for (const bit of [
          'Does Globex need SSO',
          'Globex LLC',
          'feature/ACME-42-pdf-export',
          'acme/app',
          'Dana Dev',
          'return render();',
        ]) {
          assert.ok(text.includes(bit), `${name} lacks ${bit}`);
        }
      }
      for (const name of ['plain', 'slack', 'teams', 'hubspot', 'salesforce']) {
        assert.ok(
          formats[name].includes('ACME-42') && formats[name].includes('Export invoices to PDF'),
          `${name}: ticket`,
        );
      }
      assert.ok(!formats.slack.includes('120'), 'no amounts in chat');
    });

    it('safeUrl keeps http(s) only and drops credentials in URLs', () => {
      assert.equal(safeUrl('https://crm.example.com/d/1'), 'https://crm.example.com/d/1');
      for (const bad of [
        'javascript:alert(1)',
        'command:workbench.action.terminal.sendSequence',
        'file:///etc/passwd',
        'vscode://x',
        'https://u:p@x.example',
        'not a url',
        undefined,
      ]) {
        assert.equal(safeUrl(bad), undefined, String(bad));
      }
    });
  });

  describe('Jira ADF', () => {
    it('is a valid ADF doc with a mention, link marks and a code block', () => {
      const q = aQuestion({ text: 'Line one\n\nLine three' });
      const { body } = jiraAdfComment(q, '712020:3f1c');
      assertValidAdf(body);
      const first = body.content![0].content![0];
      assert.deepEqual(first, {
        type: 'mention',
        attrs: { id: '712020:3f1c', text: '@Anna Petrova' },
      });
      const hardBreaks = JSON.stringify(body.content![1]).match(/hardBreak/g) ?? [];
      assert.equal(hardBreaks.length, 2);
      const code = body.content!.find((n) => n.type === 'codeBlock');
      assert.deepEqual(code, {
        type: 'codeBlock',
        attrs: { language: 'typescript' },
        content: [{ type: 'text', text: q.excerpt!.text }],
      });
      assert.deepEqual(adfLinks(body), ['https://crm.example.com/deals/18734567890']);
    });

    it('hostile CRM text stays text: no link to javascript:, no extra mention node', () => {
      const { body } = jiraAdfComment(hostileQuestion(), 'acc-1');
      assertValidAdf(body);
      assert.deepEqual(adfLinks(body), ['https://crm.example.com/deals/18734567890']);
      assert.equal(JSON.stringify(body).match(/"mention"/g)?.length, 1);
      assert.ok(adfTexts(body).some((t) => t.includes(HOSTILE)));
    });

    it('without a mention or excerpt still valid', () => {
      const { body } = jiraAdfComment(
        aQuestion({ excerpt: undefined, branch: undefined, repository: undefined }),
      );
      assertValidAdf(body);
      assert.ok(!JSON.stringify(body).includes('codeBlock'));
    });
  });

  describe('Jira wiki markup (Data Center)', () => {
    it('mentions by [~username] and escapes markup in CRM text', () => {
      const { body } = jiraWikiComment(hostileQuestion(), 'anna.petrova');
      assert.ok(body.startsWith('[~anna.petrova] '));
      assert.equal(body.match(/(^|[^\\])\[~/g)?.length, 1, 'the hostile [~admin] is escaped');
      assert.ok(body.includes('\\[~admin\\]'));
      assert.ok(!body.includes('{html}'), 'macros are escaped');
      assert.ok(!/(^|[^\\])!https:/.test(body), 'no image embed');
      assert.ok(body.includes('[Globex LLC|https://crm.example.com/deals/18734567890]'));
    });

    it('refuses a username that is not one and keeps {noformat} closed', () => {
      const q = aQuestion({
        excerpt: { file: 'a.ts', startLine: 1, endLine: 2, text: 'x {noformat}\n[~admin]' },
      });
      const { body } = jiraWikiComment(q, 'x] [~admin');
      assert.ok(!body.startsWith('[~'));
      assert.equal(body.match(/\{noformat\}/g)?.length, 2);
    });
  });

  describe('Markdown (GitHub, Linear)', () => {
    it('escapes CRM text so it cannot mention, reference or link; code fence outlasts backticks', () => {
      const q = hostileQuestion();
      q.excerpt = { file: 'a.md', startLine: 1, endLine: 3, text: 'before\n````\nafter' };
      const md = markdownComment(q);
      assert.ok(
        !/(^|[^\\])@org/.test(md.replace(/@\u200b/g, '')) && md.includes('@\u200borg/team'),
      );
      assert.ok(md.includes('#\u200b12'));
      assert.ok(!md.includes('](javascript'));
      assert.ok(md.includes('[Globex LLC](https://crm.example.com/deals/18734567890)'));
      assert.ok(md.includes('\n`````\nbefore\n````\nafter\n`````'));
      assert.ok(md.includes('> Ping <!here>'), "the developer's own text is kept as Markdown");
    });
  });

  describe('Slack Block Kit', () => {
    it('has header, section and context blocks, the owner mention and escaped text', () => {
      const q = hostileQuestion();
      const p = slackPayload(q);
      assert.deepEqual(
        p.blocks.map((b) => b.type),
        ['header', 'section', 'section', 'section', 'context'],
      );
      const all = [p.text, ...p.blocks.map((b) => JSON.stringify(b))].join('\n');
      const texts = [
        p.text,
        ...p.blocks.flatMap((b) => [
          (b.text as { text?: string })?.text ?? '',
          ...((b.elements as Array<{ text: string }>) ?? []).map((e) => e.text),
        ]),
      ];
      const angles = texts.flatMap(slackAngles);
      for (const a of angles) {
        assert.ok(
          a === '@U024BE7LH' ||
            a.startsWith('https://acme.atlassian.net/browse/ACME-42|') ||
            a.startsWith('https://crm.example.com/deals/18734567890|'),
          `unexpected Slack construct <${a}>`,
        );
      }
      assert.ok(angles.includes('@U024BE7LH'));
      assert.ok(
        !all.includes('<@U0ADMIN>') && !all.includes('<!channel>') && !all.includes('<!here>'),
      );
      assert.ok(
        texts.join('\n').includes('&lt;!channel&gt;') && texts.join('\n').includes(' &amp; co'),
      );
      const header = p.blocks[0].text as { type: string; text: string };
      assert.equal(header.type, 'plain_text');
    });

    it('splits a 4000-character question into sections of at most 3000', () => {
      const p = slackPayload(aQuestion({ text: '<&>'.repeat(1333) }));
      const sections = p.blocks
        .filter((b) => b.type === 'section')
        .map((b) => (b.text as { text: string }).text);
      assert.ok(sections.every((t) => t.length <= 3000));
      assert.ok(
        sections.every((t) => !/&(a|am|l|g|lt|gt)?$/.test(t)),
        'no escape cut in half',
      );
      assert.ok(p.blocks.length <= 50);
    });
  });

  describe('Teams Adaptive Card', () => {
    it('is a Workflows message with one Adaptive Card 1.4', () => {
      const p = teamsPayload(aQuestion()) as {
        type: string;
        attachments: Array<{ contentType: string; content: Record<string, unknown> }>;
      };
      assert.equal(p.type, 'message');
      assert.equal(p.attachments.length, 1);
      assert.equal(p.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
      const card = p.attachments[0].content;
      assert.equal(card.type, 'AdaptiveCard');
      assert.equal(card.version, '1.4');
      assert.equal(card.$schema, 'http://adaptivecards.io/schemas/adaptive-card.json');
      assert.ok(Array.isArray(card.body));
      const actions = card.actions as Array<{ type: string; url: string }>;
      assert.deepEqual(
        actions.map((a) => a.type),
        ['Action.OpenUrl', 'Action.OpenUrl'],
      );
    });

    it('breaks Markdown links in CRM text and drops unsafe URLs from actions', () => {
      const s = JSON.stringify(teamsPayload(hostileQuestion()));
      assert.ok(!s.includes('](javascript'));
      assert.ok(!s.includes('"url":"javascript'));
    });

    it('stays under the Teams size limit with a huge excerpt', () => {
      const q = aQuestion({
        text: 'q'.repeat(4000),
        excerpt: { file: 'big.ts', startLine: 1, endLine: 60, text: 'x'.repeat(40_000) },
      });
      assert.ok(Buffer.byteLength(JSON.stringify(teamsPayload(q))) < 28 * 1024);
    });
  });

  describe('CRM tasks', () => {
    it('HubSpot: owner, NOT_STARTED, due timestamp, association 216 to every numeric deal, escaped HTML', () => {
      const q = hostileQuestion();
      q.deals.push(aDeal({ id: '555', customer: 'Initech' }));
      const t = hubspotTask(q, q.deals[0]) as {
        properties: Record<string, string>;
        associations: unknown[];
      };
      assert.equal(t.properties.hubspot_owner_id, '41629779');
      assert.equal(t.properties.hs_task_status, 'NOT_STARTED');
      assert.equal(t.properties.hs_timestamp, '2026-10-02T09:12:00.000Z');
      assert.ok(t.properties.hs_task_subject.includes(questionMarker(q.id)));
      assert.deepEqual(
        t.associations,
        ['18734567890', '2', '555'].map((id) => ({
          to: { id },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: HubSpotTaskToDeal }],
        })),
      );
      assert.equal(HubSpotTaskToDeal, 216);
      assert.ok(
        !t.properties.hs_task_body.includes('<b>') &&
          t.properties.hs_task_body.includes('&lt;b&gt;'),
      );
      assert.ok(!t.properties.hs_task_body.includes('href="javascript:'));
      assert.equal(
        t.properties.hs_task_body.match(/<a href=/g)?.length,
        3,
        'ticket, Globex and Initech only',
      );
    });

    it('HubSpot: a non-numeric owner id is left out rather than sent', () => {
      const q = aQuestion();
      const t = hubspotTask(q, aDeal({ owner: { name: 'X', crmId: 'abc' } })) as {
        properties: Record<string, string>;
      };
      assert.equal(t.properties.hubspot_owner_id, undefined);
    });

    it('Salesforce: WhatId, OwnerId, Status, ActivityDate, Subject ≤ 255 ending with the marker', () => {
      const q = aQuestion({ author: { name: 'D'.repeat(400) } });
      const t = salesforceTask(
        q,
        aDeal({ id: '006Ho00000AbCdEIAZ', owner: { name: 'Sam', crmId: '005Ho00000Sam01IAA' } }),
      );
      assert.equal(t.WhatId, '006Ho00000AbCdEIAZ');
      assert.equal(t.OwnerId, '005Ho00000Sam01IAA');
      assert.equal(t.Status, 'Not Started');
      assert.equal(t.ActivityDate, '2026-10-02');
      const subject = String(t.Subject);
      assert.ok(subject.length <= 255);
      assert.ok(subject.endsWith(`[${questionMarker(q.id)}]`));
      const noOwner = salesforceTask(
        q,
        aDeal({ id: '006Ho00000AbCdEIAZ', owner: { name: 'Sam', crmId: 'not-an-id' } }),
      );
      assert.equal(noOwner.OwnerId, undefined);
    });

    it('Pipedrive: a task activity on the deal for its owner', () => {
      const a = pipedriveActivity(
        aQuestion(),
        aDeal({ id: '77', owner: { name: 'P', crmId: '12' } }),
      );
      assert.equal(a.type, 'task');
      assert.equal(a.deal_id, 77);
      assert.equal(a.user_id, 12);
      assert.equal(a.due_date, '2026-10-02');
      assert.equal(a.done, 0);
    });
  });

  describe('mailto', () => {
    it('addresses the owners, encodes subject and body, CRLF line breaks', () => {
      const url = mailtoUrl(aQuestion());
      const [head, query] = url.split('?');
      assert.equal(head, 'mailto:anna.petrova@example.com');
      const params = new URLSearchParams(query.replace(/\+/g, '%2B'));
      assert.equal(
        params.get('subject'),
        'Question on ACME-42 from Dana Dev: Export invoices to PDF',
      );
      const body = params.get('body') ?? '';
      assert.ok(body.includes('\r\n') && !/[^\r]\n/.test(body));
      assert.ok(body.includes('Does Globex need SSO at launch'));
      assert.ok(!/[ \n]/.test(url), 'nothing unencoded');
    });

    it('skips an address that would add recipients or headers', () => {
      const url = mailtoUrl(hostileQuestion());
      assert.ok(url.startsWith('mailto:anna.petrova@example.com?'));
      assert.ok(!url.includes('eve@evil'));
      assert.equal(url.split('?').length, 2);
    });

    it('stays under the length limit with a long multi-byte question, without breaking characters', () => {
      for (const text of ['é'.repeat(4000), '😀'.repeat(2000), 'a b&c=d?'.repeat(500)]) {
        const url = mailtoUrl(aQuestion({ text }));
        assert.ok(url.length <= MaxMailtoLength, String(url.length));
        const body = decodeURIComponent(url.split('&body=')[1]);
        assert.ok(body.includes('shortened: the full question is on ACME-42'));
        assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(body), 'no lone surrogate');
      }
    });
  });
});
