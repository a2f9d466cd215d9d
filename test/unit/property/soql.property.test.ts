// SOQL literals against arbitrary strings: each is one well-formed string token (quotes, backslashes
// and line breaks escaped as Salesforce defines), reading it back gives the input (less the control
// characters SOQL cannot write), and 64 KB takes under 50 ms.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { soqlLike, soqlString } from '../../../src/core/providers/salesforce/soql';
import { soqlString as crmSoqlString } from '../../../src/core/providers/salesforce/crm';
import { BoundMs, Worst, fill, hostilePiece } from './timing';

const worst = new Worst('SOQL literals');

const Escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\' };

/**
 * Reads one SOQL string literal the way Salesforce's lexer does and returns its value, failing
 * unless the literal is the whole of `token`: it must end at its closing quote.
 */
function readLiteral(token: string, like: boolean): string {
  assert.equal(token[0], "'", 'starts with a quote');
  let value = '';
  for (let i = 1; i < token.length; i++) {
    const c = token[i];
    if (c === "'") {
      assert.equal(i, token.length - 1, `the literal ends early, at ${i} of ${token.length}`);
      return value;
    }
    assert.ok(!/[\u0000-\u001f\u007f]/.test(c), `raw control character ${JSON.stringify(c)}`);
    if (c === '\\') {
      const next = token[i + 1] ?? '';
      if (like && (next === '%' || next === '_')) value += next;
      else {
        assert.ok(next in Escapes, `invalid escape \\${next}`);
        value += Escapes[next];
      }
      i++;
    } else {
      if (like) assert.ok(c !== '%' && c !== '_', 'an unescaped LIKE wildcard');
      value += c;
    }
  }
  assert.fail('the literal is not closed');
}

/** The input as SOQL can carry it: control characters without an escape dropped, lone surrogates U+FFFD. */
function expressible(s: string): string {
  return s
    .replace(/[\u0000-\u0007\u000b\u000e-\u001f\u007f]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 30 });
const soqlish = fc
  .array(fc.oneof(fc.constantFrom("'", '\\', '"', '%', '_', '\n', '\r\n', '\t', '\b', '\f', '\u0000', "\\'", "' OR Name != '", 'x'), hostilePiece), { maxLength: 12 })
  .map((p) => p.join(''));
const input = fc.oneof(soqlish, anyUnits, fc.string({ unit: 'binary' }));

describe('SOQL literals (property-based)', function () {
  this.timeout(60_000);
  after(() => console.log(`      ${worst.report()}`));

  it('soqlString: one well-formed token that reads back as the input', () => {
    fc.assert(
      fc.property(input, (s) => {
        const token = worst.time('soqlString', () => soqlString(s));
        assert.equal(readLiteral(token, false), expressible(s));
        if (expressible(s) === s) assert.equal(readLiteral(token, false), s);
      }),
      { numRuns: 200 },
    );
  });

  it('soqlLike: wildcards escaped too; contains adds only the outer %', () => {
    fc.assert(
      fc.property(input, (s) => {
        const exact = worst.time('soqlLike', () => soqlLike(s));
        assert.equal(readLiteral(exact, true), expressible(s));
        const contains = soqlLike(s, 'contains');
        assert.ok(contains.startsWith("'%") && contains.endsWith("%'"));
        assert.equal(readLiteral(`'${contains.slice(2, -2)}'`, true), expressible(s));
      }),
      { numRuns: 200 },
    );
  });

  it('the CRM module and the task module share one escaper', () => {
    assert.equal(crmSoqlString, soqlString);
    assert.equal(soqlString(`a'b"c\\d\ne\tf`), `'a\\'b\\"c\\\\d\\ne\\tf'`);
    assert.equal(soqlLike('cc-question:1_2%', 'contains'), "'%cc-question:1\\_2\\%%'");
  });

  it(`takes under ${BoundMs} ms on 64 KB of characters that need escaping`, () => {
    for (const unit of ["'", '\\', '\n', '%', '_', '\u0000', '\ud800', 'я', "\\'"]) {
      const s = fill(unit);
      readLiteral(worst.time(`64 KB of ${JSON.stringify(unit)}`, () => soqlString(s)), false);
      readLiteral(worst.time(`64 KB of ${JSON.stringify(unit)} (LIKE)`, () => soqlLike(s)), true);
    }
  });
});
