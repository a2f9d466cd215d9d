// What the e2e suites look at in the code-server workbench, in one place: our status bar entry, the
// sidebar webview (two iframes deep), its Refresh action; plus the `[figure]` log every suite keeps.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Locators and actions on the page a suite drives (passed lazily: suites open the page in before()). */
export function workbench(page: () => Page) {
  /** Our status bar entry: code-server gives it the DOM id `<extension id>.customerContext.ticket`. */
  const statusItem = (): Locator => page().locator('.statusbar-item[id$=".customerContext.ticket"]');
  /** The sidebar's content: a webview two iframes deep (the host iframe, then the content frame). */
  const sidebar = (): FrameLocator => page().frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const sidebarText = (): Promise<string> => sidebar().locator('body').innerText({ timeout: 5_000 }).catch(() => '');

  /** Opens the Customer Context view from the activity bar (a tab named after the container). */
  async function openSidebar(): Promise<void> {
    const tab = page().getByRole('tab', { name: /^Customer Context/ });
    if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
    await sidebar().locator('body').waitFor({ timeout: 30_000 });
  }

  /** The view's own Refresh action (view title bar), as a person triggers it. */
  async function refresh(): Promise<void> {
    await openSidebar();
    await page().locator('.part.sidebar').getByRole('button', { name: 'Refresh', exact: true }).first().click();
  }

  return { statusItem, sidebar, sidebarText, openSidebar, refresh };
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
