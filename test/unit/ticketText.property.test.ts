// Ticket keys in free text and the hover/tool text against arbitrary input: key finding is linear and
// bounded on 64 KB lines and returns only keys the rules accept; the hover Markdown holds no link,
// image, HTML, command or line break made from data; the tool's plain text is bounded.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTicketKey, normalizeKey, projectOf } from '../../src/core/branch';
import type { Deal } from '../../src/core/model';
import {
  MaxKeyLength,
  MaxPlainDeals,
  MaxPlainText,
  MaxTextLine,
  contextMarkdown,
  contextPlainText,
  findTicketKeys,
  keyCandidateAt,
  ticketCommandLinks,
  type KeyMatch,
  type KeyRules,
} from '../../src/core/ticketText';
import { aContext, aDeal } from './builders';
import { Noon } from './fakes';
import { KB64, Worst, describeInput, fill, hostilePiece, hostileText } from './property/timing';

/** Pieces of prose and code around keys: look-alikes, boundaries, entities, versions. */
const keyPiece = fc.oneof(
  fc.constantFrom(
    'ACME-42', 'ACME-7', 'acme-42', 'Acme-5', 'UTF-8', 'ISO-8601', 'SHA-256', 'CVE-2024-1234', 'RFC-2119',
    '#12', '#7', '&#12;', 'a#3', '/#4', '##5', 'AB-1', 'AB-1.5', 'AB-1,5', 'X-1', 'FOO_BAR-9', 'ACME-042',
    'ABCDEFGHIJKLMNOPQRSTU-1', 'ACME-1234567890', '-', '#', '.', ',', ' ', '_', '/', '(', ')', ':', '\n',
    'Ä', 'ß', 'Я-1', '\u200b', '0', '9',
  ),
  fc.string({ unit: fc.constantFrom(...'AB-1#_.,x '), maxLength: 8 }),
  hostilePiece,
);
const line = fc.array(keyPiece, { maxLength: 40 }).map((parts) => parts.join(''));
const knownKeys = ['ACME-42', 'ACME-7', 'UTF-8', 'ISO-8601', '#12', '#7', 'AB-1', 'FOO_BAR-9', 'X-1'];
const rules: fc.Arbitrary<KeyRules & { known: string[] }> = fc.record({
  projectKeys: fc.oneof(fc.constant([] as string[]), fc.subarray(['ACME', 'acme', 'UTF', 'AB', ' foo_bar ', 'X'])),
  numericKeys: fc.boolean(),
  known: fc.oneof(fc.subarray(knownKeys), fc.constant<string[]>(['*'])),
}).map((r) => ({ ...r, isKnown: (k: string) => r.known.includes('*') || r.known.includes(k) }));

const Standards = new Set(['UTF', 'ISO', 'SHA', 'CVE', 'RFC']);
const wordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);

/** Why the rules reject a returned match, or undefined when they accept it (an independent reading). */
function rejection(text: string, m: KeyMatch, r: KeyRules): string | undefined {
  const raw = text.slice(m.start, m.end);
  if (normalizeKey(raw) !== m.key) return `text ${JSON.stringify(raw)} is not the key ${m.key}`;
  if (!isTicketKey(m.key)) return 'not a ticket key';
  if (wordChar(text[m.start - 1])) return 'the tail of a longer word';
  const next = text.slice(m.end, m.end + 2);
  if (wordChar(text[m.end]) || /^[.,][0-9]/.test(next)) return 'followed by more of a word or version';
  const listed = r.projectKeys.map((k) => k.trim().toUpperCase()).filter(Boolean);
  if (m.key.startsWith('#')) {
    if (!r.numericKeys) return '#123 for a tracker with project keys';
    if (listed.length > 0) return '#123 while projectKeys names projects';
    if (/[&#/]/.test(text[m.start - 1] ?? '')) return '#123 in an entity, heading or URL';
    return r.isKnown?.(m.key) ? undefined : 'not confirmed by the tracker';
  }
  const project = projectOf(m.key) ?? '';
  if (listed.length > 0) return listed.includes(project) ? undefined : `project ${project} not in projectKeys`;
  if (raw !== raw.toUpperCase()) return 'a lower-case look-alike without projectKeys';
  if (Standards.has(project)) return `the standard ${project}`;
  return r.isKnown?.(m.key) ? undefined : 'not confirmed by the tracker';
}

const keyTime = new Worst('key finding');
const textTime = new Worst('hover and tool text');

describe('ticket keys in free text, property-based', function () {
  this.timeout(120_000);
  after(() => console.log(`      ${keyTime.report()}`));

  it('returns only keys the rules accept, each inside the window looked at', () => {
    fc.assert(
      fc.property(line, rules, fc.nat(400), (text, r, from) => {
        for (const [a, b] of [[0, undefined], [from, from + 50]] as const) {
          const found = findTicketKeys(text, r, a, b);
          for (const m of found) {
            assert.equal(rejection(text, m, r), undefined, `${m.key} in ${JSON.stringify(text)}`);
            assert.ok(m.start >= a && m.start < (b ?? a + MaxTextLine), `${m.key} at ${m.start} outside [${a}, ${b})`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('finds every listed key that stands alone, wherever it is in the first MaxTextLine characters', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom('ACME', 'acme', 'Ops'), fc.integer({ min: 1, max: 9_999_999 })),
          { maxLength: 20 },
        ),
        fc.array(
          fc.constantFrom(' ', ', ', ' (', ') ', '\t', ': ', ' `', '` ', '/', ' -'),
          { minLength: 21, maxLength: 21 },
        ),
        (planted, gaps) => {
          const text = planted.map(([p, n], i) => `${gaps[i]}${p}-${n}`).join('') + gaps[20];
          const found = findTicketKeys(text, { projectKeys: ['ACME', 'ops'], numericKeys: false }).map((m) => m.key);
          assert.deepEqual(found, planted.map(([p, n]) => `${p.toUpperCase()}-${n}`), text);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('takes under 50 ms on 64 KB lines of worst-case and arbitrary text, whole-line and around a pointer', () => {
    const units = fc.oneof(
      fc.constantFrom(
        'A', 'A-', 'AB-1', 'ABCDEFGHIJKLMNOPQRST-', 'ABCDEFGHIJKLMNOPQRST-123456789', 'A-1.', '#1', '#', '&#1',
        'ACME-42 ', 'a1-', '-1', '1', '_', 'Я', '😀', '\ud800',
      ),
      line.filter((s) => s.length > 0),
      hostileText.filter((s) => s.length > 0),
    );
    fc.assert(
      fc.property(units, rules, fc.nat(KB64), (unit, r, pointer) => {
        const text = fill(unit);
        const what = describeInput(unit);
        keyTime.time(`64 KB of ${what}, whole line`, () => findTicketKeys(text, r, 0, Infinity));
        keyTime.time(`64 KB of ${what}, from ${pointer}`, () => findTicketKeys(text, r, pointer));
        const at = keyTime.time(`64 KB of ${what}, hover at ${pointer}`, () => keyCandidateAt(text, pointer, r));
        if (at) assert.ok(at.start <= pointer && pointer <= at.end && at.end - at.start <= MaxKeyLength);
      }),
      { numRuns: 150 },
    );
  });
});

/** The text with every backslash-escaped character taken out: what a renderer may read as structure. */
const bare = (md: string) => md.replace(/\\[\s\S]/g, '');

const aHostileDeal = (text: fc.Arbitrary<string>) =>
  fc.record({
    customer: text, stage: text, owner: text, currency: text, closeDate: text,
    amount: fc.oneof(fc.integer({ min: 0, max: 1e9 }), fc.constant(undefined)),
  });
type RawDeal = { customer: string; stage: string; owner: string; currency: string; closeDate: string; amount?: number };
const toDeals = (raw: RawDeal[]): Deal[] =>
  raw.map((d, i) => aDeal({ id: `D-${i}`, ...d, owner: { name: d.owner } }));
/** 64 KB of one seed: the worst character classes at full size. */
const seed64k = fc.oneof(hostilePiece, hostileText).filter((s) => s.length > 0);

describe('hover and tool text, property-based', function () {
  this.timeout(120_000);
  const p = { locale: 'en-US', now: Noon, privacy: false };
  after(() => console.log(`      ${textTime.report()}`));

  /** Structure checks on one hover (the context Markdown plus the two command links). */
  function checkHover(md: string, deals: Deal[]): void {
    const links = ticketCommandLinks('ACME-42');
    const hover = `${md}\n${links}`;
    // Only the two links of ticketCommandLinks, each to one of this extension's commands.
    assert.equal(bare(hover).split('](').length - 1, 2, 'exactly two links');
    assert.equal(bare(md).split('](').length - 1, 0, 'no link from data');
    const text = bare(md);
    for (const s of ['[', ']', '<', '>', '!', '`', '|', '&', '_', '~', '$']) {
      assert.ok(!text.includes(s), `unescaped ${s}`);
    }
    assert.equal(text.split('**').length, 3, 'only the key is bold');
    assert.doesNotMatch(text, /command:|https?:|www\.|javascript:|data:/i);
    const lines = md.split('\n');
    const facts = deals.length === 0 ? 1 : lines.length - 3;
    assert.ok(facts <= 4, `at most four fact lines: ${md.slice(0, 500)}`);
    assert.equal(lines[1], '', 'a blank line after the heading');
    assert.equal(lines[lines.length - 1], '', 'ends with a newline');
    for (const l of lines.slice(2, -2)) assert.ok(l.endsWith('  '), 'hard breaks between facts');
    assert.ok(md.length < 8 * 1024, `bounded: ${md.length}`);
  }

  function checkPlain(text: string, deals: Deal[], privacy: boolean): void {
    assert.ok(text.length <= MaxPlainText, `${text.length} characters`);
    // No control character but the line feed, and no bidi control.
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    const lines = text.split('\n');
    assert.ok(lines[0].startsWith('Customer context of ticket '), lines[0].slice(0, 200));
    assert.equal(lines.filter((l) => l.startsWith('Title: ')).length, 1, 'one title line');
    if (text.length < MaxPlainText) {
      assert.equal(lines.filter((l) => l.startsWith('- ')).length, Math.min(deals.length, MaxPlainDeals + 1));
    }
    if (privacy) {
      for (const d of deals) {
        if (d.amount === undefined || d.amount < 1000) continue;
        assert.ok(!text.includes(d.amount.toLocaleString('en-US')), 'amount hidden');
      }
    }
  }

  it('hover Markdown: no link, image, HTML, command or line from data, whatever the fields hold', () => {
    const input = fc.record({
      raw: fc.array(aHostileDeal(hostileText), { maxLength: 7 }),
      title: hostileText,
      key: hostileText,
      privacy: fc.boolean(),
    });
    fc.assert(
      fc.property(input, ({ raw, title, key, privacy }) => {
        const deals = toDeals(raw);
        const context = aContext(deals, { title, key });
        const md = textTime.time('hostile fields, Markdown', () => contextMarkdown(context, { ...p, privacy }));
        checkHover(md, deals);
        const plain = textTime.time('hostile fields, plain', () => contextPlainText(context, { ...p, privacy }));
        checkPlain(plain, deals, privacy);
      }),
      { numRuns: 200 },
    );
  });

  it('stays within 50 ms and its bounds for 64 KB in every field and many deals', () => {
    const input = fc.record({
      customerSeed: seed64k,
      titleSeed: seed64k,
      n: fc.integer({ min: 1, max: 60 }),
      privacy: fc.boolean(),
    });
    fc.assert(
      fc.property(input, ({ customerSeed, titleSeed, n, privacy }) => {
        const big = fill(customerSeed);
        const deals = Array.from({ length: n }, (_, i) => aDeal({
          id: `D-${i}`, customer: i % 2 ? big : `${i}${big}`, stage: big, owner: { name: big },
          currency: big.slice(0, 8), amount: i * 1000,
        }));
        const context = aContext(deals, { title: fill(titleSeed) });
        const what = `${n} deals, 64 KB of ${describeInput(customerSeed)}`;
        checkHover(textTime.time(`${what}, Markdown`, () => contextMarkdown(context, { ...p, privacy })), deals);
        const plain = textTime.time(`${what}, plain`, () => contextPlainText(context, { ...p, privacy }));
        checkPlain(plain, deals, privacy);
      }),
      { numRuns: 40 },
    );
  });
});
