import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Layer rules (docs/architecture.md): shared/ is common code (no Node, DOM-free by tsconfig, no Electron), the
 * renderer reaches nothing of Node, main or preload, only main/app and the preload entry import electron.
 */
const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'crypto',
  'child_process',
  'net',
  'tls',
  'http',
  'https',
  'dgram',
  'dns',
  'url',
  'util',
  'stream',
  'events',
  'worker_threads',
  'module',
  'process',
  'buffer',
];
const restrict = (groups) => ({ 'no-restricted-imports': ['error', { patterns: groups }] });
const noElectron = {
  group: ['electron', 'electron/*'],
  message: 'Only main/app (and the preload entry) may import electron.',
};
const noNode = {
  group: nodeBuiltins,
  message: 'This layer runs without Node: share the logic through shared/ instead.',
};
const noUpward = {
  group: ['**/renderer/**', '**/preload/**'],
  message: 'main/ does not import renderer or preload code.',
};
const noKeytar = { group: ['keytar'], message: 'keytar is reached only through main/session/keychainStore.' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: restrict([
      noElectron,
      noNode,
      noKeytar,
      {
        group: ['react', 'react-dom', 'zustand', '**/main/**', '**/preload/**', '**/renderer/**'],
        message: 'shared/ depends on nothing but zod.',
      },
    ]),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['**/*.test.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...restrict([
        noElectron,
        noNode,
        noKeytar,
        { group: ['**/main/**', '**/preload/**'], message: 'The renderer talks to main only through window.whoot.' },
      ]),
    },
  },
  {
    files: ['preload/**/*.ts'],
    ignores: ['preload/index.ts', '**/*.test.ts'],
    rules: restrict([
      noElectron,
      noNode,
      noKeytar,
      { group: ['**/main/**', '**/renderer/**'], message: 'The bridge factory is built from shared/ only.' },
    ]),
  },
  {
    files: ['preload/index.ts'],
    rules: restrict([
      noNode,
      noKeytar,
      { group: ['**/main/**', '**/renderer/**'], message: 'The preload reaches main only over IPC.' },
    ]),
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: restrict([noElectron, noKeytar, noUpward]),
  },
  {
    files: ['main/app/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: restrict([noKeytar, noUpward]),
  },
  {
    files: ['main/session/keychainStore*.ts'],
    ignores: ['**/*.test.ts'],
    rules: restrict([noElectron, noUpward]),
  },
  {
    // Tests assert on values they just created; a failed assertion is the test's job, not a type guard's.
    files: ['**/*.test.ts', '**/*.test.tsx', 'e2e/**/*.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
