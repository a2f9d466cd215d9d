// GitLab Issues (GitLab.com or self-managed `https://HOST/api/v4`, a relative URL root included).
import * as z from 'zod/mini';
import { defineVendor, setting } from '../vendor';
import { ProjectSettingRe } from './keys';

/** The GitLab vendor: issues as tickets, questions as issue notes. */
export const gitlab = defineVendor({
  id: 'gitlab',
  label: 'GitLab',
  description: 'GitLab Issues (GitLab.com or self-managed)',
  kinds: ['tracker'],
  remote: true,
  // GitLab's own branch names are `123-title-slug`: the leading number is issue #123.
  numericKeys: true,
  settings: {
    apiUrl: setting(z.string(), 'https://gitlab.com/api/v4', 'machine'),
    project: setting(
      z
        .string()
        .check(
          z.regex(
            ProjectSettingRe,
            'expected group/project (subgroups allowed: group/sub/project) or a numeric id',
          ),
        ),
      '',
    ),
    // Issues list parameters (labels=клиент&scope=all) or search words for the worklist; empty:
    // my open issues (see worklist.ts).
    worklistQuery: setting(z.string(), ''),
  },
  credential: {
    kind: 'token',
    env: 'CUSTOMER_CONTEXT_GITLAB_TOKEN',
    envUrl: 'CUSTOMER_CONTEXT_GITLAB_URL',
    urlSetting: 'apiUrl',
  },
  tokenHelp:
    'In GitLab: your avatar › Edit profile › Access tokens › Add new token ' +
    '(/-/user_settings/personal_access_tokens), scope "api"; or a project access token: the ' +
    'project’s Settings › Access tokens, role Reporter or higher, scope "api". ' +
    '"read_api" reads issues but cannot post questions as notes.',
});
