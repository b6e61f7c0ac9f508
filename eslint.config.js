// One flat config for the whole repository. Type-aware rules need typescript 5.9 (see README).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  // bench/results: what the benchmarks write (ignored by git too).
  {ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'bench/results/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Tests, benchmarks and scripts run in Node and drive browsers: both sets of globals. The
    // runtime folders get only their own below (tsconfig.{shared,client,server}.json agree).
    ignores: ['shared/**', 'client/**', 'server/**'],
    languageOptions: {globals: {...globals.node, ...globals.browser}},
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', varsIgnorePattern: '^_'},
      ],
      'no-restricted-syntax': [
        'error',
        {selector: "CallExpression[callee.property.name='only']", message: 'No .only in tests.'},
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    languageOptions: {globals: {structuredClone: 'readonly'}},
    rules: {
      'no-undef': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {group: ['node:*', '../server/*', '../client/*'], message: 'shared/ is pure.'},
          ],
        },
      ],
    },
  },
  {
    files: ['server/**/*.ts'],
    // no-undef sees type names too: Node's `NodeJS` namespace is one.
    languageOptions: {globals: {...globals.node, NodeJS: 'readonly'}},
    rules: {
      'no-undef': 'error',
      'no-restricted-imports': ['error', {patterns: ['../client/*', '../../client/*']}],
    },
  },
  {
    files: ['client/**/*.ts'],
    // no-undef sees type names too: these DOM ones are types only.
    languageOptions: {
      globals: {...globals.browser, IDBTransactionMode: 'readonly', RequestInit: 'readonly'},
    },
    rules: {
      'no-undef': 'error',
      'no-restricted-imports': ['error', {patterns: ['node:*', '../server/*', '../../server/*']}],
    },
  },
  prettier
);
