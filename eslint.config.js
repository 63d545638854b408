// @ts-check
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'events', 'stream', 'readline'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'test-artifacts/**', 'eslint.config.js', 'web-console/public/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Test files belong to tsconfig.tests.json, not to the workspaces' build configs.
        project: ['./shared/tsconfig.json', './server/tsconfig.json', './client-agent/tsconfig.json', './load-tests/tsconfig.json', './load-tests/k6/tsconfig.json', './web-console/tsconfig.json', './tsconfig.tests.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['**/*.test.ts', 'test-support/**', '*/test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // shared is the contract: it imports nothing but zod.
    files: ['shared/src/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@varsel/*', ...nodeBuiltins], message: 'shared imports nothing but zod' }] }] },
  },
  {
    // The agent core runs in Node and in a browser: no Node-only or DOM-only modules.
    files: ['client-agent/src/core/**'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: nodeBuiltins, message: 'the agent core is platform-free' }] }] },
  },
  {
    // Only store/ talks to Redis.
    files: ['server/src/**'],
    ignores: ['server/src/store/**', 'server/src/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'ioredis', message: 'only server/src/store talks to Redis', allowTypeImports: true }] }] },
  },
  {
    files: ['server/src/**'],
    rules: { 'no-console': 'error' },
  },
);
