// package.json and the code must agree: the contract's ids and settings are present with their scopes.
// That every contributed command is registered (and no other) is checked in the real extension host
// (test/integration/extension.test.ts); commands.ts's `Record<CommandName, …>` table makes a missing
// handler a compile error.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SettingDefaults, SettingKeys } from '../../src/core/settings';
import { CommandId, ViewId, ViewContainerId, WorklistCommandId } from '../../src/shared/ids';
import { WalkthroughCommandId } from '../../src/core/walkthrough';
import { projectRoot } from './projectRoot';

const manifestFile = path.join(projectRoot, 'package.json');
const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
/** The English manifest strings (`%key%` in package.json). */
const nls = JSON.parse(fs.readFileSync(path.join(path.dirname(manifestFile), 'package.nls.json'), 'utf8')) as Record<string, string>;
/** A manifest string as English readers see it. */
const english = (s: string): string => {
  const m = /^%([\w.-]+)%$/.exec(s);
  return m ? nls[m[1]] : s;
};

describe('contributions', () => {
  it('contributes exactly the commands in CommandId, the worklist view’s and the walkthrough’s, in category Customer Context', () => {
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual(contributed, [...Object.values(CommandId), ...Object.values(WorklistCommandId), ...Object.values(WalkthroughCommandId)].sort());
    for (const c of manifest.contributes.commands) assert.equal(c.category, 'Customer Context');
  });

  it('has the contract titles', () => {
    const titles = Object.fromEntries(manifest.contributes.commands.map((c: { command: string; title: string }) => [c.command, english(c.title)]));
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
