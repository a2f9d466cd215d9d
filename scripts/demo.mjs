#!/usr/bin/env node
// `npm run demo`: the extension, built, on a generated sample workspace (.demo/workspace) that needs no
// account and no network. Desktop VS Code when `code` is on PATH; otherwise a local code-server in the
// browser with the packaged .vsix installed, running until Ctrl+C.
//
//   node scripts/demo.mjs [--code-server] [--port <n>] [--no-open]
//
// --code-server  use code-server even when `code` is on PATH
// --port <n>     code-server's port on 127.0.0.1 (default: a free one)
// --no-open      (or env CI) exit once it is ready, after printing the URL: lets a test check the demo starts
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSampleWorkspace } from './sampleWorkspace.mjs';
import { ensureCodeServer } from './setupCodeServer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const noOpen = args.includes('--no-open') || !!process.env.CI;
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('--port needs a number between 0 and 65535');
  process.exit(2);
}

function log(msg) {
  console.log(`[demo] ${msg}`);
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const ext of process.platform === 'win32' ? ['.cmd', '.exe', ''] : ['']) {
      const p = path.join(dir, cmd + ext);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      } catch { /* keep looking */ }
    }
  }
  return undefined;
}

function mustRun(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${cmdArgs.join(' ')} failed (${r.status ?? r.signal})`);
}

async function main() {
  const t0 = Date.now();
  log('building and packaging the extension');
  // One .vsix only: the one just built is the one installed.
  for (const f of fs.readdirSync(root).filter((n) => n.endsWith('.vsix'))) fs.rmSync(path.join(root, f));
  // `vsce package` runs vscode:prepublish (`node esbuild.mjs --production`) before packing.
  mustRun(path.join(root, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies']);
  const vsix = fs.readdirSync(root).find((n) => n.endsWith('.vsix'));
  if (!vsix) throw new Error('vsce wrote no .vsix');

  // Regenerated every time, so close dates stay "in 5 days" and "overdue" whatever day the demo runs.
  const workspace = createSampleWorkspace(path.join(root, '.demo', 'workspace'), { force: true });
  log(`sample workspace: ${workspace} (branch feature/ACME-42-export-pdf)`);

  const code = args.includes('--code-server') ? undefined : which('code');
  if (code) {
    const codeArgs = [`--extensionDevelopmentPath=${root}`, workspace];
    log(`opening desktop VS Code: code ${codeArgs.join(' ')}`);
    if (noOpen) return 0;
    const r = spawnSync(code, codeArgs, { stdio: 'inherit', shell: process.platform === 'win32' });
    return r.status ?? 1;
  }

  ensureCodeServer({ root });
  // The same launcher the UI tests use (TypeScript, loaded through tsx, a devDependency).
  const { require: tsxRequire } = await import('tsx/cjs/api');
  const { startCodeServer } = tsxRequire('../test/e2e/codeServer.ts', import.meta.url);
  const dataDir = path.join(root, '.demo', 'code-server');
  // A fresh profile each run: nothing left over from an older build or an earlier demo.
  fs.rmSync(dataDir, { recursive: true, force: true });
  const server = await startCodeServer({
    tmpDir: dataDir,
    vsix: path.join(root, vsix),
    folder: workspace,
    port,
    settings: { 'workbench.colorTheme': 'Default Dark Modern' },
  });
  const url = server.folderUrl(workspace);
  console.log('');
  console.log(`  Customer Context demo (code-server, VS Code 1.100) ready in ${((Date.now() - t0) / 1000).toFixed(1)} s:`);
  console.log(`    ${url}`);
  console.log('');
  console.log('  Look at the status bar (ACME-42 · Globex LLC …), click it for the sidebar, try "Ask sales",');
  console.log(`  and switch branches in the terminal: git -C ${workspace} checkout bugfix/ACME-7_typo`);
  console.log('');
  if (noOpen) {
    await server.stop();
    return 0;
  }
  console.log('  Ctrl+C stops it.');
  // code-server's output pipes keep this process alive; Ctrl+C ends its whole process group (codeServer.ts).
  await new Promise(() => undefined);
  return 0;
}

main().then(
  (status) => process.exit(status),
  (err) => {
    console.error(`[demo] ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  },
);
