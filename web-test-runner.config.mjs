import {esbuildPlugin} from '@web/dev-server-esbuild';
import {chromeLauncher} from '@web/test-runner';
import {existsSync} from 'node:fs';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
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
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      },
    }),
  ],
  testFramework: {config: {timeout: 10000}},
};
