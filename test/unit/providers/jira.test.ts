import * as assert from 'node:assert/strict';
import { createHttpClient, type HttpClientOptions, type TokenSource } from '../../../src/core/http';
import {
  adfToText,
  jiraHttpOptions,
  jiraTracker,
  type JiraSettings,
} from '../../../src/core/providers/jira/tracker';
import type { TicketTracker } from '../../../src/core/providers/types';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { startFakeJira, type FakeJira } from '../../fakes/jira';
import { rejects } from './assertions';

const NOW = Date.parse('2026-09-02T09:00:00Z');

describe('Jira tracker', () => {
  let fake: FakeJira;
  let delays: number[];

  function tracker(
    settings: Partial<JiraSettings> = {},
    token: TokenSource = fake.token,
    extra: Partial<HttpClientOptions> = {},
  ): TicketTracker {
    const s: JiraSettings = {
      baseUrl: fake.url,
      deployment: fake.deployment,
      email: fake.email,
      dealField: 'customfield_10042',
      ...settings,
    };
    const http = createHttpClient(axiosTransport(), {
      ...jiraHttpOptions(s, token),
      now: () => NOW,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0,
      ...extra,
    });
    return jiraTracker(http, s);
  }

  beforeEach(() => {
    delays = [];
  });
  afterEach(() => fake.stop());

  describe('Cloud (REST v3, ADF)', () => {
    beforeEach(async () => {
      fake = await startFakeJira({ deployment: 'cloud' });
    });

    it('maps the issue in one request asking only the needed fields', async () => {
      const t = await tracker().getTicket('ENG-42');
      assert.deepEqual(t, {
        key: 'ENG-42',
        title: 'CSV export times out for large tenants',
        status: 'In Progress',
        url: `${fake.url}/browse/ENG-42`,
        assignee: 'Dana Dev',
        labels: ['customer-escalation'],
        dealRefs: ['18734567890'],
        comments: [
          {
            id: '10100',
            author: 'Sam Sales',
            created: '2026-09-01T10:15:00.000+0000',
            text:
              '@Dana Dev Globex needs this before renewal.\nThey export 200k rows a day:\n' +
              '- invoices\n- credit notes\nSELECT *\nFROM invoices',
          },
          {
            id: '10101',
            author: 'Dana Dev',
            created: '2026-09-02T08:30:00.000+0000',
            text: 'Plan:\n1. stream rows\n2. add an index',
          },
        ],
      });
      assert.equal(fake.requests.length, 1);
      const r = fake.requests[0];
      assert.equal(r.path, '/rest/api/3/issue/ENG-42');
      const fields = 'summary,status,assignee,labels,comment,customfield_10042';
      assert.equal(r.query.get('fields'), fields);
      assert.equal(r.headers.authorization, fake.authHeader());
      assert.match(String(r.headers.authorization), /^Basic /);
      assert.equal(r.headers.accept, 'application/json');
    });

    it('accepts a lower-case key and returns the key Jira answers with', async () => {
      assert.equal((await tracker().getTicket('eng-42')).key, 'ENG-42');
    });

    it('reads deal refs from every field shape', async () => {
      const refs = async (dealField: string) =>
        (await tracker({ dealField }).getTicket('ENG-42')).dealRefs;
      assert.deepEqual(await refs('customfield_10043'), [
        'https://app.hubspot.com/contacts/123/record/0-3/18734567891',
      ]);
      assert.deepEqual(await refs('customfield_10044'), ['D-1001', 'D-1002']);
      assert.deepEqual(await refs('customfield_10045'), [
        'https://acme.my.salesforce.com/lightning/r/Opportunity/0065g00000XyZ12AAB/view',
        '18734567890',
        '18734567893',
      ]);
      assert.deepEqual(await refs('customfield_10046'), []);
      assert.deepEqual(await refs('customfield_99999'), []);
    });

    it('without a deal field asks for no custom field and has no refs', async () => {
      const t = await tracker({ dealField: '' }).getTicket('ENG-42');
      assert.deepEqual(t.dealRefs, []);
      assert.equal(fake.requests[0].query.get('fields'), 'summary,status,assignee,labels,comment');
    });

    it('tolerates null assignee, status and comment page', async () => {
      fake.addIssue({
        id: '10043',
        key: 'ENG-43',
        fields: {
          summary: 'Bare',
          status: null,
          assignee: null,
          labels: [],
          comment: null,
          customfield_10042: null,
        },
      });
      const t = await tracker().getTicket('ENG-43');
      assert.equal(t.assignee, undefined);
      assert.equal(t.status, undefined);
      assert.deepEqual(t.comments, []);
    });

    it('whoAmI uses /myself', async () => {
      assert.equal(await tracker().whoAmI!(), 'Dana Dev <dana@acme.com>');
      assert.equal(fake.requests[0].path, '/rest/api/3/myself');
    });

    it('wrong token → auth with Jira’s text, never the token', async () => {
      const bad = tracker({}, 'wrong-token-value').getTicket('ENG-42');
      const e = await rejects(bad, 'auth', 'wrong-token-value');
      const vendor = 'Client must be authenticated to access this resource.';
      assert.equal(e.message, `Jira: HTTP 401 — ${vendor} Set a new API token.`);
      assert.equal(fake.requests.length, 1);
    });

    it('missing token → auth; missing e-mail → notConfigured naming it; nothing sent', async () => {
      const e1 = await rejects(tracker({}, async () => undefined).getTicket('ENG-42'), 'auth');
      assert.match(e1.message, /no API token is set/);
      const e2 = await rejects(tracker({ email: '' }).getTicket('ENG-42'), 'notConfigured');
      assert.match(e2.message, /customerContext\.jira\.email/);
      assert.equal(fake.requests.length, 0);
    });

    it('unknown key → notFound with the vendor message', async () => {
      const e = await rejects(tracker().getTicket('ENG-999'), 'notFound');
      const vendor = 'Issue does not exist or you do not have permission to see it.';
      assert.equal(e.message, `Jira Cloud: ENG-999 was not found. ${vendor}`);
      assert.equal(e.details.status, 404);
    });

    it('a key that is not a Jira key → notFound without a request', async () => {
      await rejects(tracker().getTicket('#12'), 'notFound');
      assert.equal(fake.requests.length, 0);
    });

    it('403 → forbidden with the vendor message', async () => {
      const json = { errorMessages: ['You may not view this issue.'], errors: {} };
      fake.inject({ type: 'reply', reply: { status: 403, json } });
      const e = await rejects(tracker().getTicket('ENG-42'), 'forbidden');
      assert.match(e.message, /HTTP 403 — You may not view this issue\./);
      assert.equal(fake.requests.length, 1);
    });

    it('429 with Retry-After is waited out, then answered', async () => {
      fake.rateLimit(2);
      const t = await tracker().getTicket('ENG-42');
      assert.equal(t.key, 'ENG-42');
      assert.deepEqual(delays, [2000]);
      assert.equal(fake.requests.length, 2);
    });

    it('429 with a long Retry-After → rateLimited with retryAt, no wait', async () => {
      fake.rateLimit(300);
      const e = await rejects(tracker().getTicket('ENG-42'), 'rateLimited');
      assert.equal(e.details.retryAt, NOW + 300_000);
      assert.match(e.message, /HTTP 429 — Rate limit exceeded\. Rate limited; try again in 5 min/);
      assert.deepEqual(delays, []);
    });

    it('500 three times → server with the vendor message', async () => {
      const json = { errorMessages: ['Internal server error'], errors: {} };
      fake.inject({ type: 'reply', reply: { status: 500, json } }, 3);
      const e = await rejects(tracker().getTicket('ENG-42'), 'server');
      assert.match(e.message, /HTTP 500 — Internal server error\./);
      assert.equal(fake.requests.length, 3);
    });

    it('a 400 with field errors → badRequest naming the field', async () => {
      const json = { errorMessages: [], errors: { fields: "Field 'x' does not exist." } };
      fake.inject({ type: 'reply', reply: { status: 400, json } });
      const e = await rejects(tracker().getTicket('ENG-42'), 'badRequest');
      assert.match(e.message, /HTTP 400 — fields: Field 'x' does not exist\./);
    });

    it('a login page instead of JSON → invalidResponse', async () => {
      const raw = '<html><title>Log in with Atlassian account</title></html>';
      fake.inject({ type: 'reply', reply: { raw, headers: { 'content-type': 'text/html' } } });
      const e = await rejects(tracker().getTicket('ENG-42'), 'invalidResponse');
      assert.match(e.message, /HTML page \("Log in with Atlassian account"\)/);
    });

    it('wrong shapes → invalidResponse naming the JSON path', async () => {
      const noSummary = { id: '1', key: 'ENG-42', fields: { status: null } };
      fake.inject({ type: 'reply', reply: { json: noSummary } });
      const e1 = await rejects(tracker().getTicket('ENG-42'), 'invalidResponse');
      assert.match(e1.message, /fields\.summary: required/);
      // The vendor's OpenAPI example shows comment as a bare array; real answers use a page object.
      const arrayComments = { id: '1', key: 'ENG-42', fields: { summary: 's', comment: [] } };
      fake.inject({ type: 'reply', reply: { json: arrayComments } });
      const e2 = await rejects(tracker().getTicket('ENG-42'), 'invalidResponse');
      assert.match(e2.message, /fields\.comment: expected object, got array/);
      assert.equal(e2.details.where, 'fields.comment');
    });
  });

  describe('Data Center (REST v2, strings, PAT)', () => {
    beforeEach(async () => {
      fake = await startFakeJira({ deployment: 'datacenter' });
    });

    it('uses /rest/api/2 with Bearer and keeps string comments', async () => {
      const t = await tracker({ deployment: 'datacenter', email: undefined }).getTicket('ENG-42');
      assert.equal(t.title, 'CSV export times out for large tenants');
      assert.equal(t.assignee, 'Dana Dev');
      assert.deepEqual(t.dealRefs, ['18734567890', 'D-1003']);
      assert.deepEqual(t.comments, [
        {
          id: '10100',
          author: 'Sam Sales',
          created: '2026-09-01T10:15:00.000+0000',
          text: '[~dana] Globex needs this before renewal.\n* invoices\n* credit notes',
        },
      ]);
      const r = fake.requests[0];
      assert.equal(r.path, '/rest/api/2/issue/ENG-42');
      assert.equal(r.headers.authorization, `Bearer ${fake.token}`);
    });

    it('refuses Basic auth (PAT only) before routing', async () => {
      const e = await rejects(tracker({ deployment: 'cloud' }).getTicket('ENG-42'), 'auth');
      assert.equal(fake.requests[0].path, '/rest/api/3/issue/ENG-42');
      assert.equal(e.details.status, 401);
    });

    it('whoAmI and the JSON 401', async () => {
      const dc = { deployment: 'datacenter' } as const;
      assert.equal(await tracker(dc).whoAmI!(), 'Dana Dev <dana@acme.com>');
      const e = await rejects(tracker(dc, 'bad-pat-value').getTicket('ENG-42'), 'auth');
      assert.match(e.message, /You are not authenticated\. Authentication required to perform/);
    });
  });

  describe('the fake’s comment endpoints (for question routes)', () => {
    it('Cloud v3 rejects a plain string body with the exact 400, stores ADF', async () => {
      fake = await startFakeJira();
      const settings: JiraSettings = { baseUrl: fake.url, deployment: 'cloud', email: fake.email };
      const http = createHttpClient(axiosTransport(), jiraHttpOptions(settings, fake.token));
      const post = (body: unknown) =>
        http.request({ method: 'POST', path: '/rest/api/3/issue/eng-42/comment', body: { body } });
      const e = await rejects(post('plain'), 'badRequest');
      assert.equal(e.details.vendorMessage, 'comment: Comment body is not valid!');
      const paragraph = { type: 'paragraph', content: [{ type: 'text', text: 'Q?' }] };
      const adf = { type: 'doc', version: 1, content: [paragraph] };
      assert.equal((await post(adf)).status, 201);
      assert.deepEqual(fake.posted.map((p) => [p.key, p.api, p.body]), [['ENG-42', '3', adf]]);
      const t = await jiraTracker(http, settings).getTicket('ENG-42');
      assert.equal(t.comments.at(-1)?.text, 'Q?');
    });

    it('Data Center v2 takes a wiki string', async () => {
      fake = await startFakeJira({ deployment: 'datacenter' });
      const settings: JiraSettings = { baseUrl: fake.url, deployment: 'datacenter' };
      const http = createHttpClient(axiosTransport(), jiraHttpOptions(settings, fake.token));
      const post = (body: unknown) =>
        http.request({ method: 'POST', path: '/rest/api/2/issue/ENG-42/comment', body: { body } });
      assert.equal((await post('[~sam] when?')).status, 201);
      assert.equal(fake.posted[0].body, '[~sam] when?');
      const e = await rejects(post(''), 'badRequest');
      assert.equal(e.details.vendorMessage, 'comment: Comment body can not be empty!');
    });
  });
});

describe('adfToText', () => {
  const doc = (...content: unknown[]) => ({ type: 'doc', version: 1, content });
  const p = (...content: unknown[]) => ({ type: 'paragraph', content });
  const text = (t: string, marks?: unknown[]) => ({ type: 'text', text: t, marks });
  const link = (href: string) => [{ type: 'link', attrs: { href } }];
  const li = (...content: unknown[]) => ({ type: 'listItem', content });

  it('flattens nested lists, quotes, mentions, links, cards and rules', () => {
    const out = adfToText(
      doc(
        { type: 'heading', attrs: { level: 2 }, content: [text('Title')] },
        p(
          { type: 'mention', attrs: { id: 'abc', text: 'Sam' } },
          text(' see '),
          text('deal', link('https://crm.example.com/deals/1')),
        ),
        {
          type: 'bulletList',
          content: [
            li(p(text('a')), {
              type: 'orderedList',
              attrs: { order: 3 },
              content: [li(p(text('x'))), li(p(text('y')))],
            }),
            li(p(text('b'))),
          ],
        },
        { type: 'blockquote', content: [p(text('quoted')), p(text('twice'))] },
        { type: 'rule' },
        { type: 'blockCard', attrs: { url: 'https://example.com/card' } },
        {
          type: 'panel',
          content: [p(text('in a panel'), { type: 'emoji', attrs: { text: '!' } })],
        },
        { type: 'mediaSingle', content: [{ type: 'media', attrs: { id: 'm' } }] },
      ),
    );
    assert.equal(
      out,
      [
        'Title',
        '@Sam see deal (https://crm.example.com/deals/1)',
        '- a',
        '  3. x',
        '  4. y',
        '- b',
        '> quoted',
        '> twice',
        '---',
        'https://example.com/card',
        'in a panel!',
      ].join('\n'),
    );
  });

  it('keeps strings (v2) and survives hostile nesting and junk', () => {
    assert.equal(adfToText('wiki *text*'), 'wiki *text*');
    let deep: unknown = text('bottom');
    for (let i = 0; i < 10_000; i++) deep = { type: 'paragraph', content: [deep] };
    assert.equal(typeof adfToText(doc(deep)), 'string');
    const junk = { type: 'doc', content: [null, 5, 'x', { type: 'text' }, { content: 'nope' }] };
    assert.equal(adfToText(junk), '');
    assert.equal(adfToText(doc(p(text('a'), { type: 'hardBreak' }, text('b')))), 'a\nb');
  });
});
