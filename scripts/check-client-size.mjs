// `node scripts/check-client-size.mjs [FILE]`: the size of the client bundle (everything a page
// loads for both elements) as served, gzip -9 and brotli 11 via node:zlib, against the budgets
// (11 KiB gzip, 10 KiB brotli: room left for a third element). Exits 1 when over either budget.
// test/e2e/bundle.test.ts runs the same check.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {brotliCompressSync, constants, gzipSync} from 'node:zlib';

/** The budgets: bytes of gzip -9, and of brotli 11. */
export const CLIENT_GZIP_BUDGET = 11 * 1024;
export const CLIENT_BROTLI_BUDGET = 10 * 1024;

/** The stable entry a page loads; it re-exports the hashed module, which holds the code. */
export const CLIENT_ENTRY = 'dist/client/moin-session.js';

/** The hashed module the stable entry imports (`entry` itself if it imports nothing). */
export function clientModule(entry = CLIENT_ENTRY) {
  const name = /^export \* from '\.\/([^']+)';/.exec(readFileSync(entry, 'utf8'))?.[1];
  return name ? join(dirname(entry), name) : entry;
}

/** Raw, gzip -9 and brotli 11 sizes of the bundle's code (the hashed module), in bytes. */
export function clientSize(file = clientModule()) {
  const raw = readFileSync(file);
  return {
    file,
    raw: raw.length,
    gzip: gzipSync(raw, {level: 9}).length,
    brotli: brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    }).length,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const s = clientSize(process.argv[2]);
  const gzipOk = s.gzip <= CLIENT_GZIP_BUDGET;
  const brotliOk = s.brotli <= CLIENT_BROTLI_BUDGET;
  console.log(
    `${s.file}: ${s.raw} B raw, ${s.gzip} B gzip -9 (budget ${CLIENT_GZIP_BUDGET}: ` +
      `${gzipOk ? 'ok' : 'OVER'}), ${s.brotli} B brotli 11 (budget ${CLIENT_BROTLI_BUDGET}: ` +
      `${brotliOk ? 'ok' : 'OVER'})`
  );
  process.exit(gzipOk && brotliOk ? 0 : 1);
}
