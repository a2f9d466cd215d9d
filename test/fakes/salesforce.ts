// A Salesforce fake (apis.md §5): a small but honest SOQL engine over Opportunity, Account, User,
// Task and Organization (SELECT with relationship fields and toLabel(), WHERE with AND/OR/NOT, =,
// !=, IN, NOT IN, LIKE, string escapes checked like Salesforce does, LIMIT, nextRecordsUrl paging),
// Task creation, userinfo, error arrays, Sforce-Limit-Info and 403 REQUEST_LIMIT_EXCEEDED.
import invalidSession from '../fixtures/salesforce/error-invalid-session.json';
import requestLimit from '../fixtures/salesforce/error-request-limit.json';
import userinfoFixture from '../fixtures/salesforce/userinfo.json';
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

type SfValue = string | number | boolean | null;
type SfRecord = Record<string, SfValue>;

export interface FakeSalesforceOptions {
  token?: string;
  /** Orgs without multi-currency have no CurrencyIsoCode field (default true). */
  multiCurrency?: boolean;
  /** The org's currency (Organization.DefaultCurrencyIsoCode). */
  orgCurrency?: string;
  /** Custom Opportunity fields, e.g. `Jira_Key__c`. */
  opportunityFields?: string[];
  /** Records per query page before `nextRecordsUrl` (Salesforce: up to 2,000). */
  pageSize?: number;
  /** Picklist API value → label as toLabel() returns it (a translated org). */
  stageLabels?: Record<string, string>;
}

const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
/** The longest request URI Salesforce's REST API accepts. */
const MAX_URI = 16_384;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The 18-character form of a 15-character id (the case-insensitive checksum suffix). */
export function to18(id: string): string {
  if (id.length !== 15) return id;
  let suffix = '';
  for (let i = 0; i < 3; i++) {
    let flags = 0;
    for (let j = 0; j < 5; j++) if (/[A-Z]/.test(id[i * 5 + j])) flags |= 1 << j;
    suffix += CHECKSUM[flags];
  }
  return id + suffix;
}

const sfErrors = (
  status: number,
  errorCode: string,
  message: string,
  fields?: string[],
): Reply => ({
  status,
  json: [{ message, errorCode, ...(fields ? { fields } : {}) }],
});

/** Salesforce's query error text: the query, a caret under the column, position, problem. */
function at(soql: string, pos: number, problem: string): string {
  return `\n${soql}\n${' '.repeat(pos)}^\nERROR at Row:1:Column:${pos + 1}\n${problem}`;
}

const NO_SUCH = (what: string) =>
  `If you are attempting to use a custom ${what}, be sure to append the '__c' after the ` +
  `${what === 'field' ? 'custom field' : 'entity'} name. Please reference your WSDL or the ` +
  'describe call for the appropriate names.';

class SoqlError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

// -------------------------------------------------------------------------------------------------
// SOQL: tokenizer, parser, evaluator

type Token =
  | { t: 'ident'; v: string; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'num'; v: number; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'punct'; v: string; pos: number };

const ESCAPES: Record<string, string> = {
  n: '\n',
  N: '\n',
  r: '\r',
  R: '\r',
  t: '\t',
  T: '\t',
  b: '\b',
  B: '\b',
  f: '\f',
  F: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (pos: number, what: string): never => {
    throw new SoqlError(
      'MALFORMED_QUERY',
      `\n${soql}\n${' '.repeat(pos)}^\nERROR at Row:1:Column:${pos + 1}\n${what}`,
    );
  };
  while (i < soql.length) {
    const c = soql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      const start = i++;
      let v = '';
      for (;;) {
        if (i >= soql.length)
          fail(start, 'line 1:' + start + " mismatched character '<EOF>' expecting '''");
        const ch = soql[i];
        if (ch === '\\') {
          const next = soql[i + 1];
          // \_ and \% are only meaningful in LIKE; Salesforce keeps them as written.
          if (next === '_' || next === '%') v += `\\${next}`;
          else if (next !== undefined && next in ESCAPES) v += ESCAPES[next];
          else
            fail(
              i,
              `Invalid string literal '${soql.slice(start, i + 2)}'. ` +
                `Illegal character sequence '\\${next ?? ''}' in string literal.`,
            );
          i += 2;
        } else if (ch === "'") {
          i++;
          break;
        } else {
          v += ch;
          i++;
        }
      }
      tokens.push({ t: 'str', v, pos: start });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(soql[i + 1] ?? ''))) {
      const m = /^-?\d+(?:\.\d+)?(?:-\d{2}-\d{2})?/.exec(soql.slice(i)) as RegExpExecArray;
      if (m[0].includes('-', 1)) tokens.push({ t: 'str', v: m[0], pos: i });
      else tokens.push({ t: 'num', v: Number(m[0]), pos: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(soql.slice(i)) as RegExpExecArray;
      tokens.push({ t: 'ident', v: m[0], pos: i });
      i += m[0].length;
    } else if (
      soql.startsWith('!=', i) ||
      soql.startsWith('<>', i) ||
      soql.startsWith('<=', i) ||
      soql.startsWith('>=', i)
    ) {
      tokens.push({
        t: 'op',
        v: soql.slice(i, i + 2) === '<>' ? '!=' : soql.slice(i, i + 2),
        pos: i,
      });
      i += 2;
    } else if ('=<>'.includes(c)) {
      tokens.push({ t: 'op', v: c, pos: i++ });
    } else if ('(),'.includes(c)) {
      tokens.push({ t: 'punct', v: c, pos: i++ });
    } else {
      fail(i, `line 1:${i} no viable alternative at character '${c}'`);
    }
  }
  return tokens;
}

type Expr =
  | { k: 'or' | 'and'; a: Expr; b: Expr }
  | { k: 'not'; a: Expr }
  | { k: 'cmp'; field: string; op: string; value: SfValue; pos: number }
  | { k: 'in'; field: string; not: boolean; values: SfValue[]; pos: number }
  | { k: 'like'; field: string; pattern: string; pos: number };

interface SelectField {
  path: string;
  toLabel: boolean;
  pos: number;
}

interface Query {
  fields: SelectField[];
  from: string;
  fromPos: number;
  where?: Expr;
  limit?: number;
}

function parse(soql: string): Query {
  const tokens = tokenize(soql);
  let p = 0;
  const peek = (): Token | undefined => tokens[p];
  const fail = (tok: Token | undefined, what?: string): never => {
    const pos = tok?.pos ?? soql.length;
    const text = tok ? String(tok.v) : '<EOF>';
    throw new SoqlError('MALFORMED_QUERY', at(soql, pos, what ?? `unexpected token: '${text}'`));
  };
  const isKw = (tok: Token | undefined, kw: string): boolean =>
    tok?.t === 'ident' && tok.v.toUpperCase() === kw;
  const expectKw = (kw: string): void => {
    if (!isKw(peek(), kw)) fail(peek());
    p++;
  };
  const expectPunct = (v: string): void => {
    const tok = peek();
    if (tok?.t !== 'punct' || tok.v !== v) fail(tok);
    p++;
  };
  const ident = (): { v: string; pos: number } => {
    const tok = peek();
    if (tok?.t !== 'ident') return fail(tok);
    p++;
    return { v: tok.v, pos: tok.pos };
  };
  const value = (): SfValue => {
    const tok = peek();
    p++;
    if (tok?.t === 'str' || tok?.t === 'num') return tok.v;
    if (tok?.t === 'ident' && /^(true|false|null)$/i.test(tok.v)) {
      return tok.v.toLowerCase() === 'null' ? null : tok.v.toLowerCase() === 'true';
    }
    return fail(tok);
  };

  expectKw('SELECT');
  const fields: SelectField[] = [];
  do {
    if (fields.length) p++;
    if (isKw(peek(), 'TOLABEL')) {
      p++;
      expectPunct('(');
      const f = ident();
      expectPunct(')');
      fields.push({ path: f.v, toLabel: true, pos: f.pos });
    } else {
      const f = ident();
      fields.push({ path: f.v, toLabel: false, pos: f.pos });
    }
  } while (peek()?.t === 'punct' && peek()?.v === ',');
  expectKw('FROM');
  const from = ident();

  const factor = (): Expr => {
    if (isKw(peek(), 'NOT')) {
      p++;
      return { k: 'not', a: factor() };
    }
    if (peek()?.t === 'punct' && peek()?.v === '(') {
      p++;
      const e = expr();
      expectPunct(')');
      return e;
    }
    const f = ident();
    const tok = peek();
    if (tok?.t === 'op') {
      p++;
      return { k: 'cmp', field: f.v, op: tok.v, value: value(), pos: f.pos };
    }
    let not = false;
    if (isKw(tok, 'NOT')) {
      not = true;
      p++;
    }
    if (isKw(peek(), 'IN')) {
      p++;
      expectPunct('(');
      const values: SfValue[] = [value()];
      while (peek()?.t === 'punct' && peek()?.v === ',') {
        p++;
        values.push(value());
      }
      expectPunct(')');
      return { k: 'in', field: f.v, not, values, pos: f.pos };
    }
    if (!not && isKw(peek(), 'LIKE')) {
      p++;
      const v = value();
      if (typeof v !== 'string') fail(tokens[p - 1]);
      return { k: 'like', field: f.v, pattern: v as string, pos: f.pos };
    }
    return fail(peek());
  };
  const term = (): Expr => {
    let e = factor();
    while (isKw(peek(), 'AND')) {
      p++;
      e = { k: 'and', a: e, b: factor() };
    }
    return e;
  };
  const expr = (): Expr => {
    let e = term();
    while (isKw(peek(), 'OR')) {
      p++;
      e = { k: 'or', a: e, b: term() };
    }
    return e;
  };

  const query: Query = { fields, from: from.v, fromPos: from.pos };
  if (isKw(peek(), 'WHERE')) {
    p++;
    query.where = expr();
  }
  if (isKw(peek(), 'ORDER')) {
    p++;
    expectKw('BY');
    ident();
    while (
      isKw(peek(), 'ASC') ||
      isKw(peek(), 'DESC') ||
      (peek()?.t === 'punct' && peek()?.v === ',')
    ) {
      if (peek()?.t === 'punct') {
        p++;
        ident();
      } else p++;
    }
  }
  if (isKw(peek(), 'LIMIT')) {
    p++;
    const n = value();
    if (typeof n !== 'number') fail(tokens[p - 1]);
    query.limit = n as number;
  }
  if (p < tokens.length) fail(peek());
  return query;
}

// -------------------------------------------------------------------------------------------------
// The fake

interface ObjectDef {
  fields: Set<string>;
  /** Relationship name → [id field, target object]. */
  lookups: Record<string, [string, string]>;
  prefix: string;
}

/** The fake server plus its org data and seeding helpers. */
export class FakeSalesforce extends FakeServer {
  readonly token: string;
  readonly records: Record<string, Map<string, SfRecord>> = {
    Opportunity: new Map(),
    Account: new Map(),
    User: new Map(),
    Task: new Map(),
    Organization: new Map(),
  };
  /** Every SOQL statement received, decoded. */
  readonly soql: string[] = [];
  private readonly defs: Record<string, ObjectDef>;
  private readonly cursors = new Map<string, { records: unknown[]; offset: number }>();
  private apiUsage = 17;
  private counter = 1;

  constructor(private readonly options: FakeSalesforceOptions = {}) {
    super('Salesforce');
    this.token =
      options.token ??
      '00DHo000000Acme1!AQ4AQFakeAccessTokenForTests.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const multi = options.multiCurrency ?? true;
    const currency = multi ? ['CurrencyIsoCode'] : [];
    this.defs = {
      Opportunity: {
        prefix: '006',
        fields: new Set([
          'Id',
          'Name',
          'Amount',
          'StageName',
          'CloseDate',
          'AccountId',
          'OwnerId',
          'IsClosed',
          'IsWon',
          ...currency,
          ...(options.opportunityFields ?? []),
        ]),
        lookups: { Account: ['AccountId', 'Account'], Owner: ['OwnerId', 'User'] },
      },
      Account: {
        prefix: '001',
        fields: new Set(['Id', 'Name', 'OwnerId', ...currency]),
        lookups: { Owner: ['OwnerId', 'User'] },
      },
      User: {
        prefix: '005',
        fields: new Set(['Id', 'Name', 'Email', 'Username', 'IsActive']),
        lookups: {},
      },
      Task: {
        prefix: '00T',
        fields: new Set([
          'Id',
          'Subject',
          'Description',
          'WhatId',
          'WhoId',
          'OwnerId',
          'Status',
          'Priority',
          'ActivityDate',
          'IsClosed',
          'CreatedDate',
          'LastModifiedDate',
          ...currency,
        ]),
        lookups: { Owner: ['OwnerId', 'User'], What: ['WhatId', 'Opportunity'] },
      },
      Organization: {
        prefix: '00D',
        fields: new Set(['Id', 'Name', 'DefaultCurrencyIsoCode']),
        lookups: {},
      },
    };
    this.records.Organization.set('00DHo000000Acme1MAC', {
      Id: '00DHo000000Acme1MAC',
      Name: 'Acme Vendor Inc.',
      DefaultCurrencyIsoCode: options.orgCurrency ?? 'USD',
    });
    this.requireAuth = {
      header: 'authorization',
      value: `Bearer ${this.token}`,
      unauthorized: () => ({ status: 401, json: invalidSession }),
    };
    this.registerRoutes();
  }

  /** A new 18-character id with the object's key prefix. */
  newId(object: string): string {
    let n = this.counter++;
    let body = '';
    for (let i = 0; i < 7; i++) {
      body = BASE62[n % 62] + body;
      n = Math.floor(n / 62);
    }
    return to18(`${this.defs[object].prefix}Ho${body.padStart(10, '0')}`.slice(0, 15));
  }

  addUser(name: string, email: string | null, id?: string): string {
    const userId = id ?? this.newId('User');
    this.records.User.set(userId, {
      Id: userId,
      Name: name,
      Email: email,
      Username: email,
      IsActive: true,
    });
    return userId;
  }

  addAccount(name: string, id?: string): string {
    const accountId = id ?? this.newId('Account');
    this.records.Account.set(accountId, { Id: accountId, Name: name, OwnerId: null });
    return accountId;
  }

  /** Adds an opportunity; fields as the API returns them (Amount a number, CloseDate a date). */
  addOpportunity(fields: SfRecord, id?: string): string {
    const oppId = id ?? this.newId('Opportunity');
    this.records.Opportunity.set(oppId, { Id: oppId, IsClosed: false, IsWon: false, ...fields });
    return oppId;
  }

  /** Marks a task completed, as the sales rep would. */
  completeTask(id: string): void {
    const task = this.records.Task.get(id);
    if (!task) throw new Error(`no task ${id}`);
    task.Status = 'Completed';
    task.IsClosed = true;
  }

  /** Makes the next `times` requests fail as an org that used up its daily API allowance. */
  exhaustApiLimit(times = 1): void {
    this.inject(
      { type: 'reply', reply: { status: 403, json: requestLimit, headers: this.limitHeader() } },
      times,
    );
  }

  private limitHeader(): Record<string, string> {
    return { 'sforce-limit-info': `api-usage=${this.apiUsage++}/15000` };
  }

  private ok(json: unknown, status = 200): Reply {
    return { status, json, headers: this.limitHeader() };
  }

  private find(object: string, id: string): SfRecord | undefined {
    const map = this.records[object];
    if (!map) return undefined;
    // 15- and 18-character forms name the same record; the 15 characters are case-sensitive.
    for (const [k, v] of map) if (k.slice(0, 15) === id.slice(0, 15)) return v;
    return undefined;
  }

  private fieldValue(
    object: string,
    record: SfRecord | undefined,
    path: string,
    pos: number,
  ): SfValue | undefined {
    const parts = path.split('.');
    const def = this.defs[object];
    if (parts.length === 1) {
      const name = [...def.fields].find((f) => f.toLowerCase() === parts[0].toLowerCase());
      if (!name) this.noColumn(path, object, pos);
      return record ? (record[name as string] ?? null) : undefined;
    }
    const rel = Object.keys(def.lookups).find((r) => r.toLowerCase() === parts[0].toLowerCase());
    if (!rel) this.noColumn(path, object, pos);
    const [idField, target] = def.lookups[rel as string];
    const related =
      record && typeof record[idField] === 'string'
        ? this.find(target, record[idField] as string)
        : undefined;
    return this.fieldValue(target, related, parts.slice(1).join('.'), pos);
  }

  private noColumn(path: string, object: string, pos: number): never {
    throw new SoqlError(
      'INVALID_FIELD',
      at(
        this.soql[this.soql.length - 1],
        pos,
        `No such column '${path.split('.').pop()}' on entity '${object}'. ${NO_SUCH('field')}`,
      ),
    );
  }

  private matches(object: string, r: SfRecord, e: Expr | undefined): boolean {
    if (!e) return true;
    const eq = (a: SfValue | undefined, b: SfValue, field: string): boolean => {
      if (/(^|\.)Id$|Id$/.test(field) && typeof a === 'string' && typeof b === 'string') {
        return a.slice(0, 15) === b.slice(0, 15);
      }
      if (typeof a === 'string' && typeof b === 'string')
        return a.toLowerCase() === b.toLowerCase();
      return (a ?? null) === b;
    };
    switch (e.k) {
      case 'or':
        return this.matches(object, r, e.a) || this.matches(object, r, e.b);
      case 'and':
        return this.matches(object, r, e.a) && this.matches(object, r, e.b);
      case 'not':
        return !this.matches(object, r, e.a);
      case 'cmp': {
        const v = this.fieldValue(object, r, e.field, e.pos);
        if (e.op === '=') return eq(v, e.value, e.field);
        if (e.op === '!=') return !eq(v, e.value, e.field);
        if (v === null || v === undefined || e.value === null) return false;
        if (e.op === '<') return v < e.value;
        if (e.op === '>') return v > e.value;
        if (e.op === '<=') return v <= e.value;
        return v >= e.value;
      }
      case 'in': {
        const v = this.fieldValue(object, r, e.field, e.pos);
        const hit = e.values.some((x) => eq(v, x, e.field));
        return e.not ? !hit : hit;
      }
      case 'like': {
        const v = this.fieldValue(object, r, e.field, e.pos);
        if (typeof v !== 'string') return false;
        const re = e.pattern
          .split(/(\\[_%]|[_%])/)
          .map((part) =>
            part === '%'
              ? '.*'
              : part === '_'
                ? '.'
                : part.replace(/^\\/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
          )
          .join('');
        return new RegExp(`^${re}$`, 'is').test(v);
      }
    }
  }

  /** Checks Id filters the way Salesforce does: a malformed id is an error, not "no rows". */
  private checkIds(e: Expr | undefined): void {
    if (!e) return;
    if (e.k === 'or' || e.k === 'and') {
      this.checkIds(e.a);
      this.checkIds(e.b);
    } else if (e.k === 'not') this.checkIds(e.a);
    else if ((e.k === 'cmp' || e.k === 'in') && /(^|\.)Id$/i.test(e.field)) {
      const values = e.k === 'cmp' ? [e.value] : e.values;
      for (const v of values) {
        if (typeof v !== 'string' || !/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(v)) {
          throw new SoqlError(
            'INVALID_QUERY_FILTER_OPERATOR',
            at(this.soql[this.soql.length - 1], e.pos, `invalid ID field: ${String(v)}`),
          );
        }
      }
    }
  }

  private shape(
    object: string,
    r: SfRecord,
    fields: SelectField[],
    version: string,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {
      attributes: {
        type: object,
        url: `/services/data/${version}/sobjects/${object}/${String(r.Id)}`,
      },
    };
    for (const f of fields) {
      const parts = f.path.split('.');
      if (parts.length === 1) {
        const name = [...this.defs[object].fields].find(
          (x) => x.toLowerCase() === parts[0].toLowerCase(),
        ) as string;
        let v = r[name] ?? null;
        if (f.toLabel && typeof v === 'string') v = this.options.stageLabels?.[v] ?? v;
        if (name === 'IsClosed' && object === 'Task') v = r.Status === 'Completed';
        out[name] = v;
        continue;
      }
      const def = this.defs[object];
      const rel = Object.keys(def.lookups).find(
        (x) => x.toLowerCase() === parts[0].toLowerCase(),
      ) as string;
      const [idField, target] = def.lookups[rel];
      const related =
        typeof r[idField] === 'string' ? this.find(target, r[idField] as string) : undefined;
      if (!related) {
        out[rel] = null;
        continue;
      }
      const nested =
        (out[rel] as Record<string, unknown> | null) ?? this.shape(target, related, [], version);
      Object.assign(
        nested,
        this.shape(target, related, [{ ...f, path: parts.slice(1).join('.') }], version),
      );
      out[rel] = nested;
    }
    return out;
  }

  private query(req: ReceivedRequest, version: string): Reply {
    const q = req.query.get('q');
    if (!q) return sfErrors(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    // Salesforce refuses a request URI over 16,384 bytes before it reads the query (the body of
    // that answer is the edge's, not an error array).
    if (req.path.length + 1 + req.query.toString().length > MAX_URI) {
      return { status: 414, raw: 'URI Too Long', headers: { 'content-type': 'text/plain' } };
    }
    this.soql.push(q);
    try {
      const parsed = parse(q);
      const object = Object.keys(this.defs).find(
        (o) => o.toLowerCase() === parsed.from.toLowerCase(),
      );
      if (!object) {
        throw new SoqlError(
          'INVALID_TYPE',
          at(
            q,
            parsed.fromPos,
            `sObject type '${parsed.from}' is not supported. ${NO_SUCH('object')}`,
          ),
        );
      }
      for (const f of parsed.fields) this.fieldValue(object, undefined, f.path, f.pos);
      this.checkIds(parsed.where);
      const all = [...this.records[object].values()].filter((r) =>
        this.matches(object, r, parsed.where),
      );
      const limited = parsed.limit !== undefined ? all.slice(0, parsed.limit) : all;
      const shaped = limited.map((r) => this.shape(object, r, parsed.fields, version));
      return this.page(shaped, 0, version);
    } catch (e) {
      if (e instanceof SoqlError) return sfErrors(400, e.errorCode, e.message);
      throw e;
    }
  }

  private page(records: unknown[], offset: number, version: string): Reply {
    const size = this.options.pageSize ?? 2000;
    const slice = records.slice(offset, offset + size);
    const done = offset + size >= records.length;
    let nextRecordsUrl: string | undefined;
    if (!done) {
      const locator = `01gHo00000${String(this.counter++).padStart(5, '0')}X-${offset + size}`;
      this.cursors.set(locator, { records, offset: offset + size });
      nextRecordsUrl = `/services/data/${version}/query/${locator}`;
    }
    return this.ok({
      totalSize: records.length,
      done,
      ...(nextRecordsUrl ? { nextRecordsUrl } : {}),
      records: slice,
    });
  }

  private createTask(req: ReceivedRequest): Reply {
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return sfErrors(
        400,
        'JSON_PARSER_ERROR',
        'Unexpected parameter encountered during deserialization',
      );
    }
    const fields = body as Record<string, unknown>;
    const def = this.defs.Task;
    for (const k of Object.keys(fields)) {
      if (!def.fields.has(k) || ['Id', 'IsClosed', 'CreatedDate', 'LastModifiedDate'].includes(k)) {
        return sfErrors(400, 'INVALID_FIELD', `No such column '${k}' on sobject of type Task`);
      }
    }
    const status = (fields.Status as string | undefined) ?? 'Not Started';
    if (
      !['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'].includes(
        status,
      )
    ) {
      return sfErrors(
        400,
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `Status: bad value for restricted picklist field: ${status}`,
        ['Status'],
      );
    }
    const priority = (fields.Priority as string | undefined) ?? 'Normal';
    if (!['High', 'Normal', 'Low'].includes(priority)) {
      return sfErrors(
        400,
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `Priority: bad value for restricted picklist field: ${priority}`,
        ['Priority'],
      );
    }
    if (fields.WhatId !== undefined) {
      const what = String(fields.WhatId);
      if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(what)) {
        return sfErrors(400, 'MALFORMED_ID', `Related To ID: id value of incorrect type: ${what}`, [
          'WhatId',
        ]);
      }
      if (!what.startsWith('006') && !what.startsWith('001')) {
        return sfErrors(
          400,
          'FIELD_INTEGRITY_EXCEPTION',
          `Related To ID: id value of incorrect type: ${what}`,
          ['WhatId'],
        );
      }
      if (!this.find(what.startsWith('006') ? 'Opportunity' : 'Account', what)) {
        return sfErrors(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [
          'WhatId',
        ]);
      }
    }
    if (fields.OwnerId !== undefined && !this.find('User', String(fields.OwnerId))) {
      return sfErrors(400, 'INVALID_CROSS_REFERENCE_KEY', `Assigned To ID: owner cannot be blank`, [
        'OwnerId',
      ]);
    }
    if (
      fields.ActivityDate !== undefined &&
      !/^\d{4}-\d{2}-\d{2}$/.test(String(fields.ActivityDate))
    ) {
      return sfErrors(
        400,
        'JSON_PARSER_ERROR',
        `Cannot deserialize instance of date from VALUE_STRING ${String(fields.ActivityDate)}`,
      );
    }
    const id = this.newId('Task');
    const now = new Date().toISOString().replace('Z', '+0000');
    this.records.Task.set(id, {
      Id: id,
      Subject: null,
      Description: null,
      WhoId: null,
      WhatId: null,
      OwnerId: '005Ho00000Dev01IAA',
      ...(fields as SfRecord),
      Status: status,
      Priority: priority,
      IsClosed: status === 'Completed',
      CreatedDate: now,
      LastModifiedDate: now,
    });
    return this.ok({ id, success: true, errors: [] }, 201);
  }

  private registerRoutes(): void {
    const versionOk = (v: string): boolean => /^v\d{2}\.0$/.test(v);
    const notFound = (): Reply =>
      sfErrors(404, 'NOT_FOUND', 'The requested resource does not exist');

    this.on('GET', '/services/oauth2/userinfo', () => this.ok(userinfoFixture));
    this.on('GET', '/services/data/', () =>
      this.ok(
        ['60.0', '61.0', '62.0', '63.0', '64.0', '65.0'].map((v) => ({
          label: `v${v}`,
          url: `/services/data/v${v}`,
          version: v,
        })),
      ),
    );
    for (const path of ['/services/data/:ver', '/services/data/:ver/']) {
      this.on('GET', path, (_req, { ver }) =>
        versionOk(ver)
          ? this.ok({
              query: `/services/data/${ver}/query`,
              sobjects: `/services/data/${ver}/sobjects`,
              limits: `/services/data/${ver}/limits`,
            })
          : notFound(),
      );
    }
    this.on('GET', '/services/data/:ver/query', (req, { ver }) =>
      versionOk(ver) ? this.query(req, ver) : notFound(),
    );
    this.on('GET', '/services/data/:ver/query/:locator', (_req, { ver, locator }) => {
      const cursor = this.cursors.get(locator);
      if (!cursor) return sfErrors(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      return this.page(cursor.records, cursor.offset, ver);
    });
    for (const path of [
      '/services/data/:ver/sobjects/Task',
      '/services/data/:ver/sobjects/Task/',
    ]) {
      this.on('POST', path, (req, { ver }) => (versionOk(ver) ? this.createTask(req) : notFound()));
    }
    this.on('GET', '/services/data/:ver/sobjects/:object/:id', (_req, { object, id }) => {
      const def = this.defs[object];
      const r = def ? this.find(object, id) : undefined;
      if (!r) return notFound();
      return this.ok({
        attributes: {
          type: object,
          url: `/services/data/v62.0/sobjects/${object}/${String(r.Id)}`,
        },
        ...r,
      });
    });
    this.on('PATCH', '/services/data/:ver/sobjects/Task/:id', (req, { id }) => {
      const r = this.find('Task', id);
      if (!r) return notFound();
      Object.assign(r, req.body as SfRecord);
      if (typeof r.Status === 'string') r.IsClosed = r.Status === 'Completed';
      return { status: 204, headers: this.limitHeader() };
    });
  }
}

/** Starts a Salesforce fake on 127.0.0.1. */
export async function startFakeSalesforce(
  options: FakeSalesforceOptions = {},
): Promise<FakeSalesforce> {
  const fake = new FakeSalesforce(options);
  await fake.start();
  return fake;
}
