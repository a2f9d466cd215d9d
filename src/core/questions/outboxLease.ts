// Leases and locks between windows (extension hosts) sharing one outbox directory:
//   <id>.lease   who is sending this question ({owner, pid, host, token, expiresAt}); created
//                exclusively, so two windows never send the same question
//   <id>.lock    the same record, short-lived, around each read-modify-write of <id>.json, so a
//                Retry or Discard in one window and a send result in another never overwrite
//                each other
// A holder that stopped is recognised by expiry (outbox clock), a dead pid on this host, or an
// empty file older than a few seconds (real time, as the file system stamps it).
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { writeFileAtomic } from '../atomicFile';
import { realTimers, type Timers } from './outboxSchedule';
import { errorCode } from './outboxStore';

/** How long a send lease lasts before another window may take over (unless renewed). */
export const DEFAULT_LEASE_MS = 5 * 60_000;
/** How long a write lock lasts: far longer than one read-modify-write. */
export const LOCK_TTL_MS = 15_000;
/** How long the guard that serialises taking over a stale lease lasts. */
const TAKEOVER_TTL_MS = 10_000;
/** An empty lease file younger than this is a write in progress, not a crash. */
const EMPTY_LEASE_GRACE_MS = 5_000;

const LeaseRecord = z.object({
  owner: z.string(),
  pid: z.number(),
  host: z.string(),
  token: z.string(),
  expiresAt: z.number(),
});
/** The content of a lease or lock file. */
export type LeaseRecord = z.infer<typeof LeaseRecord>;

/** A lease or lock file held by this process; release() removes it only while it is still ours. */
export interface Held {
  /** Pushes the expiry `ttlMs` past now, if the file is still ours. */
  renew(): Promise<void>;
  /** Removes the file, if it is still ours. */
  release(): Promise<void>;
}

/** What the leases need from their surroundings. */
export interface LeasesOptions {
  /** This window's id; written into leases so a person can tell who holds one. */
  owner: string;
  /** The outbox's clock (epoch ms): lease expiry. */
  now: () => number;
  /** [0, 1) draws: the jitter between lock attempts. */
  random: () => number;
  /** Real time, for file ages and waiting for a lock (default: the real clock and timers). */
  timers?: Timers;
  log: (message: string) => void;
}

/** True while a process with this pid exists (EPERM means it exists but is not ours). */
function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM';
  }
}

/** Takes, renews and releases lease and lock files, taking over those of windows that stopped. */
export class Leases {
  private readonly timers: Timers;

  constructor(private readonly opts: LeasesOptions) {
    this.timers = opts.timers ?? realTimers;
  }

  /** The record in `file`; undefined when it is missing, empty or not a lease. */
  async read(file: string): Promise<LeaseRecord | undefined> {
    try {
      const parsed = LeaseRecord.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Whether the lease in `file` may be taken over: expired, its process gone, or never written.
   * `seen.token` receives the token read, so a takeover can check that nobody renewed meanwhile.
   */
  async isStale(file: string, seen?: { token?: string }): Promise<boolean> {
    const lease = await this.read(file);
    if (!lease) {
      try {
        const st = await fs.stat(file);
        return this.timers.now() - st.mtimeMs > EMPTY_LEASE_GRACE_MS;
      } catch {
        return false;
      }
    }
    if (seen) seen.token = lease.token;
    if (lease.expiresAt <= this.opts.now()) return true;
    // Same machine and the process is gone: a crashed window; no need to wait for expiry. (A pid is
    // meaningless on another host sharing the directory, so there only expiry counts.)
    return lease.host === os.hostname() && !pidAlive(lease.pid);
  }

  /** One attempt at the lease/lock `file`, taking over a stale one; undefined when held. */
  async tryAcquire(file: string, ttlMs: number): Promise<Held | undefined> {
    const held = await this.create(file, ttlMs);
    if (held) return held;
    const seen: { token?: string } = {};
    if (!(await this.isStale(file, seen))) return undefined;
    // Only one window may replace a stale lease; otherwise two could each delete the other's fresh
    // one.
    const guardFile = `${file}.takeover`;
    let guard = await this.create(guardFile, TAKEOVER_TTL_MS);
    if (!guard && (await this.isStale(guardFile))) {
      // The guard's own holder died within those few milliseconds; clearing it is the rare last
      // resort.
      await fs.rm(guardFile, { force: true });
      guard = await this.create(guardFile, TAKEOVER_TTL_MS);
    }
    if (!guard) return undefined;
    try {
      const again: { token?: string } = {};
      if (!(await this.isStale(file, again)) || again.token !== seen.token) return undefined;
      this.opts.log(`Outbox: taking over ${path.basename(file)} from a window that stopped.`);
      await fs.rm(file, { force: true });
      return await this.create(file, ttlMs);
    } finally {
      await guard.release();
    }
  }

  /** Waits up to `waitMs` (real time) for the lock `file`; throws, naming it, if it stays busy. */
  async acquire(file: string, ttlMs: number, waitMs: number): Promise<Held> {
    const until = this.timers.now() + waitMs;
    for (;;) {
      const held = await this.tryAcquire(file, ttlMs);
      if (held) return held;
      if (this.timers.now() > until)
        throw new Error(`Outbox: ${path.basename(file)} is busy in another window; try again.`);
      await this.timers.sleep(10 + Math.floor(this.opts.random() * 30));
    }
  }

  private async create(file: string, ttlMs: number): Promise<Held | undefined> {
    const token = randomBytes(8).toString('hex');
    const record = (): LeaseRecord => ({
      owner: this.opts.owner,
      pid: process.pid,
      host: os.hostname(),
      token,
      expiresAt: this.opts.now() + ttlMs,
    });
    // Written to a temp file and hard-linked into place: link() fails with EEXIST exactly like
    // O_EXCL, and the lease is never visible half-written. File systems without hard links fall
    // back to O_EXCL.
    const tmp = `${file}.${token}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(record()), {
      encoding: 'utf8',
      mode: 0o600,
      flag: 'wx',
    });
    try {
      await fs.link(tmp, file);
    } catch (e) {
      const code = errorCode(e);
      if (code === 'EEXIST') return undefined;
      if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP', 'EXDEV'].includes(code)) throw e;
      let fh: fs.FileHandle;
      try {
        fh = await fs.open(file, 'wx', 0o600);
      } catch (e2) {
        if (errorCode(e2) === 'EEXIST') return undefined;
        throw e2;
      }
      try {
        await fh.writeFile(JSON.stringify(record()), 'utf8');
      } finally {
        await fh.close();
      }
    } finally {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
    }
    const ours = async () => (await this.read(file))?.token === token;
    return {
      renew: async () => {
        if (await ours()) await writeFileAtomic(file, JSON.stringify(record()));
      },
      release: async () => {
        try {
          if (await ours()) await fs.rm(file, { force: true });
        } catch {
          /* already gone */
        }
      },
    };
  }
}
