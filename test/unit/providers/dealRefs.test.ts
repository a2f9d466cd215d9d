import * as assert from 'node:assert/strict';
import {
  dealRefsFromLabels,
  extractDealRefs,
  extractDealRefsFromText,
  isCrmUrl,
} from '../../../src/core/providers/dealRefs';

const HS = 'https://app.hubspot.com/contacts/123/record/0-3/18734567890';
const SF = 'https://acme.my.salesforce.com/lightning/r/Opportunity/0065g00000XyZ12AAB/view';
const PD = 'https://acme.pipedrive.com/deal/42';

describe('extractDealRefs (field values)', () => {
  const cases: Array<[string, unknown, string[]]> = [
    ['one id', '18734567890', ['18734567890']],
    ['padded id', '  18734567890 \n', ['18734567890']],
    ['comma, semicolon, space separated', '1, 2;3  4\t5', ['1', '2', '3', '4', '5']],
    ['mixed ids and URLs, URLs kept whole', `D-1001; ${HS}, ${SF}.`, [HS, SF, 'D-1001']],
    ['array of strings', ['101', ' 102 ', '101'], ['101', '102']],
    ['select option', { self: 'https://x/option/1', value: 'D-7', id: '10021' }, ['D-7']],
    ['multi select', [{ value: 'D-1', id: '1' }, { value: 'D-2', id: '2' }], ['D-1', 'D-2']],
    ['option whose value lists ids', { value: '1, 2' }, ['1', '2']],
    ['number', 18734567890, ['18734567890']],
    ['deal: prefixes', 'deal:55 Deal=56', ['55', '56']],
    ['words without digits are not ids', 'see the Globex deal', []],
    ['null, undefined, empty, NaN, no value', [null, undefined, '', Number.NaN, { id: 'x' }], []],
    ['markdown link in a value', `[renewal](${PD})`, [PD]],
  ];
  for (const [name, value, expected] of cases) {
    it(name, () => assert.deepEqual(extractDealRefs(value), expected));
  }

  it('caps a runaway list at 50', () => {
    const many = Array.from({ length: 500 }, (_, i) => String(1000 + i)).join(',');
    assert.equal(extractDealRefs(many).length, 50);
  });
});

describe('extractDealRefsFromText (free text)', () => {
  it('takes CRM links and explicit deal markers only', () => {
    const body = [
      'Globex cannot export invoices since v2.3 (see https://docs.example.com/export-limits).',
      `CRM: [renewal](${HS}) and ${SF}, also <${PD}>.`,
      'Deal ID: 18734567892 and deal: D-1001; 200 users affected.',
      'Self-hosted: https://crm.example.com/deals/1001?tab=1',
      'Pull request: https://github.com/acme/app/pull/77',
    ].join('\n');
    assert.deepEqual(extractDealRefsFromText(body), [
      HS,
      SF,
      PD,
      'https://crm.example.com/deals/1001?tab=1',
      '18734567892',
      'D-1001',
    ]);
  });

  it('handles null, empty and duplicate text', () => {
    assert.deepEqual(extractDealRefsFromText(null), []);
    assert.deepEqual(extractDealRefsFromText(''), []);
    assert.deepEqual(extractDealRefsFromText(`${HS} ${HS}`), [HS]);
  });
});

describe('isCrmUrl and dealRefsFromLabels', () => {
  it('recognises CRM hosts and deal paths, not other links', () => {
    assert.equal(isCrmUrl(HS), true);
    assert.equal(isCrmUrl('https://acme.lightning.force.com/lightning/r/Opportunity/006'), true);
    assert.equal(isCrmUrl('https://crm.example.com/opportunities/9'), true);
    assert.equal(isCrmUrl('https://github.com/acme/app/pull/77'), false);
    assert.equal(isCrmUrl('https://idealo.de/x'), false);
    assert.equal(isCrmUrl('not a url'), false);
  });

  it('reads deal:<id> labels', () => {
    const labels = ['customer-escalation', 'deal:18734567890', 'Deal: D-1', 'deal/42', 'deals'];
    assert.deepEqual(dealRefsFromLabels(labels), ['18734567890', 'D-1', '42']);
  });
});
