// Starts code-server (VS Code 1.100 in the browser) for the end-to-end tests and the demo harness: its own
// process group, a free loopback port, throwaway user data and extensions folders, and our packaged .vsix
// installed the way a user installs it. Install code-server first: `npm run setup:code-server`.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';

/** The repository root: the nearest folder above this file (source or compiled) with our package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    // out/ can hold a copy of package.json (tsc emits imported JSON), so the scripts folder must be there too.
    if (fs.existsSync(pkg) && fs.existsSync(path.join(dir, 'scripts', 'sampleWorkspace.mjs')) &&
        JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'customer-context') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no customer-context package.json above ${__dirname}`);
    dir = up;
  }
}

export function extensionId(root = repoRoot()): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { publisher: string; name: string };
  return `${pkg.publisher}.${pkg.name}`;
}

export function codeServerEntry(root = repoRoot()): string {
  return path.join(root, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** The one .vsix `npm run package` leaves in the repository root (or CC_VSIX, to test another package). */
export function findVsix(root = repoRoot()): string {
  if (process.env.CC_VSIX) return path.resolve(process.env.CC_VSIX);
  const found = fs.readdirSync(root).filter((f) => f.endsWith('.vsix'));
  if (found.length === 0) throw new Error(`no .vsix in ${root}: run \`npm run package\` first`);
  if (found.length > 1) {
    // More than one means a stale package from an older version: take the newest, say so.
    found.sort((a, b) => fs.statSync(path.join(root, b)).mtimeMs - fs.statSync(path.join(root, a)).mtimeMs);
    console.warn(`[code-server] several .vsix files, using the newest: ${found[0]}`);
  }
  return path.join(root, found[0]);
}

/** Creates the sample git workspace (scripts/sampleWorkspace.mjs) at `dir`. */
export function createSampleWorkspace(dir: string, root = repoRoot()): string {
  return execFileSync(process.execPath, [path.join(root, 'scripts', 'sampleWorkspace.mjs'), dir, '--force'], {
    encoding: 'utf8',
  }).trim();
}

export interface CodeServerOptions {
  /** Folder for the throwaway user data, extensions and logs; a fresh temp dir when omitted. */
  tmpDir?: string;
  /** A .vsix to install before starting; `false` installs nothing (the payload URL loads the extension). */
  vsix?: string | false;
  /** Initial user settings (settings.json). */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server; it reaches the extension host. */
  env?: NodeJS.ProcessEnv;
  /** Folder code-server opens when a URL names none. */
  folder?: string;
  /** Where code-server's output goes; <tmpDir>/code-server.log when omitted. */
  logFile?: string;
  /** Loopback port; 0 (default) lets the kernel pick a free one. */
  port?: number;
  /** How long to wait for the server to answer. */
  startTimeoutMs?: number;
  /**
   * Workspace trust: `disabled` (default) trusts every folder; `prompt` turns trust on without the
   * start-up modal, so a folder never trusted before opens in Restricted Mode with the UI usable.
   */
  trust?: 'disabled' | 'prompt';
  /**
   * VS Code's display language: `ru` installs the minimal Russian language pack of the tests
   * (scripts/packLanguagePack.mjs) and starts with that locale; default English.
   */
  displayLanguage?: 'ru';
}

export interface CodeServer {
  readonly origin: string;
  readonly port: number;
  readonly tmpDir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly logFile: string;
  /** `http://127.0.0.1:<port>/?folder=<abs>`, with an extension-development payload when given. */
  folderUrl(folder: string, payload?: Array<[string, string]>): string;
  /** `vscode-remote://` URI of a path on this server, as the payload expects. */
  remoteUri(absPath: string): string;
  /** Merges keys into the user settings.json (VS Code watches the file and applies them live). */
  updateSettings(patch: Record<string, unknown>): void;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid: the whole group, so the file watcher and pty host helpers go too.
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  // Whatever way this process ends, no code-server may outlive it.
  process.on('exit', () => {
    for (const c of running) killGroup(c, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const c of running) killGroup(c, 'SIGTERM');
      process.exit(130);
    });
  }
}

function ping(origin: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${origin}/healthz`, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

function codeServerArgs(tmpDir: string, userDataDir: string, extensionsDir: string): string[] {
  // --config keeps code-server from writing ~/.config/code-server/config.yaml with a password in it.
  return ['--config', path.join(tmpDir, 'config.yaml'), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
}

function codeServerEnv(tmpDir: string, extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // code-server keeps its own logs under XDG_DATA_HOME/code-server; keep them with the rest of the run.
    XDG_DATA_HOME: path.join(tmpDir, 'xdg-data'),
    ...extra,
  };
}

export async function startCodeServer(opts: CodeServerOptions = {}): Promise<CodeServer> {
  const root = repoRoot();
  const entry = codeServerEntry(root);
  if (!fs.existsSync(entry)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed: run \`npm run setup:code-server\``);
  }
  const tmpDir = opts.tmpDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cc-code-server-'));
  const userDataDir = path.join(tmpDir, 'user-data');
  const extensionsDir = path.join(tmpDir, 'extensions');
  const logFile = opts.logFile ?? path.join(tmpDir, 'code-server.log');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(path.join(tmpDir, 'config.yaml'), 'auth: none\n');
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  let settings: Record<string, unknown> = {
    // Nothing on top of the workbench that a test did not open, and nothing that calls home.
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'git.autoRepositoryDetection': true,
    'git.openRepositoryInParentFolders': 'always',
    'security.workspace.trust.enabled': false,
    ...(opts.trust === 'prompt' ? {
      'security.workspace.trust.enabled': true,
      // No modal asking to trust the folder on open: it would cover the workbench the test drives.
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'always',
      'security.workspace.trust.untrustedFiles': 'open',
      'security.workspace.trust.emptyWindow': false,
    } : {}),
    ...opts.settings,
  };
  // Settings first: the workbench reads them on its first load.
  fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  const env = codeServerEnv(tmpDir, opts.env);
  const baseArgs = codeServerArgs(tmpDir, userDataDir, extensionsDir);

  const vsix = opts.vsix === undefined ? findVsix(root) : opts.vsix;
  if (vsix) {
    const t0 = Date.now();
    execFileSync(process.execPath, [entry, ...baseArgs, '--force', '--install-extension', vsix], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    console.log(`[code-server] installed ${path.basename(vsix)} in ${Date.now() - t0} ms`);
  }

  if (opts.displayLanguage) {
    const t0 = Date.now();
    execFileSync(process.execPath, [
      path.join(root, 'scripts', 'packLanguagePack.mjs'),
      '--out', path.join(tmpDir, `language-pack-${opts.displayLanguage}.vsix`),
      '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--locale', opts.displayLanguage,
    ], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    console.log(`[code-server] language pack "${opts.displayLanguage}" installed in ${Date.now() - t0} ms`);
  }

  hookExit();
  const log = fs.openSync(logFile, 'a');
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    [
      entry,
      ...baseArgs,
      '--auth', 'none',
      // Port 0: the kernel picks a free port; we read it back from code-server's output (no race).
      '--bind-addr', `127.0.0.1:${opts.port ?? 0}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(opts.trust === 'prompt' ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      ...(opts.folder ? [opts.folder] : []),
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    running.delete(child);
    resolve();
  }));

  const origin = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      reject(new Error(`code-server did not start in ${opts.startTimeoutMs ?? 60_000} ms; see ${logFile}`));
    }, opts.startTimeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      fs.writeSync(log, chunk);
      seen += chunk.toString();
      const m = /HTTPS? server listening on (https?:\/\/[.:\d]+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${code ?? signal}) before listening; see ${logFile}`));
    });
  }).catch(async (err) => {
    killGroup(child, 'SIGKILL');
    await exited;
    throw err;
  });
  // Listening is not serving yet: wait until /healthz answers.
  while (!(await ping(origin))) {
    if (Date.now() - t0 > (opts.startTimeoutMs ?? 60_000)) throw new Error(`code-server at ${origin} never became healthy`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const port = Number(new URL(origin).port);
  console.log(`[code-server] ${origin} ready in ${Date.now() - t0} ms (log: ${logFile})`);

  return {
    origin,
    port,
    tmpDir,
    userDataDir,
    extensionsDir,
    logFile,
    folderUrl(folder, payload) {
      // Slashes left readable (`?folder=/abs/path`), as people paste it; everything else encoded.
      let url = `${origin}/?folder=${encodeURIComponent(folder).replace(/%2F/g, '/')}`;
      if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return url;
    },
    remoteUri(absPath) {
      return `vscode-remote://${new URL(origin).host}${absPath}`;
    },
    updateSettings(patch) {
      settings = { ...settings, ...patch };
      fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
    },
    async stop() {
      killGroup(child, 'SIGTERM');
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      if (!done) {
        killGroup(child, 'SIGKILL');
        await exited;
      }
      // Helpers in the group may outlive the leader for a moment; make sure none stays.
      killGroup(child, 'SIGKILL');
      fs.closeSync(log);
    },
  };
}
