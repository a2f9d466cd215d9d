// GitLab issues over REST v4. One GET for the issue, and its notes only when it has any (one GET
// per 100 notes, at most MaxTicketPages). The worklist is one page of the project's issues list
// (worklist.ts).
import * as z from 'zod/mini';
import { ProviderError, isProviderError } from '../../errors';
import type { HttpClient } from '../../http';
import type { Ticket, TicketComment } from '../../model';
import { summarizeProblems, validationProblems } from '../../validation';
import { dealRefsFromLabels, extractDealRefsFromText } from '../dealRefs';
import type { TicketTracker } from '../types';
import { GitLab, ProjectSetting, listNotes, type GitLabSettings } from './api';
import { ProjectRe, issueApiPath, parseIssueKey, projectApiPath, unscopedDealLabel } from './keys';
import { WorklistPageSize, refusedQuery, worklistLimit, worklistParams } from './worklist';

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
const issuesSchema = z.array(issueSchema);
const userSchema = person;

type Issue = z.infer<typeof issueSchema>;

/** The ticket for an issue answer and its (user) comments. */
function toTicket(issue: Issue, comments: TicketComment[]): Ticket {
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
    comments,
  };
}

/** A GitLab tracker for keys like `#123` (or `group/project#123`) in `settings.project`. */
export function gitlabTracker(
  http: HttpClient,
  settings: Pick<GitLabSettings, 'project'> & { worklistQuery?: string },
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
      return toTicket(
        issue,
        notes
          .filter((n) => !n.system)
          .map((n) => ({
            id: String(n.id),
            author: n.author?.name || n.author?.username || 'Ghost User',
            created: n.created_at,
            text: n.body ?? '',
          })),
      );
    },
    async listMine(options, signal) {
      const max = worklistLimit(options.limit);
      if (max === 0) return [];
      const project = settings.project.trim();
      if (!ProjectRe.test(project)) {
        throw new ProviderError(
          'notConfigured',
          `${GitLab}: no project is known. Set ${ProjectSetting} to group/project or the ` +
            "project's numeric id.",
          { provider: GitLab, where: ProjectSetting },
        );
      }
      const { params, source } = worklistParams(options.query, settings.worklistQuery);
      const path = `${projectApiPath(project)}/issues`;
      const perPage = Math.min(WorklistPageSize, max);
      const out: Issue[] = [];
      let page = 1;
      try {
        while (out.length < max) {
          const res = await http.request({
            path,
            query: { ...params, per_page: perPage, page },
            signal,
          });
          const parsed = issuesSchema.safeParse(res.data);
          if (!parsed.success) {
            const problems = validationProblems(parsed.error, res.data);
            throw new ProviderError(
              'invalidResponse',
              `${GitLab}: unexpected answer from ${path} (page ${page}): ` +
                summarizeProblems(problems),
              { provider: GitLab, status: res.status, where: problems[0]?.path },
            );
          }
          out.push(...parsed.data);
          // Empty on the last page; a next page that does not move forward ends the walk.
          const next = Number(res.headers['x-next-page'] ?? '');
          if (!Number.isSafeInteger(next) || next <= page || parsed.data.length === 0) break;
          page = next;
        }
      } catch (e) {
        if (isProviderError(e, 'notFound')) throw projectNotFound(e, project);
        throw refusedQuery(e, source);
      }
      return out.slice(0, max).map((issue) => toTicket(issue, []));
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

/** A 404 for the project: a setting (or the git remote) to fix. */
function projectNotFound(e: ProviderError, project: string): ProviderError {
  const vendor = e.details.vendorMessage;
  return new ProviderError(
    'notFound',
    `${GitLab}: project ${project} was not found${vendor ? ` (${vendor})` : ''}. Check ` +
      `${ProjectSetting} or the git remote; a private project also answers 404 when the token ` +
      'may not see it.',
    { ...e.details, where: ProjectSetting },
  );
}

/** A 404 told apart: the project (a setting to fix) or the issue in it. */
function notFound(e: ProviderError, project: string, iid: number): ProviderError {
  const vendor = e.details.vendorMessage ?? '';
  if (/project not found/i.test(vendor)) return projectNotFound(e, project);
  return new ProviderError(
    'notFound',
    `${GitLab}: issue #${iid} was not found in ${project}${vendor ? ` (${vendor})` : ''}; ` +
      'a confidential issue also answers 404 when the token may not see it.',
    e.details,
  );
}
