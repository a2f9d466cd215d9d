// One browser and one code-server with the packaged .vsix on a throwaway workspace: what the worklist,
// l10n and walkthrough suites each start, stop and photograph on failure.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser';
import { type CodeServer, type CodeServerOptions, createSampleWorkspace, findVsix, repoRoot, startCodeServer } from './codeServer';
import { saveExtensionLog } from './workbench';

const root = repoRoot();
const resultsDir = path.join(root, 'test-results');
const screenshotDir = path.join(resultsDir, 'screenshots');

/** A browser and a code-server with the packaged extension on a fresh workspace. */
export interface Harness {
  tmp: string;
  workspace: string;
  server: CodeServer;
  browser: Browser;
  page: Page;
}

/** Where a harness's logs go: test-results/<suite>/<name>-… */
export interface HarnessName {
  suite: string;
  name: string;
}

/**
 * Starts code-server on a workspace made by `workspace(dir)` (default: the sample workspace) after
 * `prepare`, with the packaged .vsix installed, and a Chromium page of `viewport`.
 */
export async function startHarness(
  id: HarnessName,
  opts: Pick<CodeServerOptions, 'settings' | 'env' | 'displayLanguage'> & {
    workspace?: (dir: string) => string;
    prepare?: (workspace: string) => void;
    viewport?: { width: number; height: number };
  } = {},
): Promise<Harness> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `cc-${id.suite}-${id.name}-`));
  const dir = path.join(tmp, 'workspace');
  const workspace = opts.workspace ? opts.workspace(dir) : createSampleWorkspace(dir, root);
  opts.prepare?.(workspace);
  const server = await startCodeServer({
    tmpDir: tmp,
    vsix: findVsix(root),
    logFile: path.join(resultsDir, id.suite, `${id.name}-code-server.log`),
    settings: opts.settings,
    env: opts.env,
    displayLanguage: opts.displayLanguage,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1280, height: 1000 } });
  return { tmp, workspace, server, browser, page };
}

/** Keeps the extension's log, closes the browser, stops code-server and removes the workspace. */
export async function stopHarness(h: Harness | undefined, id: HarnessName): Promise<void> {
  if (!h) return;
  saveExtensionLog(h.server.userDataDir, path.join(resultsDir, id.suite, `${id.name}-extension.log`));
  await h.browser.close().catch(() => undefined);
  await h.server.stop();
  fs.rmSync(h.tmp, { recursive: true, force: true });
}

/** A screenshot of the page when the test that just ran failed (for afterEach). */
export async function screenshotOnFailure(ctx: Mocha.Context, page: Page | undefined, prefix: string): Promise<void> {
  if (ctx.currentTest?.state !== 'failed' || !page) return;
  const name = ctx.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${prefix}-failed-${name}.png`) }).catch(() => undefined);
}
