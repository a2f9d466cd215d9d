// The local CRM's inbox: `.vscode/customer-context.questions.jsonl`, one JSON object a line. Appends
// rewrite the file through a temp file + fsync + rename under a lock file, so a crash leaves either the
// old file or the new one: never half a line, never a lost earlier line. Sales answer by adding an
// `answer` field to a line.
import { promises as fs, constants as fsc } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { writeFileAtomic } from '../atomicFile';
import type { Question } from './question';
import { recipients } from './question';

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

const LockStaleMs = 10_000;

async function withLock<T>(file: string, body: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      const handle = await fs.open(lock, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const stat = await fs.stat(lock).catch(() => undefined);
      // A lock left by a crashed writer is taken over once it is clearly stale.
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

/** Appends one question line. Throws a clear error when the folder is read-only or the disk is full. */
export async function appendToInbox(file: string, line: InboxLine): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await withLock(file, async () => {
    const existing = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    });
    if (existing.split('\n').some((l) => l.includes(`"id":"${line.id}"`))) return; // already delivered
    const sep = existing && !existing.endsWith('\n') ? '\n' : '';
    // 0o644: the inbox sits in the repository and is read by people and tools, unlike the outbox.
    await writeFileAtomic(file, `${existing}${sep}${JSON.stringify(line)}\n`, 0o644);
  });
}

/** Reads the inbox; unreadable lines are counted, not fatal. */
export async function readInbox(file: string): Promise<{ entries: InboxEntry[]; badLines: number[] }> {
  const text = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  const entries: InboxEntry[] = [];
  const badLines: number[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return void badLines.push(i + 1);
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
  return { entries, badLines };
}
