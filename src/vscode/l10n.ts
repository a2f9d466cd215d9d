// The translator for `customerContext.language`: reads `l10n/bundle.l10n.<lang>.json` from the
// extension's install folder and tells the views when the setting changes. Start Work and progress
// notes live in a second bundle (dist/workflow.js) with its own copy of this module, so the current
// translator and its event sit on `globalThis` under one key: both bundles see the same language.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type Bundle,
  English,
  type L10nArg,
  type Language,
  type Translator,
  createTranslator,
  languageFor,
  localeFor,
} from '../core/l10n';
import { SettingsSection } from '../shared/ids';

/** The setting, under `customerContext`, that picks the language. */
export const LanguageSettingKey = 'language';
const FullSetting = `${SettingsSection}.${LanguageSettingKey}`;
const Values = ['auto', 'en', 'ru', 'ar'];

/** A bundle larger than this is not ours (ours are tens of kilobytes): it is not read. */
const MaxBundleBytes = 2 * 1024 * 1024;

interface Hub {
  translator: Translator;
  readonly changed: vscode.EventEmitter<Translator>;
}

const HubKey = Symbol.for('customer-context.customer-context/l10n');

function hub(): Hub {
  const g = globalThis as { [HubKey]?: Hub };
  return (g[HubKey] ??= { translator: English, changed: new vscode.EventEmitter<Translator>() });
}

/** The translator in use: English until a Localizer has started (tests, activation's first lines). */
export function current(): Translator {
  return hub().translator;
}

/** `message` in the current language (the English text is the key; see core/l10n.ts). */
export function t(message: string, ...args: L10nArg[]): string {
  return current().t(message, ...args);
}

/** The plural form of `other` for `n` in the current language; `{0}` is the formatted count. */
export function plural(n: number, one: string, other: string, ...args: L10nArg[]): string {
  return current().plural(n, one, other, ...args);
}

/** Fires with the new translator when `customerContext.language` changes what it picks. */
export const onDidChangeLanguage: vscode.Event<Translator> = (listener, thisArgs, disposables) =>
  hub().changed.event(listener, thisArgs, disposables);

/** Where a language's bundle is in the extension's install folder. */
export function bundlePath(extensionFolder: string, language: Language): string {
  return path.join(extensionFolder, 'l10n', `bundle.l10n.${language}.json`);
}

/**
 * A bundle from its text: a flat JSON object whose values are all strings. Throws an error naming
 * `file` and, for a bad entry, its key.
 */
export function parseBundle(text: string, file: string): Bundle {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const got = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw;
    throw new Error(`${file} must hold one JSON object of strings, not ${got}.`);
  }
  // No prototype: a "__proto__" or "constructor" key is an entry like any other.
  const bundle: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
      throw new Error(`${file}: the entry ${JSON.stringify(key.slice(0, 80))} must be a string, not ${got}.`);
    }
    bundle[key] = value;
  }
  return bundle;
}

/**
 * Keeps the translator in step with `customerContext.language` and VS Code's display language.
 * A missing or bad bundle means English, with one warning naming the file.
 */
export class Localizer implements vscode.Disposable {
  private readonly bundles = new Map<Language, Bundle | undefined>();
  private readonly subscription: vscode.Disposable;
  /** The install folder; undefined when it is not on this machine's disk (bundles cannot be read). */
  private readonly folder: string | undefined;
  private readonly where: string;
  private badSetting: string | undefined;

  constructor(
    extensionUri: vscode.Uri,
    private readonly log: Pick<vscode.LogOutputChannel, 'warn'>,
    private readonly displayLanguage: () => string = () => vscode.env.language,
  ) {
    this.folder = extensionUri.scheme === 'file' ? extensionUri.fsPath : undefined;
    this.where = extensionUri.toString();
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(FullSetting)) this.apply();
    });
    this.apply();
  }

  /** The translator in use (the same as `current()`). */
  get translator(): Translator {
    return current();
  }

  /** Reads the setting again; fires the change event when the language or locale differs. */
  apply(): void {
    const setting = vscode.workspace.getConfiguration(SettingsSection).get<unknown>(LanguageSettingKey);
    const display = this.displayLanguage();
    this.checkSetting(setting, display);
    const language = languageFor(setting, display);
    const bundle = language === 'en' ? undefined : this.bundle(language);
    const next = language !== 'en' && !bundle
      ? createTranslator('en', undefined, localeFor('en', display))
      : createTranslator(language, bundle, localeFor(language, display));
    const h = hub();
    if (h.translator.language === next.language && h.translator.locale === next.locale) return;
    h.translator = next;
    h.changed.fire(next);
  }

  private checkSetting(setting: unknown, display: string): void {
    if (setting === undefined || (typeof setting === 'string' && Values.includes(setting))) {
      this.badSetting = undefined;
      return;
    }
    const shown = (JSON.stringify(setting) ?? String(setting)).slice(0, 40);
    if (shown === this.badSetting) return;
    this.badSetting = shown;
    this.log.warn(
      `${FullSetting} must be "auto", "en", "ru" or "ar", not ${shown}; ` +
        `following VS Code's display language (${display || 'en'}).`,
    );
  }

  /** The language's bundle, read once; undefined (after one warning) when missing or bad. */
  private bundle(language: Language): Bundle | undefined {
    if (this.bundles.has(language)) return this.bundles.get(language);
    let bundle: Bundle | undefined;
    if (this.folder) {
      const file = bundlePath(this.folder, language);
      try {
        const size = fs.statSync(file).size;
        if (size > MaxBundleBytes) {
          throw new Error(`${file} is ${size} bytes, more than a bundle can be (${MaxBundleBytes}).`);
        }
        bundle = parseBundle(fs.readFileSync(file, 'utf8'), file);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? `${file} does not exist.`
          : code ? `${file} could not be read (${(e as Error).message}).` : (e as Error).message;
        this.log.warn(`Translations: ${why} Messages are in English.`);
      }
    } else {
      this.log.warn(
        `Translations: the extension folder ${this.where} is not on this machine's disk, ` +
          `so the ${language} bundle cannot be read. Messages are in English.`,
      );
    }
    this.bundles.set(language, bundle);
    return bundle;
  }

  dispose(): void {
    this.subscription.dispose();
    const h = hub();
    h.translator = English;
    h.changed.dispose();
    delete (globalThis as { [HubKey]?: Hub })[HubKey];
  }
}
