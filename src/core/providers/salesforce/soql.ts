// SOQL string literals. The REST query endpoint has no bind parameters, so every value that goes
// into a query is written as a literal here, and nowhere else: the CRM lookup (ticket keys, ids)
// and the task reconcile (the question marker in a LIKE pattern) share these two functions.
//
// Salesforce defines the escapes `\'`, `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, and in LIKE `\%`
// and `\_`. Other control characters have no escape and no place in a key or a marker: they are
// dropped. A lone surrogate cannot travel in the URL's UTF-8: it becomes U+FFFD, as the URL
// encoder would make it anyway.

const Escapes: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function escapeBody(value: string, like: boolean): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    const code = value.charCodeAt(i);
    const escape = Escapes[c];
    if (escape !== undefined) out += escape;
    else if (like && (c === '%' || c === '_')) out += `\\${c}`;
    else if (code < 0x20 || code === 0x7f) continue;
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += c + value[i + 1];
        i++;
      } else out += '\ufffd';
    } else if (code >= 0xdc00 && code <= 0xdfff) out += '\ufffd';
    else out += c;
  }
  return out;
}

/** A SOQL string literal for `= 'value'` or `IN (...)`: `'` + the escaped value + `'`. */
export function soqlString(value: string): string {
  return `'${escapeBody(value, false)}'`;
}

/**
 * A SOQL LIKE pattern literal that matches `value` itself (`%` and `_` escaped too), or, with
 * `contains`, any text containing it (`'%value%'`).
 */
export function soqlLike(value: string, match: 'exact' | 'contains' = 'exact'): string {
  const body = escapeBody(value, true);
  return match === 'contains' ? `'%${body}%'` : `'${body}'`;
}
