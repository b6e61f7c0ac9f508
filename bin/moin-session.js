#!/usr/bin/env node
// The `moin-session` command. The CLI is TypeScript compiled by `npm run build` into dist/.
import {existsSync} from 'node:fs';

const cli = new URL('../dist/server/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('moin-session: run `npm run build` first');
  process.exit(1);
}
const {main} = await import(cli.href);
await main();
