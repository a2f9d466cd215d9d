import * as assert from 'node:assert/strict';
import { parseDataFile } from '../../src/core/dataFile';
import { localCrm, localTracker } from '../../src/core/providers/local/providers';
import { ProviderError } from '../../src/core/errors';
import { aTicket } from './fakes';

const sample = {
  version: 1,
  tickets: { 'ACME-42': { title: 'Export invoices to PDF', url: 'https://tracker.example.com/ACME-42', deals: ['D-1001', 'D-1002'] } },
  deals: {
    'D-1001': { customer: 'Globex LLC', amount: 120000, currency: 'USD', stage: 'Negotiation', closeDate: '2026-12-15', owner: 'anna', url: 'https://crm.example.com/deals/1001' },
    'D-1002': { customer: 'Initech', amount: 80000, currency: 'eur', owner: 'bob', extra: { ignored: true } },
    'D-2000': { customer: 'Umbrella', tickets: ['acme-42'] },
  },
  contacts: { anna: { name: 'Anna Petrova', email: 'anna.petrova@example.com', slack: 'U024BE7LH' } },
};

describe('data file', () => {
  it('parses the contract example and ignores unknown fields', () => {
    const r = parseDataFile(JSON.stringify(sample));
    assert.ok(r.ok);
    assert.deepEqual(r.warnings, [{ path: 'deals.D-1002.owner', message: 'unknown contact "bob"' }]);
  });

  it('names the JSON path of a missing required field', () => {
    const bad = structuredClone(sample) as Record<string, any>;
    delete bad.deals['D-1001'].customer;
    const r = parseDataFile(JSON.stringify(bad));
    assert.ok(!r.ok);
    assert.deepEqual(r.problems, [{ path: 'deals.D-1001.customer', message: 'required' }]);
  });

  it('reports wrong types, bad dates and currencies with their paths', () => {
    const bad = structuredClone(sample) as Record<string, any>;
    bad.deals['D-1001'].amount = '120000';
    bad.deals['D-1001'].closeDate = '15.12.2026';
    bad.deals['D-1002'].currency = 'EURO';
    bad.tickets['ACME-42'].deals = 'D-1001';
    const r = parseDataFile(JSON.stringify(bad));
    assert.ok(!r.ok);
    const byPath = Object.fromEntries(r.problems.map((p) => [p.path, p.message]));
    assert.equal(byPath['deals.D-1001.amount'], 'expected number, got string');
    assert.equal(byPath['deals.D-1001.closeDate'], 'expected a date as YYYY-MM-DD');
    assert.equal(byPath['deals.D-1002.currency'], 'expected a 3-letter currency code such as USD');
    assert.equal(byPath['tickets.ACME-42.deals'], 'expected array, got string');
  });

  it('reports a JSON syntax error with line and column', () => {
    const r = parseDataFile('{\n  "tickets": {,\n}');
    assert.ok(!r.ok);
    assert.equal(r.problems[0].path, '(root)');
    assert.match(r.problems[0].message, /^not valid JSON at line 2, column \d+/);
  });

  it('requires tickets and deals at the top level', () => {
    const r = parseDataFile('{"version":1}');
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.map((p) => p.path), ['tickets', 'deals']);
  });

  it('warns about a ticket linking an unknown deal', () => {
    const bad = structuredClone(sample) as Record<string, any>;
    bad.tickets['ACME-42'].deals.push('D-9');
    const r = parseDataFile(JSON.stringify(bad));
    assert.ok(r.ok);
    assert.ok(r.warnings.some((w) => w.path === 'tickets.ACME-42.deals[2]' && w.message === 'unknown deal "D-9"'));
  });

  it('does not let __proto__ keys reach the prototype', () => {
    const r = parseDataFile('{"tickets":{"__proto__":{"title":"x"}},"deals":{}}');
    assert.ok(r.ok);
    assert.equal(({} as Record<string, unknown>).title, undefined);
  });

  describe('local providers', () => {
    const source = async () => parseDataFile(JSON.stringify(sample));

    it('finds a ticket case-insensitively and maps deals with owners, both link directions', async () => {
      const t = await localTracker(source, 'f.json').getTicket('acme-42');
      assert.equal(t.key, 'ACME-42');
      assert.deepEqual(t.dealRefs, ['D-1001', 'D-1002']);
      const { deals, warnings } = await localCrm(source, 'f.json').dealsForTicket(t);
      assert.deepEqual(deals.map((d) => d.id), ['D-1001', 'D-1002', 'D-2000']);
      assert.deepEqual(deals[0].owner, { name: 'Anna Petrova', email: 'anna.petrova@example.com', slackId: 'U024BE7LH', crmId: 'anna' });
      assert.equal(deals[1].currency, 'EUR');
      assert.deepEqual(deals[1].owner, { name: 'bob' });
      assert.deepEqual(warnings, []);
    });

    it('throws notFound for an unknown ticket, invalidData with the path for a bad file', async () => {
      await assert.rejects(localTracker(source, 'f.json').getTicket('ACME-1'), (e: ProviderError) => e.kind === 'notFound' && /ACME-1/.test(e.message));
      const broken = async () => parseDataFile('{"tickets":{},"deals":{"D":{}}}');
      await assert.rejects(localTracker(broken, 'f.json').getTicket('ACME-1'), (e: ProviderError) => e.kind === 'invalidData' && e.message.includes('deals.D.customer: required'));
      await assert.rejects(localTracker(async () => undefined, 'f.json').getTicket('ACME-1'), (e: ProviderError) => e.kind === 'notConfigured');
    });

    it('reports a referenced deal that is missing as a warning, not an error', async () => {
      const { deals, warnings } = await localCrm(source, 'f.json').dealsForTicket(aTicket({ key: 'X-1', dealRefs: ['D-404'] }));
      assert.deepEqual(deals, []);
      assert.deepEqual(warnings, ['Deal D-404 (linked from X-1) is not in the data file.']);
    });
  });
});

describe('ProviderError across bundles', () => {
  it('recognises an error made by another copy of the class', () => {
    const foreign = Object.assign(new Error('Jira: HTTP 401'), { name: 'ProviderError', kind: 'auth', details: {} });
    assert.ok(foreign instanceof ProviderError);
    assert.ok(!(new Error('plain') instanceof ProviderError));
    assert.ok(new ProviderError('offline', 'x') instanceof ProviderError);
  });
});
