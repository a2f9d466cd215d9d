// Entry point of the integration suite, loaded by VS Code's extension host (`extensionTestsPath`): by
// @vscode/test-electron on desktops (runTests.ts) and by code-server through the payload URL
// (test/e2e/runIntegration.ts). It runs every *.test.js next to it with mocha, in the real host.
//
// code-server's host gives the harness no exit code, so the outcome is also written as JSON to the file
// named by CC_TEST_RESULTS; the harness waits for that file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { timings } from './helpers';

export interface IntegrationTestResult {
  title: string;
  fullTitle: string;
  durationMs?: number;
  error?: string;
}

export interface IntegrationResults {
  vscodeVersion: string;
  appName: string;
  uiKind: 'desktop' | 'web';
  stats: { tests: number; passes: number; failures: number; pending: number; durationMs: number };
  passes: IntegrationTestResult[];
  failures: IntegrationTestResult[];
  pending: IntegrationTestResult[];
  /** Latencies the tests measured, e.g. from `git checkout` to the status bar. */
  timings: Array<{ label: string; ms: number }>;
}

function writeResults(file: string | undefined, results: IntegrationResults): void {
  if (!file) return;
  // Written to a temp name then renamed, so the harness never reads half a file.
  const tmp = `${file}.partial`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(tmp, JSON.stringify(results, null, 2));
  fs.renameSync(tmp, file);
}

export async function run(): Promise<void> {
  const resultsFile = process.env.CC_TEST_RESULTS;
  const started = Date.now();
  const results: IntegrationResults = {
    vscodeVersion: vscode.version,
    appName: vscode.env.appName,
    uiKind: vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop',
    stats: { tests: 0, passes: 0, failures: 0, pending: 0, durationMs: 0 },
    passes: [],
    failures: [],
    pending: [],
    timings,
  };
  try {
    // mocha 12 is an ES module; import() loads it in every host (Electron's Node may lack require(esm)).
    const { default: Mocha } = await import('mocha');
    const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
    const dir = __dirname;
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.test.js')).sort()) {
      mocha.addFile(path.join(dir, f));
    }
    await mocha.loadFilesAsync();
    const failures = await new Promise<number>((resolve) => {
      const runner = mocha.run((n) => resolve(n));
      const item = (t: Mocha.Test, err?: Error): IntegrationTestResult => ({
        title: t.title,
        fullTitle: t.fullTitle(),
        durationMs: t.duration,
        error: err ? (err.stack ?? String(err)) : undefined,
      });
      runner.on('pass', (t) => results.passes.push(item(t)));
      runner.on('fail', (t, err) => results.failures.push(item(t as Mocha.Test, err)));
      runner.on('pending', (t) => results.pending.push(item(t)));
    });
    results.stats = {
      tests: results.passes.length + results.failures.length + results.pending.length,
      passes: results.passes.length,
      failures: results.failures.length,
      pending: results.pending.length,
      durationMs: Date.now() - started,
    };
    writeResults(resultsFile, results);
    if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
  } catch (err) {
    // A suite that cannot even load must still be reported, or the harness waits for nothing until its limit.
    if (results.failures.length === 0) {
      results.failures.push({ title: 'load', fullTitle: 'integration suite failed to load or run', error: String((err as Error).stack ?? err) });
      results.stats.failures = results.failures.length;
      results.stats.durationMs = Date.now() - started;
      writeResults(resultsFile, results);
    }
    throw err;
  }
}
