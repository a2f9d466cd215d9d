// Branch name → ticket key. Pure: the branch comes from the Git extension API or .git/HEAD, never from
// running git with it.

/** The built-in patterns (also the default of `customerContext.ticketPatterns` in package.json). */
export const DefaultTicketPatterns: readonly string[] = [
  // Jira/Linear style: a project key (letter first) and a number, anywhere in the name.
  '(?<![A-Za-z0-9])(?<key>[A-Za-z][A-Za-z0-9]{1,9}-[0-9]{1,7})(?![.0-9])',
  // GitHub style with a prefix: issue-123, issues/123, gh-123, fix/gh_45.
  '(?:^|/)(?:[Ii]ssues?|[Gg][Hh])[-_/#]?(?<key>[0-9]{1,7})(?![.0-9])',
  // GitHub style: the last path segment starts with the number, 123-fix-login, feature/45_x.
  '(?:^|/)(?<key>[0-9]{1,7})[-_][^/]*$',
];

/**
 * Project prefixes that look like keys but are not tickets (utf-8, sha-256, gh-123 is GitHub's #123).
 * Applied only when `projectKeys` is empty: naming your projects is the precise fix.
 */
const NotProjectKeys = /^(?:UTF|SHA|ISO|RFC|CVE|ES|WIN|X86|X64|ARM|MD|HTTP|TLS|SSL|IPV|GH|ISSUES?|V[0-9]+)$/;

export interface CompiledPatterns {
  patterns: RegExp[];
  /** Problems with user patterns, each naming the setting and index. */
  problems: string[];
}

/**
 * Compiles pattern strings. `/body/flags` is accepted for flags (e.g. `/fix-(?<key>\d+)/i`).
 * An invalid pattern is skipped and reported; if none is valid, the defaults are used.
 */
export function compilePatterns(sources: readonly string[] | undefined): CompiledPatterns {
  const problems: string[] = [];
  const patterns: RegExp[] = [];
  (sources ?? DefaultTicketPatterns).forEach((source, i) => {
    const slashed = /^\/(.+)\/([a-z]*)$/s.exec(source);
    const body = slashed ? slashed[1] : source;
    const flags = new Set((slashed ? slashed[2] : '').split('').filter((f) => 'imsu'.includes(f)));
    flags.add('g');
    try {
      patterns.push(new RegExp(body, [...flags].join('')));
    } catch (e) {
      problems.push(`customerContext.ticketPatterns[${i}]: ${(e as Error).message}`);
    }
  });
  if (patterns.length === 0 && sources !== DefaultTicketPatterns) {
    return { patterns: compilePatterns(DefaultTicketPatterns).patterns, problems };
  }
  return { patterns, problems };
}

/** `acme-42` → `ACME-42`; `123` → `#123`; `#7` stays. */
export function normalizeKey(raw: string): string {
  const trimmed = raw.trim();
  if (/^#?[0-9]+$/.test(trimmed)) return `#${trimmed.replace(/^#/, '').replace(/^0+(?=\d)/, '')}`;
  return trimmed.toUpperCase();
}

/** The project part of a key: `ACME` for `ACME-42`, undefined for `#123`. */
export function projectOf(key: string): string | undefined {
  const m = /^([A-Z][A-Z0-9_]*)-[0-9]+$/.exec(key);
  return m ? m[1] : undefined;
}

/** Whether a typed key looks like a ticket key (for `setTicketForBranch`). */
export function isTicketKey(text: string): boolean {
  return /^(?:[A-Za-z][A-Za-z0-9_]{0,19}-[0-9]{1,9}|#?[0-9]{1,9})$/.test(text.trim());
}

/**
 * Finds the ticket key in a branch name: patterns in order, every match of each, the first key that
 * passes the project filter wins.
 */
export function parseTicketKey(
  branch: string | undefined,
  compiled: CompiledPatterns,
  projectKeys: readonly string[] = [],
): string | undefined {
  if (!branch) return undefined;
  const name = branch.replace(/^refs\/heads\//, '');
  const allowed = new Set(projectKeys.map((k) => k.trim().toUpperCase()).filter(Boolean));
  for (const pattern of compiled.patterns) {
    pattern.lastIndex = 0;
    for (const match of name.matchAll(pattern)) {
      const raw = match.groups?.key ?? match[0];
      if (!raw) continue;
      const key = normalizeKey(raw);
      if (!isTicketKey(key)) continue;
      const project = projectOf(key);
      if (allowed.size > 0) {
        if (project && allowed.has(project)) return key;
        continue;
      }
      if (project && NotProjectKeys.test(project)) continue;
      return key;
    }
  }
  return undefined;
}
