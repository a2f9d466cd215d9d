// typescript-eslint recommended plus the three-folder boundary: core/shared never import vscode or the
// VS Code layer; the webview imports only types from core/shared.
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
    files: ['src/core/**', 'src/shared/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [
          { name: 'vscode', message: 'core/shared must stay VS Code-free; put glue in src/vscode/.' },
          { name: 'axios', message: 'core gets HTTP through an injected transport.', allowTypeImports: true },
        ],
        patterns: [{ group: ['**/vscode/**', '**/extension'], message: 'core/shared must not depend on the VS Code layer.' }],
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
