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
    // Two files at a time. Vitest's default on a 2-vCPU machine is one (the CPUs less one), and
    // most files wait on browsers, redis-server and timers rather than the CPU: on a 2-vCPU VM
    // the node tests took 526 s one file at a time and 379 s two at a time, all passing.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
