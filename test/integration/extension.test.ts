// The extension as VS Code loads it: activation, every contributed command, the sidebar view.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activatedApi, extensionId, readPackageJson, waitForState } from './helpers';

describe('Customer Context in the extension host', () => {
  it('activates and returns its API', async () => {
    const ext = vscode.extensions.getExtension(extensionId());
    assert.ok(ext, `extension ${extensionId()} is not installed in this host`);
    const api = await activatedApi();
    assert.equal(ext.isActive, true);
    assert.equal(typeof api.onDidChangeState, 'function', 'activate() must return { state, onDidChangeState }');
    assert.equal(typeof api.state, 'object');
  });

  it('registers every command package.json contributes, and no customerContext command it does not', async () => {
    await activatedApi();
    const registered = new Set(await vscode.commands.getCommands(true));
    const manifest = readPackageJson() as ReturnType<typeof readPackageJson> & {
      contributes: { views?: Record<string, Array<{ id: string }>> };
    };
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 12, `expected the contract's 12 commands, package.json has ${contributed.length}`);
    const missing = contributed.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
    // VS Code itself registers commands under each contributed view's id (`….sidebar.focus`, …).
    const viewPrefixes = Object.values(manifest.contributes.views ?? {}).flat().map((v) => `${v.id}.`);
    const contributedSet = new Set(contributed);
    const unlisted = [...registered].filter((id) => id.startsWith('customerContext.') &&
      !contributedSet.has(id) && !viewPrefixes.some((prefix) => id.startsWith(prefix)));
    assert.deepEqual(unlisted, [], `registered but not contributed (not in the palette): ${unlisted.join(', ')}`);
  });

  it('shows the ticket of the checked-out branch in the status bar', async () => {
    const api = await activatedApi();
    // The sample workspace is left on feature/ACME-42-export-pdf.
    const { value } = await waitForState(api, () => api.state.statusText, (t) => !!t && t.includes('Globex LLC'), 'ACME-42 with its customer');
    assert.match(value!, /^ACME-42\b/);
    assert.doesNotMatch(value!, /\$\(/, 'statusText must be the text without codicons');
  });

  it('resolves the sidebar view on customerContext.sidebar.focus', async () => {
    const api = await activatedApi();
    // A fresh profile has never shown the view: nothing is rendered until VS Code resolves it.
    assert.equal(api.state.sidebar, undefined, 'state.sidebar must stay undefined until the webview view is resolved and ready');
    await vscode.commands.executeCommand('customerContext.sidebar.focus');
    // Resolved, the page's script ran and said ready, and it was sent the branch's ticket.
    const { value } = await waitForState(
      api,
      () => api.state.sidebar,
      (s) => s !== undefined && JSON.stringify(s).includes('ACME-42'),
      'the sidebar to be resolved and show ACME-42',
    );
    assert.ok(JSON.stringify(value).includes('Globex LLC'), `sidebar state lacks the customer: ${JSON.stringify(value)}`);
  });
});
