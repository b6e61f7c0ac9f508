import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    // test/client holds the browser tests for web-test-runner: keep them out of vitest.
    include: [
      'test/shared/**/*.test.ts',
      'test/server/**/*.test.ts',
      'test/e2e/**/*.test.ts',
      'test/integrations/**/*.test.ts',
    ],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
