// End-to-end test of progress notes back to sales (issue 15, "Done when"): the packaged .vsix in
// code-server (VS Code 1.100) with fake Jira + HubSpot, driven in Chromium as a person drives it.
//
//   1. `customerContext.progress.notify` off: Start Work, a commit and a local merge into main → no note.
//   2. On: Start Work on a ticket with two deals → the preview (once) → one *started* note per deal.
//   3. code-server restarted (same port and browser profile, as a person restarts it) → nothing twice.
//   4. `git checkout main && git merge --no-ff <branch>` in the workspace → one *merged* note per deal;
//      the sidebar says "Sales sees: started …, merged …".
//   5. Restarted again → still one note per deal and milestone.
//   6. Restricted Mode: a ticket branch with its first commit → nothing; trusting the folder (control)
//      → its *started* notes, with no second preview (after a window reload when they do not come
//      without one: the extension does not pick up the Git extension that trust enables).
//
// Git is run by the test with fixed arguments; the branch names come from Start Work. Figures are printed
// as `[figure] …` and written to test-results/progress-figures.json.
//
//   npm run package && node scripts/testE2e.mjs --skip-package --suite=progress
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type FakeHubspot, type HubspotEngagement, startFakeHubspot } from '../fakes/hubspot';
import { type FakeJira, startFakeJira } from '../fakes/jira';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser';
import { type CodeServer, createSampleWorkspace, findVsix, repoRoot, startCodeServer } from './codeServer';
import {
  figureLog,
  modalDialog,
  recordDialogs,
  saveExtensionLog,
  seenDialogs,
  setBooleanSetting,
  sleep,
  startWorkOn,
  until,
  workbench,
} from './workbench';

const root = repoRoot();
const resultsDir = path.join(root, 'test-results');
const logDir = path.join(resultsDir, 'progress');
const screenshotDir = path.join(resultsDir, 'screenshots');
const NOTIFY = 'customerContext.progress.notify';
const ALLOW = 'Allow for This Repository';
/** How long "nothing more arrives" is watched after each step that must not post. */
const QUIET_MS = 8_000;

/** A Jira ticket with two HubSpot deals: one named by the Jira deal field, one naming the ticket. */
interface Ticket {
  key: string;
  title: string;
  customers: [string, string];
  deals: string[];
}
const OFF: Ticket = { key: 'ACME-51', title: 'Monthly statement e-mails for resellers', customers: ['Hooli', 'Vandelay Industries'], deals: [] };
const ON: Ticket = { key: 'ACME-77', title: 'Export invoices to PDF for enterprise tenants', customers: ['Globex LLC', 'Initech'], deals: [] };
const RESTRICTED: Ticket = { key: 'ACME-88', title: 'Invoice numbering per legal entity', customers: ['Umbrella Corp', 'Stark Industries'], deals: [] };

/** The notes a salesperson reads (the issue's wording, written out here rather than imported). */
const STARTED = `Work on ${ON.key} “${ON.title}” has started.`;
const MERGED = `${ON.key} “${ON.title}” is merged and will ship with the next release.`;
const STARTED_88 = `Work on ${RESTRICTED.key} “${RESTRICTED.title}” has started.`;

/** The work committed on the branches: none of it may reach a note. */
const CODE = 'export function renderPdf(invoice) {\n  return `PDF ${invoiceTotal(invoice.lines)}`;\n}\n';
const COMMIT_MESSAGE = 'Render invoices as PDF via renderPdf()';

const figures = figureLog(path.join(resultsDir, 'progress-figures.json'));
const figure = figures.figure;

describe('Progress notes to sales (code-server + fake Jira + HubSpot)', function () {
  this.timeout(120_000);

  let tmp: string;
  let workspace: string;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  let jira: FakeJira;
  let hubspot: FakeHubspot;
  let userSettings: Record<string, unknown>;
  let env: NodeJS.ProcessEnv;
  let port = 0;
  let restarts = 0;
  /** The branch Start Work created for ON. */
  let onBranch = '';
  /** Previews (modal dialogs asking to allow notes) seen over every page load so far. */
  const previews: string[] = [];
  /** How many of `previews` were seen before the current page load. */
  let previewsBeforeLoad = 0;

  const { statusItem, sidebarShows, openSidebar } = workbench(() => page);
  const dialog = modalDialog(() => page);

  // ---------------------------------------------------------------------------------------------------
  // The workspace's git, run by the test with fixed arguments (never by the extension)

  function git(...args: string[]): string {
    const clean = { ...process.env };
    for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR']) delete clean[k];
    return execFileSync('git', args, { cwd: workspace, env: clean, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  /** A commit of CODE on the checked-out branch. */
  function commitWork(file: string): void {
    fs.writeFileSync(path.join(workspace, 'src', file), CODE);
    git('add', '--', `src/${file}`);
    git('commit', '-q', '-m', COMMIT_MESSAGE);
  }

  // ---------------------------------------------------------------------------------------------------
  // What HubSpot received

  const body = (n: HubspotEngagement): string => n.properties.hs_note_body ?? '';
  const notesOf = (t: Ticket): HubspotEngagement[] => [...hubspot.notes.values()].filter((n) => body(n).includes(t.key));
  /** Every POST that created a note (accepted or not), whatever ticket. */
  const notePosts = (): number =>
    hubspot.requests.filter((r) => r.method === 'POST' && /\/objects(\/2026-03)?\/notes$/.test(r.path)).length;
  /** Notes per deal and milestone sentence, e.g. `{ '1873…': 1 }`. */
  function perDeal(t: Ticket, sentence: string): Record<string, number> {
    const out: Record<string, number> = Object.fromEntries(t.deals.map((d) => [d, 0]));
    for (const n of notesOf(t).filter((x) => body(x).includes(sentence))) {
      for (const a of n.associations) out[a.to.id] = (out[a.to.id] ?? 0) + 1;
    }
    return out;
  }

  /** perDeal with customer names instead of deal ids, for the figures. */
  function byCustomer(t: Ticket, sentence: string): string {
    const counts = perDeal(t, sentence);
    return t.deals.map((d, i) => `${t.customers[i]} ${counts[d] ?? 0}`).join(', ');
  }

  /**
   * The notes of `t` saying `sentence`: exactly one per deal, each associated with that deal only
   * (HubSpot's note → deal type 214), whose body is the sentence and the marker — no code, branch,
   * path or commit message.
   */
  function checkNotes(t: Ticket, sentence: string, branch: string): HubspotEngagement[] {
    const notes = notesOf(t).filter((n) => body(n).includes(sentence));
    assert.equal(notes.length, 2, `${t.key}: ${notes.length} notes saying "${sentence}":\n${notesOf(t).map(body).join('\n')}`);
    assert.deepEqual(perDeal(t, sentence), Object.fromEntries(t.deals.map((d) => [d, 1])));
    for (const n of notes) {
      assert.equal(n.associations.length, 1, JSON.stringify(n.associations));
      assert.deepEqual(n.associations[0].types, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 214 }]);
      assert.match(body(n), new RegExp(`^<p>${escapeRe(sentence)}</p><p><em>Sent with Customer Context · cc-question:progress-[0-9a-f]{48}</em></p>$`), body(n));
      for (const code of ['renderPdf', 'invoiceTotal', 'src/', 'pdf.js', branch, COMMIT_MESSAGE, '`', '{', '=>']) {
        assert.ok(!body(n).includes(code), `a note carries "${code}": ${body(n)}`);
      }
      assert.ok(!Number.isNaN(Date.parse(n.properties.hs_timestamp ?? '')), `hs_timestamp ${n.properties.hs_timestamp}`);
    }
    // One marker per deal: the two notes are two outbox items, not one sent twice.
    assert.equal(new Set(notes.map((n) => /cc-question:(progress-[0-9a-f]+)/.exec(body(n))?.[1])).size, 2);
    return notes;
  }

  /** Watches `ms` and fails if a note is created meanwhile; returns the POST count. */
  async function quiet(ms: number, what: string): Promise<number> {
    const before = notePosts();
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      assert.equal(notePosts(), before, `a note was posted ${what}:\n${[...hubspot.notes.values()].map(body).join('\n')}`);
      await sleep(250);
    }
    return notePosts();
  }

  /** Previews seen on the current page load, added to `previews`; returns how many were new. */
  async function collectPreviews(): Promise<number> {
    const seen = (await seenDialogs(page).catch(() => [])).filter((d) => /Allow progress notes/.test(d.message));
    const fresh = seen.slice(previews.length - previewsBeforeLoad);
    for (const d of fresh) previews.push(`${d.message} | ${d.detail}`);
    return fresh.length;
  }

  /** Waits until our status bar entry no longer names `key` (or is hidden): the switch was seen. */
  async function statusLacks(key: string): Promise<void> {
    let last = '';
    await until(async () => !(last = await statusItem().innerText({ timeout: 1_000 }).catch(() => '')).includes(key),
      20_000, () => `the status bar still shows "${last}"`);
  }

  // ---------------------------------------------------------------------------------------------------
  // code-server

  async function openWorkbench(status: RegExp): Promise<number> {
    const t0 = Date.now();
    await collectPreviews();
    previewsBeforeLoad = previews.length;
    await page.goto(server.folderUrl(workspace));
    await statusItem().filter({ hasText: status }).waitFor({ timeout: 60_000 });
    await openSidebar();
    return Date.now() - t0;
  }

  /** Stops code-server and starts it again on the same port, so the browser profile's state applies. */
  async function restart(status: RegExp, opts: { trust?: 'prompt'; before?: () => void } = {}): Promise<string> {
    await collectPreviews();
    await server.stop();
    opts.before?.();
    const t0 = Date.now();
    restarts++;
    server = await startCodeServer({
      tmpDir: tmp,
      vsix: false,
      port,
      trust: opts.trust,
      logFile: path.join(logDir, `code-server-${restarts}.log`),
      settings: userSettings,
      env,
    });
    const up = Date.now() - t0;
    const open = await openWorkbench(status);
    return `${up + open} ms (code-server ${up} ms, workbench ${open} ms)`;
  }

  function seed(t: Ticket, n: number): void {
    const owner = hubspot.addOwner(['Anna', 'Bob', 'Carol'][n], 'Sales', `sales${n}@example.com`);
    const named = hubspot.addDeal({
      dealname: `${t.customers[0]} – ${t.title}`, amount: String(50_000 + n * 10_000), deal_currency_code: 'USD',
      pipeline: 'default', dealstage: 'contractsent', closedate: '2026-12-15T00:00:00.000Z', hubspot_owner_id: owner,
    }, [hubspot.addCompany(t.customers[0])]);
    const naming = hubspot.addDeal({
      dealname: `${t.customers[1]} – expansion`, amount: String(20_000 + n * 10_000), deal_currency_code: 'EUR',
      pipeline: 'default', dealstage: 'qualifiedtobuy', closedate: '2026-11-20T00:00:00.000Z', hubspot_owner_id: owner,
      jira_issue_key: t.key,
    }, [hubspot.addCompany(t.customers[1])]);
    t.deals = [named, naming];
    jira.addSimpleIssue({ key: t.key, summary: t.title, fields: { customfield_10050: named } });
  }

  before(async function () {
    this.timeout(180_000);
    fs.mkdirSync(screenshotDir, { recursive: true });
    fs.mkdirSync(logDir, { recursive: true });
    [jira, hubspot] = await Promise.all([
      startFakeJira({ fixtures: false }),
      startFakeHubspot({ dealProperties: ['jira_issue_key'] }),
    ]);
    // The sample workspace starts on feature/ACME-42-export-pdf: a ticket without deals.
    jira.addSimpleIssue({ key: 'ACME-42', summary: 'Export invoices to PDF' });
    [OFF, ON, RESTRICTED].forEach(seed);

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-progress-'));
    workspace = createSampleWorkspace(path.join(tmp, 'workspace'), root);
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({
      'customerContext.tracker': 'jira',
      'customerContext.crm': 'hubspot',
      'customerContext.jira.dealField': 'customfield_10050',
      'customerContext.hubspot.ticketProperty': 'jira_issue_key',
      // A repository cannot switch progress notes on (application scope): this must change nothing.
      [NOTIFY]: true,
    }, null, 2));
    userSettings = {
      'customerContext.jira.baseUrl': jira.url,
      'customerContext.jira.email': jira.email,
      'customerContext.jira.deployment': 'cloud',
      'customerContext.hubspot.apiUrl': hubspot.url,
      [NOTIFY]: false,
    };
    env = {
      CUSTOMER_CONTEXT_JIRA_TOKEN: jira.token,
      CUSTOMER_CONTEXT_JIRA_URL: jira.url,
      CUSTOMER_CONTEXT_HUBSPOT_TOKEN: hubspot.token,
      CUSTOMER_CONTEXT_HUBSPOT_URL: hubspot.url,
    };
    server = await startCodeServer({
      tmpDir: tmp,
      vsix: findVsix(root),
      logFile: path.join(logDir, 'code-server-0.log'),
      settings: userSettings,
      env,
    });
    port = server.port;
    // Machine-scoped settings (the URLs a token goes to) also in the remote's own settings: a remote
    // window (code-server) drops them from the user settings once these change (test 2 changes them).
    const machine = path.join(server.userDataDir, 'Machine', 'settings.json');
    fs.mkdirSync(path.dirname(machine), { recursive: true });
    fs.writeFileSync(machine, JSON.stringify(Object.fromEntries(Object.entries(userSettings).filter(([k]) => k !== NOTIFY)), null, 2));
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await recordDialogs(page);
    figure('page open → status bar shows ACME-42', `${await openWorkbench(/ACME-42/)} ms`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await page.screenshot({ path: path.join(screenshotDir, `progress-failed-${name}.png`) }).catch(() => undefined);
      console.log(`      notes at HubSpot:\n${[...hubspot.notes.values()].map((n) => `        | ${n.associations.map((a) => a.to.id).join(',')}: ${body(n)}`).join('\n')}`);
      if (server) saveExtensionLog(server.userDataDir, path.join(logDir, `extension-${name}.log`));
    }
  });

  after(async function () {
    this.timeout(30_000);
    if (server) saveExtensionLog(server.userDataDir, path.join(logDir, 'extension.log'));
    figures.write();
    await browser?.close();
    await server?.stop();
    await Promise.all([jira, hubspot].map((f) => f?.stop().catch(() => undefined)));
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  // ---------------------------------------------------------------------------------------------------

  it('1. setting off: Start Work, a commit and a merge into main send nothing (a workspace "true" is ignored)', async function () {
    this.timeout(90_000);
    await startWorkOn(() => page, OFF.key);
    await statusItem().filter({ hasText: OFF.key }).waitFor({ timeout: 20_000 });
    const branch = git('branch', '--show-current');
    assert.match(branch, new RegExp(`^feature/${OFF.key}-`));
    await quiet(4_000, 'after Start Work with the setting off');
    commitWork('statements.js');
    await quiet(4_000, 'after a commit with the setting off');
    git('checkout', '-q', 'main');
    git('merge', '--no-ff', '-q', '-m', `Merge ${OFF.key}`, branch);
    await statusLacks(OFF.key);
    await quiet(QUIET_MS, 'after a merge with the setting off');
    assert.equal(await collectPreviews(), 0, `a preview was shown with the setting off: ${previews.join('\n')}`);
    assert.equal(notePosts(), 0);
    assert.equal(hubspot.notes.size, 0);
    figure('setting off: notes after Start Work + commit + merge into main', `${hubspot.notes.size} (watched ${(8_000 + QUIET_MS) / 1000} s)`);
  });

  it('2. setting on: Start Work on a ticket with two deals shows the preview once, then one started note on each deal', async function () {
    this.timeout(90_000);
    // In the Settings editor, as a person does: the web workbench does not watch settings.json.
    await setBooleanSetting(() => page, NOTIFY, true);
    userSettings[NOTIFY] = true;
    const file = path.join(server.userDataDir, 'User', 'settings.json');
    // VS Code rewrites settings.json in place: a read in between sees it empty, so that read is "not yet".
    const written = () => {
      try {
        return (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>)[NOTIFY];
      } catch {
        return undefined;
      }
    };
    await until(() => written() === true, 10_000, () => `the Settings editor wrote ${NOTIFY}: ${String(written())}`);
    // Nothing retroactive: the off-time work on ACME-51 stays untold.
    await quiet(4_000, 'when the setting was switched on');

    await startWorkOn(() => page, ON.key);
    const preview = await dialog.shows(/Allow progress notes for this repository/);
    assert.match(preview.message, new RegExp(`each of the 2 deals linked to ${ON.key}`));
    assert.equal(preview.detail, STARTED, 'the preview does not show the exact note');
    assert.ok(preview.buttons.includes(ALLOW), `buttons: ${preview.buttons.join(', ')}`);
    assert.equal(notePosts(), 0, 'a note went out before the preview was answered');
    await dialog.press(ALLOW);
    const t0 = Date.now();
    await until(() => notesOf(ON).length >= 2, 30_000, () => `HubSpot has ${notesOf(ON).length} notes for ${ON.key}`);
    figure('Allow → both started notes at HubSpot', `${Date.now() - t0} ms`);
    onBranch = git('branch', '--show-current');
    assert.match(onBranch, new RegExp(`^feature/${ON.key}-`));
    checkNotes(ON, STARTED, onBranch);
    figure('started notes per deal', byCustomer(ON, STARTED));

    const day = new Date();
    const month = day.toLocaleString('en', { month: 'short' });
    const today = `(${day.getDate()} ${month}|${month} ${day.getDate()})`;
    const text = await sidebarShows([ON.title, new RegExp(`Sales sees: started ${today}`)], { timeout: 20_000 });
    figure('sidebar', /Sales sees:[^\n]*/.exec(text)?.[0] ?? '');

    // The branch's first commit is a "started" too: it must not post again.
    commitWork('pdf.js');
    await quiet(QUIET_MS, 'after the first commit on the started branch');
    assert.equal(notesOf(ON).length, 2);
    assert.equal(await collectPreviews(), 1, `previews: ${previews.join('\n')}`);
  });

  it('3. code-server restarted after Start Work and a commit: nothing is posted twice, no second preview', async function () {
    this.timeout(120_000);
    const posts = notePosts();
    figure('restart 1 → workbench shows the ticket again', await restart(new RegExp(ON.key)));
    await sidebarShows([new RegExp('Sales sees: started')], { timeout: 30_000 });
    await quiet(QUIET_MS + 4_000, 'after the restart');
    assert.equal(notePosts(), posts);
    assert.deepEqual(perDeal(ON, STARTED), Object.fromEntries(ON.deals.map((d) => [d, 1])));
    assert.equal(await collectPreviews(), 0, `a preview was shown again after the restart: ${previews.join('\n')}`);
    figure('restart 1: started notes per deal after restart + 12 s', byCustomer(ON, STARTED));
  });

  it('4. a local merge into main puts one merged note on each deal; the sidebar says "Sales sees: started …, merged …"', async function () {
    this.timeout(120_000);
    git('checkout', '-q', 'main');
    git('merge', '--no-ff', '-q', '-m', `Merge ${ON.key}`, onBranch);
    const t0 = Date.now();
    await until(() => notesOf(ON).filter((n) => body(n).includes(MERGED)).length >= 2, 60_000,
      () => `HubSpot has ${notesOf(ON).filter((n) => body(n).includes(MERGED)).length} merged notes for ${ON.key}`);
    const arrived = notesOf(ON).filter((n) => body(n).includes(MERGED)).map((n) => Date.parse(n.createdAt) - t0);
    figure('merge into main → merged notes at HubSpot', arrived.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', '));
    checkNotes(ON, MERGED, onBranch);
    await quiet(QUIET_MS, 'after the merged notes');
    assert.equal(notesOf(ON).length, 4);
    figure('merged notes per deal', byCustomer(ON, MERGED));

    // Back on the ticket's branch (now merged): the sidebar tells what sales has been told.
    git('checkout', '-q', onBranch);
    const text = await sidebarShows([/Sales sees: started [^,\n]+, merged [^,\n]+/], { timeout: 30_000 });
    figure('sidebar after the merge', /Sales sees:[^\n]*/.exec(text)?.[0] ?? '');
    await quiet(4_000, 'after checking the merged branch out again');
    assert.equal(await collectPreviews(), 0);
  });

  it('5. code-server restarted after the merge: still exactly one note per deal and milestone', async function () {
    this.timeout(120_000);
    const posts = notePosts();
    figure('restart 2 → workbench shows the ticket again', await restart(new RegExp(ON.key)));
    await sidebarShows([/Sales sees: started [^,\n]+, merged /], { timeout: 30_000 });
    // On main as well, where the merge was found the first time.
    git('checkout', '-q', 'main');
    await statusLacks(ON.key);
    await quiet(QUIET_MS + 4_000, 'after the second restart');
    assert.equal(notePosts(), posts);
    const counts = { started: perDeal(ON, STARTED), merged: perDeal(ON, MERGED) };
    assert.deepEqual(counts, {
      started: Object.fromEntries(ON.deals.map((d) => [d, 1])),
      merged: Object.fromEntries(ON.deals.map((d) => [d, 1])),
    });
    assert.equal(notesOf(ON).length, 4);
    assert.equal(hubspot.notes.size, 4, 'notes for another ticket');
    assert.equal(await collectPreviews(), 0);
    figure('restart 2: notes per deal after restart + 12 s', `started: ${byCustomer(ON, STARTED)}; merged: ${byCustomer(ON, MERGED)}`);
  });

  it('6. Restricted Mode: a ticket branch with its first commit sends nothing; trusting the folder (control) sends its started notes', async function () {
    this.timeout(150_000);
    const requestsAt = { hubspot: 0, jira: 0 };
    figure('restart 3 (Restricted Mode) → workbench', await restart(new RegExp(RESTRICTED.key), {
      trust: 'prompt',
      before: () => {
        git('checkout', '-q', '-b', `feature/${RESTRICTED.key}-numbering`, 'main');
        commitWork('numbering.js');
        requestsAt.hubspot = hubspot.requests.length;
        requestsAt.jira = jira.requests.length;
      },
    }));
    await page.locator('.statusbar-item').filter({ hasText: /Restricted Mode/ }).first().waitFor({ timeout: 20_000 });
    await quiet(QUIET_MS + 4_000, 'in Restricted Mode');
    assert.equal(notesOf(RESTRICTED).length, 0);
    const reached = { hubspot: hubspot.requests.length - requestsAt.hubspot, jira: jira.requests.length - requestsAt.jira };
    assert.deepEqual(reached, { hubspot: 0, jira: 0 }, 'Restricted Mode reached the tracker or CRM');
    assert.equal(await collectPreviews(), 0);
    figure('Restricted Mode: notes and requests to HubSpot/Jira', `0 notes, ${JSON.stringify(reached)} requests (watched ${(QUIET_MS + 4_000) / 1000} s)`);

    // Control: the same repository, trusted, does post — so the zero above is Restricted Mode's.
    await workbench(() => page).runCommand('Workspaces: Manage Workspace Trust');
    const t0 = Date.now();
    await page.locator('.workspace-trust-editor').getByRole('button', { name: /^Trust/ }).first().click({ timeout: 10_000 });
    // Without a reload the notes depend on the extension noticing the Git extension that trust enabled.
    const live = await until(() => notesOf(RESTRICTED).length >= 2, 20_000, () => '').then(() => true, () => false);
    figure('control: Trust → started notes without a reload', live ? `${Date.now() - t0} ms` : 'none within 20 s (see report: GitWatcher never attaches to the Git extension enabled by trust)');
    if (!live) {
      await collectPreviews();
      previewsBeforeLoad = previews.length;
      const t1 = Date.now();
      await page.reload();
      await until(() => notesOf(RESTRICTED).length >= 2, 60_000, () => `HubSpot has ${notesOf(RESTRICTED).length} notes for ${RESTRICTED.key} after trusting and reloading`);
      figure('control: Trust + window reload → started notes', `${Date.now() - t1} ms`);
    }
    checkNotes(RESTRICTED, STARTED_88, `feature/${RESTRICTED.key}-numbering`);
    assert.equal(await collectPreviews(), 0, `the allowed repository was asked again: ${previews.join('\n')}`);
    await sidebarShows([RESTRICTED.title, /Sales sees: started /], { timeout: 30_000 });
    figure('previews shown in the whole suite', String(previews.length));
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
