// The HTTP half of GitLab (remote bundle): one client per origin, shared by tracker and sender.
import { ProviderError } from '../../errors';
import type { VendorContext, VendorFactories, VendorSettingsOf } from '../vendor';
import { GitLab, ProjectSetting, gitlabHttpOptions } from './api';
import type { gitlab } from './index';
import { projectFromRemotePath } from './keys';
import { gitlabNoteSender } from './notes';
import { gitlabTracker } from './tracker';

type Ctx = VendorContext<VendorSettingsOf<typeof gitlab>>;

const client = (ctx: Ctx) =>
  ctx.client(gitlabHttpOptions({ apiUrl: ctx.settings.apiUrl }, ctx.token(ctx.settings.apiUrl)));

/** The project from the setting, else from the git remote on this GitLab; else notConfigured. */
export function gitlabProject(
  ctx: Pick<Ctx, 'repositoryFromRemote'> & { settings: Pick<Ctx['settings'], 'apiUrl' | 'project'> },
): string {
  const { apiUrl, project } = ctx.settings;
  const found = project.trim() || projectFromRemotePath(ctx.repositoryFromRemote(apiUrl), apiUrl);
  if (!found) {
    throw new ProviderError(
      'notConfigured',
      `${GitLab}: set ${ProjectSetting} (group/project or a numeric id); no remote of this ` +
        `repository is on the host of customerContext.gitlab.apiUrl.`,
      { provider: GitLab, where: ProjectSetting },
    );
  }
  return found;
}

/** GitLab's tracker and issue-note sender. */
export const gitlabFactories: VendorFactories<VendorSettingsOf<typeof gitlab>> = {
  tracker: (ctx) =>
    gitlabTracker(client(ctx), {
      project: gitlabProject(ctx),
      worklistQuery: ctx.settings.worklistQuery,
    }),
  sender: (ctx) => gitlabNoteSender(client(ctx), { project: gitlabProject(ctx) }),
};
