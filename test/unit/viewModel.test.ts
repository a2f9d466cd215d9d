import * as assert from 'node:assert/strict';
import { formatAmount, relativeDay, totalsByCurrency } from '../../src/core/format';
import {
  MaxSummaryText, type SessionSnapshot, buildSidebarState, statusBarView, summaryMarkdown,
} from '../../src/core/viewModel';
import { FromWebview } from '../../src/shared/protocol';
import {
  ActionCommands, type ViewAction, ViewActions, commandForAction, isHostAction,
} from '../../src/shared/sidebarActions';
import { aContext, aDeal } from './builders';
import { Noon } from './fakes';

const p = { locale: 'en-US', now: Noon, privacy: false };
const base: SessionSnapshot = { status: 'ready', dataProblems: [], settingsProblems: [], questions: [], trackerLabel: 'data file', routes: ['crm'], branch: 'feature/ACME-42-x', repository: '/r', ticketKey: 'ACME-42' };
const two = aContext([aDeal(), aDeal({ id: 'D-1002', customer: 'Initech', amount: 80000, currency: 'EUR', stage: 'Proposal', closeDate: '2026-11-20', owner: { name: 'Bob Stone', email: 'bob@example.com' } })]);

describe('formatting', () => {
  it('formats amounts with their currency, compact for the status bar, hidden with privacy', () => {
    assert.equal(formatAmount(120000, 'USD', { locale: 'en-US' }), '$120,000');
    assert.equal(formatAmount(120000, 'USD', { locale: 'en-US', compact: true }), '$120K');
    assert.equal(formatAmount(80000.5, 'EUR', { locale: 'de-DE' }), '80.000,50\u00a0€');
    assert.equal(formatAmount(1000, 'XYZ1', { locale: 'en-US' }), '1,000 XYZ1');
    assert.equal(formatAmount(5, 'USD', { locale: 'en-US', hidden: true }), '•••');
    assert.equal(formatAmount(undefined, 'USD', { locale: 'en-US' }), undefined);
  });

  it('never sums different currencies', () => {
    assert.deepEqual(totalsByCurrency([aDeal({ amount: 1 }), aDeal({ amount: 2, currency: 'EUR' }), aDeal({ amount: 3 }), aDeal({ amount: undefined })]),
      [{ currency: 'USD', amount: 4 }, { currency: 'EUR', amount: 2 }]);
  });

  it('says in N days, today, tomorrow and overdue by calendar day', () => {
    assert.deepEqual(relativeDay('2026-12-02', Noon), { text: 'in 5 days', overdue: false });
    assert.deepEqual(relativeDay('2026-11-27', Noon), { text: 'today', overdue: false });
    assert.deepEqual(relativeDay('2026-11-28', Noon), { text: 'tomorrow', overdue: false });
    assert.deepEqual(relativeDay('2026-11-26', Noon), { text: 'overdue by 1 day', overdue: true });
    assert.deepEqual(relativeDay('2026-11-20', Noon), { text: 'overdue by 7 days', overdue: true });
    assert.equal(relativeDay('not a date', Noon), undefined);
  });
});

describe('status bar text', () => {
  it('shows key · customer · amount for one deal', () => {
    const v = statusBarView({ ...base, context: aContext() }, p, { showWhenNoTicket: true });
    assert.equal(v?.text, 'ACME-42 · Globex LLC · $120K');
    assert.equal(v?.warning, false);
  });

  it('shows the top customer, the count of others and totals per currency', () => {
    assert.equal(statusBarView({ ...base, context: two }, p, { showWhenNoTicket: true })?.text, 'ACME-42 · Globex LLC +1 · $120K + €80K');
  });

  it('hides amounts with privacy, also in the tooltip', () => {
    const v = statusBarView({ ...base, context: two }, { ...p, privacy: true }, { showWhenNoTicket: true });
    assert.equal(v?.text, 'ACME-42 · Globex LLC +1 · •••');
    assert.ok(!/\$|€/.test(v!.tooltip));
  });

  it('says No ticket without a key, or hides by setting; always has the key when there is one', () => {
    assert.equal(statusBarView({ ...base, status: 'noTicket', ticketKey: undefined }, p, { showWhenNoTicket: true })?.text, 'No ticket');
    assert.equal(statusBarView({ ...base, status: 'noTicket', ticketKey: undefined }, p, { showWhenNoTicket: false }), undefined);
    const err = statusBarView({ ...base, status: 'invalidData', error: { kind: 'invalidData', message: 'deals.D.customer: required' } }, p, { showWhenNoTicket: true });
    assert.equal(err?.text, 'ACME-42');
    assert.equal(err?.warning, true);
    assert.match(err!.tooltip, /deals\.D\.customer: required/);
    assert.equal(statusBarView({ ...base, status: 'loading' }, p, { showWhenNoTicket: true })?.text, 'ACME-42 · …');
  });

  it('never shows the previous ticket context under a new key', () => {
    const v = statusBarView({ ...base, ticketKey: 'ACME-7', status: 'loading', context: aContext() }, p, { showWhenNoTicket: true });
    assert.equal(v?.text, 'ACME-7 · …');
  });
});

describe('sidebar state', () => {
  it('lists deals by amount with total per currency and earliest close', () => {
    const s = buildSidebarState({ ...base, context: two }, p);
    assert.deepEqual(s.deals.map((d) => [d.customer, d.amount, d.stage, d.closeDate, d.closeRelative, d.overdue]), [
      ['Globex LLC', '$120,000', 'Negotiation', 'Dec 2, 2026', 'in 5 days', false],
      ['Initech', '€80,000', 'Proposal', 'Nov 20, 2026', 'overdue by 7 days', true],
    ]);
    assert.deepEqual(s.summary, { customers: 2, text: '2 customers, 2 deals', totals: ['$120,000', '€80,000'], earliestClose: { date: 'Nov 20, 2026', relative: 'overdue by 7 days', overdue: true } });
    assert.equal(s.headline, '');
    assert.ok(s.ask.enabled);
  });

  it('has no summary for a single deal, and says so when there is no deal', () => {
    assert.equal(buildSidebarState({ ...base, context: aContext() }, p).summary, undefined);
    assert.equal(buildSidebarState({ ...base, context: aContext([]) }, p).headline, 'No linked deal.');
  });

  it('puts every state into words with a follow-up action', () => {
    const cases: Array<[SessionSnapshot['status'], string, string | undefined]> = [
      ['noGit', 'No git repository in this workspace.', undefined],
      ['noTicket', 'No ticket in the branch name.', 'setTicketForBranch'],
      ['detached', 'Detached HEAD: no branch, so no ticket.', 'setTicketForBranch'],
      ['notConfigured', 'Not configured.', 'configure'],
      ['invalidData', 'The data file is invalid.', 'openDataFile'],
      ['loading', 'Loading…', undefined],
    ];
    for (const [status, headline, action] of cases) {
      const s = buildSidebarState({ ...base, status }, p);
      assert.equal(s.headline, headline, status);
      assert.equal(s.action?.id, action, status);
    }
    const nf = buildSidebarState({ ...base, status: 'ticketNotFound', error: { kind: 'notFound', message: 'Jira: ACME-42 does not exist.' } }, p);
    assert.equal(nf.headline, 'Ticket ACME-42 not found.');
    assert.equal(nf.detail, 'Jira: ACME-42 does not exist.');
    const auth = buildSidebarState({ ...base, status: 'error', error: { kind: 'auth', message: 'Jira: HTTP 401' } }, p);
    assert.deepEqual(auth.action, { id: 'setToken', label: 'Set API Token…' });
  });

  it('keeps the last good data when offline, labelled with its time', () => {
    const s = buildSidebarState({ ...base, status: 'error', context: aContext(), fetchedAt: Noon - 3_600_000, staleBecause: 'Offline.', error: { kind: 'offline', message: 'Jira: cannot connect' } }, p);
    assert.equal(s.deals.length, 1);
    assert.equal(s.stale, 'Offline. Showing data from 11:00 AM.');
  });

  it('hides amounts with privacy everywhere in the state', () => {
    const s = buildSidebarState({ ...base, context: two }, { ...p, privacy: true });
    assert.ok(!JSON.stringify(s).match(/\$|€|120|80,000/));
  });
});

describe('summary markdown', () => {
  it('has a table of deals and the totals, escaped', () => {
    const md = summaryMarkdown({ ...base, context: aContext([aDeal({ customer: 'Evil | *Corp*' }), aDeal({ id: 'x', customer: 'B', amount: 5, currency: 'EUR' })]) }, p)!;
    assert.match(md, /^### \[ACME\\-42\]\(https:\/\/tracker\.example\.com\/ACME-42\): Export invoices to PDF/);
    assert.match(md, /\| Evil \\\| \\\*Corp\\\* \| \$120,000 \| Negotiation \| Dec 2, 2026 \| Anna Petrova \|/);
    assert.match(md, /\*\*At stake:\*\* \$120,000 \+ €5 across 2 customers; earliest close Dec 2, 2026\./);
    assert.ok(!summaryMarkdown({ ...base, context: aContext() }, { ...p, privacy: true })!.includes('120'));
  });
});

describe('summary markdown from hostile data', () => {
  const ZW = '\u200b';
  /** The summary of one deal built from `deal`, split into lines. */
  const summaryOf = (deal: Parameters<typeof aDeal>[0], ticket: Parameters<typeof aContext>[1] = {}) =>
    summaryMarkdown({ ...base, context: aContext([aDeal(deal)], ticket) }, p)!.split('\n');
  /** Cells of a table row, split at pipes no backslash escapes. */
  const cells = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());

  it('escapes link, image, HTML, code and emphasis syntax in every cell', () => {
    const rows = summaryOf({
      customer: '[see spec](javascript:alert(1)) ![x](https://evil.example/p.png)',
      stage: '<img src=x onerror=alert(1)> <script>',
      owner: { name: '`rm -rf` **boss** ~~x~~ _y_' },
    });
    assert.deepEqual(cells(rows[4]), [
      '\\[see spec\\]\\(javascript\\:alert\\(1\\)\\) \\!\\[x\\]\\(https\\://evil\\.example/p\\.png\\)',
      '$120,000',
      '\\<img src=x onerror=alert\\(1\\)\\> \\<script\\>',
      'Dec 2, 2026',
      '\\`rm \\-rf\\` \\*\\*boss\\*\\* \\~\\~x\\~\\~ \\_y\\_',
    ]);
  });

  it('keeps each deal on one row of five cells despite pipes, newlines and control characters', () => {
    const rows = summaryOf({
      customer: 'A | B\nC\r\n| D',
      stage: 'x\u2028y\u0000z\u0085w\t',
      owner: { name: 'back\\' },
    });
    assert.equal(rows.length, 6, rows.join('\n'));
    assert.deepEqual(cells(rows[4]),
      ['A \\| B C \\| D', '$120,000', 'x y z w', 'Dec 2, 2026', 'back\\\\']);
  });

  it('stops mentions, issue references and autolinks from firing on GitHub', () => {
    const rows = summaryOf({ customer: '@acme/sales #12 https://evil.example www.evil.example a@b.co :tada:' });
    assert.equal(cells(rows[4])[0], [
      `@${ZW}acme/sales`, `\\#${ZW}12`, 'https\\://evil\\.example', 'www\\.evil\\.example', `a@${ZW}b\\.co`, '\\:tada\\:',
    ].join(' '));
  });

  it('drops bidirectional overrides and cuts a long name with an ellipsis', () => {
    assert.equal(cells(summaryOf({ customer: 'abc\u202Edcba\u2066' })[4])[0], 'abcdcba');
    const long = cells(summaryOf({ customer: `${'x'.repeat(5000)}😀` })[4])[0];
    assert.equal(long, `${'x'.repeat(MaxSummaryText)}…`);
  });

  it('links the ticket only to an https URL, percent-encoding what could end the link', () => {
    const refused = ['javascript:alert(1)', 'http://tracker.example.com/A-1', 'https://u:p@tracker.example.com/', 'command:x', 'no'];
    for (const url of refused) {
      assert.equal(summaryOf({}, { url })[0], '### ACME\\-42: Export invoices to PDF', url);
    }
    assert.equal(summaryOf({}, { url: 'https://t.example/a(b)|c[d]' })[0],
      '### [ACME\\-42](https://t.example/a%28b%29%7Cc%5Bd%5D): Export invoices to PDF');
    assert.equal(summaryOf({}, { title: 'Fix [x](command:y) @team\n# H' })[0],
      `### [ACME\\-42](https://tracker.example.com/ACME-42): Fix \\[x\\]\\(command\\:y\\) @${ZW}team \\#${ZW} H`,
    );
  });

  it('escapes the dollars of a currency code, and dollar pairs that would open GitHub math', () => {
    assert.equal(cells(summaryOf({ currency: '$x$', amount: 5 })[4])[1], '5 \\$X\\$');
    assert.equal(cells(summaryOf({ customer: 'pay $5 or $6', closeDate: '<soon>' })[4]).join(' | '),
      'pay \\$5 or \\$6 | $120,000 | Negotiation | \\<soon\\> | Anna Petrova');
    const cad = aDeal({ id: '2', currency: 'CAD', amount: 5 });
    const md = summaryMarkdown({ ...base, context: aContext([aDeal(), cad]) }, p)!;
    assert.match(md, /\*\*At stake:\*\* \\\$120,000 \+ CA\\\$5 across 1 customer;/);
  });
});

describe('sidebar actions', () => {
  it('maps each action to a contributed command, or leaves it to the host', () => {
    assert.deepEqual(
      ViewActions.map((a) => [a, commandForAction(a), isHostAction(a)]),
      [
        ['setToken', 'customerContext.setToken', false],
        ['configure', 'customerContext.configure', false],
        ['refresh', 'customerContext.refresh', false],
        ['setTicketForBranch', 'customerContext.setTicketForBranch', false],
        ['openSettings', undefined, true],
        ['openDataFile', undefined, true],
      ],
    );
    assert.equal(commandForAction('toString' as ViewAction), undefined);
    assert.equal(isHostAction('toString' as ViewAction), false);
  });

  it('accepts exactly the table\'s actions from the webview', () => {
    for (const action of Object.keys(ActionCommands)) {
      assert.ok(FromWebview.safeParse({ type: 'action', action }).success, action);
    }
    for (const action of ['openTicket', 'toString', '__proto__', 'customerContext.refresh']) {
      assert.equal(FromWebview.safeParse({ type: 'action', action }).success, false, action);
    }
  });

  it('offers only actions from the table in every state', () => {
    const statuses: SessionSnapshot['status'][] = ['noFolder', 'noGit', 'gitUnavailable', 'detached', 'noTicket',
      'loading', 'notConfigured', 'invalidData', 'ticketNotFound', 'error', 'ready'];
    const offered = new Set<string>();
    for (const status of statuses) {
      for (const kind of ['auth', 'offline'] as const) {
        const id = buildSidebarState({ ...base, status, error: { kind, message: 'x' } }, p).action?.id;
        if (id) offered.add(id);
      }
    }
    assert.deepEqual([...offered].sort(), Object.keys(ActionCommands).sort());
  });
});
