// Turns zod issues into short messages that name the JSON path, e.g. `deals.D-1001.customer: required`.
import type * as z from 'zod/mini';
import type { ValidationProblem } from '../shared/sidebarState';

/** A zod (mini) schema producing T. */
export type Schema<T> = z.ZodMiniType<T>;

export type { ValidationProblem };

type Issue = { code: string; path: PropertyKey[]; message: string; expected?: string; [k: string]: unknown };

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Object.prototype.hasOwnProperty.call(cur, p) ? (cur as Record<PropertyKey, unknown>)[p] : undefined;
  }
  return cur;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

function describe(issue: Issue, data: unknown): string {
  const value = valueAt(data, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? 'required' : `expected ${issue.expected}, got ${kindOf(value)}`;
    case 'invalid_value':
      return Array.isArray(issue.values)
        ? `expected one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
        : 'invalid value';
    case 'too_small':
      return typeof value === 'string' ? 'must not be empty' : `too small (minimum ${String(issue.minimum)})`;
    case 'too_big':
      return `too big (maximum ${String(issue.maximum)})`;
    case 'invalid_format':
      return `invalid ${String(issue.format ?? 'format')}`;
    case 'unrecognized_keys':
      return `unknown keys ${(issue.keys as string[]).join(', ')}`;
    default:
      return issue.message && issue.message !== 'Invalid input' ? issue.message : 'invalid value';
  }
}

/** Lists every problem zod found, each with its JSON path. */
export function validationProblems(error: { issues: readonly unknown[] }, data: unknown): ValidationProblem[] {
  return (error.issues as Issue[]).map((issue) => ({
    path: formatPath(issue.path),
    // zod/mini's default message is a bare 'Invalid input'; a schema's own message is more precise.
    message: issue.message && issue.message !== 'Invalid input' ? issue.message : describe(issue, data),
  }));
}

/** `path: message; path: message` for logs and error texts (first few only). */
export function summarizeProblems(problems: ValidationProblem[], max = 3): string {
  const shown = problems.slice(0, max).map((p) => `${p.path}: ${p.message}`);
  if (problems.length > max) shown.push(`and ${problems.length - max} more`);
  return shown.join('; ');
}
