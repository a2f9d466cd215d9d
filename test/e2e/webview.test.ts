// The sidebar page on its own in Chromium: the real HTML shell (renderSidebarHtml, with its strict CSP
// and nonce), the real bundle (dist/webview.js) and stylesheet, served from 127.0.0.1. A nonce'd preamble
// stands in for VS Code: `acquireVsCodeApi` records what the page posts and keeps getState/setState in
// sessionStorage, so a reload behaves like a webview that VS Code re-creates. No code-server needed.
//
//   node esbuild.mjs && npx tsc -p . --outDir out && \
//     npx mocha --no-config --timeout 60000 out/test/e2e/webview.test.js
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import type { Deal, TicketContext } from '../../src/core/model';
import { type SessionSnapshot, type SidebarState, buildSidebarState } from '../../src/core/viewModel';
import { renderSidebarHtml } from '../../src/core/webviewHtml';
import type { ToWebview } from '../../src/shared/protocol';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser';

/** The repository root: the nearest folder above this file (source or compiled) with our package.json. */
function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && fs.existsSync(path.join(dir, 'src', 'webview')) &&
        JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'customer-context') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no customer-context package.json above ${__dirname}`);
    dir = up;
  }
}

const root = repoRoot();
const SCRIPT = path.join(root, 'dist', 'webview.js');
const STYLE = path.join(root, 'media', 'sidebar.css');
const NONCE = 'dGVzdC1ub25jZS0xMjM0NQ==';
const Noon = new Date(2026, 10, 27, 12, 0, 0).getTime();
const present = { locale: 'en-US', now: Noon, privacy: false };

// ------------------------------------------------------------------------------------------------
// Hostile text, as a CRM, a tracker or a data file could hold it.

const TEN_K = '<img src=x onerror=window.__pwned=1>\u202E'.repeat(300).slice(0, 10_000);
const PAYLOADS: readonly string[] = [
  '<img src=x onerror=window.__pwned=1>',
  '<script>window.__pwned=1</script>',
  '<a href="command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22x%22%7D">x</a>',
  'javascript:window.__pwned=1',
  '" onmouseover="window.__pwned=1" x="',
  "' onfocus='window.__pwned=1' autofocus='",
  '</script><script>window.__pwned=1</script>',
  '\u202Egnp.exe\u202C Acme \u202Bمرحبا\u202C',
  TEN_K,
  // Big List of Naughty Strings samples.
  '<svg><script>0<1>alert(\'XSS\')</script>',
  '"><script>alert(document.title)</script>',
  '<IMG SRC="javascript:alert(\'XSS\');">',
  '<iframe src="http://example.com/"></iframe>',
  '<style>@import url(http://example.com/x.css);</style><link rel=stylesheet href=//example.com/y.css>',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1"><base href="http://example.com/">',
  '<form action="http://example.com/"><button>go</button></form>',
  '{{7*7}} ${7*7} %s%s%s%n \\x00 ../../../etc/passwd',
  'Z̮̞̠͙͔ͅḀ̗̞͈̻̗Ḷ͙͎̯̹̞͓G̻O̭̗̮ 𝕿𝖍𝖊 👩🏽‍💻 田中さんにあげて下さい \u200B\uFEFF ﷽',
  '&lt;img src=x onerror=window.__pwned=1&gt; &amp; &#60;script&#62;',
];

/** A snapshot where each rendered field holds the payload `PAYLOADS[(offset + field) % n]`. */
function hostileSnapshot(offset: number): { snap: SessionSnapshot; pick: (field: number) => string } {
  const pick = (field: number) => PAYLOADS[(offset + field) % PAYLOADS.length];
  const deal: Deal = {
    id: pick(0).slice(0, 200),
    customer: pick(1),
    amount: 120000,
    currency: 'USD',
    stage: pick(2),
    closeDate: '2026-12-02',
    owner: { name: pick(3), email: pick(4) },
    url: 'https://crm.example.com/deals/1',
  };
  const second: Deal = { ...deal, id: `${deal.id}-2`, customer: pick(5), amount: 100, owner: { name: pick(6) } };
  const context: TicketContext = {
    ticket: { key: pick(7), title: pick(8), status: pick(9), url: 'https://tracker.example.com/x', labels: [], dealRefs: [], comments: [] },
    deals: [deal, second],
    warnings: [pick(10)],
  };
  const snap: SessionSnapshot = {
    status: 'error',
    error: { kind: 'server', message: pick(11) },
    branch: pick(12),
    repository: '/repo',
    ticketKey: pick(7),
    context,
    fetchedAt: Noon - 60_000,
    staleBecause: 'Server error.',
    dataProblems: [{ path: pick(13), message: pick(14) }],
    settingsProblems: [pick(15)],
    questions: [
      { id: pick(16).slice(0, 200), text: pick(17), createdAt: pick(18), state: 'Failed', detail: pick(0) },
      { id: 'q-2', text: pick(1), createdAt: '10:42', state: 'Answered', answer: { text: pick(2), by: pick(3), at: pick(4) } },
    ],
    trackerLabel: 'Jira',
    selection: { file: pick(5), startLine: 3, endLine: 9 },
    routes: ['crm', pick(6)],
  };
  return { snap, pick };
}

function readyState(deals: Deal[], title = 'Export invoices to PDF'): SidebarState {
  return buildSidebarState({
    status: 'ready',
    branch: 'feature/ACME-42-export',
    repository: '/repo',
    ticketKey: 'ACME-42',
    context: {
      ticket: { key: 'ACME-42', title, status: 'In Progress', url: 'https://tracker.example.com/ACME-42', labels: [], dealRefs: [], comments: [] },
      deals,
      warnings: [],
    },
    fetchedAt: Noon,
    dataProblems: [],
    settingsProblems: [],
    questions: [],
    trackerLabel: 'Jira',
    routes: ['crm'],
  }, present);
}

function aDeal(i: number): Deal {
  return {
    id: `D-${1000 + i}`,
    customer: `Customer ${i}`,
    amount: 1000 + i,
    currency: i % 3 ? 'USD' : 'EUR',
    stage: 'Negotiation',
    closeDate: `2026-12-${String((i % 28) + 1).padStart(2, '0')}`,
    owner: { name: `Owner ${i % 17}`, email: `owner${i % 17}@example.com` },
    url: `https://crm.example.com/deals/${i}`,
  };
}

// ------------------------------------------------------------------------------------------------
// The page: product HTML plus a test preamble that carries the same nonce; the CSP stays the product's.

const PREAMBLE = `(() => {
  const KEY = 'cc-webview-test-state';
  const t = { posted: [], violations: [], setStateCalls: 0 };
  Object.defineProperty(window, '__test', { value: t });
  document.addEventListener('securitypolicyviolation', (e) => {
    t.violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
  });
  let acquired = false;
  window.acquireVsCodeApi = () => {
    // VS Code allows one acquisition per page; a second one is a bug in the page.
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: (m) => { t.posted.push(JSON.parse(JSON.stringify(m))); },
      getState: () => {
        const s = sessionStorage.getItem(KEY);
        return s === null ? undefined : JSON.parse(s);
      },
      setState: (s) => { sessionStorage.setItem(KEY, JSON.stringify(s)); t.setStateCalls++; return s; },
    });
  };
})();`;

function pageHtml(origin: string): string {
  const html = renderSidebarHtml({
    cspSource: origin,
    scriptUri: `${origin}/dist/webview.js`,
    styleUri: `${origin}/media/sidebar.css`,
    nonce: NONCE,
  });
  const tag = `<script nonce="${NONCE}" src=`;
  assert.ok(html.includes(tag), 'renderSidebarHtml puts the nonce on its script tag');
  return html.replace(tag, `<script nonce="${NONCE}">${PREAMBLE}</script>\n${tag}`);
}

/** What a page got up to, besides rendering. */
interface Watch {
  requests: string[];
  errors: string[];
}

describe('sidebar webview in Chromium (real HTML, CSP and bundle)', function () {
  this.timeout(60_000);

  let server: http.Server;
  let origin: string;
  const served: string[] = [];
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async function () {
    if (!fs.existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run \`node esbuild.mjs\` first`);
    const newest = fs.readdirSync(path.join(root, 'src', 'webview'))
      .map((f) => fs.statSync(path.join(root, 'src', 'webview', f)).mtimeMs)
      .reduce((a, b) => Math.max(a, b), 0);
    if (fs.statSync(SCRIPT).mtimeMs < newest) console.warn(`      ⚠ ${SCRIPT} is older than src/webview/: run \`node esbuild.mjs\``);
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', origin);
      served.push(url.pathname);
      const send = (type: string, body: string | Buffer) => {
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      if (url.pathname === '/') return send('text/html; charset=utf-8', pageHtml(origin));
      if (url.pathname === '/dist/webview.js') return send('text/javascript; charset=utf-8', fs.readFileSync(SCRIPT));
      if (url.pathname === '/media/sidebar.css') return send('text/css; charset=utf-8', fs.readFileSync(STYLE));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });

  /** A fresh page (own sessionStorage) with the sidebar loaded and its `ready` posted. */
  async function openPage(): Promise<{ page: Page; watch: Watch }> {
    const context = await browser.newContext({ viewport: { width: 400, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    const watch: Watch = { requests: [], errors: [] };
    page.on('request', (r) => watch.requests.push(r.url()));
    page.on('pageerror', (e) => watch.errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') watch.errors.push(m.text());
    });
    await page.goto(`${origin}/`);
    await waitReady(page);
    return { page, watch };
  }

  async function waitReady(page: Page): Promise<void> {
    await page.waitForFunction(() => (globalThis as any).__test?.posted.some((m: any) => m.type === 'ready'));
  }

  /** Posts a host message and resolves once the page has reacted to it (its DOM changed). */
  async function send(page: Page, msg: ToWebview): Promise<void> {
    await page.evaluate((m) => new Promise<void>((resolve) => {
      const g = globalThis as any;
      const done = () => {
        mo.disconnect();
        resolve();
      };
      const mo = new g.MutationObserver(done);
      mo.observe(g.document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      g.setTimeout(done, 2000);
      g.postMessage(m, '*');
    }), msg);
  }

  const posted = (page: Page): Promise<any[]> => page.evaluate(() => (globalThis as any).__test.posted);
  const violations = (page: Page): Promise<any[]> => page.evaluate(() => (globalThis as any).__test.violations);
  const pwned = (page: Page): Promise<unknown> => page.evaluate(() => (globalThis as any).__pwned);

  /** Elements or attributes the product never creates: anything like this came from data. */
  function foreignMarkup(page: Page): Promise<string[]> {
    return page.evaluate(() => {
      const doc = (globalThis as any).document;
      const allowed = new Set(['HTML', 'HEAD', 'META', 'LINK', 'TITLE', 'BODY', 'MAIN', 'SECTION', 'P', 'H2', 'H3', 'SPAN',
        'A', 'UL', 'LI', 'DL', 'DT', 'DD', 'DIV', 'BUTTON', 'TEXTAREA', 'INPUT', 'LABEL', 'FORM', 'CODE', 'BLOCKQUOTE', 'SCRIPT']);
      const out: string[] = [];
      for (const el of doc.querySelectorAll('*')) {
        if (!allowed.has(el.tagName)) out.push(`<${el.tagName.toLowerCase()}>`);
        for (const a of el.attributes) if (/^on/i.test(a.name)) out.push(`${el.tagName.toLowerCase()}[${a.name}]`);
        if (el.tagName === 'A' && el.getAttribute('href') !== '#') out.push(`a[href=${el.getAttribute('href')}]`);
      }
      const count = (sel: string) => doc.querySelectorAll(sel).length;
      if (count('script') !== 2) out.push(`${count('script')} scripts`);
      if (count('link') !== 1) out.push(`${count('link')} links`);
      if (count('meta') !== 3) out.push(`${count('meta')} metas`);
      if (count('form') !== 1) out.push(`${count('form')} forms`);
      if (doc.title !== 'Customer Context') out.push(`title ${doc.title}`);
      return out;
    });
  }

  /** The rendered texts, read back through textContent. */
  function rendered(page: Page): Promise<any> {
    return page.evaluate(() => {
      const doc = (globalThis as any).document;
      const text = (el: any) => (el ? el.textContent : null);
      const all = (sel: string, from: any = doc) => [...from.querySelectorAll(sel)];
      return {
        ticketKey: text(doc.querySelector('h2 a[data-key="ticket"]')),
        ticketTitle: text(doc.querySelector('h2 .title')),
        meta: text(doc.querySelector('.head p')),
        detail: text(doc.querySelector('.message .detail')),
        problems: all('ul.problems li').map((li) => ({ path: text(li.querySelector('code')), all: text(li) })),
        warnings: all('ul.warnings li').map(text),
        deals: all('li.deal').map((li) => ({
          customer: text(li.querySelector('h3')),
          rows: Object.fromEntries(all('dt', li).map((dt) => [dt.textContent, text(dt.nextElementSibling)])),
          links: all('a', li).map(text),
          keys: all('[data-key]', li).map((e) => e.getAttribute('data-key')),
        })),
        questions: all('li.question').map((li) => ({
          text: text(li.querySelector('.q-text')),
          meta: text(li.querySelectorAll('p.small')[0]),
          detail: text(li.querySelector(':scope > p.small.error, :scope > p.small.muted')),
          answer: text(li.querySelector('blockquote.answer p')),
          by: text(li.querySelector('blockquote.answer p.small')),
          keys: all('[data-key]', li).map((e) => e.getAttribute('data-key')),
        })),
        selection: text(doc.querySelector('label[for="include-selection"]')),
        routes: text(doc.querySelector('.ask p.muted.small')),
      };
    });
  }

  it('the harness notices markup that reaches the DOM (self-check of the detectors)', async () => {
    const { page, watch } = await openPage();
    // What an innerHTML bug would do: the CSP stops the handler, the detectors must still see it.
    await page.evaluate(() => {
      const doc = (globalThis as any).document;
      doc.getElementById('root').insertAdjacentHTML('beforeend',
        '<img src=x onerror="window.__pwned=1"><a href="command:workbench.action.terminal.sendSequence">x</a>');
    });
    await page.waitForTimeout(300);
    assert.equal(await pwned(page), undefined, 'the CSP blocks the inline handler');
    const foreign = await foreignMarkup(page);
    assert.ok(foreign.includes('<img>') && foreign.some((f) => f.startsWith('a[href=command:')), foreign.join(', '));
    assert.ok((await violations(page)).length > 0, 'the blocked handler is reported as a CSP violation');
    assert.ok(watch.requests.some((u) => u.endsWith('/x')), 'the injected image is requested');
    assert.deepEqual(watch.errors.filter((e) => !/Content Security Policy|404/.test(e)), []);
  });

  it('renders hostile CRM and ticket text as text in every field: nothing runs, loads or links', async () => {
    const servedBefore = served.length;
    const { page, watch } = await openPage();
    for (let offset = 0; offset < PAYLOADS.length; offset++) {
      const { snap } = hostileSnapshot(offset);
      const state = buildSidebarState(snap, present);
      await send(page, { type: 'state', state });
      await send(page, { type: 'openAskForm' });
      const r = await rendered(page);
      const [d1, d2] = state.deals;
      assert.equal(r.ticketKey, state.ticket?.key);
      assert.equal(r.ticketTitle, ` ${state.ticket?.title}`);
      assert.equal(r.meta, `${state.ticket?.status} · branch ${state.branch}`);
      assert.equal(r.detail, state.detail);
      assert.deepEqual(r.problems, state.problems.map((p) => ({ path: p.path, all: `${p.path}: ${p.message}` })));
      assert.deepEqual(r.warnings, state.warnings);
      assert.equal(r.deals.length, 2);
      for (const [i, d] of [d1, d2].entries()) {
        const got = r.deals[i];
        assert.equal(got.customer, d.customer);
        assert.equal(got.rows.Stage, d.stage);
        assert.equal(got.rows['Sales owner'], d.owner?.email ? `${d.owner.name} · ${d.owner.email}` : d.owner?.name);
        assert.deepEqual(got.links, [...(d.owner?.email ? [d.owner.email] : []), 'Open in CRM']);
        assert.deepEqual(got.keys, [...(d.owner?.email ? [`mail-${d.id}`] : []), `deal-${d.id}`]);
      }
      const [q1, q2] = state.questions;
      assert.equal(r.questions[0].text, q1.text);
      assert.equal(r.questions[0].meta, `Failed · ${q1.createdAt}`);
      assert.equal(r.questions[0].detail, q1.detail);
      assert.deepEqual(r.questions[0].keys, [`retry-${q1.id}`, `discard-${q1.id}`]);
      assert.equal(r.questions[1].text, q2.text);
      assert.equal(r.questions[1].answer, q2.answer?.text);
      assert.equal(r.questions[1].by, `— ${q2.answer?.by}, ${q2.answer?.at}`);
      assert.equal(r.selection, `Include selected code (${state.ask.selection})`);
      assert.equal(r.routes, `Goes to: ${state.ask.routes}`);
      // Every payload went through verbatim (the state is the view model's, not a sanitised copy).
      const body: string = await page.evaluate(() => (globalThis as any).document.body.textContent);
      for (let f = 0; f < 19; f++) {
        const p = hostileSnapshot(offset).pick(f);
        if (f === 0 || f === 16) continue; // ids are attributes, checked through data-key above
        assert.ok(body.includes(p), `field ${f}: ${JSON.stringify(p.slice(0, 60))} is shown verbatim`);
      }
      // Pointer and keyboard over what was rendered: an injected handler would fire now.
      for (const sel of ['li.deal h3', 'li.deal dd', 'h2 .title', 'ul.warnings li', 'li.question .q-text']) {
        const el = page.locator(sel).first();
        await el.hover({ timeout: 2000 }).catch(() => undefined);
      }
      assert.deepEqual(await foreignMarkup(page), [], `offset ${offset}: no element or attribute from data`);
    }
    // Links ask the host; they never navigate, even with hostile ids.
    await page.locator('li.deal a', { hasText: 'Open in CRM' }).first().click();
    const last = hostileSnapshot(PAYLOADS.length - 1).pick(0).slice(0, 200);
    assert.deepEqual((await posted(page)).at(-1), { type: 'openDeal', dealId: last });
    await page.waitForTimeout(300); // time for an image error or a navigation to happen
    assert.equal(await pwned(page), undefined, 'no payload ran');
    assert.equal(page.url(), `${origin}/`, 'still on the page');
    assert.deepEqual(await violations(page), [], 'no CSP violation (nothing even tried)');
    const expected = [`${origin}/`, `${origin}/dist/webview.js`, `${origin}/media/sidebar.css`];
    assert.deepEqual([...watch.requests].sort(), expected, 'the page requested only itself, its script and its stylesheet');
    assert.deepEqual(served.slice(servedBefore).filter((p) => p !== '/favicon.ico').sort(), ['/', '/dist/webview.js', '/media/sidebar.css'],
      'and the server saw nothing else');
    assert.deepEqual(watch.errors, []);
  });

  it('is usable from the keyboard: Tab reaches the ticket, Ask sales, Question and Send; Enter/Space activate', async () => {
    const { page } = await openPage();
    await send(page, { type: 'state', state: readyState([aDeal(1), aDeal(2)]) });
    const focused = () => page.evaluate(() => {
      const el = (globalThis as any).document.activeElement;
      return { tag: el.tagName, text: (el.textContent ?? '').trim(), key: el.dataset?.key ?? null, id: el.id || null };
    });
    /** Presses Tab until `match`, returning the stops on the way. */
    async function tabTo(match: (f: Awaited<ReturnType<typeof focused>>) => boolean, max = 20): Promise<string[]> {
      const stops: string[] = [];
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        const f = await focused();
        stops.push(f.key ?? f.id ?? f.text);
        if (match(f)) return stops;
      }
      throw new Error(`not reached by Tab; stops: ${stops.join(' → ')}`);
    }
    const stops = await tabTo((f) => f.key === 'ticket');
    assert.deepEqual(stops, ['ticket'], 'the ticket link is the first stop');
    await page.keyboard.press('Enter');
    assert.deepEqual((await posted(page)).at(-1), { type: 'openTicket' });

    const toAsk = await tabTo((f) => f.tag === 'BUTTON' && f.text === 'Ask sales');
    assert.deepEqual(toAsk, ['mail-D-1002', 'deal-D-1002', 'mail-D-1001', 'deal-D-1001', 'ask']);
    await page.keyboard.press('Space');
    const question = page.getByLabel('Question', { exact: true });
    assert.equal(await question.evaluate((el: any) => el === el.ownerDocument.activeElement), true, 'Space opened the form and focused Question');
    assert.equal(await page.getByRole('button', { name: 'Ask sales' }).getAttribute('aria-expanded'), 'true');
    await page.keyboard.type('Which seats does Acme need?');
    // One stop (Send) when hidden parts stay hidden; see the test below for the stray checkbox.
    await tabTo((f) => f.text === 'Send to sales', 2);
    await page.keyboard.press('Enter');
    assert.deepEqual((await posted(page)).at(-1), { type: 'sendQuestion', text: 'Which seats does Acme need?', includeSelection: false });

    await send(page, { type: 'sendResult', ok: false, message: 'HubSpot: 503' });
    assert.equal(await question.evaluate((el: any) => el === el.ownerDocument.activeElement), true, 'a failure returns focus to the text');
    await tabTo((f) => f.text === 'Send to sales', 2);
    const before = (await posted(page)).length;
    await page.keyboard.press('Space');
    assert.equal((await posted(page)).length, before + 1, 'Space on Send to sales sends');
    await send(page, { type: 'sendResult', ok: false, message: 'HubSpot: 503 again' });

    await page.keyboard.press('Escape');
    assert.equal((await focused()).key, 'ask', 'Escape closes the form and focus goes back to Ask sales');
    assert.equal(await question.isVisible(), false);
    await page.keyboard.press('Enter');
    assert.equal(await question.isVisible(), true, 'Enter on Ask sales opens the form again');
  });

  it('keeps hidden parts hidden: no stray "include selection" checkbox without a selection', async () => {
    const { page } = await openPage();
    await send(page, { type: 'state', state: readyState([aDeal(1)]) });
    await page.getByRole('button', { name: 'Ask sales' }).click();
    const box = page.locator('#include-selection');
    assert.equal(await box.evaluate((el: any) => el.closest('[hidden]') !== null), true, 'the row is marked hidden');
    // `.row { display: flex }` in media/sidebar.css beats the user agent's `[hidden] { display: none }`.
    assert.equal(await box.isVisible(), false, 'a checkbox with an empty label is shown (and is a Tab stop)');
  });

  it('keeps the typed draft across a re-render with a new state and across a reload', async () => {
    const { page } = await openPage();
    await send(page, { type: 'state', state: readyState([aDeal(1)]) });
    await page.getByRole('button', { name: 'Ask sales' }).click();
    const question = page.getByLabel('Question', { exact: true });
    const draft = 'Does <b>Acme</b> need SSO\u202E before 30 Nov?\nSecond line';
    await question.fill(draft);
    await send(page, { type: 'state', state: readyState([aDeal(1), aDeal(2), aDeal(3)], 'A new title') });
    assert.equal(await page.locator('h2 .title').textContent(), ' A new title');
    assert.equal(await question.inputValue(), draft, 'a new snapshot leaves the text alone');
    assert.equal(await question.evaluate((el: any) => el === el.ownerDocument.activeElement), true, 'and the focus');

    await page.reload();
    await waitReady(page);
    assert.equal(await question.inputValue(), draft, 'restored from getState before any snapshot');
    await send(page, { type: 'state', state: readyState([aDeal(1)]) });
    assert.equal(await question.inputValue(), draft);
    assert.equal(await question.isVisible(), true, 'the form is still open after the reload');
    const saved = await page.evaluate(() => JSON.parse((globalThis as any).sessionStorage.getItem('cc-webview-test-state')));
    assert.equal(saved?.drafts?.['ACME-42'], draft, 'the draft lives in the webview state (setState), per ticket, not only in the DOM');
  });

  it('keeps the text and shows the reason when a send fails', async () => {
    const { page } = await openPage();
    await send(page, { type: 'state', state: readyState([aDeal(1)]) });
    await page.getByRole('button', { name: 'Ask sales' }).click();
    const question = page.getByLabel('Question', { exact: true });
    await question.fill('Is the renewal at risk?');
    await page.getByRole('button', { name: 'Send to sales' }).click();
    assert.deepEqual((await posted(page)).at(-1), { type: 'sendQuestion', text: 'Is the renewal at risk?', includeSelection: false });
    assert.equal(await page.getByRole('button', { name: 'Send to sales' }).isDisabled(), true, 'no double send while sending');
    assert.equal(await question.evaluate((el: any) => el.readOnly), true);

    const reason = 'HubSpot refused the task: <img src=x onerror=window.__pwned=1> (403)';
    await send(page, { type: 'sendResult', ok: false, message: reason });
    const status = page.getByRole('status').filter({ hasText: 'HubSpot refused' });
    assert.equal(await status.textContent(), reason);
    assert.match((await status.getAttribute('class')) ?? '', /\berror\b/);
    assert.equal(await question.inputValue(), 'Is the renewal at risk?');
    assert.equal(await question.evaluate((el: any) => el.readOnly), false);
    assert.equal(await page.getByRole('button', { name: 'Send to sales' }).isDisabled(), false, 'can retry');
    assert.equal(await question.evaluate((el: any) => el === el.ownerDocument.activeElement), true);
    await page.reload();
    await waitReady(page);
    assert.equal(await question.inputValue(), 'Is the renewal at risk?', 'the failed text survives a reload');
    await send(page, { type: 'state', state: readyState([aDeal(1)]) });
    await page.getByRole('button', { name: 'Send to sales' }).click();
    await send(page, { type: 'sendResult', ok: true, message: 'Sent to Anna Petrova.' });
    assert.equal(await question.inputValue(), '', 'a successful send clears the text');
    assert.equal(await pwned(page), undefined);
  });

  it('renders 500 deals quickly and shows 25 until "Show all 500 deals"', async () => {
    const { page } = await openPage();
    const state = readyState(Array.from({ length: 500 }, (_, i) => aDeal(i)));
    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      // From posting the snapshot (structured clone included) until the button is in the DOM.
      const ms = await page.evaluate((s) => new Promise<number>((resolve) => {
        const g = globalThis as any;
        const t0 = g.performance.now();
        const mo = new g.MutationObserver(() => {
          if (g.document.querySelector('button[data-key="show-all"]') && g.document.querySelectorAll('li.deal').length) {
            mo.disconnect();
            resolve(g.performance.now() - t0);
          }
        });
        // A first render must not be mistaken for this one.
        g.document.querySelector('.deals').replaceChildren();
        mo.observe(g.document.body, { subtree: true, childList: true });
        g.postMessage({ type: 'state', state: s }, '*');
      }), state);
      times.push(ms);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(`      [figure] webview render 500 deals: ${median.toFixed(1)} ms (median of ${times.length}; first ${times[0].toFixed(1)} ms; all ${times.map((t) => t.toFixed(1)).join(', ')})`);
    assert.ok(median < 1000, `rendering 500 deals took ${median} ms`);

    assert.equal(await page.locator('li.deal').count(), 25);
    const showAll = page.getByRole('button', { name: 'Show all 500 deals' });
    assert.equal(await showAll.count(), 1);
    await showAll.focus();
    const showMs = await page.evaluate(() => {
      const g = globalThis as any;
      const t0 = g.performance.now();
      g.document.activeElement.click(); // renders synchronously
      if (g.document.querySelectorAll('li.deal').length !== 500) return -1;
      return g.performance.now() - t0;
    });
    assert.equal(await page.locator('li.deal').count(), 500);
    console.log(`      [figure] webview "Show all" → 500 deals in the DOM: ${showMs.toFixed(1)} ms`);
    assert.equal(await showAll.count(), 0, 'the button goes once everything is shown');
  });
});
