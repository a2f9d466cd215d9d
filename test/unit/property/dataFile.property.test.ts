// The data file against arbitrary JSON-ish text and arbitrary JSON values: never a throw; either data
// or problems, each naming a JSON path that exists in the file; and 64 KB of the worst cases (deep
// nesting, huge strings and keys, thousands of broken entries) in under 50 ms.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseDataFile, type DataFileResult } from '../../../src/core/dataFile';
import { BoundMs, KB64, Worst, describeInput, fill } from './timing';

const worst = new Worst('parseDataFile');

const TopKeys = ['tickets', 'deals', 'contacts', 'version'];

/** Keys that keep a dotted path unambiguous, so the test can follow it back into the value. */
const plainKey = fc.string({ unit: fc.constantFrom(...'ACMEacme-_0123456789'), minLength: 1, maxLength: 8 });
/** Any JSON value whose object keys are plain keys. */
const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, '', 'x', 'Я', '\u0000'),
    fc.string({ unit: 'binary', maxLength: 10 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(plainKey, tie('v'), { maxKeys: 4 }),
  ),
})).v;
const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, anyValue);
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', ' ', '<script>', 'Я', '\u0000'));

const ticket = fc.record(
  {
    title: maybe(text),
    url: maybe(text),
    status: maybe(text),
    labels: maybe(fc.array(text, { maxLength: 3 })),
    deals: maybe(fc.array(fc.oneof(plainKey, text), { maxLength: 3 })),
    extra: anyValue,
  },
  { requiredKeys: [] },
);
const deal = fc.record(
  {
    customer: maybe(text),
    amount: maybe(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer())),
    currency: maybe(fc.constantFrom('USD', 'eur', 'RUB', 'EURO', '$', '')),
    stage: maybe(text),
    closeDate: maybe(fc.constantFrom('2026-12-15', '15.12.2026', '2026-1-1', '')),
    owner: maybe(fc.oneof(plainKey, text)),
    url: maybe(text),
    tickets: maybe(fc.array(plainKey, { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const contact = fc.record({ name: maybe(text), email: maybe(text), slack: maybe(text) }, { requiredKeys: [] });
/** A data file as people write it, with wrong types, missing fields and extra keys mixed in. */
const dataFile = fc.record(
  {
    version: fc.oneof(fc.constant(1), anyValue),
    tickets: maybe(fc.dictionary(plainKey, maybe(ticket), { maxKeys: 4 })),
    deals: maybe(fc.dictionary(plainKey, maybe(deal), { maxKeys: 4 })),
    contacts: maybe(fc.dictionary(plainKey, maybe(contact), { maxKeys: 3 })),
    other: anyValue,
  },
  { requiredKeys: [] },
);

/** JSON text broken the way editing breaks it: characters inserted, deleted, cut off. */
const brokenJson = fc
  .tuple(dataFile, fc.array(fc.tuple(fc.nat(), fc.constantFrom('', '{', '}', '[', ']', '"', ',', ':', '\\', '\n', 'x', '\ufeff'))))
  .map(([value, edits]) => {
    let s = JSON.stringify(value);
    for (const [at, insert] of edits) {
      const i = at % (s.length + 1);
      s = insert ? s.slice(0, i) + insert + s.slice(i) : s.slice(0, i) + s.slice(i + 1);
    }
    return s;
  });
const jsonishText = fc.string({ unit: fc.constantFrom(...'{}[]":,0123456789.-+eEtrufalsn \n\\u\ufeffЯ'), maxLength: 80 });

/** Follows a `formatPath` path (`deals.D-1.owner`, `tickets.A.labels[0]`) into `value`. */
function parentExists(value: unknown, path: string): boolean {
  if (path === '(root)') return true;
  const parts = [...path.matchAll(/\.?([^.[\]]+)|\[(\d+)\]/g)].map((m) => m[1] ?? Number(m[2]));
  let cur: unknown = value;
  for (const p of parts.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, p)) return false;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return true;
}

function check(input: string, what = describeInput(input)): DataFileResult {
  const result = worst.time(what, () => parseDataFile(input));
  if (result.ok) {
    assert.equal(typeof result.data.tickets, 'object');
    assert.equal(typeof result.data.deals, 'object');
    for (const [key, t] of Object.entries(result.data.tickets)) assert.ok(t.title.length > 0, key);
    for (const [id, d] of Object.entries(result.data.deals)) assert.ok(d.customer.length > 0, id);
    for (const w of result.warnings) {
      assert.match(w.path, /^(tickets|deals)\./);
      assert.ok(w.message.length > 0);
    }
  } else {
    assert.ok(result.problems.length > 0, 'a failure names at least one problem');
    for (const p of result.problems) {
      assert.ok(p.path === '(root)' || TopKeys.some((k) => p.path.startsWith(k)), `path ${p.path.slice(0, 80)}`);
      assert.ok(p.message.length > 0 && p.message.length < 1000, p.message.slice(0, 100));
    }
  }
  return result;
}

/** 64 KB data files built to be hard: deep nesting, long strings and keys, many broken entries. */
const WorstFiles: Array<[string, () => string]> = [
  ['64 KB of "["', () => fill('[')],
  ['nested arrays 32 K deep', () => `${fill('[', KB64 / 2)}${fill(']', KB64 / 2)}`],
  ['nested objects in a ticket', () => `{"tickets":{"A":{"title":"t","x":${fill('{"a":', KB64 - 40)}1${'}'.repeat((KB64 - 40) / 5)}}},"deals":{}}`],
  ['a 64 KB title of \\u0000', () => `{"tickets":{"A":{"title":"${fill('\\u0000')}"}},"deals":{}}`],
  ['a 64 KB key of quotes', () => `{"tickets":{"${fill('\\"')}":{"title":"x"}},"deals":{}}`],
  ['an unterminated 64 KB string', () => `{"tickets":{"A":{"title":"${fill('x')}`],
  ['64 KB of digits', () => fill('9')],
  ['1e999999', () => `{"tickets":{},"deals":{"D":{"customer":"c","amount":1e999999}}}`],
  ['64 KB of spaces then {', () => `${fill(' ')}{`],
  ['64 KB of "\\n" then x', () => `${fill('\n')}x`],
  ['64 KB of {"a":', () => fill('{"a":')],
  ['2,000 deals with unknown owners', () => `{"tickets":{},"deals":{${entries(2000, (i) => `"D-${i}":{"customer":"c","owner":"o${i}"}`)}}}`],
  ['2,000 tickets with unknown deals', () => `{"tickets":{${entries(2000, (i) => `"T-${i}":{"title":"t","deals":["x"]}`)}},"deals":{}}`],
  ['64 KB of valid tickets', () => `{"tickets":{${entries(4000, (i) => `"T${i}":{"title":"t"}`)}},"deals":{}}`],
];

/** 64 KB files broken in every entry or element: one problem each is thousands of problems. */
const BrokenEverywhere: Array<[string, () => string]> = [
  ['5,500 tickets without a title', () => `{"tickets":{${entries(5500, (i) => `"T${i}":{}`)}},"deals":{}}`],
  ['30,000 labels that are numbers', () => `{"tickets":{"A":{"title":"t","labels":[${entries(30_000, () => '1')}]}},"deals":{}}`],
  ['1,700 deals with a bad currency', () => `{"tickets":{},"deals":{${entries(1700, (i) => `"D${i}":{"customer":"c","currency":1}`)}}}`],
];

function entries(n: number, entry: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => entry(i)).join(',');
}

describe('parseDataFile (property-based)', function () {
  this.timeout(120_000);
  after(() => console.log(`      ${worst.report()}`));

  it('never throws on arbitrary JSON values: data, or problems whose paths lead into the file', () => {
    fc.assert(
      fc.property(fc.oneof(dataFile, anyValue, fc.jsonValue()), (value) => {
        const result = check(JSON.stringify(value) ?? 'null');
        // Paths are followed back only where keys cannot hold `.` or `[` (fc.jsonValue's can).
        if (!result.ok && JSON.stringify(value)?.match(/"[^"]*[.[\]][^"]*":/) == null) {
          for (const p of result.problems) assert.ok(parentExists(value, p.path), `no ${p.path} in the file`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on JSON-ish text: a syntax error is one problem at the root with a place', () => {
    fc.assert(
      fc.property(fc.oneof(brokenJson, jsonishText), (input) => {
        const result = check(input);
        let syntaxOk = true;
        try {
          JSON.parse(input.replace(/^\ufeff/, ''));
        } catch {
          syntaxOk = false;
        }
        if (!syntaxOk) {
          assert.ok(!result.ok);
          assert.equal(result.problems.length, 1);
          assert.equal(result.problems[0].path, '(root)');
          assert.match(result.problems[0].message, /^not valid JSON/);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('accepts every well-formed file it is given and warns about dangling references only', () => {
    const good = fc.record({
      tickets: fc.dictionary(plainKey, fc.record({ title: fc.string({ minLength: 1 }), deals: fc.array(plainKey, { maxLength: 3 }) })),
      deals: fc.dictionary(plainKey, fc.record({ customer: fc.string({ minLength: 1 }), owner: plainKey }, { requiredKeys: ['customer'] })),
    });
    fc.assert(
      fc.property(good, (file) => {
        const result = check(JSON.stringify(file));
        assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
        const dangling =
          Object.values(file.tickets).flatMap((t) => t.deals.filter((id) => !Object.hasOwn(file.deals, id))).length +
          Object.values(file.deals).filter((d) => d.owner !== undefined).length;
        assert.equal(result.warnings.length, dangling);
      }),
      { numRuns: 150 },
    );
  });

  it(`takes under ${BoundMs} ms on 64 KB of deep nesting, huge strings and broken entries`, () => {
    for (const [what, build] of WorstFiles) check(build(), what);
    fc.assert(
      fc.property(fc.oneof(jsonishText, brokenJson).filter((s) => s.length > 0), (seed) => {
        check(fill(seed), `64 KB of ${describeInput(seed)}`);
      }),
      { numRuns: 100 },
    );
  });

  it(`takes under ${BoundMs} ms on 64 KB files broken in every entry or element`, () => {
    for (const [what, build] of BrokenEverywhere) {
      const input = build();
      assert.ok(input.length <= KB64 + 1024, `${what}: ${input.length} characters`);
      check(input, what);
    }
  });
});
