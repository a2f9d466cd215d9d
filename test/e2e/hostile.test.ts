// End-to-end tests of issue #9 ("safe in a hostile repository and against hostile data"): the packaged
// .vsix in code-server (VS Code 1.100), driven in Chromium. What a person sees, what the vendor fakes
// receive, and what lands on disk:
//   1. Restricted Mode: a folder never trusted, whose .vscode/settings.json picks Jira + HubSpot, a cache
//      TTL of 0 and remote question routes, sends nothing for a minute of branch switches and Refresh
//      clicks, shows the data file's context and says why remote data is off; Ask sales does not send.
//   2. Command links planted in a customer, owner or ticket title, an answer and deal/ticket URLs never
//      become links in any notification (every notification rendered is recorded from page load on).
//   3. A symlinked data file is refused and nothing behind it shown; a symlinked local inbox is never
//      written through or replaced, and the question stays listed as Failed with the reason.
//
//   npm run package && npm run setup:code-server && \
//     npx mocha --no-config --require tsx/cjs --timeout 120000 test/e2e/hostile.test.ts
//   (or: node scripts/testE2e.mjs --skip-package --suite=hostile)
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page, chromium } from 'playwright-core';
import { RestrictedNotice } from '../../src/core/settings';
import type { FakeServer } from '../fakes/fakeServer';
import { type FakeHubspot, startFakeHubspot } from '../fakes/hubspot';
import { type FakeJira, startFakeJira } from '../fakes/jira';
import { SlackFake } from '../fakes/slack';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser';
import { figureLog, recordNotifications, saveExtensionLog, seenNotifications, sleep, workbench } from './workbench';
import { type CodeServer, createSampleWorkspace, findVsix, repoRoot, startCodeServer } from './codeServer';

const root = repoRoot();
const resultsDir = path.join(root, 'test-results');
const screenshotDir = path.join(resultsDir, 'screenshots');
const START_BRANCH = 'feature/ACME-42-export-pdf';
const DATA_TITLE_42 = 'Export invoices to PDF';
/** What the Jira fake would answer for ACME-42: seeing it would mean a request got through. */
const JIRA_TITLE_42 = 'Invoices: PDF export for enterprise tenants (from Jira)';
/** How long Restricted Mode is watched (the issue: "sends nothing for a minute"). */
const WATCH_MS = 60_000;
/** What the form says in Restricted Mode (RestrictedAsk in src/vscode/questionService.ts, which imports vscode). */
const RESTRICTED_ASK = 'Questions are not sent from a folder in Restricted Mode. Trust the workspace to send.';
const RUN = Date.now().toString(36);

/** The planted links: a Markdown command link that types into a terminal, and a command autolink. */
const MD_LINK = '[see spec](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22echo%20pwned%5Cn%22%7D)';
const AUTOLINK = '<command:workbench.action.files.newUntitledFile>';
const ANSWER = '[click](command:workbench.action.files.newUntitledFile)';
/** Pieces of the planted data; none may reach a notification, whatever the wrapping. */
const DATA_MARKERS = ['see spec', 'sendSequence', 'pwned', 'newUntitledFile', 'click', 'javascript', 'Globex', 'Initech', 'Anna', 'Bob'];

const figures = figureLog(path.join(resultsDir, 'hostile-figures.json'));
const figure = figures.figure;
const VERBOSE = !!process.env.CC_E2E_VERBOSE;

/** Waits until `cond` holds (polled every 100 ms); fails with `what()` after `timeout`. */
async function until(cond: () => boolean | Promise<boolean>, timeout: number, what: () => string | Promise<string>): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - t0;
    if (Date.now() - t0 > timeout) assert.fail(await what());
    await sleep(100);
  }
}

/** Runs git in `cwd` as a person would in a terminal; waits out the Git extension's index.lock. */
function git(cwd: string, ...args: string[]): string {
  for (let attempt = 1; ; attempt++) {
    try {
      return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const stderr = String((e as { stderr?: unknown }).stderr ?? '');
      if (attempt >= 10 || !/index\.lock/.test(stderr)) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

/** The page, its code-server and the checks every part of this suite shares. */
function harness(name: string) {
  const h = {
    server: undefined as unknown as CodeServer,
    browser: undefined as unknown as Browser,
    context: undefined as unknown as BrowserContext,
    page: undefined as unknown as Page,
    tmp: '',
  };
  const wb = workbench(() => h.page);

  async function screenshot(label: string): Promise<string> {
    const file = path.join(screenshotDir, `hostile-${label}.png`);
    await h.page.screenshot({ path: file });
    return path.relative(root, file);
  }

  /** Waits until the status bar entry shows `text`; returns its text. */
  async function statusShows(text: RegExp, timeout = 20_000): Promise<string> {
    await wb.statusItem().filter({ hasText: text }).waitFor({ state: 'visible', timeout }).catch(async () => {
      assert.fail(`the status bar never showed ${text}; it shows "${await wb.statusItem().innerText().catch(() => '?')}"`);
    });
    return wb.statusItem().innerText();
  }

  /** Waits until the sidebar's text has every `expected`, none of `absent`, and is not loading. */
  async function sidebarShows(expected: Array<string | RegExp>, opts: { absent?: Array<string | RegExp>; timeout?: number } = {}): Promise<string> {
    const has = (text: string, e: string | RegExp) => (typeof e === 'string' ? text.includes(e) : e.test(text));
    const t0 = Date.now();
    for (;;) {
      const text = await wb.sidebarText();
      const settled = !text.includes('Loading…') && !text.includes('Refreshing…');
      if (settled && expected.every((e) => has(text, e)) && !(opts.absent ?? []).some((e) => has(text, e))) {
        if (VERBOSE) console.log(text.replace(/\n+/g, '\n').replace(/^/gm, '        | '));
        return text;
      }
      if (Date.now() - t0 > (opts.timeout ?? 20_000)) {
        const missing = expected.filter((e) => !has(text, e)).map(String);
        const present = [...(opts.absent ?? []), 'Loading…', 'Refreshing…'].filter((e) => has(text, e)).map(String);
        assert.fail(`the sidebar lacks [${missing.join(', ')}]${present.length ? ` and still shows [${present.join(', ')}]` : ''}:\n${text}`);
      }
      await sleep(100);
    }
  }

  /** The question's entry in the sidebar's Questions list. */
  const questionItem = (text: string): Locator =>
    wb.sidebar().getByRole('list', { name: 'Questions' }).getByRole('listitem').filter({ hasText: text });

  /** Opens the form, types `text` and presses Send to sales, as a person does. */
  async function typeAndSend(text: string): Promise<void> {
    await wb.openSidebar();
    const view = wb.sidebar();
    const box = view.getByLabel('Question', { exact: true });
    if (!(await box.isVisible())) await view.getByRole('button', { name: 'Ask sales' }).click();
    await box.fill(text);
    await view.getByRole('button', { name: 'Send to sales' }).click();
  }

  /** The form's answer to Send (its status line), once it is no longer "Sending…". */
  async function formStatus(timeout = 20_000): Promise<string> {
    const status = wb.sidebar().locator('.ask [role="status"]');
    let last = '';
    await until(async () => {
      last = (await status.innerText({ timeout: 1_000 }).catch(() => '')).trim();
      return !!last && last !== 'Sending…';
    }, timeout, () => `the form status is "${last}"`);
    return last;
  }

  /** The outbox files the extension wrote under its global storage (none when it never saved one). */
  function outboxTexts(): string[] {
    const storage = path.join(h.server.userDataDir, 'User', 'globalStorage');
    const dir = fs.existsSync(storage) ? fs.readdirSync(storage).find((d) => d.endsWith('.customer-context')) : undefined;
    const outbox = dir ? path.join(storage, dir, 'outbox') : undefined;
    if (!outbox || !fs.existsSync(outbox)) return [];
    return fs.readdirSync(outbox).filter((f) => f.endsWith('.json')).map((f) => fs.readFileSync(path.join(outbox, f), 'utf8'));
  }

  type StartOptions = { trust?: 'prompt'; settings?: Record<string, unknown>; env?: NodeJS.ProcessEnv };
  let started: StartOptions = {};

  async function start(opts: StartOptions): Promise<void> {
    started = opts;
    h.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `cc-hostile-${name}-`));
    h.server = await startCodeServer({
      tmpDir: h.tmp,
      vsix: findVsix(root),
      logFile: path.join(resultsDir, 'hostile', `code-server-${name}.log`),
      trust: opts.trust,
      settings: opts.settings,
      env: opts.env,
    });
    h.browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    // Clipboard access, so Copy Customer Summary can succeed and its Markdown be read back.
    h.context = await h.browser.newContext({ viewport: { width: 1280, height: 1000 }, permissions: ['clipboard-read', 'clipboard-write'] });
    h.page = await h.context.newPage();
    await recordNotifications(h.page);
  }

  /**
   * Restarts code-server on the same user data and extensions with more user settings: code-server
   * does not apply a rewritten user settings.json to a running window (tried: nothing changed in 5 s).
   */
  async function restart(settings: Record<string, unknown>): Promise<void> {
    if (h.server) saveExtensionLog(h.server.userDataDir, path.join(resultsDir, 'hostile', `extension-${name}-before-restart.log`));
    await h.server.stop();
    started = { ...started, settings: { ...started.settings, ...settings } };
    h.server = await startCodeServer({
      tmpDir: h.tmp,
      vsix: false,
      logFile: path.join(resultsDir, 'hostile', `code-server-${name}-restart.log`),
      trust: started.trust,
      settings: started.settings,
      env: started.env,
    });
  }

  /** Opens `folder` in the workbench and waits for our status bar entry. */
  async function open(folder: string): Promise<number> {
    const t0 = Date.now();
    await h.page.goto(h.server.folderUrl(folder));
    await h.page.locator('.statusbar').waitFor({ timeout: 60_000 });
    await wb.statusItem().waitFor({ timeout: 60_000 });
    return Date.now() - t0;
  }

  async function failed(test: Mocha.Test | undefined): Promise<void> {
    if (test?.state !== 'failed' || !h.page) return;
    const label = `${name}-failed-${test.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`;
    await screenshot(label).catch(() => undefined);
    console.log(`      sidebar at failure:\n${(await wb.sidebarText()).replace(/^/gm, '        | ')}`);
    if (h.server) saveExtensionLog(h.server.userDataDir, path.join(resultsDir, 'hostile', `extension-${label}.log`));
  }

  async function stop(): Promise<void> {
    if (h.server) saveExtensionLog(h.server.userDataDir, path.join(resultsDir, 'hostile', `extension-${name}.log`));
    await h.browser?.close();
    await h.server?.stop();
    if (h.tmp) fs.rmSync(h.tmp, { recursive: true, force: true });
  }

  return { h, ...wb, screenshot, statusShows, sidebarShows, questionItem, typeAndSend, formStatus, outboxTexts, start, restart, open, failed, stop };
}

describe('Hostile repository and hostile data (code-server, issue #9)', function () {
  this.timeout(120_000);

  before(() => fs.mkdirSync(screenshotDir, { recursive: true }));
  after(() => figures.write());

  // -------------------------------------------------------------------------------------------------------
  describe('1. Restricted Mode: a folder never trusted, with remote-provider workspace settings', function () {
    const t = harness('restricted');
    let workspace: string;
    let jira: FakeJira;
    let hubspot: FakeHubspot;
    let slack: SlackFake;
    let fakes: Record<string, FakeServer>;
    const requestCount = () => Object.values(fakes).reduce((n, f) => n + f.requests.length, 0);
    const requestList = () =>
      Object.entries(fakes).flatMap(([n, f]) => f.requests.map((r) => `${n} ${r.method} ${r.path}`)).join(', ') || 'none';

    before(async function () {
      this.timeout(180_000);
      slack = new SlackFake();
      [jira, hubspot] = await Promise.all([
        startFakeJira({ fixtures: false }),
        startFakeHubspot({ dealProperties: ['jira_issue_key'] }),
        slack.start(),
      ]);
      fakes = { Jira: jira, HubSpot: hubspot, Slack: slack };
      // The fakes know ACME-42 and its deal, so a request that slipped through would change what is shown.
      const anna = hubspot.addOwner('Anna', 'Petrova', 'anna.petrova@example.com');
      const deal = hubspot.addDeal({
        dealname: 'Remote only – deal', amount: '999000', deal_currency_code: 'USD', pipeline: 'default',
        dealstage: 'contractsent', closedate: '2026-12-15T00:00:00.000Z', hubspot_owner_id: anna, jira_issue_key: 'ACME-42',
      }, [hubspot.addCompany('Remote Only Corp', undefined, 'remote.example')]);
      for (const [id, key] of [['10042', 'ACME-42'], ['10007', 'ACME-7'], ['10099', 'ACME-99']]) {
        jira.addIssue({
          id, key, self: `https://acme.atlassian.net/rest/api/3/issue/${id}`,
          fields: {
            summary: key === 'ACME-42' ? JIRA_TITLE_42 : `${key} (from Jira)`,
            status: { name: 'In Progress', statusCategory: { key: 'indeterminate' } },
            labels: [], comment: { comments: [], maxResults: 0, total: 0, startAt: 0 }, customfield_10050: deal,
          },
        });
      }

      const tmpWs = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-hostile-ws-'));
      workspace = createSampleWorkspace(path.join(tmpWs, 'workspace'), root);
      // The hostile repository's settings: remote services, no cache, remote question routes.
      fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({
        'customerContext.tracker': 'jira',
        'customerContext.crm': 'hubspot',
        'customerContext.cache.ttlSeconds': 0,
        'customerContext.questions.routes': ['crm', 'slack'],
        'customerContext.jira.dealField': 'customfield_10050',
        'customerContext.hubspot.ticketProperty': 'jira_issue_key',
      }, null, 2));
      // The person's own set-up: where their Jira and HubSpot are (user settings), tokens in the environment.
      await t.start({
        trust: 'prompt',
        settings: {
          'customerContext.jira.baseUrl': jira.url,
          'customerContext.jira.email': jira.email,
          'customerContext.jira.deployment': 'cloud',
          'customerContext.hubspot.apiUrl': hubspot.url,
        },
        env: {
          CUSTOMER_CONTEXT_JIRA_TOKEN: jira.token,
          CUSTOMER_CONTEXT_JIRA_URL: jira.url,
          CUSTOMER_CONTEXT_HUBSPOT_TOKEN: hubspot.token,
          CUSTOMER_CONTEXT_HUBSPOT_URL: hubspot.url,
          CUSTOMER_CONTEXT_SLACK_WEBHOOK_URL: slack.webhookUrl,
        },
      });
      figure('Restricted Mode: page open → our status bar entry', `${await t.open(workspace)} ms`);
    });

    afterEach(async function () {
      await t.failed(this.currentTest);
    });

    after(async function () {
      this.timeout(30_000);
      const wsDir = path.dirname(workspace ?? '');
      await t.stop();
      if (workspace) fs.rmSync(wsDir, { recursive: true, force: true });
      await Promise.all(Object.values(fakes ?? {}).map((f) => f.stop().catch(() => undefined)));
    });

    it('the folder opens in Restricted Mode (VS Code says so) and no modal blocks the workbench', async () => {
      const page = t.h.page;
      // VS Code's own signs: the "Restricted Mode" status bar entry and the banner above the editor.
      await page.locator('.statusbar-item').filter({ hasText: /Restricted Mode/ }).first().waitFor({ timeout: 20_000 });
      const banner = await page.locator('.part.banner').innerText({ timeout: 5_000 }).catch(() => '');
      assert.match(banner, /Restricted Mode/, `banner: ${banner}`);
      assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'a dialog covers the workbench');
      figure('Restricted Mode: VS Code banner', banner.replace(/\s+/g, ' ').trim().slice(0, 120));
    });

    it(`for ${WATCH_MS / 1000} s of branch switches and Refresh clicks: 0 requests; the data file's ACME-42 in the status bar and sidebar`, async function () {
      this.timeout(WATCH_MS + 60_000);
      await t.openSidebar();
      await t.statusShows(/ACME-42 · Globex LLC/, 30_000);
      const steps: Array<{ branch: string; status: RegExp; sidebar: string[] }> = [
        { branch: 'bugfix/ACME-7_typo', status: /ACME-7 · Umbrella Corp/, sidebar: ['ACME-7', 'Typo in the invoice footer', 'Umbrella Corp'] },
        { branch: 'ACME-99-cleanup', status: /ACME-99/, sidebar: ['ACME-99', 'Remove the legacy CSV exporter'] },
        { branch: 'main', status: /No ticket/, sidebar: [] },
        { branch: START_BRANCH, status: /ACME-42 · Globex LLC/, sidebar: ['ACME-42', DATA_TITLE_42, 'Globex LLC', 'Initech'] },
      ];
      const t0 = Date.now();
      let switches = 0;
      let refreshes = 0;
      // Spread over the minute: switch, press Refresh, see the data file's answer, wait; end on ACME-42.
      for (let i = 0; ; i++) {
        const step = steps[i % steps.length];
        git(workspace, 'checkout', '-q', step.branch);
        switches++;
        await t.statusShows(step.status);
        await t.refresh();
        refreshes++;
        if (step.sidebar.length) await t.sidebarShows(step.sidebar, { absent: [JIRA_TITLE_42, 'Remote Only Corp'] });
        assert.equal(requestCount(), 0, `requests after ${switches} switches: ${requestList()}`);
        const last = i % steps.length === steps.length - 1;
        if (last && Date.now() - t0 >= WATCH_MS) break;
        await sleep(Math.max(0, Math.min(4_000, WATCH_MS - (Date.now() - t0))));
      }
      // Trailing requests (a debounce, a timer) would come within a few seconds.
      await sleep(3_000);
      const watched = (Date.now() - t0) / 1000;
      const status = await t.statusShows(/ACME-42 · Globex LLC/);
      assert.match(status, /ACME-42 · Globex LLC \+1/);
      const text = await t.sidebarShows(['ACME-42', DATA_TITLE_42, 'Globex LLC', 'Initech', 'Anna Petrova', 'Bob Martin'], { absent: [JIRA_TITLE_42, 'Remote Only Corp'] });
      assert.doesNotMatch(text, /\$999,000/);
      figure('Restricted Mode: requests to Jira, HubSpot and Slack while watched',
        `${requestCount()} requests in ${watched.toFixed(1)} s (${switches} git checkouts, ${refreshes} Refresh clicks; workspace: tracker jira, crm hubspot, cache.ttlSeconds 0, routes crm+slack)`);
      assert.equal(requestCount(), 0, `the fakes received: ${requestList()}`);
      figure('Restricted Mode: status bar after the minute', status.replace(/\s+/g, ' ').trim());
      await t.screenshot('restricted-data-file');
    });

    it('the sidebar says why remote data is off (RestrictedNotice) while the workspace settings pick Jira + HubSpot', async () => {
      await t.refresh();
      const text = await t.sidebarShows(['ACME-42', 'Globex LLC'], { timeout: 10_000 });
      assert.ok(text.includes(RestrictedNotice), `the sidebar does not show the Restricted Mode notice:\n${text}`);
    });

    it('Ask sales: the form says questions are not sent in Restricted Mode, keeps the text, and nothing is sent or saved', async () => {
      const question = `Restricted ${RUN}: is the PDF export needed before the renewal?`;
      await t.typeAndSend(question);
      assert.equal(await t.formStatus(), RESTRICTED_ASK);
      assert.equal(await t.sidebar().getByLabel('Question', { exact: true }).inputValue(), question, 'the typed question left the form');
      assert.equal(await t.questionItem(question).count(), 0, 'the question is listed as if asked');
      await sleep(2_000);
      assert.equal(requestCount(), 0, `the fakes received: ${requestList()}`);
      assert.equal(slack.posted.length, 0);
      assert.ok(!t.outboxTexts().some((s) => s.includes(question)), 'the question was saved to the outbox');
      const inbox = path.join(workspace, '.vscode', 'customer-context.questions.jsonl');
      assert.ok(!fs.existsSync(inbox) || !fs.readFileSync(inbox, 'utf8').includes(question), 'the question was written to the local inbox');
      figure('Restricted Mode: Send to sales → form status', await t.formStatus());
      await t.screenshot('restricted-ask');
    });

    it('also with Jira + HubSpot chosen in the user settings (code-server restarted): 0 requests, and the notice', async function () {
      this.timeout(90_000);
      const counted = requestCount();
      await t.restart({ 'customerContext.tracker': 'jira', 'customerContext.crm': 'hubspot' });
      const t0 = Date.now();
      await t.open(workspace);
      await t.h.page.locator('.statusbar-item').filter({ hasText: /Restricted Mode/ }).first().waitFor({ timeout: 20_000 });
      await t.statusShows(/ACME-42 · Globex LLC/, 30_000);
      for (const branch of ['bugfix/ACME-7_typo', START_BRANCH]) {
        git(workspace, 'checkout', '-q', branch);
        await t.refresh();
        await sleep(3_000);
      }
      const text = await t.sidebarShows(['ACME-42', DATA_TITLE_42, 'Globex LLC', 'Initech'], { absent: [JIRA_TITLE_42, 'Remote Only Corp'] });
      figure('Restricted Mode, remote services in the user settings too: requests',
        `${requestCount() - counted} in ${((Date.now() - t0) / 1000).toFixed(1)} s (start-up, 2 checkouts, 2 Refresh clicks)`);
      assert.equal(requestCount(), 0, `the fakes received: ${requestList()}`);
      assert.ok(text.includes(RestrictedNotice), `the sidebar does not show the Restricted Mode notice:\n${text}`);
      await t.screenshot('restricted-notice-user-settings');
    });

    it('control: trusting the folder turns remote data on (the set-up above does reach the fakes when allowed)', async function () {
      this.timeout(60_000);
      // Without this, 0 requests could mean a broken set-up (URLs, tokens, fields) rather than Restricted Mode.
      await t.runCommand('Workspaces: Manage Workspace Trust');
      const trust = t.h.page.locator('.workspace-trust-editor').getByRole('button', { name: /^Trust/ }).first();
      await trust.click({ timeout: 10_000 });
      await t.h.page.locator('.statusbar-item').filter({ hasText: /Restricted Mode/ }).waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
      const t0 = Date.now();
      await t.refresh();
      await t.sidebarShows(['ACME-42', JIRA_TITLE_42, 'Remote Only Corp'], { absent: [RestrictedNotice], timeout: 30_000 });
      figure('control, folder trusted → sidebar shows Jira + HubSpot data', `${Date.now() - t0} ms; requests: ${requestList()}`);
      assert.ok(jira.requests.length > 0 && hubspot.requests.length > 0, `the fakes received: ${requestList()}`);
    });
  });

  // -------------------------------------------------------------------------------------------------------
  describe('2–3. Trusted folder: planted command links, symlinked data file and inbox', function () {
    const t = harness('trusted');
    let wsRoot: string;

    before(async function () {
      this.timeout(180_000);
      await t.start({});
      wsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-hostile-trusted-'));
    });

    afterEach(async function () {
      await t.failed(this.currentTest);
    });

    after(async function () {
      this.timeout(30_000);
      await t.stop();
      if (wsRoot) fs.rmSync(wsRoot, { recursive: true, force: true });
    });

    /** Every visible toast: no anchor in its message, no link syntax, no planted data. */
    async function checkToasts(expected: RegExp, label: string): Promise<string> {
      const toast = t.toasts().filter({ hasText: expected }).first();
      await toast.waitFor({ state: 'visible', timeout: 15_000 }).catch(async () => {
        assert.fail(`no notification ${expected}; toasts: ${JSON.stringify(await t.toasts().allInnerTexts())}`);
      });
      await sleep(500); // the toast fades in: the screenshot should show it as a person reads it
      const shot = await t.screenshot(`toast-${label}`);
      const all = await t.toasts().all();
      for (const el of all) {
        const message = el.locator('.notification-list-item-message');
        const text = await message.innerText();
        assert.equal(await message.locator('a').count(), 0, `a link in the notification "${text}"`);
        assert.ok(!text.includes('](command:') && !text.includes('<command:'), `link syntax in the notification "${text}"`);
        for (const m of DATA_MARKERS) assert.ok(!text.includes(m), `planted data "${m}" in the notification "${text}"`);
      }
      const text = await toast.locator('.notification-list-item-message').innerText();
      figure(`notification (${label})`, `"${text}" — 0 links (${shot})`);
      await t.runCommand('Notifications: Clear All Notifications');
      await until(async () => (await t.toasts().count()) === 0, 5_000, () => 'toasts still shown after Clear All');
      return text;
    }

    it('2. command links planted in a customer, an owner, a ticket title, an answer and deal/ticket URLs never become links in a notification', async function () {
      this.timeout(150_000);
      const page = t.h.page;
      const workspace = createSampleWorkspace(path.join(wsRoot, 'links'), root);
      const dataFile = path.join(workspace, '.vscode', 'customer-context.json');
      const data = JSON.parse(fs.readFileSync(dataFile, 'utf8'));
      data.tickets['ACME-42'].title = `Export ${MD_LINK} ${AUTOLINK}`;
      data.tickets['ACME-42'].url = 'command:workbench.action.files.newUntitledFile';
      data.deals['D-1001'].customer = `Globex ${MD_LINK}`;
      data.deals['D-1001'].url = 'javascript:alert(document.domain)';
      data.deals['D-1002'].customer = `Initech ${AUTOLINK}`;
      data.deals['D-1002'].url = 'command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22echo%20pwned%5Cn%22%7D';
      data.contacts.anna.name = `Anna ${MD_LINK}`;
      data.contacts.bob.name = `Bob ${AUTOLINK}`;
      fs.writeFileSync(dataFile, JSON.stringify(data, null, 2));

      figure('trusted: page open → our status bar entry', `${await t.open(workspace)} ms`);
      await t.statusShows(/ACME-42 · Globex/, 30_000);
      await t.openSidebar();
      // The sidebar shows the planted text as text: every link in it is the page's own (href="#").
      await t.sidebarShows(['ACME-42', MD_LINK, AUTOLINK, `Globex ${MD_LINK}`, `Anna ${MD_LINK}`]);
      const hrefs = await t.sidebar().locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(hrefs.length > 0 && hrefs.every((h) => h === '#'), `sidebar links: ${JSON.stringify(hrefs)}`);
      // The status bar entry is an anchor itself (VS Code renders entries so); none may lead to planted targets.
      const statusHrefs = await t.statusItem().locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
      assert.ok(!statusHrefs.some((h) => /command:|javascript:/.test(h)), `status bar links: ${JSON.stringify(statusHrefs)}`);

      // The answer notification: a question to the data file's inbox, answered there with a command link.
      const question = `Links ${RUN}: which PDF template does Globex use?`;
      await t.typeAndSend(question);
      assert.match(await t.formStatus(), /^Sent to /);
      const inbox = path.join(workspace, '.vscode', 'customer-context.questions.jsonl');
      await until(() => fs.existsSync(inbox) && fs.readFileSync(inbox, 'utf8').includes(question), 10_000, () => 'the question is not in the inbox');
      const lines = fs.readFileSync(inbox, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const l of lines) if (l.question === question) l.answer = ANSWER;
      fs.writeFileSync(inbox, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      const answerText = await checkToasts(/Sales answered your question on ACME-42/, 'answer');
      assert.match(answerText, /^Sales answered your question on ACME-42\. Open the sidebar to read it\.$/);
      const answered = t.questionItem(question);
      await until(async () => (await answered.innerText({ timeout: 1_000 }).catch(() => '')).includes(ANSWER), 15_000, async () => `the answer is not shown: ${await answered.innerText().catch(() => '')}`);
      assert.equal(await answered.getByRole('blockquote', { name: 'Answer' }).locator('a').count(), 0, 'the answer became a link in the sidebar');

      // Copy Customer Summary: the notification, and the Markdown copied (no live link from the data).
      await t.runCommand('Customer Context: Copy Customer Summary');
      await checkToasts(/Customer summary copied as Markdown\./, 'copy-summary');
      const md = await page.evaluate<string>('navigator.clipboard.readText()').catch((e: Error) => `(clipboard not readable: ${e.message})`);
      if (VERBOSE) console.log(md.replace(/^/gm, '        | '));
      // The summary escapes Markdown (`ACME\-42`); the planted links are there as text only.
      assert.match(md, /^### ACME\\?-42: /, `clipboard: ${md}`);
      assert.doesNotMatch(md, /(^|[^\\])\]\(command:/m, `a live command link in the copied summary:\n${md}`);
      assert.doesNotMatch(md, /(^|[^\\])<command:/m, `a live command autolink in the copied summary:\n${md}`);

      // Open Deal in CRM from the sidebar (javascript: URL) and from the palette (command: URL).
      await t.openSidebar();
      await t.sidebar().getByRole('link', { name: /^Open the Globex .* deal in the CRM$/ }).click();
      await checkToasts(/did not open the deal: only https links are opened/, 'open-deal-javascript');
      await t.runCommand('Customer Context: Open Deal in CRM');
      await t.pick(/^Initech/);
      await checkToasts(/did not open the deal: only https links are opened/, 'open-deal-command');

      // Open Ticket in Browser (command: URL), from the palette and from the sidebar's ticket link.
      await t.runCommand('Customer Context: Open Ticket in Browser');
      await checkToasts(/did not open the ticket: only https links are opened/, 'open-ticket-palette');
      await t.openSidebar();
      await t.sidebar().getByRole('link', { name: 'Open ticket ACME-42 in the browser' }).click();
      await checkToasts(/did not open the ticket: only https links are opened/, 'open-ticket-sidebar');

      // Configure: its closing notification (the test calls' summary).
      await t.runCommand('Customer Context: Configure Tracker and CRM…');
      await t.pick(/^Data file/);
      await t.pick(/^Data file/);
      await checkToasts(/Customer Context is configured\./, 'configure');

      // No command ran: no untitled editor, no terminal.
      assert.equal(await page.locator('.tabs-container .tab').filter({ hasText: /Untitled/ }).count(), 0, 'an untitled editor was opened');
      assert.equal(await page.locator('.terminal-wrapper, .integrated-terminal .xterm').count(), 0, 'a terminal was opened');

      // Every notification the workbench rendered since page load, toasts that hid on their own included.
      const seen = await seenNotifications(page);
      const withLinks = seen.filter((n) => n.anchors > 0);
      figure('trusted: distinct notification messages rendered since page load', `${seen.length}, with links: ${withLinks.length}`);
      assert.deepEqual(withLinks, [], 'notifications rendered with links');
      for (const n of seen) {
        assert.ok(!n.text.includes('](command:') && !n.text.includes('<command:'), `link syntax in "${n.text}"`);
        for (const m of DATA_MARKERS) assert.ok(!n.text.includes(m), `planted data "${m}" in "${n.text}"`);
      }
      // The recorder saw each message the toasts above showed (it keeps one record per distinct text).
      for (const m of [/^Sales answered/, /^Customer summary copied/, /did not open the deal/, /did not open the ticket/, /is configured/]) {
        assert.ok(seen.some((n) => m.test(n.text)), `the recorder missed ${m}: ${JSON.stringify(seen)}`);
      }
    });

    it('3a. a data file that is a symlink to a file outside the workspace is refused; nothing behind it is shown', async function () {
      this.timeout(90_000);
      const workspace = createSampleWorkspace(path.join(wsRoot, 'symlink-data'), root);
      const dataFile = path.join(workspace, '.vscode', 'customer-context.json');
      const outside = fs.mkdtempSync(path.join(wsRoot, 'outside-'));
      const data = JSON.parse(fs.readFileSync(dataFile, 'utf8'));
      data.tickets['ACME-42'].title = 'OUTSIDE secret roadmap';
      data.deals['D-1001'].customer = 'Outside Secret Corp';
      const target = path.join(outside, 'customer-context.json');
      fs.writeFileSync(target, JSON.stringify(data, null, 2));
      fs.rmSync(dataFile);
      fs.symlinkSync(target, dataFile);

      await t.open(workspace);
      await t.openSidebar();
      const refusal = '.vscode/customer-context.json is a symbolic link; Customer Context does not follow links in the workspace. Replace it with a regular file.';
      const text = await t.sidebarShows([refusal], { absent: ['Outside Secret Corp', 'OUTSIDE secret'], timeout: 30_000 });
      const status = await t.statusItem().innerText();
      assert.doesNotMatch(status, /Outside Secret|Globex/, `status bar: ${status}`);
      assert.doesNotMatch(text, /Outside Secret|OUTSIDE secret|Globex LLC/);
      figure('symlinked data file: sidebar', text.split('\n').filter((l) => l.includes('symbolic link'))[0]?.trim() ?? '');
      figure('symlinked data file: status bar', status.replace(/\s+/g, ' ').trim());
      await t.screenshot('symlink-data-file');

      // Fixed: a regular file again, and the context is back without reopening the folder.
      fs.rmSync(dataFile);
      data.tickets['ACME-42'].title = DATA_TITLE_42;
      data.deals['D-1001'].customer = 'Globex LLC';
      fs.writeFileSync(dataFile, JSON.stringify(data, null, 2));
      await t.sidebarShows(['ACME-42', DATA_TITLE_42, 'Globex LLC'], { absent: ['symbolic link'], timeout: 20_000 }).catch(async () => {
        // The watcher may have missed the swap: what a person would do next is press Refresh.
        console.log('      (the fixed data file was not picked up by itself; pressing Refresh)');
        await t.refresh();
        await t.sidebarShows(['ACME-42', DATA_TITLE_42, 'Globex LLC'], { absent: ['symbolic link'] });
      });
    });

    it('3b. a local inbox that is a symlink to a file outside the workspace: nothing written through it, the link stays, the question shows Failed with the reason', async function () {
      this.timeout(90_000);
      // The same workspace as 3a, now with a regular data file.
      const workspace = path.join(wsRoot, 'symlink-data');
      const inbox = path.join(workspace, '.vscode', 'customer-context.questions.jsonl');
      const outside = fs.mkdtempSync(path.join(wsRoot, 'outside-inbox-'));
      const target = path.join(outside, 'secret.txt');
      const secret = 'SECRET: the production database password is hunter2\n';
      fs.writeFileSync(target, secret);
      const statBefore = fs.statSync(target);
      fs.symlinkSync(target, inbox);

      await t.statusShows(/ACME-42 · Globex LLC/);
      const question = `Symlink ${RUN}: does Initech need the PDF export?`;
      await t.typeAndSend(question);
      const formText = await t.formStatus();
      const reason = '.vscode/customer-context.questions.jsonl is a symbolic link; Customer Context does not follow links in the workspace. Replace it with a regular file.';
      assert.match(formText, /^Saved, but not sent: /, `form: ${formText}`);
      assert.ok(formText.includes('Your question is kept under Questions.'), `form: ${formText}`);
      const item = t.questionItem(question);
      let shown = '';
      await until(async () => {
        shown = await item.innerText({ timeout: 1_000 }).catch(() => '');
        return /\bFailed\b/.test(shown) && shown.includes(reason);
      }, 15_000, () => `the question does not show Failed with the reason:\n${shown || '(not listed)'}`);
      assert.ok(await item.getByRole('button', { name: 'Retry sending this question' }).isVisible(), 'no Retry: the question cannot be sent again');
      figure('symlinked inbox: form status', formText);
      figure('symlinked inbox: question in the sidebar', shown.replace(/\s+/g, ' ').trim());
      await t.screenshot('symlink-inbox');

      await sleep(1_500);
      assert.ok(fs.lstatSync(inbox).isSymbolicLink(), 'the link was replaced by a regular file');
      assert.equal(fs.readlinkSync(inbox), target, 'the link points elsewhere now');
      const after = fs.statSync(target);
      assert.equal(fs.readFileSync(target, 'utf8'), secret, 'the file outside the workspace was changed');
      assert.equal(after.mtimeMs, statBefore.mtimeMs, 'the file outside the workspace was written');
      assert.equal(after.ino, statBefore.ino);
      // Nothing from the outside file came into the workspace or the sidebar.
      for (const f of fs.readdirSync(path.join(workspace, '.vscode'))) {
        const p = path.join(workspace, '.vscode', f);
        if (fs.lstatSync(p).isFile()) assert.ok(!fs.readFileSync(p, 'utf8').includes('SECRET'), `${f} holds the outside file's content`);
      }
      assert.ok(!(await t.sidebarText()).includes('SECRET'), 'the outside file is shown in the sidebar');
      // …and the question is kept in the outbox.
      assert.ok(t.outboxTexts().some((s) => s.includes(question)), 'the question is not in the outbox');
    });
  });
});
