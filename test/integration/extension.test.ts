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

  it('answers through vscode.lm.invokeTool (customerContext_ticketContext) with the ticket\'s customers', async () => {
    const api = await activatedApi();
    const name = 'customerContext_ticketContext';
    // The branch's ticket is known once the status bar shows it (the tool's default ticket).
    await waitForState(api, () => api.state.statusText, (t) => !!t && t.startsWith('ACME-42'), 'ACME-42 in the status bar');
    // Registration reaches the workbench's tool list through the main thread: wait for it.
    const t0 = Date.now();
    while (!vscode.lm.tools.some((t) => t.name === name) && Date.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const info = vscode.lm.tools.find((t) => t.name === name);
    assert.ok(info, `vscode.lm.tools lacks ${name}: ${vscode.lm.tools.map((t) => t.name).join(', ')}`);
    const ask = async (input: object): Promise<string> => {
      const source = new vscode.CancellationTokenSource();
      try {
        const result = await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined }, source.token);
        return result.content
          // Parts come back through the main thread: read the text of any part that has one.
          .map((part) => {
            const value = part instanceof vscode.LanguageModelTextPart ? part.value : (part as { value?: unknown }).value;
            return typeof value === 'string' ? value : '';
          })
          .join('');
      } finally {
        source.dispose();
      }
    };
    const current = await ask({});
    assert.match(current, /^Customer context of ticket ACME-42\b/, current);
    for (const expected of ['Export invoices to PDF', 'Globex LLC', 'Initech', 'Anna Petrova', 'Bob Martin']) {
      assert.ok(current.includes(expected), `the tool's answer lacks "${expected}":\n${current}`);
    }
    assert.match(current, /Total at stake: .*\$120,000.*€80,000|Total at stake: .*€80,000.*\$120,000/, current);
    const other = await ask({ ticket: 'acme-7' });
    assert.match(other, /^Customer context of ticket ACME-7\b/, other);
    assert.ok(other.includes('Umbrella Corp'), other);
    assert.ok(!other.includes('Globex LLC'), other);
  });
});
