// GitLab issues over REST v4. One GET for the issue, and its notes only when it has any (one GET
// per 100 notes, at most MaxTicketPages).
import * as z from 'zod/mini';
import { ProviderError, isProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import type { Ticket } from '../../model';
import { dealRefsFromLabels, extractDealRefsFromText } from '../dealRefs';
import type { TicketTracker } from '../types';
import { GitLab, ProjectSetting, listNotes, type GitLabSettings } from './api';
import { ProjectRe, issueApiPath, parseIssueKey, unscopedDealLabel } from './keys';

/** Notes pages read for a ticket: 500 notes, system notes included, oldest first. */
export const MaxTicketPages = 5;

const person = z.looseObject({
  username: z.string(),
  name: z.optional(z.nullable(z.string())),
});
// `with_labels_details=true` turns labels into objects; both forms are read.
const label = z.union([z.string(), z.looseObject({ name: z.string() })]);
const issueSchema = z.looseObject({
  iid: z.number(),
  title: z.string(),
  description: z.optional(z.nullable(z.string())),
  state: z.string(),
  web_url: z.string(),
  labels: z.optional(z.nullable(z.array(label))),
  assignee: z.optional(z.nullable(person)),
  assignees: z.optional(z.nullable(z.array(person))),
  user_notes_count: z.optional(z.nullable(z.number())),
  moved_to_id: z.optional(z.nullable(z.number())),
});
const userSchema = person;

/** A GitLab tracker for keys like `#123` (or `group/project#123`) in `settings.project`. */
export function gitlabTracker(
  http: HttpClient,
  settings: Pick<GitLabSettings, 'project'>,
): TicketTracker {
  function target(key: string): { project: string; iid: number } {
    const ref = parseIssueKey(key);
    if (!ref) {
      const message = `${GitLab}: "${key.slice(0, 100)}" is not an issue number (like #123).`;
      throw new ProviderError('notFound', message, { provider: GitLab });
    }
    const project = ref.project ?? settings.project.trim();
    if (!ProjectRe.test(project)) {
      throw new ProviderError(
        'notConfigured',
        `${GitLab}: no project is known` +
          `${project ? ` ("${project.slice(0, 100)}" is not one)` : ''}. ` +
          `Set ${ProjectSetting} to group/project or the project's numeric id.`,
        { provider: GitLab, where: ProjectSetting },
      );
    }
    return { project, iid: ref.iid };
  }

  return {
    kind: 'gitlab',
    label: GitLab,
    async getTicket(key: string, signal?: AbortSignal): Promise<Ticket> {
      const { project, iid } = target(key);
      const path = issueApiPath(project, iid);
      let issue: z.infer<typeof issueSchema>;
      try {
        issue = await http.json({ path, signal }, issueSchema);
      } catch (e) {
        if (isProviderError(e, 'notFound')) throw notFound(e, project, iid);
        throw e;
      }
      // No user notes (system ones are not counted and not shown): the notes call is skipped.
      const notes =
        issue.user_notes_count === 0
          ? []
          : await listNotes(http, path, { sort: 'asc', maxPages: MaxTicketPages, signal });
      const labels = (issue.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name));
      const assignees = issue.assignees?.length
        ? issue.assignees
        : issue.assignee
          ? [issue.assignee]
          : [];
      return {
        key: `#${issue.iid}`,
        title: issue.title,
        status: status(issue.state, issue.moved_to_id),
        url: issue.web_url,
        assignee: assignees.map((a) => a.name || `@${a.username}`).join(', ') || undefined,
        labels,
        dealRefs: [
          ...new Set([
            ...dealRefsFromLabels(labels.map(unscopedDealLabel)),
            ...extractDealRefsFromText(issue.description),
          ]),
        ],
        comments: notes
          .filter((n) => !n.system)
          .map((n) => ({
            id: String(n.id),
            author: n.author?.name || n.author?.username || 'Ghost User',
            created: n.created_at,
            text: n.body ?? '',
          })),
      };
    },
    async whoAmI(signal?: AbortSignal): Promise<string> {
      const me = await http.json({ path: '/user', signal }, userSchema);
      return me.name ? `${me.name} (@${me.username})` : `@${me.username}`;
    },
  };
}

/** `opened` reads as GitLab's UI says it: open. */
function status(state: string, movedTo: number | null | undefined): string {
  if (state === 'opened') return 'open';
  if (state === 'closed' && movedTo) return 'closed (moved)';
  return state;
}

/** A 404 told apart: the project (a setting to fix) or the issue in it. */
function notFound(e: ProviderError, project: string, iid: number): ProviderError {
  const vendor = e.details.vendorMessage ?? '';
  if (/project not found/i.test(vendor)) {
    return new ProviderError(
      'notFound',
      `${GitLab}: project ${project} was not found (${vendor}). Check ${ProjectSetting} or ` +
        'the git remote; a private project also answers 404 when the token may not see it.',
      { ...e.details, where: ProjectSetting },
    );
  }
  return new ProviderError(
    'notFound',
    `${GitLab}: issue #${iid} was not found in ${project}${vendor ? ` (${vendor})` : ''}; ` +
      'a confidential issue also answers 404 when the token may not see it.',
    e.details,
  );
}
