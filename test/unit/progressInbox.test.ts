// Progress notes on the data file's inbox (a `progress` line per note, never a question), and the
// composition of the CRM's progress sender from settings (buildProgressSender).
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProviderError } from '../../src/core/errors';
import type { HttpClient } from '../../src/core/http';
import { progressItem } from '../../src/core/progress';
import { buildProgressSender, type ComposeEnv, type RemoteHalf } from '../../src/core/providers/compose';
import { appendToInbox, progressInboxSender, readInbox, toInboxLine } from '../../src/core/providers/local/inbox';
import type { VendorContext } from '../../src/core/providers/vendor';
import { Outbox, type RouteSender } from '../../src/core/questions/outbox';
import type { Question } from '../../src/core/questions/question';
import { parseSettings } from '../../src/core/settings';
import { aQuestion, aQuestionDeal } from './builders';
import { NoMemory } from '../../src/core/vendorMemory';

function item(inbox: string, deal = 'D-1001', milestone: 'started' | 'merged' = 'started'): Question {
  return progressItem({
    repository: 'example.com/acme/shop', repositoryName: 'shop', folder: path.dirname(path.dirname(inbox)),
    ticket: { key: 'ACME-42', title: 'Export invoices to PDF' }, deal: aQuestionDeal({ id: deal }), milestone,
    note: milestone === 'started' ? 'Work on ACME-42 “Export invoices to PDF” has started.' : 'ACME-42 “Export invoices to PDF” is merged and will ship with the next release.',
    createdAt: '2026-12-03T10:00:00.000Z', branch: 'feature/ACME-42-pdf', author: { name: 'Dana Dev', email: 'dana@example.com' }, localInbox: inbox,
  });
}

describe('local inbox: progress lines', () => {
  let dir: string;
  let inbox: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-progress-inbox-'));
    inbox = path.join(dir, '.vscode', 'customer-context.questions.jsonl');
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('writes one progress line per note: its deal, milestone and note, no question and no code', async () => {
    const sender = progressInboxSender();
    assert.deepEqual(await sender.send(item(inbox)), { remoteId: item(inbox).id });
    const line = JSON.parse((await fs.readFile(inbox, 'utf8')).trim());
    assert.deepEqual(line, {
      id: item(inbox).id, createdAt: '2026-12-03T10:00:00.000Z', kind: 'progress', ticket: 'ACME-42', title: 'Export invoices to PDF',
      deals: ['D-1001'], to: ['anna.petrova@example.com'], milestone: 'started', note: 'Work on ACME-42 “Export invoices to PDF” has started.',
      branch: 'feature/ACME-42-pdf', repository: 'shop', author: 'Dana Dev <dana@example.com>',
    });
    assert.equal(sender.answer, undefined, 'a progress note takes no answer');
  });

  it('never writes the same note twice, and finds it again by id', async () => {
    const sender = progressInboxSender();
    assert.equal(await sender.reconcile!(item(inbox)), undefined);
    await sender.send(item(inbox));
    await sender.send(item(inbox));
    assert.equal((await fs.readFile(inbox, 'utf8')).trim().split('\n').length, 1);
    assert.deepEqual(await sender.reconcile!(item(inbox)), { remoteId: item(inbox).id });
  });

  it('reads progress lines apart from questions; a damaged progress line is a bad line', async () => {
    await appendToInbox(inbox, toInboxLine(aQuestion({ id: 'q1' })), dir);
    await progressInboxSender().send(item(inbox));
    await fs.appendFile(inbox, `${JSON.stringify({ id: 'p2', kind: 'progress', ticket: 'ACME-42' })}\n`);
    const { entries, progress, badLines } = await readInbox(inbox, dir);
    assert.deepEqual(entries.map((e) => e.id), ['q1']);
    assert.deepEqual(progress, [{ id: item(inbox).id, ticket: 'ACME-42', milestone: 'started', deals: ['D-1001'], createdAt: '2026-12-03T10:00:00.000Z' }]);
    assert.deepEqual(badLines, [3]);
  });

  it('a note without an inbox file fails as not configured, and a linked inbox is refused', async () => {
    const sender = progressInboxSender();
    await assert.rejects(sender.send({ ...item(inbox), localInbox: undefined }), (e: unknown) => e instanceof ProviderError && e.kind === 'notConfigured');
    await fs.mkdir(path.dirname(inbox), { recursive: true });
    await fs.writeFile(path.join(dir, 'elsewhere.jsonl'), '');
    await fs.symlink(path.join(dir, 'elsewhere.jsonl'), inbox);
    await assert.rejects(sender.send(item(inbox)), (e: unknown) => e instanceof ProviderError && e.kind === 'invalidData' && /link/i.test(e.message));
    assert.equal(await fs.readFile(path.join(dir, 'elsewhere.jsonl'), 'utf8'), '');
  });

  it('through the outbox: two windows and a restart put each (deal, milestone) in the inbox once', async () => {
    const outboxDir = path.join(dir, 'outbox');
    const senders = { crm: progressInboxSender() };
    const notes = [item(inbox, 'D-1'), item(inbox, 'D-2'), item(inbox, 'D-1', 'merged')];
    const a = new Outbox(outboxDir, { owner: 'window-a' });
    const b = new Outbox(outboxDir, { owner: 'window-b' });
    await Promise.all([...notes.map((q) => a.enqueueOnce(q, ['crm'])), ...notes.map((q) => b.enqueueOnce(q, ['crm']))]);
    await Promise.all([a.process(senders), b.process(senders)]);
    const restarted = new Outbox(outboxDir, { owner: 'window-a-again' });
    for (const q of notes) assert.equal(await restarted.enqueueOnce(q, ['crm'], { reconcileFirst: true }), undefined);
    await restarted.process(senders);
    const { progress } = await readInbox(inbox, dir);
    assert.deepEqual(progress.map((p) => `${p.deals[0]} ${p.milestone}`).sort(), ['D-1 merged', 'D-1 started', 'D-2 started']);
  });
});

describe('buildProgressSender', () => {
  const never = () => {
    throw new Error('the HTTP half must not load');
  };
  const env = (factories: RemoteHalf['factories'] = {}): ComposeEnv => ({
    files: { dataFile: {} as never, dataFileLabel: '', resolve: (f) => f, readText: async () => '' },
    tokens: async () => undefined,
    webhook: async () => undefined,
    remotes: () => [],
    remote: () => ({
      memory: () => NoMemory,
      factories,
      transport: async () => ({ status: 200, headers: {}, data: '' }),
      client: (): HttpClient => ({ provider: 'x', origin: 'https://x', request: never, json: never }),
    }),
  });
  const settings = (patch: Record<string, unknown>) => parseSettings(patch).settings;
  const notConfigured = (pattern: RegExp, where?: string) => (e: unknown) =>
    e instanceof ProviderError && e.kind === 'notConfigured' && pattern.test(e.message) && (where === undefined || e.details.where === where);

  it('is the CRM’s progress factory, given the vendor’s own settings', async () => {
    const mine: RouteSender = { send: async () => ({ remoteId: 'n1' }) };
    let seen: VendorContext | undefined;
    const sender = buildProgressSender(settings({ crm: 'hubspot' }), env({ hubspot: { progress: (ctx) => ((seen = ctx), mine) } }));
    assert.equal(sender, mine);
    assert.ok(seen && 'apiUrl' in (seen.settings as Record<string, unknown>));
  });

  it('a CRM without a progress factory fails every note, saying it cannot receive them', async () => {
    const sender = buildProgressSender(settings({ crm: 'hubspot' }), env({ hubspot: {} }));
    await assert.rejects(sender.send(aQuestion()), notConfigured(/^Not configured: HubSpot cannot receive progress notes\.$/, 'customerContext.crm'));
  });

  it('a credential URL that is not https fails naming the setting', async () => {
    const s = settings({ crm: 'hubspot', 'hubspot.apiUrl': 'http://crm.example.com' });
    const sender = buildProgressSender(s, env({ hubspot: { progress: () => ({ send: never }) } }));
    await assert.rejects(sender.send(aQuestion()), notConfigured(/customerContext\.hubspot\.apiUrl/));
  });

  it('the data file is left to its inbox: an item without one fails, with nothing loaded', async () => {
    const sender = buildProgressSender(settings({ crm: 'local' }), { ...env(), remote: never });
    await assert.rejects(sender.send(aQuestion()), notConfigured(/names no inbox file/, 'customerContext.crm'));
  });
});
