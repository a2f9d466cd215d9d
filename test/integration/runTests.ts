// Runs the integration suite in desktop VS Code through @vscode/test-electron, which downloads VS Code into
// .vscode-test/ (needs internet; on machines without it use test/e2e/runIntegration.ts with code-server).
//
//   npm run compile-tests && node esbuild.mjs && node out/test/integration/runTests.js
//
// CC_VSCODE_VERSION picks the VS Code version (default: stable; `1.90.0` checks engines.vscode's floor).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  const extensionTestsPath = path.join(__dirname, 'index');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-integration-'));
  const workspace = execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'sampleWorkspace.mjs'), path.join(tmp, 'workspace')], {
    encoding: 'utf8',
  }).trim();
  try {
    await runTests({
      version: process.env.CC_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath,
      extensionTestsEnv: { CC_TEST_RESULTS: process.env.CC_TEST_RESULTS },
      launchArgs: [
        workspace,
        // Only our extension and the built-in ones (git among them); a fresh profile, nothing to trust.
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir', path.join(tmp, 'user-data'),
      ],
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error('integration tests failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
