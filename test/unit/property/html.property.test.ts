// HTML to text (task bodies sales edited, read back as answers) against arbitrary markup: every tag
// goes, a `<` survives only when no `>` follows it, the entities we decode are decoded exactly once,
// and 64 KB of the worst-case characters takes under 50 ms.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeHtml } from '../../../src/core/questions/messages';
import { htmlToText } from '../../../src/core/questions/routes';
import { BoundMs, Worst, describeInput, fill, hostileText } from './timing';

const worst = new Worst('htmlToText');

/** What htmlToText does to text after decoding: trailing blanks off each line, blank runs of one. */
function tidy(text: string): string {
  const kept: string[] = [];
  for (const raw of text.split('\n')) {
    const l = raw.replace(/[ \t]+$/, '');
    if (l || kept[kept.length - 1] !== '') kept.push(l);
  }
  return kept.join('\n').trim();
}

const Tags = [
  '<p>', '</p>', '<b>', '</b>', '<br>', '<br/>', '<br />', '<BR>', '</div>', '</li>', '</h2>',
  '<a href="https://x.example/?a=1&b=2">', '</a>', "<span class='x'>", '<!-- a > b -->',
  '<!---->', '<img src=x onerror=alert(1)>', '<script>', '</script>', '<ul>', '<li>', '</pre>',
];
/** Tags after which htmlToText starts a new line. */
const LineTags = new Set(['<br>', '<br/>', '<br />', '<BR>', '</div>', '</li>', '</h2>', '</p>', '</pre>']);
const tag = fc.constantFrom(...Tags);
/** Text with no markup character at all. */
const plain = fc.string({ unit: fc.constantFrom(...'ab Я1.;#\n\t\u00a0"\'/='), maxLength: 12 });
const markupChar = fc.constantFrom(...'<>&;/!-#abp ltgmq3');
/** Markup-ish text: tags, entities, stray `<`, `>`, `&`, `;`. */
const markupish = fc
  .array(
    fc.oneof(tag, plain, fc.string({ unit: markupChar, maxLength: 8 }), hostileText),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

/** Units whose 64 KB repetition is the hardest case for a scanner that searches ahead. */
const WorstUnits = [
  '<', '&', '<a', '&amp', '&#39', '< ', '<br', '>', '&;', '<p>', '&l', '<!--', '<!-->', '<!-- >',
  '-->', '<<b>b>', '&lt;&gt;', '<a&amp;', ' \n', '\n\n', ' ', '\t\n', 'a<', '&nbsp', '&amp;lt;',
];

function check(html: string, what = describeInput(html)): string {
  const text = worst.time(what, () => htmlToText(html));
  assert.equal(typeof text, 'string');
  return text;
}

describe('htmlToText (property-based)', function () {
  this.timeout(120_000);
  after(() => console.log(`      ${worst.report()}`));

  it('removes every tag: without entities, no `<` in the text has a `>` after it', () => {
    fc.assert(
      fc.property(markupish, (html) => {
        fc.pre(!html.includes('&'));
        const text = check(html);
        const lt = text.indexOf('<');
        if (lt >= 0) assert.equal(text.indexOf('>', lt), -1, `a tag survived in ${JSON.stringify(text)}`);
        // Exactly the `<`s that no `>` follows in the input stay.
        const count = (s: string) => s.split('<').length - 1;
        assert.equal(count(text), count(html.slice(html.lastIndexOf('>') + 1)));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the text between tags, with a line break for <br> and block ends', () => {
    const piece = fc.oneof(tag.map((t) => ({ t, tag: true })), plain.map((t) => ({ t, tag: false })));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), (pieces) => {
        const html = pieces.map((p) => p.t).join('');
        const expected = pieces
          .map((p) => (p.tag ? (LineTags.has(p.t) ? '\n' : '') : p.t))
          .join('');
        assert.equal(check(html), tidy(expected));
      }),
      { numRuns: 200 },
    );
  });

  it('decodes the entities it knows exactly once', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, fc.string({ unit: 'binary', maxLength: 40 })), (text) => {
        assert.equal(check(escapeHtml(text)), tidy(text), 'escaped once, decoded once');
        assert.equal(check(escapeHtml(escapeHtml(text))), tidy(escapeHtml(text)), 'not twice');
      }),
      { numRuns: 200 },
    );
    assert.equal(htmlToText('&amp;lt;b&amp;gt; &nbsp;&#39;&quot;'), "&lt;b&gt;  '\"");
  });

  it('leaves a lone `<` with no `>` after it as text', () => {
    fc.assert(
      fc.property(plain, fc.string({ unit: fc.constantFrom(...'<ab <'), maxLength: 20 }), (before, after) => {
        const html = `${before}<${after}`;
        assert.equal(check(html), tidy(html));
      }),
      { numRuns: 150 },
    );
  });

  it(`takes under ${BoundMs} ms on 64 KB of worst-case characters`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...WorstUnits), fc.constantFrom('', '>', ';', '-->', 'x', '>;-->'), (unit, end) => {
        check(fill(unit) + end, `64 KB of ${JSON.stringify(unit)} + ${JSON.stringify(end)}`);
      }),
      { numRuns: 150 },
    );
    for (const unit of WorstUnits) check(fill(unit), `64 KB of ${JSON.stringify(unit)}`);
    fc.assert(
      fc.property(markupish.filter((s) => s.length > 0), (seed) => {
        check(fill(seed), `64 KB of ${describeInput(seed)}`);
      }),
      { numRuns: 100 },
    );
  });
});
