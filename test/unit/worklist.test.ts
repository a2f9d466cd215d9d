import * as assert from 'node:assert/strict';
import type { Deal, TicketContext } from '../../src/core/model';
import {
  type WorklistSnapshot,
  buildWorklistRows,
  buildWorklistView,
  currencyOrder,
  isWorklistSort,
  oneLine,
  worklistTooltip,
} from '../../src/core/worklist';
import { aContext, aDeal } from './builders';
import { Noon } from './fakes';

const p = { locale: 'en-US', now: Noon, privacy: false };
const hidden = { ...p, privacy: true };

const usd = (amount: number, more: Partial<Deal> = {}) => aDeal({ id: `u${amount}`, amount, currency: 'USD', ...more });
const eur = (amount: number, more: Partial<Deal> = {}) => aDeal({ id: `e${amount}`, amount, currency: 'EUR', ...more });
const entry = (key: string, deals: Deal[], title = `Ticket ${key}`): TicketContext => aContext(deals, { key, title });

const ready = (entries: TicketContext[], more: Partial<WorklistSnapshot> = {}): WorklistSnapshot => ({
  status: 'ready', entries, refreshing: false, trackerLabel: 'Jira Cloud', fetchedAt: Noon, ...more,
});

// A: USD 100k. B: USD 50k and EUR 1M. C: EUR 2M. D: nothing. E: USD 100k (ties with A).
const mixed = [
  entry('C-1', [eur(2_000_000, { customer: 'Cyberdyne', closeDate: '2026-12-20' })]),
  entry('D-1', []),
  entry('B-1', [usd(50_000, { customer: 'Initech', closeDate: '2026-12-01' }), eur(1_000_000, { customer: 'Umbrella', closeDate: '2027-01-05' })]),
  entry('E-1', [usd(100_000, { customer: 'Hooli', closeDate: '2026-12-01' })]),
  entry('A-1', [usd(100_000, { customer: 'Globex LLC', closeDate: '2026-12-10' })]),
];
const keys = (entries: TicketContext[], sort: 'amount' | 'close' | 'customers', more = {}) =>
  buildWorklistRows(entries, { sort, ...more }, p).rows.map((r) => r.key);

describe('worklist rows', () => {
  it('puts a ticket into one row: customers, totals per currency, earliest close, stages, count', () => {
    const deals = [
      usd(120_000, { customer: 'Globex LLC', stage: 'Negotiation', closeDate: '2026-12-15' }),
      eur(80_000, { customer: 'Initech', stage: 'Proposal', closeDate: '2026-12-02', owner: { name: 'Bob Stone' } }),
      usd(30_000, { customer: 'Globex LLC', stage: 'Negotiation', closeDate: undefined }),
    ];
    const [row] = buildWorklistRows([entry('ACME-42', deals, 'Export invoices to PDF')], { sort: 'amount' }, p).rows;
    assert.equal(row.key, 'ACME-42');
    assert.equal(row.label, 'ACME-42 Export invoices to PDF');
    assert.deepEqual(row.customers, ['Globex LLC', 'Initech']);
    assert.deepEqual(row.owners, ['Anna Petrova', 'Bob Stone']);
    assert.deepEqual(row.stages, ['Negotiation', 'Proposal']);
    assert.deepEqual(row.totals, [{ currency: 'USD', amount: 150_000 }, { currency: 'EUR', amount: 80_000 }]);
    assert.equal(row.dealCount, 3);
    assert.equal(row.earliestClose, '2026-12-02');
    assert.equal(row.closeRelative, 'in 5 days');
    assert.equal(row.description, '$150K + €80K · closes Dec 2, 2026 · 3 deals');
    assert.deepEqual(worklistTooltip(row, p), [
      'ACME-42: Export invoices to PDF',
      'Customers: Globex LLC, Initech',
      'Sales owners: Anna Petrova, Bob Stone',
      'At stake: $150,000 + €80,000',
      'Earliest close: Dec 2, 2026 (in 5 days)',
      'Stages: Negotiation, Proposal',
    ]);
  });

  it('says so when a ticket has no deal, and keeps the lookup warnings', () => {
    const e = { ...entry('X-1', []), warnings: ['Deal D-9 (linked from X-1) is not in the data file.'] };
    const [row] = buildWorklistRows([e], { sort: 'amount' }, p).rows;
    assert.equal(row.description, 'no linked deal');
    assert.equal(row.totalText, '');
    assert.deepEqual(row.warnings, ['Deal D-9 (linked from X-1) is not in the data file.']);
    assert.ok(worklistTooltip(row, p).includes('Warning: Deal D-9 (linked from X-1) is not in the data file.'));
  });

  it('ranks by amount per currency: the most used currency decides, others break its ties, none last', () => {
    assert.deepEqual(currencyOrder(mixed.map((e) => buildWorklistRows([e], { sort: 'amount' }, p).rows[0].totals)), ['USD', 'EUR']);
    assert.deepEqual(keys(mixed, 'amount'), ['A-1', 'E-1', 'B-1', 'C-1', 'D-1']);
    assert.deepEqual(keys(mixed, 'amount', { preferredCurrency: 'eur' }), ['C-1', 'B-1', 'A-1', 'E-1', 'D-1']);
  });

  it('never adds different currencies: 1M EUR + 50K USD does not outrank 100K USD', () => {
    const rows = buildWorklistRows(mixed, { sort: 'amount' }, p).rows;
    const b = rows.find((r) => r.key === 'B-1')!;
    assert.deepEqual(b.totals, [{ currency: 'EUR', amount: 1_000_000 }, { currency: 'USD', amount: 50_000 }]);
    assert.equal(b.totalText, '€1M + $50K');
    assert.ok(rows.findIndex((r) => r.key === 'A-1') < rows.findIndex((r) => r.key === 'B-1'));
  });

  it('ranks by earliest close (none last, then amount) and by number of customers', () => {
    assert.deepEqual(keys(mixed, 'close'), ['E-1', 'B-1', 'A-1', 'C-1', 'D-1']);
    assert.deepEqual(keys(mixed, 'customers'), ['B-1', 'A-1', 'E-1', 'C-1', 'D-1']);
  });

  it('breaks ties by key in natural order (ACME-9 before ACME-10), whatever the tracker order', () => {
    const tied = ['ACME-10', 'ACME-9', 'ACME-100'].map((k) => entry(k, [usd(5)]));
    assert.deepEqual(keys(tied, 'amount'), ['ACME-9', 'ACME-10', 'ACME-100']);
    assert.deepEqual(keys([...tied].reverse(), 'amount'), ['ACME-9', 'ACME-10', 'ACME-100']);
  });

  it('filters case-insensitively on key, title, customer and owner, keeping the order', () => {
    assert.deepEqual(keys(mixed, 'amount', { filter: '  hOOLI ' }), ['E-1']);
    assert.deepEqual(keys(mixed, 'amount', { filter: 'ticket' }), ['A-1', 'E-1', 'B-1', 'C-1', 'D-1']);
    assert.deepEqual(keys(mixed, 'amount', { filter: 'anna' }), ['A-1', 'E-1', 'B-1', 'C-1']);
    assert.deepEqual(keys(mixed, 'amount', { filter: 'b-1' }), ['B-1']);
    assert.deepEqual(keys(mixed, 'amount', { filter: '   ' }), keys(mixed, 'amount'));
    assert.equal(buildWorklistRows(mixed, { sort: 'amount', filter: 'zzz' }, p).total, 5);
  });

  it("marks the current branch's ticket, case-insensitively", () => {
    const rows = buildWorklistRows(mixed, { sort: 'amount', currentKey: 'b-1' }, p).rows;
    assert.deepEqual(rows.filter((r) => r.current).map((r) => r.key), ['B-1']);
    assert.ok(worklistTooltip(rows.find((r) => r.current)!, p).includes("This is the current branch's ticket."));
  });

  it('hides amounts: one mask, no totals, no currency names, the same order', () => {
    const shown = buildWorklistRows(mixed, { sort: 'amount' }, p);
    const masked = buildWorklistRows(mixed, { sort: 'amount' }, hidden);
    assert.deepEqual(masked.rows.map((r) => r.key), shown.rows.map((r) => r.key));
    assert.deepEqual(masked.currencyOrder, []);
    const b = masked.rows.find((r) => r.key === 'B-1')!;
    assert.deepEqual(b.totals, []);
    assert.equal(b.totalText, '•••');
    assert.ok(worklistTooltip(b, hidden).includes('At stake: •••'));
    const text = JSON.stringify([masked.rows, masked.rows.map((r) => worklistTooltip(r, hidden))]);
    for (const leak of ['1,000,000', '1M', '50K', '100K', '2M', '€', '$', 'USD', 'EUR']) assert.ok(!text.includes(leak), leak);
    const view = buildWorklistView(ready(mixed), { sort: 'amount' }, hidden);
    assert.equal(view.message, 'Sorted by amount at stake');
  });

  it('makes labels one line without bidi controls, cut at a bound', () => {
    assert.equal(oneLine('a\nb\u202e\tc  \u2028 d'), 'a b c d');
    assert.equal(oneLine('x'.repeat(300)), `${'x'.repeat(200)}…`);
    const [row] = buildWorklistRows([entry('K-1', [], 'line one\r\nline two\u2066')], { sort: 'amount' }, p).rows;
    assert.equal(row.label, 'K-1 line one line two');
  });

  it('accepts only known sort modes from storage', () => {
    assert.ok(isWorklistSort('close'));
    assert.ok(!isWorklistSort('__proto__'));
    assert.ok(!isWorklistSort(3));
  });
});

describe('worklist view in words', () => {
  it('says how it is sorted, and the currency order when it matters', () => {
    const v = buildWorklistView(ready(mixed), { sort: 'amount' }, p);
    assert.equal(v.placeholder, undefined);
    assert.equal(v.message, 'Sorted by amount at stake (USD first, then EUR; never converted)');
    assert.equal(buildWorklistView(ready(mixed), { sort: 'close' }, p).message, 'Sorted by earliest close');
  });

  it('reports progress and the filter', () => {
    const v = buildWorklistView(ready(mixed, { refreshing: true, progress: { loaded: 12, total: 50 } }), { sort: 'customers', filter: 'globex' }, p);
    assert.equal(v.message, 'Loading 12 of 50… · Sorted by number of customers · Filter "globex": 1 of 5');
    const first = buildWorklistView({ status: 'loading', entries: [], refreshing: false, trackerLabel: 'Jira Cloud', progress: { loaded: 0, total: 50 } }, { sort: 'amount' }, p);
    assert.equal(first.message, 'Loading 0 of 50…');
    assert.deepEqual(first.placeholder, { text: 'Loading your tickets from the Jira Cloud…', kind: 'loading' });
  });

  it('puts every empty and failed state into words', () => {
    const o = { sort: 'amount' as const };
    assert.equal(buildWorklistView({ status: 'noFolder', entries: [], refreshing: false, trackerLabel: '' }, o, p).placeholder?.text, 'Open a folder to list your tickets.');
    assert.equal(buildWorklistView(ready([]), o, p).placeholder?.text, 'No open ticket assigned to you in the Jira Cloud.');
    assert.equal(buildWorklistView(ready([], { trackerLabel: 'data file' }), o, p).placeholder?.text, 'The data file has no ticket.');
    assert.equal(buildWorklistView(ready([], { query: 'project = X' }), o, p).placeholder?.text, 'No open ticket matches the worklist query of the Jira Cloud.');
    assert.equal(buildWorklistView(ready(mixed), { ...o, filter: 'nobody' }, p).placeholder?.text, 'No ticket matches "nobody".');
    const failed = buildWorklistView({ status: 'error', entries: [], refreshing: false, trackerLabel: 'Jira Cloud', error: { kind: 'auth', message: 'Jira: the token was refused (HTTP 401).' } }, o, p);
    assert.deepEqual(failed.placeholder, { text: 'Could not load your tickets: Jira: the token was refused (HTTP 401).', kind: 'error', errorKind: 'auth' });
  });

  it('keeps cached rows on a failed refresh and says since when', () => {
    const v = buildWorklistView(ready(mixed, { status: 'error', error: { kind: 'offline', message: 'Jira: cannot connect.' } }), { sort: 'amount' }, p);
    assert.equal(v.rows.length, 5);
    assert.equal(v.placeholder, undefined);
    assert.match(v.message, /^Not refreshed: Jira: cannot connect\. Showing data from \d\d:\d\d( [AP]M)?\. · Sorted by amount/);
  });
});
