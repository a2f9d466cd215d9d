import * as assert from 'node:assert/strict';
import { makeNonce, renderSidebarHtml } from '../../src/core/webviewHtml';
import { FromWebview } from '../../src/shared/protocol';

describe('sidebar HTML and protocol', () => {
  const html = renderSidebarHtml({ cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x/dist/webview.js', styleUri: 'https://x/media/sidebar.css', nonce: 'abc123==' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';

  it('has a strict CSP as the first head element, scripts by nonce only', () => {
    assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<link'), 'CSP before any resource');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc123=='/);
    assert.match(csp, /style-src https:\/\/x\.vscode-cdn\.net/);
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
    assert.ok(!/img-src[^;]*https:(?!\/\/)/.test(csp), 'no remote images (tracking)');
  });

  it('loads exactly one script, with the nonce, and has no inline script', () => {
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0], /nonce="abc123==" src="https:\/\/x\/dist\/webview\.js"/);
    assert.match(html, /<script[^>]*><\/script>/);
  });

  it('makes a fresh 128-bit random nonce each time', () => {
    const a = makeNonce();
    assert.equal(Buffer.from(a, 'base64').length, 16);
    assert.notEqual(a, makeNonce());
  });

  it('escapes attribute values', () => {
    const evil = renderSidebarHtml({ cspSource: 'x', scriptUri: '"><script>alert(1)</script>', styleUri: 's' });
    assert.ok(!evil.includes('"><script>alert(1)'));
  });

  it('accepts only well-formed messages from the webview', () => {
    assert.ok(FromWebview.safeParse({ type: 'sendQuestion', text: 'Does Globex need SSO?', includeSelection: true }).success);
    assert.ok(FromWebview.safeParse({ type: 'action', action: 'setToken' }).success);
    for (const bad of [
      null, 'ready', { type: 'openUrl', url: 'command:workbench.action.terminal.sendSequence' },
      { type: 'action', action: 'runAnything' }, { type: 'sendQuestion', text: 5, includeSelection: false },
      { type: 'sendQuestion', text: 'x'.repeat(20_001), includeSelection: false }, { type: 'openDeal' },
    ]) {
      assert.ok(!FromWebview.safeParse(bad).success, JSON.stringify(bad)?.slice(0, 60));
    }
  });
});
