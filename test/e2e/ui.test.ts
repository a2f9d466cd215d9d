// UI tests: the packaged .vsix installed in code-server, driven in Chromium the way a person uses it. They
// look only at what is on screen (status bar text, the sidebar's roles and names) and at files in the
// workspace, never at the extension's internals.
//
//   npm run package && npm run setup:code-server && npm run compile-tests && \
//     npx mocha --no-config --timeout 120000 out/test/e2e/ui.test.js
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser';
import { workbench } from './workbench';
import { type CodeServer, createSampleWorkspace, findVsix, repoRoot, startCodeServer } from './codeServer';

const root = repoRoot();
const resultsDir = path.join(root, 'test-results');
const screenshotDir = path.join(resultsDir, 'screenshots');
const START_BRANCH = 'feature/ACME-42-export-pdf';
// The question states the contract names; one of them must be shown as text next to each question.
const QUESTION_STATE = /\b(Queued|Sent|Failed|Answered)\b/;

const timings: Array<{ label: string; ms: number }> = [];
function timing(label: string, ms: number): void {
  timings.push({ label, ms });
  console.log(`      ⏱ ${label}: ${ms} ms`);
}

describe('Customer Context in code-server (UI)', function () {
  this.timeout(120_000);

  let tmp: string;
  let workspace: string;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;

  const git = (...args: string[]) => execFileSync('git', args, { cwd: workspace, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const dataFile = () => path.join(workspace, '.vscode', 'customer-context.json');
  const questionsFile = () => path.join(workspace, '.vscode', 'customer-context.questions.jsonl');

  const { statusItem, sidebar, openSidebar } = workbench(() => page);
  /** Waits until the status bar entry shows `text`; returns how long that took. */
  async function statusShows(text: string | RegExp, timeout = 20_000): Promise<number> {
    const t0 = Date.now();
    await statusItem().filter({ hasText: text }).waitFor({ state: 'visible', timeout });
    return Date.now() - t0;
  }

  before(async function () {
    this.timeout(180_000);
    // Screenshots from an earlier run (failures especially) must not pass for this run's.
    fs.rmSync(screenshotDir, { recursive: true, force: true });
    fs.mkdirSync(screenshotDir, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-ui-'));
    workspace = createSampleWorkspace(path.join(tmp, 'workspace'), root);
    server = await startCodeServer({
      tmpDir: tmp,
      vsix: findVsix(root),
      logFile: path.join(resultsDir, 'ui', 'code-server.log'),
      settings: { 'workbench.colorTheme': 'Default Dark Modern' },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    // Tall enough for the whole ACME-42 sidebar (two deals, the form, the questions) in the screenshots.
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const t0 = Date.now();
    await page.goto(server.folderUrl(workspace));
    await page.locator('.statusbar').waitFor({ timeout: 60_000 });
    timing('workbench loaded (.statusbar)', Date.now() - t0);
    await statusItem().waitFor({ timeout: 60_000 });
    timing('page open → Customer Context status bar item', Date.now() - t0);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await page.screenshot({ path: path.join(screenshotDir, `failed-${name}.png`) }).catch(() => undefined);
    }
  });

  after(async function () {
    this.timeout(30_000);
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, 'ui-timings.json'), JSON.stringify(timings, null, 2));
    await browser?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows the ticket key and customer for a ticket branch, and "No ticket" on main', async () => {
    timing('status bar shows ACME-42 · Globex LLC (first load)', await statusShows(/ACME-42.*Globex LLC/));
    git('checkout', '-q', 'main');
    try {
      timing('git checkout main → status bar "No ticket"', await statusShows('No ticket'));
      assert.doesNotMatch(await statusItem().innerText(), /ACME-/);
    } finally {
      git('checkout', '-q', START_BRANCH);
    }
    await statusShows(/ACME-42.*Globex LLC/);
  });

  it('follows `git checkout -b` to another ticket in the status bar and the sidebar', async () => {
    // Clicking the status bar entry reveals the sidebar (contract).
    await statusItem().click();
    await sidebar().getByText('ACME-42').first().waitFor({ timeout: 20_000 });
    const branch = `feature/ACME-7-footer-${Date.now().toString(36)}`;
    const t0 = Date.now();
    git('checkout', '-q', '-b', branch);
    try {
      await Promise.all([
        statusItem().filter({ hasText: /ACME-7\b.*Umbrella Corp/ }).waitFor({ timeout: 20_000 })
          .then(() => timing('git checkout -b → status bar updated', Date.now() - t0)),
        sidebar().getByText('Umbrella Corp').first().waitFor({ timeout: 20_000 })
          .then(() => timing('git checkout -b → sidebar updated', Date.now() - t0)),
      ]);
      // The old ticket's customers are gone from the sidebar, not merely joined by the new one.
      assert.equal(await sidebar().getByText('Globex LLC').count(), 0);
    } finally {
      git('checkout', '-q', START_BRANCH);
      git('branch', '-q', '-D', branch);
    }
    await statusShows(/ACME-42.*Globex LLC/);
  });

  it('shows customers, amounts, total and owners; a question sent to sales is recorded and listed', async () => {
    await openSidebar();
    const view = sidebar();
    await view.getByText('Globex LLC').first().waitFor({ timeout: 20_000 });
    const text = await view.locator('body').innerText();
    for (const expected of ['ACME-42', 'Export invoices to PDF', 'Globex LLC', 'Initech', '$120,000', '€80,000', 'Anna Petrova', 'Bob Martin']) {
      assert.ok(text.includes(expected), `sidebar lacks "${expected}":\n${text}`);
    }
    assert.match(text, /total|at stake/i, `sidebar shows no total for the two deals:\n${text}`);

    const question = `Does Globex need the PDF export before the ${new Date().toISOString().slice(0, 10)} close? (ui test)`;
    await view.getByRole('button', { name: 'Ask sales' }).click();
    await view.getByLabel('Question', { exact: true }).fill(question);
    const t0 = Date.now();
    await view.getByRole('button', { name: 'Send to sales' }).click();

    // Recorded: one JSON line in the workspace's questions file, for this ticket, with the text typed.
    let recorded: { ticket?: string; question?: string } | undefined;
    while (!recorded && Date.now() - t0 < 20_000) {
      if (fs.existsSync(questionsFile())) {
        recorded = fs.readFileSync(questionsFile(), 'utf8').split('\n').filter(Boolean)
          .map((l) => JSON.parse(l) as { ticket?: string; question?: string })
          .find((q) => q.question === question);
      }
      if (!recorded) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(recorded, `the question never reached ${questionsFile()}`);
    timing('Send to sales → line in customer-context.questions.jsonl', Date.now() - t0);
    assert.equal(recorded.ticket, 'ACME-42');

    // Listed under "Questions", with its state in words.
    const item = view.getByRole('list', { name: 'Questions' }).getByRole('listitem').filter({ hasText: question });
    await item.waitFor({ timeout: 20_000 });
    timing('Send to sales → listed under Questions', Date.now() - t0);
    assert.match(await item.innerText(), QUESTION_STATE);
  });

  it('names the JSON path of a malformed data file in the sidebar and keeps the ticket in the status bar', async () => {
    await openSidebar();
    const original = fs.readFileSync(dataFile(), 'utf8');
    const broken = JSON.parse(original);
    broken.deals['D-1001'].customer = 42;
    const t0 = Date.now();
    fs.writeFileSync(dataFile(), JSON.stringify(broken, null, 2));
    try {
      await sidebar().getByText('deals.D-1001.customer').first().waitFor({ timeout: 20_000 });
      timing('malformed data file → error with JSON path in the sidebar', Date.now() - t0);
      assert.match(await statusItem().innerText(), /ACME-42/);
    } finally {
      fs.writeFileSync(dataFile(), original);
    }
    // Fixed: the error goes away (it may linger while the file is reloaded, not after).
    const t1 = Date.now();
    await sidebar().getByText('deals.D-1001.customer').first().waitFor({ state: 'detached', timeout: 20_000 })
      .catch(() => assert.fail('the data file error is still shown after the file was fixed'));
    timing('data file fixed → error gone from the sidebar', Date.now() - t1);
    await sidebar().getByText('Globex LLC').first().waitFor({ timeout: 20_000 });
    await statusShows(/ACME-42.*Globex LLC/);
  });

  it('follows the Dark, Light and High Contrast themes (screenshots)', async function () {
    this.timeout(180_000);
    // The suite started in Dark Modern. The web workbench reads user settings.json when it loads and does not
    // watch it for outside edits, so each other theme is written there and the page reloaded: this also
    // checks that the sidebar comes back after a reload.
    const themes = [
      { name: 'Default Dark Modern', file: 'sidebar-dark.png', workbench: 'vs-dark', webview: 'vscode-dark', darkText: false },
      { name: 'Default Light Modern', file: 'sidebar-light.png', workbench: 'vs', webview: 'vscode-light', darkText: true },
      { name: 'Default High Contrast', file: 'sidebar-high-contrast.png', workbench: 'hc-black', webview: 'vscode-high-contrast', darkText: false },
    ];
    for (const theme of themes) {
      const t0 = Date.now();
      if (!(await page.locator(`.monaco-workbench.${theme.workbench}`).count())) {
        server.updateSettings({ 'workbench.colorTheme': theme.name });
        await page.reload();
      }
      await page.locator(`.monaco-workbench.${theme.workbench}`).waitFor({ timeout: 60_000 });
      await openSidebar();
      await sidebar().locator(`body.${theme.webview}`).waitFor({ timeout: 30_000 });
      const customer = sidebar().getByText('Globex LLC').first();
      await customer.waitFor({ timeout: 30_000 });
      timing(`theme "${theme.name}": sidebar shown`, Date.now() - t0);
      // What a person sees: the text contrasts with the theme (the webview uses the theme's colours).
      const color = await customer.evaluate(
        // Runs in the page; the DOM lib is not in this project's tsconfig, hence the cast.
        (el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color,
      );
      const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? []).map(Number);
      const luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
      assert.ok(theme.darkText ? luminance < 0.5 : luminance > 0.5, `text colour ${color} does not suit ${theme.name}`);
      // The pointer still rests on the activity bar tab, whose hover would cover part of the sidebar.
      await page.mouse.move(900, 300);
      await page.locator('.monaco-hover, .workbench-hover').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
      const file = path.join(screenshotDir, theme.file);
      await page.locator('.part.sidebar').screenshot({ path: file });
      assert.ok(fs.statSync(file).size > 1000, `${file} is empty`);
      console.log(`      screenshot: ${path.relative(root, file)}`);
    }
  });
});
