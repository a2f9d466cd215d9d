// Progress notes on every CRM, through each vendor's own `progress(ctx)` factory, real axios and
// the real HttpClient against the vendor's fake: the note's exact content (the text and the marker,
// nothing else of the item), its association with the right deal, exactly one note after a cut
// connection through a real Outbox (cut before the write, and cut after it), hostile text inert
// in the CRM's format, and items a CRM cannot place refused before any request.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProviderError } from '../../../src/core/errors';
import { createHttpClient, type HttpClient } from '../../../src/core/http';
import { amocrm } from '../../../src/core/providers/amocrm/index';
import { amocrmFactories } from '../../../src/core/providers/amocrm/factories';
import { bitrix24 } from '../../../src/core/providers/bitrix24/index';
import { bitrix24Factories } from '../../../src/core/providers/bitrix24/factories';
import { type ComposeEnv, vendorContext } from '../../../src/core/providers/compose';
import { hubspot } from '../../../src/core/providers/hubspot/index';
import { hubspotFactories } from '../../../src/core/providers/hubspot/factories';
import { pipedrive } from '../../../src/core/providers/pipedrive/index';
import { pipedriveFactories } from '../../../src/core/providers/pipedrive/factories';
import { salesforce } from '../../../src/core/providers/salesforce/index';
import { salesforceFactories } from '../../../src/core/providers/salesforce/factories';
import type { VendorDescriptor, VendorFactories } from '../../../src/core/providers/vendor';
import { zoho } from '../../../src/core/providers/zoho/index';
import { zohoFactories } from '../../../src/core/providers/zoho/factories';
import { escapeHtml, hasMarker, questionMarker } from '../../../src/core/questions/messages';
import { Outbox } from '../../../src/core/questions/outbox';
import type { Question } from '../../../src/core/questions/question';
import type { RouteSender } from '../../../src/core/questions/sender';
import type { Settings } from '../../../src/core/settings';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { FakeAmocrm } from '../../fakes/amocrm';
import { FakeBitrix24 } from '../../fakes/bitrix24';
import type { FakeServer, ReceivedRequest } from '../../fakes/fakeServer';
import { FakeHubspot } from '../../fakes/hubspot';
import { FakePipedrive } from '../../fakes/pipedrive';
import { FakeSalesforce } from '../../fakes/salesforce';
import { FakeZoho } from '../../fakes/zoho';
import { aDeal, aQuestion, manualClock } from '../questions/fixtures';
import { NoMemory } from '../../../src/core/vendorMemory';

const transport = axiosTransport();
/** A POST that outlives this fails as offline: the outcome is unknown to the sender. */
const DEADLINE_MS = 800;
const SIGNATURE = 'Sent with Customer Context · ';

/** One note as the fake stored it: the deal it is on and what a salesperson sees. */
interface StoredNote {
  deal: string;
  /** The body (for Salesforce, the Description; its Subject is in `title`). */
  body: string;
  title?: string;
  /** Vendor fields worth asserting (association type, task status…). */
  extra: Record<string, unknown>;
}

/** A fake with two deals and the vendor's progress sender built by its own factory. */
interface World {
  fake: FakeServer;
  sender: RouteSender;
  /** The deal the item is for, and another one that must stay untouched. */
  dealId: string;
  otherDealId: string;
  notes(): StoredNote[];
  /** Whether a request is the note's write. */
  isWrite(r: ReceivedRequest): boolean;
  /**
   * For CRMs whose reconcile lists the deal's notes page by page: adds `n` newer notes by someone
   * else; `page` is how many one list request reads.
   */
  crowd?: { page: number; add(dealId: string, n: number): void };
}

interface Crm {
  id: string;
  /** How the CRM shows the note: escaped HTML, BB-code, or plain text. */
  format: 'html' | 'bbcode' | 'text';
  /** Whether reconcile lists the deal's notes page by page (not a search for the marker). */
  paged: boolean;
  setup(): Promise<World>;
  /** The exact stored body for a (well-formed) text and marker. */
  expected(text: string, marker: string): string;
}

const fakes: Array<{ stop(): Promise<void> }> = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop();
  for (const c of cleanups.splice(0)) await c();
});

async function started<T extends FakeServer>(fake: T): Promise<T> {
  await fake.start();
  fakes.push(fake);
  return fake;
}

/**
 * The vendor's `progress(ctx)` over a context built by compose.ts's own `vendorContext`, whose
 * clients are shared per key as in the extension, with short deadlines.
 */
function progressSender<S>(
  v: VendorDescriptor,
  factories: VendorFactories<S>,
  settings: Record<string, string>,
  token: string,
): RouteSender {
  const clients = new Map<string, HttpClient>();
  const env: ComposeEnv = {
    files: {} as ComposeEnv['files'],
    tokens: async () => token,
    webhook: async () => undefined,
    remotes: () => [],
    remote: () => ({
      memory: () => NoMemory,
      factories: { [v.id]: factories },
      transport,
      client(key, options) {
        let c = clients.get(key);
        if (!c) {
          c = createHttpClient(transport, {
            ...options,
            timeoutMs: DEADLINE_MS,
            deadlineMs: DEADLINE_MS,
            sleep: async () => undefined,
          });
          clients.set(key, c);
        }
        return c;
      },
    }),
  };
  const ctx = vendorContext(v, settings as unknown as Settings, env);
  const make = (factories as VendorFactories<Record<string, unknown>>).progress;
  assert.ok(make, `${v.id} has no progress factory`);
  return make(ctx);
}

const html = (text: string, marker: string) =>
  `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p><p><em>${SIGNATURE}${marker}</em></p>`;
const plain = (text: string, marker: string) => `${text}\n\n${SIGNATURE}${marker}`;
const bb = (text: string, marker: string) => plain(text.split('[').join('[\u200b'), marker);

const crms: Crm[] = [
  {
    id: 'hubspot',
    paged: false,
    format: 'html',
    expected: html,
    async setup() {
      const fake = await started(new FakeHubspot());
      const dealId = fake.addDeal({ dealname: 'ООО «Ромашка» — внедрение', amount: '1250000.00' });
      const otherDealId = fake.addDeal({ dealname: 'АО «Василёк»' });
      const settings = { 'hubspot.apiUrl': fake.url };
      return {
        fake,
        dealId,
        otherDealId,
        sender: progressSender(hubspot, hubspotFactories, settings, fake.token),
        notes: () =>
          [...fake.notes.values()].map((n) => ({
            deal: n.associations.map((a) => a.to.id).join(','),
            body: n.properties.hs_note_body ?? '',
            extra: {
              types: n.associations.flatMap((a) => a.types.map((t) => t.associationTypeId)),
              timestamp: n.properties.hs_timestamp,
            },
          })),
        isWrite: (r) => r.method === 'POST' && r.path === '/crm/v3/objects/notes',
      };
    },
  },
  {
    id: 'salesforce',
    paged: false,
    format: 'text',
    expected: plain,
    async setup() {
      const fake = await started(new FakeSalesforce());
      const owner = fake.addUser('Анна Петрова', 'anna.petrova@romashka-soft.ru');
      const dealId = fake.addOpportunity({
        Name: 'ООО «Ромашка» — внедрение',
        OwnerId: owner,
        StageName: 'Согласование',
        CloseDate: '2026-12-15',
      });
      const otherDealId = fake.addOpportunity({
        Name: 'АО «Василёк»',
        OwnerId: owner,
        StageName: 'Согласование',
        CloseDate: '2026-12-15',
      });
      const settings = { 'salesforce.instanceUrl': fake.url };
      return {
        fake,
        dealId,
        otherDealId,
        sender: progressSender(salesforce, salesforceFactories, settings, fake.token),
        notes: () =>
          [...fake.records.Task.values()].map((t) => ({
            deal: String(t.WhatId),
            body: String(t.Description ?? ''),
            title: String(t.Subject ?? ''),
            extra: {
              Status: t.Status,
              Priority: t.Priority,
              ActivityDate: t.ActivityDate,
              IsClosed: t.IsClosed,
            },
          })),
        isWrite: (r) => r.method === 'POST' && /\/sobjects\/Task\/?$/.test(r.path),
      };
    },
  },
  {
    id: 'pipedrive',
    paged: true,
    format: 'html',
    expected: html,
    async setup() {
      const fake = await started(new FakePipedrive());
      const dealId = fake.addDeal({ title: 'ООО «Ромашка» — внедрение', currency: 'RUB' });
      const otherDealId = fake.addDeal({ title: 'АО «Василёк»', currency: 'RUB' });
      const settings = { 'pipedrive.apiUrl': fake.url };
      return {
        fake,
        dealId: String(dealId),
        otherDealId: String(otherDealId),
        sender: progressSender(pipedrive, pipedriveFactories, settings, fake.token),
        notes: () =>
          [...fake.notes.values()].map((n) => ({
            deal: String(n.deal_id),
            body: n.content,
            extra: { pinned: n.pinned_to_deal_flag },
          })),
        isWrite: (r) => r.method === 'POST' && r.path === '/api/v1/notes',
        crowd: {
          page: 100,
          add(deal, n) {
            const seller = fake.addUser('Анна Петрова', 'anna.petrova@romashka-soft.ru');
            for (let i = 0; i < n; i++) {
              const id = 50_000 + i;
              const at = new Date(Date.now() + 60_000 + i * 1000).toISOString();
              fake.notes.set(id, {
                id,
                content: `<p>Звонок с клиентом №${i}</p>`,
                deal_id: Number(deal),
                user_id: seller,
                pinned_to_deal_flag: false,
                add_time: at.replace('T', ' ').slice(0, 19),
                update_time: at.replace('T', ' ').slice(0, 19),
                active_flag: true,
              });
            }
          },
        },
      };
    },
  },
  {
    id: 'bitrix24',
    paged: true,
    format: 'bbcode',
    expected: bb,
    async setup() {
      const fake = await started(new FakeBitrix24());
      const dealId = fake.addDeal({
        TITLE: 'ООО «Ромашка» — внедрение',
        OPPORTUNITY: '1250000.00',
        CURRENCY_ID: 'RUB',
      });
      const otherDealId = fake.addDeal({ TITLE: 'АО «Василёк»' });
      const settings = { 'bitrix24.portalUrl': fake.url };
      return {
        fake,
        dealId,
        otherDealId,
        sender: progressSender(bitrix24, bitrix24Factories, settings, fake.token),
        notes: () =>
          [...fake.comments.values()].map((c) => ({
            deal: String(c.ENTITY_ID),
            body: String(c.COMMENT),
            extra: { type: c.ENTITY_TYPE, author: c.AUTHOR_ID },
          })),
        isWrite: (r) => r.path.endsWith('/crm.timeline.comment.add.json'),
        crowd: {
          page: 50,
          add(deal, n) {
            const seller = fake.addUser({ ID: '9', NAME: 'Анна', LAST_NAME: 'Петрова' });
            for (let i = 0; i < n; i++) fake.addComment(deal, seller, `Звонок с клиентом №${i}`);
          },
        },
      };
    },
  },
  {
    id: 'amocrm',
    paged: true,
    format: 'text',
    expected: plain,
    async setup() {
      const fake = await started(new FakeAmocrm());
      const dealId = String(fake.addLead({ name: 'ООО «Ромашка» — внедрение', price: 1250000 }));
      const otherDealId = String(fake.addLead({ name: 'АО «Василёк»' }));
      const settings = { 'amocrm.baseUrl': fake.url };
      return {
        fake,
        dealId,
        otherDealId,
        sender: progressSender(amocrm, amocrmFactories, settings, fake.token),
        notes: () =>
          [...fake.notes.values()].map((n) => ({
            deal: String(n.entity_id),
            body: Array.isArray(n.params) ? '' : (n.params.text ?? ''),
            extra: { note_type: n.note_type },
          })),
        isWrite: (r) => r.method === 'POST' && r.path === '/api/v4/leads/notes',
        crowd: {
          page: 250,
          add(deal, n) {
            const seller = fake.addUser('Анна Петрова', 'anna.petrova@romashka-soft.ru');
            for (let i = 0; i < n; i++)
              fake.addNote(Number(deal), `Звонок с клиентом №${i}`, seller);
          },
        },
      };
    },
  },
  {
    id: 'zoho',
    paged: true,
    format: 'text',
    expected: plain,
    async setup() {
      const fake = new FakeZoho();
      await fake.start();
      fakes.push(fake);
      const anna = fake.addUser('Анна Петрова', 'anna.petrova@romashka-soft.ru');
      const dealId = fake.addDeal({}, anna).id;
      const otherDealId = fake.addDeal({ Deal_Name: 'АО «Василёк»' }, anna).id;
      const settings = { 'zoho.apiUrl': fake.url, 'zoho.accountsUrl': fake.accounts.url };
      return {
        fake,
        dealId,
        otherDealId,
        sender: progressSender(zoho, zohoFactories, settings, fake.selfClient()),
        notes: () =>
          [...fake.notes.entries()].flatMap(([deal, list]) =>
            list.map((n) => ({
              deal,
              body: n.Note_Content,
              title: n.Note_Title ?? undefined,
              extra: { module: n.$se_module },
            })),
          ),
        isWrite: (r) => r.method === 'POST' && /^\/crm\/v8\/Deals\/\d+\/Notes$/.test(r.path),
        crowd: {
          page: 200,
          add(deal, n) {
            for (let i = 0; i < n; i++)
              fake.addNote(deal, `Звонок с клиентом №${i}`, anna, Date.now() + 60_000 + i * 1000);
          },
        },
      };
    },
  },
];

/** A progress item as the milestone code makes one: finished text, one deal, a stable id. */
function progressItem(dealId: string, text: string): Question {
  // aQuestion carries everything a question has (excerpt, branch, repository, author, ticket
  // link): none of it may reach a progress note.
  return aQuestion({
    // Shaped like core/progress.ts's ids: `progress-` and 48 hex digits of a hash.
    id: `progress-${randomBytes(24).toString('hex')}`,
    kind: 'progress',
    milestone: 'started',
    text,
    deals: [
      aDeal({
        id: dealId,
        customer: 'ООО «Ромашка»',
        stage: 'Согласование',
        currency: 'RUB',
        amount: 1250000,
        owner: { name: 'Анна Петрова', email: 'anna.petrova@romashka-soft.ru' },
      }),
    ],
  });
}

const STARTED = 'Работа над ACME-42 «Экспорт счетов в PDF» начата';

/** What a question carries and a progress note must not. */
function leaks(q: Question, body: string): string[] {
  const bits = [
    q.excerpt?.text,
    q.excerpt?.file,
    q.branch,
    q.repository,
    q.ticket.url,
    q.author.name,
    q.author.email,
    q.deals[0].customer,
    q.deals[0].stage,
    q.deals[0].owner?.name,
    q.deals[0].owner?.email,
    q.deals[0].url,
    '1250000',
  ];
  return bits.filter((b): b is string => !!b && body.includes(b));
}

/** An Outbox on a fresh directory with a hand-moved clock, sending on the `crm` route. */
async function outboxFor(sender: RouteSender) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-progress-'));
  cleanups.push(() => fs.rm(root, { recursive: true, force: true }));
  const clock = manualClock(Date.now());
  const outbox = new Outbox(path.join(root, 'outbox'), {
    owner: 'test',
    now: clock.now,
    random: () => 0.5,
  });
  const h = {
    outbox,
    clock,
    async enqueue(q: Question) {
      q.createdAt = new Date(clock.now()).toISOString();
      await outbox.enqueue(q, ['crm']);
      return q;
    },
    pass: () => outbox.process({ crm: sender }),
    state: async (q: Question) => (await outbox.get(q.id))!.routes.crm!,
    /** Moves the clock to the route's next attempt and runs a pass. */
    async later(q: Question) {
      const s = await h.state(q);
      if (s.nextAttemptAt !== undefined) clock.set(s.nextAttemptAt);
      await h.pass();
    },
  };
  return h;
}

async function until(cond: () => boolean, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function refused(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ProviderError, String(e));
    assert.equal(e.kind, 'badRequest');
    assert.match(e.message, pattern);
    return true;
  });
}

describe('progress notes', () => {
  for (const crm of crms) {
    describe(crm.id, () => {
      it('posts one note on the item’s deal: the text and the marker, nothing else', async () => {
        const w = await crm.setup();
        const link = 'https://git.example.com/team/export/pull/7?a=1&b=2';
        const review = `Work on ACME-42 is in review. (${link})`;
        const q = progressItem(w.dealId, `${STARTED}\n${review}`);
        const ref = await w.sender.send(q);
        const notes = w.notes();
        assert.equal(notes.length, 1);
        const [note] = notes;
        assert.equal(note.deal, w.dealId);
        assert.notEqual(note.deal, w.otherDealId);
        const marker = questionMarker(q.id);
        assert.equal(note.body, crm.expected(q.text, marker));
        assert.ok(hasMarker(note.body, q.id));
        assert.deepEqual(leaks(q, `${note.title ?? ''}\n${note.body}`), []);
        assert.ok(ref.remoteId, 'the note’s id comes back');
        assert.equal(w.sender.answer, undefined, 'progress notes have no answers');
        assert.equal(w.fake.requests.filter(w.isWrite).length, 1);

        if (crm.id === 'hubspot') {
          assert.deepEqual(note.extra, { types: [214], timestamp: q.createdAt });
        } else if (crm.id === 'salesforce') {
          assert.deepEqual(note.extra, {
            Status: 'Completed',
            Priority: 'Normal',
            ActivityDate: q.createdAt.slice(0, 10),
            IsClosed: true,
          });
          // One line: the text's line break becomes a space; the marker ends it.
          assert.equal(note.title, `${STARTED} ${review} [${marker}]`);
        } else if (crm.id === 'pipedrive') {
          assert.deepEqual(note.extra, { pinned: false });
        } else if (crm.id === 'bitrix24') {
          assert.deepEqual(note.extra, { type: 'deal', author: '1' });
        } else if (crm.id === 'amocrm') {
          assert.deepEqual(note.extra, { note_type: 'common' });
        } else if (crm.id === 'zoho') {
          assert.equal(note.title, 'Development progress');
          assert.deepEqual(note.extra, { module: 'Deals' });
        }
      });

      it('a cut before the write: reconciled, sent again, exactly one note', async () => {
        const w = await crm.setup();
        w.fake.inject({ type: 'cut' }, 1, w.isWrite);
        const h = await outboxFor(w.sender);
        const q = await h.enqueue(progressItem(w.dealId, STARTED));
        await h.pass();
        assert.equal((await h.state(q)).state, 'unknown');
        assert.equal(w.notes().length, 0);
        await h.later(q);
        const s = await h.state(q);
        assert.equal(s.state, 'sent', s.lastError);
        assert.equal(w.notes().length, 1);
        assert.equal(w.notes()[0].deal, w.dealId);
        assert.equal(w.fake.requests.filter(w.isWrite).length, 2);
        // Later passes send nothing more.
        await h.later(q);
        assert.equal(w.fake.requests.filter(w.isWrite).length, 2);
      });

      it('a write landing after the client gave up: found by marker, not repeated', async () => {
        const w = await crm.setup();
        // A note already on the deal from another milestone, so reconcile must match the marker.
        const earlier = progressItem(w.dealId, 'Работа над ACME-41 начата');
        await w.sender.send(earlier);
        w.fake.inject({ type: 'delay', ms: DEADLINE_MS + 700 }, 1, w.isWrite);
        const h = await outboxFor(w.sender);
        const q = await h.enqueue(progressItem(w.dealId, STARTED));
        const t0 = h.clock.now();
        await h.pass();
        const unknown = await h.state(q);
        assert.equal(unknown.state, 'unknown');
        if (crm.id === 'hubspot') {
          // HubSpot's search trails its writes: the outbox waits before trusting it.
          assert.ok(unknown.nextAttemptAt! - t0 >= 15_000, 'reconcile waits for the index');
        }
        await until(() => w.notes().length === 2);
        const before = w.fake.requests.length;
        await h.later(q);
        const s = await h.state(q);
        assert.equal(s.state, 'sent', s.lastError);
        assert.equal(w.notes().length, 2);
        const ours = w.notes().filter((n) => hasMarker(n.body, q.id));
        assert.equal(ours.length, 1);
        assert.equal(w.fake.requests.filter(w.isWrite).length, 2, 'the item was not posted again');
        const reconcileRequests = w.fake.requests.length - before;
        assert.equal(reconcileRequests, 1, 'one read finds the note on a small deal');
        assert.ok(s.remoteId, 'the reconciled note’s id is kept');
      });

      if (crm.paged) it('reconcile finds its note past the first page of a busy deal', async () => {
        const w = await crm.setup();
        const crowd = w.crowd!;
        const q = progressItem(w.dealId, STARTED);
        const sent = await w.sender.send(q);
        crowd.add(w.dealId, crowd.page + 5);
        const before = w.fake.requests.length;
        const found = await w.sender.reconcile!(q);
        assert.equal(found?.remoteId, sent.remoteId);
        assert.equal(w.fake.requests.length - before, 2, 'ours is on the second page');
        const missing = progressItem(w.dealId, STARTED);
        assert.equal(await w.sender.reconcile!(missing), undefined);
      });

      it('hostile text stays inert in the CRM’s format', async () => {
        const w = await crm.setup();
        const other = `progress-${randomBytes(24).toString('hex')}`;
        const hostile =
          'Готово <script>alert(1)</script> <a href="javascript:x">ссылка</a> ' +
          '[b]жирный[/b] [URL=https://evil.example]клик[/URL] [USER=1]Анна[/USER] ' +
          `@here @channel & "кавычки" 'апостроф' ${questionMarker(other)}\nвторая строка`;
        const q = progressItem(w.dealId, hostile);
        await w.sender.send(q);
        const [note] = w.notes();
        const all = `${note.title ?? ''}\n${note.body}`;
        assert.ok(hasMarker(note.body, q.id), 'our marker is there');
        assert.ok(!hasMarker(all, other), 'a marker in the text cannot pass for another item’s');
        assert.ok(all.includes('@here') && all.includes('@channel'), 'mentions stay plain words');
        if (crm.format === 'html') {
          const tags = note.body.match(/<[^>]*>/g) ?? [];
          assert.deepEqual(
            [...new Set(tags)].sort(),
            ['</em>', '</p>', '<br>', '<em>', '<p>'],
            'the only markup is ours',
          );
          assert.ok(note.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
          assert.ok(note.body.includes('&lt;a href=&quot;javascript:x&quot;&gt;'));
          assert.ok(note.body.includes('&amp; &quot;кавычки&quot; &#39;апостроф&#39;'));
        } else if (crm.format === 'bbcode') {
          assert.doesNotMatch(note.body, /\[(?!\u200b)/, 'every [ is broken');
          for (const tag of ['[b]', '[URL=', '[USER=', '[/URL]'])
            assert.ok(!note.body.toUpperCase().includes(tag.toUpperCase()), tag);
          assert.ok(note.body.includes('[\u200bUSER=1]Анна[\u200b/USER]'));
        } else {
          // Plain-text fields: the CRM shows the characters as typed, so the text is kept as it
          // is (no markup of ours around it), only the stray marker broken.
          assert.ok(note.body.startsWith('Готово <script>alert(1)</script>'));
          assert.ok(note.body.includes('[URL=https://evil.example]клик[/URL]'));
          const broken = hostile.replace('cc-question:', 'cc-question\u200b:');
          assert.equal(note.body, crm.expected(broken, questionMarker(q.id)));
        }
      });

      it('refuses items it cannot place, before any request', async () => {
        const w = await crm.setup();
        const none = progressItem(w.dealId, STARTED);
        none.deals = [];
        await refused(w.sender.send(none), /no .* deal to attach it to/);
        const two = progressItem(w.dealId, STARTED);
        two.deals = [...two.deals, aDeal({ id: w.otherDealId })];
        await refused(w.sender.send(two), /exactly one (deal|lead); item progress-.* names 2/);
        await refused(w.sender.send(progressItem(w.dealId, '  \n ')), /has no text/);
        assert.equal(w.fake.requests.length, 0);
        assert.equal(w.notes().length, 0);
      });
    });
  }
});
