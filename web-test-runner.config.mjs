import {esbuildPlugin} from '@web/dev-server-esbuild';
import {chromeLauncher} from '@web/test-runner';
import {existsSync} from 'node:fs';
import {CHROMIUM_ARGS, CHROMIUM_PATH} from './scripts/chromium.mjs';

const executablePath = CHROMIUM_PATH;
if (!existsSync(executablePath)) {
  throw new Error(
    `Chromium not found at ${executablePath}: install it (apt-get install chromium) or set CHROMIUM_PATH.`
  );
}

export default {
  files: 'test/client/**/*.test.ts',
  nodeResolve: {exportConditions: ['production']},
  plugins: [esbuildPlugin({ts: true, target: 'es2022'})],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath,
        headless: true,
        args: [...CHROMIUM_ARGS],
      },
    }),
  ],
  testFramework: {config: {timeout: 10000}},
};
