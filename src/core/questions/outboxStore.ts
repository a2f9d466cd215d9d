// The outbox's files: one `<id>.json` per question, replaced atomically (temp file, fsync, rename,
// fsync dir); entries validated on every read, damaged ones moved to `corrupt/`; leftover temp
// files of crashed writes removed. Knows nothing of routes, senders or leases beyond their names.
//
// Layout of the directory:
//   <id>.json    one entry per question
//   <id>.lease   who is sending this question (outboxLease.ts)
//   <id>.lock    short lock around each read-modify-write of <id>.json (outboxLease.ts)
//   *.tmp        temp files; leftovers older than a minute are removed
//   corrupt/     entries that could not be read (truncated, empty, wrong shape), kept for the user
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fsyncDir, renameWithRetry, writeFileAtomic } from '../atomicFile';
import { errorText, OutboxEntry } from './outboxEntry';
import { realTimers, type Timers } from './outboxSchedule';

/** A temp file younger than this may be another window's write in progress. */
const TMP_MAX_AGE_MS = 60_000;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
/** What link() says on a file system without hard links (FAT, some network shares). */
const NoHardLinks = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** Thrown by enqueue when the question could not be saved; the UI keeps the typed text. */
export class OutboxWriteError extends Error {
  override readonly name = 'OutboxWriteError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What reading `<id>.json` found. */
export type ReadResult =
  | { kind: 'ok'; entry: OutboxEntry }
  | { kind: 'missing' }
  | { kind: 'corrupt'; why: string }
  | { kind: 'future'; version: unknown }
  | { kind: 'unreadable'; why: string };

/** The Node error code of `e` ('ENOENT', 'EEXIST' …), or '' when it has none. */
export function errorCode(e: unknown): string {
  const c = (e as { code?: unknown } | undefined)?.code;
  return typeof c === 'string' ? c : '';
}

/** Whether `id` can name a question file (letters, digits, `_`, `-`; at most 100). */
export function isQuestionId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** What the store needs from its surroundings. */
export interface OutboxStoreOptions {
  /** The outbox's clock (epoch ms), for the names of quarantined files. */
  now: () => number;
  /** Real time, for the age of temp files (default: the real clock). */
  timers?: Timers;
  log: (message: string) => void;
  /** Called after a damaged entry was moved to `corrupt/`, so the UI drops it. */
  onQuarantined: (id: string) => void;
}

/** The directory of entries; every method reports trouble through `log`, except writes. */
export class OutboxStore {
  private readonly timers: Timers;

  constructor(
    readonly dir: string,
    private readonly opts: OutboxStoreOptions,
  ) {
    this.timers = opts.timers ?? realTimers;
  }

  /** The entry file of question `id`. */
  file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  /** The send lease file of question `id`. */
  leaseFile(id: string): string {
    return path.join(this.dir, `${id}.lease`);
  }

  /** The write lock file of question `id`. */
  lockFile(id: string): string {
    return path.join(this.dir, `${id}.lock`);
  }

  /** Where damaged entries are kept. */
  get corruptDir(): string {
    return path.join(this.dir, 'corrupt');
  }

  /** Every name in the directory; [] when it does not exist (yet). */
  async names(): Promise<string[]> {
    try {
      return await fs.readdir(this.dir);
    } catch (e) {
      if (errorCode(e) !== 'ENOENT')
        this.opts.log(`Outbox: cannot read ${this.dir}: ${errorText(e)}`);
      return [];
    }
  }

  /** The ids of every `<id>.json` in the directory. */
  async ids(): Promise<string[]> {
    return (await this.names())
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length));
  }

  /** Whether question `id` has an entry file. */
  async exists(id: string): Promise<boolean> {
    return exists(this.file(id));
  }

  /** The files kept in `corrupt/`, sorted; [] when nothing was ever quarantined. */
  async corruptFiles(): Promise<string[]> {
    try {
      return (await fs.readdir(this.corruptDir)).sort().map((n) => path.join(this.corruptDir, n));
    } catch {
      return [];
    }
  }

  /** Reads one entry; a damaged file is moved to corrupt/ and reported as such. */
  async read(id: string): Promise<ReadResult> {
    const file = this.file(id);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if (errorCode(e) === 'ENOENT') return { kind: 'missing' };
      this.opts.log(`Outbox: cannot read ${file}: ${errorText(e)}`);
      return { kind: 'unreadable', why: errorText(e) };
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      return this.quarantine(id, text.length === 0 ? 'empty file' : `not JSON (${errorText(e)})`);
    }
    const version = (data as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > 1) {
      // Written by a newer Customer Context in another window: leave it for that version.
      return { kind: 'future', version };
    }
    const parsed = OutboxEntry.safeParse(data);
    if (!parsed.success)
      return this.quarantine(
        id,
        `unexpected shape (${parsed.error.issues[0]?.path.join('.') || 'root'})`,
      );
    if (parsed.data.question.id !== id)
      return this.quarantine(id, 'file name and question id differ');
    return { kind: 'ok', entry: parsed.data };
  }

  /**
   * Writes a new entry, creating the directory; refuses a question already queued. Throws
   * OutboxWriteError (saying where and why) when the disk refuses.
   */
  async create(entry: OutboxEntry): Promise<void> {
    const id = entry.question.id;
    try {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      if (await this.exists(id)) throw new Error(`Outbox: question ${id} is already queued.`);
      await writeFileAtomic(this.file(id), JSON.stringify(entry, null, 2));
    } catch (e) {
      throw this.writeError(e);
    }
  }

  /**
   * Writes a new entry only if no window has ever written one under its id: false when `<id>.json`
   * exists (whatever it holds). `create` checks, then writes, so two windows can both pass the check;
   * here the complete file is written under a temp name and hard-linked to `<id>.json`, which the file
   * system refuses (EEXIST) when the name is taken. Readers never see a partial entry. Throws
   * OutboxWriteError (saying where and why) when the disk refuses, or when its file system has no
   * hard links.
   */
  async createExclusive(entry: OutboxEntry): Promise<boolean> {
    const file = this.file(entry.question.id);
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      const fh = await fs.open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(JSON.stringify(entry, null, 2), 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await fs.link(tmp, file);
      } catch (e) {
        if (errorCode(e) === 'EEXIST') return false;
        if (NoHardLinks.has(errorCode(e))) {
          throw new OutboxWriteError(
            errorCode(e),
            `The outbox folder ${this.dir} is on a file system without hard links ` +
              `(${errorCode(e)}), which sending a note exactly once needs.`,
          );
        }
        throw e;
      }
      await fsyncDir(this.dir);
      return true;
    } catch (e) {
      throw e instanceof OutboxWriteError ? e : this.writeError(e);
    } finally {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /** Validates `entry` and replaces its file atomically; returns what was written. */
  async write(entry: OutboxEntry): Promise<OutboxEntry> {
    const checked = OutboxEntry.parse(entry);
    await writeFileAtomic(this.file(checked.question.id), JSON.stringify(checked, null, 2));
    return checked;
  }

  /**
   * Removes temp files of crashed writes, and leases and locks whose question is gone once
   * `isStale` says their holder stopped.
   */
  async cleanLeftovers(isStale: (file: string) => Promise<boolean>): Promise<void> {
    const names = await this.names();
    const present = new Set(names);
    for (const name of names) {
      const full = path.join(this.dir, name);
      try {
        if (name.endsWith('.tmp') || name.endsWith('.takeover')) {
          // Young temp files may be another window's write in progress.
          const st = await fs.stat(full);
          if (this.timers.now() - st.mtimeMs > TMP_MAX_AGE_MS) {
            await fs.rm(full, { force: true });
            this.opts.log(`Outbox: removed leftover ${name}.`);
          }
        } else if (name.endsWith('.lease') || name.endsWith('.lock')) {
          const id = name.slice(0, name.lastIndexOf('.'));
          if (!present.has(`${id}.json`) && (await isStale(full)))
            await fs.rm(full, { force: true });
        }
      } catch {
        /* raced with another window's cleanup */
      }
    }
  }

  private async quarantine(id: string, why: string): Promise<ReadResult> {
    const from = this.file(id);
    const to = path.join(
      this.corruptDir,
      `${id}.json.${this.opts.now()}.${randomBytes(3).toString('hex')}`,
    );
    try {
      await fs.mkdir(this.corruptDir, { recursive: true, mode: 0o700 });
      await renameWithRetry(from, to);
      this.opts.log(`Outbox: ${from} is damaged (${why}); moved to ${to}.`);
      this.opts.onQuarantined(id);
    } catch (e) {
      // ENOENT: another window quarantined it first.
      if (errorCode(e) !== 'ENOENT')
        this.opts.log(`Outbox: could not move damaged ${from} aside: ${errorText(e)}`);
    }
    return { kind: 'corrupt', why };
  }

  private writeError(e: unknown): Error {
    const code = errorCode(e);
    const where = this.dir;
    switch (code) {
      case 'ENOSPC':
      case 'EDQUOT':
        return new OutboxWriteError(
          code,
          `The question could not be saved: the disk is full (${where}). ` +
            'Free some space and send it again; your text is kept.',
        );
      case 'EACCES':
      case 'EPERM':
      case 'EROFS':
        return new OutboxWriteError(
          code,
          `The question could not be saved: no permission to write to ${where} (${code}). ` +
            'Your text is kept.',
        );
      default:
        return e instanceof Error && !code
          ? e
          : new OutboxWriteError(
              code || 'EIO',
              `The question could not be saved to ${where}: ${errorText(e)}. Your text is kept.`,
            );
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
