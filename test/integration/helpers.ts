// Shared by the integration tests: the extension's public API, the fixture workspace, and waiting for state.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** What `activate()` returns (the lead's extension implements it; tests only read it). */
export interface CustomerContextApi {
  readonly state: {
    /** The status bar item's text without codicons, e.g. `ACME-42 · Globex LLC · $120K`, or `No ticket`. */
    readonly statusText: string | undefined;
    /** What the sidebar shows: undefined until the webview view is resolved and its page said ready. */
    readonly sidebar: unknown;
  };
  onDidChangeState(listener: () => void): vscode.Disposable;
}

/** Measurements the tests take (checkout → status bar, …); index.ts adds them to the results file. */
export const timings: Array<{ label: string; ms: number }> = [];

export function reportTiming(label: string, ms: number): void {
  timings.push({ label, ms });
  console.log(`      ${label}: ${ms} ms`);
}

/** The repository root: compiled tests live in out/test/integration. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export function readPackageJson(): {
  publisher: string;
  name: string;
  contributes: { commands: Array<{ command: string; title: string }> };
} {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
}

export function extensionId(): string {
  const pkg = readPackageJson();
  return `${pkg.publisher}.${pkg.name}`;
}

export async function activatedApi(): Promise<CustomerContextApi> {
  const ext = vscode.extensions.getExtension<CustomerContextApi>(extensionId());
  if (!ext) throw new Error(`extension ${extensionId()} is not loaded`);
  return ext.isActive ? ext.exports : ext.activate();
}

export function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the integration suite needs the sample workspace open (scripts/sampleWorkspace.mjs)');
  return folder.uri.fsPath;
}

/** Runs git in the fixture workspace, as a person would in a terminal (the extension itself never does). */
export function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: workspaceFolder(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Waits until `read()` satisfies `ok`, re-checking on every state change and every 100 ms (a missed event
 * must not hang the test). Returns the value and how long it took; fails with the last value seen.
 */
export async function waitForState<T>(
  api: CustomerContextApi,
  read: () => T,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  let last = read();
  if (ok(last)) return { value: last, ms: 0 };
  return new Promise((resolve, reject) => {
    const check = () => {
      last = read();
      if (ok(last)) {
        done();
        resolve({ value: last, ms: Date.now() - started });
      }
    };
    const sub = api.onDidChangeState(check);
    const poll = setInterval(check, 100);
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`));
    }, timeoutMs);
    function done() {
      sub.dispose();
      clearInterval(poll);
      clearTimeout(timer);
    }
  });
}
