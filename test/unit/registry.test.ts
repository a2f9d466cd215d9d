// The vendor registry is the one source: package.json's settings, the factories of the remote bundle,
// token specs and webhook hosts must all agree with it, and no vendor is named outside its own folder.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProviderError } from '../../src/core/errors';
import { buildSenders, buildTracker, repositoryFromRemotes, routeVendor, type ComposeEnv, type RemoteHalf } from '../../src/core/providers/compose';
import { RemoteFactories } from '../../src/core/providers/registryFactories';
import { ChatIds, CrmIds, CredentialVendors, DealUrlHosts, TrackerIds, VendorSettingSpecs, Vendors, vendorById } from '../../src/core/providers/registry';
import type { HttpClient } from '../../src/core/http';
import { webhookUrlProblem } from '../../src/core/questions/webhook';
import { RouteNames } from '../../src/core/questions/question';
import { MachineSettings, RestrictedSettings, SettingDefaults, SettingKeys, parseSettings } from '../../src/core/settings';
import { remote } from '../../src/vscode/remote';
import { aQuestion } from './questions/fixtures';
import { NoMemory } from '../../src/core/vendorMemory';

function findUp(dir: string, name: string): string {
  const candidate = path.join(dir, name);
  if (fs.existsSync(candidate) && (name !== 'package.json' || JSON.parse(fs.readFileSync(candidate, 'utf8')).name === 'customer-context')) return candidate;
  if (path.dirname(dir) === dir) throw new Error(`${name} not found`);
  return findUp(path.dirname(dir), name);
}
const manifestPath = findUp(__dirname, 'package.json');
const root = path.dirname(manifestPath);
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const props: Record<string, { enum?: string[]; scope?: string; default?: unknown; items?: { enum?: string[] }; properties?: Record<string, unknown> }> =
  manifest.contributes.configuration.properties;

describe('vendor registry', () => {
  it('package.json offers exactly the registry’s trackers, CRMs and routes', () => {
    assert.deepEqual(props['customerContext.tracker'].enum, TrackerIds);
    assert.deepEqual(props['customerContext.crm'].enum, CrmIds);
    assert.deepEqual(props['customerContext.questions.routes'].items?.enum, RouteNames);
    assert.deepEqual(RouteNames.slice(2), ChatIds);
  });

  it('package.json declares every vendor setting with the registry’s scope and default', () => {
    for (const { key, spec } of VendorSettingSpecs) {
      const p = props[`customerContext.${key}`];
      assert.ok(p, `customerContext.${key} is contributed`);
      assert.equal(p.scope, spec.scope, `scope of ${key}`);
      assert.deepEqual(p.default, spec.default, `default of ${key}`);
    }
    const declared = Object.keys(props).map((k) => k.replace(/^customerContext\./, ''));
    for (const key of declared) assert.ok((SettingKeys as string[]).includes(key), `${key} in package.json is read by the code`);
  });

  it('every URL that receives a credential is machine-scoped', () => {
    for (const v of CredentialVendors) {
      if (v.credential?.kind !== 'token') continue;
      const key = `${v.id}.${v.credential.urlSetting}`;
      assert.ok(MachineSettings.includes(key as never), `${key} is machine-scoped in the registry`);
      assert.equal(props[`customerContext.${key}`].scope, 'machine', `${key} is machine-scoped in package.json`);
    }
  });

  it('csv.columns accepts every column the CSV reader maps, `id` included (drift bug)', () => {
    const columns = Object.keys(props['customerContext.csv.columns'].properties ?? {});
    const parsed = parseSettings({ 'csv.columns': Object.fromEntries(columns.map((c) => [c, c])) });
    assert.deepEqual(parsed.problems, []);
    assert.ok(columns.includes('id'));
    assert.deepEqual(parseSettings({ 'csv.columns': { id: 'Deal ID' } }).settings['csv.columns'], { id: 'Deal ID' });
  });

  it('Restricted Mode: package.json restricts every setting that picks services, routes or timing', () => {
    const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of RestrictedSettings) assert.ok(restricted.includes(`customerContext.${key}`), `${key} is restricted`);
  });

  it('every HTTP (or lazy) vendor has factories in the remote bundle, every other one in its descriptor', () => {
    for (const v of Vendors) {
      if (v.remote || v.lazyFactories) {
        assert.ok(RemoteFactories[v.id], `${v.id} has a line in registryFactories.ts`);
        assert.equal(v.factories, undefined, `${v.id} has no factories in its descriptor (they would load at start)`);
      } else assert.ok(v.factories || v.manualRoute, `${v.id} has factories`);
      if (v.kinds.includes('tracker')) assert.ok((v.remote || v.lazyFactories ? RemoteFactories[v.id] : v.factories)?.tracker, `${v.id} builds a tracker`);
      if (v.kinds.includes('crm')) assert.ok((v.remote || v.lazyFactories ? RemoteFactories[v.id] : v.factories)?.crm, `${v.id} builds a CRM`);
    }
    for (const id of Object.keys(RemoteFactories)) assert.ok(vendorById(id)?.remote || vendorById(id)?.lazyFactories, `${id} is a remote vendor or has lazy factories`);
  });

  it('settings defaults come from the registry', () => {
    for (const { key, spec } of VendorSettingSpecs) assert.deepEqual(SettingDefaults[key], spec.default);
    assert.equal(SettingDefaults.tracker, TrackerIds[0]);
    assert.equal(SettingDefaults.crm, CrmIds[0]);
  });

  it('deal links of every CRM with a host are recognised', () => {
    for (const v of Vendors) for (const h of v.dealUrlHosts ?? []) assert.ok(DealUrlHosts.includes(h));
  });

  it('one webhook host list: what Set API Token accepts, the sender accepts (Workflows on powerautomate.com)', () => {
    const teams = vendorById('teams')!.webhook!;
    const url = 'https://prod-12.westeurope.powerautomate.com/workflows/abc/triggers/manual/paths/invoke?sig=x';
    assert.equal(webhookUrlProblem(teams, url), undefined);
    assert.equal(webhookUrlProblem(teams, 'https://evil.example/workflows/x'), `Expected ${teams.expected}`);
  });

  it('a remote repository is found for any forge API URL', () => {
    const remotes = [{ name: 'upstream', fetchUrl: 'git@github.com:other/fork.git' }, { name: 'origin', fetchUrl: 'https://github.com/acme/app.git' }];
    assert.equal(repositoryFromRemotes(remotes, 'https://api.github.com'), 'acme/app');
    assert.equal(repositoryFromRemotes([{ name: 'origin', fetchUrl: 'ssh://git@ghe.acme.io:2222/team/svc.git' }], 'https://ghe.acme.io/api/v3'), 'team/svc');
    assert.equal(repositoryFromRemotes(remotes, 'https://ghe.acme.io/api/v3'), undefined);
    // Subgroups, custom ports, scp-like and https remotes of a self-managed forge.
    assert.equal(repositoryFromRemotes([{ name: 'origin', fetchUrl: 'ssh://git@git.acme.ru:2222/sales/tools/crm-bridge.git' }], 'https://git.acme.ru/api/v4'), 'sales/tools/crm-bridge');
    assert.equal(repositoryFromRemotes([{ name: 'origin', fetchUrl: 'git@git.acme.ru:sales/crm.git' }], 'https://git.acme.ru/api/v4'), 'sales/crm');
    assert.equal(repositoryFromRemotes([{ name: 'origin', pushUrl: 'https://oauth2:x@git.acme.ru/a/b/c/' }], 'https://git.acme.ru/api/v4'), 'a/b/c');
  });
});

describe('question routes through the registry', () => {
  const never = (): never => {
    throw new Error('the HTTP half is not needed here');
  };
  const env = (remote: () => RemoteHalf = never): ComposeEnv => ({
    files: { dataFile: async () => undefined, dataFileLabel: 'data', resolve: (f) => f, readText: async () => '' },
    tokens: async () => undefined,
    webhook: async () => undefined,
    remotes: () => [],
    remote,
  });
  const fakeRemote = (): RemoteHalf => ({
    memory: () => NoMemory,
    factories: RemoteFactories,
    transport: async () => ({ status: 200, headers: {}, data: '' }),
    client: (): HttpClient => ({ provider: 'x', origin: 'https://x', request: never, json: never }),
  });
  const settings = (patch: Record<string, unknown>) => parseSettings(patch).settings;

  it('a GitHub ticket-comment route with no repository fails with "Not configured", never a silent Queued (drift bug)', async () => {
    const s = settings({ tracker: 'github', 'questions.routes': ['ticketComment'] });
    const senders = buildSenders(s, env(fakeRemote));
    assert.ok(senders.ticketComment, 'the route has a sender');
    await assert.rejects(senders.ticketComment.send(aQuestion()), (e: unknown) =>
      e instanceof ProviderError && e.kind === 'notConfigured' && /^Not configured: .*customerContext\.github\.repository/.test(e.message));
  });

  it('a ticket-comment route on the data file and a question route on the CSV export explain themselves', async () => {
    const s = settings({ tracker: 'local', crm: 'csv', 'questions.routes': ['ticketComment', 'crm'] });
    const senders = buildSenders(s, env());
    for (const route of ['ticketComment', 'crm'] as const) {
      await assert.rejects(senders[route]!.send(aQuestion()), (e: unknown) => e instanceof ProviderError && e.kind === 'notConfigured' && e.message.includes('questions.routes'));
    }
  });

  it('the data file’s inbox and mail are left to the question service, with nothing loaded', () => {
    const s = settings({ tracker: 'local', crm: 'local', 'questions.routes': ['crm', 'email'] });
    assert.deepEqual(Object.keys(buildSenders(s, env())), []);
    assert.ok(routeVendor('email', s)?.manualRoute);
  });

  it('a vendor’s tracker and its question sender share one client; other settings get another', () => {
    const keys: string[] = [];
    const recording = (): RemoteHalf => ({ ...fakeRemote(), client: (key) => (keys.push(key), fakeRemote().client(key, {} as never)) });
    const s = settings({ tracker: 'jira', 'jira.baseUrl': 'https://acme.atlassian.net', 'jira.email': 'dev@acme.io', 'questions.routes': ['ticketComment'] });
    buildTracker(s, env(recording));
    buildSenders(s, env(recording));
    assert.equal(keys.length, 2);
    assert.equal(keys[0], keys[1]);
    buildTracker({ ...s, 'jira.dealField': 'customfield_1' }, env(recording));
    assert.notEqual(keys[2], keys[0]);
    // The remote half keeps one client per key until settings or tokens change.
    const options = { provider: 'Jira', baseUrl: 'https://acme.atlassian.net' };
    assert.equal(remote.client('k', options), remote.client('k', options));
    const before = remote.client('k', options);
    remote.clear();
    assert.notEqual(remote.client('k', options), before);
  });

  it('a missing URL setting makes the route fail naming it', async () => {
    const s = settings({ crm: 'salesforce', 'questions.routes': ['crm'] });
    await assert.rejects(buildSenders(s, env(fakeRemote)).crm!.send(aQuestion()), /customerContext\.salesforce\.instanceUrl is not set/);
  });
});

describe('vendor names stay in their folders', () => {
  // Proper names (jira, github, …) are looked for as words, comments included. Ids that are also common
  // words (local, csv, email, teams) are looked for as quoted ids outside the providers folder, where
  // vendor code would test them (`settings.crm === 'local'`).
  const srcDir = path.join(root, 'src');
  const providersDir = path.join(srcDir, 'core', 'providers') + path.sep;
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  const all = files(srcDir);
  /** Places that name a vendor for a reason other than vendor code, each with that reason. */
  const allowed: Record<string, { files: string[]; why: string }> = {
    slack: { files: ['src/core/dataFile.ts', 'src/core/providers/local/providers.ts', 'src/core/walkthrough.ts'], why: 'the data file’s `contacts.<id>.slack` field is part of the contract' },
    jira: { files: ['src/core/providers/csv/crm.ts'], why: 'header aliases: exports name their ticket column “Jira key”' },
  };
  for (const v of Vendors) {
    it(`${v.id} appears only in src/core/providers/${v.id}/ and the registry`, () => {
      const own = path.join(providersDir, v.id) + path.sep;
      const common = ['local', 'email', 'csv', 'teams'].includes(v.id);
      const pattern = common ? new RegExp(`['"\`]${v.id}['"\`]`) : new RegExp(`\\b${v.id}\\b`, 'i');
      const offenders = all
        .filter((f) => !f.startsWith(own) && !/registry\w*\.ts$/i.test(f) && !(common && f.startsWith(providersDir)))
        .filter((f) => !allowed[v.id]?.files.includes(path.relative(root, f).split(path.sep).join('/')))
        .filter((f) => pattern.test(fs.readFileSync(f, 'utf8')));
      assert.deepEqual(offenders.map((f) => path.relative(root, f)), []);
    });
  }
});
