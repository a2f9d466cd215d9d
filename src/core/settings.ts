// Settings: parsed key by key, so one bad value falls back to its default with a message naming the
// setting, and every other setting still applies.
import * as z from 'zod/mini';
import { isLoopbackHost } from './http';
import { Languages, type LanguageSetting } from './l10n';
import { CrmIds, TrackerIds, VendorSchemas, VendorSettingSpecs, type VendorSettings, vendorById } from './providers/registry';
import { RouteNames } from './questions/question';

const str = z.string();
const strArray = z.array(z.string());

/** The shortest cache lifetime honoured: a workspace setting of 0 must not turn refreshes into a request storm. */
export const MinCacheTtlSeconds = 30;

const coreSchemas = {
  ticketPatterns: z.optional(strArray),
  projectKeys: strArray,
  tracker: z.enum(TrackerIds),
  crm: z.enum(CrmIds),
  localDataFile: str,
  branchTemplate: str,
  'questions.routes': z.array(z.enum(RouteNames)),
  'privacy.hideAmounts': z.boolean(),
  'progress.notify': z.boolean(),
  'statusBar.showWhenNoTicket': z.boolean(),
  'cache.ttlSeconds': z.number().check(z.nonnegative()),
  language: z.enum(['auto', ...Languages] as [LanguageSetting, ...LanguageSetting[]]),
} as const;

const schemas = { ...coreSchemas, ...VendorSchemas };

type CoreSettings = { [K in keyof typeof coreSchemas]: z.infer<(typeof coreSchemas)[K]> };
export type Settings = CoreSettings & VendorSettings;
export type SettingKey = keyof Settings & string;

const coreDefaults: CoreSettings = {
  ticketPatterns: undefined,
  projectKeys: [],
  tracker: TrackerIds[0],
  crm: CrmIds[0],
  localDataFile: '.vscode/customer-context.json',
  branchTemplate: 'feature/${key}-${slug}',
  'questions.routes': ['crm'],
  'privacy.hideAmounts': false,
  'progress.notify': false,
  'statusBar.showWhenNoTicket': true,
  'cache.ttlSeconds': 300,
  language: 'auto',
};

export const SettingDefaults = {
  ...coreDefaults,
  ...Object.fromEntries(VendorSettingSpecs.map((s) => [s.key, s.spec.default])),
} as Settings;

export const SettingKeys = Object.keys(schemas) as SettingKey[];

/** Settings whose value decides where a credential is sent: read from user settings only. */
export const MachineSettings: readonly SettingKey[] = VendorSettingSpecs.filter((s) => s.spec.scope === 'machine').map((s) => s.key);

/** Settings a folder in Restricted Mode ignores (its values could pick what is fetched and how often). */
export const RestrictedSettings: readonly SettingKey[] = [
  'ticketPatterns', 'projectKeys', 'tracker', 'crm', 'localDataFile', 'branchTemplate', 'questions.routes', 'cache.ttlSeconds',
  ...VendorSettingSpecs.filter((s) => s.spec.scope === 'resource').map((s) => s.key),
];

/** The settings of one vendor without its prefix (`baseUrl`), as its factories take them. */
export function vendorSettings(settings: Settings, vendorId: string): Record<string, unknown> {
  const prefix = `${vendorId}.`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** Validates raw values (undefined = default). */
export function parseSettings(raw: Partial<Record<SettingKey, unknown>>): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const settings = { ...SettingDefaults } as Record<SettingKey, unknown>;
  for (const key of SettingKeys) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    const parsed = (schemas as Record<SettingKey, z.ZodMiniType>)[key].safeParse(value);
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

/** What the sidebar says in Restricted Mode when the settings name a remote service. */
export const RestrictedNotice =
  'Restricted Mode: Customer Context reaches no tracker or CRM and sends no question from a folder you have not trusted; it shows the data file only. Trust the folder to turn remote data on.';

/** The settings a folder in Restricted Mode runs with: no remote tracker or CRM, whatever the settings name. */
export function restrictSettings(settings: Settings): Settings {
  const remote = (id: string) => vendorById(id)?.remote !== false;
  return { ...settings, tracker: remote(settings.tracker) ? TrackerIds[0] : settings.tracker, crm: remote(settings.crm) ? CrmIds[0] : settings.crm };
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
