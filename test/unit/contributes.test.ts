// package.json and the code must agree: the contract's ids and settings are present with their scopes.
// That every contributed command is registered (and no other) is checked in the real extension host
// (test/integration/extension.test.ts); commands.ts's `Record<CommandName, …>` table makes a missing
// handler a compile error.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SettingDefaults, SettingKeys } from '../../src/core/settings';
import { CommandId, ViewId, ViewContainerId, WorklistCommandId } from '../../src/shared/ids';

/** The repository's package.json, whether this runs from test/ (tsx) or out/test/ (compiled). */
function findManifest(dir: string): string {
  const candidate = path.join(dir, 'package.json');
  if (fs.existsSync(candidate) && JSON.parse(fs.readFileSync(candidate, 'utf8')).name === 'customer-context') return candidate;
  if (path.dirname(dir) === dir) throw new Error('package.json not found');
  return findManifest(path.dirname(dir));
}
const manifest = JSON.parse(fs.readFileSync(findManifest(__dirname), 'utf8'));

describe('contributions', () => {
  it('contributes exactly the commands in CommandId and the worklist view’s, in category Customer Context', () => {
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual(contributed, [...Object.values(CommandId), ...Object.values(WorklistCommandId)].sort());
    for (const c of manifest.contributes.commands) assert.equal(c.category, 'Customer Context');
  });

  it('has the contract titles', () => {
    const titles = Object.fromEntries(manifest.contributes.commands.map((c: { command: string; title: string }) => [c.command, c.title]));
    assert.equal(titles['customerContext.askSales'], 'Ask Sales a Clarifying Question');
    assert.equal(titles['customerContext.setTicketForBranch'], 'Set Ticket for Current Branch…');
    assert.equal(titles['customerContext.togglePrivacy'], 'Hide or Show Deal Amounts');
  });

  it('has the view container and the webview view', () => {
    assert.equal(manifest.contributes.viewsContainers.activitybar[0].id, ViewContainerId);
    assert.equal(manifest.contributes.viewsContainers.activitybar[0].title, 'Customer Context');
    const view = manifest.contributes.views[ViewContainerId][0];
    assert.equal(view.id, ViewId.sidebar);
    assert.equal(view.type, 'webview');
  });

  it('declares every setting the code reads, with the contract default and scope', () => {
    const props = manifest.contributes.configuration.properties;
    for (const key of SettingKeys) {
      const p = props[`customerContext.${key}`];
      assert.ok(p, `customerContext.${key} is contributed`);
      if (key !== 'ticketPatterns') assert.deepEqual(p.default, SettingDefaults[key], `default of ${key}`);
    }
    for (const key of ['jira.baseUrl', 'jira.email', 'jira.deployment', 'github.apiUrl', 'linear.apiUrl', 'hubspot.apiUrl', 'salesforce.instanceUrl', 'pipedrive.apiUrl']) {
      assert.equal(props[`customerContext.${key}`].scope, 'machine', `${key} receives credentials`);
    }
    assert.equal(props['customerContext.privacy.hideAmounts'].scope, 'application');
    assert.equal(props['customerContext.cache.ttlSeconds'].scope, 'window');
  });

  it('is named and versioned per the contract', () => {
    assert.equal(manifest.name, 'customer-context');
    assert.equal(manifest.displayName, 'Customer Context');
    assert.match(manifest.engines.vscode, /^\^1\.(\d+)\.0$/);
    assert.ok(Number(/^\^1\.(\d+)/.exec(manifest.engines.vscode)![1]) <= 95, "the contract: ^1.95.0 or lower");
    assert.ok(!manifest.activationEvents.includes('*'));
  });
});
