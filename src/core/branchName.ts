// Ticket → branch name for *Start Work on Ticket…*. Pure: the name is checked against git's own
// check-ref-format rules and read back through the active ticket patterns before anyone creates it,
// so a branch started here always shows its ticket in the status bar.
import {
  type CompiledPatterns,
  type KeyPreference,
  isTicketKey,
  normalizeKey,
  parseTicketKey,
} from './branch';

/** The default of `customerContext.branchTemplate`. */
export const DefaultBranchTemplate = 'feature/${key}-${slug}';

/** Used when the configured template cannot give the key back: the key first, then the slug. */
export const FallbackBranchTemplate = '${key}-${slug}';

/** Longest slug, in characters, before the cut at a word boundary. */
export const MaxSlugLength = 40;

/** Longest branch name generated. Git allows more; people and some hosts do not. */
export const MaxBranchNameLength = 200;

const Setting = 'customerContext.branchTemplate';

// Russian, Ukrainian and Belarusian letters, in the common readable scheme (the one passports and
// Yandex use): щ → shch, х → kh, ц → ts. The hard and soft signs carry no sound of their own
// (`Silent` drops them before this table is read).
const Cyrillic: Readonly<Record<string, string>> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'yo', ж: 'zh', з: 'z', и: 'i', й: 'y',
  к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f',
  х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
  і: 'i', ї: 'yi', є: 'ye', ґ: 'g', ў: 'u',
};

// Latin letters that Unicode decomposition leaves alone.
const Latin: Readonly<Record<string, string>> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', þ: 'th', ł: 'l', ı: 'i', ĸ: 'k', ŋ: 'n',
};

// Two regular-expression passes before the per-character loop, so a 64 KB title costs a
// millisecond or two whatever it holds: characters dropped inside words (combining marks, hard and
// soft signs, apostrophes: "don't" → dont) go, and runs of characters that can never become slug
// letters (other scripts, emoji, symbols, punctuation, lone surrogates) become one space.
const Silent = /[\p{M}ъьЪЬ'`’ʼ‘]+/gu;
const Unused = /[^\p{Script=Latin}\p{Script=Cyrillic}\p{N}]+/gu;

// Pieces per code point, remembered: normalization is the costly step and titles repeat letters.
const pieces = new Map<string, string | undefined>();
const MaxRemembered = 4096;

/**
 * What one code point (left by `Silent` and `Unused`) becomes in a slug: ASCII letters or digits,
 * or undefined when it separates words (a space, a letter or digit with no ASCII form).
 */
function slugPiece(ch: string): string | undefined {
  const code = ch.charCodeAt(0);
  if (code < 0x80) {
    if ((code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39)) return ch;
    if (code >= 0x41 && code <= 0x5a) return String.fromCharCode(code + 32);
    return undefined;
  }
  if (pieces.has(ch)) return pieces.get(ch);
  const lower = ch.toLowerCase();
  // Otherwise decomposed: é → e, ﬁ → fi, ① → 1, fullwidth Ａ → a.
  const ascii =
    Cyrillic[lower] ??
    Latin[lower] ??
    lower.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]/g, '');
  const piece = ascii || undefined;
  if (pieces.size >= MaxRemembered) pieces.clear();
  pieces.set(ch, piece);
  return piece;
}

/**
 * The slug's first characters, up to one more than `max` (enough to see whether `max` falls on a
 * word boundary), not yet cut.
 */
function slugStart(title: string, max: number): string {
  let out = '';
  let gap = false;
  for (const ch of title.replace(Silent, '').replace(Unused, ' ')) {
    const piece = slugPiece(ch);
    if (piece === undefined) {
      gap = out.length > 0;
      continue;
    }
    if (gap) out += '-';
    gap = false;
    out += piece;
    if (out.length > max) break;
  }
  return out;
}

/** Cuts a slug start to `max` characters, at a word boundary when the first word fits. */
function cutSlug(start: string, max: number): string {
  if (max <= 0) return '';
  if (start.length <= max) return start;
  if (start[max] === '-') return start.slice(0, max);
  const boundary = start.lastIndexOf('-', max);
  return boundary > 0 ? start.slice(0, boundary) : start.slice(0, max);
}

/**
 * The slug of a title: lower-case ASCII letters and digits joined by `-`, Cyrillic transliterated,
 * other scripts dropped, at most `max` characters and cut at a word boundary when a word fits.
 * Empty when nothing is left.
 */
export function slugify(title: string, max = MaxSlugLength): string {
  return cutSlug(slugStart(title, Math.max(0, max)), max);
}

/** A key as it appears in branch names: `#123` → `123`, `ACME-42` as it is. */
export function keyInBranchName(key: string): string {
  return key.replace(/^#/, '');
}

/**
 * Why git would refuse `name` as a branch name (the rules of `git check-ref-format --branch`), or
 * why it is longer than `MaxBranchNameLength`; undefined when it is a valid branch name. The
 * reasons quote no part of the name.
 */
export function branchNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > MaxBranchNameLength) {
    return `it is ${name.length} characters long, more than ${MaxBranchNameLength}`;
  }
  if (/[\x00-\x1f\x7f]/.test(name)) return 'it contains a control character';
  const bad = /[ ~^:?*[\\]/.exec(name);
  if (bad) return `it contains "${bad[0]}"${bad[0] === ' ' ? ' (a space)' : ''}`;
  if (name.includes('..')) return 'it contains ".."';
  if (name.includes('@{')) return 'it contains "@{"';
  if (name === '@') return 'it is "@"';
  if (name === 'HEAD') return 'git reserves the name "HEAD"';
  if (name.startsWith('-')) return 'it starts with "-"';
  if (name.startsWith('/') || name.endsWith('/')) return 'it starts or ends with "/"';
  if (name.includes('//')) return 'it contains "//"';
  if (name.endsWith('.')) return 'it ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'a part between slashes starts with "."';
    if (part.endsWith('.lock')) return 'a part between slashes ends with ".lock"';
  }
  return undefined;
}

/** Whether git accepts `name` as a branch name and it is at most `MaxBranchNameLength` long. */
export function isValidBranchName(name: string): boolean {
  return branchNameProblem(name) === undefined;
}

/** A ticket to name a branch for. */
export interface TicketForBranch {
  key: string;
  title: string;
}

/** The branch name for a ticket, or why there is none. */
export type BranchNameResult =
  | {
      ok: true;
      name: string;
      /** The key, normalized (`acme-42` → `ACME-42`, `123` → `#123`). */
      key: string;
      /**
       * Set when the name does not follow `customerContext.branchTemplate` but
       * `FallbackBranchTemplate` (or the bare key): why, naming the setting. Quotes no data.
       */
      fallback?: string;
    }
  | { ok: false; problem: string };

/**
 * The branch name for a ticket from a template with `${key}` and `${slug}`. The name is a valid
 * git branch name and `parseTicketKey` with the same patterns, project keys and preference gives
 * the key back. When the template cannot (no `${key}`, an invalid name, or a name the patterns read
 * another key from), `FallbackBranchTemplate` is used and `fallback` says why; when the slug gets
 * in the way (a title mentioning another ticket), less of it is used; when no title text is left,
 * the slug is the key. Fails only for a key the patterns never see (e.g. outside `projectKeys`).
 */
export function branchNameFor(
  template: string,
  ticket: TicketForBranch,
  compiled: CompiledPatterns,
  projectKeys: readonly string[] = [],
  prefer: KeyPreference = 'project',
): BranchNameResult {
  const raw = typeof ticket.key === 'string' ? ticket.key : '';
  if (!isTicketKey(raw)) {
    return { ok: false, problem: 'the ticket key is not a key like ACME-42 or #123' };
  }
  const key = normalizeKey(raw);
  // Read once: the templates tried below only cut it differently.
  const start = slugStart(typeof ticket.title === 'string' ? ticket.title : '', MaxSlugLength);
  const yields = (name: string) =>
    isValidBranchName(name) && parseTicketKey(name, compiled, [...projectKeys], prefer) === key;

  const templateProblem = templateProblemOf(template);
  let fallback = templateProblem;
  if (!templateProblem) {
    const name = firstThatYields(template, key, start, yields);
    if (name) return { ok: true, name, key };
    fallback =
      nameProblem(template, key, start) ??
      `a branch named by ${Setting} would not give ${key} back through ` +
        'customerContext.ticketPatterns';
  }
  for (const form of [FallbackBranchTemplate, '${key}']) {
    const name = firstThatYields(form, key, start, yields);
    if (name) return { ok: true, name, key, fallback: `${fallback}; used "${form}" instead` };
  }
  const project = /^([A-Z][A-Z0-9_]*)-/.exec(key)?.[1];
  const allowed = projectKeys.map((k) => k.trim().toUpperCase());
  const which = project ? `the project ${project}` : 'numbered issues';
  const hint =
    allowed.length > 0 && !(project && allowed.includes(project))
      ? `customerContext.projectKeys does not include ${which}`
      : 'no pattern in customerContext.ticketPatterns finds it; add one that does';
  return { ok: false, problem: `no branch name would show ${key} as its ticket: ${hint}` };
}

function templateProblemOf(template: unknown): string | undefined {
  if (typeof template !== 'string' || template.trim() === '') return `${Setting} is empty`;
  if (/\$\{(?!(?:key|slug)\})/.test(template)) {
    return `${Setting} has a placeholder other than \${key} and \${slug}`;
  }
  if (!template.includes('${key}')) {
    return `${Setting} has no \${key}, so the branch would not name its ticket`;
  }
  return undefined;
}

/** Why the template's name is not a valid branch name, when that is the reason it failed. */
function nameProblem(template: string, key: string, start: string): string | undefined {
  const problem = branchNameProblem(render(template, key, slugFor(template, key, start)));
  return problem ? `${Setting} does not make a valid git branch name: ${problem}` : undefined;
}

function render(template: string, key: string, slug: string): string {
  return template.replace(/\$\{(key|slug)\}/g, (_, which: string) =>
    which === 'key' ? keyInBranchName(key) : slug,
  );
}

/**
 * The slug (from its start, `slugStart`) that fits the template within `MaxBranchNameLength`; the
 * key's when no title text is left.
 */
function slugFor(template: string, key: string, start: string): string {
  const slots = template.split('${slug}').length - 1;
  if (slots === 0) return '';
  const fixed = render(template, key, '').length;
  const room = Math.min(MaxSlugLength, Math.floor((MaxBranchNameLength - fixed) / slots));
  return cutSlug(start, room) || keySlug(key);
}

function keySlug(key: string): string {
  return keyInBranchName(key).toLowerCase();
}

/**
 * The template's name with the full slug, else with slugs that leave out what could read as another
 * key (numbers, then all digits), else with the key as the slug.
 */
function firstThatYields(
  template: string,
  key: string,
  start: string,
  yields: (name: string) => boolean,
): string | undefined {
  const full = slugFor(template, key, start);
  const words = full.split('-');
  const variants = [
    full,
    words.filter((w) => !/^[0-9]+$/.test(w)).join('-'),
    words.map((w) => w.replace(/[0-9]+/g, '')).filter(Boolean).join('-'),
    keySlug(key),
  ];
  const tried = new Set<string>();
  for (const slug of variants) {
    if (tried.has(slug)) continue;
    tried.add(slug);
    const name = render(template, key, slug || keySlug(key));
    if (yields(name)) return name;
  }
  return undefined;
}

/** A git ref as the Git extension's API reports it (`Ref` in its git.d.ts). */
export interface GitRefLike {
  /** 0: a local branch, 1: a remote branch, 2: a tag. */
  readonly type?: number;
  readonly name?: string;
  readonly remote?: string;
}

/** An existing branch for a ticket. */
export interface ExistingBranch {
  /** The local branch name (for a remote branch, without its `origin/`). */
  name: string;
  /** Set for a branch that exists only on this remote. */
  remote?: string;
  /** The ref to start a local branch from (`origin/feature/ACME-42-x`); a local one's name. */
  ref: string;
}

/**
 * The branches whose names give `key` back through the patterns: local ones first, then those that
 * exist only on a remote. Tags and remote HEAD pointers are left out.
 */
export function branchesForKey(
  refs: readonly GitRefLike[],
  key: string,
  compiled: CompiledPatterns,
  projectKeys: readonly string[] = [],
  prefer: KeyPreference = 'project',
): ExistingBranch[] {
  const wanted = normalizeKey(key);
  const matches = (name: string) =>
    parseTicketKey(name, compiled, [...projectKeys], prefer) === wanted;
  const local: ExistingBranch[] = [];
  const names = new Set<string>();
  for (const ref of refs) {
    if (ref.type !== 0 || typeof ref.name !== 'string' || names.has(ref.name)) continue;
    names.add(ref.name);
    if (matches(ref.name)) local.push({ name: ref.name, ref: ref.name });
  }
  const remote: ExistingBranch[] = [];
  for (const ref of refs) {
    if (ref.type !== 1 || typeof ref.name !== 'string' || typeof ref.remote !== 'string') continue;
    const prefix = `${ref.remote}/`;
    if (!ref.name.startsWith(prefix)) continue;
    const name = ref.name.slice(prefix.length);
    if (name === 'HEAD' || names.has(name)) continue;
    names.add(name);
    if (matches(name)) remote.push({ name, remote: ref.remote, ref: ref.name });
  }
  return [...local, ...remote];
}
