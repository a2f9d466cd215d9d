import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gitDirOf, parseHead, readHead } from '../../src/vscode/gitHead';

/** Creates a FIFO with mkfifo; false (and a printed reason) where that is not possible. */
function makeFifo(file: string): boolean {
  try {
    execFileSync('mkfifo', [file], { stdio: 'ignore' });
    return true;
  } catch (e) {
    console.log(`      (skipped: mkfifo unavailable: ${(e as Error).message})`);
    return false;
  }
}

describe('git HEAD reader (vscode/gitHead)', () => {
  let tmp: string;
  let root: string;
  let gitDir: string;
  let problems: string[];
  const problem = (m: string) => void problems.push(m);

  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cc-head-'));
    root = path.join(tmp, 'repo');
    gitDir = path.join(root, '.git');
    await fs.mkdir(gitDir, { recursive: true });
    problems = [];
  });
  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  it('parses a branch, a detached HEAD and nonsense', () => {
    assert.deepEqual(parseHead('ref: refs/heads/feature/ACME-42-pdf\n'), { kind: 'branch', branch: 'feature/ACME-42-pdf' });
    assert.deepEqual(parseHead(`${'a'.repeat(40)}\n`), { kind: 'detached' });
    assert.equal(parseHead('\0\0\0'), undefined);
  });

  it('reads the branch of an ordinary repository', async () => {
    await fs.writeFile(path.join(gitDir, 'HEAD'), 'ref: refs/heads/main\n');
    assert.equal(await gitDirOf(root), gitDir);
    assert.deepEqual(await readHead(gitDir, problem), { kind: 'branch', branch: 'main' });
    assert.deepEqual(problems, []);
  });

  it('follows a worktree .git file to a git dir outside the work tree', async () => {
    await fs.rm(gitDir, { recursive: true });
    const main = path.join(tmp, 'main-repo', '.git', 'worktrees', 'wt');
    await fs.mkdir(main, { recursive: true });
    await fs.writeFile(path.join(main, 'HEAD'), 'ref: refs/heads/wt-branch\n');
    await fs.writeFile(path.join(root, '.git'), `gitdir: ${main}\n`);
    assert.equal(await gitDirOf(root, problem), main);
    assert.deepEqual(await readHead(main, problem), { kind: 'branch', branch: 'wt-branch' });
    assert.deepEqual(problems, []);
  });

  it('refuses a .git file over 4 KB and a linked .git file', async () => {
    await fs.rm(gitDir, { recursive: true });
    await fs.writeFile(path.join(root, '.git'), `gitdir: ${tmp}\n${' '.repeat(4096)}`);
    assert.equal(await gitDirOf(root, problem), undefined);
    assert.match(problems[0], /^\.git is larger than 4 KB, the limit for a \.git file;/);
    const pointer = path.join(tmp, 'pointer');
    await fs.writeFile(pointer, `gitdir: ${tmp}\n`);
    await fs.rm(path.join(root, '.git'));
    await fs.symlink(pointer, path.join(root, '.git'));
    assert.equal(await gitDirOf(root, problem), undefined);
  });

  it('refuses HEAD over 4 KB, naming the cap', async () => {
    await fs.writeFile(path.join(gitDir, 'HEAD'), `ref: refs/heads/${'x'.repeat(5000)}\n`);
    assert.equal(await readHead(gitDir, problem), undefined);
    assert.deepEqual(problems, ['.git/HEAD is larger than 4 KB, the limit for HEAD; it was not read.']);
  });

  it('refuses HEAD linked to /dev/zero at once', async function () {
    if (!existsSync('/dev/zero')) return this.skip();
    await fs.symlink('/dev/zero', path.join(gitDir, 'HEAD'));
    const start = performance.now();
    assert.equal(await readHead(gitDir, problem), undefined);
    const ms = performance.now() - start;
    console.log(`      HEAD -> /dev/zero refused in ${ms.toFixed(2)} ms`);
    assert.ok(ms < 500);
    assert.deepEqual(problems, ['.git/HEAD is a symbolic link; Customer Context does not follow links. Replace it with a regular file.']);
  });

  it('refuses a FIFO as HEAD or as the .git file without blocking', async function () {
    if (!makeFifo(path.join(gitDir, 'HEAD'))) return this.skip();
    const start = performance.now();
    assert.equal(await readHead(gitDir, problem), undefined);
    await fs.rm(gitDir, { recursive: true });
    assert.ok(makeFifo(path.join(root, '.git')));
    assert.equal(await gitDirOf(root, problem), undefined);
    const ms = performance.now() - start;
    console.log(`      FIFO HEAD and FIFO .git refused in ${ms.toFixed(2)} ms`);
    assert.ok(ms < 1000);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /^\.git\/HEAD is a named pipe \(FIFO\), not a regular file;/);
    assert.match(problems[1], /^\.git is a named pipe \(FIFO\), not a regular file;/);
  });

  it('says nothing when HEAD is simply missing', async () => {
    assert.equal(await readHead(gitDir, problem), undefined);
    assert.deepEqual(problems, []);
  });
});
