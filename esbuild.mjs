// Two bundles: the extension host (Node, CommonJS) and the sidebar webview (browser, IIFE).
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints the lines the $esbuild-watch problem matcher looks for. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd(({ errors }) => {
      for (const { text, location } of errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'silent',
  legalComments: 'none',
  // Non-ASCII text (… « » ’ and the Cyrillic of transliteration) as itself, not as 6-byte \u escapes.
  charset: 'utf8',
  plugins: [problemMatcher],
};

const targets = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    metafile: true,
  },
  {
    // The HTTP half (axios, vendor clients, question routes), loaded on first use of a remote tracker/CRM.
    ...common,
    entryPoints: ['src/vscode/remote.ts'],
    outfile: 'dist/remote.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    // axios's Node build requires form-data (and through it 137 KB of mime-db) only to serialise
    // multipart bodies, and follow-redirects only to follow redirects. We send JSON and never follow a
    // redirect, so both are replaced by modules that say so.
    alias: { 'form-data': './src/vscode/noFormData.js', 'follow-redirects': './src/vscode/noFollowRedirects.js' },
    metafile: true,
  },
  {
    // Start Work and progress notes, loaded the first time either is used.
    ...common,
    entryPoints: ['src/vscode/workflow.ts'],
    outfile: 'dist/workflow.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    metafile: true,
  },
  {
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    // The webview loads the script by URL; escaped text does not depend on the charset it is served with.
    charset: 'ascii',
    tsconfig: 'src/webview/tsconfig.json',
  },
];

const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const results = await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  if (process.argv.includes('--analyze')) {
    for (const r of results) if (r.metafile) console.log(await esbuild.analyzeMetafile(r.metafile));
  }
}
