import tseslint from 'typescript-eslint';

// core/ must run anywhere (worker, CLI, renderer, tests): no host or UI runtime may leak in.
const coreForbidden = {
  patterns: [
    { group: ['electron', 'electron/*'], message: 'core/ is pure TypeScript: no electron.' },
    { group: ['node:*'], message: 'core/ is pure TypeScript: no node:* modules.' },
    { group: ['better-sqlite3'], message: 'core/ is pure TypeScript: the database belongs to the host.' },
    { group: ['vue', 'pinia', 'echarts', 'echarts/*'], message: 'core/ is pure TypeScript: no UI.' },
    { group: ['../electron/*', '../renderer/*', '../../electron/*', '../../renderer/*'], message: 'core/ may not import the host or the renderer.' },
  ],
  paths: ['fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'http', 'url', 'util'].map((name) => ({
    name,
    message: 'core/ is pure TypeScript: no Node built-ins.',
  })),
};

// Every file a user names is read through electron/host/read-input.ts (a byte limit that holds for
// devices, FIFOs and /proc files). Internal files (migrations) are listed as exceptions.
const rawReads = ['readFileSync', 'readFile', 'createReadStream', 'openSync', 'readSync', 'open'];
const userReadMessage = 'Read user files with readUserText/readUserBytes from electron/host/read-input.ts (bounded, refuses devices and FIFOs).';
const userReadForbidden = {
  paths: ['node:fs', 'fs', 'node:fs/promises', 'fs/promises'].map((name) => ({ name, importNames: rawReads, message: userReadMessage })),
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'renderer/dist/**', 'release/**', 'docs/**', '**/*.vue'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['core/**/*.ts'],
    ignores: ['core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', coreForbidden],
      'no-restricted-globals': [
        'error',
        { name: 'window', message: 'core/ has no DOM.' },
        { name: 'document', message: 'core/ has no DOM.' },
        { name: 'process', message: 'core/ has no Node process.' },
        { name: 'require', message: 'core/ is ESM and pure.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the run\'s seeded PRNG.' },
        { object: 'Date', property: 'now', message: 'No wall clock in the engine.' },
        { object: 'performance', property: 'now', message: 'No wall clock in the engine.' },
      ],
    },
  },
  {
    files: ['electron/cli/**/*.ts', 'electron/host/**/*.ts'],
    ignores: ['electron/host/read-input.ts', 'electron/host/migrate.ts'],
    rules: {
      'no-restricted-imports': ['error', userReadForbidden],
      'no-restricted-properties': [
        'error',
        ...rawReads.flatMap((property) => ['fs', 'fsp', 'promises'].map((object) => ({ object, property, message: userReadMessage }))),
      ],
    },
  },
);
