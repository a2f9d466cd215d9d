// The Get Started walkthrough: its sample data is the demo workspace's and reads back as ticket ACME-42,
// a scratch folder's pinned settings make the sample show whatever the user settings say (property),
// the empty repository it writes without the Git extension is one real git accepts, the steps' keys
// turn on from the right facts, and package.json contributes the walkthrough with themed images,
// working command links and every text in English, Russian and Arabic.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { DefaultTicketPatterns } from '../../src/core/branch';
import { parseDataFile } from '../../src/core/dataFile';
import { CrmIds, TrackerIds } from '../../src/core/providers/registry';
import { SettingDefaults, parseSettings } from '../../src/core/settings';
import {
  SampleBranch,
  SampleDataFile,
  SampleTicket,
  ScratchFolderName,
  WalkthroughCommandId,
  WalkthroughContextKey,
  WalkthroughId,
  WalkthroughStep,
  connectedFrom,
  emptyRepository,
  existingDataFile,
  questionAsked,
  readsDataFile,
  sampleBranchReadsBack,
  sampleData,
  sampleDataText,
  scratchFolderName,
  scratchSettings,
  testVerdict,
} from '../../src/core/walkthrough';
import { ContextKey } from '../../src/shared/ids';
import { projectRoot } from './projectRoot';

const root = projectRoot;

const defaults = {
  tracker: SettingDefaults.tracker,
  crm: SettingDefaults.crm,
  localDataFile: SettingDefaults.localDataFile,
  projectKeys: SettingDefaults.projectKeys,
  ticketPatterns: SettingDefaults.ticketPatterns,
};

describe('walkthrough: sample data', () => {
  it('is the demo workspace’s data (scripts/sampleWorkspace.mjs), dates included', async () => {
    const script = (await import(pathToFileURL(path.join(root, 'scripts', 'sampleWorkspace.mjs')).href)) as { sampleData(now: number): unknown };
    // Month and year ends, where "in 5 days" and "3 days ago" cross a boundary.
    for (const now of [Date.UTC(2026, 0, 30, 12), Date.UTC(2026, 11, 29, 23, 30), Date.UTC(2028, 1, 27, 1), Date.now()]) {
      assert.deepEqual(sampleData(now), script.sampleData(now), `sample data at ${new Date(now).toISOString()}`);
    }
  });

  it('parses as a data file without warnings, with the sample ticket and its two deals', () => {
    const parsed = parseDataFile(sampleDataText(Date.UTC(2026, 5, 1)));
    assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
    assert.deepEqual(parsed.warnings, []);
    assert.deepEqual(parsed.data.tickets[SampleTicket].deals, ['D-1001', 'D-1002']);
    assert.equal(parsed.data.deals['D-1001'].closeDate, '2026-06-06');
  });

  it('the sample branch names the sample ticket with the default patterns, and not with other projects only', () => {
    assert.equal(sampleBranchReadsBack(undefined, []), true);
    assert.equal(sampleBranchReadsBack(undefined, ['acme']), true);
    assert.equal(sampleBranchReadsBack(undefined, ['FOO']), false);
    assert.equal(sampleBranchReadsBack(['(?:^|/)(?<key>[0-9]{1,7})[-_][^/]*$'], []), false);
  });

  it('reuses an existing data file only when it has the sample ticket, and never one that does not parse', () => {
    assert.equal(existingDataFile(sampleDataText(0)), 'hasSample');
    assert.equal(existingDataFile('{"tickets":{"X-1":{"title":"t"}},"deals":{}}'), 'other');
    assert.equal(existingDataFile('{"tickets":{"ACME-42":{}},"deals":{}}'), 'invalid');
    assert.equal(existingDataFile('{ not json'), 'invalid');
    assert.equal(existingDataFile(''), 'invalid');
  });
});

describe('walkthrough: a scratch folder', () => {
  it('needs no settings file when the user settings are the defaults', () => {
    assert.equal(scratchSettings(defaults), undefined);
  });

  it('pins exactly what keeps the sample from showing', () => {
    const remoteTracker = TrackerIds.find((id) => !readsDataFile({ tracker: id, crm: CrmIds[0] }))!;
    const remoteCrm = CrmIds.find((id) => !readsDataFile({ tracker: TrackerIds[0], crm: id }))!;
    assert.deepEqual(scratchSettings({ ...defaults, tracker: remoteTracker }), { 'customerContext.tracker': TrackerIds[0] });
    assert.deepEqual(scratchSettings({ ...defaults, crm: remoteCrm }), { 'customerContext.crm': CrmIds[0] });
    assert.deepEqual(scratchSettings({ ...defaults, localDataFile: 'data/cc.json' }), { 'customerContext.localDataFile': SampleDataFile });
    assert.deepEqual(scratchSettings({ ...defaults, projectKeys: ['FOO'] }), { 'customerContext.projectKeys': [] });
    assert.deepEqual(scratchSettings({ ...defaults, projectKeys: ['FOO', 'ACME'] }), undefined);
    assert.deepEqual(scratchSettings({ ...defaults, ticketPatterns: ['^task-(?<key>\\d+)$'] }), {
      'customerContext.ticketPatterns': [...DefaultTicketPatterns],
    });
  });

  it('with its pins, any user settings read the sample (property, each input timed)', () => {
    // A call takes about 1 ms; the bound catches runaway pattern work, not a GC pause on a busy machine.
    const BoundMs = 250;
    let worstMs = 0;
    const settings = fc.record({
      tracker: fc.constantFrom(...TrackerIds),
      crm: fc.constantFrom(...CrmIds),
      localDataFile: fc.constantFrom(SampleDataFile, 'data/cc.json', '', '.vscode/other.json'),
      projectKeys: fc.array(fc.constantFrom('ACME', 'acme', 'FOO', 'BAR', ' ', 'ACME-'), { maxLength: 3 }),
      ticketPatterns: fc.option(fc.array(fc.constantFrom(
        ...DefaultTicketPatterns, '^task-(?<key>\\d+)$', '/acme-\\d+/i', '(?<key>[A-Z]+-\\d+)', '(', 'x'.repeat(300),
      ), { maxLength: 3 }), { nil: undefined }),
    });
    fc.assert(fc.property(settings, (user) => {
      const started = performance.now();
      const pins = scratchSettings(user) ?? {};
      // What the scratch folder reads: the user's values under its own pins.
      const raw: Record<string, unknown> = { ...user };
      for (const [k, v] of Object.entries(pins)) raw[k.replace(/^customerContext\./, '')] = v;
      const folder = parseSettings(raw).settings;
      assert.ok(readsDataFile(folder), `reads the data file: ${JSON.stringify(folder.tracker)} ${JSON.stringify(folder.crm)}`);
      assert.equal(folder.localDataFile, SampleDataFile);
      assert.ok(sampleBranchReadsBack(folder.ticketPatterns, folder.projectKeys), `branch reads back with ${JSON.stringify(pins)}`);
      // Nothing is pinned that the user settings had right already.
      if (readsDataFile(user)) assert.ok(!('customerContext.tracker' in pins) && !('customerContext.crm' in pins));
      if (sampleBranchReadsBack(user.ticketPatterns, user.projectKeys)) {
        assert.ok(!('customerContext.ticketPatterns' in pins) && !('customerContext.projectKeys' in pins));
      }
      const ms = performance.now() - started;
      worstMs = Math.max(worstMs, ms);
      assert.ok(ms < BoundMs, `${ms.toFixed(1)} ms for ${JSON.stringify(user)}`);
    }), { numRuns: 200 });
    console.log(`      worst scratchSettings input: ${worstMs.toFixed(2)} ms (bound ${BoundMs} ms)`);
  });

  it('is named after the first free name, ignoring case', () => {
    assert.equal(scratchFolderName([]), ScratchFolderName);
    assert.equal(scratchFolderName(['notes.txt', ScratchFolderName.toUpperCase()]), `${ScratchFolderName}-2`);
    assert.equal(scratchFolderName([ScratchFolderName, `${ScratchFolderName}-2`, `${ScratchFolderName}-4`]), `${ScratchFolderName}-3`);
  });

  it('without the Git extension gets an empty repository that git itself reads as on the sample branch', function () {
    try {
      execFileSync('git', ['--version'], { stdio: 'ignore' });
    } catch {
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-walkthrough-'));
    try {
      const layout = emptyRepository(SampleBranch);
      for (const d of layout.dirs) fs.mkdirSync(path.join(dir, d), { recursive: true });
      for (const f of layout.files) fs.writeFileSync(path.join(dir, f.path), f.text);
      const env = { ...process.env };
      for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR']) delete env[k];
      const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
      assert.equal(git('rev-parse', '--show-toplevel'), fs.realpathSync(dir));
      assert.equal(git('symbolic-ref', '--short', 'HEAD'), SampleBranch);
      assert.equal(git('status', '--porcelain'), '');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes no repository for a name git would refuse or that leaves refs/heads', () => {
    for (const bad of ['../x', 'a b', '-x', 'x/', 'x.lock', '', 'a\nb']) {
      assert.throws(() => emptyRepository(bad), /Not a branch name/, JSON.stringify(bad));
    }
  });
});

describe('walkthrough: step keys', () => {
  it('tracker and CRM are connected once a ticket is shown with its context', () => {
    assert.deepEqual(connectedFrom({ context: undefined }), { tracker: false, crm: false });
    const context = { ticket: { key: 'A-1', title: 't', labels: [], dealRefs: [], comments: [] }, deals: [], warnings: [] };
    assert.deepEqual(connectedFrom({ context }), { tracker: true, crm: true });
  });

  it('a question counts once it is saved for sending, not when it failed', () => {
    assert.equal(questionAsked([]), false);
    assert.equal(questionAsked(['Failed']), false);
    for (const s of ['Queued', 'Sent', 'Answered'] as const) assert.equal(questionAsked(['Failed', s]), true, s);
  });

  it('a test call counts only when every call answered', () => {
    assert.equal(testVerdict([{ label: 'Tracker', ok: true }]), 'ok');
    assert.equal(testVerdict([{ label: 'Tracker', ok: true }, { label: 'CRM', ok: false }]), 'failed');
    for (const none of [undefined, [], 'ok', [{ label: 'x' }], [null], { ok: true }]) assert.equal(testVerdict(none), 'none', JSON.stringify(none));
  });
});

describe('walkthrough: package.json', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const nls = (lang: string) => JSON.parse(fs.readFileSync(path.join(root, `package.nls${lang ? `.${lang}` : ''}.json`), 'utf8')) as Record<string, string>;
  const walkthrough = (manifest.contributes.walkthroughs ?? []).find((w: { id: string }) => w.id === WalkthroughId);
  const steps = (walkthrough?.steps ?? []) as Array<{
    id: string; title: string; description: string; completionEvents?: string[]; media: { svg?: string; altText?: string };
  }>;

  it('contributes the walkthrough with its five steps in order', () => {
    assert.ok(walkthrough, `contributes.walkthroughs has no "${WalkthroughId}"`);
    assert.deepEqual(steps.map((s) => s.id), [...WalkthroughStep]);
  });

  it('completes each step on a real event', () => {
    const events = Object.fromEntries(steps.map((s) => [s.id, s.completionEvents ?? []]));
    assert.deepEqual(events, {
      sample: [`onContext:${ContextKey.hasTicket}`],
      tracker: [`onContext:${WalkthroughContextKey.trackerConnected}`],
      crm: [`onContext:${WalkthroughContextKey.crmConnected}`],
      routes: ['onSettingChanged:customerContext.questions.routes', `onCommand:${WalkthroughCommandId.chooseRoutes}`],
      ask: [`onContext:${WalkthroughContextKey.questionAsked}`],
    });
  });

  it('contributes every walkthrough command in the Customer Context category', () => {
    const contributed = new Map(manifest.contributes.commands.map((c: { command: string; category: string }) => [c.command, c.category]));
    for (const id of Object.values(WalkthroughCommandId)) assert.equal(contributed.get(id), 'Customer Context', id);
  });

  it('has every text in English, Russian and Arabic, and links only to contributed commands', () => {
    const commands = new Set(manifest.contributes.commands.map((c: { command: string }) => c.command));
    const texts = [walkthrough.title, walkthrough.description, ...steps.flatMap((s) => [s.title, s.description, s.media.altText])];
    for (const lang of ['', 'ru', 'ar']) {
      const bundle = nls(lang);
      for (const text of texts) {
        const key = /^%(.+)%$/.exec(String(text))?.[1];
        assert.ok(key, `${text} is not a %key% placeholder`);
        assert.equal(typeof bundle[key], 'string', `package.nls${lang ? `.${lang}` : ''}.json lacks ${key}`);
        // VS Code 1.100 shows a walkthrough's backticks as they are: no code spans there.
        assert.doesNotMatch(bundle[key], /`/, `${key} (${lang || 'en'}) has a backtick`);
        for (const [, id] of bundle[key].matchAll(/\]\(command:([\w.]+)/g)) assert.ok(commands.has(id), `${key} links to ${id}`);
      }
    }
  });

  it('has a theme-following SVG for each step: only VS Code theme colours, nothing the webview CSP blocks', () => {
    assert.equal(steps.length, 5);
    for (const s of steps) {
      assert.ok(s.media.svg, `${s.id} has svg media`);
      const file = path.join(root, s.media.svg);
      const svg = fs.readFileSync(file, 'utf8');
      assert.match(svg, /^<svg [^>]*viewBox="0 0 \d+ \d+"/, `${s.media.svg} starts with an <svg> with a viewBox`);
      assert.doesNotMatch(svg, /<style|<script|\sstyle=|<image|href="http|<foreignObject/i, s.media.svg);
      const colours = [...svg.matchAll(/\s(?:fill|stroke|stop-color)="([^"]*)"/g)].map((m) => m[1]);
      assert.ok(colours.length > 5, `${s.media.svg} draws something`);
      for (const c of colours) assert.match(c, /^(?:none|var\(--vscode-[\w-]+, #[0-9a-fA-F]{3,8}\))$/, `${s.media.svg}: colour ${c}`);
      // Words in a picture cannot be translated: the images carry none but ticket keys and amounts.
      for (const [, text] of svg.matchAll(/<text[^>]*>([^<]*)</g)) assert.match(text, /^[A-Z0-9$€\-+ .·#?]*$/, `${s.media.svg}: text "${text}"`);
    }
  });
});
