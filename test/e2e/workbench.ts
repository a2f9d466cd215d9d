// What the e2e suites look at in the code-server workbench, in one place: our status bar entry, the
// sidebar webview (two iframes deep), its Refresh action; plus the `[figure]` log every suite keeps.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond` holds (polled every 100 ms); fails with `what()` after `timeout`; returns the wait. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  timeout: number,
  what: () => string | Promise<string>,
): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - t0;
    if (Date.now() - t0 > timeout) assert.fail(await what());
    await sleep(100);
  }
}

/**
 * Shows the Customer Context container until `content()` is visible, expanding `header`'s pane when it
 * is collapsed. Right after a window reload the workbench is still restoring its side bar, and a click
 * on a container's tab that is already shown hides the side bar: click only when the tab is not
 * selected or the side bar is not showing, and look again.
 */
async function showContainer(page: () => Page, content: () => Locator, header: Locator): Promise<void> {
  const tab = page().getByRole('tab', { name: /^Customer Context/ });
  await tab.waitFor({ timeout: 30_000 });
  for (let attempt = 0; attempt < 6 && !(await content().isVisible()); attempt++) {
    const selected = (await tab.getAttribute('aria-selected')) === 'true';
    if (!selected || !(await page().locator('.part.sidebar').isVisible())) await tab.click();
    else if (await collapsed(header)) await header.first().click();
    await content().waitFor({ timeout: 7_500 }).catch(() => undefined);
  }
  await content().waitFor({ timeout: 10_000 });
  if (await collapsed(header)) await header.first().click();
}

/** Whether a pane header is there and collapsed (a container with one view shows no header). */
async function collapsed(header: Locator): Promise<boolean> {
  if (!(await header.count())) return false;
  return (await header.first().getAttribute('aria-expanded', { timeout: 2_000 }).catch(() => null)) === 'false';
}

/** Locators and actions on the page a suite drives (passed lazily: suites open the page in before()). */
export function workbench(page: () => Page) {
  /** Our status bar entry: code-server gives it the DOM id `<extension id>.customerContext.ticket`. */
  const statusItem = (): Locator => page().locator('.statusbar-item[id$=".customerContext.ticket"]');
  /** The sidebar's content: a webview two iframes deep (the host iframe, then the content frame). */
  const sidebar = (): FrameLocator => page().frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const sidebarText = (): Promise<string> => sidebar().locator('body').innerText({ timeout: 5_000 }).catch(() => '');

  /** Opens the Customer Context view from the activity bar (a tab named after the container). */
  async function openSidebar(): Promise<void> {
    await showContainer(page, () => sidebar().locator('body'), page().locator('.pane-header[aria-label^="Customer Context"]'));
  }

  /** The view's own Refresh action (view title bar), as a person triggers it. */
  async function refresh(): Promise<void> {
    await openSidebar();
    await page().locator('.part.sidebar').getByRole('button', { name: 'Refresh', exact: true }).first().click();
  }

  /**
   * Runs a command from the Command Palette (F1) by its title, as a person does. Focus goes to the
   * workbench first: a key pressed while the sidebar webview has focus would reach the webview.
   */
  async function runCommand(title: string): Promise<void> {
    const p = page();
    await p.locator('.part.editor').click({ position: { x: 200, y: 200 } });
    const input = p.locator('.quick-input-widget input.input');
    await p.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = p.locator('.quick-input-widget .monaco-list-row').filter({ hasText: title }).first();
    await row.waitFor({ timeout: 10_000 });
    await row.click();
  }

  /** Picks an item of an open quick pick (showQuickPick) by its label. */
  async function pick(label: string | RegExp): Promise<void> {
    const row = page().locator('.quick-input-widget .monaco-list-row').filter({ hasText: label }).first();
    await row.waitFor({ timeout: 10_000 });
    await row.click();
  }

  /** Visible notification toasts (bottom right). */
  const toasts = (): Locator => page().locator('.notifications-toasts .notification-toast');

  /** Waits until the status bar entry shows `text`; returns its text. */
  async function statusShows(text: RegExp, timeout = 20_000): Promise<string> {
    await statusItem().filter({ hasText: text }).waitFor({ state: 'visible', timeout }).catch(async () => {
      assert.fail(`the status bar never showed ${text}; it shows "${await statusItem().innerText().catch(() => '?')}"`);
    });
    return statusItem().innerText();
  }

  /**
   * Waits until the sidebar's text has every `expected` and none of `absent`, and is neither
   * "Loading…" nor "Refreshing…"; returns that text.
   */
  async function sidebarShows(
    expected: Array<string | RegExp>,
    opts: { absent?: Array<string | RegExp>; timeout?: number } = {},
  ): Promise<string> {
    const has = (text: string, e: string | RegExp) => (typeof e === 'string' ? text.includes(e) : e.test(text));
    let text = '';
    await until(async () => {
      text = await sidebarText();
      const settled = !text.includes('Loading…') && !text.includes('Refreshing…');
      return settled && expected.every((e) => has(text, e)) && !(opts.absent ?? []).some((e) => has(text, e));
    }, opts.timeout ?? 20_000, () => {
      const missing = expected.filter((e) => !has(text, e)).map(String);
      const present = [...(opts.absent ?? []), 'Loading…', 'Refreshing…'].filter((e) => has(text, e)).map(String);
      return `the sidebar lacks [${missing.join(', ')}]${present.length ? ` and still shows [${present.join(', ')}]` : ''}:\n${text}`;
    });
    return text;
  }

  /** The question's entry in the sidebar's `Questions` list. */
  const questionItem = (text: string): Locator =>
    sidebar().getByRole('list', { name: 'Questions' }).getByRole('listitem').filter({ hasText: text });

  /** Opens the form, types `text` and presses Send to sales, as a person does; returns the click time. */
  async function askSales(text: string): Promise<number> {
    await openSidebar();
    const view = sidebar();
    const box = view.getByLabel('Question', { exact: true });
    if (!(await box.isVisible())) await view.getByRole('button', { name: 'Ask sales' }).click();
    await box.fill(text);
    const t0 = Date.now();
    await view.getByRole('button', { name: 'Send to sales' }).click();
    await questionItem(text).waitFor({ timeout: 20_000 });
    return t0;
  }

  /** The form's answer to Send (its status line), once it is no longer "Sending…". */
  async function formStatus(timeout = 20_000): Promise<string> {
    const status = sidebar().locator('.ask [role="status"]');
    let last = '';
    await until(async () => {
      last = (await status.innerText({ timeout: 1_000 }).catch(() => '')).trim();
      return !!last && last !== 'Sending…';
    }, timeout, () => `the form status is "${last}"`);
    return last;
  }

  /** Waits until the question shows `state` and every `expected` text; returns its text and the wait. */
  async function questionShows(
    text: string,
    state: string,
    expected: Array<string | RegExp> = [],
    timeout = 20_000,
  ): Promise<{ text: string; ms: number }> {
    const has = (t: string, e: string | RegExp) => (typeof e === 'string' ? t.includes(e) : e.test(t));
    let last = '';
    const ms = await until(async () => {
      last = await questionItem(text).innerText({ timeout: 1_000 }).catch(() => '');
      return new RegExp(`\\b${state}\\b`).test(last) && expected.every((e) => has(last, e));
    }, timeout, async () => `question "${text.slice(0, 40)}…" never showed ${state} ${expected.map(String).join(', ')}; it shows:\n${last || '(not listed)'}\n--- sidebar ---\n${await sidebarText()}`);
    return { text: last, ms };
  }

  return {
    statusItem, sidebar, sidebarText, openSidebar, refresh, runCommand, pick, toasts,
    statusShows, sidebarShows, questionItem, askSales, formStatus, questionShows,
  };
}

/** One notification message as rendered: its text and the links VS Code made of it. */
export interface SeenNotification {
  text: string;
  anchors: number;
  hrefs: string[];
}

/**
 * Records every notification message the workbench renders, from page load on (toasts and the
 * notification center), so one that auto-hides before a test looks is still checked. Install before
 * `page.goto`; read with `seenNotifications`.
 */
export async function recordNotifications(page: Page): Promise<void> {
  // A string: this project compiles without the DOM library, and the script runs in the page.
  await page.addInitScript(`(() => {
    // Webview iframes run this too; only the workbench renders notifications.
    if (window.top !== window) return;
    const seen = [];
    window.__ccNotifications = seen;
    const scan = () => {
      for (const el of document.querySelectorAll('.notification-list-item-message')) {
        const text = el.textContent || '';
        const links = Array.from(el.querySelectorAll('a'));
        if (seen.some((s) => s.text === text && s.anchors === links.length)) continue;
        seen.push({ text, anchors: links.length, hrefs: links.map((a) => a.getAttribute('href') || '') });
      }
    };
    new MutationObserver(scan).observe(document, { subtree: true, childList: true, characterData: true });
  })()`);
}

/** What recordNotifications saw so far. */
export function seenNotifications(page: Page): Promise<SeenNotification[]> {
  return page.evaluate<SeenNotification[]>('window.__ccNotifications ?? []');
}

/** Measured figures: printed as `[figure] label: value` and written to test-results/<name>.json. */
export function figureLog(file: string) {
  const figures: Array<{ label: string; value: string }> = [];
  return {
    figure(label: string, value: string): void {
      figures.push({ label, value });
      console.log(`      [figure] ${label}: ${value}`);
    },
    write(): void {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(figures, null, 2));
    },
  };
}

/** Copies the extension's own log ("Customer Context" output channel) out of a user-data dir, for failures. */
export function saveExtensionLog(userDataDir: string, dest: string): void {
  const logs = path.join(userDataDir, 'logs');
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'Customer Context.log') found.push(p);
    }
  };
  try {
    walk(logs);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, found.map((f) => `== ${f}\n${fs.readFileSync(f, 'utf8')}`).join('\n'));
  } catch {
    /* no logs yet */
  }
}

/** One row of a tree view or quick pick as drawn: its list index, label, description and ARIA. */
export interface SeenRow {
  index: number;
  label: string;
  description: string;
  ariaLabel: string;
  /** `aria-setsize`: how many rows the list holds, drawn or not (lists draw only what fits). */
  setSize: number;
  /** Codicon names on the row (`git-branch` marks the current branch's ticket). */
  icons: string[];
}

/** Reads the `.monaco-list-row`s under `list` in list order (the DOM order of a list is not its order). */
export function seenRows(list: Locator): Promise<SeenRow[]> {
  return list.locator('.monaco-list-row').evaluateAll((els) => els.map((e) => {
    // Runs in the page; this project compiles without the DOM library, hence the narrow shape.
    type El = {
      getAttribute(n: string): string | null;
      querySelector(s: string): { textContent: string | null } | null;
      querySelectorAll(s: string): ArrayLike<{ className: string }>;
    };
    const el = e as unknown as El;
    const icons = Array.from(el.querySelectorAll('.codicon')).flatMap((i) =>
      String(i.className).split(/\s+/).filter((c) => c.startsWith('codicon-')).map((c) => c.slice(8)));
    return {
      index: Number(el.getAttribute('data-index') ?? -1),
      label: (el.querySelector('.label-name')?.textContent ?? '').trim(),
      description: (el.querySelector('.label-description')?.textContent ?? '').trim(),
      ariaLabel: el.getAttribute('aria-label') ?? '',
      setSize: Number(el.getAttribute('aria-setsize') ?? -1),
      icons,
    };
  }).sort((a, b) => a.index - b.index));
}

/** The worklist view ("Tickets by Customer Value"): its pane, rows in order, and the line above them. */
export function worklistView(page: () => Page) {
  const pane = (): Locator => page().locator('.part.sidebar .pane').filter({
    has: page().locator('.pane-header', { hasText: 'Tickets by Customer Value' }),
  });
  /** The view's message line (progress, sort, filter); '' when hidden. */
  const message = async (): Promise<string> => {
    const el = pane().locator('.tree-explorer-viewlet-tree-view > .message');
    if (!(await el.count()) || /\bhide\b/.test((await el.getAttribute('class')) ?? '')) return '';
    return (await el.innerText({ timeout: 2_000 }).catch(() => '')).trim();
  };
  const rows = (): Promise<SeenRow[]> => seenRows(pane().locator('.customview-tree'));
  /** A row's ticket key: the label's first word. */
  const keyOf = (r: SeenRow): string => r.label.split(/\s+/)[0];

  /** Opens the Customer Context container and expands the worklist pane. */
  async function open(): Promise<void> {
    const header = pane().locator('.pane-header');
    await showContainer(page, () => header, header);
  }

  /**
   * Waits until the rows start with the keys `first` (in that order), the list holds `count` rows
   * when given, and the message says no load is running; returns the rows and the wait.
   */
  async function shows(
    first: string[],
    opts: { count?: number; timeout?: number } = {},
  ): Promise<{ rows: SeenRow[]; message: string; ms: number }> {
    let seen: SeenRow[] = [];
    let msg = '';
    const ms = await until(async () => {
      seen = await rows();
      msg = await message();
      const keys = seen.map(keyOf);
      return first.every((k, i) => keys[i] === k) &&
        (opts.count === undefined || (seen.length > 0 && seen.every((r) => r.setSize === opts.count))) &&
        !/Loading|Refreshing/.test(msg);
    }, opts.timeout ?? 20_000, () =>
      `the worklist never started with [${first.join(', ')}]` +
      `${opts.count === undefined ? '' : ` with ${opts.count} rows`}; message "${msg}", rows:\n` +
      seen.map((r) => `  ${r.index}: ${r.label} | ${r.description} (of ${r.setSize}) [${r.icons.join(' ')}]`).join('\n'));
    return { rows: seen, message: msg, ms };
  }

  return { pane, message, rows, keyOf, open, shows };
}

/**
 * The centre of the first occurrence of `text` in the open editor's rendered lines (page pixels), for
 * moving the mouse onto a word as a person does; undefined when no line shows it.
 */
export async function editorTextPoint(page: Page, text: string): Promise<{ x: number; y: number } | undefined> {
  // A string: this project compiles without the DOM library, and the script runs in the page.
  const found = await page.evaluate<{ x: number; y: number } | null>(`((needle) => {
    for (const line of document.querySelectorAll('.part.editor .monaco-editor .view-lines .view-line')) {
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = (node.textContent || '').indexOf(needle);
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + needle.length);
        const box = range.getBoundingClientRect();
        return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
      }
    }
    return null;
  })(${JSON.stringify(text)})`);
  return found ?? undefined;
}

/** One modal dialog as rendered (VS Code's `.monaco-dialog-box`): its message, detail and buttons. */
export interface SeenDialog {
  message: string;
  detail: string;
  buttons: string[];
}

/**
 * Records every modal dialog the workbench renders, from page load on, so a test can tell how often
 * one was shown even after it was answered. Install before `page.goto`; read with `seenDialogs`.
 */
export async function recordDialogs(page: Page): Promise<void> {
  // A string: this project compiles without the DOM library, and the script runs in the page.
  await page.addInitScript(`(() => {
    if (window.top !== window) return;
    const seen = [];
    const boxes = new WeakSet();
    window.__ccDialogs = seen;
    const scan = () => {
      for (const box of document.querySelectorAll('.monaco-dialog-box')) {
        if (boxes.has(box)) continue;
        const message = box.querySelector('.dialog-message-text')?.textContent || '';
        if (!message) continue;
        boxes.add(box);
        seen.push({
          message,
          detail: box.querySelector('.dialog-message-detail')?.textContent || '',
          buttons: Array.from(box.querySelectorAll('.dialog-buttons .monaco-button')).map((b) => (b.textContent || '').trim()),
        });
      }
    };
    new MutationObserver(scan).observe(document, { subtree: true, childList: true, characterData: true });
  })()`);
}

/** What recordDialogs saw since the page was last loaded. */
export function seenDialogs(page: Page): Promise<SeenDialog[]> {
  return page.evaluate<SeenDialog[]>('window.__ccDialogs ?? []');
}

/** The modal dialog on screen: waits for it, reads it, presses one of its buttons. */
export function modalDialog(page: () => Page) {
  const box = (): Locator => page().locator('.monaco-dialog-box');

  /** Waits until a dialog whose message matches `message` is visible; returns what it says. */
  async function shows(message: RegExp, timeout = 30_000): Promise<SeenDialog> {
    const dialog = box().filter({ hasText: message }).first();
    await dialog.waitFor({ state: 'visible', timeout }).catch(async () => {
      const other = await box().allInnerTexts().catch(() => []);
      assert.fail(`no dialog matching ${message} within ${timeout} ms${other.length ? `; dialogs: ${other.join(' | ')}` : ''}`);
    });
    return {
      message: (await dialog.locator('.dialog-message-text').innerText()).trim(),
      detail: (await dialog.locator('.dialog-message-detail').innerText().catch(() => '')).trim(),
      buttons: (await dialog.locator('.dialog-buttons .monaco-button').allInnerTexts()).map((t) => t.trim()),
    };
  }

  /** Presses the dialog's button named `name` and waits until the dialog is gone. */
  async function press(name: string): Promise<void> {
    await box().getByRole('button', { name, exact: true }).click({ timeout: 10_000 });
    await box().waitFor({ state: 'detached', timeout: 10_000 });
  }

  return { box, shows, press };
}

/**
 * *Customer Context: Start Work on Ticket…* from the Command Palette, as a person does: types `key`
 * into the ticket pick, chooses "Enter a ticket key…" and confirms the key in the input box.
 */
export async function startWorkOn(page: () => Page, key: string): Promise<void> {
  const p = page();
  await workbench(page).runCommand('Customer Context: Start Work on Ticket');
  const widget = p.locator('.quick-input-widget');
  await widget.locator('.quick-input-title', { hasText: 'Start Work on Ticket' }).waitFor({ timeout: 10_000 });
  const input = widget.locator('input.input');
  await input.fill(key);
  await workbench(page).pick(/Enter a ticket key/);
  // The same widget turns into the input box, with the key typed above as its value.
  await widget.locator('.quick-input-message', { hasText: 'Ticket key, e.g.' }).waitFor({ timeout: 10_000 });
  await until(async () => (await input.inputValue()) === key, 5_000, async () => `the key box holds "${await input.inputValue()}"`);
  await input.press('Enter');
}

/**
 * Sets a boolean user setting in the Settings editor, as a person does (the web workbench does not
 * watch settings.json for outside edits, so writing the file would change nothing until a reload),
 * then closes the editor. Returns once the checkbox shows `value`.
 */
export async function setBooleanSetting(page: () => Page, id: string, value: boolean): Promise<void> {
  const p = page();
  const editor = await openSettingsOn(page, id);
  const box = editor.locator('.setting-item-bool').filter({ has: p.locator('.setting-value-checkbox') })
    .filter({ hasText: id.split('.').pop()!.replace(/^./, (c) => c.toUpperCase()) }).first()
    .locator('.setting-value-checkbox');
  await box.waitFor({ timeout: 20_000 });
  if ((await box.getAttribute('aria-checked')) !== String(value)) await box.click();
  await until(async () => (await box.getAttribute('aria-checked')) === String(value), 10_000,
    async () => `${id} shows aria-checked=${await box.getAttribute('aria-checked')}`);
  await closeSettings(page, editor);
}

/** Opens the Settings editor (UI) filtered to the setting `id`; returns the editor. */
async function openSettingsOn(page: () => Page, id: string): Promise<Locator> {
  const p = page();
  await workbench(page).runCommand('Preferences: Open Settings (UI)');
  const editor = p.locator('.settings-editor');
  await editor.waitFor({ timeout: 20_000 });
  // The search box has focus when the editor opens; an exact id leaves that one setting.
  await editor.locator('.settings-header .suggest-input-container').click();
  await p.keyboard.press('Control+A');
  await p.keyboard.type(id);
  return editor;
}

/** Closes the Settings editor through the palette (F1 works wherever focus is). */
async function closeSettings(page: () => Page, editor: Locator): Promise<void> {
  const p = page();
  await p.keyboard.press('F1');
  const input = p.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill('>View: Close All Editors');
  await p.locator('.quick-input-widget .monaco-list-row').filter({ hasText: 'View: Close All Editors' }).first().click({ timeout: 10_000 });
  await editor.waitFor({ state: 'detached', timeout: 10_000 });
}

/**
 * Hovers our status bar entry as a person does and returns the text of the tooltip it shows (saving
 * a picture of it to `opts.screenshot`); moves the pointer away afterwards and waits until the hover
 * is gone, so it does not cover what the test looks at next.
 */
export async function statusTooltip(page: Page, opts: { timeout?: number; screenshot?: string } = {}): Promise<string> {
  const timeout = opts.timeout ?? 10_000;
  const item = workbench(() => page).statusItem();
  const hover = page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first();
  let text = '';
  // The pointer may rest on the entry already (no new mouseover): come from elsewhere, twice at most.
  for (let attempt = 0; attempt < 2 && !text; attempt++) {
    await page.mouse.move(640, 300);
    await hover.waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => undefined);
    await item.hover();
    await hover.waitFor({ state: 'visible', timeout }).catch(() => undefined);
    text = (await hover.innerText({ timeout: 2_000 }).catch(() => '')).trim();
  }
  if (text && opts.screenshot) await hover.screenshot({ path: opts.screenshot }).catch(() => undefined);
  await page.mouse.move(640, 300);
  await hover.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  if (!text) assert.fail(`no tooltip appeared on the status bar entry "${await item.innerText().catch(() => '?')}"`);
  return text;
}

/**
 * Types `query` into the Command Palette (F1) and returns the labels of the rows it lists once one
 * has `expected` in it (or after `timeout`, whatever it lists then); leaves the palette open.
 */
export async function paletteLabels(page: Page, query: string, expected: string | RegExp, timeout = 5_000): Promise<string[]> {
  const input = page.locator('.quick-input-widget input.input');
  if (!(await input.isVisible())) {
    await page.locator('.part.editor').click({ position: { x: 200, y: 200 } });
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
  }
  await input.fill(`>${query}`);
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  await rows.filter({ hasText: expected }).first().waitFor({ timeout }).catch(() => undefined);
  return rows.evaluateAll((els) => els.map((e) => {
    // Runs in the page; this project compiles without the DOM library, hence the narrow shape.
    const el = e as unknown as { querySelector(s: string): { textContent: string | null } | null; textContent: string | null };
    return (el.querySelector('.label-name')?.textContent ?? el.textContent ?? '').trim();
  }));
}

/**
 * Sets an enum user setting in the Settings editor, as a person does (the web workbench does not
 * apply outside edits of settings.json until a reload), runs `whenChosen` (e.g. to time what follows
 * from the choice, with the editor still open), then closes the editor.
 */
export async function setEnumSetting(
  page: () => Page,
  id: string,
  value: string,
  whenChosen: () => Promise<void> = async () => undefined,
): Promise<void> {
  const editor = await openSettingsOn(page, id);
  const select = editor.locator('.setting-item-enum')
    .filter({ hasText: id.split('.').pop()!.replace(/^./, (c) => c.toUpperCase()) }).first()
    .locator('select.monaco-select-box');
  await select.waitFor({ timeout: 20_000 });
  // The custom-drawn drop-down listens to its <select>'s change event, which selectOption fires.
  if ((await select.inputValue()) !== value) await select.selectOption(value);
  await until(async () => (await select.inputValue()) === value, 10_000,
    async () => `${id} shows "${await select.inputValue()}", not "${value}"`);
  await whenChosen();
  await closeSettings(page, editor);
}
