// The data file's inbox: `.vscode/customer-context.questions.jsonl`, one JSON object a line. Sales
// answer by adding an `answer` field to a line. The file comes with the repository, so it is handled as
// untrusted (core/safeFile.ts): appends open it with O_NOFOLLOW and write in place under a lock file,
// never read-modify-rename, which would replace a planted link with a copy of its target. One append
// is one write() of one line: a crash can at worst leave a partial last line, which readers skip and the
// next append closes with a newline; the outbox then finds the question missing and sends it again.
import { promises as fs, constants as fsc } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { ProviderError } from '../../errors';
import {
  FileCaps,
  SafeFileError,
  ensureFolderInside,
  growthError,
  openAppendSafe,
  readFileSafe,
  readHandleCapped,
  writeAll,
} from '../../safeFile';
import type { RouteSender } from '../../questions/sender';
import type { Question } from '../../questions/question';
import { recipients } from '../../questions/question';

/** One line of the inbox file (contract: id, createdAt, ticket, deals, to, question, branch, author). */
export interface InboxLine {
  id: string;
  createdAt: string;
  ticket: string;
  title?: string;
  deals: string[];
  to: string[];
  question: string;
  branch?: string;
  repository?: string;
  author: string;
  excerpt?: { file: string; lines: string; text: string };
  answer?: string | { text: string; by?: string; at?: string };
}

/**
 * A progress note in the inbox: `kind: "progress"` tells readers it is no question (it has no
 * `question` and takes no answer). One line per (ticket, deal, milestone): `deals` holds one id.
 */
export interface ProgressInboxLine {
  id: string;
  createdAt: string;
  kind: 'progress';
  ticket: string;
  title?: string;
  deals: string[];
  to: string[];
  milestone: string;
  /** The sentence for the salesperson, exactly as the preview showed it. */
  note: string;
  branch?: string;
  repository?: string;
  author: string;
}

/** A progress note read back from the inbox (this machine's or a teammate's). */
export interface InboxProgress {
  id: string;
  ticket: string;
  milestone: string;
  deals: string[];
  createdAt?: string;
}

const ProgressLine = z.looseObject({
  id: z.string(),
  kind: z.literal('progress'),
  createdAt: z.optional(z.string()),
  ticket: z.string(),
  milestone: z.string(),
  deals: z.optional(z.array(z.string())),
});

const Line = z.looseObject({
  id: z.string(),
  createdAt: z.optional(z.string()),
  ticket: z.string(),
  question: z.string(),
  author: z.optional(z.string()),
  answer: z.optional(z.union([z.string(), z.looseObject({ text: z.string(), by: z.optional(z.string()), at: z.optional(z.string()) })])),
  answeredBy: z.optional(z.string()),
  answeredAt: z.optional(z.string()),
});

/** A question read back from the inbox, with its answer if sales added one. */
export interface InboxEntry {
  id: string;
  ticket: string;
  question: string;
  createdAt?: string;
  author?: string;
  answer?: { text: string; by?: string; at?: string };
}

/** The inbox line for a question (the contract's field order). */
export function toInboxLine(q: Question): InboxLine {
  const who = [q.author.name, q.author.email ? `<${q.author.email}>` : undefined].filter(Boolean).join(' ');
  return {
    id: q.id,
    createdAt: q.createdAt,
    ticket: q.ticket.key,
    title: q.ticket.title,
    deals: q.deals.map((d) => d.id),
    to: recipients(q.deals),
    question: q.text,
    branch: q.branch,
    repository: q.repository,
    author: who || 'unknown',
    excerpt: q.excerpt
      ? { file: q.excerpt.file, lines: `${q.excerpt.startLine}-${q.excerpt.endLine}`, text: q.excerpt.text }
      : undefined,
  };
}

/** The inbox line for a progress item (`q.kind === 'progress'`): its note, never code. */
export function toProgressInboxLine(q: Question): ProgressInboxLine {
  const who = [q.author.name, q.author.email ? `<${q.author.email}>` : undefined].filter(Boolean).join(' ');
  return {
    id: q.id,
    createdAt: q.createdAt,
    kind: 'progress',
    ticket: q.ticket.key,
    title: q.ticket.title,
    deals: q.deals.map((d) => d.id),
    to: recipients(q.deals),
    milestone: q.milestone ?? '',
    note: q.text,
    branch: q.branch,
    repository: q.repository,
    author: who || 'unknown',
  };
}

const LockStaleMs = 10_000;
const What = 'the local inbox';

async function withLock<T>(file: string, body: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      // O_EXCL also refuses an existing link at the lock's name: nothing is created through it.
      const handle = await fs.open(lock, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const stat = await fs.lstat(lock).catch(() => undefined);
      // A lock left by a crashed writer (or shipped with the repository) is taken over once stale.
      if (stat && Date.now() - stat.mtimeMs > LockStaleMs) await fs.rm(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`${path.basename(file)} is locked by another writer (${lock}).`);
      else await new Promise((r) => setTimeout(r, 25));
    }
  }
  try {
    return await body();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

/**
 * Appends one question line unless the inbox already holds its id. `root` is the workspace folder
 * the inbox must stay inside (default: the inbox's own folder). Throws SafeFileError for a link, a
 * non-regular file, a path outside `root` or an inbox over FileCaps.inbox; else the OS error.
 */
export async function appendToInbox(
  file: string,
  line: InboxLine | ProgressInboxLine,
  root = path.dirname(file),
): Promise<void> {
  await ensureFolderInside(file, root);
  await withLock(file, async () => {
    // 0o644: the inbox sits in the repository and is read by people and tools, unlike the outbox.
    const { handle, shown } = await openAppendSafe(file, { root, mode: 0o644, read: true });
    try {
      const existing = (await readHandleCapped(handle, FileCaps.inbox, shown, What)).toString('utf8');
      if (existing.split('\n').some((l) => l.includes(`"id":${JSON.stringify(line.id)}`))) return; // already delivered
      const sep = existing && !existing.endsWith('\n') ? '\n' : '';
      const text = `${sep}${JSON.stringify(line)}\n`;
      if (Buffer.byteLength(existing, 'utf8') + Buffer.byteLength(text, 'utf8') > FileCaps.inbox) {
        throw growthError(shown, FileCaps.inbox, What);
      }
      await writeAll(handle, text);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/**
 * Reads the inbox (a regular file inside `root`, default its own folder, at most FileCaps.inbox);
 * unreadable lines are counted, not fatal. A missing inbox is empty. Questions are `entries`;
 * progress lines (`kind: "progress"`) are `progress`, never questions.
 */
export async function readInbox(
  file: string,
  root = path.dirname(file),
): Promise<{ entries: InboxEntry[]; badLines: number[]; progress: InboxProgress[] }> {
  const text = await readFileSafe(file, { root, maxBytes: FileCaps.inbox, what: What }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  const entries: InboxEntry[] = [];
  const badLines: number[] = [];
  const progress: InboxProgress[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return void badLines.push(i + 1);
    }
    if ((json as { kind?: unknown } | null)?.kind === 'progress') {
      const p = ProgressLine.safeParse(json);
      if (!p.success) return void badLines.push(i + 1);
      const { id, ticket, milestone, deals, createdAt } = p.data;
      return void progress.push({ id, ticket, milestone, deals: deals ?? [], createdAt });
    }
    const parsed = Line.safeParse(json);
    if (!parsed.success) return void badLines.push(i + 1);
    const l = parsed.data;
    const answer =
      typeof l.answer === 'string'
        ? l.answer.trim() ? { text: l.answer, by: l.answeredBy, at: l.answeredAt } : undefined
        : l.answer;
    entries.push({ id: l.id, ticket: l.ticket, question: l.question, createdAt: l.createdAt, author: l.author, answer });
  });
  return { entries, badLines, progress };
}

/** Where a question's inbox is, and the folder it must stay in. */
export interface InboxTarget {
  file: string;
  root: string;
}

/**
 * The inbox of a question: `q.localInbox` inside `q.folder` (the workspace folder it was asked in).
 * Questions saved before `folder` was recorded fall back to the inbox's own folder.
 */
export function inboxTargetOf(q: Question): InboxTarget {
  const file = q.localInbox;
  if (!file) {
    throw new ProviderError('notConfigured', 'This question has no local inbox file (its folder does not use the data file as its CRM).', {
      provider: 'local inbox',
    });
  }
  return { file, root: q.folder ?? path.dirname(file) };
}

/**
 * A refusal or an OS error as a ProviderError of kind `invalidData`: the outbox then keeps the
 * question as Failed with this message and a Retry, instead of resending it in a loop or dropping it.
 */
function inboxError(e: unknown, file: string, doing: 'write' | 'read'): ProviderError {
  if (e instanceof ProviderError) return e;
  const message = e instanceof SafeFileError ? e.message : `Cannot ${doing} ${path.basename(file)}: ${(e as Error)?.message ?? String(e)}`;
  return new ProviderError('invalidData', message, { provider: 'local inbox' });
}

/**
 * The `crm` route when the CRM is the data file: appends the question to its inbox (idempotent by id),
 * finds it again for reconciliation, and reads the answer sales added to its line.
 */
export function localInboxSender(targetOf: (q: Question) => InboxTarget = inboxTargetOf): RouteSender {
  const entries = async (q: Question): Promise<InboxEntry[]> => {
    const { file, root } = targetOf(q);
    try {
      return (await readInbox(file, root)).entries;
    } catch (e) {
      throw inboxError(e, file, 'read');
    }
  };
  return {
    send: async (q) => {
      const { file, root } = targetOf(q);
      try {
        await appendToInbox(file, toInboxLine(q), root);
      } catch (e) {
        throw inboxError(e, file, 'write');
      }
      return { remoteId: q.id };
    },
    reconcile: async (q) => ((await entries(q)).some((e) => e.id === q.id) ? { remoteId: q.id } : undefined),
    answer: async (q) => {
      const a = (await entries(q)).find((e) => e.id === q.id)?.answer;
      return a ? { text: a.text, by: a.by, at: a.at ?? new Date().toISOString() } : undefined;
    },
  };
}

/**
 * The `crm` route of progress items when the CRM is the data file: appends one `progress` line per
 * item to the inbox (idempotent by id) and finds it again for reconciliation. Nothing is read back.
 */
export function progressInboxSender(targetOf: (q: Question) => InboxTarget = inboxTargetOf): RouteSender {
  return {
    send: async (q) => {
      const { file, root } = targetOf(q);
      try {
        await appendToInbox(file, toProgressInboxLine(q), root);
      } catch (e) {
        throw inboxError(e, file, 'write');
      }
      return { remoteId: q.id };
    },
    reconcile: async (q) => {
      const { file, root } = targetOf(q);
      let progress: InboxProgress[];
      try {
        progress = (await readInbox(file, root)).progress;
      } catch (e) {
        throw inboxError(e, file, 'read');
      }
      return progress.some((p) => p.id === q.id) ? { remoteId: q.id } : undefined;
    },
  };
}
