// Runs the integration suite (test/integration) inside code-server's real extension host. The workbench is
// opened in Chromium with an extension-development payload in the URL, which loads the extension from this
// repository (dist/, as F5 would) and calls out/test/integration/index.js's run(). The suite writes its
// results to CC_TEST_RESULTS; we wait for that file, print the counts and exit non-zero on failure.
//
//   node esbuild.mjs && npm run compile-tests && node out/test/e2e/runIntegration.js
//
// Env: CC_INTEGRATION_TIMEOUT_MS (default 240000), CC_E2E_VERBOSE=1 to print every browser console line,
// CC_EXTENSION_DEVELOPMENT_PATH to load the extension from another folder (an unpacked .vsix, say).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import type { IntegrationResults } from '../integration/index';
import { createSampleWorkspace, repoRoot, startCodeServer } from './codeServer';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser';

async function waitForFile(file: string, timeoutMs: number, abort: () => string | undefined): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
    const why = abort();
    if (why) throw new Error(why);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no results after ${timeoutMs / 1000} s (${file})`);
}

async function main(): Promise<number> {
  const started = Date.now();
  const root = repoRoot();
  const suite = path.join(root, 'out', 'test', 'integration', 'index.js');
  const extensionPath = path.resolve(process.env.CC_EXTENSION_DEVELOPMENT_PATH ?? root);
  const pkg = JSON.parse(fs.readFileSync(path.join(extensionPath, 'package.json'), 'utf8')) as { main: string };
  for (const [file, fix] of [[suite, 'npm run compile-tests'], [path.join(extensionPath, pkg.main), 'node esbuild.mjs']]) {
    if (!fs.existsSync(file)) throw new Error(`${path.relative(root, file)} is missing: run \`${fix}\` first`);
  }
  const outDir = path.join(root, 'test-results', 'integration');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const resultsFile = path.join(outDir, 'results.json');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-integration-'));
  const workspace = createSampleWorkspace(path.join(tmp, 'workspace'), root);

  const server = await startCodeServer({
    tmpDir: tmp,
    vsix: false,
    env: { CC_TEST_RESULTS: resultsFile },
    logFile: path.join(outDir, 'code-server.log'),
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const consoleLog = fs.createWriteStream(path.join(outDir, 'browser-console.log'));
  let pageError: string | undefined;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (msg) => {
      const text = msg.text();
      consoleLog.write(`[${msg.type()}] ${text}\n`);
      // Everything, the extension host's console (mocha's spec reporter) among it, is in browser-console.log;
      // the counts and timings are printed from the results file below.
      if (process.env.CC_E2E_VERBOSE) console.log(`  │ ${text.replace(/^%c\s*(\w+)\s+color: #[0-9a-f]+\s*/i, '$1 ')}`);
    });
    page.on('crash', () => (pageError = 'the browser page crashed'));
    const url = server.folderUrl(workspace, [
      ['extensionDevelopmentPath', server.remoteUri(extensionPath)],
      ['extensionTestsPath', server.remoteUri(suite.replace(/\.js$/, ''))],
    ]);
    await page.goto(url);
    const raw = await waitForFile(resultsFile, Number(process.env.CC_INTEGRATION_TIMEOUT_MS ?? 240_000), () => pageError);
    const results = JSON.parse(raw) as IntegrationResults;
    const s = results.stats;
    console.log('');
    console.log(`integration suite in ${results.appName} ${results.vscodeVersion} (${results.uiKind}, code-server extension host)`);
    for (const t of results.passes) console.log(`  ✔ ${t.fullTitle} (${t.durationMs ?? 0} ms)`);
    for (const t of results.pending) console.log(`  - ${t.fullTitle} (pending)`);
    for (const t of results.timings ?? []) console.log(`  ⏱ ${t.label}: ${t.ms} ms`);
    for (const f of results.failures) {
      console.log(`  ✗ ${f.fullTitle}\n    ${(f.error ?? '').split('\n').join('\n    ')}`);
    }
    console.log(`  ${s.passes} passing, ${s.failures} failing, ${s.pending} pending (${(s.durationMs / 1000).toFixed(1)} s in the host, ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s in all)`);
    return s.failures > 0 || s.tests === 0 ? 1 : 0;
  } finally {
    consoleLog.end();
    await browser.close();
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`integration run failed: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  },
);
