// The extension's own words in the reader's language. VS Code's `vscode.l10n.t` picks its bundle by
// the display language only, and VS Code has no Arabic display language, so the bundles
// (`l10n/bundle.l10n.<lang>.json`, VS Code's format: the English message is the key) are read here
// for the language `customerContext.language` chooses. Plural forms live in the same flat format as
// `"<English plural>|<CLDR category>"` keys, so the files stay valid `vscode.l10n` bundles.

/** The languages the extension speaks. */
export const Languages = ['en', 'ru', 'ar'] as const;
/** One of the extension's languages. */
export type Language = (typeof Languages)[number];
/** The setting `customerContext.language`: `auto` follows VS Code's display language. */
export type LanguageSetting = 'auto' | Language;
/** A bundle: English message → translation (plural forms under `message|category`). */
export type Bundle = Readonly<Record<string, string>>;
/** What a message's `{0}`, `{1}`… take. */
export type L10nArg = string | number;

/** Translates the extension's messages into one language. English is the identity. */
export interface Translator {
  readonly language: Language;
  /** The BCP 47 tag numbers and dates are formatted with (`ru`, `ar`, or VS Code's `en-GB`…). */
  readonly locale: string;
  readonly dir: 'ltr' | 'rtl';
  /** `message` in the language, `{0}`… replaced by `args` (numbers formatted for the locale). */
  t(message: string, ...args: L10nArg[]): string;
  /**
   * The form of `other` for the count `n` (`{0}` is the formatted count): English picks `one` for 1,
   * Russian one/few/many (1 сделка, 2 сделки, 5 сделок), Arabic zero/one/two/few/many/other.
   */
  plural(n: number, one: string, other: string, ...args: L10nArg[]): string;
}

/** The language for the setting and VS Code's display language (`vscode.env.language`). */
export function languageFor(setting: unknown, displayLanguage: string | undefined): Language {
  if (setting === 'en' || setting === 'ru' || setting === 'ar') return setting;
  const base = (displayLanguage ?? '').toLowerCase().split(/[-_]/)[0];
  return base === 'ru' || base === 'ar' ? base : 'en';
}

/**
 * The locale numbers and dates use: VS Code's display language when it is the same language (so
 * `en-GB` keeps its dates), else the language itself.
 */
export function localeFor(language: Language, displayLanguage: string | undefined): string {
  const display = displayLanguage || 'en';
  const base = display.toLowerCase().split(/[-_]/)[0];
  if (base === language) {
    try {
      return Intl.getCanonicalLocales(display)[0] ?? language;
    } catch {
      return language;
    }
  }
  return language;
}

const pluralRules = new Map<string, Intl.PluralRules>();
const counts = new Map<string, Intl.NumberFormat>();

function rulesFor(locale: string): Intl.PluralRules {
  let r = pluralRules.get(locale);
  if (!r) pluralRules.set(locale, (r = new Intl.PluralRules(locale)));
  return r;
}

function countFormat(locale: string): Intl.NumberFormat {
  let f = counts.get(locale);
  if (!f) counts.set(locale, (f = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 })));
  return f;
}

/** The plural categories a language's bundle must give for each plural message. */
export function pluralCategories(language: Language): Intl.LDMLPluralRule[] {
  return rulesFor(language).resolvedOptions().pluralCategories as Intl.LDMLPluralRule[];
}

/** `{0}`, `{1}`… replaced; an index without an argument stays as written. */
export function fill(message: string, args: readonly L10nArg[], locale: string): string {
  if (args.length === 0) return message;
  return message.replace(/\{(\d+)\}/g, (whole, i: string) => {
    const v = args[Number(i)];
    if (v === undefined) return whole;
    return typeof v === 'number' ? countFormat(locale).format(v) : v;
  });
}

/** A translator for `language` with its `bundle` (none for English). Missing entries stay English. */
export function createTranslator(language: Language, bundle: Bundle | undefined, locale: string = language): Translator {
  const words = bundle ?? {};
  const own = (key: string): string | undefined =>
    Object.prototype.hasOwnProperty.call(words, key) && typeof words[key] === 'string' ? words[key] : undefined;
  return {
    language,
    locale,
    dir: language === 'ar' ? 'rtl' : 'ltr',
    t: (message, ...args) => fill(own(message) ?? message, args, locale),
    plural: (n, one, other, ...args) => {
      const all = [n, ...args];
      if (language === 'en') return fill(rulesFor('en').select(n) === 'one' ? one : other, all, locale);
      const category = rulesFor(language).select(n);
      const form = own(`${other}|${category}`) ?? own(`${other}|other`) ?? own(other);
      return fill(form ?? (n === 1 ? one : other), all, locale);
    },
  };
}

/**
 * Text for a plain-text surface VS Code lays out left to right (a tooltip, a tree message): in a
 * right-to-left language each line is isolated as right to left (RLI…PDI), so its full stop and
 * brackets land where an Arabic reader expects them. Left to right, the text is returned as it is.
 */
export function isolateLines(text: string, dir: 'ltr' | 'rtl'): string {
  if (dir !== 'rtl') return text;
  return text.split('\n').map((line) => (line ? `\u2067${line}\u2069` : line)).join('\n');
}

/** The English translator: tests and code that run before the bundles load. */
export const English: Translator = createTranslator('en', undefined, 'en');
