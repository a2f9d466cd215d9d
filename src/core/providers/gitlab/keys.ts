// Pure GitLab naming rules (no HTTP): project paths and ids, issue keys, the API path of a project,
// scoped deal labels, and the project taken from a git remote. Kept apart so the descriptor (main
// bundle) can use them without pulling in the client.

// A path is namespace/project, subgroups allowed; GitLab paths use ASCII letters, digits, `_`, `.`,
// `-`. The two character classes exclude `/`, so matching never backtracks.
const PROJECT = String.raw`(?:\d{1,12}|[\w.-]+(?:/[\w.-]+)+)`;
/** A project: `group/sub/project` or a numeric id. */
export const ProjectRe = new RegExp(`^${PROJECT}$`);
/** The `gitlab.project` setting: empty (from the git remote) or a project. */
export const ProjectSettingRe = new RegExp(`^(?:|${PROJECT})$`);

const KEY_RE = new RegExp(String.raw`^(?:([\w.-]+(?:/[\w.-]+)+)#|#)?(\d{1,9})$`);
/** Longer keys are no issue reference; checked before any pattern runs. */
const MAX_KEY = 300;

/** An issue reference: its project when the key names one (`group/project#12`), and its iid. */
export interface IssueRef {
  project?: string;
  iid: number;
}

/** `#123`, `123` or `group/sub/project#123`; undefined for anything else. */
export function parseIssueKey(key: string): IssueRef | undefined {
  const k = key.trim();
  if (k.length > MAX_KEY) return undefined;
  const m = KEY_RE.exec(k);
  if (!m) return undefined;
  const iid = Number(m[2]);
  return iid > 0 ? { project: m[1], iid } : undefined;
}

/** `/projects/group%2Fsub%2Fproject` (or `/projects/42`): GitLab wants the path as one segment. */
export function projectApiPath(project: string): string {
  return `/projects/${encodeURIComponent(project)}`;
}

/** `/projects/…/issues/123`. */
export function issueApiPath(project: string, iid: number): string {
  return `${projectApiPath(project)}/issues/${iid}`;
}

/**
 * A scoped label `deal::4217` as the plain `deal:4217` the shared label reader knows; any other
 * label unchanged. Scoped labels are exclusive in GitLab (one `deal::` label per issue), so more
 * than one deal takes `deal:ID` labels or links in the description.
 */
export function unscopedDealLabel(label: string): string {
  let i = 0;
  while (i < label.length && /\s/.test(label[i])) i++;
  if (label.slice(i, i + 4).toLowerCase() !== 'deal') return label;
  let j = i + 4;
  while (j < label.length && label[j] === ' ') j++;
  return label.startsWith('::', j) ? `deal:${label.slice(j + 2)}` : label;
}

/**
 * The project of a git remote's path on this GitLab. With a relative URL root
 * (`https://HOST/gitlab/api/v4`) HTTPS remotes carry the root (`gitlab/group/project`) and SSH
 * remotes do not, so the root is dropped when the rest still names a project.
 */
export function projectFromRemotePath(
  remotePath: string | undefined,
  apiUrl: string,
): string | undefined {
  if (!remotePath) return undefined;
  let root = '';
  try {
    root = new URL(apiUrl.trim()).pathname.replace(/\/+$/, '').replace(/\/api\/v4$/i, '');
  } catch {
    return ProjectRe.test(remotePath) ? remotePath : undefined;
  }
  const prefix = root.replace(/^\/+/, '');
  let path = remotePath;
  if (prefix && path.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)) {
    const rest = path.slice(prefix.length + 1);
    if (rest.includes('/')) path = rest;
  }
  return ProjectRe.test(path) ? path : undefined;
}
