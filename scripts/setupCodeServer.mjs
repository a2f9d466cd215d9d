#!/usr/bin/env node
// Installs code-server (VS Code in the browser, from the npm registry) into the git-ignored cache folder
// .vscode-test/code-server-<version>/, the way @vscode/test-electron caches desktop VS Code in .vscode-test/.
// code-server is deliberately not a devDependency: `npm ci` and `npm test` must not need it.
//
//   node scripts/setupCodeServer.mjs [--install-system-deps] [--force]
//
// --install-system-deps  (root, Debian) apt-get installs the compilers, headers, ripgrep and Chromium the
//                         install and the browser tests need. Without it missing packages are only reported.
// --force                reinstall even when the cache folder is complete.
//
// Offline: code-server's postinstall installs @vscode/ripgrep, whose own postinstall downloads ripgrep from
// GitHub. That package looks in its download cache first, so we put Debian's /usr/bin/rg there in the exact
// archive shape it expects. Online the cache is simply not needed (and harmless).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
// The @vscode/ripgrep release code-server 4.100.3's VS Code depends on, and the ripgrep build it fetches.
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_BUILD = 'v13.0.0-10';

export const SYSTEM_PACKAGES = [
  'build-essential', 'pkg-config', 'python3', 'libkrb5-dev', 'libx11-dev', 'libxkbfile-dev',
  'libsecret-1-dev', 'ripgrep', 'chromium', 'git',
];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function codeServerDir(root = repoRoot) {
  return path.join(root, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
}

/** The JS entry point; run it with `node` so no shell wrapper or PATH lookup is involved. */
export function codeServerEntry(root = repoRoot) {
  return path.join(codeServerDir(root), 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

// Written last, so a half-finished install (Ctrl+C, failed native build) is never mistaken for a good one.
function markerFile(root) {
  return path.join(codeServerDir(root), '.installed');
}

export function isCodeServerInstalled(root = repoRoot) {
  try {
    return fs.readFileSync(markerFile(root), 'utf8').trim() === CODE_SERVER_VERSION && fs.existsSync(codeServerEntry(root));
  } catch {
    return false;
  }
}

function log(msg) {
  console.log(`[setup:code-server] ${msg}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

function missingDebianPackages() {
  // Not Debian (macOS, Windows, other distros): nothing to check, the user knows their toolchain.
  const probe = spawnSync('dpkg-query', ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) return undefined;
  return SYSTEM_PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

export function ensureSystemDeps({ install }) {
  const missing = missingDebianPackages();
  if (missing === undefined || missing.length === 0) return;
  if (!install) {
    log(`missing Debian packages: ${missing.join(' ')}`);
    log('run again with --install-system-deps (as root), or: apt-get install -y ' + missing.join(' '));
    return;
  }
  if (process.getuid && process.getuid() !== 0) {
    throw new Error(`--install-system-deps needs root; missing: ${missing.join(' ')}`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', ...SYSTEM_PACKAGES], { env });
}

function ripgrepTarget() {
  // The names @vscode/ripgrep's postinstall picks for Linux (lib/postinstall.js).
  switch (process.arch) {
    case 'x64': return 'x86_64-unknown-linux-musl';
    case 'arm64': return 'aarch64-unknown-linux-musl';
    case 'arm': return 'arm-unknown-linux-gnueabihf';
    default: return undefined;
  }
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch { /* keep looking */ }
  }
  return undefined;
}

/** Seeds @vscode/ripgrep's download cache from the system's rg, so the install needs no GitHub. */
function seedRipgrepCache(tmpDir) {
  const target = ripgrepTarget();
  const rg = which('rg');
  if (process.platform !== 'linux' || !target || !rg) {
    log('no system ripgrep to seed the cache with; @vscode/ripgrep will download it (needs internet)');
    return;
  }
  const cacheDir = path.join(tmpDir, `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const archive = path.join(cacheDir, `ripgrep-${RIPGREP_BUILD}-${target}.tar.gz`);
  if (fs.existsSync(archive)) return;
  fs.mkdirSync(cacheDir, { recursive: true });
  const stage = fs.mkdtempSync(path.join(tmpDir, 'rg-stage-'));
  try {
    fs.copyFileSync(rg, path.join(stage, 'rg'));
    fs.chmodSync(path.join(stage, 'rg'), 0o755);
    // The archive holds one file named `rg` at its root; that is what the postinstall extracts into bin/.
    run('tar', ['-czf', archive, '-C', stage, 'rg']);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  log(`seeded ripgrep cache from ${rg}`);
}

export function ensureCodeServer({ installSystemDeps = false, force = false, root = repoRoot } = {}) {
  ensureSystemDeps({ install: installSystemDeps });
  if (!force && isCodeServerInstalled(root)) {
    log(`code-server ${CODE_SERVER_VERSION} already in ${path.relative(root, codeServerDir(root))}`);
    return codeServerEntry(root);
  }
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor !== 20 && !process.env.FORCE_NODE_VERSION) {
    // code-server's postinstall refuses other majors; say so before a minute of npm output.
    throw new Error(`code-server ${CODE_SERVER_VERSION} needs Node 20 (this is ${process.version}); set FORCE_NODE_VERSION=<your major> to try anyway`);
  }
  const started = Date.now();
  const dir = codeServerDir(root);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // A private temp dir: the ripgrep cache lives in it and nothing is left in the system /tmp.
  const tmpDir = path.join(root, '.vscode-test', 'tmp');
  fs.mkdirSync(tmpDir, { recursive: true });
  seedRipgrepCache(tmpDir);
  // A package.json of its own so npm installs here and never walks up into the project's package.json.
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, name: 'code-server-cache' }, null, 2));
  const env = {
    ...process.env,
    TMPDIR: tmpDir,
    // code-server's postinstall.sh refuses to run as root unless it sees this (npm itself no longer knows it).
    npm_config_unsafe_perm: 'true',
    // node-pty's postinstall runs `npx node-gyp`, which would otherwise stop and ask.
    npm_config_yes: 'true',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
  };
  log(`installing code-server@${CODE_SERVER_VERSION} into ${path.relative(root, dir)} (a few minutes the first time)`);
  run('npm', ['install', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], { cwd: dir, env });
  if (!fs.existsSync(codeServerEntry(root))) throw new Error(`install finished but ${codeServerEntry(root)} is missing`);
  fs.writeFileSync(markerFile(root), CODE_SERVER_VERSION + '\n');
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return codeServerEntry(root);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  try {
    const entry = ensureCodeServer({
      installSystemDeps: args.includes('--install-system-deps'),
      force: args.includes('--force'),
    });
    log(`entry: ${entry}`);
  } catch (err) {
    console.error(`[setup:code-server] ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
