// The Russian and Arabic bundles hold every message the code passes to the translator (every plural
// form the language has), keep each message's placeholders, and hold nothing the code no longer says.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Language, pluralCategories } from '../../src/core/l10n';
import { projectRoot } from './projectRoot';


const srcRoot = path.join(projectRoot, 'src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.ts$/.test(e.name) && !/\.d\.ts$/.test(e.name) ? [p] : [];
  });
}

/** A JS string literal's value ('…', "…" or `…` without `${`). */
function literal(quote: string, body: string): string {
  if (quote === '`') return body.replace(/\\`/g, '`').replace(/\\\\/g, '\\');
  return JSON.parse(`"${body.replace(/\\'/g, "'").replace(/(?<!\\)"/g, '\\"')}"`) as string;
}

const STR = String.raw`('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|` + '`(?:[^`\\\\$]|\\\\.)*`)';

/** Messages passed to `t(…)` and plural forms passed to `plural(n, one, other)` in `text`. */
export function messagesIn(text: string): { singles: string[]; plurals: Array<{ one: string; other: string }> } {
  const unquote = (s: string) => literal(s[0], s.slice(1, -1));
  const singles = [...text.matchAll(new RegExp(String.raw`(?<![\w$])t\(\s*` + STR, 'g'))].map((m) => unquote(m[1]));
  const plurals = [...text.matchAll(new RegExp(String.raw`(?<![\w$])plural\(\s*[^,()]+(?:\([^()]*\))?[^,()]*,\s*` + STR + String.raw`\s*,\s*` + STR, 'g'))]
    .map((m) => ({ one: unquote(m[1]), other: unquote(m[2]) }));
  return { singles, plurals };
}

const files = sources(srcRoot);
const found = files.map((f) => ({ file: path.relative(projectRoot, f), ...messagesIn(fs.readFileSync(f, 'utf8')) }));
const singles = new Map<string, string>();
const plurals = new Map<string, string>();
for (const f of found) {
  for (const m of f.singles) if (!singles.has(m)) singles.set(m, f.file);
  for (const p of f.plurals) if (!plurals.has(p.other)) plurals.set(p.other, f.file);
}

function bundle(lang: Language): Record<string, unknown> {
  const file = path.join(projectRoot, 'l10n', `bundle.l10n.${lang}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

const placeholders = (s: string) => [...new Set(s.match(/\{\d+\}/g) ?? [])].sort();

describe('translation bundles', () => {
  it('finds the messages in the source (the extraction itself works)', () => {
    assert.deepEqual(messagesIn("x.t('Hello {0}', a); t(\"It's\"); p.plural(n.length, '{0} deal', '{0} deals')"), {
      singles: ['Hello {0}', "It's"],
      plurals: [{ one: '{0} deal', other: '{0} deals' }],
    });
    assert.ok(singles.size > 50, `only ${singles.size} messages found in src/`);
    assert.ok(plurals.size > 3, `only ${plurals.size} plural messages found in src/`);
  });

  for (const lang of ['ru', 'ar'] as const) {
    describe(lang, () => {
      const words = bundle(lang);

      it('is a flat object of non-empty strings', () => {
        const bad = Object.entries(words).filter(([, v]) => typeof v !== 'string' || !v.trim()).map(([k]) => k);
        assert.deepEqual(bad, []);
      });

      it('translates every message the code passes to t()', () => {
        const missing = [...singles].filter(([m]) => typeof words[m] !== 'string').map(([m, f]) => `${f}: ${m}`);
        assert.deepEqual(missing, [], `${missing.length} messages missing from bundle.l10n.${lang}.json`);
      });

      it(`gives every plural message all of its forms (${pluralCategories(lang).join(', ')})`, () => {
        const missing: string[] = [];
        for (const [other, file] of plurals) {
          for (const c of pluralCategories(lang)) if (typeof words[`${other}|${c}`] !== 'string') missing.push(`${file}: ${other}|${c}`);
        }
        assert.deepEqual(missing, []);
      });

      it('keeps each message\'s placeholders', () => {
        const wrong = Object.entries(words)
          .filter(([k, v]) => typeof v === 'string' && placeholders(k.replace(/\|\w+$/, '')).join() !== placeholders(v).join()
            // A plural form may leave the count out ("one deal" / "صفقة واحدة").
            && !(k.includes('|') && placeholders(v).every((p) => placeholders(k).includes(p))))
          .map(([k, v]) => `${k} → ${String(v)}`);
        assert.deepEqual(wrong, []);
      });

      it('holds nothing the code no longer says', () => {
        const stale = Object.keys(words).filter((k) => {
          const [base, category] = k.split(/\|(?=\w+$)/);
          return category ? !plurals.has(base) : !singles.has(k);
        });
        assert.deepEqual(stale, []);
      });
    });
  }
});
