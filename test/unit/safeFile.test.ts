import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  FileCaps,
  SafeFileError,
  appendFileSafe,
  displayPath,
  readFileSafe,
  within,
} from '../../src/core/safeFile';

/** Creates a FIFO with mkfifo; undefined (and a printed reason) where that is not possible. */
function makeFifo(file: string): string | undefined {
  if (process.platform === 'win32') return void console.log('      (skipped: no FIFOs on Windows)');
  try {
    execFileSync('mkfifo', [file], { stdio: 'ignore' });
    return file;
  } catch (e) {
    return void console.log(`      (skipped: mkfifo unavailable: ${(e as Error).message})`);
  }
}

/** Runs `body`, which must reject with a SafeFileError of `reason`; returns it and the time taken. */
async function refused(
  body: () => Promise<unknown>,
  reason: SafeFileError['reason'],
): Promise<{ error: SafeFileError; ms: number }> {
  const start = performance.now();
  let error: unknown;
  try {
    await body();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - start;
  assert.ok(error instanceof SafeFileError, `expected a SafeFileError (${reason}), got ${String(error)}`);
  assert.equal(error.reason, reason, error.message);
  return { error, ms };
}

describe('safe workspace files (core/safeFile)', () => {
  let tmp: string;
  let root: string;
  let outside: string;
  let secret: string;
  const secretText = 'ssh-rsa AAAA the user private key\n';
  const read = (file: string, maxBytes: number = FileCaps.dataFile) =>
    readFileSafe(file, { root, maxBytes, what: 'the data file' });

  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-safe-'));
    root = path.join(tmp, 'repo');
    outside = path.join(tmp, 'home');
    await fs.mkdir(path.join(root, '.vscode'), { recursive: true });
    await fs.mkdir(outside);
    secret = path.join(outside, 'id_rsa');
    await fs.writeFile(secret, secretText);
  });
  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  describe('reading', () => {
    it('reads a regular file inside the folder, UTF-8 intact', async () => {
      const file = path.join(root, '.vscode', 'customer-context.json');
      await fs.writeFile(file, '{"customer":"Ünïcødé ООО «Рога»"}');
      assert.equal(await read(file), '{"customer":"Ünïcødé ООО «Рога»"}');
    });

    it('reads through a linked workspace folder (the folder itself may be a link)', async () => {
      const linkedRoot = path.join(tmp, 'repo-link');
      await fs.symlink(root, linkedRoot);
      await fs.writeFile(path.join(root, 'data.json'), '{}');
      assert.equal(await readFileSafe(path.join(linkedRoot, 'data.json'), { root: linkedRoot, maxBytes: 10 }), '{}');
    });

    it('refuses a symlinked data file with a message naming it relative to the folder', async () => {
      const file = path.join(root, '.vscode', 'customer-context.json');
      await fs.symlink(secret, file);
      const { error } = await refused(() => read(file), 'symlink');
      assert.equal(
        error.message,
        '.vscode/customer-context.json is a symbolic link; Customer Context does not follow links in the workspace. Replace it with a regular file.',
      );
      assert.equal(error.file, '.vscode/customer-context.json');
    });

    it('refuses a symlinked CSV even when the caller allows a file outside the folder', async () => {
      const file = path.join(root, 'deals.csv');
      await fs.symlink(secret, file);
      const { error } = await refused(
        () => readFileSafe(file, { root, maxBytes: FileCaps.export, allowOutside: true }),
        'symlink',
      );
      assert.match(error.message, /^deals\.csv is a symbolic link; .*Replace it with a regular file\.$/);
    });

    it('refuses a path that leaves the folder through ..', async () => {
      const { error } = await refused(() => read(path.join(root, '..', 'home', 'id_rsa')), 'outside');
      assert.match(error.message, /resolves outside the workspace folder .*repo; /);
      assert.ok(!error.message.includes('linked folder'));
    });

    it('refuses a file under a symlinked folder that leads outside', async () => {
      await fs.rm(path.join(root, '.vscode'), { recursive: true });
      await fs.symlink(outside, path.join(root, '.vscode'));
      const { error } = await refused(() => read(path.join(root, '.vscode', 'id_rsa')), 'outside');
      assert.match(error.message, /^\.vscode\/id_rsa resolves outside the workspace folder .* through a linked folder;/);
    });

    it('refuses a folder, and /dev/zero, quickly', async function () {
      await refused(() => read(path.join(root, '.vscode')), 'notRegular');
      if (!existsSync('/dev/zero')) return this.skip();
      const direct = await refused(
        () => readFileSafe('/dev/zero', { root, maxBytes: FileCaps.head, allowOutside: true }),
        'notRegular',
      );
      assert.match(direct.error.message, /^\/dev\/zero is a device, not a regular file;/);
      const file = path.join(root, '.vscode', 'customer-context.json');
      await fs.symlink('/dev/zero', file);
      const linked = await refused(() => read(file), 'symlink');
      console.log(`      /dev/zero refused in ${direct.ms.toFixed(2)} ms, a link to it in ${linked.ms.toFixed(2)} ms`);
      assert.ok(direct.ms < 500 && linked.ms < 500);
    });

    it('refuses a FIFO without blocking on it', async function () {
      const fifo = makeFifo(path.join(root, '.vscode', 'customer-context.json'));
      if (!fifo) return this.skip();
      const { error, ms } = await refused(() => read(fifo), 'notRegular');
      console.log(`      FIFO refused in ${ms.toFixed(2)} ms`);
      assert.match(error.message, /^\.vscode\/customer-context\.json is a named pipe \(FIFO\), not a regular file;/);
      assert.ok(ms < 500);
    });

    it('reads a file of exactly the cap and refuses one byte more, naming the cap', async () => {
      const file = path.join(root, 'HEAD');
      await fs.writeFile(file, 'x'.repeat(FileCaps.head));
      assert.equal((await readFileSafe(file, { root, maxBytes: FileCaps.head, what: 'HEAD' })).length, 4096);
      await fs.appendFile(file, 'x');
      const { error } = await refused(() => readFileSafe(file, { root, maxBytes: FileCaps.head, what: 'HEAD' }), 'tooLarge');
      assert.equal(error.message, 'HEAD is larger than 4 KB, the limit for HEAD; it was not read.');
    });

    it('stops at cap + 1 bytes even when the size reported by stat is wrong (/proc files say 0)', async function () {
      const proc = '/proc/self/maps';
      if (!existsSync(proc)) return this.skip();
      assert.equal((await fs.lstat(proc)).size, 0);
      await refused(() => readFileSafe(proc, { root, maxBytes: 64, allowOutside: true }), 'tooLarge');
    });

    it('passes OS errors through unchanged (a missing file is ENOENT)', async () => {
      await assert.rejects(read(path.join(root, 'missing.json')), { code: 'ENOENT' });
    });
  });

  describe('appending', () => {
    const inbox = () => path.join(root, '.vscode', 'customer-context.questions.jsonl');
    const append = (file: string, data = '{"id":"q"}\n', maxBytes?: number) =>
      appendFileSafe(file, data, { root, maxBytes, what: 'the local inbox' });

    it('creates the file and missing folders, then appends in place', async () => {
      const file = path.join(root, 'nested', 'deeper', 'q.jsonl');
      await append(file, 'a\n');
      await append(file, 'b\n');
      assert.equal(await fs.readFile(file, 'utf8'), 'a\nb\n');
    });

    it('refuses a symlinked inbox: the target is neither changed nor copied into the link', async () => {
      await fs.symlink(secret, inbox());
      const { error } = await refused(() => append(inbox()), 'symlink');
      assert.equal(
        error.message,
        '.vscode/customer-context.questions.jsonl is a symbolic link; Customer Context does not follow links in the workspace. Replace it with a regular file.',
      );
      assert.equal(await fs.readFile(secret, 'utf8'), secretText);
      assert.ok((await fs.lstat(inbox())).isSymbolicLink());
      assert.equal(await fs.readlink(inbox()), secret);
    });

    it('refuses a dangling link instead of creating its target', async () => {
      const target = path.join(outside, 'planted.jsonl');
      await fs.symlink(target, inbox());
      await refused(() => append(inbox()), 'symlink');
      assert.equal(existsSync(target), false);
    });

    it('refuses a folder on the path that links outside, creating nothing there', async () => {
      await fs.rm(path.join(root, '.vscode'), { recursive: true });
      await fs.symlink(outside, path.join(root, '.vscode'));
      await refused(() => append(path.join(root, '.vscode', 'sub', 'q.jsonl')), 'outside');
      await refused(() => append(inbox()), 'outside');
      assert.deepEqual(await fs.readdir(outside), ['id_rsa']);
    });

    it('refuses a dangling folder link whose target would be created by mkdir', async () => {
      const target = path.join(outside, 'made-by-us');
      await fs.symlink(target, path.join(root, 'docs'));
      await refused(() => append(path.join(root, 'docs', 'q.jsonl')), 'outside');
      assert.equal(existsSync(target), false);
    });

    it('refuses a path that leaves the folder through ..', async () => {
      await refused(() => append(path.join(root, '..', 'home', 'id_rsa')), 'outside');
      assert.equal(await fs.readFile(secret, 'utf8'), secretText);
    });

    it('refuses a hard link, which would change the same file elsewhere', async () => {
      await fs.link(secret, inbox());
      const { error } = await refused(() => append(inbox()), 'hardLink');
      assert.match(error.message, /has 2 hard links/);
      assert.equal(await fs.readFile(secret, 'utf8'), secretText);
    });

    it('refuses a FIFO without waiting for a reader', async function () {
      const fifo = makeFifo(inbox());
      if (!fifo) return this.skip();
      const { ms } = await refused(() => append(fifo), 'notRegular');
      console.log(`      FIFO refused for appending in ${ms.toFixed(2)} ms`);
      assert.ok(ms < 500);
    });

    it('refuses to grow a file beyond its cap and leaves it as it was', async () => {
      await fs.writeFile(inbox(), 'x'.repeat(90));
      const { error } = await refused(() => append(inbox(), 'y'.repeat(11), 100), 'tooLarge');
      assert.match(error.message, /would grow beyond 100 bytes, the limit for the local inbox/);
      assert.equal((await fs.stat(inbox())).size, 90);
    });
  });

  describe('paths', () => {
    it('shows paths relative to the folder with forward slashes, else absolute', () => {
      const base = path.resolve('/w/repo');
      assert.equal(displayPath(path.join(base, '.vscode', 'a.json'), base), '.vscode/a.json');
      assert.equal(displayPath(path.resolve('/w/other.csv'), base), path.resolve('/w/other.csv'));
    });

    it('tells a sibling folder with a common prefix from a subfolder', () => {
      assert.equal(within(path.resolve('/w/repo'), path.resolve('/w/repo/a')), true);
      assert.equal(within(path.resolve('/w/repo'), path.resolve('/w/repo-evil/a')), false);
      assert.equal(within(path.resolve('/w/repo'), path.resolve('/w')), false);
      assert.equal(within(path.resolve('/w/repo'), path.resolve('/w/repo/..foo')), true);
    });
  });
});
