// The extension following what happens in the workspace outside it: branch switches made with git in a
// terminal, and the data file edited on disk (a `git pull`, another editor).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { activatedApi, git, reportTiming, waitForState, workspaceFolder } from './helpers';

const START_BRANCH = 'feature/ACME-42-export-pdf';

describe('Customer Context follows the workspace', () => {
  afterEach(() => {
    // Every test starts from the branch the sample workspace was created on.
    git('checkout', '-q', START_BRANCH);
  });

  it('follows `git checkout` in the status bar', async function () {
    this.timeout(60_000);
    const api = await activatedApi();
    await waitForState(api, () => api.state.statusText, (t) => !!t?.startsWith('ACME-42'), 'ACME-42 before switching');

    const steps: Array<{ branch: string; ok: (t: string | undefined) => boolean; expect: string }> = [
      { branch: 'main', ok: (t) => t === 'No ticket', expect: 'No ticket' },
      { branch: 'bugfix/ACME-7_typo', ok: (t) => !!t?.startsWith('ACME-7 ') && t.includes('Umbrella Corp'), expect: 'ACME-7 · Umbrella Corp' },
      // A ticket without deals shows its key alone (not a loading marker left behind).
      { branch: 'ACME-99-cleanup', ok: (t) => t === 'ACME-99', expect: 'ACME-99' },
      { branch: START_BRANCH, ok: (t) => !!t?.startsWith('ACME-42') && t.includes('Globex LLC'), expect: 'ACME-42 · Globex LLC' },
    ];
    for (const step of steps) {
      git('checkout', '-q', step.branch);
      const { value, ms } = await waitForState(api, () => api.state.statusText, step.ok, `"${step.expect}" after checking out ${step.branch}`);
      reportTiming(`git checkout ${step.branch} → status bar "${value}"`, ms);
    }
  });

  it('picks up changes to the data file', async function () {
    this.timeout(30_000);
    const api = await activatedApi();
    const file = path.join(workspaceFolder(), '.vscode', 'customer-context.json');
    const original = fs.readFileSync(file, 'utf8');
    try {
      await waitForState(api, () => api.state.statusText, (t) => !!t?.includes('Globex LLC'), 'Globex LLC before the edit');
      const data = JSON.parse(original);
      data.deals['D-1001'].customer = 'Globex Corporation';
      fs.writeFileSync(file, JSON.stringify(data, null, 2));
      const { value, ms } = await waitForState(api, () => api.state.statusText, (t) => !!t?.includes('Globex Corporation'), 'the renamed customer');
      assert.match(value!, /^ACME-42\b/);
      reportTiming(`data file edit → status bar "${value}"`, ms);
    } finally {
      fs.writeFileSync(file, original);
    }
    await waitForState(api, () => api.state.statusText, (t) => !!t?.includes('Globex LLC'), 'the original customer after restoring the file');
  });
});
