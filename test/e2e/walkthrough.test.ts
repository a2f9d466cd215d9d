// Issue #14 in the real VS Code: the packaged .vsix in code-server (VS Code 1.100), driven in Chromium.
// The Get Started walkthrough takes a new user from nothing to a question in the local inbox, each step
// ticking itself in the walkthrough page (VS Code's own DOM marker of a completed step):
//   1. A fresh git repository on main, one commit, no data file: the status bar shows no ticket.
//   2. *Customer Context: Get Started* from the palette shows the five steps, none completed.
//   3. *Try Sample Data*: the consent modal names the folder, the file and the branch; once accepted
//      the status bar shows ACME-42, the file is on disk and the sample branch is checked out.
//   4. The tracker and CRM steps tick with it (the data file serves both); their buttons open the one
//      half of Configure, and Escape leaves everything as it was.
//   5. *Open the Setting* opens the Settings editor on customerContext.questions.routes; the step ticks.
//   6. *Ask Sales* opens the sidebar's form; the question sent lands in the local inbox; the step ticks.
//   7. After a window reload, Get Started still shows the five steps ticked.
// Timings are `[figure]` lines and test-results/walkthrough-figures.json; the finished walkthrough is
// test-results/screenshots/walkthrough-done.png.
//
//   node scripts/testE2e.mjs --suite=walkthrough
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type FrameLocator, type Locator, type Page } from 'playwright-core';
import { extensionId, repoRoot } from './codeServer';
import { type Harness, screenshotOnFailure, startHarness, stopHarness } from './harness';
import {
  figureLog, modalDialog, recordDialogs, recordNotifications, seenDialogs, seenNotifications,
  seenRows, until, workbench,
} from './workbench';

const root = repoRoot();
const resultsDir = path.join(root, 'test-results');
const screenshotDir = path.join(resultsDir, 'screenshots');
const figures = figureLog(path.join(resultsDir, 'walkthrough-figures.json'));
const figure = figures.figure;

const Id = { suite: 'walkthrough', name: 'fresh' };
const SAMPLE_BRANCH = 'feature/ACME-42-export-pdf';
const DATA_FILE = '.vscode/customer-context.json';
const INBOX_FILE = '.vscode/customer-context.questions.jsonl';
const STEPS = ['sample', 'tracker', 'crm', 'routes', 'ask'] as const;
type Step = (typeof STEPS)[number];

/** The manifest's English strings: the step titles and buttons a person reads. */
const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
const stepTitle = (s: Step): string => nls[`walkthrough.${s}.title`];
/** A step's button: the `[label](command:…)` link at the end of its description. */
function stepButtonLabel(s: Step): string {
  const m = /\[([^\]]+)\]\(command:[^)]+\)\s*$/.exec(nls[`walkthrough.${s}.description`]);
  assert.ok(m, `package.nls.json: walkthrough.${s}.description ends with no command link`);
  return m[1];
}

/** Runs git in `cwd` with no inherited GIT_* variables; waits out the Git extension's index.lock. */
function gitIn(cwd: string, ...args: string[]): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
  for (let attempt = 1; ; attempt++) {
    try {
      return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    } catch (e) {
      const stderr = String((e as { stderr?: unknown }).stderr ?? '');
      if (attempt >= 10 || !/index\.lock/.test(stderr)) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

/** A new user's project: a git repository on main with one commit, and no Customer Context file. */
function createFreshRepository(dir: string): string {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'README.md'), '# Invoices\n\nExports invoices.\n');
  fs.writeFileSync(path.join(dir, 'src', 'export.js'), 'export function exportInvoice(invoice) {\n  return invoice;\n}\n');
  gitIn(dir, 'init', '-q', '-b', 'main');
  // Local identity and no signing: the commit must work on a machine with no global git config.
  gitIn(dir, 'config', 'user.name', 'New User');
  gitIn(dir, 'config', 'user.email', 'new.user@example.com');
  gitIn(dir, 'config', 'commit.gpgsign', 'false');
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', 'Invoice export');
  // The path git (and so the Git extension and the consent modal) reports for the folder.
  return fs.realpathSync(dir);
}

/** One step as the walkthrough page draws it. */
interface SeenStep {
  id: string;
  title: string;
  /** VS Code's marker of a completed step: the checkbox has `complete` and the checked codicon. */
  done: boolean;
  expanded: boolean;
  checkboxLabel: string;
}

/**
 * The walkthrough page (VS Code's getting-started editor, plain DOM). Each step is a
 * `button.getting-started-step[data-step-id="<ext>#gettingStarted#<step>"]`; its checkbox
 * `[data-done-step-id]` turns from `codicon-getting-started-step-unchecked` into `complete
 * codicon-getting-started-step-checked`, `aria-checked="true"`, "…: Completed" when the step is done.
 */
function walkthroughPage(page: () => Page, extId: string) {
  const fullId = (s: Step) => `${extId}#gettingStarted#${s}`;
  const container = (): Locator => page().locator('.gettingStartedContainer');
  const step = (s: Step): Locator => container().locator(`button.getting-started-step[data-step-id="${fullId(s)}"]`);
  const tab = (): Locator => page().locator('.part.editor .tabs-container .tab').filter({ hasText: /^Walkthrough:/ });

  async function steps(): Promise<SeenStep[]> {
    return container().locator('button.getting-started-step').evaluateAll((els) => els.map((e) => {
      // Runs in the page; this project compiles without the DOM library, hence the narrow shape.
      type El = {
        getAttribute(n: string): string | null;
        querySelector(s: string): El | null;
        className: string;
        textContent: string | null;
      };
      const el = e as unknown as El;
      const box = el.querySelector('[data-done-step-id]');
      const cls = String(box?.className ?? '').split(/\s+/);
      return {
        id: el.getAttribute('data-step-id') ?? '',
        title: (el.querySelector('.step-title')?.textContent ?? '').trim(),
        done: cls.includes('complete') && cls.includes('codicon-getting-started-step-checked') &&
          !cls.includes('codicon-getting-started-step-unchecked') && box?.getAttribute('aria-checked') === 'true',
        expanded: el.getAttribute('aria-expanded') === 'true',
        checkboxLabel: box?.getAttribute('aria-label') ?? '',
      };
    }));
  }

  const describe = (seen: SeenStep[]) =>
    seen.map((s) => `  ${s.done ? '[x]' : '[ ]'} ${s.id.split('#').pop()} "${s.title}" (${s.checkboxLabel})`).join('\n');

  /** Waits until the page lists the five steps in order, and returns them. */
  async function shown(timeout = 30_000): Promise<SeenStep[]> {
    let seen: SeenStep[] = [];
    await until(async () => {
      seen = await steps().catch(() => []);
      return seen.length === STEPS.length && STEPS.every((s, i) => seen[i].id === fullId(s));
    }, timeout, () => `the walkthrough page does not list the ${STEPS.length} steps; it lists:\n${describe(seen)}`);
    return seen;
  }

  /** Waits until every step in `done` shows as completed; returns the wait. */
  async function completes(done: Step[], timeout = 20_000): Promise<number> {
    let seen: SeenStep[] = [];
    return until(async () => {
      seen = await steps().catch(() => []);
      return done.every((s) => seen.find((x) => x.id === fullId(s))?.done);
    }, timeout, () => `the walkthrough never ticked [${done.join(', ')}]; it shows:\n${describe(seen)}`);
  }

  /** The steps shown as completed now. */
  async function completed(): Promise<Step[]> {
    const seen = await steps();
    return STEPS.filter((s) => seen.find((x) => x.id === fullId(s))?.done);
  }

  /** Brings the walkthrough's editor to the front: its tab, as a person does. */
  async function front(): Promise<void> {
    if (!(await container().isVisible())) await tab().first().click({ timeout: 10_000 });
    await container().waitFor({ state: 'visible', timeout: 10_000 });
    await shown();
  }

  /**
   * Expands the step (a click on its title; the checkbox beside it would toggle it done) and clicks
   * its button, as a person does.
   */
  async function press(s: Step): Promise<void> {
    await front();
    if ((await step(s).getAttribute('aria-expanded')) !== 'true') {
      await step(s).locator('.step-title').click();
      await until(async () => (await step(s).getAttribute('aria-expanded')) === 'true', 10_000,
        () => `the step ${s} did not expand`);
    }
    const button = step(s).locator('.button-container .monaco-button').filter({ hasText: stepButtonLabel(s) });
    await button.click({ timeout: 10_000 });
  }

  return { container, step, tab, steps, shown, completes, completed, front, press, describe };
}

describe('The Get Started walkthrough, from a new repository to a question in the inbox (code-server)', function () {
  this.timeout(120_000);
  // Each step builds on the one before: after a failure the rest would only repeat it, so they are
  // skipped (shown as pending). Not `this.bail(true)`: mocha then skips the whole suite, silently, when
  // any earlier suite of the run has failed.
  let stepFailed = false;
  beforeEach(function () {
    if (stepFailed) this.skip();
  });

  let h: Harness;
  const page = () => h.page;
  const extId = extensionId(root);
  const { statusItem, statusShows, runCommand } = workbench(page);
  const walk = walkthroughPage(page, extId);
  const dialog = modalDialog(page);
  const quickInput = () => page().locator('.quick-input-widget');
  const ws = (rel: string) => path.join(h.workspace, ...rel.split('/'));
  /**
   * The Customer Context sidebar only: the walkthrough's step pictures are a webview too, with no
   * extension id (an unqualified `iframe.webview.ready` would match both).
   */
  const sidebar = (): FrameLocator =>
    page().frameLocator(`iframe.webview.ready[src*="extensionId=${extId}"]`).frameLocator('#active-frame');
  /** What the user settings hold after the test, against what the harness wrote (nothing of ours). */
  const ourUserSettings = () => {
    const file = path.join(h.server.userDataDir, 'User', 'settings.json');
    const all = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    return Object.keys(all).filter((k) => k.startsWith('customerContext.'));
  };

  before(async function () {
    this.timeout(180_000);
    h = await startHarness(Id, { workspace: createFreshRepository });
    assert.ok(!fs.existsSync(ws(DATA_FILE)), `${DATA_FILE} exists before the test`);
    await recordNotifications(h.page);
    await recordDialogs(h.page);
    const t0 = Date.now();
    await h.page.goto(h.server.folderUrl(h.workspace));
    await h.page.locator('.statusbar').waitFor({ timeout: 60_000 });
    await statusShows(/No ticket/, 60_000);
    figure('page open → status bar shows "No ticket"', `${Date.now() - t0} ms`);
    // Git's own status bar entry: the Git extension has opened the repository, so the sample can
    // make its branch there (before that, the product offers a new folder instead).
    await h.page.locator('.statusbar-item').filter({ hasText: /^\s*main\b/ }).first().waitFor({ timeout: 60_000 });
    figure('page open → Git extension shows branch main', `${Date.now() - t0} ms`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') stepFailed = true;
    await screenshotOnFailure(this, h?.page, 'walkthrough');
  });

  after(async function () {
    this.timeout(30_000);
    figures.write();
    await stopHarness(h, Id);
  });

  it('starts from nothing: no data file, no ticket; Get Started shows five steps, none completed', async () => {
    assert.match(await statusItem().innerText(), /No ticket/);
    assert.equal(gitIn(h.workspace, 'branch', '--show-current'), 'main');
    assert.ok(!fs.existsSync(ws(DATA_FILE)), `${DATA_FILE} appeared before any step`);

    // A new user looks at Help: Welcome first. On a first day it opens VS Code's own walkthrough on
    // its first step (from the list, a click does the same), a page VS Code's openWalkthrough then
    // leaves in front: Get Started must still bring ours.
    await runCommand('Help: Welcome');
    await walk.container().waitFor({ state: 'visible', timeout: 20_000 });
    const details = walk.container().locator('.gettingStarted.showDetails');
    await details.waitFor({ timeout: 5_000 }).catch(async () => {
      await walk.container().locator('.index-list.getting-started button.getting-started-category')
        .filter({ hasNot: page().locator(`[x-category-title-for^="${extId}#"]`) }).first().click({ timeout: 10_000 });
      await details.waitFor({ timeout: 10_000 });
    });
    const other = walk.container().locator('.gettingStartedSlideDetails .category-title').first();
    let otherTitle = '';
    await until(async () => {
      otherTitle = (await other.innerText({ timeout: 1_000 }).catch(() => '')).trim();
      return !!otherTitle && (await walk.container().locator('button.getting-started-step[aria-expanded="true"]').count()) > 0;
    }, 10_000, () => `Help: Welcome shows no walkthrough with a step selected ("${otherTitle}")`);
    assert.notEqual(otherTitle, nls['walkthrough.gettingStarted.title']);
    console.log(`      Help: Welcome shows "${otherTitle}"`);

    const t0 = Date.now();
    await runCommand('Customer Context: Get Started');
    const seen = await walk.shown();
    figure(`Get Started (palette, over "${otherTitle}") → walkthrough shows its 5 steps`, `${Date.now() - t0} ms`);
    assert.deepEqual(seen.map((s) => s.title), STEPS.map(stepTitle));
    assert.deepEqual(seen.filter((s) => s.done).map((s) => s.title), [], `steps completed before anything was done:\n${walk.describe(seen)}`);
    for (const s of seen) assert.match(s.checkboxLabel, /: Not completed$/, s.checkboxLabel);
    // The walkthrough opens on its first step.
    assert.ok(seen[0].expanded, `the first step is not expanded:\n${walk.describe(seen)}`);
  });

  it('Try Sample Data asks first, naming the folder, the file and the branch; then ACME-42 shows and the step ticks', async () => {
    const t0 = Date.now();
    await walk.press('sample');
    const consent = await dialog.shows(/Try Customer Context on sample data/, 20_000);
    figure('Try Sample Data clicked → consent modal', `${Date.now() - t0} ms`);
    assert.equal(consent.message, `Try Customer Context on sample data in ${h.workspace}?`);
    assert.match(consent.detail, new RegExp(`create the file ${DATA_FILE.replace(/\./g, '\\.')} with three sample tickets`), consent.detail);
    assert.match(consent.detail, new RegExp(`create the branch ${SAMPLE_BRANCH} from your current commit`), consent.detail);
    assert.match(consent.detail, /Nothing is committed, pushed or sent anywhere/, consent.detail);
    assert.ok(consent.buttons.includes('Create Sample Data'), `buttons: ${consent.buttons.join(' | ')}`);
    assert.ok(consent.buttons.includes('Use a New Folder…'), `buttons: ${consent.buttons.join(' | ')}`);
    // Nothing is written before the answer.
    assert.ok(!fs.existsSync(ws(DATA_FILE)), `${DATA_FILE} was written before consent`);
    assert.equal(gitIn(h.workspace, 'branch', '--show-current'), 'main');

    const accepted = Date.now();
    await dialog.press('Create Sample Data');
    await statusShows(/ACME-42/, 30_000);
    figure('consent accepted → status bar shows ACME-42', `${Date.now() - accepted} ms`);
    await walk.completes(['sample']);
    figure('consent accepted → sample step ticked in the walkthrough', `${Date.now() - accepted} ms`);
    await walk.completes(['tracker', 'crm']);
    figure('consent accepted → tracker and CRM steps ticked', `${Date.now() - accepted} ms`);

    // On disk: the data file with the sample ticket, and the sample branch checked out.
    const data = JSON.parse(fs.readFileSync(ws(DATA_FILE), 'utf8')) as { tickets: Record<string, unknown> };
    assert.ok(data.tickets['ACME-42'], `${DATA_FILE} has no ACME-42`);
    assert.equal(gitIn(h.workspace, 'branch', '--show-current'), SAMPLE_BRANCH);
    // The message says what the session shows, and the sidebar shows the ticket's customers.
    await until(async () => (await seenNotifications(page())).some((n) => n.text.startsWith('Sample data is ready')), 10_000,
      async () => `no "Sample data is ready" message; messages: ${(await seenNotifications(page())).map((n) => n.text).join(' | ')}`);
    await sidebar().getByText('Globex LLC').first().waitFor({ timeout: 20_000 });
    assert.equal((await seenDialogs(page())).length, 1, 'more than the one consent modal was shown');
  });

  it('the tracker and CRM steps tick by themselves (the data file serves both); their buttons open one half of Configure', async () => {
    // src/vscode/walkthrough.ts: a shown ticket came from the tracker and its deals from the CRM.
    await walk.front();
    await walk.completes(['sample', 'tracker', 'crm'], 10_000);
    assert.deepEqual(await walk.completed(), ['sample', 'tracker', 'crm']);

    const halves = [
      { step: 'tracker' as const, title: 'Configure: where do tickets come from?', has: ['Jira', 'GitHub', 'Linear', 'Data file'], not: ['HubSpot', 'Salesforce'] },
      { step: 'crm' as const, title: 'Configure: where do deals come from?', has: ['HubSpot', 'Salesforce', 'CSV export', 'Data file'], not: ['Jira', 'GitHub'] },
    ];
    for (const half of halves) {
      const t0 = Date.now();
      await walk.press(half.step);
      const title = quickInput().locator('.quick-input-title');
      await title.filter({ hasText: half.title }).waitFor({ timeout: 10_000 }).catch(async () =>
        assert.fail(`${half.step}: no quick pick titled "${half.title}"; the title is "${await title.innerText().catch(() => '(none)')}"`));
      figure(`${half.step} step's button → Configure quick pick`, `${Date.now() - t0} ms`);
      let labels: string[] = [];
      await until(async () => {
        labels = (await seenRows(quickInput())).map((r) => r.label);
        return half.has.every((l) => labels.includes(l));
      }, 10_000, () => `${half.step}: the quick pick lists [${labels.join(', ')}]`);
      for (const other of half.not) assert.ok(!labels.includes(other), `${half.step}: the quick pick offers ${other} too: [${labels.join(', ')}]`);

      await page().keyboard.press('Escape');
      await quickInput().waitFor({ state: 'hidden', timeout: 10_000 });
      // Cancelled: nothing written, nothing said, the ticket still shown, the steps still ticked.
      assert.ok(!fs.existsSync(ws('.vscode/settings.json')), `.vscode/settings.json was written by a cancelled ${half.step} pick`);
      assert.deepEqual(ourUserSettings(), [], 'a cancelled Configure wrote user settings');
      await statusShows(/ACME-42/, 5_000);
      assert.deepEqual(await walk.completed(), ['sample', 'tracker', 'crm']);
    }
    const said = (await seenNotifications(page())).map((n) => n.text);
    assert.ok(!said.some((t) => /configured|failed|could not/i.test(t)), `messages after the cancelled picks: ${said.join(' | ')}`);
    assert.equal((await seenDialogs(page())).length, 1, 'a modal appeared after the cancelled picks');
  });

  it('Open the Setting shows customerContext.questions.routes in the Settings editor; the step ticks', async () => {
    const t0 = Date.now();
    await walk.press('routes');
    const editor = page().locator('.settings-editor');
    await editor.waitFor({ state: 'visible', timeout: 20_000 });
    const search = editor.locator('.settings-header .suggest-input-container .view-lines');
    await until(async () => (await search.innerText().catch(() => '')).includes('customerContext.questions.routes'), 10_000,
      async () => `the Settings search box holds "${await search.innerText().catch(() => '?')}"`);
    // The one setting found: Customer Context › Questions: Routes, with its default (crm).
    const items = editor.locator('.settings-tree-container .setting-item-contents');
    const routes = items.filter({ has: page().locator('.setting-item-label', { hasText: /^Routes$/ }) });
    await routes.first().waitFor({ state: 'visible', timeout: 20_000 });
    figure('Open the Setting → Settings editor shows Questions: Routes', `${Date.now() - t0} ms`);
    assert.match(await routes.first().locator('.setting-item-category').innerText(), /Questions/);
    assert.equal(await items.count(), 1, `the search finds ${await items.count()} settings`);

    await walk.front();
    const waited = await walk.completes(['routes'], 10_000);
    figure('walkthrough back in front → routes step ticked', `${waited} ms`);
    assert.deepEqual(await walk.completed(), ['sample', 'tracker', 'crm', 'routes']);
  });

  it('Ask Sales opens the sidebar form; the question sent lands in the local inbox and the last step ticks', async () => {
    const question = `Does Globex need the PDF export before its close? (walkthrough ${Date.now()})`;
    const t0 = Date.now();
    await walk.press('ask');
    const box = sidebar().getByLabel('Question', { exact: true });
    await box.waitFor({ state: 'visible', timeout: 20_000 });
    figure('Ask Sales clicked → sidebar form open', `${Date.now() - t0} ms`);
    await box.fill(question);
    const sent = Date.now();
    await sidebar().getByRole('button', { name: 'Send to sales' }).click();

    // (b) The local inbox next to the data file: one line for ACME-42 on the sample branch.
    let line: { question?: string; ticket?: string; branch?: string } | undefined;
    await until(() => {
      if (!fs.existsSync(ws(INBOX_FILE))) return false;
      line = fs.readFileSync(ws(INBOX_FILE), 'utf8').split('\n').filter(Boolean)
        .map((l) => JSON.parse(l) as { question?: string; ticket?: string; branch?: string })
        .find((q) => q.question === question);
      return !!line;
    }, 20_000, () => `the question never reached ${INBOX_FILE}`);
    figure('Send to sales → line in the local inbox', `${Date.now() - sent} ms`);
    assert.equal(line?.ticket, 'ACME-42');
    assert.equal(line?.branch, SAMPLE_BRANCH);
    await sidebar().getByRole('list', { name: 'Questions' }).getByRole('listitem').filter({ hasText: question })
      .waitFor({ timeout: 20_000 });

    // (a) The step ticks by itself: the walkthrough editor stayed in front while the sidebar was used.
    const waited = await walk.completes(['ask'], 20_000);
    figure('Send to sales → ask step ticked', `${Date.now() - sent} ms (after the inbox line: ${waited} ms)`);
    assert.deepEqual(await walk.completed(), [...STEPS]);
    for (const s of await walk.steps()) assert.match(s.checkboxLabel, /: Completed$/, s.checkboxLabel);

    // The finished walkthrough, with the status bar and the sidebar, as the user sees it.
    await page().mouse.move(640, 20);
    fs.mkdirSync(screenshotDir, { recursive: true });
    const file = path.join(screenshotDir, 'walkthrough-done.png');
    await page().screenshot({ path: file });
    assert.ok(fs.statSync(file).size > 10_000, `${file} is nearly empty`);
    console.log(`      screenshot: ${path.relative(root, file)}`);
    assert.equal((await seenDialogs(page())).length, 1, 'a modal appeared after the consent');
  });

  it('after a window reload, Get Started still shows every step completed', async () => {
    // VS Code keeps the ticks; the extension ticks again what it knows at start (the lazy-start bug
    // of VS Code 1.100 would otherwise leave a step whose context key was already true unticked).
    const t0 = Date.now();
    await page().reload();
    await page().locator('.statusbar').waitFor({ timeout: 60_000 });
    await statusShows(/ACME-42/, 60_000);
    await runCommand('Customer Context: Get Started');
    await walk.shown();
    await walk.completes([...STEPS], 20_000);
    figure('window reload → Get Started shows all 5 steps ticked', `${Date.now() - t0} ms`);
    assert.equal((await seenDialogs(page())).length, 0, 'a modal appeared after the reload');
  });
});
