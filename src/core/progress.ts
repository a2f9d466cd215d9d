// Progress back to sales: when work on a ticket reaches a milestone (started, in review, merged,
// released), each linked deal gets one short note, written for a salesperson and never containing
// code. This module holds the rules, without VS Code:
//   - the note's words, built only from the ticket key, a cleaned title and a release tag;
//   - a deterministic outbox id per (repository, ticket, deal, milestone), so the outbox's exclusive
//     create makes a second enqueue of the same milestone a no-op in every window and after restarts;
//   - the progress item (a Question with `kind: 'progress'`, one deal, route `crm`);
//   - "Sales sees: started 3 Dec, in review 5 Dec" from the outbox's entries;
//   - the detector, which reads git through an injected RepoGit (commit ids in, never a branch name)
//     and remembers the branches it has seen in a KeyValueStore.
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { ProgressMark, ProgressMilestone } from '../shared/sidebarState';
import { English, type Translator } from './l10n';
import type { InboxProgress } from './providers/local/inbox';
import type { OutboxEntry } from './questions/outboxEntry';
import { safeUrl } from './questions/messages';
import {
  ProgressMilestones,
  type ProgressMilestoneName,
  type Question,
  type QuestionDeal,
} from './questions/question';
import type { KeyValueStore } from './store';

/** The milestones in the order work reaches them. */
export const Milestones: readonly ProgressMilestone[] = ProgressMilestones;
/** A milestone of work on a ticket (the shared and the persisted names are one list). */
export type Milestone = ProgressMilestone & ProgressMilestoneName;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The webview's list (shared) and the outbox's (question.ts) cannot import each other: a milestone
// added to one of them only is a compile error here.
const sameMilestones: Same<ProgressMilestone, ProgressMilestoneName> = true;
void sameMilestones;

/** The position of a milestone in Milestones (started 0 … released 3). */
export function milestoneRank(m: Milestone): number {
  return Milestones.indexOf(m);
}

// ---- the note ---------------------------------------------------------------------------------------

/** Longest title a note quotes (UTF-16 units); a longer one is cut with "…". */
export const MaxNoteTitle = 100;
/** Longest note without a link: the key, the cut title and the longest milestone sentence fit. */
export const MaxNoteLength = 240;
const MaxKey = 40;
const MaxTag = 40;
const MaxLink = 300;

/** Punctuation a sentence needs; everything else that is not a letter, digit or mark becomes a space. */
const NotePunctuation = new Set(".,!?'\"()/&+%#-");
const WordChar = /[\p{L}\p{N}\p{M}]/u;
const FormatChar = /\p{Cf}/u;
/** Code units of a title, key or tag looked at: what lies beyond is abuse, not a ticket's words. */
const MaxScan = 4_000;

/**
 * Data text as a plain sentence part: letters, digits, marks, spaces and NotePunctuation only — no
 * code syntax (backticks, braces, brackets, angle brackets, `$`, `=`, `;`, `:`, `@`, `\`, `|`, `*`,
 * `_`, `~`, `^`), no line breaks, controls, bidi or zero-width characters — whitespace collapsed,
 * cut at `max` UTF-16 units (never inside a character) with "…". One pass over at most the first MaxScan code units, so a 64 KB
 * title costs what its first few thousand characters cost.
 */
export function noteText(raw: string, max = MaxNoteTitle): string {
  let out = '';
  let taken = 0;
  let space = false;
  for (const ch of raw.length > MaxScan ? raw.slice(0, MaxScan) : raw) {
    const allowed = NotePunctuation.has(ch) || WordChar.test(ch);
    // Joiners and format characters vanish; everything else that is not allowed separates words.
    if (!allowed) {
      if (!FormatChar.test(ch)) space = taken > 0;
      continue;
    }
    // Counted in UTF-16 units, as String#length counts: the note's bound holds for any script.
    if (taken + (space ? 1 : 0) + ch.length > max) return `${out.trimEnd()}…`;
    if (space) {
      out += ' ';
      taken++;
      space = false;
    }
    out += ch;
    taken += ch.length;
  }
  return out;
}

/** A ticket key as a note shows it: the characters a key has (`ACME-42`, `#123`), at most 40. */
export function noteKey(key: string): string {
  return key.slice(0, MaxScan).replace(/[^A-Za-z0-9#_-]/g, '').slice(0, MaxKey);
}

/** A release tag as a note shows it (`v2.3`, `release/2024-05`): tag characters only, at most 40. */
export function noteTag(tag: string | undefined): string {
  const clean = (tag ?? '').slice(0, MaxScan).replace(/[^A-Za-z0-9._/+-]/g, '').slice(0, MaxTag);
  return /[A-Za-z0-9]/.test(clean) ? clean : '';
}

/** What a note says. */
export interface NoteInput {
  key: string;
  title?: string;
  milestone: Milestone;
  /** With `released`: the tag that first contains the work. */
  release?: string;
  /** With `in review`: the pull or merge request, when a forge said so (https only). */
  link?: string;
}

/**
 * The note for a salesperson: «Work on ACME-42 “Export invoices to PDF” has started.» and so on. Only
 * the key, the cleaned title, the cleaned tag and an https link appear; never code, a branch, a diff
 * or a path. At most MaxNoteLength characters before the link.
 */
export function progressNote(n: NoteInput): string {
  const key = noteKey(n.key) || 'the ticket';
  const title = noteText(n.title ?? '');
  const subject = title ? `${key} “${title}”` : key;
  let sentence: string;
  switch (n.milestone) {
    case 'started':
      sentence = `Work on ${subject} has started.`;
      break;
    case 'in review': {
      const link = safeUrl(n.link);
      const shown = link && link.startsWith('https:') && link.length <= MaxLink ? ` (${link})` : '';
      return `Work on ${subject} is in review.${shown}`;
    }
    case 'merged':
      sentence = `${subject} is merged and will ship with the next release.`;
      break;
    case 'released': {
      const tag = noteTag(n.release);
      sentence = tag ? `${subject} has shipped in ${tag}.` : `${subject} has shipped.`;
      break;
    }
  }
  return sentence;
}

// ---- ids and items -----------------------------------------------------------------------------------

/**
 * The outbox id of the note for (repository, ticket, deal, milestone): the same tuple always gives
 * the same id (keys compared upper-case), different tuples different ids (SHA-256). Matches the
 * outbox's id pattern.
 */
export function progressId(repository: string, key: string, dealId: string, milestone: Milestone): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(['cc-progress/1', repository, key.toUpperCase(), dealId, milestone]))
    .digest('hex');
  return `progress-${digest.slice(0, 48)}`;
}

/** A git remote as the Git extension lists it. */
export interface RemoteFact {
  name: string;
  fetchUrl?: string;
  pushUrl?: string;
}

/**
 * Which project a work tree is, for ids: `host/path` of its `origin` remote (else the first), lower
 * case, without scheme, user, port or `.git` — two clones of one project tell sales once — or the
 * work tree's path when it has no remote.
 */
export function repositoryIdentity(root: string, remotes: readonly RemoteFact[] = []): string {
  const ordered = [...remotes].sort((a, b) => (a.name === 'origin' ? -1 : b.name === 'origin' ? 1 : 0));
  for (const r of ordered) {
    const url = (r.fetchUrl ?? r.pushUrl ?? '').trim().slice(0, 2048);
    const m =
      /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/]+@)?([^/:]+)(?::\d*)?[/:](.+?)(?:\.git)?\/*$/i.exec(url);
    if (m && m[2]) return `${m[1]}/${m[2].replace(/^\/+/, '')}`.toLowerCase();
  }
  return `file:${root}`;
}

/** Everything a progress item is made of. */
export interface ProgressItemInput {
  /** repositoryIdentity of the work tree. */
  repository: string;
  /** The work tree's folder name, as questions carry it. */
  repositoryName?: string;
  /** The workspace folder (its settings choose the CRM; never sent). */
  folder?: string;
  ticket: { key: string; title?: string; url?: string };
  deal: QuestionDeal;
  milestone: Milestone;
  note: string;
  /** ISO time the milestone was reached. */
  createdAt: string;
  branch?: string;
  author: { name?: string; email?: string };
  /** With the data file as CRM: its inbox file. */
  localInbox?: string;
}

/** The progress item for one deal: a Question of kind `progress`, sent on the `crm` route only. */
export function progressItem(i: ProgressItemInput): Question {
  return {
    id: progressId(i.repository, i.ticket.key, i.deal.id, i.milestone),
    createdAt: i.createdAt,
    text: i.note,
    ticket: { key: i.ticket.key, title: i.ticket.title, url: i.ticket.url },
    deals: [i.deal],
    branch: i.branch,
    repository: i.repositoryName,
    author: i.author,
    localInbox: i.localInbox,
    folder: i.folder,
    kind: 'progress',
    milestone: i.milestone,
  };
}

/** The route every progress item takes. */
export const ProgressRoutes = ['crm'] as const;

/** Whether an outbox question is a progress item (not a question to list or poll). */
export function isProgress(q: Pick<Question, 'kind'>): boolean {
  return q.kind === 'progress';
}

// ---- what sales has been told ------------------------------------------------------------------------

/**
 * Per milestone of `ticketKey` (in order, only those with a note): when the first note arrived,
 * whether some are still on their way, why one failed. Discarded notes count for nothing; the
 * inbox's progress lines (this machine's or a teammate's) count as delivered at their createdAt.
 */
export function salesSeesMarks(
  entries: readonly OutboxEntry[],
  ticketKey: string,
  inbox: readonly InboxProgress[] = [],
  w: Translator = English,
): ProgressMark[] {
  const key = ticketKey.toUpperCase();
  const marks = new Map<Milestone, ProgressMark>();
  const mark = (m: Milestone) => {
    let x = marks.get(m);
    if (!x) marks.set(m, (x = { milestone: m }));
    return x;
  };
  const sent = (x: ProgressMark, at: number) => {
    if (Number.isFinite(at) && (x.sentAt === undefined || at < x.sentAt)) x.sentAt = at;
  };
  const known = new Set<string>();
  for (const e of entries) {
    const q = e.question;
    if (!isProgress(q) || !q.milestone || e.discarded || q.ticket.key.toUpperCase() !== key) continue;
    known.add(q.id);
    const x = mark(q.milestone);
    const r = e.routes.crm;
    if (!r) continue;
    if (r.state === 'sent') sent(x, Date.parse(r.sentAt ?? q.createdAt));
    else if (r.state === 'failed' || r.state === 'needsAuth')
      x.failed ??= r.state === 'needsAuth' ? w.t('the CRM needs a new token (Set API Token…).') : (r.lastError ?? w.t('failed'));
    else x.waiting = true;
  }
  for (const p of inbox) {
    const m = p.milestone as Milestone;
    if (known.has(p.id) || !Milestones.includes(m) || p.ticket.toUpperCase() !== key) continue;
    sent(mark(m), Date.parse(p.createdAt ?? ''));
  }
  return Milestones.filter((m) => marks.has(m)).map((m) => marks.get(m)!);
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** "3 Dec" (or "Dec 3", by locale); with the year when it is not this year's. */
function shortDay(at: number, now: number, locale: string): string {
  const withYear = new Date(at).getFullYear() !== new Date(now).getFullYear();
  const key = `${locale}|${withYear}`;
  let f = dayFormats.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', ...(withYear ? { year: 'numeric' } : {}) };
    try {
      f = new Intl.DateTimeFormat(locale, options);
    } catch {
      f = new Intl.DateTimeFormat('en', options); // a malformed locale tag must not blank the line
    }
    dayFormats.set(key, f);
  }
  return f.format(new Date(at));
}

/** A milestone as the reader's language names it (the contract's names are English ids). */
function milestoneWord(m: ProgressMilestone, w: Translator): string {
  switch (m) {
    case 'started':
      return w.t('started');
    case 'in review':
      return w.t('in review');
    case 'merged':
      return w.t('merged');
    case 'released':
      return w.t('released');
  }
}

/**
 * The sidebar's "Sales sees" line: «Sales sees: started 3 Dec, in review 5 Dec», with what is still
 * waiting or failed in `detail`, in `w`'s language. Undefined when there is no note at all.
 */
export function salesSeesView(
  marks: readonly ProgressMark[],
  locale: string,
  now: number,
  w: Translator = English,
): { text: string; detail?: string; failed: boolean } | undefined {
  if (marks.length === 0) return undefined;
  const told = marks.filter((m) => m.sentAt !== undefined);
  const list = (items: string[]) => items.join(w.t(', '));
  const text = told.length
    ? w.t('Sales sees: {0}', list(told.map((m) => w.t('{0} {1}', milestoneWord(m.milestone, w), shortDay(m.sentAt!, now, locale)))))
    : w.t('Sales has not been told of any progress yet.');
  const failed = marks.filter((m) => m.failed);
  const waiting = marks.filter((m) => m.waiting && !m.failed);
  const parts: string[] = [];
  if (failed.length) {
    const items = failed.map((m) => w.t('{0} ({1})', milestoneWord(m.milestone, w), m.failed ?? ''));
    parts.push(w.t('Not sent: {0}. Retry from Manage Progress Notes.', items.join(w.t('; '))));
  }
  if (waiting.length) parts.push(w.t('Sending: {0}.', list(waiting.map((m) => milestoneWord(m.milestone, w)))));
  return { text, detail: parts.length ? parts.join(' ') : undefined, failed: failed.length > 0 };
}

// ---- detection ---------------------------------------------------------------------------------------

/** The checked-out branch as the Git extension reports it. */
export interface HeadFact {
  name?: string;
  commit?: string;
  /** The branch has an upstream (it was pushed with tracking). */
  upstream: boolean;
  /** Commits not yet on the upstream. */
  ahead?: number;
}

/** A local branch, a remote-tracking branch (`origin/main`, remote `origin`) or a tag. */
export interface RefFact {
  kind: 'head' | 'remote' | 'tag';
  name: string;
  commit: string;
  remote?: string;
}

/** What the detector reads from one repository. Commit ids go in, never a branch name. */
export interface RepoGit {
  head(): HeadFact | undefined;
  /** Local and remote-tracking branches with their commits. */
  branches(): Promise<RefFact[]>;
  /** The merge base of two commits; undefined when there is none or git could not tell. */
  mergeBase(a: string, b: string): Promise<string | undefined>;
  /** Tags that contain `commit` (the caller verifies, so a host that ignores the filter is safe). */
  tagsContaining(commit: string): Promise<RefFact[]>;
  /** The branch `origin/HEAD` points at, when the clone recorded it. */
  originHead(): Promise<string | undefined>;
}

/** The part of the Git extension's Repository (API version 1) the detector reads. */
export interface GitApiRepo {
  readonly state: {
    readonly HEAD?: { name?: string; commit?: string; upstream?: unknown; ahead?: number };
    /** Filled by hosts before getRefs (deprecated, empty in recent VS Code). */
    readonly refs?: ReadonlyArray<GitApiRef>;
  };
  getMergeBase?(ref1: string, ref2: string): Promise<string | undefined>;
  getRefs?(query: { pattern?: string; contains?: string }): Promise<GitApiRef[]>;
}

/** A ref as the Git extension lists it; `type` 0 local branch, 1 remote-tracking branch, 2 tag. */
export interface GitApiRef {
  readonly type: number;
  readonly name?: string;
  readonly commit?: string;
  readonly remote?: string;
}

/**
 * The detector's view of a repository through the Git extension's API: refs by fixed patterns
 * (`refs/heads`, `refs/remotes`, `refs/tags`), merge-base and `--contains` with commit ids only, so
 * no git process ever receives a branch or tag name from the repository.
 */
export function gitExtensionRepo(repo: GitApiRepo, originHead: () => Promise<string | undefined>): RepoGit {
  const refs = async (pattern: string, contains?: string): Promise<readonly GitApiRef[]> => {
    if (typeof repo.getRefs === 'function') return repo.getRefs(contains ? { pattern, contains } : { pattern });
    // Hosts before getRefs listed every ref in the state.
    const type = pattern === 'refs/heads' ? 0 : pattern === 'refs/remotes' ? 1 : 2;
    return (repo.state.refs ?? []).filter((r) => r.type === type);
  };
  return {
    head: () => {
      const h = repo.state.HEAD;
      return h ? { name: h.name, commit: h.commit, upstream: !!h.upstream, ahead: h.ahead } : undefined;
    },
    branches: async () => refFacts([...(await refs('refs/heads')), ...(await refs('refs/remotes'))]),
    mergeBase: async (a, b) => {
      if (!isCommitId(a) || !isCommitId(b) || typeof repo.getMergeBase !== 'function') return undefined;
      const base = (await repo.getMergeBase(a, b))?.trim();
      return isCommitId(base) ? base : undefined;
    },
    tagsContaining: async (commit) => (isCommitId(commit) ? refFacts(await refs('refs/tags', commit)) : []),
    originHead,
  };
}

function refFacts(refs: readonly GitApiRef[]): RefFact[] {
  const kinds = ['head', 'remote', 'tag'] as const;
  return refs.flatMap((r) => {
    const kind = kinds[r.type];
    return kind && r.name && isCommitId(r.commit) ? [{ kind, name: r.name, commit: r.commit, remote: r.remote }] : [];
  });
}

/** A milestone the detector found that has not been handled yet. */
export interface Reached {
  root: string;
  key: string;
  milestone: Milestone;
  branch?: string;
  /** With `released`: the tag. */
  release?: string;
}

const Sha = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i;
/** Whether `s` is a full commit id (SHA-1 or SHA-256): the only thing handed to git. */
export function isCommitId(s: string | undefined): s is string {
  return !!s && Sha.test(s);
}

/** Names a default branch has when `origin/HEAD` does not say, in order of preference. */
export const DefaultBranchNames = ['main', 'master', 'trunk'];

/** The default branch: `origin/HEAD`'s if that branch exists, else the first of DefaultBranchNames. */
export function defaultBranchOf(refs: readonly RefFact[], originHead?: string): string | undefined {
  const exists = (name: string) =>
    refs.some((r) => (r.kind === 'head' && r.name === name) || (r.kind === 'remote' && r.name === `${r.remote}/${name}`));
  if (originHead && exists(originHead)) return originHead;
  return DefaultBranchNames.find(exists);
}

/** The commits of the default branch: the local branch and each remote's copy, without repeats. */
export function defaultCommits(refs: readonly RefFact[], name: string): string[] {
  const out = refs
    .filter((r) => (r.kind === 'head' && r.name === name) || (r.kind === 'remote' && r.name === `${r.remote}/${name}`))
    .map((r) => r.commit)
    .filter(isCommitId);
  return [...new Set(out)];
}

/** Version-like tags first, by their numbers ascending (v2.3 < v2.10), then the rest by name. */
export function releaseOrder(a: string, b: string): number {
  const nums = (s: string) => (/^[A-Za-z-]*\d+(?:\.\d+)*/.exec(s)?.[0].match(/\d+/g) ?? []).map(Number);
  const na = nums(a);
  const nb = nums(b);
  if (na.length && !nb.length) return -1;
  if (nb.length && !na.length) return 1;
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? -1) - (nb[i] ?? -1);
    if (d) return d;
  }
  return a.localeCompare(b);
}

/** On its branch: `in review` when it has own commits, an upstream and nothing unpushed; `started` with own commits. */
export function branchMilestone(own: boolean | undefined, head: HeadFact): Milestone | undefined {
  if (!own) return undefined;
  return head.upstream && head.ahead === 0 ? 'in review' : 'started';
}

const Tracked = z.object({
  root: z.string(),
  branch: z.string(),
  key: z.string(),
  head: z.optional(z.string()),
  /** Seen with commits that the default branch did not have: work happened here. */
  own: z.optional(z.boolean()),
  /** Epoch ms its head was first found in the default branch, and that head. */
  mergedAt: z.optional(z.number()),
  mergedHead: z.optional(z.string()),
  releaseCheckedAt: z.optional(z.number()),
  /** The first tag found to contain the merged work. */
  release: z.optional(z.string()),
  seenAt: z.number(),
});
/** A branch the detector follows until its work is released. */
export type TrackedBranch = z.infer<typeof Tracked>;

const State = z.object({
  version: z.literal(1),
  branches: z.record(z.string(), Tracked),
  /** Highest handled milestone rank per `root\nKEY`. */
  levels: z.record(z.string(), z.number()),
});
type State = z.infer<typeof State>;

/** The store key of the detector's memory (globalState: shared by windows, kept across restarts). */
export const ProgressStateKey = 'customerContext.progress.v1';
/** Tags are looked for at most this often per merged branch (a state change may come every second). */
export const ReleaseCheckMs = 5 * 60_000;
/** Unmerged branches not seen for this long are forgotten; merged ones a year after merging. */
export const ForgetUnmergedMs = 180 * 86_400_000;
const ForgetMergedMs = 365 * 86_400_000;
const MaxTracked = 200;
/** Tags verified with merge-base per merged branch and check. */
const MaxTagChecks = 10;

/**
 * Finds milestones from git facts and remembers what it has seen. `pass` reports milestones not yet
 * handled (the highest per ticket only: a ticket found merged is not also reported as started);
 * the caller posts them and calls `handled`, so a milestone that could not be posted (no deals known
 * yet, no consent asked yet) is reported again next time. Exactly-once delivery is the outbox's job
 * (deterministic ids); this memory only saves git calls and deal lookups.
 */
export class ProgressDetector {
  constructor(
    private readonly store: KeyValueStore,
    private readonly now: () => number = Date.now,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  private load(): State {
    const raw = this.store.get<unknown>(ProgressStateKey);
    if (raw === undefined) return { version: 1, branches: {}, levels: {} };
    const parsed = State.safeParse(raw);
    if (parsed.success) return parsed.data;
    this.log(`Progress: the remembered branches (${ProgressStateKey}) are unreadable; starting afresh.`);
    return { version: 1, branches: {}, levels: {} };
  }

  private async save(s: State): Promise<void> {
    const now = this.now();
    const keep = Object.entries(s.branches).filter(([, t]) =>
      t.mergedAt !== undefined ? now - t.mergedAt < ForgetMergedMs : now - t.seenAt < ForgetUnmergedMs,
    );
    keep.sort((a, b) => b[1].seenAt - a[1].seenAt);
    s.branches = Object.fromEntries(keep.slice(0, MaxTracked));
    // A level outlives its branches (Start Work is handled before the branch has a commit), so levels
    // are capped by count, oldest first; forgetting one costs a deal lookup, never a second note.
    s.levels = Object.fromEntries(Object.entries(s.levels).slice(-MaxTracked * 2));
    await this.store.update(ProgressStateKey, s);
  }

  /** The highest milestone handled for a ticket of a repository, or undefined. */
  level(root: string, key: string): Milestone | undefined {
    const r = this.load().levels[levelKey(root, key)];
    return r === undefined ? undefined : Milestones[r];
  }

  /** Records that `milestone` (and so every earlier one) needs no posting any more for this ticket. */
  async handled(root: string, key: string, milestone: Milestone): Promise<void> {
    const s = this.load();
    const k = levelKey(root, key);
    s.levels[k] = Math.max(s.levels[k] ?? -1, milestoneRank(milestone));
    // Released: nothing more to find for the ticket's branches.
    if (milestone === 'released') {
      for (const [id, t] of Object.entries(s.branches)) if (levelKey(t.root, t.key) === k) delete s.branches[id];
    }
    await this.save(s);
  }

  /** Every branch followed in `root` (for Manage Progress Notes and tests). */
  tracked(root?: string): TrackedBranch[] {
    return Object.values(this.load().branches).filter((t) => root === undefined || t.root === root);
  }

  /** Forgets everything about `root` (Manage Progress Notes → Reset). */
  async forget(root: string): Promise<void> {
    const s = this.load();
    for (const [id, t] of Object.entries(s.branches)) if (t.root === root) delete s.branches[id];
    for (const k of Object.keys(s.levels)) if (k.startsWith(`${root}\n`)) delete s.levels[k];
    await this.save(s);
  }

  /**
   * One look at `root`: the checked-out branch (when the session says which ticket it names) and
   * every followed branch of the repository. `force` looks for tags even if it did so lately.
   */
  async pass(
    root: string,
    git: RepoGit,
    current?: { branch: string; key: string },
    opts: { force?: boolean } = {},
  ): Promise<Reached[]> {
    const s = this.load();
    const now = this.now();
    const head = git.head();
    const refs = await git.branches();
    const defName = defaultBranchOf(refs, await git.originHead().catch(() => undefined));
    const defaults = defName ? defaultCommits(refs, defName) : [];
    const found = new Map<string, Reached>();
    const report = (r: Reached) => {
      const k = levelKey(r.root, r.key);
      const level = s.levels[k] ?? -1;
      if (milestoneRank(r.milestone) <= level) return;
      const prev = found.get(k);
      if (!prev || milestoneRank(r.milestone) > milestoneRank(prev.milestone)) found.set(k, r);
    };

    if (current && head?.name === current.branch && isCommitId(head.commit) && current.branch !== defName && defaults.length) {
      const id = branchId(root, current.branch);
      const t: TrackedBranch = s.branches[id] ?? { root, branch: current.branch, key: current.key, seenAt: now };
      const own = await this.hasOwnCommits(git, head.commit, defaults);
      s.branches[id] = { ...t, key: current.key, head: head.commit, own: t.own || own === true, seenAt: now };
      const m = branchMilestone(own, head);
      if (m) report({ root, key: current.key, milestone: m, branch: current.branch });
    }

    for (const [id, t] of Object.entries(s.branches)) {
      if (t.root !== root || !t.own || !defaults.length) continue;
      const level = s.levels[levelKey(root, t.key)] ?? -1;
      if (level >= milestoneRank('released')) continue;
      let next = t;
      if (next.mergedAt === undefined) {
        const tip = refs.find((r) => r.kind === 'head' && r.name === t.branch)?.commit ?? t.head;
        if (!isCommitId(tip) || !(await this.containedIn(git, tip, defaults))) continue;
        next = { ...next, head: tip, mergedAt: now, mergedHead: tip };
      }
      // Reported on every pass until handled: a milestone that could not be posted is not lost.
      report({ root, key: t.key, milestone: 'merged', branch: t.branch });
      const due = opts.force || now - (next.releaseCheckedAt ?? 0) >= ReleaseCheckMs;
      if (next.release === undefined && isCommitId(next.mergedHead) && due) {
        next = { ...next, releaseCheckedAt: now, release: await this.firstRelease(git, next.mergedHead) };
      }
      if (next.release !== undefined) {
        report({ root, key: t.key, milestone: 'released', branch: t.branch, release: next.release });
      }
      s.branches[id] = next;
    }
    await this.save(s);
    return [...found.values()];
  }

  /** Whether `commit` has work the default branch lacks; undefined when git could not tell. */
  private async hasOwnCommits(git: RepoGit, commit: string, defaults: readonly string[]): Promise<boolean | undefined> {
    let unknown = false;
    for (const d of defaults) {
      if (d === commit) return false;
      const base = await git.mergeBase(commit, d).catch(() => undefined);
      if (base === undefined) unknown = true;
      else if (base === commit) return false;
    }
    return unknown ? undefined : true;
  }

  private async containedIn(git: RepoGit, commit: string, defaults: readonly string[]): Promise<boolean> {
    for (const d of defaults) {
      if (d === commit || (await git.mergeBase(commit, d).catch(() => undefined)) === commit) return true;
    }
    return false;
  }

  /** The earliest release tag that really contains `commit` (verified with merge-base). */
  private async firstRelease(git: RepoGit, commit: string): Promise<string | undefined> {
    const tags = (await git.tagsContaining(commit).catch(() => [] as RefFact[]))
      .filter((t) => t.kind === 'tag' && isCommitId(t.commit))
      .sort((a, b) => releaseOrder(a.name, b.name));
    for (const t of tags.slice(0, MaxTagChecks)) {
      if (t.commit === commit || (await git.mergeBase(commit, t.commit).catch(() => undefined)) === commit) return t.name;
    }
    return undefined;
  }
}

function branchId(root: string, branch: string): string {
  return `${root}\n${branch}`;
}

function levelKey(root: string, key: string): string {
  return `${root}\n${key.toUpperCase()}`;
}
