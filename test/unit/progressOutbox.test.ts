// The outbox's exclusive create, which makes a progress note's deterministic id a once-ever promise:
// a second enqueue of the same id is a no-op whatever became of the first (sent, discarded, damaged
// file kept aside), in one window, in two windows of one process, and in separate processes racing.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { progressItem } from '../../src/core/progress';
import { Outbox, OutboxWriteError, type RouteSender } from '../../src/core/questions/outbox';
import { OutboxStore } from '../../src/core/questions/outboxStore';
import { newEntry } from '../../src/core/questions/outboxEntry';
import type { Question } from '../../src/core/questions/question';
import { aQuestionDeal } from './builders';

const isTs = __filename.endsWith('.ts');

function item(deal = 'D-1001', milestone: 'started' | 'merged' = 'started'): Question {
  return progressItem({
    repository: 'example.com/acme/shop', repositoryName: 'shop', ticket: { key: 'ACME-42', title: 'Export invoices to PDF' },
    deal: aQuestionDeal({ id: deal }), milestone, note: 'Work on ACME-42 “Export invoices to PDF” has started.',
    createdAt: '2026-12-03T10:00:00.000Z', author: { name: 'Dana Dev' },
  });
}

/** A sender recording what it posted; `remote` is what the CRM holds (by id). */
function recording(remote = new Set<string>()) {
  const sent: string[] = [];
  const calls = { reconcile: 0 };
  const sender: RouteSender = {
    send: async (q) => {
      sent.push(q.id);
      remote.add(q.id);
      return { remoteId: `n-${sent.length}` };
    },
    reconcile: async (q) => {
      calls.reconcile++;
      return remote.has(q.id) ? { remoteId: 'found' } : undefined;
    },
  };
  return { sender, sent, calls, remote };
}

describe('outbox: enqueueOnce (progress notes)', () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-progress-outbox-'))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('queues an id once; the second enqueue is a no-op that leaves no file behind', async () => {
    const outbox = new Outbox(dir, { owner: 'w1' });
    const changed: string[] = [];
    outbox.onDidChange((id) => changed.push(id));
    const first = await outbox.enqueueOnce(item(), ['crm']);
    assert.equal(first?.routes.crm?.state, 'queued');
    assert.equal(await outbox.enqueueOnce(item(), ['crm']), undefined);
    assert.deepEqual(await fs.readdir(dir), [`${item().id}.json`]);
    assert.deepEqual(changed, [item().id]);
    assert.equal((await outbox.list()).entries.length, 1);
  });

  it('stays a no-op after the note was sent, discarded, or written by a newer version', async () => {
    const outbox = new Outbox(dir, { owner: 'w1' });
    const { sender, sent } = recording();
    await outbox.enqueueOnce(item('D-1'), ['crm']);
    await outbox.process({ crm: sender });
    assert.equal((await outbox.get(item('D-1').id))?.routes.crm?.state, 'sent');
    assert.equal(await outbox.enqueueOnce(item('D-1'), ['crm']), undefined);
    await outbox.enqueueOnce(item('D-2'), ['crm']);
    await outbox.discard(item('D-2').id);
    assert.equal(await outbox.enqueueOnce(item('D-2'), ['crm']), undefined);
    assert.equal((await outbox.get(item('D-2').id))?.discarded, true);
    const future = { ...newEntry(item('D-3'), ['crm']), version: 2 };
    await fs.writeFile(path.join(dir, `${item('D-3').id}.json`), JSON.stringify(future));
    assert.equal(await outbox.enqueueOnce(item('D-3'), ['crm']), undefined);
    await outbox.process({ crm: sender });
    assert.deepEqual(sent, [item('D-1').id]);
  });

  it('two windows racing on one folder create it exactly once', async () => {
    const windows = [new Outbox(dir, { owner: 'w1' }), new Outbox(dir, { owner: 'w2' })];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => windows[i % 2].enqueueOnce(item(), ['crm'])));
    assert.equal(results.filter(Boolean).length, 1);
    assert.deepEqual(await fs.readdir(dir), [`${item().id}.json`]);
  });

  it('four processes racing create it exactly once', async function () {
    this.timeout(30_000);
    const outboxModule = path.join(__dirname, '..', '..', 'src', 'core', 'questions', 'outbox');
    const script = `
      const { Outbox } = require(process.env.CC_OUTBOX);
      const outbox = new Outbox(process.env.CC_DIR, { owner: 'p' + process.pid });
      process.stdout.write('ready\\n');
      process.stdin.once('data', async () => {
        const e = await outbox.enqueueOnce(JSON.parse(process.env.CC_ITEM), ['crm']);
        process.stdout.write(e ? 'created\\n' : 'skipped\\n');
        process.exit(0);
      });`;
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, [...(isTs ? ['--require', 'tsx/cjs'] : []), '-e', script], {
        env: { ...process.env, CC_OUTBOX: outboxModule, CC_DIR: dir, CC_ITEM: JSON.stringify(item()) },
        stdio: ['pipe', 'pipe', 'inherit'],
      }));
    const lines = children.map((c) => {
      let out = '';
      const ready = new Promise<void>((resolve) => c.stdout!.on('data', (b) => {
        out += String(b);
        if (out.includes('ready')) resolve();
      }));
      const done = new Promise<string>((resolve) => c.on('exit', () => resolve(out)));
      return { ready, done };
    });
    await Promise.all(lines.map((l) => l.ready));
    for (const c of children) c.stdin!.write('go\n');
    const outs = await Promise.all(lines.map((l) => l.done));
    assert.equal(outs.filter((o) => o.includes('created')).length, 1, outs.join(' | '));
    assert.equal(outs.filter((o) => o.includes('skipped')).length, 3, outs.join(' | '));
    assert.deepEqual(await fs.readdir(dir), [`${item().id}.json`]);
  });

  it('with reconcileFirst, a note another machine posted under the same id is found, not posted again', async () => {
    const outbox = new Outbox(dir, { owner: 'w1' });
    const crm = recording(new Set([item('D-1').id]));
    await outbox.enqueueOnce(item('D-1'), ['crm'], { reconcileFirst: true });
    await outbox.enqueueOnce(item('D-2'), ['crm'], { reconcileFirst: true });
    await outbox.process({ crm: crm.sender });
    assert.equal(crm.calls.reconcile, 2);
    assert.deepEqual(crm.sent, [item('D-2').id]);
    for (const d of ['D-1', 'D-2']) assert.equal((await outbox.get(item(d).id))?.routes.crm?.state, 'sent');
  });

  it('refuses an incomplete item or an unusable id, saying so', async () => {
    const outbox = new Outbox(dir, { owner: 'w1' });
    await assert.rejects(outbox.enqueueOnce({ ...item(), deals: undefined } as unknown as Question, ['crm']), /incomplete/);
    await assert.rejects(outbox.enqueueOnce({ ...item(), id: '../x' }, ['crm']), /not a usable question id/);
    await assert.rejects(outbox.enqueueOnce(item(), []), /no route/);
  });

  it('an outbox path that is a file is an OutboxWriteError naming it, and leaves no temp file', async () => {
    const notDir = path.join(dir, 'outbox');
    await fs.writeFile(notDir, 'x');
    const store = new OutboxStore(notDir, { now: Date.now, log: () => undefined, onQuarantined: () => undefined });
    await assert.rejects(store.createExclusive(newEntry(item(), ['crm'])), (e: unknown) =>
      e instanceof OutboxWriteError && /^E/.test(e.code) && e.message.includes(notDir));
    assert.deepEqual(await fs.readdir(dir), ['outbox']);
  });

  it('a folder it cannot write to is an OutboxWriteError naming the folder', async function () {
    if (process.platform === 'win32' || process.getuid?.() === 0) this.skip();
    const locked = path.join(dir, 'locked');
    await fs.mkdir(locked, { mode: 0o500 });
    const store = new OutboxStore(locked, { now: Date.now, log: () => undefined, onQuarantined: () => undefined });
    await assert.rejects(store.createExclusive(newEntry(item(), ['crm'])), (e: unknown) =>
      e instanceof OutboxWriteError && e.code === 'EACCES' && e.message.includes(locked));
    await fs.chmod(locked, 0o700);
  });
});
