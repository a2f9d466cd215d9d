import * as assert from 'node:assert/strict';
import { parseDataFile } from '../../src/core/dataFile';
import { ProviderError } from '../../src/core/errors';
import { localCrm, localTracker } from '../../src/core/providers/local/providers';
import { fetchWorklist } from '../../src/core/worklistLoader';

const sample = {
  version: 1,
  tickets: {
    'ACME-42': { title: 'Export invoices to PDF', status: 'In Progress', deals: ['D-1001', 'D-404'] },
    'ACME-7': { title: 'SSO', url: 'https://tracker.example.com/ACME-7' },
    'ACME-9': { title: 'Audit log', labels: ['security'] },
  },
  deals: {
    'D-1001': { customer: 'Globex LLC', amount: 120000, currency: 'USD', owner: 'anna' },
    'D-2000': { customer: 'Umbrella', amount: 5000, currency: 'eur', tickets: ['acme-42', 'ACME-7'] },
    'D-3000': { customer: 'Initech', tickets: ['ACME-9'] },
  },
  contacts: { anna: { name: 'Anna Petrova', email: 'anna.petrova@example.com' } },
};

/** The sample as a data file source that counts its reads. */
function counted(text = JSON.stringify(sample)) {
  let reads = 0;
  const source = async () => {
    reads++;
    return parseDataFile(text);
  };
  return { source, reads: () => reads };
}

describe('data file worklist', () => {
  it('lists every ticket of the file in file order, whatever the query, up to the limit', async () => {
    const tracker = localTracker(counted().source, 'f.json');
    const all = await tracker.listMine!({ limit: 50 });
    assert.deepEqual(all.map((t) => t.key), ['ACME-42', 'ACME-7', 'ACME-9']);
    assert.deepEqual(all[0], {
      key: 'ACME-42', title: 'Export invoices to PDF', status: 'In Progress', url: undefined, assignee: undefined,
      labels: [], dealRefs: ['D-1001', 'D-404'], comments: [],
    });
    assert.deepEqual(all[2].labels, ['security']);
    assert.deepEqual((await tracker.listMine!({ query: 'assignee = me', limit: 2 })).map((t) => t.key), ['ACME-42', 'ACME-7']);
    assert.deepEqual(await tracker.listMine!({ limit: 0 }), []);
  });

  it('looks up the deals of every ticket in one read, as dealsForTicket would one by one', async () => {
    const c = counted();
    const crm = localCrm(c.source, 'f.json');
    const tickets = await localTracker(counted().source, 'f.json').listMine!({ limit: 50 });
    const batch = await crm.dealsForTickets!(tickets);
    assert.equal(c.reads(), 1);
    for (const t of tickets) assert.deepEqual(batch.get(t.key), await crm.dealsForTicket(t));
    assert.deepEqual(batch.get('ACME-42')!.deals.map((d) => d.id), ['D-1001', 'D-2000']);
    assert.deepEqual(batch.get('ACME-42')!.warnings, ['Deal D-404 (linked from ACME-42) is not in the data file.']);
    assert.deepEqual(batch.get('ACME-7')!.deals.map((d) => [d.customer, d.currency]), [['Umbrella', 'EUR']]);
    assert.deepEqual(batch.get('ACME-9')!.deals.map((d) => d.id), ['D-3000']);
    assert.deepEqual(batch.get('ACME-42')!.deals[0].owner, { name: 'Anna Petrova', email: 'anna.petrova@example.com', slackId: undefined, crmId: 'anna' });
  });

  it('loads the whole worklist with two reads of the file', async () => {
    const c = counted();
    const entries = await fetchWorklist(localTracker(c.source, 'f.json'), localCrm(c.source, 'f.json'), { limit: 50 });
    assert.equal(c.reads(), 2);
    assert.deepEqual(entries.map((e) => [e.ticket.key, e.deals.length]), [['ACME-42', 2], ['ACME-7', 1], ['ACME-9', 1]]);
  });

  it('reports a missing or invalid file like a single lookup does', async () => {
    await assert.rejects(localTracker(async () => undefined, 'f.json').listMine!({ limit: 50 }), (e: ProviderError) =>
      e.kind === 'notConfigured' && e.message.includes('f.json does not exist'));
    const broken = counted('{"tickets":{},"deals":{"D":{}}}');
    await assert.rejects(localTracker(broken.source, 'f.json').listMine!({ limit: 50 }), (e: ProviderError) =>
      e.kind === 'invalidData' && e.message.includes('deals.D.customer: required'));
    await assert.rejects(localCrm(broken.source, 'f.json').dealsForTickets!([]), (e: ProviderError) => e.kind === 'invalidData');
  });
});
