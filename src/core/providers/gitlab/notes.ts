// Questions as GitLab issue notes (Markdown). Reconcile and answers walk the notes newest first and
// stop at the page that reaches back before the question, so a long issue costs one or two requests
// per answer check, not one per hundred notes it ever had.
import { ProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import type { TicketComment } from '../../model';
import { markdownComment, safeUrl } from '../../questions/messages';
import type { Question } from '../../questions/question';
import type { RouteSender } from '../../questions/sender';
import { findOurs, firstAnswer, str } from '../../questions/routes';
import { GitLab, ProjectSetting, listNotes, type GitLabNote, type GitLabSettings } from './api';
import { ProjectRe, issueApiPath, parseIssueKey } from './keys';

/** Pages of 100 notes a reconcile or an answer check reads at most. */
export const MaxSenderPages = 10;
/** Clock skew allowed between this machine (the question's time) and GitLab (the note's). */
const SkewMs = 10 * 60_000;

/** Notes on the GitLab issue; reconciles by the marker; answers are later notes by others. */
export function gitlabNoteSender(
  http: HttpClient,
  settings: Pick<GitLabSettings, 'project'>,
): RouteSender {
  const issuePath = (q: Question): string => {
    const ref = parseIssueKey(q.ticket.key);
    if (!ref) {
      throw new ProviderError(
        'badRequest',
        `${GitLab}: "${q.ticket.key.slice(0, 100)}" is not an issue number (like #123).`,
        { provider: GitLab },
      );
    }
    const project = ref.project ?? settings.project.trim();
    if (!ProjectRe.test(project)) {
      throw new ProviderError(
        'notConfigured',
        `${GitLab}: no project is known. Set ${ProjectSetting} to group/project or the ` +
          "project's numeric id.",
        { provider: GitLab, where: ProjectSetting },
      );
    }
    return issueApiPath(project, ref.iid);
  };

  const noteUrl = (q: Question) => (id: string) => {
    const issue = safeUrl(q.ticket.url);
    return issue ? `${issue.replace(/#.*$/, '')}#note_${id}` : undefined;
  };

  /** Notes from shortly before the question on, oldest first, without system notes. */
  async function recent(q: Question, signal?: AbortSignal) {
    const since = (Date.parse(q.createdAt) || 0) - SkewMs;
    const older = (n: GitLabNote) => (Date.parse(n.created_at) || 0) < since;
    const notes = await listNotes(http, issuePath(q), {
      sort: 'desc',
      maxPages: MaxSenderPages,
      enough: (page) => page.some(older),
      signal,
    });
    return notes
      .filter((n) => !n.system && !older(n))
      .reverse()
      .map((n) => ({
        comment: {
          id: String(n.id),
          // Matched by user name (unique); display names are not.
          author: n.author?.username ?? '',
          created: n.created_at,
          text: n.body ?? '',
        } as TicketComment,
        name: n.author?.name || n.author?.username || undefined,
      }));
  }

  return {
    async send(q, signal) {
      const res = await http.request({
        method: 'POST',
        path: `${issuePath(q)}/notes`,
        body: { body: markdownComment(q) },
        signal,
      });
      const id = str((res.data as Record<string, unknown> | null)?.id);
      return { remoteId: id, remoteUrl: id ? noteUrl(q)(id) : undefined };
    },
    async reconcile(q, signal) {
      const rows = await recent(q, signal);
      return findOurs(
        q,
        rows.map((r) => r.comment),
        noteUrl(q),
      );
    },
    async answer(q, _remote, signal) {
      const rows = await recent(q, signal);
      const a = firstAnswer(
        q,
        rows.map((r) => r.comment),
      );
      if (!a) return undefined;
      return { ...a, by: rows.find((r) => r.comment.author === a.by)?.name ?? a.by };
    },
  };
}
