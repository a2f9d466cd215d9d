#!/usr/bin/env node
// The minimal Russian language pack of the e2e tests (test/fixtures/language-pack-ru): code-server offers
// a display language only when a pack for it is installed, and `--install-extension` takes a .vsix or a
// Marketplace id, never a folder. This packs it into test-results/language-pack-ru.vsix and prints the path.
//
//   node scripts/packLanguagePack.mjs [--out <file.vsix>]
//       [--user-data-dir <dir> --extensions-dir <dir> [--locale ru]]
//
// With --user-data-dir and --extensions-dir (the code-server profile of a test run, before it starts) it also
// installs the pack there and registers it in <user-data-dir>/languagepacks.json: VS Code writes that file
// only when the server itself installs a pack, not from the `--install-extension` CLI (microsoft/vscode
// #237663, coder/code-server#3372), and without it code-server serves English whatever the locale.
// --locale writes "locale" into <user-data-dir>/User/argv.json; `code-server --locale ru` does the same.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVSIX } from '@vscode/vsce';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packDir = path.join(root, 'test', 'fixtures', 'language-pack-ru');
const codeServerEntry = path.join(root, '.vscode-test', 'code-server-4.100.3', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

function option(name) {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (!value || value.startsWith('--')) {
    console.error(`${name} needs a value`);
    process.exit(2);
  }
  return value;
}
const out = path.resolve(option('--out') ?? path.join(root, 'test-results', 'language-pack-ru.vsix'));
const userDataDir = option('--user-data-dir');
const extensionsDir = option('--extensions-dir');
const locale = option('--locale');
if (!userDataDir !== !extensionsDir || (locale && !userDataDir)) {
  console.error('--user-data-dir and --extensions-dir go together; --locale needs them');
  process.exit(2);
}

const readJson = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${e instanceof SyntaxError ? `not valid JSON (${e.message})` : e.message}`);
  }
};
const manifestPath = path.join(packDir, 'package.json');
const manifest = readJson(manifestPath);
const localizations = manifest.contributes?.localizations ?? [];

// A pack whose translation file is missing or malformed is skipped by VS Code without a word.
for (const [i, loc] of localizations.entries()) {
  for (const [j, t] of (loc.translations ?? []).entries()) {
    const file = path.join(packDir, t.path);
    const where = `${manifestPath}: contributes.localizations[${i}].translations[${j}].path`;
    if (!fs.existsSync(file)) throw new Error(`${where}: ${t.path} does not exist`);
    const contents = readJson(file).contents;
    if (typeof contents !== 'object' || contents === null) throw new Error(`${file}: "contents" must be an object`);
  }
}

fs.mkdirSync(path.dirname(out), { recursive: true });
// No repository, licence or README: a test fixture, never published.
await createVSIX({ cwd: packDir, packagePath: out, dependencies: false, allowMissingRepository: true, skipLicense: true });

if (userDataDir && extensionsDir) {
  if (!fs.existsSync(codeServerEntry)) throw new Error(`code-server is not installed at ${codeServerEntry}: run \`npm run setup:code-server\``);
  // Its own config file, so code-server never writes ~/.config/code-server/config.yaml.
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-langpack-'));
  const config = path.join(configDir, 'config.yaml');
  fs.writeFileSync(config, 'auth: none\n');
  try {
    execFileSync(process.execPath, [codeServerEntry, '--config', config, '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir, '--force', '--install-extension', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    fs.rmSync(configDir, { recursive: true, force: true });
  }
  const id = `${manifest.publisher}.${manifest.name}`.toLowerCase();
  const installedList = path.join(extensionsDir, 'extensions.json');
  const installed = readJson(installedList).find((e) => e.identifier?.id?.toLowerCase() === id);
  if (!installed?.location?.fsPath) throw new Error(`${installedList}: ${id} is not listed after installing ${out}`);

  // The shape VS Code's NativeLanguagePackService writes (src/vs/platform/languagePacks/node/languagePacks.ts);
  // the hash only names code-server's cache of generated messages, so a new version gets a fresh one.
  const packsFile = path.join(userDataDir, 'languagepacks.json');
  const packs = fs.existsSync(packsFile) ? readJson(packsFile) : {};
  for (const loc of localizations) {
    const translations = Object.fromEntries(loc.translations.map((t) => [t.id, path.join(installed.location.fsPath, t.path)]));
    packs[loc.languageId] = {
      hash: createHash('md5').update(id).update(manifest.version).digest('hex'),
      extensions: [{ extensionIdentifier: { id }, version: manifest.version }],
      translations,
      label: loc.localizedLanguageName ?? loc.languageName,
    };
  }
  fs.writeFileSync(packsFile, JSON.stringify(packs));

  if (locale) {
    const argvFile = path.join(userDataDir, 'User', 'argv.json');
    fs.mkdirSync(path.dirname(argvFile), { recursive: true });
    const argv = fs.existsSync(argvFile) ? readJson(argvFile) : {};
    fs.writeFileSync(argvFile, JSON.stringify({ ...argv, locale }, null, 2));
  }
}
console.log(out);
