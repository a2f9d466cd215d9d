#!/usr/bin/env node
// `npm run test:e2e`: the extension in a real VS Code (code-server 1.100, in Debian's Chromium).
//   1. package the .vsix (production bundle, as users get it)
//   2. install code-server into .vscode-test/ if missing
//   3. compile the tests
//   4. the integration suite inside code-server's extension host (test/e2e/runIntegration.ts)
//   5. the UI tests against the installed .vsix: every test/e2e/*.test.ts (ui, providers, questions,
//      webview, hostile, l10n, walkthrough, …), ui first
// Prints the counts of both and the total time; exits non-zero when anything failed.
//
//   node scripts/testE2e.mjs [--skip-package] [--only=integration|ui] [--suite=<name>[,<name>…]]
//
// --suite=hostile (or CC_E2E_SUITE=hostile) runs only test/e2e/hostile.test.ts, without the integration
// suite; several names are separated by commas. Without it, every suite runs.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from './setupCodeServer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const suiteArg = args.find((a) => a.startsWith('--suite='))?.slice('--suite='.length) ?? process.env.CC_E2E_SUITE;
/** UI suites picked by name (`hostile` for test/e2e/hostile.test.ts); undefined = all of them. */
const suites = suiteArg
  ? suiteArg.split(',').map((s) => s.trim().replace(/\.test(\.[jt]s)?$/, '')).filter(Boolean)
  : undefined;
// A suite picked by name is a UI suite: the integration suite runs only when asked for as well.
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? (suites?.length ? 'ui' : undefined);
if (suites?.length && only !== 'ui') {
  console.error(`--suite=${suiteArg} selects UI suites; it cannot be combined with --only=${only}`);
  process.exit(2);
}
const started = Date.now();
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const phases = [];

function step(name, fn) {
  const t0 = Date.now();
  console.log(`\n▶ ${name}`);
  const result = fn();
  phases.push({ name, ms: Date.now() - t0 });
  return result;
}

function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function mustRun(cmd, cmdArgs) {
  const status = run(cmd, cmdArgs);
  if (status !== 0) {
    console.error(`\n✗ ${cmd} ${cmdArgs.join(' ')} failed (${status})`);
    process.exit(status);
  }
}

const bin = (name) => path.join(root, 'node_modules', '.bin', name);

if (!args.includes('--skip-package')) {
  step('package the .vsix', () => {
    // A stale package from an older version would be ambiguous: the tests install the one .vsix there is.
    for (const f of fs.readdirSync(root).filter((n) => n.endsWith('.vsix'))) fs.rmSync(path.join(root, f));
    // `vsce package` runs vscode:prepublish (the production esbuild) first.
    mustRun(bin('vsce'), ['package', '--no-dependencies']);
    // The budget every window pays at start: the lazily loaded bundles (remote, workflow) are not in it.
    const size = fs.statSync(path.join(root, 'dist', 'extension.js')).size;
    console.log(`dist/extension.js: ${(size / 1024).toFixed(1)} KB (budget 200 KB)`);
    if (size > 200 * 1024) {
      console.error('✗ dist/extension.js is over its 200 KB budget: move what only some users need into a lazily loaded bundle');
      process.exit(1);
    }
  });
}
step('code-server', () => ensureCodeServer());
step('compile the tests', () => mustRun(bin('tsc'), ['-p', '.', '--outDir', 'out']));

const summary = [];
let failed = false;

if (!only || only === 'integration') {
  const status = step('integration suite in code-server', () => run(process.execPath, ['out/test/e2e/runIntegration.js']));
  const resultsFile = path.join(root, 'test-results', 'integration', 'results.json');
  if (fs.existsSync(resultsFile)) {
    const { stats, vscodeVersion } = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    summary.push(`integration (VS Code ${vscodeVersion}): ${stats.passes} passing, ${stats.failures} failing, ${stats.pending} pending`);
  } else {
    summary.push('integration: no results');
  }
  failed ||= status !== 0;
}

if (!only || only === 'ui') {
  console.log('\n▶ UI tests in Chromium');
  const t0 = Date.now();
  // In this process, through mocha's API, for the counts; the suite stops its own server and browser.
  const { default: Mocha } = await import('mocha');
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, reporter: 'spec' });
  // Every compiled e2e test file (ui.test.js first: it is the smoke test of the packaged extension).
  const dir = path.join(root, 'out', 'test', 'e2e');
  const all = fs.readdirSync(dir).filter((f) => f.endsWith('.test.js'));
  if (suites?.length) {
    const missing = suites.filter((s) => !all.includes(`${s}.test.js`));
    if (missing.length) {
      console.error(`\n✗ no UI suite named ${missing.join(', ')}; there are: ${all.map((f) => f.replace(/\.test\.js$/, '')).join(', ')}`);
      process.exit(2);
    }
  }
  const files = all
    .filter((f) => !suites?.length || suites.includes(f.replace(/\.test\.js$/, '')))
    .sort((a, b) => (a === 'ui.test.js' ? -1 : b === 'ui.test.js' ? 1 : a.localeCompare(b)));
  for (const f of files) mocha.addFile(path.join(dir, f));
  await mocha.loadFilesAsync();
  const stats = await new Promise((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats));
  });
  phases.push({ name: 'UI tests in Chromium', ms: Date.now() - t0 });
  summary.push(`UI: ${stats.passes} passing, ${stats.failures} failing, ${stats.pending} pending`);
  failed ||= stats.failures > 0 || stats.tests === 0;
}

console.log('\n── end-to-end summary ──');
for (const line of summary) console.log(`  ${line}`);
for (const p of phases) console.log(`  ${p.name}: ${seconds(p.ms)}`);
console.log(`  total: ${seconds(Date.now() - started)}`);
console.log(`  artefacts: ${path.relative(process.cwd(), path.join(root, 'test-results'))}/ (screenshots, logs, timings)`);
process.exit(failed ? 1 : 0);
