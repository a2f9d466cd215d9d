// The HTTP half of GitHub (remote bundle).
import { ProviderError } from '../../errors';
import type { VendorContext, VendorFactories, VendorSettingsOf } from '../vendor';
import { githubCommentSender } from './comments';
import type { github } from './index';
import { githubHttpOptions, githubTracker } from './tracker';

type Ctx = VendorContext<VendorSettingsOf<typeof github>>;
const client = (ctx: Ctx) => ctx.client(githubHttpOptions({ apiUrl: ctx.settings.apiUrl }, ctx.token(ctx.settings.apiUrl)));

/** `owner/repo` from the setting or the git remote; notConfigured naming the setting otherwise. */
function repository(ctx: Ctx): string {
  const repo = ctx.settings.repository || ctx.repositoryFromRemote(ctx.settings.apiUrl);
  if (!repo) {
    throw new ProviderError('notConfigured', 'GitHub: set customerContext.github.repository (owner/repo); no GitHub remote was found in this repository.', { where: 'customerContext.github.repository' });
  }
  return repo;
}

/** GitHub's tracker and issue-comment sender. */
export const githubFactories: VendorFactories<VendorSettingsOf<typeof github>> = {
  tracker: (ctx) =>
    githubTracker(client(ctx), {
      repository: repository(ctx),
      worklistQuery: ctx.settings.worklistQuery,
    }),
  sender: (ctx) => githubCommentSender(client(ctx), { repository: repository(ctx) }),
};
