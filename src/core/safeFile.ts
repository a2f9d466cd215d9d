// Files a cloned repository can plant (data file, CSV export, local inbox, HEAD) are untrusted: any of
// them can be a symbolic link to ~/.ssh/id_rsa, a FIFO that never answers, /dev/zero or a 10 GB file.
// Reads accept only a regular file whose real path lies inside its folder, up to a cap, read through
// one handle (so what was checked is what is read). Writes open the file with O_NOFOLLOW and append
// in place: a link is refused, never written through and never replaced by a copy of its target.
//
// Check-then-open leaves a window in which a local process could swap a parent folder for a link; a
// repository's content is static, and the final component is opened with O_NOFOLLOW and compared with
// what lstat saw, which closes the window for the file itself.
import { constants as fsc, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';

const KB = 1024;
const MB = 1024 * KB;

/**
 * Size caps per file, far above real use and low enough that reading one is cheap: a data file of
 * 2,000 deals and tickets is about 0.8 MB pretty-printed, a CSV export of 50,000 ten-column rows about
 * 6.3 MB, HEAD one short line.
 */
export const FileCaps = {
  /** `customerContext.localDataFile`. */
  dataFile: 5 * MB,
  /** An export a vendor follows (a CRM's deals as CSV: 50,000 rows fit). */
  export: 20 * MB,
  /** The local inbox (`customer-context.questions.jsonl`), read whole for answers and duplicates. */
  inbox: 10 * MB,
  /** `.git/HEAD`: `ref: refs/heads/<name>` or a commit id. */
  head: 4 * KB,
  /** A `.git` file (worktree, submodule): one `gitdir:` line. */
  gitFile: 4 * KB,
} as const;

/** Why a workspace file was refused. */
export type SafeFileReason = 'symlink' | 'notRegular' | 'outside' | 'tooLarge' | 'hardLink' | 'changed';

/** A workspace file refused by the rules above; `message` names the file (relative to its folder). */
export class SafeFileError extends Error {
  override readonly name = 'SafeFileError';
  constructor(
    readonly reason: SafeFileReason,
    /** The path as shown: relative to the folder where possible. */
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/** Options of readFileSafe. */
export interface SafeReadOptions {
  /** The folder the file must lie in (a workspace folder); messages show paths relative to it. */
  root: string;
  /** Largest accepted size in bytes (see FileCaps). */
  maxBytes: number;
  /** What the file is, for the size message: "the data file". */
  what?: string;
  /** Accept a real path outside `root`: a worktree's git dir, a CSV export chosen in user settings. */
  allowOutside?: boolean;
}

/** Options of openAppendSafe and appendFileSafe. */
export interface SafeWriteOptions {
  /** The folder the file and every folder on its path must resolve into. */
  root: string;
  /** Permissions of a newly created file. */
  mode?: number;
}

// Both are missing on Windows; there the lstat checks carry the rule alone.
const O_NOFOLLOW = fsc.O_NOFOLLOW ?? 0;
// A FIFO opened without it blocks until a writer appears: the extension host would hang.
const O_NONBLOCK = fsc.O_NONBLOCK ?? 0;

const errCode = (e: unknown): string => ((e as NodeJS.ErrnoException)?.code ?? '');

/** `file` relative to `root` with forward slashes when it lies inside, else the absolute path. */
export function displayPath(file: string, root: string): string {
  const abs = path.resolve(file);
  const base = path.resolve(root);
  return within(base, abs) && abs !== base ? path.relative(base, abs).split(path.sep).join('/') : abs;
}

/** True when `child` is `parent` or lies under it (both absolute, already resolved). */
export function within(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!path.isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${path.sep}`));
}

/** Size in words a person reads: 4 KB, 5 MB. */
function size(bytes: number): string {
  if (bytes >= MB && bytes % MB === 0) return `${bytes / MB} MB`;
  if (bytes >= KB && bytes % KB === 0) return `${bytes / KB} KB`;
  return `${bytes} bytes`;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function linkError(shown: string, inWorkspace: boolean): SafeFileError {
  const where = inWorkspace ? ' in the workspace' : '';
  return new SafeFileError(
    'symlink',
    shown,
    `${shown} is a symbolic link; Customer Context does not follow links${where}. Replace it with a regular file.`,
  );
}

function notRegularError(shown: string, st: Stats): SafeFileError {
  return new SafeFileError(
    'notRegular',
    shown,
    `${shown} is ${kindOf(st)}, not a regular file; Customer Context reads and writes only regular files. Replace it with a regular file.`,
  );
}

function outsideError(shown: string, root: string, throughLink: boolean): SafeFileError {
  const how = throughLink ? ' through a linked folder' : '';
  return new SafeFileError(
    'outside',
    shown,
    `${shown} resolves outside the workspace folder ${root}${how}; Customer Context reads and writes workspace files only inside their folder.`,
  );
}

function tooLargeError(shown: string, cap: number, what: string | undefined, growing = false): SafeFileError {
  const limit = `${size(cap)}${what ? `, the limit for ${what}` : ''}`;
  return new SafeFileError(
    'tooLarge',
    shown,
    growing
      ? `${shown} would grow beyond ${limit}; move old lines out of it, then try again.`
      : `${shown} is larger than ${limit}; it was not read.`,
  );
}

/** Refuses anything lstat does not call a regular file. */
function assertRegular(st: Stats, shown: string, inWorkspace: boolean): void {
  if (st.isSymbolicLink()) throw linkError(shown, inWorkspace);
  if (!st.isFile()) throw notRegularError(shown, st);
}

/**
 * The real path of `p`, or of its nearest existing ancestor with the rest appended. A dangling link
 * on the way is followed by hand: mkdir or O_CREAT would otherwise act on where it points.
 */
async function realpathLoose(p: string, depth = 0): Promise<string> {
  const rest: string[] = [];
  let probe = path.resolve(p);
  for (;;) {
    try {
      return path.join(await fs.realpath(probe), ...rest.reverse());
    } catch (e) {
      const up = path.dirname(probe);
      if (errCode(e) !== 'ENOENT' || up === probe) throw e;
      const link = await fs.readlink(probe).catch(() => undefined);
      if (link !== undefined) {
        if (depth >= 40) throw Object.assign(new Error(`Too many levels of links at ${probe}`), { code: 'ELOOP' });
        return path.join(await realpathLoose(path.resolve(up, link), depth + 1), ...rest.reverse());
      }
      rest.push(path.basename(probe));
      probe = up;
    }
  }
}

async function assertRealInside(p: string, root: string, shown: string): Promise<void> {
  const [real, realRoot] = await Promise.all([realpathLoose(p), realpathLoose(root)]);
  if (!within(realRoot, real)) throw outsideError(shown, root, true);
}

function assertLexicallyInside(file: string, root: string, shown: string): void {
  if (!within(path.resolve(root), path.resolve(file))) throw outsideError(shown, root, false);
}

/** Reads at most `cap` bytes through `fh` from offset 0; refuses a file holding more. */
export async function readHandleCapped(
  fh: fs.FileHandle,
  cap: number,
  shown: string,
  what?: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.allocUnsafe(Math.min(cap + 1, 256 * KB));
  for (;;) {
    // Asking for cap + 1 bytes at most tells "exactly at the cap" from "over it" without reading on.
    const want = Math.min(buf.length, cap + 1 - total);
    const { bytesRead } = await fh.read(buf, 0, want, total);
    if (bytesRead === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
    total += bytesRead;
    if (total > cap) throw tooLargeError(shown, cap, what);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads a UTF-8 file that must be a regular file (no link, FIFO, device or folder), inside `root`
 * unless `allowOutside`, and at most `maxBytes` long. OS errors (ENOENT …) pass through unchanged;
 * refusals are SafeFileError.
 */
export async function readFileSafe(file: string, opts: SafeReadOptions): Promise<string> {
  const shown = displayPath(file, opts.root);
  if (!opts.allowOutside) assertLexicallyInside(file, opts.root, shown);
  const st = await fs.lstat(file);
  assertRegular(st, shown, !opts.allowOutside);
  if (!opts.allowOutside) await assertRealInside(file, opts.root, shown);
  if (st.size > opts.maxBytes) throw tooLargeError(shown, opts.maxBytes, opts.what);
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, fsc.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    // ELOOP: it became a link after lstat.
    if (errCode(e) === 'ELOOP') throw linkError(shown, !opts.allowOutside);
    throw e;
  }
  try {
    const opened = await fh.stat();
    if (!opened.isFile()) throw notRegularError(shown, opened);
    if (opened.ino !== st.ino || opened.dev !== st.dev) {
      throw new SafeFileError('changed', shown, `${shown} was replaced while it was being opened; try again.`);
    }
    return (await readHandleCapped(fh, opts.maxBytes, shown, opts.what)).toString('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * Creates the folder of `file` when missing, after checking that every existing folder on its path
 * resolves inside `root` (so mkdir never creates folders through a link that leads elsewhere).
 */
export async function ensureFolderInside(file: string, root: string): Promise<void> {
  const shown = displayPath(file, root);
  assertLexicallyInside(file, root, shown);
  const dir = path.dirname(path.resolve(file));
  await assertRealInside(dir, root, shown);
  await fs.mkdir(dir, { recursive: true });
  await assertRealInside(dir, root, shown);
}

/** An open, checked workspace file for appending; `shown` names it in messages. */
export interface SafeAppendHandle {
  handle: fs.FileHandle;
  shown: string;
}

/**
 * Opens `file` for appending (and, with `read`, reading) without following a link: O_NOFOLLOW |
 * O_APPEND | O_CREAT, then fstat must show a regular file with no other hard link, and its folder
 * must resolve inside `root`. The caller closes the handle.
 */
export async function openAppendSafe(
  file: string,
  opts: SafeWriteOptions & { read?: boolean },
): Promise<SafeAppendHandle> {
  const shown = displayPath(file, opts.root);
  assertLexicallyInside(file, opts.root, shown);
  await assertRealInside(path.dirname(path.resolve(file)), opts.root, shown);
  // Checked first so Windows (no O_NOFOLLOW) refuses a link as well; ENOENT means "create it".
  const before = await fs.lstat(file).catch((e: unknown) => {
    if (errCode(e) === 'ENOENT') return undefined;
    throw e;
  });
  if (before) assertRegular(before, shown, true);
  const access = opts.read ? fsc.O_RDWR : fsc.O_WRONLY;
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, access | fsc.O_APPEND | fsc.O_CREAT | O_NOFOLLOW | O_NONBLOCK, opts.mode ?? 0o644);
  } catch (e) {
    // ELOOP: a link (dangling ones too: O_CREAT would otherwise create its target).
    if (errCode(e) === 'ELOOP') throw linkError(shown, true);
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw notRegularError(shown, st);
    // Appending to a hard link would change the same file wherever else it is linked.
    if (st.nlink > 1) {
      throw new SafeFileError(
        'hardLink',
        shown,
        `${shown} has ${st.nlink} hard links; writing to it would change a file elsewhere. Replace it with a regular file.`,
      );
    }
    await assertRealInside(path.dirname(path.resolve(file)), opts.root, shown);
    return { handle: fh, shown };
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

/** Writes all of `data` at the end of the open file (O_APPEND puts every write there). */
export async function writeAll(fh: fs.FileHandle, data: string | Buffer): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, null);
    done += bytesWritten;
  }
}

/**
 * Appends `data` to a workspace file under the rules of openAppendSafe, refusing to let it grow
 * beyond `maxBytes` when given; creates the file and its folder when missing.
 */
export async function appendFileSafe(
  file: string,
  data: string,
  opts: SafeWriteOptions & { maxBytes?: number; what?: string },
): Promise<void> {
  await ensureFolderInside(file, opts.root);
  const { handle, shown } = await openAppendSafe(file, opts);
  try {
    if (opts.maxBytes !== undefined) {
      const { size: current } = await handle.stat();
      if (current + Buffer.byteLength(data, 'utf8') > opts.maxBytes) throw tooLargeError(shown, opts.maxBytes, opts.what, true);
    }
    await writeAll(handle, data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The refusal for a file that would grow past its cap (for callers that append themselves). */
export function growthError(shown: string, cap: number, what?: string): SafeFileError {
  return tooLargeError(shown, cap, what, true);
}
