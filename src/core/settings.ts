// Settings: parsed key by key, so one bad value falls back to its default with a message naming the
// setting, and every other setting still applies.
import * as z from 'zod/mini';
import { isLoopbackHost } from './http';
import { RouteNames } from './questions/question';

const str = z.string();
const strArray = z.array(z.string());

const schemas = {
  ticketPatterns: z.optional(strArray),
  projectKeys: strArray,
  tracker: z.enum(['local', 'jira', 'github', 'linear']),
  crm: z.enum(['local', 'csv', 'hubspot', 'salesforce', 'pipedrive']),
  localDataFile: str,
  'csv.file': str,
  'csv.columns': z.partialRecord(
    z.enum(['ticket', 'customer', 'amount', 'currency', 'stage', 'closeDate', 'owner', 'ownerEmail', 'url', 'id']),
    z.string(),
  ),
  'jira.baseUrl': str,
  'jira.email': str,
  'jira.deployment': z.enum(['cloud', 'datacenter']),
  'jira.dealField': str,
  'github.apiUrl': str,
  'github.repository': z.string().check(z.regex(/^$|^[\w.-]+\/[\w.-]+$/, 'expected owner/repo')),
  'linear.apiUrl': str,
  'hubspot.apiUrl': str,
  'hubspot.ticketProperty': str,
  'salesforce.instanceUrl': str,
  'salesforce.ticketField': str,
  'pipedrive.apiUrl': str,
  'pipedrive.ticketField': str,
  'questions.routes': z.array(z.enum(RouteNames)),
  'privacy.hideAmounts': z.boolean(),
  'statusBar.showWhenNoTicket': z.boolean(),
  'cache.ttlSeconds': z.number().check(z.nonnegative()),
} as const;

export type SettingKey = keyof typeof schemas;
export type Settings = { [K in SettingKey]: z.infer<(typeof schemas)[K]> };

export const SettingDefaults: Settings = {
  ticketPatterns: undefined,
  projectKeys: [],
  tracker: 'local',
  crm: 'local',
  localDataFile: '.vscode/customer-context.json',
  'csv.file': '',
  'csv.columns': {},
  'jira.baseUrl': '',
  'jira.email': '',
  'jira.deployment': 'cloud',
  'jira.dealField': '',
  'github.apiUrl': 'https://api.github.com',
  'github.repository': '',
  'linear.apiUrl': 'https://api.linear.app/graphql',
  'hubspot.apiUrl': 'https://api.hubapi.com',
  'hubspot.ticketProperty': '',
  'salesforce.instanceUrl': '',
  'salesforce.ticketField': '',
  'pipedrive.apiUrl': 'https://api.pipedrive.com',
  'pipedrive.ticketField': '',
  'questions.routes': ['crm'],
  'privacy.hideAmounts': false,
  'statusBar.showWhenNoTicket': true,
  'cache.ttlSeconds': 300,
};

export const SettingKeys = Object.keys(schemas) as SettingKey[];

/** Settings whose value decides where a credential is sent: read from user settings only. */
export const MachineSettings: readonly SettingKey[] = [
  'jira.baseUrl',
  'jira.email',
  'jira.deployment',
  'github.apiUrl',
  'linear.apiUrl',
  'hubspot.apiUrl',
  'salesforce.instanceUrl',
  'pipedrive.apiUrl',
];

/** Validates raw values (undefined = default). */
export function parseSettings(raw: Partial<Record<SettingKey, unknown>>): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const settings = { ...SettingDefaults } as Record<SettingKey, unknown>;
  for (const key of SettingKeys) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    const parsed = schemas[key].safeParse(value);
    if (parsed.success) settings[key] = parsed.data;
    else {
      const issue = parsed.error.issues[0];
      const detail = issue?.code === 'invalid_value' && 'values' in issue
        ? `expected one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
        : issue?.message && issue.message !== 'Invalid input' ? issue.message : `expected ${describeExpected(key)}`;
      problems.push(`customerContext.${key}: ${detail}; using the default.`);
    }
  }
  return { settings: settings as Settings, problems };
}

function describeExpected(key: SettingKey): string {
  const d = SettingDefaults[key];
  if (Array.isArray(d) || key === 'ticketPatterns') return 'a list of strings';
  if (typeof d === 'object') return 'an object of strings';
  return `a ${typeof d}`;
}

/** Whether a URL may receive credentials: https, or http on a loopback address. */
export function credentialUrlProblem(setting: string, url: string): string | undefined {
  if (!url) return `${setting} is not set.`;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `${setting} is not a valid URL: ${JSON.stringify(url)}.`;
  }
  if (u.username || u.password) return `${setting} must not contain a user name or password.`;
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return undefined;
  return `${setting} must use https:// (plain http:// is accepted only for loopback addresses).`;
}
