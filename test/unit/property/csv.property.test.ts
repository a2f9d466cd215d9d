// The CSV deals export against arbitrary files: never a throw; every problem names a line of the
// file; every record becomes deals or a problem on its own line; every deal is well formed; and 64 KB
// of the worst-case characters (quotes, separators, no-break spaces, Cyrillic, amounts) under 50 ms.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseDealsCsv, type CsvColumns } from '../../../src/core/providers/csv/crm';
import { BoundMs, Worst, describeInput, fill } from './timing';

const worst = new Worst('parseDealsCsv');

/** Physical lines of a text: CRLF, LF and a lone CR each end one. */
function lineCount(text: string): number {
  return text.split(/\r\n|\r|\n/).length;
}

/** Cells of deal exports, including the awkward ones. */
const cellPiece = fc.constantFrom(
  'ACME-42', 'acme-43', 'ACME-1, ACME-2', 'Globex LLC', 'ООО "Ромашка"', 'АО «Вектор»', 'Иванова Анна',
  '1 250 000,50 ₽', '1\u00a0250\u00a0000,50\u00a0₽', '1\u202f000', '$120,000', '1,200,000.50', '(200)',
  '-15.25', '12x', '1.2.3', 'руб.', 'EUR 10', '1e5', 'NaN', '2026-12-15', '15.12.2026', '31.04.2027',
  '01.02.2027 0:00:00', '2026-01-01T10:00:00Z', 'https://crm.example.com/d/1', 'javascript:x', 'anna@x.ru',
  '"', '""', ',', ';', '\n', '\r\n', '\r', ' ', '\t', '\ufeff', '\ufffd', 'Я', 'x', '', '=1+1', '@SUM(A1)',
);
const cell = fc.oneof(
  { weight: 4, arbitrary: cellPiece },
  { weight: 1, arbitrary: fc.array(cellPiece, { maxLength: 4 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
);
const Headers = [
  'Ticket', 'ticket key', 'Задача', 'Customer', 'Company', 'Клиент', 'Amount', 'Сумма', 'Currency',
  'Валюта', 'Stage', 'Этап', 'Close Date', 'Дата закрытия', 'Owner', 'Ответственный', 'Owner Email',
  'Почта', 'URL', 'ID', 'Notes', '"Ticket"', ' customer: ', 'AMOUNT*', '',
];

/** A cell written as an exporter would: quoted when it holds a delimiter, quote or line break. */
function quote(value: string, d: string): string {
  return /["\r\n]/.test(value) || value.includes(d) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Arbitrary text from CSV-ish pieces: quotes, separators, line ends, BOM, Cyrillic, amounts. */
const csvText = fc
  .tuple(fc.boolean(), fc.array(fc.oneof(cellPiece, fc.constantFrom(...Headers)), { maxLength: 40 }))
  .map(([bom, parts]) => (bom ? '\ufeff' : '') + parts.join(''));

/** A well-formed file: a header naming some known columns and records of arbitrary cells. */
const csvFile = fc
  .record({
    d: fc.constantFrom(',', ';'),
    bom: fc.boolean(),
    eol: fc.constantFrom('\n', '\r\n'),
    // No id column: each deal's id is then `csv:<line>`, which ties it to its record.
    header: fc.uniqueArray(fc.constantFrom(...Headers.filter((h) => h && h !== 'ID')), {
      minLength: 1,
      maxLength: 8,
    }),
    rows: fc.array(fc.array(cell, { maxLength: 9 }), { maxLength: 12 }),
  })
  .map(({ d, bom, eol, header, rows }) => {
    const lines = [header.map((h) => quote(h, d)).join(d)];
    // The physical line each record starts on, and whether it has anything in it.
    const records: Array<{ line: number; blank: boolean }> = [];
    let line = lineCount(lines[0]);
    for (const row of rows) {
      const cells = row.slice(0, header.length);
      const text = cells.map((c) => quote(c, d)).join(d);
      line += 1;
      records.push({ line, blank: cells.every((c) => c.trim() === '') });
      line += lineCount(text) - 1;
      lines.push(text);
    }
    return { text: (bom ? '\ufeff' : '') + lines.join(eol) + eol, records, d };
  });

const columns = fc.constantFrom<CsvColumns>({}, { ticket: 'Задача' }, { amount: 'Notes' }, { customer: 'missing' });

function check(text: string, cols: CsvColumns = {}, what = describeInput(text)) {
  const result = worst.time(what, () => parseDealsCsv(text, cols));
  const lines = lineCount(text.replace(/^\ufeff/, ''));
  for (const p of result.problems) {
    assert.ok(Number.isInteger(p.line) && p.line >= 1 && p.line <= lines, `line ${p.line} of ${lines}`);
    assert.ok(p.message.length > 0 && p.message.length < 2000, p.message.slice(0, 100));
  }
  for (const { ticket, deal } of result.rows) {
    assert.ok(ticket.length > 0 && !/[\s,;]/.test(ticket), `ticket ${JSON.stringify(ticket)}`);
    assert.ok(deal.id.length > 0 && deal.id.length <= 200);
    assert.ok(deal.customer.length > 0 && deal.customer.length <= 500);
    if (deal.amount !== undefined) assert.ok(Number.isFinite(deal.amount));
    if (deal.currency !== undefined) assert.match(deal.currency, /^[A-Z]{3}$/);
    if (deal.closeDate !== undefined) assert.match(deal.closeDate, /^\d{4}-\d{2}-\d{2}$/);
    if (deal.url !== undefined) assert.match(deal.url, /^https?:\/\//i);
    if (deal.stage !== undefined) assert.ok(deal.stage.length <= 500);
  }
  return result;
}

/** Units whose 64 KB repetition is the hardest case for the record splitter and cell patterns. */
const WorstUnits = [
  '"', '""', 'a"', ',', ';', '\n', '\r', '\r\n', ' ', '\u00a0', '\u00a0 ', '1 ', '1\u00a0', '1,', '1.',
  '.', ',1', 'a', '₽', 'р', 'руб', '(', ')', '-', '1', ' :', "'", '* ', '"a",', ' "', ':', 'Я ',
];
/** Where the 64 KB goes: the whole file, a header cell, an amount, a date, a ticket, a customer. */
const Places: Array<[string, (big: string) => string]> = [
  ['file', (big) => big],
  ['header cell', (big) => `a${big}x;ticket;customer\nA-1;B;C\n`],
  ['amount', (big) => `ticket;customer;amount\nA-1;X;1${big}x\n`],
  ['amount (a+)', (big) => `ticket;customer;amount\nA-1;X;a${big}x,\n`],
  ['date', (big) => `ticket;customer;close date\nA-1;X;2020-1-1 ${big}\n`],
  ['ticket', (big) => `ticket,customer\n${big}x,X\n`],
  ['customer', (big) => `ticket,customer,stage\nA-1,a${big}\n`],
  ['quoted', (big) => `ticket,customer\n"${big}`],
  ['rows', (big) => `ticket,customer,amount,close date\n${big}`],
];
/** Whole rows, repeated to 64 KB: the most deals (and problems) a file of that size holds. */
const WorstRows = [
  'A-1,B\n', 'A-1,B,1,2026-01-01\n', 'A-1;B;1 000,5;01.02.2027\r\n', ',,\n', 'A-1,,x,y\n', 'A-1 A-2,"B, Inc.",$5,\n',
];

describe('parseDealsCsv (property-based)', function () {
  this.timeout(120_000);
  after(() => console.log(`      ${worst.report()}`));

  it('never throws on arbitrary text; problems name a line of the file; deals are well formed', () => {
    fc.assert(
      fc.property(fc.oneof(csvText, fc.string({ unit: 'binary', maxLength: 200 })), columns, (text, cols) => {
        check(text, cols);
      }),
      { numRuns: 200 },
    );
  });

  it('turns every record into deals or a problem on its own line', () => {
    fc.assert(
      fc.property(csvFile, ({ text, records }) => {
        const { rows, problems } = check(text);
        // Without a ticket or customer column the whole file is one problem on the header line.
        if (problems.some((p) => p.line === 1 && /^no (ticket|customer) column/.test(p.message))) {
          assert.deepEqual(rows, []);
          return;
        }
        for (const r of records) {
          if (r.blank) continue;
          const dealt = rows.some((row) => row.deal.id === `csv:${r.line}`);
          const reported = problems.some((p) => p.line === r.line);
          assert.ok(dealt || reported, `record on line ${r.line} neither a deal nor a problem`);
        }
        // A problem never names a line no record starts on (bar the header's line 1).
        const starts = new Set([1, ...records.map((r) => r.line)]);
        for (const p of problems) assert.ok(starts.has(p.line), `problem on line ${p.line}`);
      }),
      { numRuns: 200 },
    );
  });

  it('reads no-break spaces and Cyrillic in amounts, BOM and CRLF the same as their plain forms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: 0, max: 99 }), (whole, cents) => {
        const groups = whole.toLocaleString('en-US').split(',');
        const value = whole + cents / 100;
        const amounts = [
          `${groups.join('\u00a0')},${String(cents).padStart(2, '0')}\u00a0₽`,
          `${groups.join(' ')},${String(cents).padStart(2, '0')} руб.`,
          `${groups.join('\u202f')},${String(cents).padStart(2, '0')}`,
        ];
        for (const amount of amounts) {
          const { rows, problems } = check(`\ufeffЗадача;Клиент;Сумма\r\nA-1;ООО Ромашка;${amount}\r\n`);
          assert.deepEqual(problems, [], amount);
          assert.ok(Math.abs((rows[0].deal.amount ?? NaN) - value) < 1e-6, `${amount} → ${rows[0].deal.amount}`);
        }
      }),
      { numRuns: 100 },
    );
  });

  it(`takes under ${BoundMs} ms on 64 KB of worst-case characters in every place`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...WorstUnits), fc.constantFrom(...Places), (unit, [place, build]) => {
        check(build(fill(unit)), {}, `64 KB of ${JSON.stringify(unit)} as the ${place}`);
      }),
      { numRuns: 150 },
    );
    for (const unit of WorstUnits) {
      for (const [place, build] of Places) check(build(fill(unit)), {}, `64 KB of ${JSON.stringify(unit)} as the ${place}`);
    }
    for (const row of WorstRows) {
      for (const d of [',', ';']) {
        const header = ['ticket', 'customer', 'amount', 'close date'].join(d);
        check(`${header}\n${fill(row)}`, {}, `64 KB of rows ${JSON.stringify(row)} (${d})`);
      }
    }
    fc.assert(
      fc.property(csvText.filter((s) => s.length > 0), (seed) => {
        check(fill(seed), {}, `64 KB of ${describeInput(seed)}`);
      }),
      { numRuns: 100 },
    );
  });
});
