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
    languageOptions: {globals: {...globals.node, ...globals.browser}},
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
    rules: {
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
    rules: {'no-restricted-imports': ['error', {patterns: ['../client/*', '../../client/*']}]},
  },
  {
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {patterns: ['node:*', '../server/*', '../../server/*']}],
    },
  },
  prettier
);
