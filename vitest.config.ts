import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'electron/**/*.test.ts', 'tests/**/*.test.ts'],
    environment: 'node',
    // The CLI tests run the built command line (tests/cli-harness.ts).
    globalSetup: ['tests/build-cli.global-setup.ts'],
    setupFiles: ['tests/setup/fast-check-seed.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
