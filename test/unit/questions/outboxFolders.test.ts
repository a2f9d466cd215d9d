// A window sends only the questions of its own folder (their routes come from that folder's settings);
// the others wait, queued, for a window on their folder.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Outbox, type RouteSender, questionState } from '../../../src/core/questions/outbox';
import type { Question } from '../../../src/core/questions/question';
import { aQuestion } from './fixtures';

describe('outbox: senders per question', () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-outbox-folders-'))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('leaves another folder’s question queued and not due, and sends it from a window on that folder', async () => {
    const sent: string[] = [];
    const crm: RouteSender = { send: async (q) => (sent.push(q.id), { remoteId: `task-${q.id}` }) };
    const windowOn = (folder: string) => (q: Question) => (q.folder === folder ? { crm } : {});
    const outbox = new Outbox(dir, { owner: 'window-a' });
    const mine = aQuestion({ folder: '/work/a' });
    const theirs = aQuestion({ folder: '/work/b' });
    await outbox.enqueue(mine, ['crm']);
    await outbox.enqueue(theirs, ['crm']);

    await outbox.process(windowOn('/work/a'));
    assert.deepEqual(sent, [mine.id]);
    assert.equal(questionState((await outbox.get(theirs.id))!), 'Queued');
    assert.equal((await outbox.get(theirs.id))!.routes.crm?.attempts, 0, 'not even attempted');
    assert.equal(await outbox.nextDueAt(windowOn('/work/a')), undefined, 'nothing this window can send is waiting');

    await new Outbox(dir, { owner: 'window-b' }).process(windowOn('/work/b'));
    assert.deepEqual(sent, [mine.id, theirs.id]);
    assert.equal(questionState((await outbox.get(theirs.id))!), 'Sent');
  });
});
