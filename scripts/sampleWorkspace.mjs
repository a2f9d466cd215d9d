#!/usr/bin/env node
// Generates a sample git workspace that Customer Context works with offline: the embedded data file with
// three tickets, and branches that name them. Used by `npm run demo` and by the integration and UI tests.
//
//   node scripts/sampleWorkspace.mjs <dir> [--force]
//
// <dir> must not exist, or be empty; --force deletes it first. Leaves feature/ACME-42-export-pdf checked out.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const SAMPLE_BRANCHES = ['main', 'feature/ACME-42-export-pdf', 'bugfix/ACME-7_typo', 'ACME-99-cleanup'];
export const SAMPLE_CHECKED_OUT = 'feature/ACME-42-export-pdf';
export const DATA_FILE = '.vscode/customer-context.json';
export const QUESTIONS_FILE = '.vscode/customer-context.questions.jsonl';

/** YYYY-MM-DD of today + days, in local time (the extension computes "in 5 days" in local time too). */
function dayFromNow(now, days) {
  const d = new Date(now);
  d.setDate(d.getDate() + days);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * The data file, per the contract's schema (src/core/sampleData.json, shared with the walkthrough); each
 * deal's `closeInDays` becomes a close date relative to `now` so the demo never ages.
 */
export function sampleData(now = Date.now()) {
  const { '//': _about, deals, ...rest } = JSON.parse(fs.readFileSync(new URL('../src/core/sampleData.json', import.meta.url), 'utf8'));
  const dated = Object.fromEntries(
    Object.entries(deals).map(([id, { closeInDays, ...deal }]) => [id, { ...deal, closeDate: dayFromNow(now, closeInDays) }]),
  );
  return { ...rest, deals: dated };
}

const SOURCE = `// Invoice export: the code the ACME tickets are about.
export function invoiceTotal(lines) {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
}

export function invoiceFooter(company) {
  return \`Thank you for your business, \${company}.\`;
}
`;

const README = `# Sample workspace for Customer Context

Branches name tickets from \`.vscode/customer-context.json\`:

- \`feature/ACME-42-export-pdf\`: two deals (Globex LLC, Initech)
- \`bugfix/ACME-7_typo\`: one deal
- \`ACME-99-cleanup\`: a ticket without deals
- \`main\`: no ticket

Switch branches and watch the status bar and the Customer Context sidebar.
`;

function git(cwd, args) {
  // A clean environment: when run from a git hook, GIT_DIR and friends would point git at the wrong repository.
  const env = { ...process.env };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR']) delete env[k];
  return execFileSync('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
}

/**
 * Creates the sample workspace in `dir` and returns its absolute path.
 * @param {string} dir
 * @param {{ force?: boolean, now?: number }} [opts]
 */
export function createSampleWorkspace(dir, opts = {}) {
  const root = path.resolve(dir);
  if (fs.existsSync(root) && fs.readdirSync(root).length > 0) {
    if (!opts.force) throw new Error(`${root} is not empty (use --force to replace it)`);
    fs.rmSync(root, { recursive: true, force: true });
  }
  fs.mkdirSync(path.join(root, '.vscode'), { recursive: true });
  fs.mkdirSync(path.join(root, 'src'), { recursive: true });
  fs.writeFileSync(path.join(root, 'src', 'invoice.js'), SOURCE);
  fs.writeFileSync(path.join(root, 'README.md'), README);
  fs.writeFileSync(path.join(root, DATA_FILE), JSON.stringify(sampleData(opts.now), null, 2) + '\n');

  git(root, ['init', '-q', '-b', 'main']);
  // Local identity and no signing: commits must work on a machine with no global git config.
  git(root, ['config', 'user.name', 'Sample Developer']);
  git(root, ['config', 'user.email', 'developer@example.com']);
  git(root, ['config', 'commit.gpgsign', 'false']);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'Invoice export and customer context data']);
  for (const b of SAMPLE_BRANCHES.slice(1)) git(root, ['branch', b]);
  git(root, ['checkout', '-q', SAMPLE_CHECKED_OUT]);
  return root;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) {
    console.error('usage: node scripts/sampleWorkspace.mjs <dir> [--force]');
    process.exit(2);
  }
  try {
    const root = createSampleWorkspace(dir, { force: args.includes('--force') });
    console.log(root);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
