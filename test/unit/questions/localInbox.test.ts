import * as assert from 'node:assert/strict';
import { execFileSync, fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ProviderError } from '../../../src/core/errors';
import { appendToInbox, localInboxSender, readInbox, toInboxLine } from '../../../src/core/providers/local/inbox';
import { Outbox, questionState } from '../../../src/core/questions/outbox';
import type { Question } from '../../../src/core/questions/question';
import { questionProblem } from '../../../src/core/questions/question';
import { FileCaps, SafeFileError } from '../../../src/core/safeFile';

function aQuestion(id: string, text = 'Does Globex need SSO at launch?'): Question {
  return {
    id,
    createdAt: '2026-11-27T10:00:00.000Z',
    text,
    ticket: { key: 'ACME-42', title: 'Export invoices to PDF' },
    deals: [{ id: 'D-1001', customer: 'Globex LLC', owner: { name: 'Anna Petrova', email: 'anna.petrova@example.com' } }],
    branch: 'feature/ACME-42-export-pdf',
    repository: 'shop',
    author: { name: 'Dana Dev', email: 'dana@example.com' },
  };
}

describe('local inbox (.vscode/customer-context.questions.jsonl)', () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-inbox-'))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('appends one line per question with the contract fields', async () => {
    const file = path.join(dir, '.vscode', 'customer-context.questions.jsonl');
    await appendToInbox(file, toInboxLine(aQuestion('q1')));
    await appendToInbox(file, toInboxLine(aQuestion('q2', 'line\nbreak "quoted"')));
    const lines = (await fs.readFile(file, 'utf8')).split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '');
    const first = JSON.parse(lines[0]);
    assert.deepEqual(Object.keys(first).slice(0, 9), ['id', 'createdAt', 'ticket', 'title', 'deals', 'to', 'question', 'branch', 'repository']);
    assert.deepEqual([first.ticket, first.deals, first.to, first.author], ['ACME-42', ['D-1001'], ['anna.petrova@example.com'], 'Dana Dev <dana@example.com>']);
    assert.equal(JSON.parse(lines[1]).question, 'line\nbreak "quoted"');
  });

  it('never writes the same question twice (a retried delivery)', async () => {
    const file = path.join(dir, 'q.jsonl');
    await appendToInbox(file, toInboxLine(aQuestion('same')));
    await appendToInbox(file, toInboxLine(aQuestion('same')));
    assert.equal((await readInbox(file)).entries.length, 1);
  });

  it('completes a last line that another tool left without a newline, and skips unreadable lines', async () => {
    const file = path.join(dir, 'q.jsonl');
    await fs.writeFile(file, '{"id":"old","ticket":"ACME-1","question":"?"}\nnot json\n{"id":"x","ticket":"ACME-1","question":"q","answer":"Yes, by March."}');
    await appendToInbox(file, toInboxLine(aQuestion('new')));
    const { entries, badLines } = await readInbox(file);
    assert.deepEqual(entries.map((e) => e.id), ['old', 'x', 'new']);
    assert.deepEqual(badLines, [2]);
    assert.deepEqual(entries[1].answer, { text: 'Yes, by March.', by: undefined, at: undefined });
  });

  it('keeps every line when two processes append at once', async () => {
    const file = path.join(dir, 'q.jsonl');
    const script = path.join(dir, 'writer.js');
    // Each child appends 20 questions through the real module.
    const modulePath = require.resolve('../../../src/core/providers/local/inbox');
    // Compiled tests load compiled JS; under tsx the child needs the TypeScript loader too.
    const loader = modulePath.endsWith('.ts') ? `require(${JSON.stringify(require.resolve('tsx/cjs'))});` : '';
    await fs.writeFile(script, `${loader}
      const { appendToInbox } = require(${JSON.stringify(modulePath)});
      (async () => { for (let i = 0; i < 20; i++) await appendToInbox(process.argv[2], { id: process.argv[3] + i, createdAt: '', ticket: 'ACME-1', deals: [], to: [], question: 'q', author: 'a' }); })();`);
    const run = (tag: string) => new Promise<number>((resolve) => fork(script, [file, tag], { cwd: process.cwd() }).on('exit', (c) => resolve(c ?? 1)));
    assert.deepEqual(await Promise.all([run('a'), run('b')]), [0, 0]);
    const { entries, badLines } = await readInbox(file);
    assert.equal(entries.length, 40);
    assert.deepEqual(badLines, []);
  });

  it('fails with the OS error when the folder cannot be written, leaving nothing behind', async () => {
    // A file where the .vscode folder should be: unwritable for root too (chmod is not, in CI).
    const blocker = path.join(dir, '.vscode');
    await fs.writeFile(blocker, 'not a folder');
    await assert.rejects(appendToInbox(path.join(blocker, 'q.jsonl'), toInboxLine(aQuestion('q'))), /EEXIST|ENOTDIR/);
    assert.equal(await fs.readFile(blocker, 'utf8'), 'not a folder');
    assert.deepEqual(await fs.readdir(dir), ['.vscode']);
  });

  it('refuses empty questions and questions with nobody to send them to', () => {
    const deals = aQuestion('x').deals;
    assert.equal(questionProblem('  ', deals, ['crm']), 'Type a question first.');
    assert.equal(questionProblem('Why?', [], ['crm']), 'This ticket has no linked deal, so there is no sales owner to ask.');
    assert.equal(questionProblem('Why?', [{ id: 'd', customer: 'c' }], ['email']), 'None of the linked deals has a sales owner to send the question to.');
    assert.equal(questionProblem('Why?', deals, []), 'No route is configured: set customerContext.questions.routes (e.g. ["crm"]).');
    assert.equal(questionProblem('Why?', deals, ['crm']), undefined);
  });

  describe('in a hostile repository', () => {
    let repo: string;
    let home: string;
    let secret: string;
    let inbox: string;
    const secretText = '{"id":"their-line","ticket":"X-1","question":"private"}\n';

    beforeEach(async () => {
      repo = path.join(dir, 'repo');
      home = path.join(dir, 'home');
      await fs.mkdir(path.join(repo, '.vscode'), { recursive: true });
      await fs.mkdir(home);
      secret = path.join(home, 'notes.jsonl');
      await fs.writeFile(secret, secretText);
      inbox = path.join(repo, '.vscode', 'customer-context.questions.jsonl');
    });

    const refusal = async (body: Promise<unknown>, reason: SafeFileError['reason']): Promise<SafeFileError> => {
      const e = await body.then(() => undefined, (err: unknown) => err);
      assert.ok(e instanceof SafeFileError, `expected a SafeFileError, got ${String(e)}`);
      assert.equal(e.reason, reason, e.message);
      return e;
    };

    it('refuses a symlinked inbox: the outside file is untouched and the link is not replaced by a copy', async () => {
      await fs.symlink(secret, inbox);
      const e = await refusal(appendToInbox(inbox, toInboxLine(aQuestion('q1')), repo), 'symlink');
      assert.equal(
        e.message,
        '.vscode/customer-context.questions.jsonl is a symbolic link; Customer Context does not follow links in the workspace. Replace it with a regular file.',
      );
      assert.equal(await fs.readFile(secret, 'utf8'), secretText);
      assert.ok((await fs.lstat(inbox)).isSymbolicLink());
      assert.equal(await fs.readlink(inbox), secret);
      assert.deepEqual((await fs.readdir(path.join(repo, '.vscode'))).sort(), ['customer-context.questions.jsonl']);
      await refusal(readInbox(inbox, repo), 'symlink');
    });

    it('refuses the symlink with the default root too (callers that pass no folder)', async () => {
      await fs.symlink(secret, inbox);
      await refusal(appendToInbox(inbox, toInboxLine(aQuestion('q1'))), 'symlink');
      assert.equal(await fs.readFile(secret, 'utf8'), secretText);
    });

    it('refuses an inbox whose .vscode folder links outside the workspace, writing nothing there', async () => {
      await fs.rm(path.join(repo, '.vscode'), { recursive: true });
      await fs.symlink(home, path.join(repo, '.vscode'));
      const e = await refusal(appendToInbox(inbox, toInboxLine(aQuestion('q1')), repo), 'outside');
      assert.match(e.message, /through a linked folder/);
      assert.deepEqual(await fs.readdir(home), ['notes.jsonl']);
      assert.equal(await fs.readFile(secret, 'utf8'), secretText);
    });

    it('refuses an inbox path that leaves the workspace through ..', async () => {
      await refusal(appendToInbox(path.join(repo, '..', 'home', 'notes.jsonl'), toInboxLine(aQuestion('q1')), repo), 'outside');
      assert.equal(await fs.readFile(secret, 'utf8'), secretText);
    });

    it('refuses an inbox over 10 MB, naming the cap, and leaves it as it was', async () => {
      await fs.writeFile(inbox, Buffer.alloc(FileCaps.inbox + 1, 0x20));
      const e = await refusal(appendToInbox(inbox, toInboxLine(aQuestion('q1')), repo), 'tooLarge');
      assert.match(e.message, /^\.vscode\/customer-context\.questions\.jsonl is larger than 10 MB, the limit for the local inbox;/);
      assert.equal((await fs.stat(inbox)).size, FileCaps.inbox + 1);
      await refusal(readInbox(inbox, repo), 'tooLarge');
    });

    it('refuses a FIFO inbox at once instead of blocking', async function () {
      try {
        execFileSync('mkfifo', [inbox], { stdio: 'ignore' });
      } catch (err) {
        console.log(`      (skipped: mkfifo unavailable: ${(err as Error).message})`);
        return this.skip();
      }
      const start = performance.now();
      await refusal(appendToInbox(inbox, toInboxLine(aQuestion('q1')), repo), 'notRegular');
      await refusal(readInbox(inbox, repo), 'notRegular');
      const ms = performance.now() - start;
      console.log(`      FIFO inbox refused (append + read) in ${ms.toFixed(2)} ms`);
      assert.ok(ms < 1000);
    });
  });

  describe('localInboxSender (the crm route of the local CRM)', () => {
    let repo: string;
    let inbox: string;
    const asked = (id: string): Question => ({ ...aQuestion(id), localInbox: inbox, folder: repo });

    beforeEach(async () => {
      repo = path.join(dir, 'repo');
      await fs.mkdir(repo);
      inbox = path.join(repo, '.vscode', 'customer-context.questions.jsonl');
    });

    it('sends once, finds the question again and reads the answer sales added', async () => {
      const sender = localInboxSender();
      assert.deepEqual(await sender.send(asked('q1')), { remoteId: 'q1' });
      assert.deepEqual(await sender.send(asked('q1')), { remoteId: 'q1' });
      assert.equal((await readInbox(inbox)).entries.length, 1);
      assert.deepEqual(await sender.reconcile!(asked('q1')), { remoteId: 'q1' });
      assert.equal(await sender.reconcile!(asked('q2')), undefined);
      assert.equal(await sender.answer!(asked('q1'), {}), undefined);
      const line = JSON.parse((await fs.readFile(inbox, 'utf8')).trim());
      await fs.writeFile(inbox, `${JSON.stringify({ ...line, answer: { text: 'Yes, by March.', by: 'Anna', at: '2026-11-28T09:00:00.000Z' } })}\n`);
      assert.deepEqual(await sender.answer!(asked('q1'), {}), { text: 'Yes, by March.', by: 'Anna', at: '2026-11-28T09:00:00.000Z' });
    });

    it('says "not configured" for a question without an inbox', async () => {
      await assert.rejects(localInboxSender().send(aQuestion('q1')), (e: unknown) => e instanceof ProviderError && e.kind === 'notConfigured');
    });

    it('keeps a refused question in the outbox as Failed with the reason, and sends it after the fix and a Retry', async () => {
      const secret = path.join(dir, 'outside.jsonl');
      await fs.writeFile(secret, 'outside\n');
      await fs.mkdir(path.dirname(inbox));
      await fs.symlink(secret, inbox);
      const outbox = new Outbox(path.join(dir, 'outbox'), { owner: 'test' });
      const senders = { crm: localInboxSender() };
      const q = asked('q-link');
      await outbox.enqueue(q, ['crm']);
      await outbox.process(senders);

      const failed = await outbox.get(q.id);
      assert.ok(failed);
      assert.equal(questionState(failed), 'Failed');
      assert.equal(failed.routes.crm?.state, 'failed');
      assert.match(failed.routes.crm?.lastError ?? '', /^\.vscode\/customer-context\.questions\.jsonl is a symbolic link;/);
      assert.equal(await fs.readFile(secret, 'utf8'), 'outside\n');
      assert.ok((await fs.lstat(inbox)).isSymbolicLink());

      await fs.rm(inbox);
      await outbox.retry(q.id);
      await outbox.process(senders);
      const sent = await outbox.get(q.id);
      assert.equal(sent && questionState(sent), 'Sent');
      assert.deepEqual((await readInbox(inbox, repo)).entries.map((e) => e.id), ['q-link']);
      assert.equal(await fs.readFile(secret, 'utf8'), 'outside\n');
    });

    it('names the file when the folder cannot be written (OS errors stay in the message)', async () => {
      const blocker = path.join(repo, '.vscode');
      await fs.writeFile(blocker, 'not a folder');
      await assert.rejects(localInboxSender().send(asked('q1')), (e: unknown) => {
        assert.ok(e instanceof ProviderError && e.kind === 'invalidData');
        assert.match(e.message, /^Cannot write customer-context\.questions\.jsonl: .*(EEXIST|ENOTDIR)/);
        return true;
      });
      assert.equal(await fs.readFile(blocker, 'utf8'), 'not a folder');
    });
  });
});
