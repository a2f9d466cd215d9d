// End-to-end tests against the remote trackers and CRMs: the packaged .vsix in code-server (VS Code 1.100),
// driven in Chromium, talking to the faithful vendor fakes in test/fakes over loopback HTTP. They check what a
// person sees (status bar text, the sidebar's text, roles and names) and count what the vendors receive.
//
// One code-server serves every configuration: the credential URLs of all six fakes are user settings
// (machine scope) and the tokens come from the environment, both set at start; the tracker, the CRM and the
// per-CRM fields are resource settings in the workspace's .vscode/settings.json, which VS Code watches, so
// the tests switch between Jira + HubSpot, Jira + Salesforce, Jira + Pipedrive, Jira + CSV, GitHub +
// Salesforce and Linear + Pipedrive without a restart. Measured figures are printed as `[figure] …` lines.
//
//   npm run package && npm run setup:code-server && npm run compile-tests && \
//     npx mocha --no-config --timeout 120000 out/test/e2e/providers.test.js
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import githubIssueFixture from '../fixtures/github/issue-42.json';
import linearIssueFixture from '../fixtures/linear/issue-ENG-42.json';
import { FakeServer, type ReceivedRequest } from '../fakes/fakeServer';
import { type FakeGitHub, type GitHubIssueJson, startFakeGitHub } from '../fakes/github';
import { type FakeHubspot, startFakeHubspot } from '../fakes/hubspot';
import { type FakeJira, type JiraIssueJson, startFakeJira } from '../fakes/jira';
import { type FakeLinear, type LinearIssueJson, startFakeLinear } from '../fakes/linear';
import { type FakePipedrive, startFakePipedrive } from '../fakes/pipedrive';
import { type FakeSalesforce, startFakeSalesforce } from '../fakes/salesforce';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser';
import { figureLog, saveExtensionLog, sleep, workbench } from './workbench';
import { type CodeServer, createSampleWorkspace, findVsix, repoRoot, startCodeServer } from './codeServer';

const root = repoRoot();
const resultsDir = path.join(root, 'test-results');
const screenshotDir = path.join(resultsDir, 'screenshots');
const START_BRANCH = 'feature/ACME-42-export-pdf';
const ACME7_BRANCH = 'bugfix/ACME-7_typo';
const MISSING_BRANCH = 'feature/ACME-404-missing-ticket';
const BULK_BRANCH = 'feature/ACME-500-bulk-export';
const GH_BRANCHES = ['feature/42-csv-export', 'feature/43-pdf-footer'];
const LINEAR_BRANCHES = ['dana/eng-42-csv-export-times-out', 'dana/eng-43-pdf-footer'];
const JIRA_TITLE_42 = 'Invoices: PDF export for enterprise tenants';
const JIRA_TITLE_7 = 'Footer typo on printed invoices';
/** The Pipedrive deal custom field (40-character key) that holds the ticket key. */
const PD_TICKET_FIELD = '8d2f0c7a1b3e4f5061728394a5b6c7d8e9f00112';
const BULK_DEALS = 500;
/** A time of day as the sidebar writes it (`14:05`, or `02:05 PM` in an en-US locale). */
const HHMM = String.raw`\d{1,2}:\d{2}(?:\s?[AP]M)?`;

const figures = figureLog(path.join(resultsDir, 'providers-figures.json'));
const figure = figures.figure;

/** CC_E2E_VERBOSE=1 prints the sidebar's text at every check. */
const VERBOSE = !!process.env.CC_E2E_VERBOSE;

describe('Customer Context with remote trackers and CRMs (code-server + vendor fakes)', function () {
  this.timeout(120_000);

  let tmp: string;
  let workspace: string;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  let jira: FakeJira;
  let github: FakeGitHub;
  let linear: FakeLinear;
  let hubspot: FakeHubspot;
  let salesforce: FakeSalesforce;
  let pipedrive: FakePipedrive;
  let fakes: Record<string, FakeServer>;
  let coldStart: Mark | undefined;
  /** Seeded ids, by what they stand for. */
  const ids: Record<string, string> = {};

  /** Runs git in the workspace as a person would in a terminal; waits out the Git extension's index.lock. */
  function git(...args: string[]): string {
    for (let attempt = 1; ; attempt++) {
      try {
        return execFileSync('git', args, { cwd: workspace, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        const stderr = String((e as { stderr?: unknown }).stderr ?? '');
        if (attempt >= 10 || !/index\.lock/.test(stderr)) throw e;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // What a person sees

  const { statusItem, sidebar, sidebarText, openSidebar, refresh } = workbench(() => page);

  async function statusShows(text: RegExp, timeout = 20_000): Promise<string> {
    await statusItem().filter({ hasText: text }).waitFor({ state: 'visible', timeout }).catch(async () => {
      assert.fail(`the status bar never showed ${text}; it shows "${await statusItem().innerText().catch(() => '?')}"`);
    });
    return statusItem().innerText();
  }

  /**
   * Waits until the sidebar's text has every `expected` and none of `absent`, and is not "Loading…" (cached
   * data shows while a refetch runs); returns that text.
   */
  async function sidebarShows(expected: Array<string | RegExp>, opts: { absent?: Array<string | RegExp>; timeout?: number } = {}): Promise<string> {
    const has = (text: string, e: string | RegExp) => (typeof e === 'string' ? text.includes(e) : e.test(text));
    const t0 = Date.now();
    for (;;) {
      const text = await sidebarText();
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

  // ---------------------------------------------------------------------------------------------
  // What the vendors receive

  type Mark = Record<string, number>;
  const mark = (): Mark => Object.fromEntries(Object.entries(fakes).map(([n, f]) => [n, f.requests.length]));

  /** Waits until no fake received anything for `quietMs`, so a count includes trailing requests. */
  async function settle(quietMs = 1_000, maxMs = 8_000): Promise<void> {
    const t0 = Date.now();
    let last = JSON.stringify(mark());
    let since = Date.now();
    while (Date.now() - since < quietMs && Date.now() - t0 < maxMs) {
      await sleep(100);
      const now = JSON.stringify(mark());
      if (now !== last) {
        last = now;
        since = Date.now();
      }
    }
  }

  function requestsSince(m: Mark): Record<string, ReceivedRequest[]> {
    const out: Record<string, ReceivedRequest[]> = {};
    for (const [name, f] of Object.entries(fakes)) {
      const reqs = f.requests.slice(m[name] ?? 0);
      if (reqs.length) out[name] = reqs;
    }
    return out;
  }

  /** `Jira 1 (GET /rest/api/3/issue/ACME-7), HubSpot 4 (POST …/batch/read ×2, …)`. */
  function describeRequests(byFake: Record<string, ReceivedRequest[]>): { total: number; text: string } {
    let total = 0;
    const parts: string[] = [];
    for (const [name, reqs] of Object.entries(byFake)) {
      total += reqs.length;
      const kinds = new Map<string, number>();
      for (const r of reqs) {
        const what = `${r.method} ${r.path}`;
        kinds.set(what, (kinds.get(what) ?? 0) + 1);
      }
      const list = [...kinds].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
      parts.push(`${name} ${reqs.length} (${list})`);
    }
    return { total, text: parts.join('; ') || 'none' };
  }

  function reportRequests(label: string, m: Mark): Record<string, ReceivedRequest[]> {
    const byFake = requestsSince(m);
    const { total, text } = describeRequests(byFake);
    figure(label, `${total} HTTP requests — ${text}`);
    return byFake;
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration

  const baseWorkspaceSettings = {
    'customerContext.hubspot.ticketProperty': 'jira_issue_key',
    'customerContext.salesforce.ticketField': 'Jira_Key__c',
    'customerContext.pipedrive.ticketField': PD_TICKET_FIELD,
    'customerContext.github.repository': 'acme/app',
    'customerContext.csv.file': 'deals.csv',
  };

  /** Writes the workspace's .vscode/settings.json (VS Code applies it live). */
  function configure(patch: Record<string, unknown>): void {
    const file = path.join(workspace, '.vscode', 'settings.json');
    fs.writeFileSync(file, JSON.stringify({ ...baseWorkspaceSettings, ...patch }, null, 2));
  }

  const jiraWith = (crm: string, dealField: string) => ({
    'customerContext.tracker': 'jira',
    'customerContext.crm': crm,
    'customerContext.jira.dealField': dealField,
  });

  // ---------------------------------------------------------------------------------------------
  // Seeding

  function jiraIssue(id: string, key: string, summary: string, fields: Record<string, unknown>): JiraIssueJson {
    return {
      id,
      key,
      self: `https://acme.atlassian.net/rest/api/3/issue/${id}`,
      fields: {
        summary,
        status: { name: 'In Progress', statusCategory: { key: 'indeterminate' } },
        assignee: { accountId: '5b10a2844c20165700ede21g', displayName: 'Dana Dev', active: true },
        labels: [],
        comment: { comments: [], maxResults: 0, total: 0, startAt: 0 },
        ...fields,
      },
    };
  }

  function seedHubspot(): void {
    const anna = hubspot.addOwner('Anna', 'Petrova', 'anna.petrova@example.com');
    const bob = hubspot.addOwner('Bob', 'Martin', 'bob.martin@example.com');
    const globex = hubspot.addCompany('Globex LLC', undefined, 'globex.example');
    const initech = hubspot.addCompany('Initech', undefined, 'initech.example');
    const umbrella = hubspot.addCompany('Umbrella Corp', undefined, 'umbrella.example');
    // Referenced from the Jira deal field only.
    ids.hsGlobex = hubspot.addDeal({
      dealname: 'Globex – invoicing rollout', amount: '120000', deal_currency_code: 'USD', pipeline: 'default',
      dealstage: 'contractsent', closedate: '2026-12-15T00:00:00.000Z', hubspot_owner_id: anna,
    }, [globex]);
    // Holds the key in its ticket property only.
    ids.hsInitech = hubspot.addDeal({
      dealname: 'Initech – expansion', amount: '80000', deal_currency_code: 'EUR', pipeline: 'default',
      dealstage: 'qualifiedtobuy', closedate: '2026-11-20T00:00:00.000Z', hubspot_owner_id: bob, jira_issue_key: 'ACME-42',
    }, [initech]);
    ids.hsUmbrella = hubspot.addDeal({
      dealname: 'Umbrella – footer fix', amount: '45000', deal_currency_code: 'USD', pipeline: 'default',
      dealstage: 'appointmentscheduled', closedate: '2027-01-10T00:00:00.000Z', hubspot_owner_id: anna,
    }, [umbrella]);
    // ACME-500: 500 deals found by the ticket property, 500 companies, 5 owners.
    const owners = [anna, bob, ...['Carla Diaz', 'Dmitri Ivanov', 'Eve Adams'].map((n) => {
      const [first, last] = n.split(' ');
      return hubspot.addOwner(first, last, `${first.toLowerCase()}@example.com`);
    })];
    const stages = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent'];
    for (let i = 1; i <= BULK_DEALS; i++) {
      const n = String(i).padStart(3, '0');
      const company = hubspot.addCompany(`Customer ${n}`);
      hubspot.addDeal({
        dealname: `Bulk deal ${n}`, amount: String(1000 + i * 10), deal_currency_code: 'USD', pipeline: 'default',
        dealstage: stages[i % stages.length], closedate: `2027-0${1 + (i % 9)}-15T00:00:00.000Z`,
        hubspot_owner_id: owners[i % owners.length], jira_issue_key: 'ACME-500',
      }, [company]);
    }
  }

  function seedSalesforce(): void {
    const anna = salesforce.addUser('Anna Petrova', 'anna.petrova@example.com');
    const bob = salesforce.addUser('Bob Martin', 'bob.martin@example.com');
    const globex = salesforce.addAccount('Globex LLC');
    const initech = salesforce.addAccount('Initech');
    const umbrella = salesforce.addAccount('Umbrella Corp');
    ids.sfGlobex = salesforce.addOpportunity({
      Name: 'Globex – invoicing rollout', Amount: 120000, CurrencyIsoCode: 'USD', StageName: 'Negotiation/Review',
      CloseDate: '2026-12-15', AccountId: globex, OwnerId: anna, Jira_Key__c: null,
    });
    ids.sfInitech = salesforce.addOpportunity({
      Name: 'Initech – expansion', Amount: 80000, CurrencyIsoCode: 'EUR', StageName: 'Id. Decision Makers',
      CloseDate: '2026-11-20', AccountId: initech, OwnerId: bob, Jira_Key__c: 'ACME-42',
    });
    ids.sfUmbrella = salesforce.addOpportunity({
      Name: 'Umbrella – footer fix', Amount: 45000, CurrencyIsoCode: 'USD', StageName: 'Prospecting',
      CloseDate: '2027-01-10', AccountId: umbrella, OwnerId: anna, Jira_Key__c: null,
    });
    ids.sfHooli = salesforce.addOpportunity({
      Name: 'Hooli – CSV export', Amount: 30000, CurrencyIsoCode: 'USD', StageName: 'Prospecting',
      CloseDate: '2027-02-01', AccountId: salesforce.addAccount('Hooli'), OwnerId: bob, Jira_Key__c: '#43',
    });
  }

  function seedPipedrive(): void {
    const anna = pipedrive.addUser('Anna Petrova', 'anna.petrova@example.com');
    const bob = pipedrive.addUser('Bob Martin', 'bob.martin@example.com');
    const globex = pipedrive.addOrganization('Globex LLC');
    const initech = pipedrive.addOrganization('Initech');
    const umbrella = pipedrive.addOrganization('Umbrella Corp');
    const common = { pipeline_id: 1, status: 'open' };
    ids.pdGlobex = String(pipedrive.addDeal({
      ...common, title: 'Globex – invoicing rollout', value: 120000, currency: 'USD', stage_id: 4,
      expected_close_date: '2026-12-15', owner_id: anna, creator_user_id: anna, org_id: globex, custom_fields: { [PD_TICKET_FIELD]: null },
    }));
    ids.pdInitech = String(pipedrive.addDeal({
      ...common, title: 'Initech – expansion', value: 80000, currency: 'EUR', stage_id: 2,
      expected_close_date: '2026-11-20', owner_id: bob, creator_user_id: bob, org_id: initech, custom_fields: { [PD_TICKET_FIELD]: 'ACME-42' },
    }));
    ids.pdUmbrella = String(pipedrive.addDeal({
      ...common, title: 'Umbrella – footer fix', value: 45000, currency: 'USD', stage_id: 1,
      expected_close_date: '2027-01-10', owner_id: anna, creator_user_id: anna, org_id: umbrella, custom_fields: { [PD_TICKET_FIELD]: 'ENG-43' },
    }));
  }

  function seedJira(): void {
    jira.addIssue(jiraIssue('10042', 'ACME-42', JIRA_TITLE_42, {
      customfield_10050: ids.hsGlobex,
      customfield_10051: `https://acme.my.salesforce.com/lightning/r/Opportunity/${ids.sfGlobex}/view`,
      customfield_10052: [{ self: 'https://acme.atlassian.net/rest/api/3/customFieldOption/1', value: ids.pdGlobex, id: '1' }],
    }));
    jira.addIssue(jiraIssue('10007', 'ACME-7', JIRA_TITLE_7, {
      customfield_10050: ids.hsUmbrella,
      customfield_10051: ids.sfUmbrella,
      customfield_10052: ids.pdUmbrella,
    }));
    jira.addIssue(jiraIssue('10500', 'ACME-500', 'Bulk export for the 500 pilot customers', {}));
  }

  function seedGitHub(): void {
    const issue = (n: number, title: string, labels: string[]): GitHubIssueJson => ({
      ...structuredClone(githubIssueFixture),
      number: n,
      id: 2890012300 + n,
      title,
      url: `https://api.github.com/repos/acme/app/issues/${n}`,
      html_url: `https://github.com/acme/app/issues/${n}`,
      labels: labels.map((name, i) => ({ id: 208045900 + i, name, color: '0e8a16', default: false, description: null })),
      body: 'Customers need this.',
    });
    github.addIssue(issue(42, 'CSV export times out (GitHub)', [`deal:${ids.sfGlobex}`]));
    github.addIssue(issue(43, 'PDF footer overlaps the totals (GitHub)', ['customer-escalation']));
  }

  function seedLinear(): void {
    const issue = (n: number, title: string, labels: string[]): LinearIssueJson => ({
      ...structuredClone(linearIssueFixture),
      id: `9cfb482a-81e3-4154-b5b9-2c805e70a0${n}`,
      identifier: `ENG-${n}`,
      title,
      url: `https://linear.app/acme/issue/ENG-${n}`,
      labels: { nodes: labels.map((name, i) => ({ id: `5a6b7c8d-1111-4aaa-8bbb-00000000000${i}`, name, color: '#4EA7FC' })) },
      attachments: { nodes: [] },
      comments: { nodes: [] },
    });
    linear.addIssue(issue(42, 'CSV export times out (Linear)', [`deal:${ids.pdGlobex}`]));
    linear.addIssue(issue(43, 'PDF footer overlaps the totals (Linear)', []));
  }

  // ---------------------------------------------------------------------------------------------

  before(async function () {
    this.timeout(180_000);
    fs.mkdirSync(screenshotDir, { recursive: true });
    [jira, github, linear, hubspot, salesforce, pipedrive] = await Promise.all([
      startFakeJira({ fixtures: false }),
      startFakeGitHub({ fixtures: false }),
      startFakeLinear({ fixtures: false }),
      startFakeHubspot({ dealProperties: ['jira_issue_key'] }),
      startFakeSalesforce({
        opportunityFields: ['Jira_Key__c'],
        // toLabel() answers what the org's users see, which here differs from the picklist API value.
        stageLabels: { 'Negotiation/Review': 'Negotiation & Review', 'Id. Decision Makers': 'Identify Decision Makers', Prospecting: 'Prospecting' },
      }),
      startFakePipedrive(),
    ]);
    fakes = { Jira: jira, GitHub: github, Linear: linear, HubSpot: hubspot, Salesforce: salesforce, Pipedrive: pipedrive };
    seedHubspot();
    seedSalesforce();
    seedPipedrive();
    seedJira();
    seedGitHub();
    seedLinear();

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-providers-'));
    workspace = createSampleWorkspace(path.join(tmp, 'workspace'), root);
    for (const b of [MISSING_BRANCH, BULK_BRANCH, ...GH_BRANCHES, ...LINEAR_BRANCHES]) git('branch', b);
    configure(jiraWith('hubspot', 'customfield_10050'));

    const linearUrl = `${linear.url}/graphql`;
    server = await startCodeServer({
      tmpDir: tmp,
      vsix: findVsix(root),
      logFile: path.join(resultsDir, 'providers', 'code-server.log'),
      settings: {
        'customerContext.jira.baseUrl': jira.url,
        'customerContext.jira.email': jira.email,
        'customerContext.jira.deployment': 'cloud',
        'customerContext.github.apiUrl': github.url,
        'customerContext.linear.apiUrl': linearUrl,
        'customerContext.hubspot.apiUrl': hubspot.url,
        'customerContext.salesforce.instanceUrl': salesforce.url,
        'customerContext.pipedrive.apiUrl': pipedrive.url,
      },
      env: {
        CUSTOMER_CONTEXT_JIRA_TOKEN: jira.token,
        CUSTOMER_CONTEXT_JIRA_URL: jira.url,
        CUSTOMER_CONTEXT_GITHUB_TOKEN: github.token,
        CUSTOMER_CONTEXT_GITHUB_URL: github.url,
        CUSTOMER_CONTEXT_LINEAR_TOKEN: linear.apiKey,
        CUSTOMER_CONTEXT_LINEAR_URL: linearUrl,
        CUSTOMER_CONTEXT_HUBSPOT_TOKEN: hubspot.token,
        CUSTOMER_CONTEXT_HUBSPOT_URL: hubspot.url,
        CUSTOMER_CONTEXT_SALESFORCE_TOKEN: salesforce.token,
        CUSTOMER_CONTEXT_SALESFORCE_URL: salesforce.url,
        CUSTOMER_CONTEXT_PIPEDRIVE_TOKEN: pipedrive.token,
        CUSTOMER_CONTEXT_PIPEDRIVE_URL: pipedrive.url,
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    coldStart = mark();
    const t0 = Date.now();
    await page.goto(server.folderUrl(workspace));
    await page.locator('.statusbar').waitFor({ timeout: 60_000 });
    await statusShows(/ACME-42 · Globex LLC \+1/, 60_000);
    figure('page open → status bar shows ACME-42 from Jira + HubSpot', `${Date.now() - t0} ms`);
    await openSidebar();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await page.screenshot({ path: path.join(screenshotDir, `providers-failed-${name}.png`) }).catch(() => undefined);
      console.log(`      sidebar at failure:\n${(await sidebarText()).replace(/^/gm, '        | ')}`);
      if (server) saveExtensionLog(server.userDataDir, path.join(resultsDir, 'providers', `extension-${name}.log`));
    }
    jira?.clearFaults();
  });

  after(async function () {
    this.timeout(30_000);
    fs.mkdirSync(resultsDir, { recursive: true });
    figures.write();
    if (server) saveExtensionLog(server.userDataDir, path.join(resultsDir, 'providers', 'extension.log'));
    await browser?.close();
    await server?.stop();
    await Promise.all(Object.values(fakes ?? {}).map((f) => f.stop().catch(() => undefined)));
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  // ---------------------------------------------------------------------------------------------
  // Issue #4: the ticket of the branch, from Jira, GitHub and Linear

  it('Jira: shows the ticket of the branch and follows `git checkout` to another ticket (issue #4)', async () => {
    await sidebarShows(['ACME-42', JIRA_TITLE_42, 'Globex LLC', 'Initech']);
    await settle();
    reportRequests('cold lookup at start-up, Jira + HubSpot (ACME-42, 2 deals)', coldStart!);

    const m = mark();
    const t0 = Date.now();
    git('checkout', '-q', ACME7_BRANCH);
    await sidebarShows(['ACME-7', JIRA_TITLE_7, 'Umbrella Corp'], { absent: [JIRA_TITLE_42, 'Globex LLC'] });
    figure('git checkout → sidebar shows ACME-7 (Jira + HubSpot)', `${Date.now() - t0} ms`);
    assert.match(await statusShows(/ACME-7\b/), /ACME-7 · Umbrella Corp/);
    await settle();
    const byFake = reportRequests('branch switch to a new ticket, Jira + HubSpot (ACME-7, 1 deal)', m);
    assert.deepEqual(byFake.Jira?.map((r) => `${r.method} ${r.path}`), ['GET /rest/api/3/issue/ACME-7'], 'one Jira request per switch');

    // Back to a ticket seen a moment ago: served from the cache, no request at all.
    const back = mark();
    git('checkout', '-q', START_BRANCH);
    await sidebarShows(['ACME-42', JIRA_TITLE_42, 'Globex LLC'], { absent: ['Umbrella Corp'] });
    await settle();
    const again = reportRequests('branch switch back to a ticket seen within the cache TTL (ACME-42)', back);
    assert.equal(Object.keys(again).length, 0, 'a fresh cached ticket costs no request');
  });

  // ---------------------------------------------------------------------------------------------
  // Issue #5: every customer, linked both ways, per CRM

  const dealFacts = {
    globex: ['Globex LLC', '$120,000', 'Anna Petrova', 'anna.petrova@example.com'],
    initech: ['Initech', '€80,000', 'Bob Martin', 'bob.martin@example.com'],
  };

  /** Checks one deal block: an `h3` with the customer and a `dl` with amount, stage, close date, owner. */
  async function assertDeal(who: string, facts: readonly string[], stage: string): Promise<void> {
    const view = sidebar();
    const deal = view.getByRole('listitem').filter({ has: view.getByRole('heading', { level: 3, name: who, exact: true }) });
    const text = await deal.innerText({ timeout: 10_000 });
    for (const f of [...facts, 'Amount', 'Stage', stage, 'Close date', 'Sales owner']) assert.ok(text.includes(f), `the ${who} deal lacks "${f}":\n${text}`);
  }

  /** Checks the Globex and Initech deal blocks and the "Total at stake" group for the two. */
  async function assertTwoDeals(stages: { globex: string; initech: string }): Promise<void> {
    await assertDeal('Globex LLC', dealFacts.globex, stages.globex);
    await assertDeal('Initech', dealFacts.initech, stages.initech);
    const total = await sidebar().getByRole('group', { name: 'Total at stake' }).innerText({ timeout: 10_000 });
    assert.match(total, /\$120,000/, total);
    assert.match(total, /€80,000/, total);
    assert.match(total, /2 customers, 2 deals/, total);
  }

  it('HubSpot: every customer of the ticket, linked both ways, with stage labels, owners and total (issue #5)', async () => {
    const text = await sidebarShows(['ACME-42', JIRA_TITLE_42, 'Globex LLC', 'Initech', 'Contract Sent', 'Qualified To Buy']);
    assert.doesNotMatch(text, /contractsent|qualifiedtobuy/, 'stage ids instead of labels');
    await assertTwoDeals({ globex: 'Contract Sent', initech: 'Qualified To Buy' });
    assert.match(await statusShows(/ACME-42/), /ACME-42 · Globex LLC \+1 · \$120K \+ €80K/);
  });

  it(`HubSpot: renders ${BULK_DEALS} deals of one ticket, and says so`, async function () {
    this.timeout(90_000);
    await settle();
    const m = mark();
    const t0 = Date.now();
    git('checkout', '-q', BULK_BRANCH);
    try {
      await sidebar().getByRole('button', { name: `Show all ${BULK_DEALS} deals` }).waitFor({ timeout: 60_000 });
      figure(`git checkout → sidebar shows "Show all ${BULK_DEALS} deals" (HubSpot)`, `${Date.now() - t0} ms`);
      const total = await sidebar().getByRole('group', { name: 'Total at stake' }).innerText();
      assert.match(total, new RegExp(`${BULK_DEALS} customers, ${BULK_DEALS} deals`), total);
      // Sum of 1000 + 10·i for i = 1…500.
      const sum = BULK_DEALS * 1000 + 10 * (BULK_DEALS * (BULK_DEALS + 1)) / 2;
      assert.ok(total.includes(`$${sum.toLocaleString('en-US')}`), `total ${total} is not $${sum.toLocaleString('en-US')}`);
      assert.match(await statusShows(/ACME-500/), /ACME-500 · Customer \d{3} \+499/);
      await settle();
      reportRequests(`lookup of ${BULK_DEALS} deals (HubSpot, owners and pipelines cached)`, m);
      const t1 = Date.now();
      await sidebar().getByRole('button', { name: `Show all ${BULK_DEALS} deals` }).click();
      await sidebar().getByRole('heading', { level: 3, name: 'Customer 001', exact: true }).waitFor({ timeout: 20_000 });
      assert.equal(await sidebar().getByRole('heading', { level: 3 }).filter({ hasText: /^Customer \d{3}$/ }).count(), BULK_DEALS);
      figure(`"Show all ${BULK_DEALS} deals" click → all ${BULK_DEALS} deal blocks in the sidebar`, `${Date.now() - t1} ms`);
    } finally {
      git('checkout', '-q', START_BRANCH);
    }
    await sidebarShows(['ACME-42', 'Globex LLC'], { absent: ['Customer 001'] });
  });

  // ---------------------------------------------------------------------------------------------
  // Error states, in words (Jira + HubSpot, on ACME-42)

  it('401: names the vendor message and offers "Set API Token…"; recovers once the token is accepted', async () => {
    await sidebarShows(['ACME-42', 'Globex LLC']);
    const auth = jira.requireAuth!;
    // The token was revoked at the vendor: the fake now expects another one.
    jira.requireAuth = { ...auth, value: 'Basic cmV2b2tlZA==' };
    try {
      await refresh();
      const text = await sidebarShows([/Jira: HTTP 401 — Client must be authenticated to access this resource\./]);
      await sidebar().getByRole('button', { name: 'Set API Token…' }).waitFor({ timeout: 5_000 });
      assert.match(text, /Set a new API token/);
      assert.match(await statusShows(/ACME-42/), /ACME-42/);
    } finally {
      jira.requireAuth = auth;
    }
    await refresh();
    await sidebarShows(['Globex LLC', 'Initech'], { absent: ['HTTP 401'] });
  });

  it('404: "Ticket ACME-404 not found." with the vendor message', async () => {
    git('checkout', '-q', MISSING_BRANCH);
    try {
      const text = await sidebarShows(['Ticket ACME-404 not found.', /ACME-404 was not found\. Issue does not exist or you do not have permission to see it\./]);
      assert.doesNotMatch(text, /Globex LLC/);
      await sidebar().getByRole('button', { name: 'Set ticket for this branch…' }).waitFor({ timeout: 5_000 });
      assert.match(await statusShows(/ACME-404/), /ACME-404/);
    } finally {
      git('checkout', '-q', START_BRANCH);
    }
    await sidebarShows(['ACME-42', 'Globex LLC']);
  });

  it('429 with Retry-After: says it is rate limited and when it retries, keeps the deals', async () => {
    await sidebarShows(['ACME-42', 'Globex LLC']);
    // Longer than the client waits inline (30 s), so the sidebar has to say when it will retry.
    jira.rateLimit(45, 1);
    await refresh();
    const text = await sidebarShows([/Rate limit exceeded\./, /try again in 4\d s/, new RegExp(`Retrying at ${HHMM}`)]);
    assert.match(text, /Globex LLC/, 'the deals are still shown while rate limited');
    assert.match(text, new RegExp(`Showing data from ${HHMM}`));
    jira.clearFaults();
    await refresh();
    await sidebarShows(['Globex LLC'], { absent: ['Rate limit', 'Retrying at'] });
  });

  it('fake server stopped after a good load: "Offline. Showing data from HH:MM." with the deals', async function () {
    this.timeout(60_000);
    await sidebarShows(['ACME-42', 'Globex LLC']);
    const port = Number(new URL(jira.url).port);
    await jira.stop();
    try {
      await refresh();
      const text = await sidebarShows([new RegExp(`Offline\\. Showing data from ${HHMM}\\.`), 'Globex LLC', 'Initech', /connection was refused/]);
      assert.match(text, /ACME-42/);
      assert.match(await statusShows(/ACME-42/), /ACME-42 · Globex LLC \+1/);
    } finally {
      await jira.start(port);
    }
    await refresh();
    await sidebarShows(['Globex LLC'], { absent: ['Offline.'] });
  });

  it('invalid response (an HTML login page with 200): the detail says what was wrong', async () => {
    await sidebarShows(['ACME-42', 'Globex LLC']);
    const html = '<!DOCTYPE html><html><head><title>Sign in – Acme SSO</title></head><body><form>…</form></body></html>';
    jira.inject({ type: 'reply', reply: { status: 200, raw: html, headers: { 'content-type': 'text/html; charset=utf-8' } } }, 1, (r) => r.path.includes('/issue/'));
    await refresh();
    const text = await sidebarShows(['Could not load the customer context.', /HTTP 200 with an HTML page \("Sign in – Acme SSO"\) instead of JSON/]);
    assert.match(text, new RegExp(`Not refreshed\\. Showing data from ${HHMM}\\.`), 'the last good data stays, labelled');
    assert.match(text, /Globex LLC/);
    await sidebar().getByRole('button', { name: 'Retry' }).click();
    await sidebarShows(['Globex LLC', 'Initech'], { absent: ['HTML page'] });
  });

  // ---------------------------------------------------------------------------------------------
  // Issue #5 with Salesforce, Pipedrive and a CSV export (settings switched live)

  it('Salesforce: both ways, toLabel() stage labels, owners and total; cold lookup cost (issue #5)', async () => {
    await settle();
    const m = mark();
    const t0 = Date.now();
    configure(jiraWith('salesforce', 'customfield_10051'));
    const text = await sidebarShows(['ACME-42', 'Globex LLC', 'Initech', 'Negotiation & Review', 'Identify Decision Makers'], { absent: ['Contract Sent'] });
    figure('settings switched to Salesforce → sidebar shows its deals', `${Date.now() - t0} ms`);
    assert.doesNotMatch(text, /Negotiation\/Review|Id\. Decision Makers/, 'picklist API values instead of labels');
    await assertTwoDeals({ globex: 'Negotiation & Review', initech: 'Identify Decision Makers' });
    await settle();
    const byFake = reportRequests('cold lookup, Jira + Salesforce (ACME-42, 2 deals)', m);
    assert.ok((byFake.Salesforce ?? []).length >= 1);
  });

  it('Pipedrive: both ways, stage names, owners and total; cold lookup cost (issue #5)', async () => {
    await settle();
    const m = mark();
    const t0 = Date.now();
    configure(jiraWith('pipedrive', 'customfield_10052'));
    await sidebarShows(['ACME-42', 'Globex LLC', 'Initech', 'Negotiations Started', 'Contact Made'], { absent: ['Identify Decision Makers'] });
    figure('settings switched to Pipedrive → sidebar shows its deals', `${Date.now() - t0} ms`);
    await assertTwoDeals({ globex: 'Negotiations Started', initech: 'Contact Made' });
    await settle();
    reportRequests('cold lookup, Jira + Pipedrive (ACME-42, 2 deals)', m);
  });

  it('CSV export with a broken row: shows the other rows and names the line in the warnings (issue #5)', async () => {
    const csv = [
      'Ticket,Customer,Amount,Currency,Stage,Close date,Owner,Owner email',
      'ACME-42,Globex LLC,120000,USD,Negotiation,2026-12-15,Anna Petrova,anna.petrova@example.com',
      'ACME-42,Initech,80000,EUR,Proposal,2026-11-20,Bob Martin,bob.martin@example.com',
      'ACME-7,Umbrella Corp,45000,USD,Qualification,2027-01-10,Anna Petrova,anna.petrova@example.com',
      'ACME-42,Hooli,"55,000",USD,Discovery,2026-10-30,Carla Diaz,carla.diaz@example.com',
      'ACME-99,Soylent,1000,USD,Closed Won,2026-09-01,Bob Martin,bob.martin@example.com',
      'ACME-42,Vandelay Industries,lots,USD,Proposal,2026-13-45,Carla Diaz,carla.diaz@example.com',
      'ACME-42,Massive Dynamic,25000,USD,Proposal,2027-03-01,Carla Diaz,carla.diaz@example.com',
    ].join('\r\n');
    fs.writeFileSync(path.join(workspace, 'deals.csv'), csv + '\r\n');
    configure(jiraWith('csv', ''));
    const text = await sidebarShows(['ACME-42', 'Globex LLC', 'Initech', 'Hooli', 'Massive Dynamic', '$55,000', /deals\.csv line 7: amount "lots" is not a number/], {
      absent: ['Negotiations Started', 'Umbrella Corp', 'Soylent'],
    });
    assert.doesNotMatch(text.replace(/deals\.csv line 7[^\n]*/g, ''), /Vandelay/, 'the broken row is shown as a deal');
    const warnings = await sidebar().getByRole('list', { name: 'Warnings' }).innerText();
    assert.match(warnings, /line 7: closeDate "2026-13-45" is not a date/);
    await assertDeal('Globex LLC', dealFacts.globex, 'Negotiation');
    await assertDeal('Initech', dealFacts.initech, 'Proposal');
    const total = await sidebar().getByRole('group', { name: 'Total at stake' }).innerText();
    assert.match(total, /\$200,000/, total); // 120,000 + 55,000 + 25,000 USD
    assert.match(total, /€80,000/, total);
    assert.match(total, /4 customers, 4 deals/, total);
  });

  // ---------------------------------------------------------------------------------------------
  // Issue #4 with GitHub and Linear

  it('GitHub: shows the issue of the branch and follows `git checkout` (issue #4)', async () => {
    git('checkout', '-q', GH_BRANCHES[0]);
    configure({ 'customerContext.tracker': 'github', 'customerContext.crm': 'salesforce' });
    try {
      await sidebarShows(['#42', 'CSV export times out (GitHub)', 'Globex LLC'], { absent: [JIRA_TITLE_42] });
      await statusShows(/#42 · Globex LLC/);
      await settle();
      const m = mark();
      const t0 = Date.now();
      git('checkout', '-q', GH_BRANCHES[1]);
      await sidebarShows(['#43', 'PDF footer overlaps the totals (GitHub)', 'Hooli'], { absent: ['CSV export times out (GitHub)', 'Globex LLC'] });
      figure('git checkout → sidebar shows #43 (GitHub + Salesforce)', `${Date.now() - t0} ms`);
      await statusShows(/#43 · Hooli/);
      await settle();
      const byFake = reportRequests('branch switch to a new issue, GitHub + Salesforce (#43, 1 deal)', m);
      assert.deepEqual(byFake.GitHub?.map((r) => `${r.method} ${r.path}`), ['GET /repos/acme/app/issues/43'], 'one GitHub request per switch (no comments to read)');
    } finally {
      git('checkout', '-q', START_BRANCH);
    }
  });

  it("a repository's .vscode/settings.json cannot send a token elsewhere: the attacker's server gets nothing", async () => {
    const attacker = new FakeServer('attacker');
    await attacker.start();
    try {
      const elsewhere = {
        'jira.baseUrl': attacker.url,
        'jira.email': 'attacker@example.com',
        'hubspot.apiUrl': attacker.url,
        'github.apiUrl': attacker.url,
        'linear.apiUrl': attacker.url,
        'salesforce.instanceUrl': attacker.url,
        'pipedrive.apiUrl': attacker.url,
      };
      const flat = Object.fromEntries(Object.entries(elsewhere).map(([k, v]) => [`customerContext.${k}`, v]));
      // The flat keys, then the nested-object form (the shape of the microsoft/vscode#335112 bypass).
      const forms: Array<[string, Record<string, unknown>]> = [
        ['flat keys', { ...baseWorkspaceSettings, ...jiraWith('hubspot', 'customfield_10050'), ...flat }],
        ['nested object', { customerContext: { tracker: 'jira', crm: 'hubspot', jira: { baseUrl: attacker.url, dealField: 'customfield_10050' }, hubspot: { apiUrl: attacker.url, ticketProperty: 'jira_issue_key' } } }],
      ];
      for (const [form, settings] of forms) {
        fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
        await sleep(1_000); // VS Code applies the workspace file (about 0.6 s)
        const m = mark();
        await refresh();
        await sidebarShows(['ACME-42', JIRA_TITLE_42, 'Globex LLC', 'Initech']);
        await settle();
        assert.equal(attacker.requests.length, 0, `${form}: the attacker received ${attacker.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`);
        assert.ok((requestsSince(m).Jira?.length ?? 0) >= 1, `${form}: the real Jira (user settings) was asked instead`);
      }
    } finally {
      configure(jiraWith('hubspot', 'customfield_10050'));
      await attacker.stop();
    }
  });

  it('Linear: shows the issue of the branch and follows `git checkout` (issue #4)', async () => {
    git('checkout', '-q', LINEAR_BRANCHES[0]);
    configure({ 'customerContext.tracker': 'linear', 'customerContext.crm': 'pipedrive' });
    try {
      await sidebarShows(['ENG-42', 'CSV export times out (Linear)', 'Globex LLC', 'Negotiations Started']);
      await statusShows(/ENG-42 · Globex LLC/);
      await settle();
      const m = mark();
      const t0 = Date.now();
      git('checkout', '-q', LINEAR_BRANCHES[1]);
      await sidebarShows(['ENG-43', 'PDF footer overlaps the totals (Linear)', 'Umbrella Corp'], { absent: ['CSV export times out (Linear)', 'Globex LLC'] });
      figure('git checkout → sidebar shows ENG-43 (Linear + Pipedrive)', `${Date.now() - t0} ms`);
      await statusShows(/ENG-43 · Umbrella Corp/);
      await settle();
      const byFake = reportRequests('branch switch to a new issue, Linear + Pipedrive (ENG-43, 1 deal)', m);
      assert.equal(byFake.Linear?.length, 1, 'one Linear request per switch');
    } finally {
      git('checkout', '-q', START_BRANCH);
      configure(jiraWith('hubspot', 'customfield_10050'));
    }
  });
});
