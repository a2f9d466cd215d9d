// Issue #14 in the real VS Code: the packaged .vsix in code-server (VS Code 1.100), driven in Chromium.
//   1. Russian display language (the tests' language pack), `customerContext.language` at auto: the
//      palette lists our commands by their Russian titles (package.nls.ru.json), the worklist's title,
//      the sidebar and the status bar tooltip are Russian, amounts are formatted by Intl for `ru`.
//   2. English display with `customerContext.language: "ar"` and a data file with Latin, Arabic and
//      Cyrillic customer names: the sidebar is `<html dir="rtl" lang="ar">`, no bidi override anywhere,
//      every name takes its own script's direction, amounts and dates are Intl `ar`, the tooltip is
//      Arabic; the setting changed to `ru`, then `en` in the Settings editor re-renders the sidebar
//      without a reload (outside edits of settings.json reach the web workbench only on reload).
//   3. Accessibility in en, ru and ar, in Dark, Light and High Contrast: every button, link and the
//      text box has a name in the sidebar's language (ARIA snapshot), Tab walks the controls in reading
//      order with a visible focus ring, an empty Send puts its error into a live region.
//   4. Screenshots test-results/screenshots/sidebar-<lang>-<theme>.png (3 languages × 3 themes).
// Expected words come from the bundles (l10n/, package.nls.ru.json), numbers and dates from Intl.
//
//   node scripts/testE2e.mjs --suite=l10n
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from './codeServer';
import { type Harness, screenshotOnFailure, startHarness, stopHarness } from './harness';
import {
  figureLog, paletteLabels, setEnumSetting, statusTooltip, until, workbench, worklistView,
} from './workbench';

const root = repoRoot();
const resultsDir = path.join(root, 'test-results');
const screenshotDir = path.join(resultsDir, 'screenshots');
const figures = figureLog(path.join(resultsDir, 'l10n-figures.json'));
const figure = figures.figure;

type Lang = 'en' | 'ru' | 'ar';
/** Tall enough for four deals, the open form and its error in one sidebar screenshot. */
const TallViewport = { width: 1280, height: 1700 };
const Langs: readonly Lang[] = ['en', 'ru', 'ar'];

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as T;
const bundles: Record<Lang, Record<string, string>> = {
  en: {},
  ru: readJson('l10n/bundle.l10n.ru.json'),
  ar: readJson('l10n/bundle.l10n.ar.json'),
};

/** A message's translation; a message missing from the bundle fails the test (English is the key). */
function tr(lang: Lang, message: string, ...args: Array<string | number>): string {
  const text = lang === 'en' ? message : bundles[lang][message];
  assert.ok(text !== undefined, `l10n/bundle.l10n.${lang}.json has no entry for ${JSON.stringify(message)}`);
  return fill(text, args, lang);
}

/** The plural form of `other` for `n`, as the L10N contract keys it (`<other>|<CLDR category>`). */
function pl(lang: Lang, n: number, one: string, other: string, ...args: Array<string | number>): string {
  const category = new Intl.PluralRules(lang).select(n);
  if (lang === 'en') return fill(category === 'one' ? one : other, [n, ...args], lang);
  const key = `${other}|${category}`;
  const form = bundles[lang][key];
  assert.ok(form !== undefined, `l10n/bundle.l10n.${lang}.json has no plural form ${JSON.stringify(key)}`);
  return fill(form, [n, ...args], lang);
}

function fill(text: string, args: ReadonlyArray<string | number>, lang: Lang): string {
  return text.replace(/\{(\d+)\}/g, (whole, i: string) => {
    const v = args[Number(i)];
    if (v === undefined) return whole;
    return typeof v === 'number' ? new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(v) : v;
  });
}

/** An amount as Intl writes it for the language (whole amounts without cents, others with two digits). */
function money(lang: Lang, amount: number, currency: string): string {
  return new Intl.NumberFormat(lang, {
    style: 'currency', currency, maximumFractionDigits: 2, minimumFractionDigits: Number.isInteger(amount) ? 0 : 2,
  }).format(amount);
}

/**
 * Text without the directional isolates (U+2066–U+2069) the extension adds in Arabic (around a Latin
 * currency sign, around each tooltip line; unit-tested): they change how text is drawn, not what it says.
 */
const unisolated = (t: string): string => t.replace(/[\u2066-\u2069]/g, '');

/** A calendar date as Intl writes it for the language ("5 Dec 2026", "5 дек. 2026 г."). */
function date(lang: Lang, isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, d)));
}

/** The sample's ACME-42 deals plus an Arabic and a Cyrillic customer (Globex LLC is the Latin one). */
interface SampleDeal {
  customer: string;
  amount: number;
  currency: string;
  closeDate: string;
  owner: string;
}
const ArabicCustomer = 'شركة الأفق';
const CyrillicCustomer = 'ООО «Ромашка»';
const ArabicOwner = 'ليلى حداد';
const CyrillicOwner = 'Ирина Смирнова';

function dataFileOf(workspace: string): string {
  return path.join(workspace, '.vscode', 'customer-context.json');
}

/** Adds D-1003 (Arabic name, SAR) and D-1004 (Cyrillic name, RUB with kopecks) to ACME-42. */
function addMixedScripts(workspace: string): void {
  const file = dataFileOf(workspace);
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  const close = data.deals['D-1001'].closeDate as string;
  data.deals['D-1003'] = {
    customer: ArabicCustomer, amount: 250000, currency: 'SAR', stage: 'Negotiation', closeDate: close,
    owner: 'layla', url: 'https://crm.example.com/deals/1003',
  };
  data.deals['D-1004'] = {
    customer: CyrillicCustomer, amount: 1250000.5, currency: 'RUB', stage: 'Proposal', closeDate: close,
    owner: 'irina', url: 'https://crm.example.com/deals/1004',
  };
  data.contacts.layla = { name: ArabicOwner, email: 'layla.haddad@example.com' };
  data.contacts.irina = { name: CyrillicOwner, email: 'irina.smirnova@example.com' };
  data.tickets['ACME-42'].deals.push('D-1003', 'D-1004');
  fs.writeFileSync(file, JSON.stringify(data, null, 2));
}

/** ACME-42's deals in the workspace's data file, largest amount first (the sidebar's order). */
function acme42Deals(workspace: string): Array<SampleDeal & { id: string; ownerName: string }> {
  const data = JSON.parse(fs.readFileSync(dataFileOf(workspace), 'utf8'));
  return (data.tickets['ACME-42'].deals as string[])
    .map((id) => ({ id, ...data.deals[id], ownerName: data.contacts[data.deals[id].owner].name as string }))
    .sort((a, b) => b.amount - a.amount);
}

/** Totals per currency, largest first, as the sidebar lists them (never converted). */
function totals(lang: Lang, deals: readonly SampleDeal[]): string {
  const sums = new Map<string, number>();
  for (const d of deals) sums.set(d.currency, (sums.get(d.currency) ?? 0) + d.amount);
  return [...sums].sort((a, b) => b[1] - a[1]).map(([c, a]) => money(lang, a, c)).join(' + ');
}

/** A browser and a code-server with the packaged extension on a fresh sample workspace. */
/** What the sidebar page says about its language and direction. */
interface PageLanguage {
  lang: string;
  dir: string;
  resolved: 'ltr' | 'rtl' | '?';
}

/** Sidebar checks shared by both harnesses. */
function sidebarChecks(page: () => Page) {
  const wb = workbench(page);
  const html = () => wb.sidebar().locator('html');

  const language = (): Promise<PageLanguage> => html().evaluate((el: any): PageLanguage => ({
    lang: el.getAttribute('lang') ?? '',
    dir: el.getAttribute('dir') ?? '',
    resolved: el.matches(':dir(rtl)') ? 'rtl' : el.matches(':dir(ltr)') ? 'ltr' : '?',
  }), undefined, { timeout: 5_000 }).catch(() => ({ lang: '', dir: '', resolved: '?' as const }));

  /** Waits until the page is `lang` with its direction and shows every `expected`; returns the wait. */
  async function showsLanguage(lang: Lang, expected: string[], timeout = 20_000): Promise<number> {
    const dir = lang === 'ar' ? 'rtl' : 'ltr';
    let seen: PageLanguage = { lang: '', dir: '', resolved: '?' };
    let text = '';
    return until(async () => {
      seen = await language();
      text = unisolated(await wb.sidebarText());
      return seen.lang === lang && seen.resolved === dir && expected.every((e) => text.includes(e));
    }, timeout, () => `the sidebar never became lang=${lang} dir=${dir} with [${expected.filter((e) => !text.includes(e)).join(' | ')}]; ` +
      `it is lang=${seen.lang} dir=${seen.dir} (resolved ${seen.resolved}):\n${text}`);
  }

  return { language, showsLanguage };
}

/** One Tab stop in the sidebar: what it is and how it looks focused. */
interface FocusStop {
  id: string;
  tag: string;
  focusVisible: boolean;
  /** The computed outline and box-shadow. */
  ring: string;
  /** The ring's colour: the outline's, else the box-shadow's; '' when there is neither. */
  ringColor: string;
  /** The colour around the control: the nearest opaque ancestor background, else the side bar's. */
  background: string;
  /** WCAG contrast ratio of ringColor against background (1 when there is no ring). */
  contrast: number;
  rect: { top: number; bottom: number; left: number; right: number };
}

/** `rgb()`, `rgba()` or `#rgb`/`#rrggbb`/`#rrggbbaa` as [r, g, b, alpha]; undefined otherwise. */
function parseColor(css: string): [number, number, number, number] | undefined {
  const rgb = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,\s/]+([\d.]+))?/.exec(css);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3]), rgb[4] === undefined ? 1 : Number(rgb[4])];
  const hex = /#([0-9a-f]{3,8})\b/i.exec(css)?.[1];
  if (!hex || ![3, 6, 8].includes(hex.length)) return undefined;
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  const n = (i: number) => parseInt(full.slice(i, i + 2), 16);
  return [n(0), n(2), n(4), full.length === 8 ? n(6) / 255 : 1];
}

/** WCAG 2 contrast ratio of two opaque colours (1 when either cannot be read). */
function contrastRatio(a: string, b: string): number {
  const ca = parseColor(a);
  const cb = parseColor(b);
  if (!ca || !cb || ca[3] === 0) return 1;
  const lum = (c: number[]) => {
    const [r, g, bl] = c.slice(0, 3).map((v) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(ca), lum(cb)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** One control in an ARIA snapshot: its role and accessible name ('' when it has none). */
interface NamedControl {
  role: string;
  name: string;
}

/** The buttons, links, text boxes and check boxes of a Playwright ARIA snapshot (YAML), in order. */
function controlsOf(snapshot: string): NamedControl[] {
  const out: NamedControl[] = [];
  for (const line of snapshot.split('\n')) {
    // `- button "Name"`, or the whole entry single-quoted when YAML needs it (`- 'link "a: b"'`).
    const m = /^\s*- (')?(button|link|textbox|checkbox)\b(?: "((?:[^"\\]|\\.)*)")?/.exec(line);
    if (!m) continue;
    let name = m[3] ?? '';
    if (m[1]) name = name.replace(/''/g, '\'');
    out.push({ role: m[2], name: name ? JSON.parse(`"${name}"`) as string : '' });
  }
  return out;
}

describe('Localization in code-server: Russian display language', function () {
  this.timeout(120_000);

  let h: Harness;
  const page = () => h.page;
  const wb = workbench(page);
  const checks = sidebarChecks(page);
  const nlsRu = readJson<Record<string, string>>('package.nls.ru.json');

  before(async function () {
    this.timeout(180_000);
    // This suite's pictures from an earlier run (failures especially) must not pass for this run's.
    for (const f of fs.existsSync(screenshotDir) ? fs.readdirSync(screenshotDir) : []) {
      if (/^(l10n-.*|sidebar-(en|ru|ar)-.*)\.png$/.test(f)) fs.rmSync(path.join(screenshotDir, f));
    }
    h = await startHarness({ suite: 'l10n', name: 'ru-display' }, { viewport: TallViewport, displayLanguage: 'ru', settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    const t0 = Date.now();
    await h.page.goto(h.server.folderUrl(h.workspace));
    await h.page.locator('.statusbar').waitFor({ timeout: 60_000 });
    await wb.statusShows(/ACME-42/, 60_000);
    figure('ru display: page open → status bar shows ACME-42', `${Date.now() - t0} ms`);
    // The language pack took: the workbench itself is Russian (its Explorer is "Проводник").
    await h.page.getByRole('tab', { name: /^Проводник/ }).first().waitFor({ timeout: 10_000 })
      .catch(() => assert.fail('the workbench is not in Russian: the language pack did not take'));
  });

  afterEach(async function () {
    await screenshotOnFailure(this, h?.page, 'l10n');
  });

  after(async function () {
    this.timeout(30_000);
    figures.write();
    await stopHarness(h, { suite: 'l10n', name: 'ru-display' });
  });

  it('the Command Palette lists every command of ours by its Russian title', async () => {
    const pkg = readJson<{ contributes: { commands: Array<{ command: string; title: string; category?: string }> } }>('package.json');
    const commands = pkg.contributes.commands.filter((c) => /^%.+%$/.test(c.title));
    assert.ok(commands.length >= 15, `only ${commands.length} localizable command titles in package.json`);
    const missing: string[] = [];
    const t0 = Date.now();
    for (const c of commands) {
      const key = c.title.slice(1, -1);
      const ru = nlsRu[key];
      if (!ru) {
        missing.push(`${c.command}: package.nls.ru.json has no "${key}"`);
        continue;
      }
      const label = `${c.category ? `${c.category}: ` : ''}${ru}`;
      const labels = await paletteLabels(page(), ru, label);
      if (!labels.includes(label)) missing.push(`${c.command}: "${label}" not listed; the palette shows [${labels.join(' | ')}]`);
    }
    figure(`ru display: ${commands.length} commands looked up by Russian title in the palette`, `${Date.now() - t0} ms`);
    await paletteLabels(page(), nlsRu['command.askSales.title'] ?? '', nlsRu['command.askSales.title'] ?? '');
    fs.mkdirSync(screenshotDir, { recursive: true });
    await page().locator('.quick-input-widget').screenshot({ path: path.join(screenshotDir, 'l10n-palette-ru.png') });
    await page().keyboard.press('Escape');
    assert.deepEqual(missing, []);
    // The Ask Sales command, by name, as the brief's example.
    assert.equal(nlsRu['command.askSales.title'], 'Задать уточняющий вопрос отделу продаж');
  });

  it('the worklist view\'s title and rows are Russian', async () => {
    await wb.openSidebar();
    const title = nlsRu['view.worklist.name'];
    assert.ok(title, 'package.nls.ru.json has no view.worklist.name');
    const header = page().locator('.part.sidebar .pane-header', { hasText: title });
    await header.first().waitFor({ timeout: 20_000 });
    assert.equal(await page().locator('.part.sidebar .pane-header', { hasText: 'Tickets by Customer Value' }).count(), 0,
      'the English worklist title is still shown');
    if ((await header.first().getAttribute('aria-expanded')) === 'false') await header.first().click();
    // ACME-42 has two deals: Russian's "few" form ("2 сделки").
    const twoDeals = pl('ru', 2, '{0} deal', '{0} deals');
    const row = page().locator('.part.sidebar .customview-tree .monaco-list-row', { hasText: 'ACME-42' }).first();
    await row.waitFor({ timeout: 20_000 });
    await until(async () => (await row.innerText()).includes(twoDeals), 20_000,
      async () => `the ACME-42 row says "${await row.innerText()}", not "${twoDeals}"`);
  });

  it('the sidebar is Russian: words from the bundle, Intl ru amounts (no-break space groups), dates', async () => {
    await wb.openSidebar();
    const deals = acme42Deals(h.workspace);
    const usd = money('ru', 120000, 'USD');
    // Intl ru: digit groups and the currency sign apart by a no-break (or narrow no-break) space.
    assert.match(usd, /^120[\u00a0\u202f]000[\u00a0\u202f]\$$/, `Intl ru writes ${JSON.stringify(usd)}`);
    const summary = tr('ru', '{0}, {1}', pl('ru', 2, '{0} customer', '{0} customers'), pl('ru', 2, '{0} deal', '{0} deals'));
    const expected = [
      tr('ru', 'Total at stake: {0}', totals('ru', deals)),
      summary,
      tr('ru', 'Amount'),
      tr('ru', 'Sales owner'),
      usd,
      money('ru', 80000, 'EUR'),
      ...deals.map((d) => date('ru', d.closeDate)),
    ];
    const t0 = Date.now();
    await checks.showsLanguage('ru', expected);
    figure('ru display: sidebar opened → Russian sidebar (lang=ru, ltr)', `${Date.now() - t0} ms`);
    const text = await wb.sidebarText();
    assert.doesNotMatch(text, /Total at stake|Sales owner|\$120,000/, `English left in the sidebar:\n${text}`);
    assert.equal(summary, '2 клиента, 2 сделки');

    const tip = await statusTooltip(page());
    for (const line of [
      tr('ru', 'Click to show the customers behind this ticket.'),
      pl('ru', 2, '{0} deal · {1} · closes {2}', '{0} deals · {1} · closes {2}', totals('ru', deals),
        date('ru', deals.map((d) => d.closeDate).sort()[0])),
    ]) assert.ok(tip.includes(line), `the status bar tooltip lacks "${line}":\n${tip}`);
  });
});

describe('Localization in code-server: Arabic setting, right to left, live switch, accessibility', function () {
  this.timeout(120_000);

  let h: Harness;
  const page = () => h.page;
  const wb = workbench(page);
  const checks = sidebarChecks(page);
  let deals: ReturnType<typeof acme42Deals>;

  /** The sidebar's own words for a language, with the data of this workspace. */
  function sidebarWords(lang: Lang): string[] {
    return [
      tr(lang, 'Total at stake: {0}', totals(lang, deals)),
      tr(lang, '{0}, {1}', pl(lang, 4, '{0} customer', '{0} customers'), pl(lang, 4, '{0} deal', '{0} deals')),
      tr(lang, 'Amount'),
      tr(lang, 'Close date'),
      ...deals.map((d) => money(lang, d.amount, d.currency)),
    ];
  }

  /**
   * Sets `customerContext.language` in the Settings editor (the web workbench applies settings.json
   * edits from outside only on reload) and waits for the sidebar; returns the wait from the choice.
   */
  async function switchTo(lang: Lang): Promise<number> {
    let ms = -1;
    await setEnumSetting(page, 'customerContext.language', lang, async () => {
      ms = await checks.showsLanguage(lang, sidebarWords(lang), 30_000);
    });
    // The same value in the harness's copy of settings.json, which a theme change writes back.
    h.server.updateSettings({ 'customerContext.language': lang });
    return ms;
  }

  before(async function () {
    this.timeout(180_000);
    h = await startHarness({ suite: 'l10n', name: 'ar-setting' }, {
      viewport: TallViewport,
      settings: { 'workbench.colorTheme': 'Default Dark Modern', 'customerContext.language': 'ar' },
      prepare: addMixedScripts,
    });
    deals = acme42Deals(h.workspace);
    const t0 = Date.now();
    await h.page.goto(h.server.folderUrl(h.workspace));
    await h.page.locator('.statusbar').waitFor({ timeout: 60_000 });
    await wb.statusShows(/ACME-42/, 60_000);
    figure('ar setting: page open → status bar shows ACME-42', `${Date.now() - t0} ms`);
  });

  afterEach(async function () {
    await screenshotOnFailure(this, h?.page, 'l10n');
  });

  after(async function () {
    this.timeout(30_000);
    figures.write();
    await stopHarness(h, { suite: 'l10n', name: 'ar-setting' });
  });

  it('the sidebar is Arabic, rtl, without a bidi override; each name takes its own script\'s direction', async () => {
    await wb.openSidebar();
    const t0 = Date.now();
    await checks.showsLanguage('ar', [
      ...sidebarWords('ar'),
      ...deals.map((d) => date('ar', d.closeDate)),
    ]);
    figure('ar setting: sidebar opened → Arabic sidebar (lang=ar, rtl)', `${Date.now() - t0} ms`);
    const page0 = await checks.language();
    assert.deepEqual(page0, { lang: 'ar', dir: 'rtl', resolved: 'rtl' });

    const view = wb.sidebar();
    // Reversing the characters of every run is no way to write Arabic: no element may force it.
    const overrides = await view.locator('html').evaluate((html: any) => {
      const doc = html.ownerDocument;
      const found: string[] = [];
      for (const el of [html, ...doc.querySelectorAll('*')]) {
        const ub = doc.defaultView.getComputedStyle(el).unicodeBidi as string;
        if (/override/.test(ub)) found.push(`${el.tagName.toLowerCase()}.${el.className}: ${ub}`);
      }
      return found;
    });
    assert.deepEqual(overrides, [], 'elements with unicode-bidi: *-override');

    // Customer names: each heading takes its own script's direction inside the rtl list.
    const direction = async (text: string, selector: string) => view.locator(selector, { hasText: text }).first()
      .evaluate((found: any) => {
        // The name's own element: the heading itself, or an isolating span inside it.
        const el = found.querySelector('[dir]') ?? found;
        return {
          own: el.matches(':dir(rtl)') ? 'rtl' : el.matches(':dir(ltr)') ? 'ltr' : '?',
          container: el.closest('ul').matches(':dir(rtl)') ? 'rtl' : 'ltr',
        };
      });
    for (const [name, dir] of [['Globex LLC', 'ltr'], ['Initech', 'ltr'], [ArabicCustomer, 'rtl'], [CyrillicCustomer, 'ltr']]) {
      assert.deepEqual(await direction(name, 'li.deal h3'), { own: dir, container: 'rtl' }, `customer ${name}`);
    }
    for (const [name, dir] of [['Anna Petrova', 'ltr'], [ArabicOwner, 'rtl'], [CyrillicOwner, 'ltr']]) {
      assert.deepEqual(await direction(name, 'li.deal dd span[dir]'), { own: dir, container: 'rtl' }, `sales owner ${name}`);
    }
    // Amounts: Intl ar, each in the deal it belongs to.
    for (const d of deals) {
      const item = view.locator('li.deal').filter({ has: view.locator('h3', { hasText: d.customer }) });
      const itemText = unisolated(await item.innerText());
      assert.ok(itemText.includes(money('ar', d.amount, d.currency)), `${d.customer}: no ${money('ar', d.amount, d.currency)} in\n${itemText}`);
      assert.ok(itemText.includes(date('ar', d.closeDate)), `${d.customer}: no ${date('ar', d.closeDate)} in\n${itemText}`);
    }
    const total = unisolated(await view.locator('.summary .total').innerText()).trim();
    assert.equal(total, tr('ar', 'Total at stake: {0}', totals('ar', deals)));

    fs.mkdirSync(screenshotDir, { recursive: true });
    const tip = unisolated(await statusTooltip(page(), { screenshot: path.join(screenshotDir, 'l10n-tooltip-ar-dark.png') }));
    for (const line of [
      tr('ar', 'Click to show the customers behind this ticket.'),
      pl('ar', 4, '{0} deal · {1} · closes {2}', '{0} deals · {1} · closes {2}', totals('ar', deals),
        date('ar', deals.map((d) => d.closeDate).sort()[0])),
    ]) assert.ok(tip.includes(line), `the status bar tooltip lacks "${line}":\n${tip}`);

    // The worklist speaks Arabic too (a tree of the English workbench): ACME-42's four deals.
    const worklist = worklistView(page);
    await worklist.open();
    const fourDeals = pl('ar', 4, '{0} deal', '{0} deals');
    let rows = await worklist.rows();
    await until(async () => (rows = await worklist.rows()).some((r) => r.label.startsWith('ACME-42') && r.description.includes(fourDeals)),
      20_000, () => `no ACME-42 row with "${fourDeals}": ${rows.map((r) => `${r.label} | ${r.description}`).join('; ')}`);
    await page().locator('.part.sidebar').screenshot({ path: path.join(screenshotDir, 'l10n-worklist-ar-dark.png') });

    // "US$" is one word, read left to right: in the rtl page its "$" must not jump before "US" ("$US").
    const glyphs = await view.locator('li.deal dd span', { hasText: 'US$' }).first().evaluate((el: any) => {
      const doc = el.ownerDocument;
      const walker = doc.createTreeWalker(el, 4 /* NodeFilter.SHOW_TEXT */);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.textContent.indexOf('US$');
        if (at < 0) continue;
        const left = (k: number) => {
          const range = doc.createRange();
          range.setStart(node, at + k);
          range.setEnd(node, at + k + 1);
          return Math.round(range.getBoundingClientRect().left);
        };
        return { u: left(0), s: left(1), dollar: left(2), text: el.textContent };
      }
      return undefined;
    });
    assert.ok(glyphs, 'no amount in US$ in the sidebar');
    assert.ok(glyphs.u < glyphs.s && glyphs.s < glyphs.dollar,
      `"US$" in ${JSON.stringify(glyphs.text)} is drawn out of order (left edges U ${glyphs.u}, S ${glyphs.s}, $ ${glyphs.dollar})`);
  });

  it('follows customerContext.language live: ar → ru (ltr) → en, with no reload of the window or the view', async () => {
    await wb.openSidebar();
    await checks.showsLanguage('ar', sidebarWords('ar'));
    const view = wb.sidebar();
    // Marks on both windows: a reload of either would drop them.
    await page().evaluate('window.__ccL10nMark = 1');
    await view.locator('html').evaluate((el: any) => { el.ownerDocument.defaultView.__ccL10nMark = 1; });
    // An error shown in Arabic before the switch must not stay behind in Arabic after it.
    const ask = view.getByRole('button', { name: tr('ar', 'Ask sales'), exact: true });
    const box = view.getByRole('textbox', { name: tr('ar', 'Question'), exact: true });
    if (!(await box.isVisible())) await ask.click();
    await box.fill('');
    await view.getByRole('button', { name: tr('ar', 'Send to sales'), exact: true }).click();
    await view.locator('.ask [role="status"]', { hasText: tr('ar', 'Type a question first.') }).waitFor({ timeout: 5_000 });

    const toRu = await switchTo('ru');
    figure('customerContext.language ar → ru (Settings editor) → sidebar re-rendered in Russian, ltr', `${toRu} ms`);
    assert.equal(await page().evaluate('window.__ccL10nMark'), 1, 'the window was reloaded');
    assert.equal(await view.locator('html').evaluate((el: any) => el.ownerDocument.defaultView.__ccL10nMark), 1, 'the view was reloaded');
    // The buttons built once (not per snapshot) follow too.
    await view.getByRole('button', { name: tr('ru', 'Send to sales'), exact: true }).waitFor({ timeout: 5_000 });
    // The form's status line is asserted at the end, so that the rest of the switch is checked anyway.
    const formStatus = async () => (await view.locator('.ask [role="status"]').innerText()).trim();
    const statusInRu = await formStatus();
    const tip = await statusTooltip(page());
    assert.ok(tip.includes(tr('ru', 'Click to show the customers behind this ticket.')), `tooltip after ar → ru:\n${tip}`);

    const toEn = await switchTo('en');
    figure('customerContext.language ru → en (Settings editor) → sidebar re-rendered in English', `${toEn} ms`);
    await view.getByRole('button', { name: 'Send to sales', exact: true }).waitFor({ timeout: 5_000 });
    assert.equal(await view.locator('html').evaluate((el: any) => el.ownerDocument.defaultView.__ccL10nMark), 1, 'the view was reloaded');
    const text = await wb.sidebarText();
    assert.ok(text.includes('$120,000') && text.includes('Total at stake'), `English sidebar:\n${text}`);
    assert.doesNotMatch(text, /Всего на кону|إجمالي/, `words of another language left:\n${text}`);
    const statusInEn = await formStatus();
    for (const [lang, status] of [['ru', statusInRu], ['en', statusInEn]] as const) {
      assert.ok(status === '' || status === tr(lang, 'Type a question first.'),
        `after the switch to ${lang} the form's status line still says "${status}" (shown in Arabic before the switch)`);
    }
  });

  const themes = [
    { name: 'Default Dark Modern', file: 'dark', workbench: 'vs-dark', webview: 'vscode-dark' },
    { name: 'Default Light Modern', file: 'light', workbench: 'vs', webview: 'vscode-light' },
    { name: 'Default High Contrast', file: 'high-contrast', workbench: 'hc-black', webview: 'vscode-high-contrast' },
  ];
  for (const theme of themes) {
    it(`${theme.name}: en, ru, ar — named controls, Tab order and focus ring, live error; screenshots`, async function () {
      this.timeout(240_000);
      const t0 = Date.now();
      const reload = !(await page().locator(`.monaco-workbench.${theme.workbench}`).count());
      if (reload) {
        // The web workbench applies a theme from settings.json on load: write it, reload.
        h.server.updateSettings({ 'workbench.colorTheme': theme.name });
        await page().reload();
      }
      await page().locator(`.monaco-workbench.${theme.workbench}`).waitFor({ timeout: 60_000 });
      await wb.openSidebar();
      await wb.sidebar().locator(`body.${theme.webview}`).waitFor({ timeout: 30_000 });
      if (reload) figure(`theme "${theme.name}": settings.json + reload → sidebar shown in the theme`, `${Date.now() - t0} ms`);
      // Folded, the worklist leaves the sidebar view the height of four deals, the form and its error.
      const worklistHeader = worklistView(page).pane().locator('.pane-header');
      if ((await worklistHeader.getAttribute('aria-expanded')) === 'true') await worklistHeader.click();
      await until(async () => (await worklistHeader.getAttribute('aria-expanded')) === 'false', 5_000,
        () => 'the worklist pane did not fold');
      // Every language's checks and picture, then the problems of all of them: one failure must not
      // cost the screenshots that show it.
      const problems: string[] = [];
      for (const lang of Langs) {
        const from = (await checks.language()).lang;
        const ms = await switchTo(lang);
        if (from !== lang) figure(`theme "${theme.name}": language ${from} → ${lang}: sidebar re-rendered`, `${ms} ms`);
        problems.push(...await checkAccessibility(lang, theme.name));
        // The whole page in the picture: from its top, with the worklist pane folded away.
        await wb.sidebar().locator('html').evaluate((el: any) => el.ownerDocument.defaultView.scrollTo(0, 0));
        await page().mouse.move(900, 300);
        await page().locator('.monaco-hover, .workbench-hover').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
        fs.mkdirSync(screenshotDir, { recursive: true });
        const file = path.join(screenshotDir, `sidebar-${lang}-${theme.file}.png`);
        await page().locator('.part.sidebar').screenshot({ path: file });
        assert.ok(fs.statSync(file).size > 1000, `${file} is empty`);
        console.log(`      screenshot: ${path.relative(root, file)}`);
      }
      assert.deepEqual(problems, [], `accessibility problems in ${theme.name}:\n${problems.join('\n')}`);
    });
  }

  /**
   * In the sidebar's language: every control named (ARIA snapshot), Tab reaches them in reading order
   * with a visible focus ring, and Send with no question puts the error into a live region. Returns
   * what failed, one line per part, so that the other parts still run.
   */
  async function checkAccessibility(lang: Lang, themeName: string): Promise<string[]> {
    const where = `${lang}, ${themeName}`;
    const view = wb.sidebar();
    const box = view.getByRole('textbox', { name: tr(lang, 'Question'), exact: true });
    if (!(await box.isVisible())) await view.getByRole('button', { name: tr(lang, 'Ask sales'), exact: true }).click();
    await box.waitFor({ timeout: 5_000 });
    await box.fill('');
    const problems: string[] = [];
    const part = async (what: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (e) {
        problems.push(`${where}, ${what}: ${(e as Error).message}`);
      }
    };

    await part('names', async () => {
      const controls = controlsOf(await view.locator('body').ariaSnapshot({ timeout: 10_000 }));
      assert.deepEqual(controls.filter((c) => !c.name.trim()), [], 'controls without an accessible name');
      assert.deepEqual(controls, [
        { role: 'link', name: tr(lang, 'Open ticket {0} in the browser', 'ACME-42') },
        ...deals.flatMap((d) => [
          { role: 'link', name: tr(lang, 'E-mail {0}', d.ownerName) },
          { role: 'link', name: tr(lang, 'Open the {0} deal in the CRM', d.customer) },
        ]),
        { role: 'button', name: tr(lang, 'Ask sales') },
        { role: 'textbox', name: tr(lang, 'Question') },
        { role: 'button', name: tr(lang, 'Send to sales') },
        { role: 'button', name: tr(lang, 'Cancel') },
      ], 'the controls and their names');
    });

    await part('Tab', async () => {
      const t0 = Date.now();
      const stops = await tabStops();
      figure(`${where}: Tab through ${stops.length} sidebar controls`, `${Date.now() - t0} ms`);
      assert.deepEqual(stops.map((s) => s.id), [
        'ticket', ...deals.flatMap((d) => [`mail-${d.id}`, `deal-${d.id}`]), 'ask', 'question', 'send', tr(lang, 'Cancel'),
      ], 'Tab order');
      const rtl = lang === 'ar';
      for (let i = 1; i < stops.length; i++) {
        const a = stops[i - 1].rect;
        const b = stops[i].rect;
        const below = b.top >= a.bottom - 2;
        const sameLine = Math.abs(a.top - b.top) < 4;
        const along = rtl ? b.right <= a.left + 1 : b.left >= a.right - 1;
        assert.ok(below || (sameLine && along),
          `${stops[i].id} comes after ${stops[i - 1].id} in Tab order but not in reading order ` +
          `(${rtl ? 'right to left' : 'left to right'}): ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
      }
      const rings = [...new Map(stops.map((s) => [`${s.tag}: ${s.ring}`, s])).entries()];
      figure(`${where}: focus indicators`, rings.map(([k, s]) => `${k} (${s.contrast.toFixed(1)}:1)`).join(' | '));
      // WCAG 1.4.11: a focus indicator needs 3:1 against what surrounds it, or it is not seen.
      const unseen = new Map<string, string[]>();
      for (const s of stops.filter((x) => !x.focusVisible || x.contrast < 3)) {
        const what = `${s.tag}: ${s.focusVisible ? '' : 'not :focus-visible, '}${s.ring} on ${s.background}, ${s.contrast.toFixed(2)}:1`;
        unseen.set(what, [...(unseen.get(what) ?? []), s.id]);
      }
      assert.deepEqual([...unseen].map(([what, ids]) => `${ids.join(', ')} — ${what}`), [],
        'controls whose focus indicator is missing or under 3:1 against the background');
    });

    await part('empty Send', async () => {
      await view.getByRole('button', { name: tr(lang, 'Send to sales'), exact: true }).click();
      const message = tr(lang, 'Type a question first.');
      const live = view.locator('[role="alert"], [role="status"], [aria-live="polite"], [aria-live="assertive"]')
        .filter({ hasText: message }).last();
      await live.waitFor({ timeout: 5_000 }).catch(async () => {
        assert.fail(`"${message}" is in no live region; the form says "${await view.locator('.ask').innerText()}"`);
      });
      assert.equal(await live.evaluate((el: any) => el.textContent.trim()), message, 'the live region\'s text');
      assert.match(await view.locator('body').ariaSnapshot(), new RegExp(`- (status|alert): ${escapeRe(message)}`),
        'the ARIA snapshot has no status/alert with the error');
      assert.equal(await box.evaluate((el: any) => el === el.ownerDocument.activeElement), true,
        'the focus goes back to the question box');
    });
    return problems;
  }

  /** Clicks the page's top corner, then presses Tab until the focus leaves the sidebar or comes back. */
  async function tabStops(): Promise<FocusStop[]> {
    const view = wb.sidebar();
    await view.locator('body').click({ position: { x: 3, y: 3 } });
    const stops: FocusStop[] = [];
    for (let i = 0; i < 40; i++) {
      await page().keyboard.press('Tab');
      const seen = await view.locator('html').evaluate((html: any) => {
        const doc = html.ownerDocument;
        const win = doc.defaultView;
        const el = doc.activeElement;
        if (!doc.hasFocus() || !el || el === doc.body || el === html) return null;
        const cs = win.getComputedStyle(el);
        const outlined = cs.outlineStyle !== 'none' && (parseFloat(cs.outlineWidth) || 0) > 0;
        const shadow = cs.boxShadow && cs.boxShadow !== 'none' ? cs.boxShadow : '';
        // The ring is drawn around the control: what shows behind it is its parents' background.
        let background = '';
        for (let p = el.parentElement; p && !background; p = p.parentElement) {
          const bg = win.getComputedStyle(p).backgroundColor;
          if (bg && !/rgba\([^)]*,\s*0\)|transparent/.test(bg)) background = bg;
        }
        const rootStyle = win.getComputedStyle(html);
        background ||= rootStyle.getPropertyValue('--vscode-sideBar-background').trim() ||
          rootStyle.getPropertyValue('--vscode-editor-background').trim();
        const r = el.getBoundingClientRect();
        return {
          id: el.dataset?.key || el.id || (el.textContent ?? '').trim(),
          tag: el.tagName.toLowerCase(),
          focusVisible: el.matches(':focus-visible'),
          ring: `outline ${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}; box-shadow ${cs.boxShadow}`,
          ringColor: outlined ? cs.outlineColor : shadow,
          background,
          // Page coordinates: the view scrolls to each focused control.
          rect: { top: r.top + win.scrollY, bottom: r.bottom + win.scrollY, left: r.left + win.scrollX, right: r.right + win.scrollX },
        };
      });
      const stop: FocusStop | null = seen && { ...seen, contrast: seen.ringColor ? contrastRatio(seen.ringColor, seen.background) : 1 };
      if (!stop || stops.some((s) => s.id === stop.id)) break;
      stops.push(stop);
    }
    return stops;
  }
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
