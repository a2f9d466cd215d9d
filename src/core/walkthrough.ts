// The Get Started walkthrough's decisions, without VS Code: the sample data, which settings a scratch
// folder must pin for the sample to show, whether an existing data file may be reused, and when a
// step's context key turns on. src/vscode/walkthrough.ts does the writing, the dialogs and the git calls.
import { DefaultTicketPatterns, compilePatterns, parseTicketKey } from './branch';
import { parseDataFile } from './dataFile';
import { Crms, Trackers, vendorById } from './providers/registry';
import type { QuestionState } from '../shared/sidebarState';
import type { Settings } from './settings';
import type { SessionSnapshot } from './viewModel';
import sample from './sampleData.json';

/** The walkthrough's id in `contributes.walkthroughs` (VS Code prefixes it with the extension id). */
export const WalkthroughId = 'gettingStarted';

/** The walkthrough's commands (contributed in package.json, registered by src/vscode/walkthrough.ts). */
export const WalkthroughCommandId = {
  open: 'customerContext.walkthrough.open',
  trySample: 'customerContext.walkthrough.trySample',
  connectTracker: 'customerContext.walkthrough.connectTracker',
  connectCrm: 'customerContext.walkthrough.connectCrm',
  chooseRoutes: 'customerContext.walkthrough.chooseRoutes',
} as const;

/** The walkthrough's steps, in order (VS Code's full id: `<extension id>#gettingStarted#<step>`). */
export const WalkthroughStep = ['sample', 'tracker', 'crm', 'routes', 'ask'] as const;
/** One of the walkthrough's steps. */
export type WalkthroughStepId = (typeof WalkthroughStep)[number];

/** Context keys the walkthrough's steps complete on (`onContext:`); `customerContext.hasTicket` is api.ts's. */
export const WalkthroughContextKey = {
  trackerConnected: 'customerContext.trackerConnected',
  crmConnected: 'customerContext.crmConnected',
  questionAsked: 'customerContext.questionAsked',
} as const;

/** The ticket the sample is about. */
export const SampleTicket = 'ACME-42';
/** The sample's branch, which names the sample ticket (the demo workspace's checked-out branch). */
export const SampleBranch = 'feature/ACME-42-export-pdf';
/** Where the sample data goes: the default `customerContext.localDataFile`. */
export const SampleDataFile = '.vscode/customer-context.json';
/** The scratch folder created inside a chosen folder that is not empty. */
export const ScratchFolderName = 'customer-context-sample';

/** YYYY-MM-DD of `now` + `days` in local time (the sidebar counts "in 5 days" in local time too). */
function dayFromNow(now: number, days: number): string {
  const d = new Date(now);
  d.setDate(d.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * The sample data file (src/core/sampleData.json, shared with the demo workspace's
 * scripts/sampleWorkspace.mjs), each deal's `closeInDays` turned into a close date relative to `now`
 * so the sample never ages.
 */
export function sampleData(now: number): object {
  const { '//': _about, deals, ...rest } = sample;
  const dated = Object.fromEntries(
    Object.entries(deals).map(([id, { closeInDays, ...deal }]) => [id, { ...deal, closeDate: dayFromNow(now, closeInDays) }]),
  );
  return { ...rest, deals: dated };
}

/** The sample data file's text, as written to disk. */
export function sampleDataText(now: number): string {
  return `${JSON.stringify(sampleData(now), null, 2)}\n`;
}

/**
 * What an existing data file means for the sample: `hasSample` when it already has the sample
 * ticket (the branch alone is enough), `other` when it is someone's data (never overwritten),
 * `invalid` when it does not parse (never overwritten either: it may be half-written work).
 */
export function existingDataFile(text: string): 'hasSample' | 'other' | 'invalid' {
  const parsed = parseDataFile(text);
  if (!parsed.ok) return 'invalid';
  return Object.prototype.hasOwnProperty.call(parsed.data.tickets, SampleTicket) ? 'hasSample' : 'other';
}

/** The settings that decide whether the sample shows in a folder. */
export type SampleSettings = Pick<Settings, 'tracker' | 'crm' | 'localDataFile' | 'projectKeys' | 'ticketPatterns'>;

/** Whether the sample branch reads back as the sample ticket with these patterns and project keys. */
export function sampleBranchReadsBack(ticketPatterns: readonly string[] | undefined, projectKeys: readonly string[]): boolean {
  return parseTicketKey(SampleBranch, compilePatterns(ticketPatterns), projectKeys, 'project') === SampleTicket;
}

/** Whether the folder's tracker and CRM both read the data file (else the sample cannot show there). */
export function readsDataFile(s: Pick<Settings, 'tracker' | 'crm'>): boolean {
  return !!vendorById(s.tracker)?.dataFile && !!vendorById(s.crm)?.dataFile;
}

/** The data-file vendor's id among the trackers and among the CRMs (the registry's, never spelled here). */
function dataFileVendor(list: ReadonlyArray<{ id: string; dataFile?: boolean }>): string {
  const v = list.find((x) => x.dataFile);
  if (!v) throw new Error('The vendor registry has no data-file vendor.');
  return v.id;
}

/**
 * The workspace settings a new scratch folder needs so the sample shows whatever the user settings
 * say (`customerContext.<key>` → value), or undefined when the user settings already suit it.
 */
export function scratchSettings(user: SampleSettings): Record<string, unknown> | undefined {
  const pins: Record<string, unknown> = {};
  if (!vendorById(user.tracker)?.dataFile) pins['customerContext.tracker'] = dataFileVendor(Trackers);
  if (!vendorById(user.crm)?.dataFile) pins['customerContext.crm'] = dataFileVendor(Crms);
  if (user.localDataFile !== SampleDataFile) pins['customerContext.localDataFile'] = SampleDataFile;
  const patterns = sampleBranchReadsBack(user.ticketPatterns, []) ? user.ticketPatterns : [...DefaultTicketPatterns];
  if (patterns !== user.ticketPatterns) pins['customerContext.ticketPatterns'] = patterns;
  if (!sampleBranchReadsBack(patterns, user.projectKeys)) pins['customerContext.projectKeys'] = [];
  return Object.keys(pins).length > 0 ? pins : undefined;
}

/** `.vscode/settings.json` text for the pins. */
export function settingsText(pins: Record<string, unknown>): string {
  return `${JSON.stringify(pins, null, 2)}\n`;
}

/** The scratch folder's name inside a folder holding `taken` entries: the first free numbered name. */
export function scratchFolderName(taken: readonly string[]): string {
  const lower = new Set(taken.map((n) => n.toLowerCase()));
  for (let i = 1; ; i++) {
    const name = i === 1 ? ScratchFolderName : `${ScratchFolderName}-${i}`;
    if (!lower.has(name)) return name;
  }
}

/**
 * The files of an empty git repository whose unborn HEAD is `branch` (what `git init` then
 * `git checkout -b` leave): used when VS Code's Git extension is off. Paths are relative to the folder.
 */
export function emptyRepository(branch: string): { dirs: string[]; files: Array<{ path: string; text: string }> } {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(branch) || branch.includes('..') || branch.endsWith('/') || branch.endsWith('.lock')) {
    throw new Error(`Not a branch name Customer Context writes: ${JSON.stringify(branch)}.`);
  }
  return {
    dirs: ['.git', '.git/objects', '.git/refs', '.git/refs/heads', '.git/refs/tags'],
    files: [
      { path: '.git/HEAD', text: `ref: refs/heads/${branch}\n` },
      { path: '.git/config', text: '[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tlogallrefupdates = true\n' },
    ],
  };
}

/** What the tracker and CRM steps learn from a session snapshot: a shown ticket came from both. */
export function connectedFrom(s: Pick<SessionSnapshot, 'context'>): { tracker: boolean; crm: boolean } {
  const served = !!s.context;
  return { tracker: served, crm: served };
}

/** Whether any question was saved for sending (queued, sent or answered; a failed one does not count). */
export function questionAsked(states: readonly QuestionState[]): boolean {
  return states.some((s) => s !== 'Failed');
}

/**
 * What *Configure* returned for one half: `ok` when every test call answered, `failed` when one did
 * not, `none` when there was no test call (a vendor without one, a cancelled flow, an older Configure
 * that returns nothing).
 */
export function testVerdict(result: unknown): 'ok' | 'failed' | 'none' {
  if (!Array.isArray(result) || result.length === 0) return 'none';
  const valid = result.every((r) => typeof r === 'object' && r !== null && typeof (r as { ok?: unknown }).ok === 'boolean');
  if (!valid) return 'none';
  return result.every((r) => (r as { ok: boolean }).ok) ? 'ok' : 'failed';
}
