// typescript-eslint recommended plus the three-folder boundary: core never imports vscode or the VS Code
// layer; shared imports nothing from core, the VS Code layer or the webview (types included); the
// webview imports only types from core/shared.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.vscode-test/**', '.demo/**', 'test-results/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [
          { name: 'vscode', message: 'core must stay VS Code-free; put glue in src/vscode/.' },
          { name: 'axios', message: 'core gets HTTP through an injected transport.', allowTypeImports: true },
        ],
        patterns: [{ group: ['**/vscode/**', '**/extension'], message: 'core must not depend on the VS Code layer.' }],
      }],
    },
  },
  {
    // shared is read by all three runtimes, so it depends on nothing of theirs, not even for types
    // (no allowTypeImports): a type from core drags core's changes into the webview's contract.
    files: ['src/shared/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [
          { name: 'vscode', message: 'src/shared depends on nothing: no vscode, not even its types.' },
          { name: 'axios', message: 'src/shared depends on nothing: no axios.' },
        ],
        patterns: [{
          group: ['**/core', '**/core/**', '**/vscode/**', '**/webview', '**/webview/**', '**/extension'],
          message: 'src/shared depends on nothing: define the type in src/shared and let core import it.',
        }],
      }],
      // `import('../core/x').T` in a type position would slip past the import rule above.
      'no-restricted-syntax': ['error', {
        selector: 'TSImportType',
        message: 'src/shared uses no import() types: import from src/shared only.',
      }],
    },
  },
  {
    files: ['src/webview/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: ['vscode', 'axios', 'zod', 'zod/mini'],
        patterns: [{ group: ['**/core/**', '**/shared/**', '**/vscode/**', 'node:*'], allowTypeImports: true, message: 'The webview may only import types from core/shared.' }],
      }],
    },
  },
  {
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-console': 'off' },
  },
);
