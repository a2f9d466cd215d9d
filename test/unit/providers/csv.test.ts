import * as assert from 'node:assert/strict';
import { isProviderError } from '../../../src/core/errors';
import type { Ticket } from '../../../src/core/model';
import { csvCrm, parseDealsCsv } from '../../../src/core/providers/csv/crm';

function aTicket(key: string, dealRefs: string[] = []): Ticket {
  return { key, title: 't', labels: [], dealRefs, comments: [] };
}

describe('parseDealsCsv', () => {
  it('reads a comma file with default English headers', () => {
    const text =
      'Ticket,Company,Amount,Currency,Stage,Close Date,Owner,Owner Email,URL\n' +
      'ACME-42,Globex LLC,120000,usd,Negotiation,2026-12-15,Anna Petrova,anna@example.com,' +
      'https://crm.example.com/d/1\n';
    const { rows, problems } = parseDealsCsv(text, {});
    assert.deepEqual(problems, []);
    assert.deepEqual(rows, [
      {
        ticket: 'ACME-42',
        deal: {
          id: 'csv:2',
          customer: 'Globex LLC',
          amount: 120000,
          currency: 'USD',
          stage: 'Negotiation',
          closeDate: '2026-12-15',
          owner: { name: 'Anna Petrova', email: 'anna@example.com' },
          url: 'https://crm.example.com/d/1',
        },
      },
    ]);
  });

  it('reads a semicolon file with CRLF line ends and a UTF-8 BOM', () => {
    const text = '\ufeffticket;customer;amount\r\nACME-1;Initech;10\r\nACME-2;Umbrella;20\r\n';
    const { rows, problems } = parseDealsCsv(text, {});
    assert.deepEqual(problems, []);
    assert.deepEqual(
      rows.map((r) => [r.ticket, r.deal.customer, r.deal.amount, r.deal.id]),
      [
        ['ACME-1', 'Initech', 10, 'csv:2'],
        ['ACME-2', 'Umbrella', 20, 'csv:3'],
      ],
    );
  });

  it('keeps delimiters, doubled quotes, newlines in quoted fields; counts physical lines', () => {
    const text = [
      'ticket,customer,stage,amount',
      '"ACME-1","Acme, Inc.","Say ""hi""",1',
      '"ACME-2","Multi',
      'line; Ltd",Won,2',
      'ACME-3,,Lost,3',
    ].join('\n');
    const { rows, problems } = parseDealsCsv(text, {});
    assert.deepEqual(
      rows.map((r) => [r.deal.id, r.deal.customer, r.deal.stage]),
      [
        ['csv:2', 'Acme, Inc.', 'Say "hi"'],
        ['csv:3', 'Multi\nline; Ltd', 'Won'],
      ],
    );
    // The third record starts on physical line 5, after the two-line quoted field.
    assert.deepEqual(problems, [{ line: 5, message: 'customer is empty (column "customer")' }]);
  });

  it('picks the delimiter from the header even when data cells contain the other one', () => {
    const text = 'ticket;customer;amount\nACME-1;Acme, Inc.;1 000,5\n';
    const { rows, problems } = parseDealsCsv(text, {});
    assert.deepEqual(problems, []);
    assert.equal(rows[0].deal.customer, 'Acme, Inc.');
    assert.equal(rows[0].deal.amount, 1000.5);
  });

  it('maps columns by csv.columns, case-insensitively, over the default names', () => {
    const text =
      'Deal name,Jira,Account,Value,Amount\n' +
      'Renewal,ACME-7,Globex,"5,000",not-a-number-but-unmapped\n';
    const { rows, problems } = parseDealsCsv(text, {
      ticket: 'jira',
      customer: 'ACCOUNT',
      amount: 'value',
    });
    assert.deepEqual(problems, []);
    assert.equal(rows[0].ticket, 'ACME-7');
    assert.equal(rows[0].deal.customer, 'Globex');
    assert.equal(rows[0].deal.amount, 5000);
  });

  it('reports a csv.columns header that the file does not have', () => {
    const text = 'ticket,customer,Сумма\nACME-1,Acme,10\n';
    const { rows, problems } = parseDealsCsv(text, { amount: 'Бюджет' });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].deal.amount, undefined);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].line, 1);
    assert.match(
      problems[0].message,
      /column "Бюджет" set in csv\.columns\.amount is not in the header/,
    );
  });

  it('reports a file without a ticket column as one problem on line 1 and returns no rows', () => {
    const { rows, problems } = parseDealsCsv('name,company\nx,y\n', {});
    assert.deepEqual(rows, []);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].line, 1);
    assert.match(problems[0].message, /no ticket column in the header \("name", "company"\)/);
  });

  it('reports broken rows with their line, column and value, and keeps the rest', () => {
    const text = [
      'ticket,customer,amount,closeDate',
      'ACME-1,Good One,100,2026-01-31',
      ',No Ticket,100,2026-01-31',
      'ACME-3,Bad Amount,12x,2026-01-31',
      'ACME-4,Bad Date,100,2026-02-30',
      'ACME-5,Good Two,,',
      '',
      'ACME-6,Bad Both,1.2.3x,31/12/2026',
    ].join('\n');
    const { rows, problems } = parseDealsCsv(text, {});
    assert.deepEqual(
      rows.map((r) => r.deal.customer),
      ['Good One', 'Good Two'],
    );
    assert.deepEqual(problems, [
      { line: 3, message: 'ticket is empty (column "ticket")' },
      { line: 4, message: 'amount "12x" is not a number' },
      { line: 5, message: 'closeDate "2026-02-30" is not a date (use YYYY-MM-DD or DD.MM.YYYY)' },
      { line: 8, message: 'amount "1.2.3x" is not a number' },
      { line: 8, message: 'closeDate "31/12/2026" is not a date (use YYYY-MM-DD or DD.MM.YYYY)' },
    ]);
  });

  it('reads a 1C-style Russian export: semicolons, DD.MM.YYYY, "1 200 000,50", руб.', () => {
    const text =
      '\ufeffЗадача;Клиент;Сумма;Валюта;Этап;Дата закрытия;Ответственный;Почта\r\n' +
      'ACME-42;ООО "Ромашка";1 200 000,50;руб.;Переговоры;15.12.2026;Иванова Анна;' +
      'anna@example.ru\r\n' +
      'ACME-42;"АО ""Вектор""";\u00a0350\u00a0000;;Счёт выставлен;01.02.2027 0:00:00;' +
      'Петров П.;\r\n' +
      'ACME-43;ИП Сидоров;99 999 руб.;;Новая;31.04.2027;;\r\n';
    const { rows, problems } = parseDealsCsv(text, {});
    assert.deepEqual(problems, [
      { line: 4, message: 'closeDate "31.04.2027" is not a date (use YYYY-MM-DD or DD.MM.YYYY)' },
    ]);
    assert.deepEqual(
      rows.map((r) => r.deal),
      [
        {
          id: 'csv:2',
          customer: 'ООО "Ромашка"',
          amount: 1200000.5,
          currency: 'RUB',
          stage: 'Переговоры',
          closeDate: '2026-12-15',
          owner: { name: 'Иванова Анна', email: 'anna@example.ru' },
        },
        {
          id: 'csv:3',
          customer: 'АО "Вектор"',
          amount: 350000,
          stage: 'Счёт выставлен',
          closeDate: '2027-02-01',
          owner: { name: 'Петров П.' },
        },
      ],
    );
  });

  it('splits one ticket cell listing several keys into one row per key', () => {
    const text = 'ticket;customer\n"ACME-1, ACME-2;ACME-3 acme-1";Globex\n';
    const { rows } = parseDealsCsv(text, {});
    assert.deepEqual(
      rows.map((r) => [r.ticket, r.deal.id]),
      [
        ['ACME-1', 'csv:2'],
        ['ACME-2', 'csv:2'],
        ['ACME-3', 'csv:2'],
      ],
    );
  });

  it('uses an id column for the deal id when the file has one', () => {
    const { rows } = parseDealsCsv('ID,ticket,customer\nD-77,ACME-1,Globex\n,ACME-1,Initech\n', {});
    assert.deepEqual(
      rows.map((r) => r.deal.id),
      ['D-77', 'csv:3'],
    );
  });

  it('reads amounts in the usual notations', () => {
    const cases: Array<[string, string, number | undefined]> = [
      [',', '"120,000"', 120000],
      [',', '"1,200,000.50"', 1200000.5],
      [',', '"12,5"', 12.5],
      [',', '$99', 99],
      [',', '-15.25', -15.25],
      [';', '1.200.000,50', 1200000.5],
      [';', '120,000', 120],
      [';', "1'000", 1000],
      [';', '(200)', -200],
      [';', 'EUR 10', 10],
      [';', '10..5', undefined],
      [';', '1e5', undefined],
      [';', 'NaN', undefined],
    ];
    for (const [d, cell, expected] of cases) {
      const { rows } = parseDealsCsv(`ticket${d}customer${d}amount\nA-1${d}C${d}${cell}\n`, {});
      assert.equal(rows[0]?.deal.amount, expected, `${cell} with "${d}"`);
    }
  });

  it('reports a Windows-1251 file decoded as UTF-8 instead of guessing columns', () => {
    const { rows, problems } = parseDealsCsv('\ufffd\ufffd\ufffd;\ufffd\ufffd\nA;B\n', {});
    assert.deepEqual(rows, []);
    assert.match(problems[0].message, /not valid UTF-8/);
  });

  it('reports an unterminated quoted field at the line where it opens', () => {
    const { rows, problems } = parseDealsCsv(
      'ticket,customer\nA-1,Good\nA-2,"Broken\nA-3,Lost\n',
      {},
    );
    assert.deepEqual(
      rows.map((r) => r.deal.customer),
      ['Good'],
    );
    assert.equal(problems.length, 1);
    assert.equal(problems[0].line, 3);
    assert.match(problems[0].message, /is not closed/);
  });
});

describe('csvCrm', () => {
  const file = [
    'ticket;customer;amount;closeDate',
    'ACME-42;Globex;100;2026-01-01',
    'acme-42, ACME-43;Initech;200;2026-02-01',
    'ACME-43;Umbrella;12x;2026-03-01',
    'ACME-44;Hooli;300;2026-04-01',
  ].join('\n');

  it('returns the deals of a ticket, case-insensitively, with problems as warnings', async () => {
    const crm = csvCrm(async () => file, {}, 'deals.csv');
    assert.equal(crm.kind, 'csv');
    const { deals, warnings } = await crm.dealsForTicket(aTicket('ACME-42'));
    assert.deepEqual(
      deals.map((d) => d.customer),
      ['Globex', 'Initech'],
    );
    assert.deepEqual(warnings, ['deals.csv line 4: amount "12x" is not a number']);
  });

  it('adds deals the ticket references by id, without duplicates', async () => {
    const crm = csvCrm(async () => file, {}, 'deals.csv');
    const { deals } = await crm.dealsForTicket(aTicket('ACME-43', ['csv:5', 'csv:3']));
    assert.deepEqual(
      deals.map((d) => d.id),
      ['csv:3', 'csv:5'],
    );
  });

  it('re-reads the file on every lookup so a new export shows up', async () => {
    let text = file;
    const crm = csvCrm(async () => text, {}, 'deals.csv');
    assert.equal((await crm.dealsForTicket(aTicket('ACME-44'))).deals[0].amount, 300);
    text = file.replace('Hooli;300', 'Hooli;301');
    assert.equal((await crm.dealsForTicket(aTicket('ACME-44'))).deals[0].amount, 301);
  });

  it('fails with invalidData naming the setting when the ticket column is missing', async () => {
    const crm = csvCrm(async () => 'Задача;Клиент\nA-1;B\n', { ticket: 'Тикет' }, 'deals.csv');
    await assert.rejects(
      crm.dealsForTicket(aTicket('A-1')),
      (e: unknown) =>
        isProviderError(e, 'invalidData') &&
        /deals\.csv line 1: column "Тикет" set in csv\.columns\.ticket/.test(e.message),
    );
  });

  it('turns a read failure into invalidData naming the file', async () => {
    const crm = csvCrm(
      async () => {
        throw new Error('ENOENT: no such file');
      },
      {},
      'deals.csv',
    );
    await assert.rejects(
      crm.dealsForTicket(aTicket('A-1')),
      (e: unknown) =>
        isProviderError(e, 'invalidData') && /deals\.csv: cannot read the file/.test(e.message),
    );
  });

  it('caps the warnings so a badly broken file does not flood the sidebar', async () => {
    const lines = ['ticket,customer,amount'];
    for (let i = 0; i < 25; i++) lines.push(`A-${i},C,bad`);
    lines.push('A-1,Good,1');
    const crm = csvCrm(async () => lines.join('\n'), {}, 'deals.csv');
    const { deals, warnings } = await crm.dealsForTicket(aTicket('A-1'));
    assert.equal(deals.length, 1);
    assert.equal(warnings.length, 11);
    assert.equal(warnings[10], 'deals.csv: 15 more problems not shown');
  });
});
