import * as assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProviderError } from '../../../src/core/errors';
import {
  Outbox,
  OutboxWriteError,
  questionState,
  type OutboxEntry,
  type RemoteRef,
  type RouteSender,
} from '../../../src/core/questions/outbox';
import { questionMarker } from '../../../src/core/questions/messages';
import type { Question } from '../../../src/core/questions/question';
import { slackSender } from '../../../src/core/providers/slack/sender';
import { axiosTransport } from '../../../src/vscode/axiosTransport';
import { SlackFake } from '../../fakes/slack';
import { aQuestion, manualClock } from './fixtures';

/** What the scripted sender does on its next send. */
type Step = 'ok' | ProviderError | { deliverThen: ProviderError };

/** A sender over an in-memory "remote"; it can deliver and still fail (cut after sending). */
function scripted(
  steps: Step[] = [],
  opts: { reconcile?: boolean; onSend?: (q: Question) => Promise<void> | void } = {},
) {
  const remote: string[] = [];
  const calls = { send: 0, reconcile: 0 };
  const sender: RouteSender = {
    async send(q) {
      calls.send++;
      await opts.onSend?.(q);
      const step = steps.shift() ?? 'ok';
      if (step === 'ok') {
        remote.push(q.id);
        return { remoteId: `r-${remote.length}` };
      }
      if (step instanceof ProviderError) throw step;
      remote.push(q.id);
      throw step.deliverThen;
    },
  };
  if (opts.reconcile !== false) {
    sender.reconcile = async (q): Promise<RemoteRef | undefined> => {
      calls.reconcile++;
      const i = remote.indexOf(q.id);
      return i >= 0 ? { remoteId: `r-${i + 1}` } : undefined;
    };
  }
  return { sender, remote, calls };
}

const offline = () =>
  new ProviderError('offline', 'Slack: the connection was cut before the answer was complete.');
const server = () =>
  new ProviderError('server', 'HubSpot: HTTP 502 — Bad Gateway.', { status: 502 });

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'cc-outbox-'));
}

const isTs = __filename.endsWith('.ts');
function child(args: string[]): ChildProcess {
  const file = path.join(__dirname, `outboxChild${isTs ? '.ts' : '.js'}`);
  return fork(file, args, {
    execArgv: isTs ? ['--require', 'tsx/cjs'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function nextMessage(p: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    p.once('message', (m) => resolve(m as Record<string, unknown>));
    p.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

describe('Outbox', () => {
  let dir: string;
  let clock: ReturnType<typeof manualClock>;
  let outbox: Outbox;
  const open = (owner = 'window-A', extra: Partial<ConstructorParameters<typeof Outbox>[1]> = {}) =>
    new Outbox(dir, { owner, now: clock.now, random: () => 0.5, ...extra });

  beforeEach(async () => {
    dir = path.join(await tempDir(), 'outbox');
    clock = manualClock();
    outbox = open();
  });

  afterEach(async () => {
    await fs.rm(path.dirname(dir), { recursive: true, force: true });
  });

  describe('questionState', () => {
    const entry = (
      routes: OutboxEntry['routes'],
      extra: Partial<OutboxEntry> = {},
    ): OutboxEntry => ({
      version: 1,
      question: aQuestion(),
      routes,
      ...extra,
    });

    it('is Answered once there is an answer, whatever the routes say', () => {
      assert.equal(
        questionState(
          entry({ crm: { state: 'failed', attempts: 1 } }, { answer: { text: 'yes', at: 'x' } }),
        ),
        'Answered',
      );
    });

    it('is Failed when any route failed or needs a token', () => {
      assert.equal(
        questionState(
          entry({ crm: { state: 'sent', attempts: 1 }, slack: { state: 'failed', attempts: 1 } }),
        ),
        'Failed',
      );
      assert.equal(questionState(entry({ crm: { state: 'needsAuth', attempts: 1 } })), 'Failed');
    });

    it('is Sent only when every route is sent, Queued otherwise', () => {
      assert.equal(
        questionState(
          entry({ crm: { state: 'sent', attempts: 1 }, slack: { state: 'sent', attempts: 2 } }),
        ),
        'Sent',
      );
      for (const s of ['queued', 'sending', 'unknown'] as const) {
        assert.equal(
          questionState(
            entry({ crm: { state: 'sent', attempts: 1 }, slack: { state: s, attempts: 1 } }),
          ),
          'Queued',
        );
      }
    });
  });

  describe('enqueue', () => {
    it('writes the entry to disk before resolving, every route queued, file private', async () => {
      const q = aQuestion();
      const e = await outbox.enqueue(q, ['crm', 'slack', 'crm']);
      const file = path.join(dir, `${q.id}.json`);
      const onDisk = JSON.parse(await fs.readFile(file, 'utf8')) as OutboxEntry;
      assert.deepEqual(onDisk, e);
      assert.deepEqual(Object.keys(onDisk.routes), ['crm', 'slack']);
      assert.equal(onDisk.routes.crm?.state, 'queued');
      if (process.platform !== 'win32') assert.equal((await fs.stat(file)).mode & 0o077, 0);
      assert.deepEqual(
        (await fs.readdir(dir)).filter((n) => n.endsWith('.tmp')),
        [],
      );
    });

    it('is on disk, marked sending, at the moment the sender is called', async () => {
      const q = aQuestion();
      let seen: OutboxEntry | undefined;
      const { sender } = scripted([], {
        onSend: async (x) => {
          seen = JSON.parse(
            await fs.readFile(path.join(dir, `${x.id}.json`), 'utf8'),
          ) as OutboxEntry;
        },
      });
      await outbox.enqueue(q, ['crm']);
      await outbox.process({ crm: sender });
      assert.equal(seen?.routes.crm?.state, 'sending');
      assert.equal(seen?.routes.crm?.mayHaveBeenSent, true);
      assert.equal((await outbox.get(q.id))?.routes.crm?.state, 'sent');
    });

    it('refuses an unusable id or no route, and a second enqueue of the same question', async () => {
      await assert.rejects(
        outbox.enqueue(aQuestion({ id: '../../etc/passwd' }), ['crm']),
        /not a usable question id/,
      );
      await assert.rejects(outbox.enqueue(aQuestion(), []), /no route/);
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      await assert.rejects(outbox.enqueue(q, ['crm']), /already queued/);
    });

    it('throws a clear OutboxWriteError when the directory cannot be written', async function () {
      if (process.platform === 'win32') this.skip();
      let target = dir;
      let restore = async () => undefined as unknown;
      if (process.getuid?.() === 0) {
        // Root ignores permission bits; /sys refuses new directories even to root.
        if (process.platform !== 'linux') this.skip();
        target = '/sys/cc-outbox-test/outbox';
      } else {
        await fs.mkdir(dir, { recursive: true });
        await fs.chmod(dir, 0o500);
        restore = () => fs.chmod(dir, 0o700);
      }
      try {
        const ob = new Outbox(target, { owner: 'w', now: clock.now });
        await assert.rejects(ob.enqueue(aQuestion(), ['crm']), (e: unknown) => {
          assert.ok(e instanceof OutboxWriteError);
          assert.ok(['EACCES', 'EPERM'].includes(e.code), e.code);
          assert.match(e.message, /could not be saved.*no permission.*Your text is kept/);
          return true;
        });
      } finally {
        await restore();
      }
    });

    it('throws OutboxWriteError (not a crash) when the directory cannot exist at all', async () => {
      await fs.mkdir(path.dirname(dir), { recursive: true });
      await fs.writeFile(dir, 'a file where the directory should be');
      await assert.rejects(
        outbox.enqueue(aQuestion(), ['crm']),
        (e: unknown) => e instanceof OutboxWriteError && /could not be saved/.test(e.message),
      );
    });
  });

  describe('sending and transitions', () => {
    it('sends each due route once and records remote ids', async () => {
      const crm = scripted();
      const slack = scripted();
      const q = aQuestion();
      await outbox.enqueue(q, ['crm', 'slack']);
      await outbox.process({ crm: crm.sender, slack: slack.sender });
      await outbox.process({ crm: crm.sender, slack: slack.sender });
      const e = await outbox.get(q.id);
      assert.equal(crm.calls.send + slack.calls.send, 2);
      assert.equal(e?.routes.crm?.state, 'sent');
      assert.equal(e?.routes.crm?.remoteId, 'r-1');
      assert.equal(e?.routes.crm?.sentAt, new Date(clock.now()).toISOString());
      assert.equal(questionState(e!), 'Sent');
    });

    it('leaves routes without a sender (and email) queued, and nextDueAt ignores them', async () => {
      const q = aQuestion();
      await outbox.enqueue(q, ['email', 'teams']);
      await outbox.process({ slack: scripted().sender });
      assert.equal((await outbox.get(q.id))?.routes.teams?.state, 'queued');
      assert.equal(await outbox.nextDueAt({ slack: scripted().sender }), undefined);
      assert.equal(
        await outbox.nextDueAt(),
        clock.now(),
        'teams is due now for a window that can send it',
      );
      await outbox.markSent(q.id, 'email');
      assert.equal((await outbox.get(q.id))?.routes.email?.state, 'sent');
    });

    it('400/403/404 → failed with the vendor message; Retry makes it due again', async () => {
      const bad = new ProviderError(
        'badRequest',
        'Jira: HTTP 400 — comment: Comment body is not valid!',
        { status: 400 },
      );
      const { sender, calls } = scripted([bad, 'ok']);
      const q = aQuestion();
      await outbox.enqueue(q, ['ticketComment']);
      await outbox.process({ ticketComment: sender });
      let e = await outbox.get(q.id);
      assert.equal(e?.routes.ticketComment?.state, 'failed');
      assert.match(e?.routes.ticketComment?.lastError ?? '', /Comment body is not valid/);
      assert.equal(questionState(e!), 'Failed');
      await outbox.process({ ticketComment: sender });
      assert.equal(calls.send, 1, 'a failed route is not retried by itself');
      await outbox.retry(q.id);
      await outbox.process({ ticketComment: sender });
      e = await outbox.get(q.id);
      assert.equal(e?.routes.ticketComment?.state, 'sent');
      assert.equal(calls.send, 2);
    });

    it('429 → queued until retryAt, then sent', async () => {
      const retryAt = clock.now() + 30_000;
      const { sender, calls } = scripted([
        new ProviderError('rateLimited', 'Slack: too many messages.', { retryAt }),
      ]);
      const q = aQuestion();
      await outbox.enqueue(q, ['slack']);
      await outbox.process({ slack: sender });
      const e = await outbox.get(q.id);
      assert.equal(e?.routes.slack?.state, 'queued');
      assert.equal(e?.routes.slack?.nextAttemptAt, retryAt);
      assert.equal(await outbox.nextDueAt(), retryAt);
      clock.advance(29_999);
      await outbox.process({ slack: sender });
      assert.equal(calls.send, 1);
      clock.advance(1);
      await outbox.process({ slack: sender });
      assert.equal(calls.send, 2);
      assert.equal((await outbox.get(q.id))?.routes.slack?.state, 'sent');
    });

    it('offline/5xx → unknown with exponential backoff (2 s … capped at 15 min), jittered', async () => {
      const fails = Array.from({ length: 12 }, () => offline());
      const { sender } = scripted(fails, { reconcile: false });
      const q = aQuestion();
      await outbox.enqueue(q, ['slack']);
      const delays: number[] = [];
      for (let i = 0; i < 12; i++) {
        await outbox.process({ slack: sender });
        const s = (await outbox.get(q.id))!.routes.slack!;
        assert.equal(s.state, 'unknown');
        delays.push(s.nextAttemptAt! - clock.now());
        clock.set(s.nextAttemptAt!);
      }
      // random() = 0.5 → three quarters of each step: 1.5 s, 3 s, 6 s … then 15 min × 0.75.
      assert.deepEqual(delays.slice(0, 4), [1500, 3000, 6000, 12000]);
      assert.equal(delays[11], 675_000);
      assert.ok(delays.every((d) => d <= 15 * 60_000));
    });

    it('jitter stays between half and the whole step', async () => {
      for (const r of [0, 0.999]) {
        const ob = open(`w-${r}`, { random: () => r });
        const { sender } = scripted([server()], { reconcile: false });
        const q = aQuestion();
        await ob.enqueue(q, ['crm']);
        await ob.process({ crm: sender });
        const d = (await ob.get(q.id))!.routes.crm!.nextAttemptAt! - clock.now();
        assert.ok(d >= 1000 && d <= 2000, String(d));
      }
    });

    it('the backoff survives a restart: a new Outbox on the same directory waits for nextAttemptAt', async () => {
      const { sender } = scripted([offline()], { reconcile: false });
      const q = aQuestion();
      await outbox.enqueue(q, ['slack']);
      await outbox.process({ slack: sender });
      const due = (await outbox.get(q.id))!.routes.slack!.nextAttemptAt!;

      const after = scripted();
      const restarted = open('window-after-restart');
      assert.equal(await restarted.nextDueAt(), due);
      await restarted.process({ slack: after.sender });
      assert.equal(after.calls.send, 0, 'not before nextAttemptAt');
      clock.set(due);
      await restarted.process({ slack: after.sender });
      assert.equal(after.calls.send, 1);
      assert.equal((await restarted.get(q.id))?.routes.slack?.state, 'sent');
    });

    it('401 → needsAuth, parked until resumeAuth, then sent', async () => {
      const { sender, calls } = scripted([
        new ProviderError('auth', 'HubSpot: HTTP 401 — Unauthorized. Set a new API token.'),
      ]);
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      await outbox.process({ crm: sender });
      assert.equal((await outbox.get(q.id))?.routes.crm?.state, 'needsAuth');
      assert.equal(questionState((await outbox.get(q.id))!), 'Failed');
      clock.advance(24 * 3600_000);
      await outbox.process({ crm: sender });
      assert.equal(calls.send, 1, 'parked: no attempt without a new token');
      assert.equal(await outbox.nextDueAt(), undefined);
      assert.equal(await outbox.resumeAuth('crm'), 1);
      await outbox.process({ crm: sender });
      assert.equal(calls.send, 2);
      assert.equal((await outbox.get(q.id))?.routes.crm?.state, 'sent');
    });

    it('ambiguous failure after delivery → unknown → reconcile finds it → no duplicate', async () => {
      const { sender, remote, calls } = scripted([{ deliverThen: offline() }]);
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      await outbox.process({ crm: sender });
      assert.equal((await outbox.get(q.id))?.routes.crm?.state, 'unknown');
      clock.advance(60_000);
      await outbox.process({ crm: sender });
      assert.deepEqual(remote, [q.id], 'delivered exactly once');
      assert.equal(calls.send, 1);
      assert.equal(calls.reconcile, 1);
      const s = (await outbox.get(q.id))?.routes.crm;
      assert.equal(s?.state, 'sent');
      assert.equal(s?.remoteId, 'r-1');
      assert.equal(s?.mayHaveBeenSent, undefined);
    });

    it('ambiguous failure before delivery → reconcile finds nothing → sent once', async () => {
      const { sender, remote, calls } = scripted([server()]);
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      await outbox.process({ crm: sender });
      clock.advance(60_000);
      await outbox.process({ crm: sender });
      assert.deepEqual(remote, [q.id]);
      assert.deepEqual(calls, { send: 2, reconcile: 1 });
    });

    it('without reconcile (webhooks) an ambiguous failure is resent: at-least-once', async () => {
      const { sender, remote } = scripted([{ deliverThen: offline() }], { reconcile: false });
      const q = aQuestion();
      await outbox.enqueue(q, ['slack']);
      await outbox.process({ slack: sender });
      clock.advance(60_000);
      await outbox.process({ slack: sender });
      assert.deepEqual(remote, [q.id, q.id]);
      assert.equal((await outbox.get(q.id))?.routes.slack?.state, 'sent');
    });

    it('uncertainty survives a 401 in between: after resumeAuth it still reconciles first', async () => {
      const { sender, remote, calls } = scripted([{ deliverThen: offline() }]);
      const reconcile = sender.reconcile!;
      let authFails = 1;
      sender.reconcile = async (q) => {
        if (authFails-- > 0) throw new ProviderError('auth', 'HubSpot: HTTP 401.');
        return reconcile(q);
      };
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      await outbox.process({ crm: sender });
      clock.advance(60_000);
      await outbox.process({ crm: sender });
      assert.equal((await outbox.get(q.id))?.routes.crm?.state, 'needsAuth');
      await outbox.resumeAuth('crm');
      assert.equal((await outbox.get(q.id))?.routes.crm?.state, 'unknown');
      await outbox.process({ crm: sender });
      assert.deepEqual(remote, [q.id]);
      assert.equal(calls.send, 1);
    });

    it('a cancelled send (window closing) is retried promptly and reconciled', async () => {
      const { sender, remote } = scripted([
        { deliverThen: new ProviderError('cancelled', 'cancelled') },
      ]);
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      await outbox.process({ crm: sender });
      const s = (await outbox.get(q.id))!.routes.crm!;
      assert.equal(s.state, 'unknown');
      assert.equal(s.nextAttemptAt, clock.now());
      await outbox.process({ crm: sender });
      assert.deepEqual(remote, [q.id]);
    });

    it('a sender that throws something other than ProviderError fails the route, not the pass', async () => {
      const broken: RouteSender = {
        send: async () => {
          throw new TypeError('boom');
        },
      };
      const good = scripted();
      const q1 = aQuestion({ createdAt: '2026-10-01T09:00:00.000Z' });
      const q2 = aQuestion({ createdAt: '2026-10-01T09:01:00.000Z' });
      await outbox.enqueue(q1, ['crm', 'slack']);
      await outbox.enqueue(q2, ['slack']);
      await outbox.process({ crm: broken, slack: good.sender });
      assert.equal((await outbox.get(q1.id))?.routes.crm?.state, 'failed');
      assert.match((await outbox.get(q1.id))?.routes.crm?.lastError ?? '', /boom/);
      assert.deepEqual(good.remote, [q1.id, q2.id]);
    });

    it('discard stops sending; the entry stays, flagged, for every window to hide', async () => {
      const { sender, calls } = scripted();
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      await outbox.discard(q.id);
      await outbox.process({ crm: sender });
      assert.equal(calls.send, 0);
      assert.equal((await outbox.get(q.id))?.discarded, true);
      assert.equal(await outbox.nextDueAt(), undefined);
    });

    it('stores the first answer, remembers the notification, and tells listeners', async () => {
      const q = aQuestion();
      const changed: string[] = [];
      const sub = outbox.onDidChange((id) => changed.push(id));
      await outbox.enqueue(q, ['crm']);
      await outbox.setAnswer(q.id, {
        text: 'Yes, SSO is a must.',
        by: 'Anna',
        at: '2026-10-02T10:00:00Z',
      });
      await outbox.setAnswer(q.id, { text: 'later', at: '2026-10-03T10:00:00Z' });
      await outbox.markAnswerNotified(q.id);
      const e = await outbox.get(q.id);
      assert.equal(e?.answer?.text, 'Yes, SSO is a must.');
      assert.equal(e?.answerNotified, true);
      assert.equal(questionState(e!), 'Answered');
      assert.deepEqual(changed, [q.id, q.id, q.id, q.id]);
      sub.dispose();
      await outbox.discard(q.id);
      assert.equal(changed.length, 4);
    });

    it('checkAnswers asks sent routes that can read answers', async () => {
      const q = aQuestion();
      const { sender } = scripted();
      sender.answer = async (_q, remote) =>
        remote.remoteId === 'r-1' ? { text: 'Q1 is fine', by: 'Anna', at: 'now' } : undefined;
      await outbox.enqueue(q, ['crm']);
      await outbox.checkAnswers({ crm: sender });
      assert.equal((await outbox.get(q.id))?.answer, undefined, 'not sent yet: nothing to ask');
      await outbox.process({ crm: sender });
      await outbox.checkAnswers({ crm: sender });
      assert.equal((await outbox.get(q.id))?.answer?.text, 'Q1 is fine');
    });

    it('checkAnswers leaves questions older than 30 days alone', async () => {
      const q = aQuestion({ createdAt: new Date(clock.now() - 31 * 86_400_000).toISOString() });
      let asked = 0;
      const { sender } = scripted();
      sender.answer = async () => {
        asked++;
        return { text: 'late', at: 'now' };
      };
      await outbox.enqueue(q, ['crm']);
      await outbox.process({ crm: sender });
      await outbox.checkAnswers({ crm: sender });
      assert.equal(asked, 0);
    });

    it('coalesces concurrent process() calls within one window', async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const { sender, remote } = scripted([], {
        onSend: async () => {
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await new Promise((r) => setTimeout(r, 20));
          inFlight--;
        },
      });
      const qs = [aQuestion(), aQuestion(), aQuestion()];
      for (const q of qs) await outbox.enqueue(q, ['crm']);
      await Promise.all([
        outbox.process({ crm: sender }),
        outbox.process({ crm: sender }),
        outbox.process({ crm: sender }),
      ]);
      assert.equal(maxInFlight, 1);
      assert.equal(remote.length, 3);
    });
  });

  describe('damaged files', () => {
    it('quarantines truncated, empty and mis-shaped files into corrupt/ and keeps working', async () => {
      const good = aQuestion();
      await outbox.enqueue(good, ['crm']);
      await fs.writeFile(path.join(dir, 'truncated.json'), '{"version":1,"question":{"id":"trunc');
      await fs.writeFile(path.join(dir, 'empty.json'), '');
      await fs.writeFile(
        path.join(dir, 'shape.json'),
        JSON.stringify({ version: 1, question: { id: 'shape' }, routes: {} }),
      );
      const { entries, corrupt } = await outbox.list();
      assert.deepEqual(
        entries.map((e) => e.question.id),
        [good.id],
      );
      assert.equal(corrupt.length, 3);
      assert.ok(corrupt.every((f) => f.startsWith(path.join(dir, 'corrupt'))));
      assert.deepEqual(
        (await fs.readdir(dir)).filter((n) => n.endsWith('.json')),
        [`${good.id}.json`],
      );
      // No crash loop: the next pass sends the good one and leaves the quarantine alone.
      const { sender } = scripted();
      await outbox.process({ crm: sender });
      assert.equal((await outbox.get(good.id))?.routes.crm?.state, 'sent');
      assert.equal((await outbox.list()).corrupt.length, 3);
    });

    it('quarantines a file whose name does not match its question id', async () => {
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      await fs.rename(path.join(dir, `${q.id}.json`), path.join(dir, 'someone-else.json'));
      assert.equal((await outbox.list()).entries.length, 0);
    });

    it('leaves an entry from a newer version alone (another window runs a newer extension)', async () => {
      await fs.mkdir(dir, { recursive: true });
      const file = path.join(dir, 'future.json');
      await fs.writeFile(file, JSON.stringify({ version: 2, anything: true }));
      const { entries, corrupt } = await outbox.list();
      assert.equal(entries.length, 0);
      assert.equal(corrupt.length, 0);
      await fs.access(file);
    });

    it('removes leftover .tmp files of crashed writes, but not young ones (a write in progress)', async () => {
      await fs.mkdir(dir, { recursive: true });
      const old = path.join(dir, 'x.json.abc123.tmp');
      const young = path.join(dir, 'y.json.def456.tmp');
      await fs.writeFile(old, '{"partial":');
      await fs.writeFile(young, '{"partial":');
      const past = new Date(Date.now() - 5 * 60_000);
      await fs.utimes(old, past, past);
      await outbox.process({});
      const names = await fs.readdir(dir);
      assert.ok(!names.includes('x.json.abc123.tmp'));
      assert.ok(names.includes('y.json.def456.tmp'));
    });

    it('a process killed in the middle of rewrites leaves the old or the new entry, never a torn one', async function () {
      this.timeout(20_000);
      const q = aQuestion({ text: 'x'.repeat(4000) });
      await outbox.enqueue(q, ['crm', 'slack', 'teams']);
      for (let round = 0; round < 5; round++) {
        const p = child(['churn', dir, q.id]);
        await nextMessage(p);
        await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 40)));
        p.kill('SIGKILL');
        await new Promise((r) => p.once('exit', r));
        const text = await fs.readFile(path.join(dir, `${q.id}.json`), 'utf8');
        assert.equal((JSON.parse(text) as OutboxEntry).question.id, q.id);
        assert.equal((await outbox.list()).corrupt.length, 0);
        // The killed writer may have left its lock: the next update waits for nothing longer than
        // its process being gone.
        await outbox.retry(q.id);
      }
    });
  });

  describe('several windows', () => {
    it('two Outbox instances with different owners racing send each question exactly once', async () => {
      const delivered: string[] = [];
      const slow = (): RouteSender => ({
        async send(q) {
          await new Promise((r) => setTimeout(r, 5));
          delivered.push(q.id);
          return {};
        },
      });
      const qs = Array.from({ length: 10 }, (_, i) =>
        aQuestion({ createdAt: `2026-10-01T09:${String(i).padStart(2, '0')}:00.000Z` }),
      );
      for (const q of qs) await outbox.enqueue(q, ['slack']);
      const other = open('window-B');
      await Promise.all([
        outbox.process({ slack: slow() }),
        other.process({ slack: slow() }),
        outbox.process({ slack: slow() }),
      ]);
      // Whatever one window skipped because the other held its lease, a later pass picks up.
      await Promise.all([outbox.process({ slack: slow() }), other.process({ slack: slow() })]);
      assert.deepEqual([...delivered].sort(), qs.map((q) => q.id).sort());
    });

    it('two processes (child_process.fork) send each question exactly once, counted at a fake Slack', async function () {
      this.timeout(30_000);
      const slack = new SlackFake();
      await slack.start();
      try {
        // A slow webhook widens the window in which both processes could pick the same question.
        slack.inject({ type: 'delay', ms: 30 }, 1000);
        const realDir = dir;
        const writer = new Outbox(realDir, { owner: 'parent' });
        const qs = Array.from({ length: 12 }, () => aQuestion());
        for (const q of qs) await writer.enqueue(q, ['slack']);
        const kids = [
          child(['send', realDir, slack.webhookUrl]),
          child(['send', realDir, slack.webhookUrl]),
        ];
        await new Promise((r) => setTimeout(r, 1500)); // both loaded and waiting
        const done = kids.map((k) => nextMessage(k));
        for (const k of kids) k.send('go');
        const results = await Promise.all(done);
        assert.deepEqual(results, [{ done: true }, { done: true }]);
        const counts = new Map<string, number>();
        for (const m of slack.posted) {
          const id = /cc-question:([0-9a-f-]{36})/.exec(JSON.stringify(m))?.[1] ?? '?';
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        for (const q of qs) {
          const state = (await writer.get(q.id))?.routes.slack?.state;
          // A question one process skipped (the other held the lease) is sent by the other, never
          // twice.
          assert.ok((counts.get(q.id) ?? 0) <= 1, `${q.id} posted ${counts.get(q.id)} times`);
          if (state === 'sent') assert.equal(counts.get(q.id), 1);
        }
        assert.equal(slack.posted.length, qs.filter((q) => counts.get(q.id) === 1).length);
        const left = await writer.nextDueAt();
        if (left !== undefined) {
          // Contention made both skip some: a final pass from this process completes them, still
          // once.
          await writer.process({
            slack: slackSender({ webhookUrl: slack.webhookUrl, transport: axiosTransport() }),
          });
        }
        assert.equal(slack.posted.length, qs.length);
        assert.equal(
          new Set(
            slack.posted.map((m) => JSON.stringify(m).match(/cc-question:[0-9a-f-]{36}/)?.[0]),
          ).size,
          qs.length,
        );
      } finally {
        await slack.stop();
      }
    });

    it('does not touch a question another live window is sending', async () => {
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      await fs.writeFile(
        path.join(dir, `${q.id}.lease`),
        JSON.stringify({
          owner: 'window-B',
          pid: process.pid,
          host: os.hostname(),
          token: 't',
          expiresAt: clock.now() + 60_000,
        }),
      );
      const { sender, calls } = scripted();
      await outbox.process({ crm: sender });
      assert.equal(calls.send, 0);
    });

    it('takes over after the holder crashed: when its lease expires (clock), mid-send state reconciled', async () => {
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      // Window B marked the route sending, posted it, and died before writing the result.
      const file = path.join(dir, `${q.id}.json`);
      const e = JSON.parse(await fs.readFile(file, 'utf8')) as OutboxEntry;
      e.routes.crm = { state: 'sending', attempts: 1, mayHaveBeenSent: true };
      await fs.writeFile(file, JSON.stringify(e));
      const expiresAt = clock.now() + 300_000;
      await fs.writeFile(
        path.join(dir, `${q.id}.lease`),
        JSON.stringify({
          owner: 'window-B',
          pid: process.pid,
          host: os.hostname(),
          token: 'b',
          expiresAt,
        }),
      );
      const { sender, remote, calls } = scripted();
      remote.push(q.id); // B's post did arrive
      assert.equal(
        await outbox.nextDueAt(),
        expiresAt,
        'this window plans to look again at the expiry',
      );
      await outbox.process({ crm: sender });
      assert.equal(calls.reconcile + calls.send, 0, 'lease still valid');
      clock.set(expiresAt + 1);
      await outbox.process({ crm: sender });
      assert.deepEqual(calls, { send: 0, reconcile: 1 });
      assert.equal((await outbox.get(q.id))?.routes.crm?.state, 'sent');
      assert.deepEqual(
        (await fs.readdir(dir)).filter((n) => n.endsWith('.lease')),
        [],
      );
    });

    it('takes over at once when the holder process is gone (same host, dead pid)', async () => {
      const dead = spawn(process.execPath, ['-e', '']);
      const pid = dead.pid!;
      await new Promise((r) => dead.once('exit', r));
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      await fs.writeFile(
        path.join(dir, `${q.id}.lease`),
        JSON.stringify({
          owner: 'window-B',
          pid,
          host: os.hostname(),
          token: 'b',
          expiresAt: clock.now() + 300_000,
        }),
      );
      const { sender, remote } = scripted();
      await outbox.process({ crm: sender });
      assert.deepEqual(remote, [q.id]);
    });

    it('a lease from another host counts until it expires (its pid means nothing here)', async () => {
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      await fs.writeFile(
        path.join(dir, `${q.id}.lease`),
        JSON.stringify({
          owner: 'window-B',
          pid: 999_999_999,
          host: 'other-host',
          token: 'b',
          expiresAt: clock.now() + 1000,
        }),
      );
      const { sender, calls } = scripted();
      await outbox.process({ crm: sender });
      assert.equal(calls.send, 0);
      clock.advance(1001);
      await outbox.process({ crm: sender });
      assert.equal(calls.send, 1);
    });

    it('an empty lease file (crash between create and write) is taken over once it is old', async () => {
      const q = aQuestion();
      await outbox.enqueue(q, ['crm']);
      const lease = path.join(dir, `${q.id}.lease`);
      await fs.writeFile(lease, '');
      const { sender, calls } = scripted();
      await outbox.process({ crm: sender });
      assert.equal(calls.send, 0, 'young: maybe being written');
      const past = new Date(Date.now() - 60_000);
      await fs.utimes(lease, past, past);
      await outbox.process({ crm: sender });
      assert.equal(calls.send, 1);
    });

    it('a retry in one window while another sends does not lose the send result', async () => {
      const q = aQuestion();
      await outbox.enqueue(q, ['crm', 'slack']);
      const other = open('window-B');
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const slow = scripted([], { onSend: () => gate });
      const failing = scripted([new ProviderError('badRequest', 'nope')]);
      const sending = outbox.process({ crm: slow.sender, slack: failing.sender });
      await new Promise((r) => setTimeout(r, 50));
      await other.setAnswer(q.id, { text: 'meanwhile', at: 'now' });
      release();
      await sending;
      const e = await outbox.get(q.id);
      assert.equal(e?.routes.crm?.state, 'sent');
      assert.equal(e?.routes.slack?.state, 'failed');
      assert.equal(e?.answer?.text, 'meanwhile');
    });
  });

  it('marker helper used by reconcile is the documented one', () => {
    assert.equal(questionMarker('abc'), 'cc-question:abc');
  });
});
