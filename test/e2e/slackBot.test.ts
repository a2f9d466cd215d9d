// End-to-end tests of issue #12 ("answers from chat"): the packaged .vsix in code-server (VS Code 1.100),
// driven in Chromium, with the Slack bot route against the fake Slack Web API (test/fakes/slackApi.ts)
// and the Teams Workflows webhook fake on 127.0.0.1:
//   1. a question goes as a DM to the deal owner (Slack member id from the data file's contacts), a
//      reply in its thread by that person comes back: Answered, with one notification that carries
//      neither a link nor the reply;
//   2. a send cut after Slack stored the message is reconciled (found by its marker), not posted twice;
//   3. *Set API Token…* accepts Teams Workflows webhook URLs (Power Automate hosts) in its input box,
//      and the URL it stores is the one the Teams route posts to.
// Measured figures are printed as `[figure] …` lines and written to test-results/slackBot-figures.json.
//
//   npm run package && npm run setup:code-server && \
//     npx mocha --no-config --require tsx/cjs --timeout 120000 test/e2e/slackBot.test.ts
//   (or: node scripts/testE2e.mjs --skip-package --suite=slackBot)
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, type Locator, type Page, chromium } from 'playwright-core';
import { FakeSlackApi } from '../fakes/slackApi';
import { TeamsFake } from '../fakes/teams';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser';
import { figureLog, recordNotifications, saveExtensionLog, seenNotifications, sleep, until, workbench } from './workbench';
import { type CodeServer, createSampleWorkspace, findVsix, repoRoot, startCodeServer } from './codeServer';

const root = repoRoot();
const resultsDir = path.join(root, 'test-results');
const screenshotDir = path.join(resultsDir, 'screenshots');
/** The data file's owner of the first ACME-42 deal (Globex LLC) and her Slack member id. */
const OWNER = { name: 'Anna Petrova', slack: 'U024BE7LH' };
const RUN = Date.now().toString(36);
const VERBOSE = !!process.env.CC_E2E_VERBOSE;
/** Workflows webhook URLs as Power Automate hands them out (hosts only matter; nothing is sent there). */
const WORKFLOW_URLS = [
  'https://prod-27.westeurope.logic.azure.com:443/workflows/4f0e7d2c9b1a4e3f8a6b5c4d3e2f1a0b/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zx9fAkeSig0123456789abcdefABCDEF',
  'https://default0f3c9a1b2c3d4e5f6a7b8c9d0e1f2a.3b.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/4f0e7d2c9b1a4e3f8a6b5c4d3e2f1a0b/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zx9fAkeSig0123456789',
  'https://prod-12.westus.flow.powerautomate.com/workflows/4f0e7d2c9b1a4e3f8a6b5c4d3e2f1a0b/triggers/manual/paths/invoke?api-version=1&sig=Zx9fAkeSig0123456789',
];

const figures = figureLog(path.join(resultsDir, 'slackBot-figures.json'));
const figure = figures.figure;

describe('Slack bot route and Teams Workflows webhooks in the real VS Code (code-server + fakes, issue #12)', function () {
  this.timeout(120_000);

  let tmp: string;
  let workspace: string;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  let slack: FakeSlackApi;
  let teams: TeamsFake;

  const wb = workbench(() => page);
  const { sidebarText, openSidebar, refresh, statusShows, askSales, formStatus, questionShows } = wb;

  /** Writes the workspace's .vscode/settings.json (VS Code applies it live). */
  function configure(routes: string[]): void {
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'),
      JSON.stringify({ 'customerContext.questions.routes': routes }, null, 2));
  }

  /** The question's outbox file (written by the extension before it sends). */
  function outboxEntry(text: string): { question: { id: string }; routes: Record<string, { state: string; remoteId?: string }> } | undefined {
    const storage = path.join(server.userDataDir, 'User', 'globalStorage');
    const dir = fs.readdirSync(storage).find((d) => d.endsWith('.customer-context'));
    assert.ok(dir, `no customer-context folder in ${storage}`);
    const outbox = path.join(storage, dir, 'outbox');
    for (const f of fs.readdirSync(outbox).filter((n) => n.endsWith('.json'))) {
      try {
        const e = JSON.parse(fs.readFileSync(path.join(outbox, f), 'utf8'));
        if (e.question?.text === text) return e;
      } catch {
        /* being replaced */
      }
    }
    return undefined;
  }

  /** Messages the bot posted (top level) that carry `text`, anywhere in the workspace. */
  const botMessagesWith = (text: string) => slack.botMessages().filter((m) => JSON.stringify(m).includes(text));
  /** chat.postMessage calls that carried `text`, accepted or not. */
  const postsWith = (text: string) => slack.calls('chat.postMessage').filter((r) => r.rawBody.includes(text));

  /** The answer toasts of ACME-42 on screen. */
  const answerToasts = (): Locator => wb.toasts().filter({ hasText: /Sales answered your question on ACME-42/ });

  before(async function () {
    this.timeout(180_000);
    fs.mkdirSync(screenshotDir, { recursive: true });
    slack = new FakeSlackApi();
    teams = new TeamsFake();
    await Promise.all([slack.start(), teams.start()]);

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-slackbot-'));
    // The data file's tracker and CRM (ACME-42: Globex LLC owned by Anna Petrova, Slack U024BE7LH).
    workspace = createSampleWorkspace(path.join(tmp, 'workspace'), root);
    configure(['slack']);
    server = await startCodeServer({
      tmpDir: tmp,
      vsix: findVsix(root),
      logFile: path.join(resultsDir, 'slackBot', 'code-server.log'),
      settings: { 'customerContext.slack.apiUrl': slack.url },
      env: { CUSTOMER_CONTEXT_SLACK_TOKEN: slack.token, CUSTOMER_CONTEXT_SLACK_URL: slack.url },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await recordNotifications(page);
    const t0 = Date.now();
    await page.goto(server.folderUrl(workspace));
    await page.locator('.statusbar').waitFor({ timeout: 60_000 });
    await statusShows(/ACME-42 · Globex LLC/, 60_000);
    await openSidebar();
    figure('page open → sidebar (data file, Slack bot route)', `${Date.now() - t0} ms`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await page.screenshot({ path: path.join(screenshotDir, `slackBot-failed-${name}.png`) }).catch(() => undefined);
      console.log(`      sidebar at failure:\n${(await sidebarText()).replace(/^/gm, '        | ')}`);
      if (server) saveExtensionLog(server.userDataDir, path.join(resultsDir, 'slackBot', `extension-${name}.log`));
    }
  });

  after(async function () {
    this.timeout(30_000);
    figures.write();
    if (server) saveExtensionLog(server.userDataDir, path.join(resultsDir, 'slackBot', 'extension.log'));
    await browser?.close();
    await server?.stop();
    await Promise.all([slack, teams].map((f) => f?.stop().catch(() => undefined)));
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  // -------------------------------------------------------------------------------------------------------

  it('1. a question goes as a DM to the deal owner; her reply in the thread shows Answered with one notification, which carries no link and no reply', async () => {
    const question = `DM ${RUN}: does Globex need the PDF export before the renewal, or is CSV enough?`;
    const reply = `Reply ${RUN}: CSV is enough until December — <https://crm.example.com/deals/1001|the deal> says so.`;
    const t0 = await askSales(question);
    assert.match(await formStatus(), /^Sent to /);
    const sent = await questionShows(question, 'Sent', [/Slack/]);
    figure('Send to sales → question shows Sent (Slack DM)', `${Date.now() - t0} ms`);
    if (VERBOSE) console.log(sent.text.replace(/^/gm, '        | '));

    // A DM opened for the owner's member id (from the data file's contacts), then one message there.
    const opens = slack.calls('conversations.open');
    assert.equal(opens.length, 1, `conversations.open calls: ${opens.length}`);
    assert.deepEqual(opens[0].body, { users: OWNER.slack });
    const dm = slack.dmWith(OWNER.slack);
    assert.ok(dm, 'no DM with the owner');
    const posts = postsWith(question);
    assert.equal(posts.length, 1, `chat.postMessage calls with the question: ${posts.length}`);
    assert.equal((posts[0].body as { channel?: string }).channel, dm.id, 'not posted to the DM');
    const entry = outboxEntry(question);
    assert.ok(entry, 'the question is not in the outbox');
    const marker = `cc-question:${entry.question.id}`;
    const [msg, ...more] = botMessagesWith(marker);
    assert.equal(more.length, 0, 'the question is in Slack more than once');
    assert.equal(entry.routes.slack?.remoteId, `${dm.id}:${msg.ts}`, 'the outbox does not keep channel:ts');
    const blocks = msg.blocks as Array<{ type: string; text?: { text: string } }>;
    assert.equal(blocks[0].type, 'header');
    assert.equal(blocks[0].text?.text, 'Question on ACME-42');
    assert.ok(JSON.stringify(msg).includes(question), 'the DM lacks the question text');
    figure('Slack Web API calls for one question', slack.requests.map((r) => r.path.replace('/api/', '')).join(', '));

    // The owner answers in the thread (another user than the bot); the person presses Refresh.
    slack.reply(dm.id, msg.ts, OWNER.slack, reply);
    const t1 = Date.now();
    await refresh();
    const answered = await questionShows(question, 'Answered', ['CSV is enough until December', 'the deal (https://crm.example.com/deals/1001)']);
    figure('reply in the thread + Refresh → question shows Answered', `${Date.now() - t1} ms`);
    assert.match(answered.text, /Аня Петрова/, `the answer is not attributed to the Slack display name:\n${answered.text}`);
    assert.ok(slack.calls('conversations.replies').length >= 1, 'the thread was never read');

    // One notification: it says there is an answer and where to read it; no link, no part of the reply.
    await answerToasts().first().waitFor({ timeout: 10_000 });
    assert.equal(await answerToasts().count(), 1);
    const toastText = await answerToasts().first().locator('.notification-list-item-message').innerText();
    assert.equal(await answerToasts().first().locator('.notification-list-item-message a').count(), 0, 'a link in the notification');
    for (const part of ['CSV', 'December', 'crm.example.com', 'Аня', RUN]) {
      assert.ok(!toastText.includes(part), `the notification carries "${part}": ${toastText}`);
    }
    figure('answer notification', `"${toastText}"`);
    // Cleared, then answers are read again: the same answer is not announced a second time.
    await wb.runCommand('Notifications: Clear All Notifications');
    await until(async () => (await wb.toasts().count()) === 0, 5_000, () => 'toasts still shown after Clear All');
    await refresh();
    await sleep(3_000);
    assert.equal(await answerToasts().count(), 0, 'the answer was announced again');
    const seen = await seenNotifications(page);
    const answers = seen.filter((n) => /Sales answered/.test(n.text));
    assert.equal(answers.length, 1, `answer notifications rendered: ${JSON.stringify(answers)}`);
    assert.equal(answers[0].anchors, 0);
    assert.equal(seen.length, 1, `notifications since page load: ${JSON.stringify(seen)}`);
    figure('notifications rendered since page load', seen.map((n) => `"${n.text}" (${n.anchors} links)`).join('; '));
  });

  it('2. a send cut after Slack stored the message is reconciled by its marker, not posted twice', async () => {
    const question = `Cut ${RUN}: is the December close date for Globex firm?`;
    // Slack stores the message; the answer to chat.postMessage is cut halfway.
    slack.cutAfterStore('chat.postMessage');
    const historyBefore = slack.calls('conversations.history').length;
    const t0 = await askSales(question);
    const form = await formStatus();
    figure('form status after the cut send', form);
    const during = (await wb.questionItem(question).innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
    figure('the question in the sidebar while its outcome is unknown', during);
    const sent = await questionShows(question, 'Sent', [/Slack/], 45_000);
    figure('cut send → question shows Sent (reconciled)', `${Date.now() - t0} ms`);
    if (VERBOSE) console.log(sent.text.replace(/^/gm, '        | '));
    await sleep(3_000); // a resend would follow within the next backoff step
    const entry = outboxEntry(question);
    assert.ok(entry);
    const marker = `cc-question:${entry.question.id}`;
    assert.equal(botMessagesWith(marker).length, 1, `messages with the marker in Slack: ${botMessagesWith(marker).length}`);
    assert.equal(postsWith(question).length, 1, 'chat.postMessage was sent again instead of a reconcile');
    assert.ok(slack.calls('conversations.history').length > historyBefore, 'no reconcile (conversations.history) after the cut');
    const dm = slack.dmWith(OWNER.slack)!;
    assert.equal(entry.routes.slack?.remoteId, `${dm.id}:${botMessagesWith(marker)[0].ts}`, 'the outbox keeps another message');
    figure('Slack messages carrying the cut question', `${botMessagesWith(marker).length} (chat.postMessage ${postsWith(question).length}, conversations.history ${slack.calls('conversations.history').length - historyBefore})`);
  });

  it('3. Set API Token… accepts Teams Workflows webhook URLs (logic.azure.com, powerplatform.com, powerautomate.com); the stored URL is the one the Teams route posts to', async () => {
    const input = page.locator('.quick-input-widget input.input');
    const message = page.locator('.quick-input-widget .quick-input-message');
    const openTeamsBox = async () => {
      await wb.runCommand('Customer Context: Set API Token…');
      await wb.pick(/^Teams webhook/);
      await input.waitFor({ state: 'visible', timeout: 10_000 });
    };
    /** Types `url` into the box as a person does and returns the validation message shown under it. */
    const typed = async (url: string): Promise<string> => {
      await input.fill('');
      await input.pressSequentially(url.slice(0, 12));
      await input.fill(url);
      await sleep(400);
      return (await message.innerText().catch(() => '')).trim();
    };

    await openTeamsBox();
    const refused = await typed('https://hooks.example.com/workflows/abc/triggers/manual/paths/invoke?sig=x');
    assert.match(refused, /Expected a Teams Workflows \(Power Automate\) webhook URL/, `no validation message: "${refused}"`);
    figure('Set API Token… (Teams webhook), a non-Workflows host', `"${refused}"`);
    for (const url of WORKFLOW_URLS) {
      const shown = await typed(url);
      const host = new URL(url).hostname;
      // No validation message: the box shows its own prompt again.
      assert.match(shown, /^The webhook URL is a secret/, `${host}: validation message "${shown}"`);
      figure(`Set API Token… (Teams webhook), ${host.replace(/^[^.]+\./, '*.')}`, 'accepted (no validation message)');
    }
    await input.press('Enter');
    await wb.toasts().filter({ hasText: 'Teams webhook saved.' }).first().waitFor({ timeout: 10_000 });
    await wb.runCommand('Notifications: Clear All Notifications');
    await until(async () => (await wb.toasts().count()) === 0, 5_000, () => 'toasts still shown after Clear All');

    // The URL stored through the box is what the sender uses: store the local fake's, and ask.
    await openTeamsBox();
    const local = await typed(teams.webhookUrl);
    assert.match(local, /^The webhook URL is a secret/, `the loopback URL of the fake is refused: "${local}"`);
    await input.press('Enter');
    await wb.toasts().filter({ hasText: 'Teams webhook saved.' }).first().waitFor({ timeout: 10_000 });
    configure(['slack', 'teams']);
    await sleep(1_500); // VS Code applies the workspace file
    const question = `Teams ${RUN}: may the PDF footer show the Globex logo?`;
    await askSales(question);
    await questionShows(question, 'Sent', [/Slack, Teams|Teams/], 30_000);
    const cards = teams.posted.filter((b) => JSON.stringify(b).includes(question));
    assert.equal(cards.length, 1, `Teams cards with the question: ${cards.length}`);
    assert.equal((cards[0] as { type?: string }).type, 'message');
    figure('Teams card posted through the URL stored by Set API Token…', `${cards.length} (${teams.requests.length} POST to ${teams.flowPath})`);
  });
});
