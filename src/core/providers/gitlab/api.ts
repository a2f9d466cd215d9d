// What the GitLab tracker and note sender share: HTTP options (PRIVATE-TOKEN, error bodies, the
// RateLimit-* headers), the API URL check, and the paginated notes listing. GitLab REST v4.
import * as z from 'zod/mini';
import { ProviderError, type ProviderErrorKind } from '../../errors';
import {
  readToken,
  type HttpClient,
  type ProviderHttpOptions,
  type TokenSource,
} from '../../http';
import { summarizeProblems, validationProblems } from '../../validation';

/** The GitLab settings the tracker and the sender need. */
export interface GitLabSettings {
  /** `https://gitlab.com/api/v4`, or `https://HOST[/root]/api/v4` for a self-managed instance. */
  apiUrl: string;
  /** `group/sub/project` or a numeric id, from the setting or the git remote. */
  project: string;
}

/** The provider label in messages. */
export const GitLab = 'GitLab';
/** The API URL setting, named in messages. */
export const ApiUrlSetting = 'customerContext.gitlab.apiUrl';
/** The project setting, named in messages. */
export const ProjectSetting = 'customerContext.gitlab.project';

/** Most notes per page GitLab serves. */
export const NotesPerPage = 100;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The human message in a GitLab error body: `{message: "404 Project Not Found"}`, validation
 * `{message: {note: ["can't be blank"]}}`, Grape's `{error: "body is missing"}`, OAuth's
 * `{error: "invalid_token", error_description}`, or Rack::Attack's plain `Retry later`.
 */
export function gitlabVendorMessage(_status: number, data: unknown): string | undefined {
  // An HTML page (a proxy's, or GitLab's own 502 page) is left to the HTTP layer, which names it
  // by its title instead of echoing markup.
  if (typeof data === 'string') return /^\s*</.test(data) ? undefined : data.trim() || undefined;
  if (!isRecord(data)) return undefined;
  const parts: string[] = [];
  const { message, error, error_description: description } = data;
  if (typeof message === 'string') parts.push(message);
  else if (isRecord(message)) {
    for (const [field, value] of Object.entries(message)) {
      const texts = (Array.isArray(value) ? value : [value]).filter(
        (t): t is string => typeof t === 'string',
      );
      // `{message: {error: "…"}}` is a sentence of its own, not a field.
      if (!texts.length) continue;
      parts.push(field === 'error' ? texts.join(' ') : `${field} ${texts.join(', ')}`);
    }
  }
  if (typeof error === 'string') {
    parts.push(typeof description === 'string' && description ? `${error}: ${description}` : error);
  }
  return parts.join(' — ') || undefined;
}

/** GitLab's own status prefix (`401 Unauthorized`) dropped: the message already says `HTTP 401`. */
function withoutStatus(status: number, vendor: string | undefined): string | undefined {
  if (!vendor) return undefined;
  const prefix = `${status} `;
  return vendor.startsWith(prefix) ? vendor.slice(prefix.length) : vendor;
}

function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/** Words for the token errors a person fixes in GitLab; other errors keep the default words. */
function describe(
  kind: ProviderErrorKind,
  status: number,
  vendor: string | undefined,
): string | undefined {
  const said = withoutStatus(status, vendor);
  if (kind === 'auth') {
    return (
      `HTTP ${status} — ${sentence(said ?? 'Unauthorized')} The token is missing, wrong, expired ` +
      'or revoked: set a new personal or project access token with the "api" scope.'
    );
  }
  if (kind === 'forbidden') {
    return (
      `HTTP ${status} — ${sentence(said ?? 'Forbidden')} The token works but may not do this: ` +
      'it needs the "api" scope ("read_api" cannot post notes) and at least the Reporter role ' +
      'in the project.'
    );
  }
  return undefined;
}

/** `RateLimit-Reset` (Unix seconds), else `RateLimit-ResetTime` (HTTP date), as epoch ms. */
export function gitlabRateLimitReset(
  headers: Record<string, string>,
  now: number,
): number | undefined {
  const reset = headers['ratelimit-reset']?.trim();
  if (reset && /^\d{1,12}$/.test(reset)) return Math.max(now, Number(reset) * 1000);
  const at = Date.parse(headers['ratelimit-resettime'] ?? '');
  return Number.isFinite(at) ? Math.max(now, at) : undefined;
}

/**
 * Throws notConfigured when `apiUrl` is a URL whose path does not end in `/api/v4`: the web
 * address answers HTML sign-in pages, never the API. An unparsable URL is left to the HTTP layer,
 * which names the problem.
 */
export function checkApiUrl(apiUrl: string): void {
  let url: URL;
  try {
    url = new URL(apiUrl.trim());
  } catch {
    return;
  }
  if (/\/api\/v4\/*$/i.test(url.pathname)) return;
  const shown = `${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
  // `https://HOST/gitlab` or `https://HOST/api/v3` both suggest `…/api/v4` under the same root.
  const root = url.pathname.replace(/\/+$/, '').replace(/\/api(\/v\d+)?$/i, '');
  throw new ProviderError(
    'notConfigured',
    `${GitLab}: ${shown} is not the REST API address. Set ${ApiUrlSetting} to the URL ending in ` +
      `/api/v4, e.g. ${url.origin}${root}/api/v4.`,
    { provider: GitLab, where: ApiUrlSetting },
  );
}

/** HTTP options for GitLab: PRIVATE-TOKEN, GitLab's error bodies and rate-limit headers. */
export function gitlabHttpOptions(
  settings: Pick<GitLabSettings, 'apiUrl'>,
  token: TokenSource,
): ProviderHttpOptions {
  return {
    provider: GitLab,
    baseUrl: settings.apiUrl,
    baseUrlSetting: ApiUrlSetting,
    // Runs before every request, so a wrong API path is reported before the token is read or sent.
    auth: async () => {
      checkApiUrl(settings.apiUrl);
      return { 'PRIVATE-TOKEN': await readToken(GitLab, token) };
    },
    vendorMessage: gitlabVendorMessage,
    rateLimitReset: gitlabRateLimitReset,
    describe,
  };
}

const author = z.looseObject({
  username: z.string(),
  name: z.optional(z.nullable(z.string())),
});

const noteSchema = z.looseObject({
  id: z.number(),
  body: z.optional(z.nullable(z.string())),
  author: z.optional(z.nullable(author)),
  created_at: z.string(),
  system: z.optional(z.nullable(z.boolean())),
});
const notesSchema = z.array(noteSchema);

/** One note as GitLab lists it. */
export type GitLabNote = z.infer<typeof noteSchema>;

/** How to walk an issue's notes. */
export interface NotesListing {
  /** `asc`: oldest first (the ticket); `desc`: newest first (the sender, which stops early). */
  sort: 'asc' | 'desc';
  /** Pages read at most (of 100 notes each). */
  maxPages: number;
  /** Stop after a page for which this is true (with `desc`: the page reached older notes). */
  enough?: (page: readonly GitLabNote[]) => boolean;
  signal?: AbortSignal;
}

/**
 * An issue's notes, system notes included, in the order asked for, following `x-next-page` until
 * the last page, `enough`, or `maxPages`.
 */
export async function listNotes(
  http: HttpClient,
  issuePath: string,
  opts: NotesListing,
): Promise<GitLabNote[]> {
  const path = `${issuePath}/notes`;
  const out: GitLabNote[] = [];
  let page = 1;
  for (let read = 0; read < opts.maxPages; read++) {
    const res = await http.request({
      path,
      query: { sort: opts.sort, order_by: 'created_at', per_page: NotesPerPage, page },
      signal: opts.signal,
    });
    const parsed = notesSchema.safeParse(res.data);
    if (!parsed.success) {
      const problems = validationProblems(parsed.error, res.data);
      throw new ProviderError(
        'invalidResponse',
        `${GitLab}: unexpected answer from ${path} (page ${page}): ${summarizeProblems(problems)}`,
        { provider: GitLab, status: res.status, where: problems[0]?.path },
      );
    }
    out.push(...parsed.data);
    if (opts.enough?.(parsed.data)) break;
    // Empty on the last page. A next page that does not move forward ends the walk.
    const next = Number(res.headers['x-next-page'] ?? '');
    if (!Number.isSafeInteger(next) || next <= page || parsed.data.length === 0) break;
    page = next;
  }
  return out;
}
