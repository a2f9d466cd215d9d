import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendToInbox, readInbox, toInboxLine } from '../../../src/core/questions/localInbox';
import type { Question } from '../../../src/core/questions/question';
import { questionProblem } from '../../../src/core/questions/question';

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
    const modulePath = require.resolve('../../../src/core/questions/localInbox');
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
});
