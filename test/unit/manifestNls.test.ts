// package.json is localized the way VS Code does it: user-facing strings are `%key%` placeholders whose
// text lives in package.nls.json (English) and package.nls.<lang>.json. VS Code shows a key missing from
// a language's file as the raw `%key%`, and vsce refuses to package one missing from package.nls.json, so
// every key must be in every file; a translation that drops a `{0}`, a link target or a code span
// (`${key}`, a URL, a setting value) misleads the reader, so those must survive translation unchanged.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Languages } from '../../src/core/l10n';
import { SettingDefaults, parseSettings } from '../../src/core/settings';
import { projectRoot } from './projectRoot';

const root = projectRoot;
const readJson = (file: string): any => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
const manifest = readJson('package.json');

/** The name that stays as it is in every language, so it may appear literally in the manifest. */
const ProductName = 'Customer Context';
/** The translations next to package.nls.json, with the script each must be written in. */
const Translations: Record<string, { file: string; script: RegExp }> = {
  ru: { file: 'package.nls.ru.json', script: /[\u0400-\u04FF]/ },
  ar: { file: 'package.nls.ar.json', script: /[\u0600-\u06FF]/ },
};
const bundles: Record<string, Record<string, unknown>> = {
  en: readJson('package.nls.json'),
  ...Object.fromEntries(Object.entries(Translations).map(([lang, t]) => [lang, readJson(t.file)])),
};
const fileOf = (lang: string) => (lang === 'en' ? 'package.nls.json' : Translations[lang].file);

// VS Code accepts `%[\w\d.-]+%`, vsce only `%[\w\d.]+%`: keys keep to what both read.
const placeholder = /^%([\w.]+)%$/;

/** Every `%key%` string in the manifest, with its JSON path. */
function manifestKeys(node: unknown, at = '$', out = new Map<string, string>()): Map<string, string> {
  if (typeof node === 'string') {
    const m = placeholder.exec(node);
    if (m) out.set(m[1], at);
    else if (/^%.*%$/.test(node)) throw new Error(`${at}: "${node}" is not a key VS Code and vsce both read (letters, digits, _ and .)`);
  } else if (Array.isArray(node)) node.forEach((v, i) => manifestKeys(v, `${at}[${i}]`, out));
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) manifestKeys(v, `${at}.${k}`, out);
  return out;
}

/** What must come through translation unchanged: `{0}` placeholders, link targets, code spans, setting links. */
function invariants(text: string): Record<string, string[]> {
  const all = (re: RegExp, group = 0) => [...text.matchAll(re)].map((m) => m[group]).sort();
  return {
    placeholders: all(/\{\d+\}/g),
    'link targets': all(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, 1),
    'code spans': all(/`[^`]+`/g),
    'setting links': all(/#[\w.]+\.[\w.]+#/g),
  };
}

/** Every way the bundles fail the manifest: missing or unused keys, lost placeholders, untranslated text. */
function nlsProblems(used: ReadonlySet<string>, files: Record<string, Record<string, unknown>>): string[] {
  const problems: string[] = [];
  const en = files.en;
  for (const [lang, bundle] of Object.entries(files)) {
    const file = fileOf(lang);
    for (const key of used) if (!(key in bundle)) problems.push(`${file}: no entry for "%${key}%" used in package.json`);
    for (const [key, value] of Object.entries(bundle)) {
      if (!used.has(key)) problems.push(`${file}: "${key}" is not used in package.json`);
      if (typeof value !== 'string' || value.trim() === '') {
        problems.push(`${file}: "${key}" must be a non-empty string`);
        continue;
      }
      if (lang === 'en' || typeof en[key] !== 'string') continue;
      const want = invariants(en[key] as string);
      const got = invariants(value);
      for (const kind of Object.keys(want)) {
        if (JSON.stringify(want[kind]) !== JSON.stringify(got[kind])) {
          problems.push(`${file}: "${key}" has ${kind} ${JSON.stringify(got[kind])}, package.nls.json has ${JSON.stringify(want[kind])}`);
        }
      }
      if (!Translations[lang].script.test(value)) problems.push(`${file}: "${key}" is not translated: ${JSON.stringify(value)}`);
      if ((en[key] as string).includes(ProductName) && !value.includes(ProductName)) {
        problems.push(`${file}: "${key}" must keep the product name "${ProductName}"`);
      }
    }
  }
  return problems;
}

/** The manifest fields VS Code shows to people, with their JSON paths. */
function userFacing(m: any): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [['$.description', m.description]];
  for (const [k, c] of Object.entries<any>(m.capabilities ?? {})) if (c?.description) out.push([`$.capabilities.${k}.description`, c.description]);
  const c = m.contributes ?? {};
  for (const [where, list] of Object.entries<any[]>(c.viewsContainers ?? {})) {
    list.forEach((v, i) => out.push([`$.contributes.viewsContainers.${where}[${i}].title`, v.title]));
  }
  for (const [where, list] of Object.entries<any[]>(c.views ?? {})) {
    list.forEach((v, i) => {
      out.push([`$.contributes.views.${where}[${i}].name`, v.name]);
      if (v.contextualTitle) out.push([`$.contributes.views.${where}[${i}].contextualTitle`, v.contextualTitle]);
    });
  }
  (c.commands ?? []).forEach((cmd: any, i: number) => {
    for (const f of ['title', 'shortTitle', 'category']) if (cmd[f]) out.push([`$.contributes.commands[${i}].${f}`, cmd[f]]);
  });
  (c.viewsWelcome ?? []).forEach((w: any, i: number) => out.push([`$.contributes.viewsWelcome[${i}].contents`, w.contents]));
  (c.walkthroughs ?? []).forEach((w: any, i: number) => {
    const at = `$.contributes.walkthroughs[${i}]`;
    out.push([`${at}.title`, w.title], [`${at}.description`, w.description]);
    (w.steps ?? []).forEach((s: any, j: number) => {
      out.push([`${at}.steps[${j}].title`, s.title]);
      if (s.description !== undefined) out.push([`${at}.steps[${j}].description`, s.description]);
      if (s.media?.altText !== undefined) out.push([`${at}.steps[${j}].media.altText`, s.media.altText]);
    });
  });
  // One configuration object, or several (one per settings category).
  const configurations: any[] = [c.configuration ?? []].flat();
  const texts = ['description', 'markdownDescription', 'deprecationMessage', 'markdownDeprecationMessage'];
  const lists = ['enumDescriptions', 'markdownEnumDescriptions'];
  const setting = (at: string, p: any): void => {
    for (const f of texts) if (p[f] !== undefined) out.push([`${at}.${f}`, p[f]]);
    for (const f of lists) (p[f] ?? []).forEach((d: unknown, i: number) => out.push([`${at}.${f}[${i}]`, d]));
    if (p.items) setting(`${at}.items`, p.items);
  };
  configurations.forEach((cfg, n) => {
    const at = Array.isArray(c.configuration) ? `$.contributes.configuration[${n}]` : '$.contributes.configuration';
    out.push([`${at}.title`, cfg.title]);
    for (const [k, p] of Object.entries<any>(cfg.properties ?? {})) setting(`${at}.properties["${k}"]`, p);
  });
  (c.languageModelTools ?? []).forEach((t: any, i: number) => {
    for (const f of ['displayName', 'userDescription']) out.push([`$.contributes.languageModelTools[${i}].${f}`, t[f]]);
  });
  return out;
}

const used = new Set(manifestKeys(manifest).keys());

describe('manifest localization (package.nls*.json)', () => {
  it('every %key% of package.json is in every nls file, and no nls file has a key package.json does not use', () => {
    assert.ok(used.size > 60, `package.json uses only ${used.size} keys`);
    assert.deepEqual(nlsProblems(used, bundles), []);
  });

  it('every user-facing manifest string is a %key% or the product name', () => {
    const literals = (m: unknown) => userFacing(m).filter(([, v]) => typeof v !== 'string' || (!placeholder.test(v) && v !== ProductName));
    assert.deepEqual(literals(manifest), []);
    // The walk reaches the fields a later contribution would add literally.
    const later = {
      description: '%d%',
      contributes: {
        commands: [{ title: 'Hi', category: ProductName }],
        walkthroughs: [{ title: '%w%', description: 'Plain', steps: [{ title: '%s%', media: { altText: 'A picture' } }] }],
        configuration: [{ title: ProductName, properties: { x: { enumDescriptions: ['%e%', 'Two'] } } }],
      },
    };
    assert.deepEqual(literals(later).map(([at]) => at), [
      '$.contributes.commands[0].title',
      '$.contributes.walkthroughs[0].description',
      '$.contributes.walkthroughs[0].steps[0].media.altText',
      '$.contributes.configuration[0].properties["x"].enumDescriptions[1]',
    ]);
  });

  it('the English text is today’s, so English users and the e2e tests see no change', () => {
    const en = bundles.en;
    assert.equal(en['command.askSales.title'], 'Ask Sales a Clarifying Question');
    assert.equal(en['command.setTicketForBranch.title'], 'Set Ticket for Current Branch…');
    assert.equal(en['command.togglePrivacy.title'], 'Hide or Show Deal Amounts');
    assert.equal(en['view.worklist.name'], 'Tickets by Customer Value');
    assert.equal(manifest.displayName, ProductName);
    assert.equal(manifest.l10n, './l10n');
  });

  it('the check names each missing key, unused key, lost placeholder, link or code span, and untranslated text', () => {
    const keys = new Set(['a', 'b']);
    const broken = {
      en: { a: 'Open {0} in [the settings](command:workbench.action.openSettings) with `${key}`.', b: 'Customer Context', c: 'x' },
      ru: { a: 'Откройте {1} в [настройках](https://evil.example) c `${ключ}`.' },
      ar: { a: 'افتح {0} في [الإعدادات](command:workbench.action.openSettings) مع `${key}`.', b: 'Open' },
    };
    assert.deepEqual(nlsProblems(keys, broken), [
      'package.nls.json: "c" is not used in package.json',
      'package.nls.ru.json: no entry for "%b%" used in package.json',
      'package.nls.ru.json: "a" has placeholders ["{1}"], package.nls.json has ["{0}"]',
      'package.nls.ru.json: "a" has link targets ["https://evil.example"], package.nls.json has ["command:workbench.action.openSettings"]',
      'package.nls.ru.json: "a" has code spans ["`${ключ}`"], package.nls.json has ["`${key}`"]',
      'package.nls.ar.json: "b" is not translated: "Open"',
      'package.nls.ar.json: "b" must keep the product name "Customer Context"',
    ]);
    assert.throws(() => manifestKeys({ title: '%bad-key%' }), /\$\.title: "%bad-key%" is not a key/);
  });
});

describe('customerContext.language', () => {
  const p = manifest.contributes.configuration.properties['customerContext.language'];

  it('is auto/en/ru/ar, default auto, application scope, each value described', () => {
    assert.deepEqual(p.enum, ['auto', ...Languages]);
    assert.equal(p.default, 'auto');
    assert.equal(p.scope, 'application');
    assert.equal(p.enumDescriptions.length, p.enum.length);
    for (const d of p.enumDescriptions) assert.match(d, placeholder);
    assert.match(p.markdownDescription, placeholder);
  });

  it('says in every language that auto follows VS Code and that Arabic is chosen here', () => {
    const key = (v: string) => placeholder.exec(p.enumDescriptions[p.enum.indexOf(v)])![1];
    assert.match(bundles.en[key('auto')] as string, /VS Code's display language/);
    assert.match(bundles.en[key('ar')] as string, /VS Code has no Arabic display language/);
    assert.match(bundles.ru[key('auto')] as string, /язык интерфейса VS Code/i);
    assert.match(bundles.ru[key('ar')] as string, /арабского языка интерфейса в VS Code нет/);
    assert.match(bundles.ar[key('auto')] as string, /لغة العرض في VS Code/);
    assert.match(bundles.ar[key('ar')] as string, /لا تتوفر في VS Code لغة عرض عربية/);
  });

  it('is harmless in an untrusted folder, so Restricted Mode does not ignore it', () => {
    assert.ok(!manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('customerContext.language'));
  });

  it('is read by the code: default auto, a bad value names the setting and falls back', () => {
    assert.equal(SettingDefaults.language, 'auto');
    assert.equal(parseSettings({ language: 'ar' }).settings.language, 'ar');
    const bad = parseSettings({ language: 'fr' });
    assert.equal(bad.settings.language, 'auto');
    assert.deepEqual(bad.problems, ['customerContext.language: expected one of "auto", "en", "ru", "ar"; using the default.']);
  });
});

describe('Marketplace and Open VSX listing', () => {
  it('has a 128×128 PNG icon', () => {
    const png = fs.readFileSync(path.join(root, manifest.icon));
    assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', `${manifest.icon} is a PNG`);
    assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128], `${manifest.icon} is 128×128`);
  });

  it('the activity bar icon is monochrome: VS Code masks it with the theme colour', () => {
    const svg = fs.readFileSync(path.join(root, manifest.contributes.viewsContainers.activitybar[0].icon), 'utf8');
    const paints = [...svg.matchAll(/(?:fill|stroke|stop-color|color)\s*[=:]\s*"?([^";\s>]+)/g)].map((m) => m[1]);
    assert.ok(paints.length > 0);
    assert.deepEqual(paints.filter((c) => c !== 'currentColor' && c !== 'none'), []);
    assert.ok(!/<image|<style|url\(/.test(svg), 'no raster images, style sheets or gradients');
  });

  it('has categories, at most 30 keywords and the links the listing shows', () => {
    const known = ['AI', 'Chat', 'Other', 'Programming Languages', 'SCM Providers', 'Testing', 'Visualization', 'Education', 'Notebooks'];
    for (const c of manifest.categories) assert.ok(known.includes(c), `category ${c}`);
    assert.ok(manifest.keywords.length <= 30, `${manifest.keywords.length} keywords`);
    assert.equal(new Set(manifest.keywords).size, manifest.keywords.length, 'no keyword twice');
    for (const k of ['crm', 'jira', 'gitlab', 'youtrack', 'bitrix24', 'amocrm']) assert.ok(manifest.keywords.includes(k), k);
    assert.match(manifest.galleryBanner.color, /^#[0-9A-Fa-f]{6}$/);
    assert.ok(['dark', 'light'].includes(manifest.galleryBanner.theme));
    for (const url of [manifest.repository.url, manifest.bugs.url, manifest.homepage]) assert.match(url, /^https:\/\//);
    assert.ok(manifest.qna === false || /^https:\/\//.test(manifest.qna), 'qna is false or a URL');
  });
});
