// Deal references read from ticket fields, labels and text against arbitrary values: never a throw,
// at most 50 references, every URL reference an http(s) URL, no reference wrapped in punctuation,
// and 64 KB of the worst-case characters in under 50 ms.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MaxRefsTextLength,
  dealRefsFromLabels,
  extractDealRefs,
  extractDealRefsFromText,
  isCrmUrl,
} from '../../../src/core/providers/dealRefs';
import { BoundMs, Worst, describeInput, fill, hostilePiece } from './timing';

const worst = new Worst('deal references');

/** What may wrap a reference in prose or Markdown but never starts or ends one. */
const Leading = '"\'([{<*_~.,;:!?)]}>';
const Trailing = '.,;:!?\'"*_~)]}>([{<';

/** Pieces of realistic and hostile field values: ids, CRM links, markers, Markdown, punctuation. */
const refPiece = fc.oneof(
  fc.constantFrom(
    '18734567890', 'D-1001', '006Hn00000AbcDEF', 'deal:', 'Deal ID: ', 'deal=', 'deal_id#', 'deal ',
    'https://app.hubspot.com/contacts/1/record/0-3/42', 'https://acme.my.salesforce.com/006Hn00000AbcDEF',
    'https://acme.pipedrive.com/deal/42', 'https://crm.example.com/deals/7?tab=1', 'https://a',
    'http://x.example/opportunities/9', 'javascript:alert(1)', 'command:x', 'ftp://x/deal/1',
    'https://', '[renewal](', ')', '(', '<', '>', '"', "'", '*', '_', '~', '.', ',', ';', ':', '!', '?',
    ']', '[', '{', '}', ' ', '\n', '\t', '\u00a0', '#', '/', '-', '0', 'x', 'Я',
  ),
  fc.integer({ min: 0, max: 99999 }).map(String),
  hostilePiece,
);
const refText = fc.array(refPiece, { maxLength: 20 }).map((parts) => parts.join(''));
/** Field values: strings, numbers, arrays, select options, nested a little too deep. */
const fieldValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    refText,
    fc.double(),
    fc.integer(),
    fc.constantFrom(null, undefined, true, NaN, -1, 1.5, 2 ** 60),
    fc.array(tie('v'), { maxLength: 6 }),
    fc.record({ value: tie('v'), id: fc.string() }, { requiredKeys: [] }),
    fc.record({ url: fc.oneof(refText, fc.integer()) }),
  ),
})).v;

function checkRefs(refs: string[], what: string): void {
  assert.ok(Array.isArray(refs), what);
  assert.ok(refs.length <= 50, `${refs.length} references from ${what}`);
  assert.equal(new Set(refs).size, refs.length, 'no duplicates');
  for (const ref of refs) {
    assert.ok(ref.length > 0 && ref === ref.trim(), `untrimmed ${JSON.stringify(ref)}`);
    assert.ok(ref.length <= MaxRefsTextLength);
    if (/^https?:\/\//i.test(ref)) {
      const u = new URL(ref);
      assert.ok(u.protocol === 'http:' || u.protocol === 'https:', ref);
    } else {
      assert.match(ref, /^[A-Za-z0-9][A-Za-z0-9_.:/#+-]*$/, `not an id: ${JSON.stringify(ref)}`);
      assert.match(ref, /\d/, `an id has a digit: ${JSON.stringify(ref)}`);
    }
    assert.ok(!Leading.includes(ref[0]), `leading punctuation: ${JSON.stringify(ref)}`);
    assert.ok(!Trailing.includes(ref[ref.length - 1]), `trailing punctuation: ${JSON.stringify(ref)}`);
  }
}

/** Units whose 64 KB repetition is the hardest case for trims, URL and marker patterns. */
const WorstUnits = [
  '.', ')', 'https://a', 'https://a.', 'https://a)', '(', '"', 'deal: ', 'deal:', 'deal id:', 'deal_',
  'deal:1 ', 'a', 'https://a/deals/1 ', 'x.', ' ', 'deal ', '1', '1.', '(1', '"1', '*_~', 'h', 'http',
  'https:/', '1,', 'deal=', '<https://a>', '[a](https://a/deal/1)',
];
const Ends = ['', 'x', '1', ' x', '\nx', '.', ')'];

describe('deal references (property-based)', function () {
  this.timeout(120_000);
  after(() => console.log(`      ${worst.report()}`));

  it('extractDealRefs: never throws; at most 50 clean ids and http(s) URLs', () => {
    fc.assert(
      fc.property(fieldValue, (value) => {
        checkRefs(worst.time('a field value', () => extractDealRefs(value)), 'extractDealRefs');
      }),
      { numRuns: 200 },
    );
  });

  it('extractDealRefsFromText: never throws; only CRM links and marked ids', () => {
    fc.assert(
      fc.property(fc.oneof(refText, fc.constantFrom(null, undefined, '')), (text) => {
        const refs = worst.time('ticket text', () => extractDealRefsFromText(text));
        checkRefs(refs, 'extractDealRefsFromText');
        for (const ref of refs) if (/^https?:/i.test(ref)) assert.ok(isCrmUrl(ref), ref);
      }),
      { numRuns: 200 },
    );
  });

  it('dealRefsFromLabels: never throws; only labels that start with deal', () => {
    const label = fc.oneof(refText, refText.map((t) => `deal:${t}`), refText.map((t) => `Deal = ${t}`));
    fc.assert(
      fc.property(fc.array(label, { maxLength: 8 }), (labels) => {
        const refs = worst.time('labels', () => dealRefsFromLabels(labels));
        checkRefs(refs, 'dealRefsFromLabels');
        if (!labels.some((l) => /^\s*deal/i.test(l))) assert.deepEqual(refs, []);
      }),
      { numRuns: 200 },
    );
  });

  it('isCrmUrl: never throws and answers true only for http(s) URLs', () => {
    fc.assert(
      fc.property(fc.oneof(refText, fc.webUrl(), fc.string({ unit: 'binary' })), (url) => {
        const yes = worst.time('a URL', () => isCrmUrl(url));
        assert.equal(typeof yes, 'boolean');
        if (yes) assert.ok(['http:', 'https:'].includes(new URL(url).protocol), url);
      }),
      { numRuns: 200 },
    );
  });

  it('caps a runaway value at 50 references and a long one at a separator', () => {
    assert.equal(extractDealRefs(Array.from({ length: 100_000 }, (_, i) => String(i))).length, 50);
    const refs = extractDealRefs(`${fill('x ', MaxRefsTextLength - 3)} 12345678`);
    // The id straddles the cut: it is dropped, not cut to a different id.
    assert.deepEqual(refs, []);
  });

  it(`takes under ${BoundMs} ms on 64 KB of worst-case characters`, () => {
    const all = (text: string, what: string) => {
      checkRefs(worst.time(what, () => extractDealRefs(text)), what);
      checkRefs(worst.time(what, () => extractDealRefsFromText(text)), what);
      checkRefs(worst.time(what, () => dealRefsFromLabels([`deal:${text}`, text])), what);
      worst.time(what, () => isCrmUrl(`https://a/${text}`));
    };
    fc.assert(
      fc.property(fc.constantFrom(...WorstUnits), fc.constantFrom(...Ends), (unit, end) => {
        all(fill(unit) + end, `64 KB of ${JSON.stringify(unit)} + ${JSON.stringify(end)}`);
      }),
      { numRuns: 150 },
    );
    for (const unit of WorstUnits) all(fill(unit) + 'x', `64 KB of ${JSON.stringify(unit)} + "x"`);
    all(`https://a${fill('.')}x`, 'a URL + 64 KB of "." + "x"');
    all(`https://a${fill(')')}x`, 'a URL + 64 KB of ")" + "x"');
    all(`deal:${fill(' ')}x\ny`, '"deal:" + 64 KB of spaces + "x\\ny"');
    fc.assert(
      fc.property(refText.filter((s) => s.length > 0), (seed) => {
        all(fill(seed), `64 KB of ${describeInput(seed)}`);
      }),
      { numRuns: 100 },
    );
  });
});
